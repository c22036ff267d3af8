// What an action does to a running episode, at the start of its tick: advance to the next stage, hold, promote to
// full exposure, or roll back (everything, or one region / tenant of a progressive strategy). Also the schedule
// policy, which advances when a stage's dwell is over and never rolls back: the unguarded run.
import type { Plan } from '../strategy.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { ACTION_TYPES, TICK_CHOICES, type Action, type EnvState, type Observation } from './contract.ts';
import type { EpisodeCtx } from './episode.ts';

/** Apply `action` to the state (exposure, stage, phase, and the outcome's rollback and promotion marks). */
export function applyAction(action: Action, ctx: EpisodeCtx, st: EnvState): void {
  if (!action || typeof action !== 'object' || !ACTION_TYPES.includes(action.type)) badAction(`type must be one of ${ACTION_TYPES.join(', ')}, got ${JSON.stringify((action as { type?: unknown })?.type)}`);
  if (action.tickSeconds !== undefined && !(TICK_CHOICES as readonly number[]).includes(action.tickSeconds)) badAction(`tickSeconds must be one of ${TICK_CHOICES.join(', ')}, got ${JSON.stringify(action.tickSeconds)}`);
  const { plan } = ctx;
  const last = plan.stages.length - 1;
  switch (action.type) {
    case 'hold':
      return;
    case 'advance':
      // In the bake there is nothing left to advance to: advancing means carrying on.
      if (st.phase === 'progressing') goToStage(ctx, st, st.stage + 1);
      return;
    case 'promote':
      if (st.phase !== 'progressing') badAction(`cannot promote in phase ${st.phase}`);
      goToStage(ctx, st, last);
      return;
    case 'rollback': {
      if (st.outcome.rollbackMinute === null) st.outcome.rollbackMinute = now(ctx, st);
      if (action.unit !== undefined && action.unit !== 'all') {
        if (plan.unitKind === 'all') badAction(`unit ${JSON.stringify(action.unit)}: the ${plan.strategy.kind} strategy rolls back as a whole`);
        const u = plan.units.indexOf(action.unit);
        if (u < 0) badAction(`unit ${JSON.stringify(action.unit)} is not one of ${plan.units.join(', ')}`);
        st.unitRolledBack[u] = true;
        st.exposure[u] = 0;
        const scope = ctx.dep.fault?.scope;
        if (scope && scope.kind === plan.unitKind && (scope.kind === 'region' ? scope.region : scope.kind === 'tenant' ? scope.tenant : '') === action.unit) st.outcome.recoveredMinute ??= now(ctx, st);
        if (!st.unitRolledBack.every((x, i) => x || plan.unitShares[i] === 0)) return;
      }
      st.exposure.fill(0);
      st.phase = 'rolled_back';
      st.outcome.fullRollbackMinute = now(ctx, st);
      st.outcome.recoveredMinute ??= now(ctx, st);
      return;
    }
  }
}

/** A policy that follows the plan's schedule and never rolls back: the unguarded run. */
export function scheduleAction(obs: Observation, plan: Plan): Action {
  return obs.phase === 'progressing' && obs.timeAtStage >= plan.stages[obs.stage].dwellMinutes ? { type: 'advance' } : { type: 'hold' };
}

/** The absolute minute an action takes effect: the step's start, with the fraction of a minute steps shorter than one leave. */
const now = (ctx: EpisodeCtx, st: EnvState): number => ctx.dep.start + (st.age * 60 + st.second) / 60;

function badAction(msg: string): never {
  throw new RolloutlabError('BAD_ARGUMENT', `action: ${msg}`, 'action');
}

function goToStage(ctx: EpisodeCtx, st: EnvState, k: number): void {
  const stage = ctx.plan.stages[k];
  for (let u = 0; u < st.exposure.length; u++) st.exposure[u] = st.unitRolledBack[u] ? 0 : stage.exposure[u];
  st.stage = k;
  st.timeAtStage = 0;
  if (k === ctx.plan.stages.length - 1) {
    st.phase = 'baking';
    st.outcome.promotedMinute = now(ctx, st);
  }
}
