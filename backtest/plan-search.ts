// The search that learns the rollout-plan table (docs/rollout-plans.md "How the table is learned"): every candidate plan
// is backtested on the same deployments of training worlds under the same `ml` rollback decisions; deployments are
// bucketed by their risk score and their service's traffic at the start; per bucket the plan with the least
// blast radius plus λ × time to full rollout is chosen, penalised for every prevention lost and false rollback added
// against the fixed plan, riskier buckets never get a faster plan than safer ones, and λ is the smallest that keeps the
// mean time to full rollout within the fixed plan's.
import type { Scenario } from '../sim/scenario-schema.ts';
import type { Policy } from '../policies/policy.ts';
import type { GamModel } from '../training/gam.ts';
import { riskPriors } from '../training/predictive-rollback/prior.ts';
import { PLAN_CANDIDATES, FIXED_PLAN, type PlanCandidate } from '../policies/rollout-plan/candidates.ts';
import { candidateStrategy, type PlanTable } from '../policies/rollout-plan/choose.ts';
import { backtestParallel } from './parallel.ts';
import { periods } from './worlds.ts';

export interface Outcome {
  blast: number;
  /** Minutes to full exposure (null: never promoted). */
  ttf: number | null;
  prevented: boolean;
  falseRollback: boolean;
  /** Tenants impacted and customer-minutes exposed (docs/definitions.md#tenants-impacted); recorded beside the blast radius, not used by the fit. */
  tenants: number;
  customerMinutes: number;
}

export interface SearchRecord {
  scenario: string;
  seed: number;
  id: string;
  risk: number | null;
  rpm: number;
  /** Per candidate (PLAN_CANDIDATES order), then the fixed plan last. */
  outcomes: Outcome[];
}

/** Backtests every candidate and the fixed plan on the first `deployments` deployments of each (scenario, seed). */
export async function evaluateCandidates(o: {
  scenarios: { name: string; scenario: Scenario }[];
  seeds: number[];
  deployments: number;
  policy: Policy;
  risk: GamModel | null;
  modelsRoot?: string;
  threads?: number;
  onProgress?: (what: string) => void;
}): Promise<SearchRecord[]> {
  const out: SearchRecord[] = [];
  for (const { name, scenario } of o.scenarios) {
    for (const seed of o.seeds) {
      // The inputs the optimiser sees: the risk score of each change and its service's traffic at the start.
      const inputs = new Map<string, { risk: number | null; rpm: number }>();
      let left = o.deployments;
      for (const p of periods(scenario, seed, o.deployments)) {
        const priors = o.risk ? riskPriors(p.world, o.risk) : new Map<string, number>();
        for (const d of p.deployments.slice(0, left)) inputs.set(d.id, { risk: priors.get(d.id) ?? null, rpm: p.world.traffic.requests[d.service][d.start] });
        left -= Math.min(left, p.deployments.length);
      }
      const recs = new Map<string, SearchRecord>();
      for (const [k, c] of [...PLAN_CANDIDATES, FIXED_PLAN].entries()) {
        o.onProgress?.(`${name} seed ${seed}: ${c.name} (${k + 1} of ${PLAN_CANDIDATES.length + 1})`);
        const run = await backtestParallel({ scenario, scenarioName: name, seed, deployments: o.deployments, policies: [o.policy], strategy: candidateStrategy(c, scenario.rollout.bakeMinutes), modelsRoot: o.modelsRoot, threads: o.threads });
        for (const r of run.results) {
          const inp = inputs.get(r.deploymentId) ?? { risk: null, rpm: 0 };
          const rec = recs.get(r.deploymentId) ?? { scenario: name, seed, id: r.deploymentId, risk: inp.risk, rpm: inp.rpm, outcomes: [] };
          rec.outcomes[k] = { blast: r.blastRadius, ttf: r.promoted ? r.timeToFullRolloutMin : null, prevented: r.prevented, falseRollback: r.falseRollback, tenants: r.tenantsImpacted, customerMinutes: r.customerMinutesExposed };
          recs.set(r.deploymentId, rec);
        }
      }
      out.push(...recs.values());
    }
  }
  return out;
}

const quantile = (xs: number[], q: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : 0;
};

export interface FitOptions {
  riskQuantiles?: number[];
  trafficQuantiles?: number[];
  /** Cost of one prevention lost or one false rollback added, in bad requests. */
  eventCost?: number;
}

interface Totals {
  blast: number;
  ttfSum: number;
  promoted: number;
  prevented: number;
  falseRollbacks: number;
  n: number;
}

const bucketOf = (x: number, edges: readonly number[]) => {
  let i = 0;
  while (i < edges.length && x > edges[i]) i++;
  return i;
};

/** Totals of `records` when each gets the candidate `pick(record)` (an index into PLAN_CANDIDATES, or FIXED for the fixed plan). */
export function totals(records: readonly SearchRecord[], pick: (r: SearchRecord) => number): Totals {
  const t: Totals = { blast: 0, ttfSum: 0, promoted: 0, prevented: 0, falseRollbacks: 0, n: records.length };
  for (const r of records) {
    const o = r.outcomes[pick(r)];
    t.blast += o.blast;
    if (o.ttf !== null) {
      t.ttfSum += o.ttf;
      t.promoted++;
    }
    if (o.prevented) t.prevented++;
    if (o.falseRollback) t.falseRollbacks++;
  }
  return t;
}

export const FIXED = PLAN_CANDIDATES.length;

/** The plan table that minimises blast radius within the fixed plan's mean time to full rollout, monotone in risk. */
export function fitTable(records: readonly SearchRecord[], meta: PlanTable['trainedOn'], o: FitOptions = {}): { table: PlanTable; lambda: number } {
  const scored = records.filter((r) => r.risk !== null);
  const riskEdges = (o.riskQuantiles ?? [0.4, 0.7, 0.9, 0.97]).map((q) => quantile(scored.map((r) => r.risk!), q));
  const trafficEdges = (o.trafficQuantiles ?? [1 / 3, 2 / 3]).map((q) => quantile(scored.map((r) => r.rpm), q));
  const nR = riskEdges.length + 1;
  const nT = trafficEdges.length + 1;
  const cells: SearchRecord[][][] = Array.from({ length: nT }, () => Array.from({ length: nR }, () => []));
  for (const r of scored) cells[bucketOf(r.rpm, trafficEdges)][bucketOf(r.risk!, riskEdges)].push(r);
  const fixed = totals(scored, () => FIXED);
  const fixedMean = fixed.ttfSum / Math.max(1, fixed.promoted);
  const eventCost = o.eventCost ?? fixed.blast / Math.max(1, fixed.prevented) / 2;
  const choose = (lambda: number): number[][] =>
    cells.map((row) => {
      const picks = row.map((cell) => {
        const base = totals(cell, () => FIXED);
        let best = FIXED_FALLBACK;
        let bestScore = Infinity;
        PLAN_CANDIDATES.forEach((_, k) => {
          const t = totals(cell, () => k);
          const score = t.blast + lambda * t.ttfSum + eventCost * (Math.max(0, base.prevented - t.prevented) + Math.max(0, t.falseRollbacks - base.falseRollbacks));
          if (score < bestScore - 1e-9) {
            bestScore = score;
            best = k;
          }
        });
        return best;
      });
      // Never less careful for a riskier change: the running maximum along risk.
      for (let i = 1; i < picks.length; i++) picks[i] = Math.max(picks[i], picks[i - 1]);
      return picks;
    });
  const meanTtf = (choice: number[][]) => {
    const t = totals(scored, (r) => choice[bucketOf(r.rpm, trafficEdges)][bucketOf(r.risk!, riskEdges)]);
    return t.ttfSum / Math.max(1, t.promoted);
  };
  // The smallest λ (bad requests per minute of rollout) whose choice keeps the mean time to full rollout within the fixed plan's.
  let lo = 0;
  let hi = 1;
  while (meanTtf(choose(hi)) > fixedMean && hi < 1e9) hi *= 4;
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (meanTtf(choose(mid)) > fixedMean) lo = mid;
    else hi = mid;
  }
  const choice = choose(hi);
  return { table: { format: 'rolloutlab-rollout-plan-table-1', riskEdges, trafficEdges, choice, trainedOn: { ...meta, lambda: hi } }, lambda: hi };
}

/** The standard plan, where a cell has no deployment to choose by. */
const FIXED_FALLBACK = PLAN_CANDIDATES.findIndex((c: PlanCandidate) => c.name === 'standard');

/** Blast radius, mean time to full rollout, preventions and false rollbacks of a table beside the fixed plan's on `records`. */
export function compareTable(records: readonly SearchRecord[], table: PlanTable) {
  const careful = PLAN_CANDIDATES.length - 1;
  const pick = (r: SearchRecord) => (r.risk === null ? careful : table.choice[bucketOf(r.rpm, table.trafficEdges)][bucketOf(r.risk, table.riskEdges)]);
  const opt = totals(records, pick);
  const fix = totals(records, () => FIXED);
  return {
    deployments: records.length,
    optimised: { blast: opt.blast, meanTimeToFullRolloutMin: opt.ttfSum / Math.max(1, opt.promoted), prevented: opt.prevented, falseRollbacks: opt.falseRollbacks },
    fixed: { blast: fix.blast, meanTimeToFullRolloutMin: fix.ttfSum / Math.max(1, fix.promoted), prevented: fix.prevented, falseRollbacks: fix.falseRollbacks },
    blastCut: fix.blast > 0 ? 1 - opt.blast / fix.blast : null,
  };
}
