// The rollout-plan optimiser beside the fixed plan (docs/rollout-plans.md): the same deployments backtested twice under
// one rollback policy, once with each deployment under the plan the optimiser chooses for it (`--strategy optimised`)
// and once under the fixed canary 1-5-10-25-50-100 %, so the difference is the plans' alone. The main job prints it.
import type { Scenario } from '../sim/scenario-schema.ts';
import { loadScenario } from '../sim/index.ts';
import type { Policy } from '../policies/policy.ts';
import { resolvePolicies } from '../policies/index.ts';
import type { GamModel } from '../training/gam.ts';
import { loadRiskSync, loadRolloutChampionsSync } from '../training/load.ts';
import { FIXED_PLAN } from '../policies/rollout-plan/candidates.ts';
import { candidateStrategy } from '../policies/rollout-plan/choose.ts';
import { backtestArms, type PolicySummary } from './run.ts';

export interface PlanComparison {
  scenario: string;
  seed: number;
  deployments: number;
  /** The rollback policy whose decisions both arms use. */
  policy: string;
  fixed: PolicySummary;
  optimised: PolicySummary;
  /** 1 − optimised / fixed blast radius (null when the fixed plan's is 0). */
  blastCut: number | null;
  /** Share of deployments under an optimised plan rather than the fail-closed fallback. */
  optimisedShare: number;
  /** Deployments per plan chosen. */
  plans: Record<string, number>;
  seconds: number;
}

/**
 * Backtests `policy` on the first `deployments` deployments under the optimiser's plans and under the fixed plan, in
 * this thread (the main job runs it on a worker thread of its own): each period is simulated once for both.
 */
export function comparePlans(o: {
  scenario: Scenario;
  scenarioName?: string;
  seed: number;
  deployments: number;
  policy: Policy;
  /** The risk champion the optimiser scores changes with (null: every deployment gets the most careful plan). */
  risk: GamModel | null;
  onProgress?: (done: number, total: number) => void;
}): PlanComparison {
  const t0 = performance.now();
  const [opt, fix] = backtestArms(
    { scenario: o.scenario, scenarioName: o.scenarioName, seed: o.seed, deployments: o.deployments, policies: [o.policy], onProgress: (_stage, d, n) => o.onProgress?.(d, n) },
    [{ optimised: { risk: o.risk } }, { strategy: candidateStrategy(FIXED_PLAN, o.scenario.rollout.bakeMinutes) }],
  );
  const fixed = fix.report.policies[o.policy.name];
  const optimised = opt.report.policies[o.policy.name];
  return {
    scenario: opt.report.scenario,
    seed: o.seed,
    deployments: opt.report.deployments,
    policy: o.policy.name,
    fixed,
    optimised,
    blastCut: fixed.blastRadius > 0 ? 1 - optimised.blastRadius / fixed.blastRadius : null,
    optimisedShare: opt.report.optimisedShare ?? 0,
    plans: opt.report.plans ?? {},
    seconds: (performance.now() - t0) / 1000,
  };
}

/** `policy` (default `ml`) on a built-in scenario with the champions of the registry at `modelsRoot`: the main job's rows. */
export function comparePlansWithChampions(o: { scenario: string; seed: number; deployments: number; modelsRoot: string; policy?: string; onProgress?: (done: number, total: number) => void }): PlanComparison {
  return comparePlans({
    scenario: loadScenario(o.scenario),
    scenarioName: o.scenario,
    seed: o.seed,
    deployments: o.deployments,
    policy: resolvePolicies([o.policy ?? 'ml'], { models: () => loadRolloutChampionsSync(o.modelsRoot) })[0],
    risk: loadRiskSync(o.modelsRoot)?.model ?? null,
    onProgress: o.onProgress,
  });
}

/** What the optimiser is meant to do beside the fixed plan (docs/rollout-plans.md "Measured"), each met or not. */
export function planTargets(c: PlanComparison): { name: string; value: string; target: string; met: boolean }[] {
  const f = c.fixed;
  const p = c.optimised;
  const pts = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
  const min = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} min`);
  const noWorse = (a: number | null, b: number | null, higherIsBetter: boolean) => a !== null && b !== null && (higherIsBetter ? a >= b : a <= b);
  return [
    { name: 'blast radius cut', value: pts(c.blastCut), target: '>= 70 %', met: c.blastCut !== null && c.blastCut >= 0.7 },
    { name: 'mean time to full rollout', value: `${min(p.meanTimeToFullRolloutMin)} vs ${min(f.meanTimeToFullRolloutMin)}`, target: 'no higher', met: noWorse(p.meanTimeToFullRolloutMin, f.meanTimeToFullRolloutMin, false) },
    { name: 'prevention', value: `${pts(p.preventionRate)} vs ${pts(f.preventionRate)}`, target: 'no lower', met: noWorse(p.preventionRate, f.preventionRate, true) },
    { name: 'false rollbacks', value: `${p.falseRollbacks} vs ${f.falseRollbacks}`, target: 'no more', met: p.falseRollbacks <= f.falseRollbacks },
    { name: 'deployments under an optimised plan', value: pts(c.optimisedShare), target: '>= 75 %', met: c.optimisedShare >= 0.75 },
  ];
}

/** The comparison as a small table: each measure under the fixed plan, under the optimised plans, and the change. */
export function formatPlanComparison(c: PlanComparison): string {
  const pct = (x: number | null, d = 1) => (x === null ? '—' : `${(100 * x).toFixed(d)} %`);
  const int = (x: number) => Math.round(x).toLocaleString('en-US');
  const signed = (x: number, d: number, unit: string) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(d)}${unit}`;
  const diff = (a: number | null, b: number | null, scale: number, d: number, unit: string) => (a === null || b === null ? '—' : signed(scale * (b - a), d, unit));
  const f = c.fixed;
  const p = c.optimised;
  const rows: string[][] = [
    ['measure', 'fixed', 'optimised', 'change'],
    ['blast radius (bad requests)', int(f.blastRadius), int(p.blastRadius), c.blastCut === null ? '—' : signed(-100 * c.blastCut, 1, ' %')],
    ['tenants impacted', int(f.tenantsImpacted), int(p.tenantsImpacted), f.tenantsImpacted > 0 ? signed(100 * (p.tenantsImpacted / f.tenantsImpacted - 1), 1, ' %') : '—'],
    ['customer-minutes exposed', int(f.customerMinutesExposed), int(p.customerMinutesExposed), f.customerMinutesExposed > 0 ? signed(100 * (p.customerMinutesExposed / f.customerMinutesExposed - 1), 1, ' %') : '—'],
    ['mean minutes to full rollout', f.meanTimeToFullRolloutMin?.toFixed(1) ?? '—', p.meanTimeToFullRolloutMin?.toFixed(1) ?? '—', diff(f.meanTimeToFullRolloutMin, p.meanTimeToFullRolloutMin, 1, 1, ' min')],
    ['prevention', `${pct(f.preventionRate)} (${f.prevented})`, `${pct(p.preventionRate)} (${p.prevented})`, diff(f.preventionRate, p.preventionRate, 100, 1, ' pts')],
    ['false rollbacks', `${pct(f.falseRollbackRate, 2)} (${f.falseRollbacks})`, `${pct(p.falseRollbackRate, 2)} (${p.falseRollbacks})`, diff(f.falseRollbackRate, p.falseRollbackRate, 100, 2, ' pts')],
  ];
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '  ' + r.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join('  ');
  const plans = Object.entries(c.plans)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([k, v]) => `${k} ${int(v)}`)
    .join(', ');
  return [
    `rollout plans: optimised vs fixed  scenario ${c.scenario}, seed ${c.seed}, ${int(c.deployments)} deployments (${int(f.violating)} violating), \`${c.policy}\` rollback decisions under both`,
    `  fixed = canary ${FIXED_PLAN.steps.join('-')} %, ${FIXED_PLAN.dwellMinutes[0]} min per step; optimised = each deployment under the plan chosen from its risk score and its service's traffic`,
    '',
    line(rows[0]),
    line(width.map((w) => '─'.repeat(w))),
    ...rows.slice(1).map(line),
    '',
    `  optimised plans on ${pct(c.optimisedShare)} of deployments (the rest get the careful fallback: no usable risk score); plans used: ${plans || 'none'}`,
    '  blast radius = bad requests the fault caused; tenants impacted and customer-minutes exposed: summed over deployments; prevention = violating deployments with no fault-caused breach (docs/definitions.md, docs/rollout-plans.md)',
  ].join('\n');
}

/** One arm of the unit-plan comparison: its name and its policy's summary. */
export interface UnitPlanArm {
  arm: 'fixed' | 'optimised' | 'optimised by region' | 'optimised by tenant';
  summary: PolicySummary;
  /** Deployments per plan (optimised arms). */
  plans: Record<string, number>;
  optimisedShare: number | null;
  /** Blast radius of the faults confined to one region, to one tenant, and of the rest (faults every unit carries). */
  blastByScope: { region: number; tenant: number; rest: number };
}

/**
 * The optimiser's plans run over the service's regions and over its tenants (policies/rollout-plan/units.ts), beside
 * today's optimised canary plans and the fixed plan: the same deployments and the same rollback policy in four arms,
 * each period simulated once (docs/rollout-plans.md "Plans over units").
 */
export function compareUnitPlans(o: { scenario: Scenario; scenarioName?: string; seed: number; deployments: number; policy: Policy; risk: GamModel | null; onProgress?: (done: number, total: number) => void }): { scenario: string; seed: number; deployments: number; policy: string; arms: UnitPlanArm[]; seconds: number } {
  const t0 = performance.now();
  const runs = backtestArms(
    { scenario: o.scenario, scenarioName: o.scenarioName, seed: o.seed, deployments: o.deployments, policies: [o.policy], onProgress: (_stage, d, n) => o.onProgress?.(d, n) },
    [{ strategy: candidateStrategy(FIXED_PLAN, o.scenario.rollout.bakeMinutes) }, { optimised: { risk: o.risk } }, { optimised: { risk: o.risk, units: 'region' } }, { optimised: { risk: o.risk, units: 'tenant' } }],
  );
  const names: UnitPlanArm['arm'][] = ['fixed', 'optimised', 'optimised by region', 'optimised by tenant'];
  // A fault's scope is the truth of the run under the plan of its own kind (`confinedFault`: its scope is the plan's unit kind).
  const confined = (k: number) => new Set(runs[k].results.filter((r) => r.confinedFault).map((r) => r.deploymentId));
  const [inRegion, inTenant] = [confined(2), confined(3)];
  const byScope = (k: number) => {
    const b = { region: 0, tenant: 0, rest: 0 };
    for (const r of runs[k].results) b[inRegion.has(r.deploymentId) ? 'region' : inTenant.has(r.deploymentId) ? 'tenant' : 'rest'] += r.blastRadius;
    return b;
  };
  return {
    scenario: runs[0].report.scenario,
    seed: o.seed,
    deployments: runs[0].report.deployments,
    policy: o.policy.name,
    arms: runs.map((r, k) => ({ arm: names[k], summary: r.report.policies[o.policy.name], plans: r.report.plans ?? {}, optimisedShare: r.report.optimisedShare ?? null, blastByScope: byScope(k) })),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The unit-plan comparison as a table: one row per measure, one column per arm. */
export function formatUnitPlanComparison(c: ReturnType<typeof compareUnitPlans>): string {
  const pct = (x: number | null, d = 1) => (x === null ? '—' : `${(100 * x).toFixed(d)} %`);
  const int = (x: number) => Math.round(x).toLocaleString('en-US');
  const rows: string[][] = [
    ['measure', ...c.arms.map((a) => a.arm)],
    ['blast radius (bad requests)', ...c.arms.map((a) => int(a.summary.blastRadius))],
    ['  faults of one region', ...c.arms.map((a) => int(a.blastByScope.region))],
    ['  faults of one tenant', ...c.arms.map((a) => int(a.blastByScope.tenant))],
    ['  faults of every unit', ...c.arms.map((a) => int(a.blastByScope.rest))],
    ['tenants impacted', ...c.arms.map((a) => int(a.summary.tenantsImpacted))],
    ['customer-minutes exposed', ...c.arms.map((a) => int(a.summary.customerMinutesExposed))],
    ['mean minutes to full rollout', ...c.arms.map((a) => a.summary.meanTimeToFullRolloutMin?.toFixed(1) ?? '—')],
    ['prevention', ...c.arms.map((a) => `${pct(a.summary.preventionRate)} (${a.summary.prevented})`)],
    ['false rollbacks', ...c.arms.map((a) => `${pct(a.summary.falseRollbackRate, 2)} (${a.summary.falseRollbacks})`)],
    ['share optimised', ...c.arms.map((a) => (a.optimisedShare === null ? '—' : pct(a.optimisedShare)))],
  ];
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '  ' + r.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join('  ');
  const plans = c.arms
    .filter((a) => a.arm.includes(' by '))
    .map((a) => `${a.arm}: ${Object.entries(a.plans).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).map(([k, v]) => `${k} ${int(v)}`).join(', ')}`);
  return [
    `rollout plans over units  scenario ${c.scenario}, seed ${c.seed}, ${int(c.deployments)} deployments (${int(c.arms[0].summary.violating)} violating), \`${c.policy}\` rollback decisions in every arm`,
    '',
    line(rows[0]),
    line(width.map((w) => '─'.repeat(w))),
    ...rows.slice(1).map(line),
    '',
    ...plans.map((p) => `  ${p}`),
    '  a service with one region gets the canary itself under "by region" (counted under the canary plan\'s name)',
  ].join('\n');
}
