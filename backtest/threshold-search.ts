// The search that learns the rollback-sensitivity table (docs/rollout-plans.md "Per-change thresholds"): every
// deployment of the training worlds rolls out under today's optimised plan once per sensitivity level (the `ml` policy
// with that level's caps on its thresholds, the same deployments, traffic and faults), and once under the fixed plan
// with the champion's thresholds. Per (traffic, risk) bucket of the plan table the level with the least blast radius
// plus λ × time to full rollout is chosen, penalised per prevention lost against the champion's thresholds; riskier
// buckets never get a less sensitive level; and the cost μ of a false rollback is the smallest that keeps each
// training world's false rollbacks within the fixed plan's, and the mean time to full rollout over the training worlds
// within the fixed plan's.
import type { Scenario } from '../sim/scenario-schema.ts';
import type { World } from '../sim/world.ts';
import type { Policy } from '../policies/policy.ts';
import type { GamModel } from '../training/gam.ts';
import { THRESHOLD_KEYS, type ThresholdCaps } from '../policies/thresholds.ts';
import { riskPriors } from '../training/predictive-rollback/prior.ts';
import { FIXED_PLAN } from '../policies/rollout-plan/candidates.ts';
import { candidateStrategy, PLAN_TABLE, type PlanTable } from '../policies/rollout-plan/choose.ts';
import { SENSITIVITY_LEVELS, type SensitivityLevel, type SensitivityTable } from '../policies/rollout-plan/sensitivity.ts';
import { optimisedChooser } from './optimised.ts';
import { runPeriod, type DeploymentResult } from './run.ts';
import { periods } from './worlds.ts';
import type { Outcome as PlanOutcome } from './plan-search.ts';

/** One deployment's outcome under one arm: the plan search's, and whether it is a violating deployment. */
export type Outcome = PlanOutcome & { violating: boolean };

/**
 * `policy` with its thresholds capped by `caps` in every rollout (besides any caps the context already gives), under
 * another name (the backtester keeps one result per policy name). It hands the caps to the policy in its context, as `--strategy optimised+thresholds` and the
 * server's `thresholds` do; the inner policy's `prepare` runs once per world however many wrappers share it.
 */
export function withCaps(policy: Policy, name: string, caps: ThresholdCaps): Policy {
  return {
    name,
    ...(policy.needsTruth ? { needsTruth: true } : {}),
    ...(policy.needsRanges ? { needsRanges: true } : {}),
    prepare(world: World) {
      const seen = prepared.get(policy);
      if (seen === world) return;
      prepared.set(policy, world);
      policy.prepare?.(world);
    },
    start: (ctx, truth) => policy.start({ ...ctx, thresholds: lowerCaps(ctx.thresholds, caps) }, truth),
  };
}
const prepared = new WeakMap<Policy, World>();

/** The lower of two sets of caps, threshold by threshold. */
function lowerCaps(a: ThresholdCaps | undefined, b: ThresholdCaps): ThresholdCaps {
  const out: ThresholdCaps = { ...a };
  for (const k of THRESHOLD_KEYS) if (b[k] !== undefined) out[k] = Math.min(b[k]!, a?.[k] ?? Infinity);
  return out;
}

export interface LevelRecord {
  scenario: string;
  seed: number;
  id: string;
  risk: number | null;
  rpm: number;
  /** Under today's optimised plan, per level (the order of `levels`). */
  outcomes: Outcome[];
  /** Under the fixed plan with the champion's thresholds. */
  fixed: Outcome;
}

const outcome = (r: DeploymentResult): Outcome => ({ blast: r.blastRadius, ttf: r.promoted ? r.timeToFullRolloutMin : null, prevented: r.prevented, falseRollback: r.falseRollback, tenants: r.tenantsImpacted, customerMinutes: r.customerMinutesExposed, violating: r.violating });

/** Every deployment of each (scenario, seed) under today's optimised plan at every level, and under the fixed plan. In this thread. */
export function evaluateLevels(o: {
  scenarios: { name: string; scenario: Scenario }[];
  seeds: number[];
  deployments: number;
  policy: Policy;
  risk: GamModel | null;
  levels?: readonly SensitivityLevel[];
  planTable?: PlanTable;
  onProgress?: (what: string) => void;
}): LevelRecord[] {
  const levels = o.levels ?? SENSITIVITY_LEVELS;
  const wrapped = levels.map((l, k) => withCaps(o.policy, `${o.policy.name}#${k}`, l.caps));
  const fixedPolicy = withCaps(o.policy, `${o.policy.name}#fixed`, {});
  const out: LevelRecord[] = [];
  for (const { name, scenario } of o.scenarios) {
    for (const seed of o.seeds) {
      let left = o.deployments;
      for (const p of periods(scenario, seed, o.deployments)) {
        o.onProgress?.(`${name} seed ${seed}: period ${p.index}, ${o.deployments - left} of ${o.deployments} done`);
        const priors = o.risk ? riskPriors(p.world, o.risk) : new Map<string, number>();
        const fixedStrategy = candidateStrategy(FIXED_PLAN, scenario.rollout.bakeMinutes);
        const opt = runPeriod(p, wrapped, fixedStrategy, left, undefined, undefined, (w) => optimisedChooser(w, o.risk, o.planTable ?? PLAN_TABLE));
        const fix = runPeriod(p, [fixedPolicy], fixedStrategy, left);
        opt.results.forEach((row, i) => {
          const id = row[0].deploymentId;
          const dep = p.deployments.find((d) => d.id === id)!;
          out.push({ scenario: name, seed, id, risk: priors.get(id) ?? null, rpm: p.world.traffic.requests[dep.service][dep.start], outcomes: row.map(outcome), fixed: outcome(fix.results[i][0]) });
        });
        left -= opt.results.length;
      }
    }
  }
  return out;
}

export interface LevelTotals {
  n: number;
  blast: number;
  ttfSum: number;
  promoted: number;
  violating: number;
  prevented: number;
  falseRollbacks: number;
  tenants: number;
  customerMinutes: number;
}

/** Totals of `records` when each gets the outcome `pick(record)`. */
export function levelTotals(records: readonly LevelRecord[], pick: (r: LevelRecord) => Outcome): LevelTotals {
  const t: LevelTotals = { n: records.length, blast: 0, ttfSum: 0, promoted: 0, violating: 0, prevented: 0, falseRollbacks: 0, tenants: 0, customerMinutes: 0 };
  for (const r of records) {
    const o = pick(r);
    t.blast += o.blast;
    if (o.ttf !== null) {
      t.ttfSum += o.ttf;
      t.promoted++;
    }
    if (o.violating) t.violating++;
    if (o.prevented) t.prevented++;
    if (o.falseRollback) t.falseRollbacks++;
    t.tenants += o.tenants;
    t.customerMinutes += o.customerMinutes;
  }
  return t;
}

const bucketOf = (x: number, edges: readonly number[]) => {
  let i = 0;
  while (i < edges.length && x > edges[i]) i++;
  return i;
};

/** The level a table gives a record (fail closed: the most sensitive without a risk score). */
export function levelOf(r: LevelRecord, t: SensitivityTable, nLevels: number): number {
  return r.risk === null ? nLevels - 1 : t.choice[bucketOf(r.rpm, t.trafficEdges)][bucketOf(r.risk, t.riskEdges)];
}

export interface ThresholdFit {
  table: SensitivityTable;
  /** Cost of one false rollback added against the champion's thresholds, in bad requests. */
  mu: number;
  /** Whether every training world kept its false rollbacks within the fixed plan's (false: none could; the table is all champion's thresholds). */
  feasible: boolean;
}

/**
 * The sensitivity table over the plan table's buckets. Per bucket, the level minimising
 *   blast + λ × minutes to full rollout + c × preventions lost + μ × false rollbacks added (both against level 0),
 * raised to the running maximum along risk (monotone). λ is the plan table's; c is half the fixed plan's blast radius
 * per prevented violation (as for the plan table); μ is the smallest (from 0) whose table keeps, on every training
 * world, the false rollbacks within the fixed plan's, and over all of them the mean time to full rollout within the
 * fixed plan's (as the plan table's λ does).
 */
export function fitSensitivity(records: readonly LevelRecord[], meta: SensitivityTable['trainedOn'], o: { planTable?: PlanTable; nLevels?: number } = {}): ThresholdFit {
  const plan = o.planTable ?? PLAN_TABLE;
  const nL = o.nLevels ?? SENSITIVITY_LEVELS.length;
  const { riskEdges, trafficEdges } = plan;
  const scored = records.filter((r) => r.risk !== null);
  const cells: LevelRecord[][][] = Array.from({ length: trafficEdges.length + 1 }, () => Array.from({ length: riskEdges.length + 1 }, () => []));
  for (const r of scored) cells[bucketOf(r.rpm, trafficEdges)][bucketOf(r.risk!, riskEdges)].push(r);
  const fixedAll = levelTotals(scored, (r) => r.fixed);
  const eventCost = fixedAll.blast / Math.max(1, fixedAll.prevented) / 2;
  const lambda = plan.trainedOn.lambda;
  const choose = (mu: number): number[][] =>
    cells.map((row) => {
      const picks = row.map((cell) => {
        const base = levelTotals(cell, (r) => r.outcomes[0]);
        let best = 0;
        let bestScore = Infinity;
        for (let k = 0; k < nL; k++) {
          const t = levelTotals(cell, (r) => r.outcomes[k]);
          const score = t.blast + lambda * t.ttfSum + eventCost * Math.max(0, base.prevented - t.prevented) + mu * Math.max(0, t.falseRollbacks - base.falseRollbacks);
          if (score < bestScore - 1e-9) {
            bestScore = score;
            best = k;
          }
        }
        return best;
      });
      for (let i = 1; i < picks.length; i++) picks[i] = Math.max(picks[i], picks[i - 1]);
      return picks;
    });
  const worlds = [...new Set(records.map((r) => `${r.scenario}\u0000${r.seed}`))].map((k) => records.filter((r) => `${r.scenario}\u0000${r.seed}` === k));
  const table = (choice: number[][], mu: number): SensitivityTable => ({ format: 'rolloutlab-sensitivity-table-1', riskEdges: [...riskEdges], trafficEdges: [...trafficEdges], choice, trainedOn: { ...meta, lambda, mu } });
  const meanTtf = (t: LevelTotals) => t.ttfSum / Math.max(1, t.promoted);
  const ok = (choice: number[][]) => {
    const t = table(choice, 0);
    // False rollbacks world by world; the time to full rollout over all of them, as the plan table's λ keeps it.
    const fr = worlds.every((w) => levelTotals(w, (r) => r.outcomes[levelOf(r, t, nL)]).falseRollbacks <= levelTotals(w, (r) => r.fixed).falseRollbacks);
    return fr && meanTtf(levelTotals(scored, (r) => r.outcomes[levelOf(r, t, nL)])) <= meanTtf(fixedAll);
  };
  if (ok(choose(0))) return { table: table(choose(0), 0), mu: 0, feasible: true };
  // The smallest μ that keeps every world within the fixed plan's false rollbacks and time (none: level 0 everywhere).
  let lo = 0;
  let hi = Math.max(1, eventCost);
  while (!ok(choose(hi)) && hi < 1e12) hi *= 4;
  if (!ok(choose(hi))) {
    const zero = cells.map((row) => row.map(() => 0));
    return { table: table(zero, Infinity), mu: Infinity, feasible: ok(zero) };
  }
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (ok(choose(mid))) hi = mid;
    else lo = mid;
  }
  return { table: table(choose(hi), hi), mu: hi, feasible: true };
}

/** One global level for every change: the simpler alternative the table is compared with. */
export function globalTable(k: number, plan: PlanTable = PLAN_TABLE): SensitivityTable {
  return { format: 'rolloutlab-sensitivity-table-1', riskEdges: [...plan.riskEdges], trafficEdges: [...plan.trafficEdges], choice: plan.choice.map((row) => row.map(() => k)), trainedOn: { scenarios: [], seeds: [], deploymentsPerRun: 0, note: `level ${k} for every change` } };
}
