// How preventable is each violation at all? From the simulator's TRUTH (the change's fault, the service's base rates),
// the expected z of the fault's effect accumulated over the canary's actual traffic from the fault's onset up to the
// last minute a policy can still act on before the unguarded run breaches (the policy's tick at the breach minute sees
// the minutes before it) — on the bad-request ratio, the conversion rate and the callers' error ratio, whichever is
// largest (the same three measures as the judge's ceiling, backtest/judge-ceiling.ts, summed over minutes):
//
//   z_bad    = Σ N_t (bad_t − bad_base) / sqrt(Σ N_t bad_base (1 − bad_base))       N_t = canary requests in minute t
//   z_kpi    = Σ share kpiDrop conv OK_t / sqrt(Σ conv OK_t)                          OK_t = canary requests that did not fail
//   z_caller = Σ share callerErrorAdd C_t / sqrt(Σ C_t × callers' base ratio)         C_t = callers' requests on the canary
//
// This is the evidence an ideal test would have if it knew the fault's kind, onset and size and the baseline's exact
// rates: optimistic by construction (a real policy tests many metrics at every minute under a false-rollback budget
// and knows none of those). A violation whose expected z is below 2 by its last actionable minute is one no policy
// can prevent without rolling back healthy changes as often. An analysis of the prevention ceiling, never a feature.
import { loadScenario } from '../sim/index.ts';
import { scenarioStrategy } from '../sim/strategy.ts';
import { RolloutEnv, recordRows, type ObservationRow } from '../sim/env.ts';
import { faultEffect, type Fault } from '../sim/faults.ts';
import type { Service } from '../sim/topology.ts';
import { addFaultEvidence, evidenceZ, noEvidence } from './judge-ceiling.ts';
import { periods } from './worlds.ts';
import { runEpisode, scoreDeployment } from './run.ts';
import type { Policy } from '../policies/policy.ts';

export const PREVENTION_BUCKETS: readonly [number, number][] = [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 5],
  [5, Infinity],
];

export interface PreventionBucket {
  /** Expected z range [from, to) of the fault by the last actionable minute. */
  from: number;
  to: number;
  violating: number;
  /** Prevented / violating in the bucket, per policy. */
  prevention: Record<string, number | null>;
}

export interface PreventionVisibility {
  scenario: string;
  seed: number;
  deployments: number;
  violating: number;
  policies: string[];
  /** Prevented / violating, per policy (the backtest's prevention rate on the same deployments). */
  prevention: Record<string, number | null>;
  buckets: PreventionBucket[];
  /** Per fault kind: violations, those below expected z 2 and 3, and each policy's preventions. */
  kinds: { kind: string; violating: number; below2: number; below3: number; prevented: Record<string, number> }[];
  /**
   * Prevention of a policy that prevents every violation whose expected z reaches c by its last actionable minute
   * and no other, for c = 1, 2 and 3: an optimistic ceiling (a real policy also rolls back healthy changes).
   */
  ceilings: { minZ: number; prevention: number }[];
  /** Prevention among the violations with expected z >= 3, per policy (the visible ones). */
  visiblePrevention: Record<string, number | null>;
}

/** Expected z of a fault over minutes [fromAge, toAge) of the canary's recorded unguarded run. */
function expectedZ(rows: readonly ObservationRow[], o: { fault: Fault; svc: Service; load: (age: number) => number; fromAge: number; toAge: number }): number {
  let callerBad = 0;
  let callerAll = 0;
  for (const r of rows) {
    if (r.cohort === 'baseline') {
      callerBad += r.callerErrors;
      callerAll += r.callerRequests;
    }
  }
  const cb = Math.max(1e-4, callerAll > 0 ? callerBad / callerAll : 0);
  const ev = noEvidence();
  for (const r of rows) {
    if (r.cohort !== 'canary' || r.age < o.fromAge || r.age >= o.toAge) continue;
    addFaultEvidence(ev, o.svc, faultEffect(o.fault, r.age, o.load(r.age)), r.requests, Math.max(0, r.requests - r.errors), r.callerRequests, cb);
  }
  return Math.max(0, evidenceZ(ev));
}

/**
 * Backtest `deployments` deployments of a scenario under `policies`, and grade every violation by the evidence that
 * existed before its unguarded breach. The prevention figures are the backtester's own (scoreDeployment), so they
 * equal `rolloutlab backtest` on the same scenario, seed and deployments.
 */
export function preventionVisibility(policies: readonly Policy[], o: { scenario: string; seed: number; deployments: number; onProgress?: (d: number, n: number) => void }): PreventionVisibility {
  const scenario = loadScenario(o.scenario);
  const strategy = scenarioStrategy(scenario);
  const names = policies.map((p) => p.name);
  const viol: { z: number; kind: string; prevented: Record<string, boolean> }[] = [];
  let done = 0;
  for (const p of periods(scenario, o.seed, o.deployments)) {
    const env = new RolloutEnv(p.world);
    for (const pol of policies) pol.prepare?.(p.world);
    for (const dep of p.deployments.slice(0, o.deployments - done)) {
      const recording = recordRows(env);
      const truth = runEpisode(env, p.world, dep, p.seed, strategy, null, null).outcome;
      recording.stop();
      const rows = recording.rows;
      let z = 0;
      if (truth.faultBreachMinute !== null && dep.fault) {
        const svc = p.world.topology.services[dep.service];
        const series = p.world.traffic.requests[svc.id];
        const mean = Math.max(1e-9, p.world.traffic.meanRequests[svc.id]);
        const fromAge = truth.onsetMinute === null ? Infinity : truth.onsetMinute - dep.start;
        z = expectedZ(rows, { fault: dep.fault, svc, load: (a) => series[dep.start + a] / mean, fromAge, toAge: truth.faultBreachMinute - dep.start });
      }
      const prevented: Record<string, boolean> = {};
      for (const pol of policies) {
        const { outcome, reason } = runEpisode(env, p.world, dep, p.seed, strategy, pol, truth);
        prevented[pol.name] = scoreDeployment(pol.name, p.index, p.world, dep, truth, outcome, reason).prevented;
      }
      if (truth.faultBreachMinute !== null) viol.push({ z, kind: dep.fault?.kind ?? 'none', prevented });
      done++;
      o.onProgress?.(done, o.deployments);
    }
    if (done >= o.deployments) break;
  }
  const rate = (rows: typeof viol) => Object.fromEntries(names.map((n) => [n, rows.length ? rows.filter((r) => r.prevented[n]).length / rows.length : null]));
  const kinds = [...new Set(viol.map((v) => v.kind))].sort();
  return {
    scenario: o.scenario,
    seed: o.seed,
    deployments: done,
    violating: viol.length,
    policies: names,
    prevention: rate(viol),
    buckets: PREVENTION_BUCKETS.map(([from, to]) => {
      const rows = viol.filter((v) => v.z >= from && v.z < to);
      return { from, to, violating: rows.length, prevention: rate(rows) };
    }),
    kinds: kinds.map((kind) => {
      const rows = viol.filter((v) => v.kind === kind);
      return { kind, violating: rows.length, below2: rows.filter((r) => r.z < 2).length, below3: rows.filter((r) => r.z < 3).length, prevented: Object.fromEntries(names.map((n) => [n, rows.filter((r) => r.prevented[n]).length])) };
    }),
    ceilings: [1, 2, 3].map((c) => ({ minZ: c, prevention: viol.length ? viol.filter((v) => v.z >= c).length / viol.length : 0 })),
    visiblePrevention: rate(viol.filter((v) => v.z >= 3)),
  };
}

export function formatPreventionVisibility(r: PreventionVisibility): string {
  const pc = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
  const cols = r.policies.map((n) => n.padStart(12)).join('');
  return [
    `violation visibility — ${r.scenario} seed ${r.seed}, ${r.deployments.toLocaleString('en-US')} deployments: ${r.violating} violating`,
    `  prevention: ${r.policies.map((n) => `${n} ${pc(r.prevention[n])}`).join(', ')}`,
    '',
    `  expected z of the fault before the breach   violating${cols}`,
    ...r.buckets.map((b) => `  [${b.from}, ${b.to === Infinity ? '∞' : b.to})`.padEnd(45) + String(b.violating).padStart(9) + r.policies.map((n) => pc(b.prevention[n]).padStart(12)).join('')),
    '',
    `  fault kind            violating   z < 2   z < 3${r.policies.map((n) => `  ${n} prevented`).join('')}`,
    ...r.kinds.map((k) => `  ${k.kind.padEnd(20)} ${String(k.violating).padStart(10)} ${String(k.below2).padStart(7)} ${String(k.below3).padStart(7)}` + r.policies.map((n) => String(k.prevented[n]).padStart(n.length + 12)).join('')),
    '',
    `  optimistic ceilings (prevent every violation with expected z >= c before its breach, no other): ${r.ceilings.map((c) => `c = ${c.minZ}: ${pc(c.prevention)}`).join(', ')}`,
    `  prevention of the visible violations (z >= 3): ${r.policies.map((n) => `${n} ${pc(r.visiblePrevention[n])}`).join(', ')}`,
  ].join('\n');
}
