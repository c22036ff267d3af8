// Timelines of chosen deployments of a backtest, for the report's Kayenta-style charts: each deployment simulated again
// from the scenario and seed its data set records, under the policy asked for, keeping every observation the policy saw
// (canary and baseline per metric), the action it took on it and why, and the unguarded run's breach and the fault's
// onset. A backtest keeps no per-minute rows per policy (they would be most of its size); a few deployments simulated
// again cost a period of the world each. Each run is scored as the backtest scored it, so the caller can check that it
// is the run the backtest recorded before drawing it.
import { RolloutEnv, type Action, type CohortMetrics, type Observation } from '../sim/env.ts';
import type { Strategy } from '../sim/strategy.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import type { Policy } from '../policies/policy.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { periodOfDeployment, simulatePeriod } from './worlds.ts';
import { runEpisode, scoreDeployment, type DeploymentResult } from './run.ts';
import { predictedRanges } from './ranges.ts';

/** One cohort's minute as the timeline draws it: rates rather than counts, so canary and baseline compare. */
export interface TickMetrics {
  requests: number;
  /** errors / requests (null without requests). */
  errorRate: number | null;
  /** (errors + slow requests) / requests: the SLO's bad requests. */
  badRate: number | null;
  latencyP99: number | null;
  /** conversions / requests. */
  conversionRate: number | null;
  /** Failed calls of the service's sync callers into this cohort / their calls (a contract break shows here). */
  callerErrorRate: number | null;
  memory: number;
}

export interface TimelineTick {
  /** Minutes since the rollout started when the policy decided (the metrics are of the step before). */
  age: number;
  phase: string;
  stage: number;
  /** Share of user traffic on the new version during the observed step. */
  weight: number;
  canary: TickMetrics | null;
  baseline: TickMetrics | null;
  action: Action['type'];
  reason: string | null;
}

export interface DeploymentTimeline {
  deploymentId: string;
  policy: string;
  /** The run scored as the backtest scores it (compare with the recorded row before drawing). */
  result: DeploymentResult;
  /** Minutes from the start to the fault's onset in this run (or the unguarded one), null without one. */
  onsetMin: number | null;
  ticks: TimelineTick[];
}

export interface TimelineRequest {
  deploymentId: string;
  policy: string;
}

const metricsOf = (c: CohortMetrics | null): TickMetrics | null =>
  c === null
    ? null
    : {
        requests: c.requests,
        errorRate: c.requests > 0 ? c.errors / c.requests : null,
        badRate: c.requests > 0 ? (c.errors + c.slow) / c.requests : null,
        latencyP99: c.latencyP99,
        conversionRate: c.requests > 0 ? c.conversions / c.requests : null,
        callerErrorRate: c.callerRequests > 0 ? c.callerErrors / c.callerRequests : null,
        memory: c.memory,
      };

/**
 * The timelines of `requests` (deployment ids of the backtest's periods, and policy names among `policies`), in the
 * order asked. Each period is simulated once, and every policy prepared for it as the backtest did.
 */
export function replayTimelines(o: { scenario: Scenario; seed: number; strategy: Strategy; policies: readonly Policy[]; requests: readonly TimelineRequest[] }): DeploymentTimeline[] {
  const byName = new Map(o.policies.map((p) => [p.name, p]));
  const periods = new Map<number, TimelineRequest[]>();
  for (const r of o.requests) {
    const k = periodOfDeployment(r.deploymentId);
    if (k === null) throw new RolloutlabError('BAD_ARGUMENT', `timeline: not a deployment id: ${JSON.stringify(r.deploymentId)}`, 'deploymentId');
    if (!byName.has(r.policy)) throw new RolloutlabError('BAD_ARGUMENT', `timeline: policy ${JSON.stringify(r.policy)} was not handed over`, 'policy');
    periods.set(k, [...(periods.get(k) ?? []), r]);
  }
  const done = new Map<TimelineRequest, DeploymentTimeline>();
  for (const [k, reqs] of [...periods.entries()].sort((a, b) => a[0] - b[0])) {
    const period = simulatePeriod(o.scenario, o.seed, k);
    const env = new RolloutEnv(period.world);
    for (const p of new Set(reqs.map((r) => byName.get(r.policy)!))) p.prepare?.(period.world);
    for (const r of reqs) {
      const dep = period.deployments.find((d) => d.id === r.deploymentId);
      if (!dep) throw new RolloutlabError('NOT_FOUND', `timeline: ${r.deploymentId} is not a deployment of scenario ${o.scenario.name}, seed ${o.seed}`, 'deploymentId');
      const policy = byName.get(r.policy)!;
      const truth = runEpisode(env, period.world, dep, period.seed, o.strategy, null, null).outcome;
      const ranges = policy.needsRanges ? predictedRanges(period.world, dep, o.strategy, period.seed) : undefined;
      const ticks: TimelineTick[] = [];
      const onTick = (obs: Observation, a: Action) => {
        ticks.push({ age: obs.age, phase: obs.phase, stage: obs.stage, weight: obs.weight, canary: metricsOf(obs.canary), baseline: metricsOf(obs.baseline), action: a.type, reason: a.reason ?? null });
      };
      const { outcome, reason, exposure } = runEpisode(env, period.world, dep, period.seed, o.strategy, policy, truth, ranges, onTick);
      const onset = outcome.onsetMinute ?? truth.onsetMinute;
      done.set(r, {
        deploymentId: dep.id,
        policy: policy.name,
        result: scoreDeployment(policy.name, period.index, period.world, dep, truth, outcome, reason, exposure),
        onsetMin: onset === null ? null : onset - dep.start,
        ticks,
      });
    }
  }
  return o.requests.map((r) => done.get(r)!);
}
