// `none`: follows the schedule and never rolls back: the unguarded counterfactual, the floor.
import type { Policy } from './policy.ts';
import { onSchedule } from './policy.ts';

export const nonePolicy: Policy = {
  name: 'none',
  start: (ctx) => ({ decide: (obs) => onSchedule(obs, ctx.plan) }),
};
