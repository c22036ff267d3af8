// The rollout environment's door (docs/backtest.md): a Gymnasium-style contract over one deployment of the simulated
// world. Its parts live in sim/env/:
//
//   contract.ts     the public types and constants: actions, observations, rows, outcome, reset options, state
//   rollout-env.ts  RolloutEnv: reset, step (and the drain after a rollback), getState / setState, outcome
//   episode.ts      what a reset fixes: the plan, callers, nearby incidents, scrape gaps, materiality, first state
//   actions.ts      what an action does at the start of a tick; the schedule policy (the unguarded run)
//   minute.ts       one simulated minute of both cohorts and the callers, and its randomness
//   units.ts        the canary broken down by region / tenant (progressive strategies), from a stream of its own
//   tenants.ts      the tenants the fault reached and the customer-minutes exposed, from what each minute drew
//   trailing.ts     the trailing burn and KPI windows
//   outcome.ts      the episode outcome's start and its breach check and attribution
//   record.ts       recordRows(env): the per-minute rows, recorded from outside the environment
export {
  TICK_SECONDS,
  TICK_CHOICES,
  COHORTS,
  ACTION_TYPES,
  toMetrics,
  type EnvWorld,
  type EnvDeployment,
  type Action,
  type Phase,
  type CohortMetrics,
  type Observation,
  type ObservationRow,
  type EpisodeOutcome,
  type StepResult,
  type ResetOptions,
  type EnvState,
  type RowSink,
} from './env/contract.ts';
export { RolloutEnv } from './env/rollout-env.ts';
export { scheduleAction } from './env/actions.ts';
export { recordRows, type RowRecording } from './env/record.ts';
