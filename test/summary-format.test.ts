// The main job's summary (npm start): every target row prints its value and its target in the same unit, says what
// the measure is, and under a miss the ceiling that bounds it (documented, with the command that reproduces it, or
// measured in the same run); the judge's decision line has no empty band; the backtest table does not print two
// copies of one column; the rollout plans rows print each measure under both plans with the change and the sample size.
// Fixtures are the figures of a recorded `npm start`, judged by the real checkTargets.
import { describe, it, expect } from 'vitest';
import { checkTargets, formatInUnit, formatTargetTable, loadTargets, targetStatus, type TargetRow } from '../training/targets.ts';
import { formatInRollout, type InRolloutReport } from '../cli/inrollout.ts';
import { formatPreDeploy, type PreDeployReport } from '../cli/predeploy.ts';
import { formatBacktest } from '../backtest/report.ts';
import type { BacktestReport, PolicySummary } from '../backtest/run.ts';
import { formatPlanComparison, planTargets, type PlanComparison } from '../backtest/plan-compare.ts';

const SCENARIOS: Record<string, { judge: [number, number]; rollback: [number, number, number, number]; detection: [number, number] }> = {
  default: { judge: [0.9572, 0.0761], rollback: [0.9288, 17, 0.0044, 0.004], detection: [0.5248, 4] },
  'low-traffic': { judge: [0.7673, 0.0839], rollback: [0.5728, 6, 0.0026, 0.446], detection: [0.0472, 21] },
  'black-friday': { judge: [0.9614, 0.0626], rollback: [0.9536, 16, 0.0013, 0.006], detection: [0.4906, 3] },
};

function inRolloutRows(): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const [scenario, m] of Object.entries(SCENARIOS)) {
    for (const t of checkTargets('judge', { accuracy: m.judge[0], accuracyOverKayenta: m.judge[1] })) rows.push({ ...t, family: 'judge', scenario });
    const [preventionRate, medianLeadTimeMin, falseRollbackRate, blastRadiusOverBestBaseline] = m.rollback;
    for (const t of checkTargets('rollback', { preventionRate, medianLeadTimeMin, falseRollbackRate, blastRadiusOverBestBaseline })) rows.push({ ...t, family: 'rollback', scenario });
    for (const t of checkTargets('detection', { severeDetectedInOneTick: m.detection[0], timeToRecoverMin: m.detection[1] })) rows.push({ ...t, family: 'detection', scenario });
  }
  return rows;
}

function inRollout(band: number): InRolloutReport {
  return {
    trainingData: { dirs: [], sets: [{ scenario: 'default', seed: 11 }], deploymentsPerSet: 750 },
    rollback: { version: 'v0001', promotion: { promoted: true, champion: 'v0001' }, backend: 'wasm', seconds: 64.4, thresholds: { fault: 0.98, breach: 0.9, overwhelmingLogP: Math.log(1e-7), kpiShortfallZ: 4, hold: 0.5 } },
    backtests: [],
    judge: { version: 'v0001', promotion: { promoted: true, champion: 'v0001' }, backend: 'wasm', decision: { failThreshold: 0.41, band, lowTrafficRequests: 100, minRequests: 5 }, rows: 1000, seconds: 24.7, evaluations: [] },
    targets: inRolloutRows(),
    seconds: 379.7,
  } as unknown as InRolloutReport;
}

function preDeploy(): PreDeployReport {
  const ev = (rocAuc: number, ece: number) => ({ rocAuc, prAuc: 0.42, brier: 0.157, ece });
  const windows = { changes: 96, meanRegret: 0.0312, medianRegret: 0.004, costCut: 0.4425, oracleCostCut: 0.4531, frozenRecommended: 0, oracleHitRate: 0.3, fitDays: 28, horizonHours: 72, stepMinutes: 15 };
  const targets = [
    ...checkTargets('risk', { aucGapToOracle: 0.0049, ece: 0.0232, scoredShare: 1 }).map((t) => ({ ...t, family: 'risk' })),
    ...checkTargets('timing', { regret: windows.meanRegret, costCut: windows.costCut }).map((t) => ({ ...t, family: 'timing' })),
    ...checkTargets('schedule', { orderViolations: 0 }).map((t) => ({ ...t, family: 'schedule' })),
    ...checkTargets('forecast', { mase: 0.8988 }).map((t) => ({ ...t, family: 'forecast' })),
  ];
  return {
    trainingData: { dirs: ['/tmp/out/train-default/seed-2'], scenario: 'default', seeds: [2, 3, 4, 5], days: 400, deployments: 14297 },
    risk: { version: 'v0001', evaluation: { model: ev(0.7122, 0.0232), oracle: ev(0.7171, 0.0184), logistic: ev(0.711, 0.03), lapredict: ev(0.5693, 0.05) }, promotion: { promoted: true, champion: 'v0001' }, backend: 'wasm', seconds: 30 },
    windows: { ...windows, world: { scenario: 'default', seed: 7, days: 42 } },
    schedule: { batches: 11, changes: 96, constrainedChanges: 68, scheduleCost: 2204100, independentCost: 2000000, whenReadyCost: 3662415, scheduleViolations: 0, independentViolations: 33, unplaced: 0 },
    forecast: { simulatedMedianMase: 0.28, simulatedMedianNaiveMase: 0.835, nycTaxiMase: 0.8988, nycTaxiNaiveMase: 1.388 },
    targets,
    seconds: 59,
  } as unknown as PreDeployReport;
}

/** The table rows of a summary: [measure.., value, target, status] split on runs of two or more spaces. */
function tableRows(text: string): string[][] {
  return text
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/))
    .filter((c) => c.length >= 5 && ['met', 'MISSED', 'not measured'].some((s) => c.includes(s)));
}

const unitOf = (cell: string) => (/ %$/.test(cell) ? '%' : / pts$/.test(cell) ? 'pts' : / min$/.test(cell) ? 'min' : 'plain');

describe('the main job summary', () => {
  it('prints value and target of every row in the same unit, with ≤ / ≥ signs', () => {
    const text = formatInRollout(inRollout(0)) + '\n' + formatPreDeploy(preDeploy());
    const rows = tableRows(text);
    expect(rows.length).toBe(inRolloutRows().length + preDeploy().targets.length);
    for (const c of rows) {
      const status = c.findIndex((x) => x === 'met' || x === 'MISSED' || x === 'not measured');
      const [value, target] = [c[status - 2], c[status - 1]];
      expect(target, c.join(' | ')).toMatch(/^[<>≤≥] /);
      expect(unitOf(target), c.join(' | ')).toBe(unitOf(value));
    }
    expect(text).toContain('95.72 %');
    expect(text).toContain('≥ 97 %');
    expect(text).not.toMatch(/%\s+>=?\s+0\.\d/);
  });

  it('says how many targets were met and missed, once each, and what every measure is', () => {
    const r = inRollout(0);
    const text = formatInRollout(r);
    const missed = r.targets.filter((t) => targetStatus(t) === 'missed').length;
    const met = r.targets.filter((t) => targetStatus(t) === 'met').length;
    expect(text).toContain(`${met} met, ${missed} missed`);
    expect(text.match(/\bMISSED\b/g)?.length).toBe(missed);
    const file = loadTargets();
    for (const family of ['judge', 'rollback', 'detection']) {
      for (const [metric, t] of Object.entries(file.targets[family])) {
        expect(text, `${family}.${metric}`).toContain(t.label!);
        expect(text, `${family}.${metric}`).toContain(`#${t.definition}`);
      }
    }
    expect(text).toContain('docs/definitions.md');
  });

  it('prints the ceiling under a miss: documented with the command that reproduces it, or measured in the run', () => {
    const text = formatInRollout(inRollout(0));
    const lines = text.split('\n');
    const after = (pred: (l: string) => boolean) => {
      const i = lines.findIndex(pred);
      expect(i).toBeGreaterThanOrEqual(0);
      return lines.slice(i + 1, i + 4).join('\n');
    };
    const file = loadTargets();
    const judgeCeiling = file.targets.judge.accuracy.ceiling!;
    const lowTraffic = after((l) => /rollback\s+low-traffic\s+prevention rate/.test(l) && l.includes('MISSED'));
    expect(lowTraffic).toContain(formatInUnit(file.targets.rollback.preventionRate.ceiling!.z3['low-traffic'], 'share', 'target'));
    expect(lowTraffic).toContain('out of reach for any policy');
    expect(lowTraffic).toContain('reproduce: npx rolloutlab bench rollback --scenario low-traffic --seed 1');
    const judge = after((l) => /judge\s+default\s+canary verdict accuracy/.test(l));
    expect(judge).toContain(formatInUnit(judgeCeiling.z3.default, 'share', 'target'));
    expect(judge).toContain('between the two');
    expect(judge).toContain('documented');
    expect(judge).toContain('reproduce: npx rolloutlab bench judge --ceiling --scenario default --seed 1');
    // A met target gets no ceiling line.
    expect(after((l) => /rollback\s+black-friday\s+prevention rate/.test(l)).split('\n')[0]).not.toContain('ceiling');
    expect(after((l) => /detection\s+default\s+median time to recover/.test(l))).toContain('docs/rollback.md#detection-speed');
    const pre = formatPreDeploy(preDeploy()).split('\n');
    const cut = pre.findIndex((l) => /timing\s+expected cost cut/.test(l));
    expect(pre[cut]).toContain('MISSED');
    expect(pre[cut + 1]).toMatch(/oracle's cost cut.*45\.31 % \(measured in this run\)/);
  });

  it('describes the judge without an empty band, and with it when there is one', () => {
    const none = formatInRollout(inRollout(0));
    expect(none).not.toMatch(/±0\.00|within 0 of/);
    expect(none).toMatch(/below 5 canary requests never pass/);
    expect(formatInRollout(inRollout(0.1))).toMatch(/below 100 requests inconclusive within 0\.1 of the threshold/);
  });

  it('formatTargetTable shows "not measured" without a unit or a ceiling', () => {
    const rows = checkTargets('rollback', { preventionRate: null }).map((t) => ({ ...t, family: 'rollback', scenario: 'default' }));
    const text = formatTargetTable(rows);
    expect(text).toContain('not measured');
    expect(text).not.toContain('reproduce');
  });
});

describe('the backtest table', () => {
  const summary = (detect: number | null, recover: number | null): PolicySummary => ({
    preventionRate: 0.5, falseRollbackRate: 0.01, medianLeadTimeMin: 8, medianTimeToDetectS: detect, medianTimeToRecoverS: recover, blastRadius: 1000,
    meanTimeToFullRolloutMin: 40, violating: 10, prevented: 5, falseRollbacks: 1, rollbacks: 6, withoutMaterialFault: 90, materialFaults: 10,
    noiseBreaches: 0, severeDetectedWithinOneTick: 0.5, truncated: 0, seconds: 1,
    unitRollbacks: 0, confinedFaults: 0, confinedRollbacks: 0, healthyExposureKept: null, confinedRecoveredAtRollback: null,
    tenantsImpacted: 12, customerMinutesExposed: 3456,
  });
  const report = (policies: Record<string, PolicySummary>): BacktestReport => ({
    scenario: 'default', seed: 1, deployments: 100, periods: 1, policies,
    strategy: { kind: 'canary', steps: [1, 5, 25, 50, 100], stepMinutes: 10, bakeMinutes: 30 } as BacktestReport['strategy'],
  });
  const header = (text: string) => text.split('\n').find((l) => l.trim().startsWith('policy'))!;

  it('prints one column, explained, when detection and recovery are equal for every policy', () => {
    const text = formatBacktest(report({ kayenta: summary(1200, 1200), ml: summary(240, 240), none: summary(null, null) }));
    expect(header(text)).toContain('detect = recover');
    expect(header(text).match(/recover/g)).toHaveLength(1);
    expect(text).toMatch(/recovery takes no longer than detection/);
    expect(text).toContain('1200 s');
  });

  it('prints both columns when any policy recovers later than it detects', () => {
    const text = formatBacktest(report({ kayenta: summary(1200, 1200), ml: summary(240, 300) }));
    expect(header(text)).toMatch(/\bdetect\s+recover\b/);
    expect(text).toContain('300 s');
    expect(text).not.toMatch(/recovery takes no longer than detection/);
  });
});

describe('the rollout plans rows', () => {
  // Figures of a recorded `npm start` (default seed 1, first 2,000 deployments, ml under both plans).
  const summary = (blastRadius: number, ttf: number, prevented: number, falseRollbacks: number): PolicySummary => ({
    preventionRate: prevented / 352, falseRollbackRate: falseRollbacks / 1600, medianLeadTimeMin: 17, medianTimeToDetectS: 240, medianTimeToRecoverS: 240, blastRadius,
    meanTimeToFullRolloutMin: ttf, violating: 352, prevented, falseRollbacks, rollbacks: prevented + falseRollbacks, withoutMaterialFault: 1600, materialFaults: 400,
    noiseBreaches: 13, severeDetectedWithinOneTick: 0.5, truncated: 0, seconds: 5,
    unitRollbacks: 0, confinedFaults: 0, confinedRollbacks: 0, healthyExposureKept: null, confinedRecoveredAtRollback: null, tenantsImpacted: Math.round(blastRadius / 100), customerMinutesExposed: blastRadius,
  });
  const comparison = (fixedBlast: number): PlanComparison => ({
    scenario: 'default', seed: 1, deployments: 2000, policy: 'ml',
    fixed: summary(fixedBlast, 50.48, 329, 7), optimised: summary(9204, 45.67, 326, 3),
    blastCut: fixedBlast > 0 ? 1 - 9204 / fixedBlast : null, optimisedShare: 1, plans: { guarded: 40, cautious: 1960 }, seconds: 9,
  });

  it('prints each measure under the fixed plan, under the optimised plans and the change, with the sample size and the plans used', () => {
    const text = formatPlanComparison(comparison(17749));
    expect(text).toMatch(/^rollout plans: optimised vs fixed .*default, seed 1, 2,000 deployments \(352 violating\), `ml`/);
    const row = (name: string) => text.split('\n').find((l) => l.trim().startsWith(name))!.trim().split(/\s{2,}/);
    expect(row('blast radius')).toEqual(['blast radius (bad requests)', '17,749', '9,204', '−48.1 %']);
    expect(row('mean minutes')).toEqual(['mean minutes to full rollout', '50.5', '45.7', '−4.8 min']);
    expect(row('prevention')).toEqual(['prevention', '93.5 % (329)', '92.6 % (326)', '−0.9 pts']);
    expect(row('false rollbacks')).toEqual(['false rollbacks', '0.44 % (7)', '0.19 % (3)', '−0.25 pts']);
    expect(text).toContain('optimised plans on 100.0 % of deployments');
    expect(text).toContain('plans used: cautious 1,960, guarded 40');
  });

  it('judges the optimiser against its documented goals, and a fixed plan without any bad request as no cut', () => {
    const met = Object.fromEntries(planTargets(comparison(17749)).map((t) => [t.name, t.met]));
    expect(met).toEqual({ 'blast radius cut': false, 'mean time to full rollout': true, prevention: false, 'false rollbacks': true, 'deployments under an optimised plan': true });
    const none = comparison(0);
    expect(planTargets(none)[0]).toMatchObject({ value: '—', met: false });
    expect(formatPlanComparison(none).split('\n').find((l) => l.includes('blast radius ('))).toMatch(/—$/);
  });
});
