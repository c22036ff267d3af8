// The serving app's planning defaults, read once at the edge: the default scenario's on-call cover and rollout length
// are what POST /v1/deploy/windows and /v1/deploy/schedule assume when a request leaves `onCall` or `rolloutMinutes`
// out (`rolloutlab serve` passes them to buildApp as `planDefaults`; the server itself reads no scenario).
import { loadScenario, rolloutWindow } from '../sim/index.ts';
import type { PlanDefaults } from '../server/deploy-planners.ts';

/** The default scenario's on-call cover (at UTC offset 0) and rollout length with bake, in minutes. */
export function servePlanDefaults(): PlanDefaults {
  const s = loadScenario('default');
  return { onCall: { utcOffsetHours: 0, ...s.calendar.onCall }, rolloutMinutes: rolloutWindow(s.rollout) };
}
