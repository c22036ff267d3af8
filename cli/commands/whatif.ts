// `rolloutlab whatif`: the what-if engine (sim/whatif.ts) for a deployment of a simulated world, before it ships:
// the predicted ranges per stage and metric (healthy and faulty), the failure points and the stress pre-checks; and
// `whatif --calibrate`, how well those predictions hold on held-out deployments (backtest/whatif-calibration.ts).
import { resolve } from 'node:path';
import { Command } from 'commander';
import { RolloutlabError } from '../../lib/errors.ts';
import { terminalProgress } from '../../lib/progress.ts';
import { loadScenario } from '../../sim/index.ts';
import { parseStrategy } from '../../sim/strategy.ts';
import { WHATIF_METRICS, type WhatIfResult, type Range } from '../../sim/whatif.ts';
import type { WhatIfWorldResult } from '../../backtest/whatif-world.ts';
import { int, out, usage, flagValue } from '../flags.ts';

/** `--runs`: any integer is parsed; fewer than one run is bad input (exit 2) naming the flag. */
export const runsFlag = (v: string) => {
  if (!/^-?\d+$/.test(v.trim())) throw new RolloutlabError('BAD_ARGUMENT', `--runs: must be an integer, got ${JSON.stringify(v)}`, '--runs');
  return Number(v);
};
export const checkRuns = (n: number) => {
  if (n < 1) throw new RolloutlabError('BAD_ARGUMENT', `--runs: a what-if needs at least one run, got ${n}`, '--runs');
  if (n > 100_000) throw new RolloutlabError('BAD_ARGUMENT', `--runs: at most 100000, got ${n}`, '--runs');
  return n;
};

const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : Math.abs(x) >= 0.01 ? x.toFixed(3) : x.toExponential(1));
const rangeText = (r: Range | null) => (r ? `${fmt(r.p10)}–${fmt(r.p90)} (${fmt(r.p50)})` : '—');

/** The text form of a what-if: the plan, the ranges per stage, the failure points, the stress pre-checks. */
export function formatWhatIf(r: WhatIfResult, title: string): string {
  const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
  const lines = [
    `${title}: ${r.runs} healthy and ${r.runs} faulty runs of ${r.plan.kind} ${r.plan.stages.map((s) => s.weightPercent).join('-')} % (${r.plan.plannedMinutes} min with the bake); risk ${r.risk === null ? 'unknown' : r.risk.toFixed(3)}`,
    `  traffic: ${Math.round(r.traffic.rpmAtStart)} requests/min at the start (${r.traffic.forecast}); peak load ${r.traffic.peakLoad.toFixed(2)}× the service mean`,
    `  if it fails: the fault breaches an SLO in ${pct(r.breachProbabilityIfFaulty)} of runs, ${fmt(r.blastRadiusIfFaulty.p50)} bad requests (p90 ${fmt(r.blastRadiusIfFaulty.p90)}) left unguarded; healthy runs breach in ${pct(r.breachProbabilityHealthy)}`,
    '',
    '  canary, healthy p10–p90 (p50) per stage:',
    `  ${'stage'.padEnd(12)}${WHATIF_METRICS.map((m) => m.padEnd(24)).join('')}`,
    ...r.stages.map((s) => `  ${`${s.weightPercent} % ${s.dwellMinutes}m`.padEnd(12)}${WHATIF_METRICS.map((m) => rangeText(s.healthy[m]).padEnd(24)).join('')}`),
    '  canary, faulty p10–p90 (p50):',
    ...r.stages.map((s) => `  ${`${s.weightPercent} % ${s.dwellMinutes}m`.padEnd(12)}${WHATIF_METRICS.map((m) => rangeText(s.faulty[m]).padEnd(24)).join('')}`),
    '',
    r.failurePoints.length ? '  failure points (if the change fails):' : '  failure points: none breaches in 10 % of faulty runs or more',
    ...r.failurePoints.map((f) => `    ${f.name} (${f.relation}): ${pct(f.probabilityIfFaulty)} of faulty runs${f.probability === null ? '' : `, ${(100 * f.probability).toFixed(1)} % all told`}, after ${fmt(f.medianMinutesToBreach)} min — ${f.mechanism}`),
  ];
  if (r.stress.length) {
    lines.push('', '  stress pre-checks (breach: healthy / faulty):');
    for (const s of r.stress) lines.push(`    ${s.name.padEnd(16)} ${pct(s.breachProbabilityHealthy).padStart(5)} / ${pct(s.breachProbabilityIfFaulty).padStart(5)}  ${s.description}${s.shiftedMetrics.length ? `; moves ${s.shiftedMetrics.join(', ')} outside the healthy range` : ''}${s.failurePoints[0] ? `; first to break: ${s.failurePoints[0].name} (${pct(s.failurePoints[0].probabilityIfFaulty)})` : ''}`);
  }
  return lines.join('\n');
}

export function registerWhatIf(program: Command): void {
  program
    .command('whatif')
    .description('Simulate a deployment of a simulated world many times before it ships: predicted canary ranges per stage and metric (healthy and faulty), failure points and stress pre-checks; or, with --calibrate, how well the predictions hold on held-out deployments')
    .option('--scenario <name|file>', 'scenario of the simulated world', 'default')
    .option('--seed <n>', 'world seed', int('--seed', 0, 2 ** 31 - 1), 1)
    .option('--deployment <id>', 'a deployment of that world (dep-000123)')
    .option('--models <dir>', 'model registry for the risk score and the optimised plan (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--strategy <s>', 'the plan to simulate: optimised (the plan the optimiser chooses, default), scenario, or a strategy as for backtest (canary:1,5,25,50,100, …)', 'optimised')
    .option('--runs <n>', 'healthy runs and faulty runs each (stress pre-checks take a quarter of it each)', runsFlag, 100)
    .option('--no-stress', 'skip the stress pre-checks')
    .option('--calibrate', 'measure calibration on held-out deployments of the world instead: coverage of healthy observations by the p10–p90 ranges, failure-point recall and precision')
    .option('--deployments <n>', 'with --calibrate: deployments to check', int('--deployments', 1, 100_000), 150)
    .option('--json', 'print JSON')
    .action(async (o: { scenario: string; seed: number; deployment?: string; models?: string; strategy: string; runs: number; stress: boolean; calibrate?: boolean; deployments: number; json?: boolean }) => {
      checkRuns(o.runs);
      const scenario = loadScenario(o.scenario);
      if (o.calibrate) {
        if (o.deployment !== undefined) throw usage('--calibrate checks many deployments: leave out --deployment', '--deployment');
        const { calibrateWhatIf } = await import('../../backtest/whatif-calibration.ts');
        const progress = terminalProgress();
        const r = calibrateWhatIf({ scenario, scenarioName: o.scenario, seed: o.seed, deployments: o.deployments, runs: o.runs, onProgress: (d, t) => progress.update('whatif calibrate', d, t) });
        progress.done();
        const pct = (x: number | null) => (x === null || Number.isNaN(x) ? '—' : `${(100 * x).toFixed(1)} %`);
        out(
          !!o.json,
          r,
          [
            `what-if calibration, ${o.scenario} seed ${o.seed}: ${r.healthyDeployments} healthy and ${r.faultyDeployments} faulty deployments, ${r.runs} runs each`,
            `  healthy canary observations inside the predicted p10–p90: ${pct(r.coverage.pit)} (ties shared), ${pct(r.coverage.closed)} (closed range), of ${r.coverage.observations}; target 80 % ± 5`,
            ...WHATIF_METRICS.map((m) => `    ${m.padEnd(12)} ${pct(r.coverage.byMetric[m].pit).padStart(8)} ${pct(r.coverage.byMetric[m].closed).padStart(8)}`),
            `  failure points at P(breach | fault) >= ${r.failurePoints.threshold}: recall ${pct(r.failurePoints.recall)}, precision ${pct(r.failurePoints.precision)} (TP ${r.failurePoints.truePositives}, FP ${r.failurePoints.falsePositives}, FN ${r.failurePoints.falseNegatives})`,
            `    the service itself: recall ${pct(r.failurePoints.byRelation.self.recall)}, precision ${pct(r.failurePoints.byRelation.self.precision)}; its callers: recall ${pct(r.failurePoints.byRelation.caller.recall)}, precision ${pct(r.failurePoints.byRelation.caller.precision)}`,
          ].join('\n'),
        );
        return;
      }
      if (o.deployment === undefined) throw usage('give --deployment <id> (or --calibrate)', '--deployment');
      const r = await whatIfForDeployment({ scenario: o.scenario, seed: o.seed, deployment: o.deployment, models: o.models, strategy: o.strategy, runs: o.runs, stress: o.stress });
      out(!!o.json, r, formatWhatIf(r, `what-if for ${r.id} (${r.service.name})`));
    });
}

/**
 * The what-if of a deployment of a simulated world: its change's risk from the champion of `models`, the plan asked
 * for (backtest/whatif-world.ts, the code POST /v1/whatif runs too).
 */
export async function whatIfForDeployment(o: { scenario: string; seed: number; deployment: string; models?: string; strategy: string; runs: number; stress: boolean }): Promise<WhatIfWorldResult> {
  const { defaultModelsRoot } = await import('../../training/registry.ts');
  const { loadRiskSync } = await import('../../training/load.ts');
  const { whatIfInWorld } = await import('../../backtest/whatif-world.ts');
  const scenario = loadScenario(o.scenario);
  // A strategy the parser refuses is a usage error (exit 1), as for backtest --strategy.
  if (o.strategy !== 'optimised' && o.strategy !== 'scenario') flagValue(() => parseStrategy(o.strategy, scenario));
  const risk = loadRiskSync(resolve(o.models ?? defaultModelsRoot()));
  const { result } = whatIfInWorld({ scenario, scenarioName: o.scenario, seed: o.seed, change: { deployment: o.deployment }, risk, strategy: o.strategy, runs: o.runs, stress: o.stress }, { field: (n) => `--${n}` });
  return result;
}
