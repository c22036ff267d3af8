// `rolloutlab backtest`: replay deployments under policies (or re-judge recorded rollouts) and compare them.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { terminalProgress } from '../../lib/progress.ts';
import { codeVersion } from '../../lib/version.ts';
import { loadScenario, builtinScenarios, scenarioDigest } from '../../sim/index.ts';
import { writeDataset, type Table } from '../../datasets/index.ts';
import { parseStrategy } from '../../sim/strategy.ts';
import type { BacktestRun } from '../../backtest/run.ts';
import { backtestParallel, defaultThreads } from '../../backtest/parallel.ts';
import { resolvePolicies, policyNames, BASELINE_POLICIES } from '../../policies/index.ts';
import { formatBacktest, resultsTable, summaryTable } from '../../backtest/report.ts';
import { windowsTable } from '../../judges/labelled-windows.ts';
import { runReplay, formatReplay, type ReplayReport } from '../../backtest/replay.ts';
import { windowJudgeNames, resolveWindowJudges } from '../../judges/window-judges.ts';
import { tableFromRows, type ColumnSpec } from '../../datasets/table.ts';
import { int, out, flagValue, usage } from '../flags.ts';
import { RolloutlabError } from '../../lib/errors.ts';

interface BacktestFlags {
  scenario: string;
  seed: number;
  deployments: number;
  policies: string;
  strategy?: string;
  windowMinutes: number;
  out?: string;
  force?: boolean;
  threads?: number;
  trajectories?: boolean;
  models?: string;
}

/** Run a backtest with terminal progress; write results, summary and windows to `--out` if given. */
async function runBacktest(o: BacktestFlags): Promise<BacktestRun> {
  const scenario = loadScenario(o.scenario);
  if (o.trajectories && !o.out) throw usage('--trajectories needs --out (the trajectories are written into that data set)', 'trajectories');
  // Learned policies get their champions from the registry (worker threads load them from the same root).
  const { defaultModelsRoot } = await import('../../training/registry.ts');
  const { loadRolloutChampionsSync, loadRiskSync } = await import('../../training/load.ts');
  const modelsRoot = resolve(o.models ?? defaultModelsRoot());
  const policies = flagValue(() => resolvePolicies(o.policies, { models: () => loadRolloutChampionsSync(modelsRoot) }));
  // `optimised`: every deployment under the plan the rollout-plan optimiser chooses for it (docs/rollout-plans.md).
  // `optimised:region` / `optimised:tenant`: that plan run over the service's regions (tenants), capped.
  // `optimised+thresholds`: the plan also sets the `ml` policy's rollback thresholds per change (policies/rollout-plan/sensitivity.ts).
  const m = /^optimised(\+thresholds)?(?::(.*))?$/.exec(o.strategy ?? '');
  const optimised = m !== null;
  const thresholds = m?.[1] !== undefined;
  const units = m?.[2];
  if (units !== undefined && units !== 'region' && units !== 'tenant') throw usage(`--strategy ${JSON.stringify(o.strategy)}: optimised, optimised:region or optimised:tenant (each optionally optimised+thresholds…)`, 'strategy');
  if (optimised && o.trajectories) throw usage('--trajectories records the unguarded runs of one strategy: not with --strategy optimised', 'trajectories');
  const strategy = o.strategy !== undefined && !optimised ? flagValue(() => parseStrategy(o.strategy!, scenario)) : undefined;
  const progress = terminalProgress();
  const run = await backtestParallel({
    threads: o.threads ?? defaultThreads(o.deployments),
    scenario,
    scenarioName: o.scenario,
    seed: o.seed,
    deployments: o.deployments,
    policies,
    strategy,
    ...(optimised ? { optimised: { risk: loadRiskSync(modelsRoot)?.model ?? null, ...(units ? { units: units as 'region' | 'tenant' } : {}), ...(thresholds ? { thresholds } : {}) } } : {}),
    windowMinutes: o.out ? o.windowMinutes : undefined,
    modelsRoot,
    onProgress: (stage, d, n) => progress.update(stage, d, n),
  });
  const extra: Table[] = [];
  if (o.trajectories) {
    const { trajectoryTables } = await import('../../training/predictive-rollback/trajectories.ts');
    const { recordTrajectories } = await import('../../backtest/trajectories.ts');
    // The risk champion's prior is recorded with each deployment when there is one (the ml policy reads it).
    const risk = loadRiskSync(modelsRoot)?.model ?? null;
    extra.push(...trajectoryTables(recordTrajectories(scenario, o.seed, o.deployments, (d, n) => progress.update('trajectories', d, n), strategy, undefined, risk)));
  }
  progress.done();
  if (o.out) {
    await writeDataset({
      outDir: resolve(o.out),
      tables: [resultsTable(run.results), summaryTable(run.report), windowsTable(run.windows), ...extra],
      force: !!o.force,
      manifest: { kind: 'backtest', scenario: scenario.name, seed: o.seed, codeVersion: codeVersion(), extra: { report: run.report, windowMinutes: o.windowMinutes, scenarioDigest: scenarioDigest(scenario), scenarioConfig: scenario } },
    });
  }
  return run;
}

/** Per-window verdicts of a replay as a data set (one row per window; verdict, score and reasons per judge). */
async function writeReplay(report: ReplayReport, dir: string, force: boolean) {
  type Row = ReplayReport['rows'][number];
  const cols: ColumnSpec<Row>[] = [
    ['deployment_id', 'VARCHAR', (r) => r.deploymentId, 'deployment'],
    ['service', 'VARCHAR', (r) => r.service, 'service, if recorded'],
    ['window', 'INTEGER', (r) => r.window, 'window index within the deployment'],
    ['start_tick', 'INTEGER', (r) => r.startTick, 'first tick'],
    ['end_tick', 'INTEGER', (r) => r.endTick, 'tick after the last one'],
    ['partial', 'BOOLEAN', (r) => r.partial, 'shorter than the interval'],
    ['canary_requests', 'INTEGER', (r) => r.canaryRequests, 'canary requests'],
    ['canary_errors', 'INTEGER', (r) => r.canaryErrors, 'canary errors'],
    ['baseline_requests', 'INTEGER', (r) => r.baselineRequests, 'baseline requests'],
    ['baseline_errors', 'INTEGER', (r) => r.baselineErrors, 'baseline errors'],
    ['provider_error_ticks', 'INTEGER', (r) => r.providerErrorTicks, 'ticks the metrics backend failed'],
    ['label', 'VARCHAR', (r) => r.label, 'recorded label (fail / pass) or null'],
  ];
  for (const j of Object.keys(report.judges)) {
    cols.push(
      [`${j}_verdict`, 'VARCHAR', (r) => r.verdicts[j].verdict, `${j}: pass / fail / inconclusive`],
      [`${j}_score`, 'DOUBLE', (r) => r.verdicts[j].score, `${j}: score, if the judge gives one`],
      [`${j}_reasons`, 'VARCHAR', (r) => r.verdicts[j].reasons.join('; '), `${j}: reasons`],
    );
  }
  const { rows, ...summary } = report;
  await writeDataset({ outDir: resolve(dir), tables: [tableFromRows('replay_windows', rows, cols)], force, manifest: { kind: 'backtest', scenario: null, seed: null, codeVersion: codeVersion(), extra: { replay: summary } } });
}


/** Registers the Backtest commands on the program. */
export function registerBacktest(program: Command): void {
  program
    .command('backtest')
    .description('Replay the same deployments under several rollout policies and compare them (measures defined in docs/definitions.md).')
    .option('--scenario <name|file>', `built-in name (${builtinScenarios().join(', ')}) or a .json/.yaml file`, 'default')
    .option('--seed <n>', 'random seed (integer)', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--deployments <n>', 'deployments to replay (the scenario period repeats with fresh randomness as needed)', int('--deployments', 1, 1_000_000), 1000)
    .option('--policies <a,b,...>', `policies to compare (${policyNames().join(', ')}; ml needs a trained registry, see --models)`, BASELINE_POLICIES.join(','))
    .option('--strategy <spec>', 'rollout strategy: canary[:0.1,1,5,25,50,100] | blue-green[:previewMin] | rolling[:batches] | progressive[:region|tenant] | optimised (each deployment under the plan the rollout-plan optimiser chooses from its risk score and traffic; the JSON gains optimisedShare) | optimised:region | optimised:tenant (that plan run over the service’s regions or tenants, smallest first, capped) | optimised+thresholds[:region|tenant] (the plan also sets the ml policy’s rollback thresholds per change; the JSON gains sensitivities) (default: the scenario rollout)')
    .option('--out <dir>', 'write per-deployment results, the summary and labelled judge windows as a data set (Parquet + DuckDB)')
    .option('--window-minutes <n>', 'length of the labelled canary analysis windows written with --out', int('--window-minutes', 1, 60), 5)
    .option('--trajectories', 'with --out: also write every tick of every deployment\'s unguarded run as policies observe it, with the truth (training data of the rollback family)')
    .option('--models <dir>', 'model registry for learned policies such as ml (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--threads <n>', 'worker threads (default: one per core, at most 4; 1 below 400 deployments); results do not depend on it', int('--threads', 1, 64))
    .option('--force', 'replace an existing data set at --out')
    .option('--json', 'print one JSON object on stdout')
    .option('--replay <file>', 'instead of simulating: re-judge metrics recorded during real rollouts (CSV, JSON Lines or Parquet; docs/replay.md) with the judging policies')
    .option('--interval <ticks>', 'with --replay: ticks per analysis window', int('--interval', 1, 10_000), 5)
    .action(async (o: BacktestFlags & { json?: boolean; replay?: string; interval: number }, cmd: Command) => {
      if (o.replay) {
        // Only flags that mean something for recorded data may be combined with --replay.
        for (const f of ['scenario', 'seed', 'deployments', 'strategy', 'threads'] as const) {
          if (cmd.getOptionValueSource(f) === 'cli') throw usage(`--${f} cannot be combined with --replay (the rollouts are recorded, not simulated)`, f);
        }
        const asked = cmd.getOptionValueSource('policies') === 'cli' ? o.policies.split(',').map((x) => x.trim()).filter(Boolean) : null;
        // The learned judge re-judges recorded windows as `ml`, from the registry's judge champion: asked for by name,
        // it must be there; by default it joins the statistical judges when it is.
        if (asked === null || asked.includes('ml')) {
          const { defaultModelsRoot } = await import('../../training/registry.ts');
          const { loadJudgeSync } = await import('../../training/load.ts');
          const { registerMlWindowJudge } = await import('../../training/judge/model.ts');
          const modelsRoot = resolve(o.models ?? defaultModelsRoot());
          const judge = loadJudgeSync(modelsRoot);
          if (judge) registerMlWindowJudge(judge.model);
          else if (asked !== null) throw new RolloutlabError('NOT_FOUND', `--policies: ml re-judges recorded windows with the judge champion, and ${modelsRoot} has none (train one: rolloutlab train judge, or npm start; or point --models at a registry)`, 'policies');
        }
        const judges = asked ?? windowJudgeNames();
        flagValue(() => resolveWindowJudges(judges));
        const report = await runReplay(o.replay, { judges, intervalTicks: o.interval });
        for (const w of report.warnings) process.stderr.write(`warning: ${w}\n`);
        if (o.out) await writeReplay(report, o.out, !!o.force);
        const { rows, ...summary } = report;
        out(!!o.json, summary, formatReplay(report) + (o.out ? `\n\n  ${rows.length} judged windows written to ${resolve(o.out)}` : ''));
        return;
      }
      const t0 = performance.now();
      const run = await runBacktest(o);
      const text = formatBacktest(run.report) + `\n\n  ${((performance.now() - t0) / 1000).toFixed(1)} s` + (o.out ? `; results, summary and ${run.windows.length.toLocaleString('en-US')} labelled windows written to ${resolve(o.out)}` : '');
      out(!!o.json, run.report, text);
    });
}
