// Per-change rollback thresholds beside today's plans (docs/rollout-plans.md "Per-change thresholds"): the same
// deployments under the fixed plan, under today's optimised plans, under the optimised plans with the rollback
// sensitivity the table chooses per change, and (optionally) under the optimised plans with one sensitivity for every
// change, each period simulated once, every arm with the same `ml` policy (the thresholds reach it in its context).
import type { Scenario } from '../sim/scenario-schema.ts';
import type { Policy } from '../policies/policy.ts';
import type { GamModel } from '../training/gam.ts';
import { FIXED_PLAN } from '../policies/rollout-plan/candidates.ts';
import { candidateStrategy } from '../policies/rollout-plan/choose.ts';
import { SENSITIVITY_LEVELS, SENSITIVITY_TABLE, type SensitivityTable } from '../policies/rollout-plan/sensitivity.ts';
import { backtestArms, type BacktestArm, type PolicySummary } from './run.ts';
import { globalTable } from './threshold-search.ts';

export interface ThresholdArm {
  arm: string;
  summary: PolicySummary;
  plans: Record<string, number>;
  sensitivities: Record<string, number>;
}

export interface ThresholdComparison {
  scenario: string;
  seed: number;
  deployments: number;
  policy: string;
  arms: ThresholdArm[];
  seconds: number;
}

/** `globalLevels`: indices into SENSITIVITY_LEVELS, each one more arm with that level for every change. */
export function compareThresholds(o: { scenario: Scenario; scenarioName?: string; seed: number; deployments: number; policy: Policy; risk: GamModel | null; table?: SensitivityTable; globalLevels?: number[]; onProgress?: (done: number, total: number) => void }): ThresholdComparison {
  const t0 = performance.now();
  const arms: [string, BacktestArm][] = [
    ['fixed', { strategy: candidateStrategy(FIXED_PLAN, o.scenario.rollout.bakeMinutes) }],
    ['optimised', { optimised: { risk: o.risk } }],
    ['optimised + thresholds', { optimised: { risk: o.risk, thresholds: true, sensitivityTable: o.table ?? SENSITIVITY_TABLE } }],
    ...(o.globalLevels ?? []).map((k): [string, BacktestArm] => [`optimised, all ${SENSITIVITY_LEVELS[k].name}`, { optimised: { risk: o.risk, thresholds: true, sensitivityTable: globalTable(k) } }]),
  ];
  const runs = backtestArms({ scenario: o.scenario, scenarioName: o.scenarioName, seed: o.seed, deployments: o.deployments, policies: [o.policy], onProgress: (_s, d, n) => o.onProgress?.(d, n) }, arms.map((a) => a[1]));
  return {
    scenario: runs[0].report.scenario,
    seed: o.seed,
    deployments: runs[0].report.deployments,
    policy: o.policy.name,
    arms: runs.map((r, k) => ({ arm: arms[k][0], summary: r.report.policies[o.policy.name], plans: r.report.plans ?? {}, sensitivities: r.report.sensitivities ?? {} })),
    seconds: (performance.now() - t0) / 1000,
  };
}

/** The comparison as a table: one row per measure, one column per arm. */
export function formatThresholdComparison(c: ThresholdComparison): string {
  const pct = (x: number | null, d = 1) => (x === null ? '—' : `${(100 * x).toFixed(d)} %`);
  const int = (x: number) => Math.round(x).toLocaleString('en-US');
  const rows: string[][] = [
    ['measure', ...c.arms.map((a) => a.arm)],
    ['blast radius (bad requests)', ...c.arms.map((a) => int(a.summary.blastRadius))],
    ['prevention', ...c.arms.map((a) => `${pct(a.summary.preventionRate)} (${a.summary.prevented})`)],
    ['false rollbacks', ...c.arms.map((a) => `${pct(a.summary.falseRollbackRate, 2)} (${a.summary.falseRollbacks})`)],
    ['mean minutes to full rollout', ...c.arms.map((a) => a.summary.meanTimeToFullRolloutMin?.toFixed(1) ?? '—')],
    ['tenants impacted', ...c.arms.map((a) => int(a.summary.tenantsImpacted))],
    ['customer-minutes exposed', ...c.arms.map((a) => int(a.summary.customerMinutesExposed))],
  ];
  const width = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r: string[]) => '  ' + r.map((x, i) => (i === 0 ? x.padEnd(width[i]) : x.padStart(width[i]))).join('  ');
  const counts = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .map(([k, v]) => `${k} ${int(v)}`)
      .join(', ');
  const fixed = c.arms[0].summary.blastRadius;
  return [
    `per-change rollback thresholds  scenario ${c.scenario}, seed ${c.seed}, ${int(c.deployments)} deployments (${int(c.arms[0].summary.violating)} violating), \`${c.policy}\` in every arm`,
    '',
    line(rows[0]),
    line(width.map((w) => '─'.repeat(w))),
    ...rows.slice(1).map(line),
    line(['blast radius cut vs fixed', ...c.arms.map((a) => (fixed > 0 ? `${(100 * (1 - a.summary.blastRadius / fixed)).toFixed(1)} %` : '—'))]),
    '',
    ...c.arms.filter((a) => Object.keys(a.sensitivities).length).map((a) => `  ${a.arm}: ${counts(a.sensitivities)}`),
  ].join('\n');
}
