// The rollout environment's contract (docs/backtest.md): what a caller hands it (the world, the deployment, the reset
// options, an action) and what it hands back (observations, step results, the episode outcome, the per-minute rows,
// the copyable state). Types and constants only, plus `toMetrics`, the one view of a cohort's sample a policy sees.
import type { Scenario } from '../scenario-schema.ts';
import type { Topology } from '../topology.ts';
import type { Traffic } from '../traffic.ts';
import type { Fault } from '../faults.ts';
import type { Incident, Cohort } from '../noise.ts';
import type { CohortSample } from '../observe.ts';
import type { Strategy } from '../strategy.ts';

/** Seconds per step of the environment by default: one observation per minute. */
export const TICK_SECONDS = 60;

/**
 * The step lengths an action may ask for (`tickSeconds`): the divisors of a minute from 5 s, so that steps always
 * line up with the minute the world's traffic and the SLO windows are counted in.
 */
export const TICK_CHOICES = [5, 6, 10, 12, 15, 20, 30, 60] as const;

export const COHORTS = ['baseline', 'canary'] as const;

/** What the environment needs from a world. */
export interface EnvWorld {
  scenario: Scenario;
  topology: Topology;
  traffic: Traffic;
  incidents: readonly Incident[];
}

/** The deployment to roll out: where, when, and (hidden from policies) the fault its change carries. */
export interface EnvDeployment {
  id: string;
  service: number;
  start: number;
  fault: Fault | null;
  /** Whether the fault is material (docs/definitions.md#material-fault), if the caller knows; only the reward uses it. */
  material?: boolean;
}

/**
 * An action, applied at the start of the next step. `tickSeconds` (one of TICK_CHOICES, default 60) is how long that
 * step lasts: a policy that wants to watch more closely asks for a shorter one, down to 5 s. A step never crosses a
 * minute boundary: asked for 60 s in the middle of a minute, it runs to the end of that minute.
 */
export type Action =
  | { type: 'advance'; reason?: string; tickSeconds?: number }
  | { type: 'hold'; reason?: string; tickSeconds?: number }
  | { type: 'promote'; reason?: string; tickSeconds?: number }
  /** Roll back everything, or (progressive strategies) one region / tenant. */
  | { type: 'rollback'; unit?: string; reason?: string; tickSeconds?: number };

export const ACTION_TYPES = ['advance', 'hold', 'promote', 'rollback'] as const;

export type Phase = 'progressing' | 'baking' | 'rolled_back' | 'done' | 'truncated';

/** One cohort's metrics for one tick, as a metrics backend would return them: the sample without its truth, plus the
 *  requests of sync callers that reached this cohort and how many of them failed. */
export interface CohortMetrics extends Omit<CohortSample, 'badNoFault'> {
  callerRequests: number;
  callerErrors: number;
}

export interface Observation {
  deploymentId: string;
  /**
   * Minutes since the rollout started; the metrics below are of minute `age - 1` (none at reset). After a step
   * shorter than a minute, `age` has a fraction (seconds / 60) and the metrics are of the step's last `tickSeconds`.
   */
  age: number;
  /** Absolute minute of the world at `age`. */
  minute: number;
  phase: Phase;
  stage: number;
  stages: number;
  /** Share of user traffic on the new version during the observed minute. */
  weight: number;
  /** Mirrored share (blue-green preview): observed on the new version, not served to users. */
  mirror: number;
  exposure: number[];
  units: string[];
  /** Minutes spent at the current stage (or in the bake, once promoted). */
  timeAtStage: number;
  /** The metrics backend erred for this minute: both cohorts are null. */
  providerError: boolean;
  /** null when the cohort was not scraped (gap or backend error), or before the first tick. */
  baseline: CohortMetrics | null;
  canary: CohortMetrics | null;
  /**
   * Progressive strategies only: the canary broken down by unit, parallel to `units` (null for a unit with no traffic
   * on the new version). Its counts add up to the canary's; latency percentiles are not broken down (null) and
   * saturation is the canary's. Absent for other strategies, at reset, and whenever `canary` is null.
   */
  canaryUnits?: (CohortMetrics | null)[];
  /** Seconds the metrics cover, when the step was shorter than a minute (absent: a whole minute). */
  tickSeconds?: number;
}

/** A row of the per-cohort, per-minute record (what `simulate` writes to the observations table). */
export interface ObservationRow extends CohortSample {
  minute: number;
  age: number;
  cohort: Cohort;
  weight: number;
  callerRequests: number;
  callerErrors: number;
  /** False when the cohort was not scraped or the metrics backend erred: the metric values are then missing. */
  scraped: boolean;
  /** The metrics backend erred this minute (both cohorts unscraped). */
  providerError: boolean;
  /** Unrelated incidents active on this cohort (truth). */
  incidents: string[];
}

/** Result of a run, computed by the environment from the truth (docs/definitions.md). Minutes are absolute. */
export interface EpisodeOutcome {
  endedBy: 'promoted' | 'rolled_back' | 'truncated';
  /** First minute with a breach of any cause: trailing bad ratio >= burn threshold on the service or a caller, or the KPI guardrail. */
  breachMinute: number | null;
  breachService: number | null;
  breachKind: 'slo' | 'kpi' | null;
  /** 'noise' when the same minute without the change's fault breaches too. */
  breachCause: 'fault' | 'noise' | null;
  /** First minute with a breach the fault causes (the no-fault twin of the same draws is not in breach). */
  faultBreachMinute: number | null;
  faultBreachService: number | null;
  faultBreachKind: 'slo' | 'kpi' | null;
  /** Bad requests attributable to the fault that users saw, on the service and on callers: the blast radius. */
  faultBadRequests: number;
  peakBadRatio: number;
  /** First minute the fault's effect reached traffic of the new version (users or mirror). */
  onsetMinute: number | null;
  /** Minute of the first rollback decision (any scope), and of the full rollback. */
  rollbackMinute: number | null;
  fullRollbackMinute: number | null;
  /** First minute the fault hurt users (mirrored traffic does not count). */
  impactMinute: number | null;
  /**
   * Minute all of the fault's traffic was back on a healthy version: the full rollback, or the rollback of the
   * region / tenant a confined fault lives in. Traffic shifts take effect within the tick of the decision.
   */
  recoveredMinute: number | null;
  /** Minute the new version reached full exposure. */
  promotedMinute: number | null;
  /** Ticks the policy acted on, and minutes simulated in total (ticks + drain after a rollback). */
  ticks: number;
  minutes: number;
  maxWeight: number;
  /**
   * Tenants of the scenario with at least one of the fault's bad requests (of `faultBadRequests`) attributed to them
   * (docs/definitions.md#tenants-impacted): each minute's count is split over the tenants in proportion to their
   * traffic the fault's effect reached that minute.
   */
  tenantsImpacted: number;
  /** Tenant-minutes in which part of a tenant's user traffic reached the fault's effect while it was active (docs/definitions.md#customer-minutes-exposed). */
  customerMinutesExposed: number;
}

export interface StepResult {
  observation: Observation;
  /** Minus the fault's bad requests of the minute per 1,000 mean requests, minus 0.01 per minute not fully rolled out, minus 50 for rolling back a change without a material fault. */
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: { breach: boolean; outcome?: EpisodeOutcome };
}

export interface ResetOptions {
  seed: number;
  deployment: EnvDeployment;
  strategy: Strategy;
  /** Episode cap in minutes (default 3 × the planned length): a run that holds that long is truncated. */
  maxMinutes?: number;
}

/** Plain, copyable state of a running episode. */
export interface EnvState {
  deploymentId: string;
  seed: number;
  age: number;
  phase: Phase;
  stage: number;
  exposure: number[];
  /** Units rolled back one by one (progressive strategies): kept at 0 from then on. */
  unitRolledBack: boolean[];
  timeAtStage: number;
  /** Seconds into minute `age` (steps shorter than a minute); 0 on a minute boundary. */
  second: number;
  /**
   * The counts of the minute under way, when it is simulated in steps shorter than a minute: per watched service
   * [bad, bad without the fault, total] and the KPI's [lost, expected]. They join the trailing windows when the minute
   * is complete (null on a minute boundary).
   */
  partial: { burn: [number, number, number][]; kpi: [number, number] } | null;
  maxWeight: number;
  /** Trailing windows (rings of the window's width, `n` minutes pushed) per watched service — the service, then its sync callers: bad, bad without fault, total requests. */
  burn: { bad: number[]; badNoFault: number[]; total: number[]; n: number }[];
  kpi: { lost: number[]; base: number[]; n: number };
  /** The fault's bad requests attributed to each tenant so far (the scenario's tenants, in order): what `tenantsImpacted` counts. */
  tenantBad: number[];
  /** Highest share of each tenant's traffic on the new version so far: where data corruption's written data lingers. */
  tenantMaxExposure: number[];
  outcome: EpisodeOutcome;
  lastObservation: Observation;
  done: boolean;
}

/** The observer of recorded rows: called once per observed minute with that minute's rows, baseline then canary. */
export type RowSink = (rows: ObservationRow[]) => void;

/** A cohort's sample as the metrics a backend returns. */
export function toMetrics(x: CohortSample, callerReq: number, callerErr: number): CohortMetrics {
  return {
    requests: x.requests,
    errors: x.errors,
    slow: x.slow,
    latencyP50: x.latencyP50,
    latencyP95: x.latencyP95,
    latencyP99: x.latencyP99,
    cpu: x.cpu,
    memory: x.memory,
    pool: x.pool,
    conversions: x.conversions,
    callerRequests: callerReq,
    callerErrors: callerErr,
  };
}
