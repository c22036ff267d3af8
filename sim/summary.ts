// A world in numbers: what the main job prints and `simulate --json` returns.
import { TIERS, FAULT_KINDS } from './scenario-schema.ts';
import type { World } from './world.ts';

export interface WorldSummary {
  scenario: string;
  seed: number;
  days: number;
  services: number;
  servicesByTier: Record<string, number>;
  dependencies: number;
  teams: number;
  requests: number;
  changes: number;
  pipelines: { runs: number; failed: number; transientFailures: number; persistentFailures: number };
  deployments: number;
  /** Deployments whose change carries a material fault / deployments (DORA's change failure rate). */
  changeFailureRate: number;
  meanTrueFailureProb: number;
  faultMix: Record<string, number>;
  immaterialFaults: number;
  /** Breaches in the unguarded counterfactual (docs/definitions.md#violating-deployment), by cause and kind. */
  unguardedBreaches: { total: number; byFault: number; byNoise: number; slo: number; kpi: number; shareOfFailed: number };
  faultBadRequests: number;
  incidents: number;
  freezeDelayedDeployments: number;
}

export function summarizeWorld(w: World): WorldSummary {
  const d = w.deployments;
  const failed = d.filter((x) => x.material);
  const faultMix = Object.fromEntries(FAULT_KINDS.map((k) => [k, failed.filter((x) => x.fault?.kind === k).length]));
  const breached = d.filter((x) => x.outcome.breachMinute !== null);
  const attempts = w.pipelines.flatMap((p) => p.attempts.filter((a) => a.status === 'failed' && a.attempt === 1));
  let requests = 0;
  for (const r of w.traffic.requests) for (let t = 0; t < r.length; t++) requests += r[t];
  return {
    scenario: w.scenario.name,
    seed: w.seed,
    days: w.scenario.days,
    services: w.topology.services.length,
    servicesByTier: Object.fromEntries(TIERS.map((t) => [t, w.topology.services.filter((s) => s.tier === t).length])),
    dependencies: w.topology.dependencies.length,
    teams: w.topology.teams.length,
    requests,
    changes: w.changes.length,
    pipelines: {
      runs: w.pipelines.length,
      failed: w.pipelines.filter((p) => p.status === 'failed').length,
      transientFailures: attempts.filter((a) => a.failureClass === 'transient').length,
      persistentFailures: attempts.filter((a) => a.failureClass === 'persistent').length,
    },
    deployments: d.length,
    changeFailureRate: d.length ? failed.length / d.length : 0,
    meanTrueFailureProb: d.length ? d.reduce((a, x) => a + x.trueFailureProb, 0) / d.length : 0,
    faultMix,
    immaterialFaults: d.filter((x) => x.fault && !x.material).length,
    unguardedBreaches: {
      total: breached.length,
      byFault: breached.filter((x) => x.outcome.breachCause === 'fault').length,
      byNoise: breached.filter((x) => x.outcome.breachCause === 'noise').length,
      slo: breached.filter((x) => x.outcome.breachKind === 'slo').length,
      kpi: breached.filter((x) => x.outcome.breachKind === 'kpi').length,
      shareOfFailed: failed.length ? failed.filter((x) => x.outcome.breachMinute !== null).length / failed.length : 0,
    },
    faultBadRequests: d.reduce((a, x) => a + x.outcome.faultBadRequests, 0),
    incidents: w.incidents.length,
    freezeDelayedDeployments: d.filter((x) => x.waitedForFreezeMin > 0).length,
  };
}
