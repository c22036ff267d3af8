// The serving app's planning defaults, read once at the edge: the default scenario's on-call cover and rollout length
// are what POST /v1/deploy/windows and /v1/deploy/schedule assume when a request leaves `onCall` or `rolloutMinutes`
// out (`rolloutlab serve` passes them to buildApp as `planDefaults`; the server itself reads no scenario). The same
// for the what-if's worlds: the scenarios a POST /v1/whatif may name, read here (`whatif`).
import { RolloutlabError, isRolloutlabError } from '../lib/errors.ts';
import { builtinScenarios, loadScenario, rolloutWindow } from '../sim/index.ts';
import type { PlanDefaults } from '../server/deploy-planners.ts';
import type { WhatIfWorlds } from '../server/whatif-task.ts';

/** The default scenario's on-call cover (at UTC offset 0) and rollout length with bake, in minutes. */
export function servePlanDefaults(): PlanDefaults {
  const s = loadScenario('default');
  return { onCall: { utcOffsetHours: 0, ...s.calendar.onCall }, rolloutMinutes: rolloutWindow(s.rollout) };
}

/**
 * The worlds of POST /v1/whatif: every built-in scenario by name, and `scenario` (a built-in or a file, loaded here:
 * a request never names a file) by its own name, the world of a request that names none, with `seed`.
 */
export function serveWhatIfWorlds(scenario: string, seed: number): WhatIfWorlds {
  const scenarios = Object.fromEntries(builtinScenarios().map((n) => [n, loadScenario(n)]));
  let own;
  try {
    own = loadScenario(scenario);
  } catch (e) {
    if (isRolloutlabError(e)) throw new RolloutlabError(e.code, `--whatif-scenario: ${e.message}`, 'whatif-scenario');
    throw e;
  }
  const name = Object.hasOwn(scenarios, scenario) ? scenario : own.name;
  scenarios[name] = own;
  return { scenarios, scenario: name, seed };
}
