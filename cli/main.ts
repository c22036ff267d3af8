// The `rolloutlab` command line. Only this file parses arguments; every command calls a stage's public entry.
import { Argument, Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRolloutlabError, RolloutlabError, UsageError } from '../lib/errors.ts';
import { terminalProgress } from '../lib/progress.ts';
import { codeVersion } from '../lib/version.ts';
import { loadScenario, parseScenario, builtinScenarios, scenarioDigest, simulateWorld, worldToTables, summarizeWorld, type Scenario } from '../sim/index.ts';
import { writeDataset, readDataset, type Table, importNab, nabToTables, importJit, jitToTable, importDeploymentHistory } from '../datasets/index.ts';
import { formatSummary } from './format.ts';
import { scenarioDocsMarkdown } from '../sim/scenario-docs.ts';
import { parseStrategy } from '../sim/strategy.ts';
import type { BacktestRun } from '../backtest/run.ts';
import { backtestParallel, defaultThreads } from '../backtest/parallel.ts';
import { resolvePolicies, policyNames, BASELINE_POLICIES } from '../policies/index.ts';
import { formatBacktest, resultsTable, summaryTable } from '../backtest/report.ts';
import { windowsTable } from '../judges/labelled-windows.ts';
import { runReplay, formatReplay, type ReplayReport } from '../backtest/replay.ts';
import { windowJudgeNames, resolveWindowJudges } from '../judges/window-judges.ts';
import { DETECTOR_NAMES } from '../detectors/registry.ts';
import { tableFromRows, type ColumnSpec } from '../datasets/table.ts';
import { allowedMinutesOf, parseHourRanges, WINDOW_DEFAULTS, type HourRange } from '../training/deploy-window/recommend.ts';
import { TYPICAL_FAULT_BAD_RATIO } from '../sim/world.ts';
import { FAMILIES, FAMILY_NAMES, type Family } from '../training/families.ts';
import { formatTargets } from '../training/targets.ts';

const int = (flag: string, min: number, max: number) => (v: string) => {
  if (!/^-?\d+$/.test(v.trim())) throw new InvalidArgumentError(`${flag} must be an integer, got "${v}"`);
  const n = Number(v);
  if (n < min || n > max) throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
};

const num = (flag: string, min: number, max: number) => (v: string) => {
  const n = Number(v.trim());
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} must be a number, got "${v}"`);
  if (n < min || n > max) throw new InvalidArgumentError(`${flag} must be between ${min} and ${max}, got ${n}`);
  return n;
};

function out(json: boolean, obj: unknown, text: string): void {
  process.stdout.write(json ? JSON.stringify(obj, null, 2) + '\n' : text + '\n');
}

/** Parse a flag's value with a library parser: its BAD_ARGUMENT becomes a usage error (exit 1). */
function flagValue<T>(parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (isRolloutlabError(e) && e.code === 'BAD_ARGUMENT' && !(e instanceof UsageError)) throw new UsageError(e.message, e.field);
    throw e;
  }
}

/** Hour ranges of the UTC day, e.g. `9-17` or `9-12,13-17`. */
const hourRanges = (flag: string) => (v: string): HourRange[] => {
  const r = parseHourRanges(v);
  if (typeof r === 'string') throw new InvalidArgumentError(`${flag}: ${r}`);
  return r;
};

/** A usage error naming the flag (exit 1). */
const usage = (message: string, field: string) => new UsageError(message, field);

/** Simulate a scenario and write it as a data set; returns the summary and manifest. */
async function simulateToDataset(scenario: Scenario, seed: number, outDir: string, force: boolean) {
  const progress = terminalProgress();
  const t0 = performance.now();
  const world = simulateWorld(scenario, seed, (stage, d, n) => progress.update(stage, d, n));
  const simSeconds = (performance.now() - t0) / 1000;
  const tables = worldToTables(world);
  const manifest = await writeDataset({
    outDir,
    tables,
    force,
    manifest: { kind: 'simulated', scenario: scenario.name, seed, codeVersion: codeVersion(), extra: { days: scenario.days, scenarioDigest: scenarioDigest(scenario), scenarioConfig: scenario } },
    onProgress: (msg) => progress.update(`write ${msg.split(/\s/)[0]}`, 1, 1),
  });
  progress.done();
  return { world, summary: summarizeWorld(world), manifest, simSeconds, seconds: (performance.now() - t0) / 1000 };
}

/** The model families `train` and `evaluate` take. */

/** Deployments in the main job's backtest: the size of the baseline comparison in the docs. */
const MAIN_BACKTEST_DEPLOYMENTS = 2000;

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
  const { defaultModelsRoot } = await import('../training/registry.ts');
  const { loadRolloutChampionsSync, loadRiskSync } = await import('../training/load.ts');
  const modelsRoot = resolve(o.models ?? defaultModelsRoot());
  const policies = flagValue(() => resolvePolicies(o.policies, { models: () => loadRolloutChampionsSync(modelsRoot) }));
  const strategy = o.strategy !== undefined ? flagValue(() => parseStrategy(o.strategy!, scenario)) : undefined;
  const progress = terminalProgress();
  const run = await backtestParallel({
    threads: o.threads ?? defaultThreads(o.deployments),
    scenario,
    scenarioName: o.scenario,
    seed: o.seed,
    deployments: o.deployments,
    policies,
    strategy,
    windowMinutes: o.out ? o.windowMinutes : undefined,
    modelsRoot,
    onProgress: (stage, d, n) => progress.update(stage, d, n),
  });
  const extra: Table[] = [];
  if (o.trajectories) {
    const { trajectoryTables } = await import('../training/predictive-rollback/trajectories.ts');
    const { recordTrajectories } = await import('../backtest/trajectories.ts');
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

/** Write imported tables as a data set at `--out` (replacing one only with `--force`). */
function writeImported(o: { out: string; force?: boolean }, tables: Table[], extra: Record<string, unknown>) {
  return writeDataset({ outDir: resolve(o.out), tables, force: !!o.force, manifest: { kind: 'imported', scenario: null, seed: null, codeVersion: codeVersion(), extra } });
}

export function buildProgram(): Command {
  const program = new Command('rolloutlab')
    .description('Seeded deployment-safety workbench: simulate worlds, build data sets, train and backtest models.')
    .version(codeVersion())
    // Program options (--version, --help) only before the command: a command's own --version is its own.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('main', { isDefault: false })
    .description('The main job (npm start): simulate the default scenario, write its data set, train and evaluate the pre-deploy models (risk, deploy windows, traffic forecast), train the in-rollout models (canary judge, predictive rollback), backtest the learned ml policy beside every baseline on default, low-traffic and black-friday, and print each measure against its target.')
    .option('--out <dir>', 'where to write the data set', 'out/default-seed-1')
    .option('--json', 'print the summary as JSON')
    .option('--backtest-out <dir>', 'where to write the default scenario’s backtest results and labelled judge windows (low-traffic and black-friday go beside it, as backtest-<scenario>-seed-1)', 'out/backtest-default-seed-1')
    .option('--deployments <n>', 'deployments in each backtest of ml beside the baseline policies', int('--deployments', 1, 1_000_000), MAIN_BACKTEST_DEPLOYMENTS)
    .option('--train-out <dir>', 'folder for the risk model’s training data sets (one per world)', 'out/train-default')
    .option('--rollout-train-out <dir>', 'folder for the recorded training rollouts of the judge and rollback models (one data set per scenario and seed)', 'out/train-rollouts')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .action(async (o: { out: string; backtestOut: string; deployments: number; trainOut: string; rolloutTrainOut: string; models?: string; json?: boolean }) => {
      const scenario = loadScenario('default');
      const say = (msg: string) => {
        if (!o.json) process.stderr.write(msg);
      };
      say(`rolloutlab ${codeVersion()} — simulating scenario "default" (seed 1)...\n`);
      const r = await simulateToDataset(scenario, 1, resolve(o.out), true);
      if (!o.json) process.stdout.write(formatSummary(r.summary, { dataset: resolve(o.out), seconds: r.seconds }) + '\n\n');
      const { runPreDeploy, formatPreDeploy } = await import('./predeploy.ts');
      const pre = await runPreDeploy({ trainOut: o.trainOut, models: o.models, quiet: !!o.json });
      if (!o.json) process.stdout.write(formatPreDeploy(pre) + '\n\n');
      const { runInRollout, formatInRollout } = await import('./inrollout.ts');
      const rollout = await runInRollout({
        trainOut: o.rolloutTrainOut,
        backtestDir: (name) => (name === 'default' ? resolve(o.backtestOut) : resolve(dirname(resolve(o.backtestOut)), `backtest-${name}-seed-1`)),
        models: o.models,
        deployments: o.deployments,
        quiet: !!o.json,
        onBacktest: (b) => {
          if (!o.json) process.stdout.write(formatBacktest(b.report) + `\n\n  ${b.seconds.toFixed(1)} s; results and ${b.windows.toLocaleString('en-US')} labelled judge windows written to ${b.dir}\n\n`);
        },
      });
      if (o.json) out(true, { summary: r.summary, dataset: resolve(o.out), models: pre, inRollout: rollout }, '');
      else process.stdout.write(formatInRollout(rollout) + '\n');
    });

  program
    .command('simulate')
    .description('Simulate a scenario and write a data set (DuckDB + Parquet + manifest).')
    .requiredOption('--scenario <name|file>', `built-in name (${builtinScenarios().join(', ')}) or a .json/.yaml file`)
    .requiredOption('--seed <n>', 'random seed (integer)', int('--seed', 0, 2 ** 32 - 1))
    .option('--days <n>', 'override the scenario length in days', int('--days', 1, 400))
    .option('--traffic-resolution <minutes>', 'override the traffic table\'s resolution (scenario dataset.trafficResolutionMinutes, 1-60); coarser makes long worlds faster to write and smaller', int('--traffic-resolution', 1, 60))
    .requiredOption('--out <dir>', 'output folder (written aside, then renamed into place)')
    .option('--force', 'replace an existing data set at --out')
    .option('--json', 'print the summary and manifest as JSON on stdout')
    .action(async (o: { scenario: string; seed: number; days?: number; trafficResolution?: number; out: string; force?: boolean; json?: boolean }) => {
      let scenario = loadScenario(o.scenario);
      if (o.days !== undefined) scenario = parseScenario({ ...scenario, days: o.days }, `${o.scenario} with --days ${o.days}`);
      if (o.trafficResolution !== undefined) scenario = parseScenario({ ...scenario, dataset: { ...scenario.dataset, trafficResolutionMinutes: o.trafficResolution } }, `${o.scenario} with --traffic-resolution ${o.trafficResolution}`);
      const r = await simulateToDataset(scenario, o.seed, resolve(o.out), !!o.force);
      out(!!o.json, { summary: r.summary, manifest: r.manifest, dataset: resolve(o.out), seconds: r.seconds }, formatSummary(r.summary, { dataset: resolve(o.out), seconds: r.seconds }));
    });

  program
    .command('backtest')
    .description('Replay the same deployments under several rollout policies and compare them (measures defined in docs/definitions.md).')
    .option('--scenario <name|file>', `built-in name (${builtinScenarios().join(', ')}) or a .json/.yaml file`, 'default')
    .option('--seed <n>', 'random seed (integer)', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--deployments <n>', 'deployments to replay (the scenario period repeats with fresh randomness as needed)', int('--deployments', 1, 1_000_000), 1000)
    .option('--policies <a,b,...>', `policies to compare (${policyNames().join(', ')}; ml needs a trained registry, see --models)`, BASELINE_POLICIES.join(','))
    .option('--strategy <spec>', 'rollout strategy: canary[:0.1,1,5,25,50,100] | blue-green[:previewMin] | rolling[:batches] | progressive[:region|tenant] (default: the scenario rollout)')
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
        const judges = cmd.getOptionValueSource('policies') === 'cli' ? o.policies.split(',').map((x) => x.trim()).filter(Boolean) : windowJudgeNames();
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

  program
    .command('train')
    .description('Train a model family on a data set, register the version with its model card, and promote it if it is at least as good as the champion on the same held-out data.')
    .addArgument(new Argument('<family>', `model family: ${FAMILY_NAMES.join(', ')}`).choices(FAMILY_NAMES))
    .requiredOption('--data <dir[,dir...]>', 'data set(s), separated by commas, each split on its own: risk — simulated data sets (rolloutlab simulate); judge — backtest data sets (rolloutlab backtest --out); rollback — backtest data sets written with --trajectories')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--with-feedback <source>', 'risk only: add outcome feedback to the training part — a serve --feedback DuckDB file (read-only; stop the server or copy the file), a server URL (http://host:port, reads GET /v1/feedback), or a JSON / JSONL export (docs/risk.md "Training with feedback")')
    .option('--feedback-weight <w>', 'each feedback row enters the training part w times (a whole number)', int('--feedback-weight', 1, 1000), 1)
    .option('--strict', 'with --with-feedback: fail on a record that cannot be used instead of skipping it')
    .option('--token <t>', 'with a --with-feedback URL: the server\'s bearer token (default: $ROLLOUTLAB_TOKEN; GET /v1/feedback needs it)')
    .option('--json', 'print the result as JSON')
    .action(async (family: string, o: { data: string; models?: string; json?: boolean; withFeedback?: string; feedbackWeight: number; strict?: boolean; token?: string }) => {
      if (o.withFeedback === undefined && (o.strict || o.feedbackWeight !== 1)) throw usage('train: --strict and --feedback-weight need --with-feedback', o.strict ? 'strict' : 'feedback-weight');
      const row = FAMILIES[family as Family];
      if (o.withFeedback !== undefined && !row.feedback) throw usage(`train ${family}: --with-feedback: feedback is used by the risk family only (its training rows are per-deployment features + outcome)`, 'with-feedback');
      const { ModelRegistry } = await import('../training/registry.ts');
      const commands = await row.commands();
      const progress = terminalProgress();
      const feedback = o.withFeedback === undefined ? undefined : { source: o.withFeedback, weight: o.feedbackWeight, strict: !!o.strict, token: o.token ?? (process.env.ROLLOUTLAB_TOKEN || undefined) };
      const r = await commands.train(o.data, { registry: new ModelRegistry(o.models ? { root: resolve(o.models) } : {}), onProgress: (stage, d, n) => progress.update(stage, d, n), feedback });
      progress.done();
      out(!!o.json, r.json, r.text);
    });

  program
    .command('evaluate')
    .description('Evaluate a family’s champion: its model card, or (with --data) its scores on that data set’s held-out part.')
    .addArgument(new Argument('<family>', `model family: ${FAMILY_NAMES.join(', ')}`).choices(FAMILY_NAMES))
    .option('--data <dir[,dir...]>', 're-evaluate on the held-out (newest 20 %) part of this simulated data set, or of several separated by commas (each split on its own)')
    .option('--version <v>', 'a version instead of the champion')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'print the result as JSON')
    .action(async (family: string, o: { data?: string; version?: string; models?: string; json?: boolean }) => {
      const { ModelRegistry } = await import('../training/registry.ts');
      const commands = await FAMILIES[family as Family].commands();
      const r = await commands.evaluate(new ModelRegistry(o.models ? { root: resolve(o.models) } : {}), { data: o.data, version: o.version });
      out(!!o.json, r.json, r.text);
    });

  program
    .command('windows')
    .description('Deployment-window recommendation with the risk champion and the traffic forecaster: ranked start windows for one deployment, or (default) regret and expected-cost cut over every change of a simulated period, against the simulator’s true expectations.')
    .option('--scenario <name|file>', 'scenario of the evaluated world', 'default')
    .option('--seed <n>', 'seed of the evaluated world (use one the risk model was not trained on)', int('--seed', 0, 2 ** 32 - 1), 7)
    .option('--days <n>', 'length of the evaluated world', int('--days', 15, 400), 42)
    .option('--fit-days <n>', 'days of traffic the forecasters are fitted on; changes ready later are evaluated', int('--fit-days', 7, 399), 28)
    .option('--horizon <hours>', 'hours after readiness within which the change must start', int('--horizon', 1, 720), 72)
    .option('--deployment <id>', 'print the ranked windows of this deployment instead of the evaluation')
    .option('--allowed-hours <ranges>', 'with --deployment: hours of the owning team\'s local day (its on-call time zone) a rollout may run in, start to end of bake, e.g. 9-17 or 9-12,13-17 (end exclusive; 22-6 wraps past midnight); other starts are never offered', hourRanges('--allowed-hours'))
    .option('--forbid-hours <ranges>', 'with --deployment: hours of the team\'s local day no rollout may touch, e.g. 0-7 (same form; applied after --allowed-hours)', hourRanges('--forbid-hours'))
    .option('--approval-below-cover <x>', 'with --deployment: flag windows whose on-call cover at the start is below x (0-1) as needing a human\'s approval', num('--approval-below-cover', 0, 1), WINDOW_DEFAULTS.approvalBelowCover)
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { scenario: string; seed: number; days: number; fitDays: number; horizon: number; deployment?: string; allowedHours?: HourRange[]; forbidHours?: HourRange[]; approvalBelowCover: number; models?: string; json?: boolean }, cmd: Command) => {
      if (o.fitDays >= o.days) throw usage(`--fit-days (${o.fitDays}) must be less than --days (${o.days})`, 'fit-days');
      if (!o.deployment) {
        for (const f of ['allowedHours', 'forbidHours', 'approvalBelowCover'] as const) {
          const flag = f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
          if (cmd.getOptionValueSource(f) === 'cli') throw usage(`--${flag} needs --deployment (the evaluation over every change compares against the unconstrained oracle)`, flag);
        }
      }
      const { loadRisk } = await import('../training/risk/family.ts');
      const { ModelRegistry } = await import('../training/registry.ts');
      const { evaluateWindows } = await import('../training/deploy-window/evaluate.ts');
      const { recommendWindows } = await import('../training/deploy-window/recommend.ts');
      const { fitForecaster } = await import('../training/forecast/index.ts');
      const { checkTargets } = await import('../training/targets.ts');
      const risk = () => loadRisk(new ModelRegistry(o.models ? { root: resolve(o.models) } : {}));
      // The evaluation needs the model first (fail fast); one deployment is checked against its world first.
      const loaded = o.deployment ? null : await risk();
      const world = simulateWorld(parseScenario({ ...loadScenario(o.scenario), days: o.days }, `${o.scenario} with ${o.days} days`), o.seed);
      if (o.deployment) {
        const dep = world.deployments.find((d) => d.id === o.deployment);
        if (!dep) throw new RolloutlabError('NOT_FOUND', `--deployment: no deployment ${JSON.stringify(o.deployment)} in ${o.scenario} seed ${o.seed} (${world.deployments[0]?.id} … ${world.deployments.at(-1)?.id})`, 'deployment');
        // The traffic forecaster needs two days of the service's traffic before the change is ready.
        const minHistory = 2 * 1440;
        if (Math.min(dep.readyAt, o.fitDays * 1440) < minHistory) {
          const first = world.deployments.find((d) => d.readyAt >= minHistory);
          const at = new Date(world.calendar.startMs + dep.readyAt * 60_000).toISOString();
          throw usage(`--deployment ${dep.id} is too early in the world: it is ready at ${at} (minute ${dep.readyAt}), but the traffic forecaster needs 2 days of its service's traffic before that; ${first ? `the first deployment late enough is ${first.id}` : 'no deployment of this world is late enough'}`, 'deployment');
        }
        const { model, card } = await risk();
        const fc = fitForecaster(world.traffic.requests[dep.service].subarray(0, Math.min(dep.readyAt, o.fitDays * 1440)), { period: 1440 });
        const r = recommendWindows(world, dep, model, fc, { horizonHours: o.horizon, allowedMinutes: allowedMinutesOf(o.allowedHours, o.forbidHours), approvalBelowCover: o.approvalBelowCover });
        const readyTime = new Date(world.calendar.startMs + dep.readyAt * 60_000).toISOString();
        if (r.ranked.length === 0) {
          throw new RolloutlabError('NOT_FOUND', `--deployment ${dep.id}: no start within --horizon ${o.horizon} h of ${readyTime} is free of freezes${r.allowedHours ? ` with its whole rollout inside the allowed hours (${r.allowedHours})` : ''} (${r.candidates} candidate starts: ${r.frozenCandidates} touch a freeze, ${r.outsideAllowedCandidates} leave the allowed hours): ${r.allowedHours ? 'allow more hours or ' : ''}raise --horizon`, r.allowedHours ? 'allowed-hours' : 'horizon');
        }
        const cost = (c: { expectedCost: number }) => `expected cost ${Math.round(c.expectedCost).toLocaleString('en-US')} bad requests`;
        const thin = r.ranked.filter((c) => c.needsApproval).length;
        const text = [
          `${dep.id} (${world.topology.services[dep.service].name}), ready ${readyTime} (minute ${dep.readyAt} of ${o.scenario} seed ${o.seed}); risk model ${card.version}`,
          `  ${r.candidates} candidate starts within ${o.horizon} h, every ${WINDOW_DEFAULTS.stepMinutes} min; never offered: ${r.frozenCandidates} whose rollout touches a freeze${r.allowedHours ? `, ${r.outsideAllowedCandidates} whose rollout leaves the allowed hours ${r.allowedHours}` : ''}`,
          `  expected cost = P(failure) × requests over the rollout × ${(100 * TYPICAL_FAULT_BAD_RATIO).toFixed(0)} % bad × (2 − on-call cover): the bad requests the rollout is expected to cause, up to doubled when nobody is on call`,
          ...r.ranked.map((c, i) => `  ${i + 1}. ${c.explanation}; ${cost(c)}`),
          `  when ready: ${r.whenReady.explanation}; ${cost(r.whenReady)}`,
          ...(thin ? [`  ${thin} of the ${r.ranked.length} windows above start with thin on-call cover (below ${o.approvalBelowCover.toFixed(2)}): a human must approve them${r.allowedHours ? '' : '; --allowed-hours 9-17 keeps rollouts within working hours'}`] : []),
        ].join('\n');
        out(!!o.json, { ...r, readyTime, riskModel: card.version }, text);
        return;
      }
      const { model, card } = loaded!;
      const progress = terminalProgress();
      const e = evaluateWindows(world, model, { fitDays: o.fitDays, horizonHours: o.horizon, onProgress: (d, n) => progress.update('windows', d, n) });
      progress.done();
      // A mean over no changes is no figure (it would read as regret 0, target met).
      if (e.changes === 0) throw usage(`no change of ${o.scenario} seed ${o.seed} is ready after --fit-days ${o.fitDays} with --horizon ${o.horizon} h left before the world ends at day ${o.days}: nothing to evaluate (raise --days, or lower --fit-days or --horizon)`, 'days');
      const metrics = { regret: e.meanRegret, costCut: e.costCut };
      const targets = checkTargets('timing', metrics);
      out(!!o.json, { ...e, riskModel: card.version, targets }, formatTargets(`windows: ${e.changes} changes of ${o.scenario} seed ${o.seed} ready after day ${e.fitDays}, ${e.horizonHours} h horizon, risk model ${card.version}`, { medianRegret: e.medianRegret, oracleCostCut: e.oracleCostCut, oracleHitRate: e.oracleHitRate, frozenRecommended: e.frozenRecommended }, targets));
    });

  const sc = program.command('scenario').description('List, show or validate scenarios.');
  sc.command('list')
    .description('List the built-in scenarios.')
    .option('--json', 'as JSON')
    .action((o: { json?: boolean }) => {
      const items = builtinScenarios().map((n) => ({ name: n, description: loadScenario(n).description }));
      out(!!o.json, items, items.map((i) => `${i.name.padEnd(14)} ${i.description}`).join('\n'));
    });
  sc.command('show')
    .description('Print a scenario with every default filled in.')
    .argument('<name|file>', 'built-in name or file')
    .action((name: string) => out(true, loadScenario(name), ''));
  sc.command('docs')
    .description('Print the scenario reference (docs/scenarios.md) generated from the schema.')
    .action(() => {
      process.stdout.write(scenarioDocsMarkdown());
    });
  sc.command('validate')
    .description('Check a scenario file; errors name the bad field and value.')
    .argument('<file>', 'scenario .json/.yaml')
    .action((file: string) => {
      const s = loadScenario(file);
      out(false, null, `ok: ${file} is a valid scenario ("${s.name}", ${s.days} days, ${s.topology.services} services)`);
    });

  const imp = program.command('import').description('Import real data into a data set (validated; errors name file, line, column, value).');
  imp.command('nab')
    .description('A NAB-layout folder: data/<category>/<file>.csv + labels/combined_windows.json.')
    .requiredOption('--data <root>', 'NAB root folder (e.g. datasets/real/nab)')
    .requiredOption('--out <dir>', 'output data-set folder')
    .option('--strict', 'reject repeated or backwards timestamps instead of warning')
    .option('--force', 'replace an existing data set')
    .option('--json', 'print the manifest as JSON')
    .action(async (o: { data: string; out: string; strict?: boolean; force?: boolean; json?: boolean }) => {
      const corpus = await importNab(o.data, { strictTimestamps: !!o.strict });
      for (const w of corpus.warnings) process.stderr.write(`warning: ${w}\n`);
      const m = await writeImported(o, nabToTables(corpus), { source: 'nab', root: o.data });
      out(!!o.json, m, `imported ${corpus.series.length} NAB series into ${resolve(o.out)}`);
    });
  imp.command('jit')
    .description('A JIT change-history CSV (ISSTA21-JIT-DP layout); the leaking `__` column is dropped.')
    .requiredOption('--data <csv>', 'CSV file (e.g. datasets/real/jit/qt.csv)')
    .requiredOption('--out <dir>', 'output data-set folder')
    .option('--force', 'replace an existing data set')
    .option('--json', 'print the manifest as JSON')
    .action(async (o: { data: string; out: string; force?: boolean; json?: boolean }) => {
      const h = await importJit(o.data);
      const m = await writeImported(o, [jitToTable(h)], { source: 'jit', project: h.project });
      out(!!o.json, m, `imported ${h.rows} changes of ${h.project} into ${resolve(o.out)}`);
    });
  imp.command('history')
    .description('A generic deployment-history CSV or Parquet (columns in docs/importers.md).')
    .requiredOption('--data <file>', 'CSV or Parquet file')
    .requiredOption('--out <dir>', 'output data-set folder')
    .option('--force', 'replace an existing data set')
    .option('--json', 'print the manifest as JSON')
    .action(async (o: { data: string; out: string; force?: boolean; json?: boolean }) => {
      const t = await importDeploymentHistory(o.data);
      for (const w of t.warnings) process.stderr.write(`warning: ${w}\n`);
      const m = await writeImported(o, [t], { source: 'deployment-history', file: o.data });
      out(!!o.json, m, `imported ${t.columns[0]?.values.length ?? 0} deployments into ${resolve(o.out)}`);
    });

  program
    .command('inspect')
    .description('Print a data set’s manifest: scenario, seed, code version, tables and row counts.')
    .argument('<dir>', 'data-set folder')
    .option('--json', 'as JSON')
    .action(async (dir: string, o: { json?: boolean }) => {
      const ds = await readDataset(dir);
      ds.close();
      const m = ds.manifest;
      const lines = [`${ds.dir}`, `  kind ${m.kind}, scenario ${m.scenario ?? '-'}, seed ${m.seed ?? '-'}, schema v${m.schemaVersion}, code ${m.codeVersion}`];
      for (const [name, t] of Object.entries(m.tables)) lines.push(`  ${name.padEnd(16)} ${String(t.rows).padStart(10)} rows  ${t.file}`);
      out(!!o.json, m, lines.join('\n'));
    });

  program
    .command('serve')
    .description('Serve the champion models over HTTP (docs/server.md): canary verdict, rollout decision, risk score, anomaly score, status, metrics, OpenAPI.')
    .option('--port <n>', 'TCP port', int('--port', 0, 65535), 8080)
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--models <dir>', 'model registry root (default: $ROLLOUTLAB_MODELS, else models/)')
    .option('--token <t>', 'bearer token required by POST /v1/feedback, GET /v1/feedback and POST /v1/models/reload (default: $ROLLOUTLAB_TOKEN; none: those routes answer 403 unless --insecure-open-writes)')
    .option('--insecure-open-writes', 'without a token, open POST /v1/feedback, GET /v1/feedback and POST /v1/models/reload to anyone who can reach the port (trusted networks only)')
    .option('--drain <seconds>', 'on SIGTERM / SIGINT: seconds in-flight requests may take before every connection is closed and the process exits', num('--drain', 0, 600), 5)
    .option('--plan-threads <n>', 'worker threads for POST /v1/deploy/windows and /v1/deploy/schedule, so their seconds of planning never block the other routes (0 = on the main thread)', int('--plan-threads', 0, 64), 1)
    .option('--quiet', 'no request logs')
    .option('--prometheus <url>', 'Prometheus base URL the Argo and Flagger routes read canary / primary metrics from (default: $ROLLOUTLAB_PROMETHEUS; none: their decisions are inconclusive)')
    .option('--prometheus-query <metric=PromQL>', 'PromQL template for one metric, repeatable; metrics: requests, errors, latencyP50, latencyP99 (ms), slow, conversions; placeholders {{ target }}, {{ namespace }}, {{ interval }} (docs/server.md)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--prometheus-queries <file>', 'JSON or YAML object {metric: PromQL template}; --prometheus-query flags override its entries')
    .option('--prometheus-timeout <ms>', 'per-query timeout in ms', int('--prometheus-timeout', 1, 600_000), 5000)
    .option('--prometheus-namespace <ns>', 'namespace when a request names none', 'default')
    .option('--prometheus-primary <pattern>', 'the baseline (primary) workload from the canary name {{ name }} (e.g. "{{ name }}-stable" for Argo)', '{{ name }}-primary')
    .option('--feedback <file>', 'DuckDB file where POST /v1/feedback stores deployment outcomes (default: $ROLLOUTLAB_FEEDBACK, else data/feedback.duckdb in the repo)')
    .option('--rate-limit <n>', 'requests/s per client (burst 2n; 0 = no limit; /healthz is exempt)', int('--rate-limit', 0, 1_000_000), 1000)
    .option('--state-secret <s>', 'secret that signs the streaming state of POST /v1/anomaly/score, so states survive a restart and work across replicas (default: $ROLLOUTLAB_STATE_SECRET; none: a random key per process)')
    .option('--watch <seconds>', 'check the registry\'s champion pointers this often and reload when one changes (0 = only on POST /v1/models/reload)', num('--watch', 0, 86_400), 2)
    .action(async (o: { port: number; host: string; models?: string; token?: string; insecureOpenWrites?: boolean; drain: number; planThreads: number; quiet?: boolean; prometheus?: string; prometheusQuery: string[]; prometheusQueries?: string; prometheusTimeout: number; prometheusNamespace: string; prometheusPrimary: string; feedback?: string; rateLimit: number; watch: number; stateSecret?: string }) => {
      const { buildApp } = await import('../server/app.ts');
      const { PrometheusSource, checkQueries } = await import('../server/metrics-source.ts');
      const { servePlanDefaults } = await import('./serve-defaults.ts');
      const { existsSync, readFileSync } = await import('node:fs');
      const { parse: parseYaml } = await import('yaml');
      const token = o.token ?? (process.env.ROLLOUTLAB_TOKEN || undefined);
      const prometheus = o.prometheus ?? (process.env.ROLLOUTLAB_PROMETHEUS || undefined);
      // The query templates: the file's, then the flags' (each checked before anything starts).
      // A bad --prometheus-queries file is bad input (exit 2); a bad flag value is a usage error (exit 1).
      const bad = (flag: string, problem: string) => new RolloutlabError('BAD_ARGUMENT', `${flag}: ${problem}`, flag.split(' ')[0].replace(/^--/, ''));
      const badFlag = (flag: string, problem: string) => usage(`${flag}: ${problem}`, flag.split(/[ ,]/)[0].replace(/^--/, ''));
      const queries: Record<string, string> = {};
      if (o.prometheusQueries !== undefined) {
        const file = resolve(o.prometheusQueries);
        if (!existsSync(file)) throw new RolloutlabError('NOT_FOUND', `--prometheus-queries: no file ${file}`, 'prometheus-queries');
        let doc: unknown;
        try {
          doc = parseYaml(readFileSync(file, 'utf8'));
        } catch (e) {
          throw bad(`--prometheus-queries ${o.prometheusQueries}`, `not JSON or YAML (${(e as Error).message.split('\n')[0]})`);
        }
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad(`--prometheus-queries ${o.prometheusQueries}`, 'must hold an object {metric: PromQL template}');
        const checked = checkQueries(doc as Record<string, unknown>);
        if (typeof checked === 'string') throw bad(`--prometheus-queries ${o.prometheusQueries}`, checked);
        Object.assign(queries, checked);
      }
      for (const q of o.prometheusQuery) {
        const eq = q.indexOf('=');
        if (eq <= 0) throw badFlag('--prometheus-query', `must be <metric>=<PromQL template>, e.g. requests='sum(increase(http_requests_total{pod=~"{{ target }}-.*"}[{{ interval }}]))' (got ${JSON.stringify(q)})`);
        const checked = checkQueries({ [q.slice(0, eq).trim()]: q.slice(eq + 1) });
        if (typeof checked === 'string') throw badFlag('--prometheus-query', checked);
        Object.assign(queries, checked);
      }
      const primaryRe = /\{\{\s*name\s*\}\}/g;
      const otherPlaceholder = /\{\{(?!\s*name\s*\}\})[^}]*\}\}/.exec(o.prometheusPrimary);
      if (!/\{\{\s*name\s*\}\}/.test(o.prometheusPrimary) || otherPlaceholder) throw badFlag('--prometheus-primary', `must contain {{ name }} (the canary's name) and no other placeholder (got ${JSON.stringify(o.prometheusPrimary)})`);
      const given = Object.entries({ '--prometheus-query': o.prometheusQuery.length > 0, '--prometheus-queries': o.prometheusQueries !== undefined, '--prometheus-timeout': o.prometheusTimeout !== 5000, '--prometheus-namespace': o.prometheusNamespace !== 'default', '--prometheus-primary': o.prometheusPrimary !== '{{ name }}-primary' }).filter(([, v]) => v).map(([k]) => k);
      if (given.length && !prometheus) throw badFlag(given.join(', '), `${given.length > 1 ? 'need' : 'needs'} --prometheus <url> (or $ROLLOUTLAB_PROMETHEUS)`);
      const metricsSource = prometheus
        ? new PrometheusSource({ url: prometheus, queries, timeoutMs: o.prometheusTimeout, defaultNamespace: o.prometheusNamespace, primaryName: (n) => o.prometheusPrimary.replace(primaryRe, n) })
        : undefined;
      const feedbackPath = resolve(o.feedback ?? (process.env.ROLLOUTLAB_FEEDBACK || resolve(dirname(fileURLToPath(import.meta.url)), '..', 'data', 'feedback.duckdb')));
      const rateLimit = o.rateLimit > 0 ? { perSecond: o.rateLimit, burst: 2 * o.rateLimit } : false;
      const drainMs = Math.round(o.drain * 1000);
      const app = buildApp({ modelsRoot: o.models !== undefined ? resolve(o.models) : undefined, token, insecureOpenWrites: !!o.insecureOpenWrites, drainMs, planThreads: o.planThreads, logger: o.quiet ? false : { level: 'info' }, metricsSource, feedbackPath, rateLimit, watchRegistryMs: o.watch > 0 ? o.watch * 1000 : undefined, stateSecret: o.stateSecret ?? (process.env.ROLLOUTLAB_STATE_SECRET || undefined), planDefaults: servePlanDefaults() });
      const closed = new Promise<void>((done) => {
        let closing = false;
        const stop = (signal: string) => {
          if (closing) return;
          closing = true;
          process.stderr.write(`${signal}: closing (in-flight requests have ${o.drain} s to finish)\n`);
          // The app closes every connection at the drain deadline; this is the last resort if something still hangs.
          setTimeout(() => {
            process.stderr.write(`still not closed ${o.drain + 5} s after ${signal}: exiting\n`);
            process.exit(3);
          }, drainMs + 5000).unref();
          app.close().then(done, (e: unknown) => {
            process.stderr.write(`error while closing: ${(e as Error).message}\n`);
            process.exitCode = 3;
            done();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      let address: string;
      try {
        address = await app.listen({ port: o.port, host: o.host });
      } catch (e) {
        await app.close().catch(() => undefined);
        throw listenError(e, o.port, o.host);
      }
      process.stderr.write(`rolloutlab serving on ${address} (models: ${o.models ?? 'default registry'}, feedback: ${feedbackPath}${prometheus ? `, metrics: Prometheus at ${prometheus}${Object.keys(queries).length ? ` (own queries: ${Object.keys(queries).join(', ')})` : ''}` : ''}${token ? ', reload and feedback need a bearer token' : ''})\n`);
      process.stderr.write(`  API reference: ${address}/docs (OpenAPI: ${address}/v1/openapi.json, index: ${address}/)\n`);
      if (token === undefined) {
        process.stderr.write(
          o.insecureOpenWrites
            ? 'WARNING: --insecure-open-writes without a token: anyone who can reach this port can post and read feedback and reload the models (browser pages are still refused)\n'
            : 'note: no --token: POST /v1/feedback, GET /v1/feedback and POST /v1/models/reload answer 403; start with --token <t> (or $ROLLOUTLAB_TOKEN) to enable them\n',
        );
      } else if (o.insecureOpenWrites) process.stderr.write('note: --insecure-open-writes is ignored: a token is set\n');
      await closed;
    });

  const bench = program.command('bench').description('Benchmarks (figures, not pass/fail).');
  bench
    .command('backtest')
    .description('Backtest speed: deployments/s per policy; goal 10,000 deployments under the five baseline policies in < 60 s.')
    .option('--deployments <n>', 'deployments in the main case', int('--deployments', 1, 1_000_000), 10_000)
    .option('--threads <n>', 'worker threads for the main case', int('--threads', 1, 64))
    .option('--scenario <name>', 'built-in scenario', 'default')
    .option('--json', 'as JSON')
    .action(async (o: { deployments: number; threads?: number; scenario: string; json?: boolean }) => {
      const { main } = await import('../bench/backtest.ts');
      await main(['--deployments', String(o.deployments), '--scenario', o.scenario, ...(o.threads ? ['--threads', String(o.threads)] : []), ...(o.json ? ['--json'] : [])]);
    });
  bench
    .command('jit')
    .description('The change-risk pipeline on a JIT change history (chronological 80/20 split, ROC AUC), beside LApredict and logistic regression.')
    .requiredOption('--data <csv|dir>', 'a JIT CSV (e.g. datasets/real/jit/qt.csv), or a folder of them (then the mean AUC too)')
    .option('--peers', 'also run scikit-learn RandomForest (300 trees) and HistGradientBoosting on the same split (needs python3-sklearn)')
    .option('--python <path>', 'interpreter for the peers', '/usr/bin/python3')
    .option('--json', 'as JSON: {project, nTrain, nTest, auc, baselines: {lapredict, logistic}, ...} (a folder: {projects, meanAuc})')
    .action(async (o: { data: string; peers?: boolean; python: string; json?: boolean }) => {
      const { benchJit, formatJit, benchJitAll, formatJitAll, listJitCsvs } = await import('../bench/jit.ts');
      const csvs = await listJitCsvs(o.data);
      if (csvs.length === 1 && csvs[0] === o.data) {
        const r = await benchJit(o.data, { peers: !!o.peers, python: o.python });
        out(!!o.json, r, formatJit(r));
      } else {
        const r = await benchJitAll(csvs, { peers: !!o.peers, python: o.python });
        out(!!o.json, r, formatJitAll(r));
      }
    });
  bench
    .command('risk')
    .description('Change-risk model: training time and scoring throughput on 100,000 simulated deployments (400-day default worlds), the backend used, and the held-out AUC and ECE beside the oracle.')
    .option('--deployments <n>', 'at least this many deployments (whole worlds of about 3,600 each)', int('--deployments', 1000, 10_000_000), 100_000)
    .option('--seed <n>', 'seed of the first world (the next ones count up)', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--json', 'as JSON')
    .action(async (o: { deployments: number; seed: number; json?: boolean }) => {
      const { main } = await import('../bench/risk.ts');
      await main(['--deployments', String(o.deployments), '--seed', String(o.seed), ...(o.json ? ['--json'] : [])]);
    });
  bench
    .command('judge')
    .description('ML canary judge throughput: verdicts/s of the judge champion beside the Kayenta-style window judge, same run, same windows.')
    .option('--data <dir[,dir...]>', 'backtest data sets whose windows to judge (default: 300 deployments of default seed 11, simulated in memory)')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--ceiling', 'instead: the accuracy ceiling — how visible each fail window is (expected z of the fault from the simulator truth), beside the verdicts')
    .option('--scenario <name>', 'with --ceiling: built-in scenario', 'default')
    .option('--seed <n>', 'with --ceiling: backtest seed', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--deployments <n>', 'with --ceiling: deployments', int('--deployments', 1, 1_000_000), 2000)
    .option('--json', 'as JSON')
    .action(async (o: { data?: string; models?: string; ceiling?: boolean; scenario: string; seed: number; deployments: number; json?: boolean }) => {
      const { main } = await import('../bench/judge.ts');
      const ceiling = o.ceiling ? ['--ceiling', '--scenario', o.scenario, '--seed', String(o.seed), '--deployments', String(o.deployments)] : [];
      await main([...(o.data ? ['--data', o.data] : []), ...(o.models ? ['--models', o.models] : []), ...ceiling, ...(o.json ? ['--json'] : [])]);
    });
  bench
    .command('rollback')
    .description('The prevention ceiling: for every violating deployment, the evidence its fault leaves before the unguarded breach (expected z from the simulator truth), beside each policy\'s prevention on the same deployments.')
    .option('--scenario <name>', 'built-in scenario', 'default')
    .option('--seed <n>', 'backtest seed (default 1, as the main job)', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--deployments <n>', 'deployments', int('--deployments', 1, 1_000_000), 2000)
    .option('--policies <list>', 'policies to grade, comma-separated', 'ml,kayenta')
    .option('--models <dir>', 'model registry for learned policies such as ml (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'as JSON')
    .action(async (o: { scenario: string; seed: number; deployments: number; policies: string; models?: string; json?: boolean }) => {
      const { benchRollbackCeiling, formatPreventionVisibility } = await import('../bench/rollback.ts');
      const r = benchRollbackCeiling({ ...o, progress: !o.json });
      process.stdout.write((o.json ? JSON.stringify(r, null, 2) : formatPreventionVisibility(r)) + '\n');
    });
  bench
    .command('serve')
    .description('Serving load: requests/s and p50/p99 latency of the risk-score and canary-verdict routes beside a bare Fastify route in the same run, a fixed-rate run at 500/s, and resident memory with every champion loaded.')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--connections <n>', 'keep-alive connections in the closed loop', int('--connections', 1, 1024), 16)
    .option('--seconds <n>', 'seconds per route and mode', int('--seconds', 1, 600), 5)
    .option('--rate <n>', 'requests/s of the fixed-rate run', int('--rate', 1, 100_000), 500)
    .option('--json', 'as JSON')
    .action(async (o: { models?: string; connections: number; seconds: number; rate: number; json?: boolean }) => {
      const { benchServer, formatServerBench } = await import('../bench/server.ts');
      const r = await benchServer({ modelsRoot: o.models ? resolve(o.models) : undefined, connections: o.connections, seconds: o.seconds, rate: o.rate, onStage: (st) => process.stderr.write(`${st}...\n`) });
      out(!!o.json, r, formatServerBench(r));
    });
  bench
    .command('failclosed')
    .description('Fail-closed figures: replays, against a running server (with a fake Prometheus), the cases where a gate could say go on missing, partial, non-finite or impossible evidence, then fuzzes every decision route with seeded mutations of valid bodies; counts fail-open answers, 5xx and 4xx without a named field (docs/benchmarks.md).')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--seed <n>', 'seed of the fuzz stage', int('--seed', 0, 2 ** 32 - 1), 1)
    .option('--fuzz <n>', 'fuzz requests (0: no fuzz stage)', int('--fuzz', 0, 10_000_000), 2000)
    .option('--seconds <n>', 'seconds of load on the heavy route while the verdict latency is measured', int('--seconds', 1, 600), 5)
    .option('--events <n>', 'Flagger events of about 1 MB each sent before the event listing is read', int('--events', 1, 10_000), 100)
    .option('--no-processes', 'skip the cases that start rolloutlab serve as a child process (shutdown, port in use, locked feedback file, open writes)')
    .option('--json', 'as JSON: {references, cases: [{group, name, kind, expected, got, status}], totals, fuzz: {requests, fiveXX, failOpen, fourXXWithoutField, byRoute, examples}}')
    .action(async (o: { models?: string; seed: number; fuzz: number; seconds: number; events: number; processes: boolean; json?: boolean }) => {
      const { benchFailClosed, formatFailClosed } = await import('../bench/fail-closed.ts');
      const r = await benchFailClosed({ modelsRoot: o.models ? resolve(o.models) : undefined, seed: o.seed, fuzz: o.fuzz, loadSeconds: o.seconds, events: o.events, processes: o.processes, onStage: (st) => process.stderr.write(`${st}...\n`) });
      out(!!o.json, r, formatFailClosed(r));
    });
  bench
    .command('sim')
    .description('Simulator speed: service-minutes/s and deployments/s for default and large, beside NumPy.')
    .option('--json', 'as JSON')
    .option('--quick', 'a 30-day headline run instead of a year')
    .action(async (o: { json?: boolean; quick?: boolean }) => {
      const { main } = (await import('../bench/sim.ts')) as { main: (argv: string[]) => Promise<void> };
      await main([...(o.json ? ['--json'] : []), ...(o.quick ? ['--quick'] : [])]);
    });
  bench
    .command('nab')
    .description('Streaming anomaly detector on the Numenta Anomaly Benchmark: NAB scores (standard, low-FP, low-FN), window precision/recall and lead time, beside the published scoreboard.')
    .option('--data <dir>', 'NAB folder (data/<category>/<file>.csv, labels/combined_windows.json)', 'datasets/real/nab')
    .addOption(new Option('--detector <name>', 'detector').choices(DETECTOR_NAMES).default('contextual'))
    .addOption(new Option('--files <selection>', 'all files, or the even / odd positions of the sorted file paths: the tuning / held-out halves of docs/anomaly.md').choices(['all', 'even', 'odd']).default('all'))
    .option('--json', 'as JSON: {detector, files, windows, scores: {standard, reward_low_FP_rate, reward_low_FN_rate}, windowPrecision, windowRecall, medianLeadTimeRows, ...}')
    .action(async (o: { data: string; detector: string; files: string; json?: boolean }) => {
      const { benchNab, formatNab } = await import('../bench/nab.ts');
      const r = await benchNab(o.data, { detector: o.detector, progress: true, files: o.files as 'all' | 'even' | 'odd' });
      out(!!o.json, r, formatNab(r));
    });
  bench
    .command('detector')
    .description('Anomaly-detector throughput: update() points/s of the default detector beside the windowed-Gaussian peer (or --detectors), same run, same series.')
    .option('--points <n>', 'points per detector', int('--points', 1000, 100_000_000), 1_000_000)
    .option('--detectors <list>', 'detectors to time, comma-separated (default: contextual,windowed-gaussian)')
    .option('--json', 'as JSON: {points, detectors: [{detector, pointsPerSecond, nsPerPoint}]}')
    .action(async (o: { points: number; detectors?: string; json?: boolean }) => {
      const { benchDetectorThroughput, formatThroughput } = await import('../bench/nab.ts');
      const r = flagValue(() => benchDetectorThroughput(o.points, o.detectors?.split(',').map((x) => x.trim()).filter(Boolean)));
      out(!!o.json, r, formatThroughput(r));
    });

  return program;
}

/** Why `serve` could not listen, naming the flag that fixes it (bad input, exit 2); other errors pass through. */
function listenError(e: unknown, port: number, host: string): unknown {
  if (isRolloutlabError(e)) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const at = `${host}:${port}`;
  const what =
    code === 'EADDRINUSE'
      ? [`port ${port} on ${host} is already in use (another rolloutlab serve or another program): stop it, or choose another port with --port <n> (--port 0 picks a free one)`, 'port']
      : code === 'EACCES'
        ? [`not allowed to listen on ${at} (ports below 1024 need privileges): choose another port with --port <n>`, 'port']
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? [`cannot listen on host ${JSON.stringify(host)} (${code}: not an address of this machine): choose one with --host <addr> (127.0.0.1, or 0.0.0.0 for every interface)`, 'host']
          : null;
  if (!what) return e;
  const err = new RolloutlabError('BAD_ARGUMENT', what[0], what[1]);
  err.cause = e;
  return err;
}

/** `--json` among the arguments (before a `--`): errors are then printed as JSON too. */
function wantsJson(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

/** The JSON form of an error, the shape the server uses: `{"error": {"code", "message", "field"}}`. */
function errorJson(code: string, message: string, field: string | null): string {
  return JSON.stringify({ error: { code, message, field } }, null, 2) + '\n';
}

/** A commander error as code, message and field (the flag or argument it names, without dashes). */
function commanderErrorParts(e: CommanderError): { code: string; message: string; field: string | null } {
  const message = e.message.replace(/^error: /, '');
  const flag = /option '(-[^ ',]+, )?--([a-z0-9-]+)/i.exec(message)?.[2] ?? /for argument '([^']+)'/.exec(message)?.[1] ?? /argument '([^']+)'/.exec(message)?.[1] ?? null;
  return { code: e.code === 'commander.invalidArgument' ? 'BAD_ARGUMENT' : 'USAGE', message, field: flag };
}

/**
 * Run the CLI; returns the process exit code: 0 ok; 1 usage error (unknown command or flag, a missing or bad flag or
 * argument value); 2 bad input (a file, data set, scenario or registry that is missing or wrong, or an output that
 * exists); 3 internal error. With --json, errors are one JSON object on stdout: {"error": {"code", "message", "field"}}.
 */
export async function run(argv: string[]): Promise<number> {
  const json = wantsJson(argv);
  const program = buildProgram();
  if (json) {
    // Commander prints its own errors; under --json they are printed as JSON below instead.
    const walk = (c: Command) => {
      c.configureOutput({ outputError: () => {} }).showHelpAfterError(false);
      c.commands.forEach(walk);
    };
    walk(program);
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      if (json) {
        const p = commanderErrorParts(e);
        process.stdout.write(errorJson(p.code, p.message, p.field));
      }
      return 1;
    }
    if (isRolloutlabError(e)) {
      if (json) process.stdout.write(errorJson(e.code, e.message, e.field ?? null));
      else process.stderr.write(`error [${e.code}] ${e.message}\n`);
      return e instanceof UsageError ? 1 : 2;
    }
    if (json) process.stdout.write(errorJson('INTERNAL', (e as Error).message ?? String(e), null));
    process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 3;
  }
}
