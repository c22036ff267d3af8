// Data commands: simulate a scenario, list / show / validate scenarios, import real data, inspect a data set.
import { Command } from 'commander';
import { existsSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { RolloutlabError } from '../../lib/errors.ts';
import { terminalProgress } from '../../lib/progress.ts';
import { codeVersion } from '../../lib/version.ts';
import { loadScenario, parseScenario, builtinScenarios, scenarioDigest, simulateWorld, worldToTables, summarizeWorld, type Scenario } from '../../sim/index.ts';
import { writeDataset, readDataset, type Table, importNab, nabToTables, importJit, jitToTable, importDeploymentHistory } from '../../datasets/index.ts';
import { formatSummary } from '../format.ts';
import { scenarioDocsMarkdown } from '../../sim/scenario-docs.ts';
import { int, num, out, usage } from '../flags.ts';

/** Simulate a scenario and write it as a data set; returns the summary and manifest. */
export async function simulateToDataset(scenario: Scenario, seed: number, outDir: string, force: boolean) {
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

/** Simulate a scenario's CI/CD failure world and write its failed step attempts as a data set (table ci_failures). */
export async function simulatePipelinesToDataset(scenario: Scenario, seed: number, outDir: string, force: boolean, days?: number) {
  const { simulateCiFailures, ciWorldToTables } = await import('../../sim/ci/index.ts');
  const t0 = performance.now();
  const world = simulateCiFailures(scenario, seed, days === undefined ? {} : { days });
  const manifest = await writeDataset({
    outDir,
    tables: ciWorldToTables(world),
    force,
    manifest: { kind: 'simulated', scenario: scenario.name, seed, codeVersion: codeVersion(), extra: { world: 'pipelines', days: world.days, scenarioDigest: scenarioDigest(scenario), options: world.options } },
  });
  const transient = world.failures.filter((f) => f.truth.transient).length;
  const summary = { scenario: scenario.name, seed, days: world.days, repos: world.repos.length, pipelines: world.pipelines, failedPipelines: world.failedPipelines, attempts: world.attempts, failedAttempts: world.failures.length, transient, persistent: world.failures.length - transient };
  return { summary, manifest, seconds: (performance.now() - t0) / 1000 };
}

/** Write imported tables as a data set at `--out` (replacing one only with `--force`). */
function writeImported(o: { out: string; force?: boolean }, tables: Table[], extra: Record<string, unknown>) {
  return writeDataset({ outDir: resolve(o.out), tables, force: !!o.force, manifest: { kind: 'imported', scenario: null, seed: null, codeVersion: codeVersion(), extra } });
}


/** Registers the Simulate commands on the program. */
export function registerSimulate(program: Command): void {
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
}

/** Registers `simulate-pipelines` on the program. */
export function registerSimulatePipelines(program: Command): void {
  program
    .command('simulate-pipelines')
    .description('Simulate a scenario\'s CI/CD pipelines (repositories, runners, outages, rate limits, locks, flaky tests, persistent faults) and write every failed step attempt, with the truth of what a retry, a wait or a remediation would have done, as a data set (table ci_failures) for rolloutlab train retry.')
    .requiredOption('--scenario <name|file>', `built-in name (${builtinScenarios().join(', ')}) or a .json/.yaml file`)
    .requiredOption('--seed <n>', 'random seed (integer)', int('--seed', 0, 2 ** 32 - 1))
    .option('--days <n>', 'override the scenario length in days', int('--days', 1, 400))
    .requiredOption('--out <dir>', 'output folder (written aside, then renamed into place)')
    .option('--force', 'replace an existing data set at --out')
    .option('--json', 'print the summary and manifest as JSON on stdout')
    .action(async (o: { scenario: string; seed: number; days?: number; out: string; force?: boolean; json?: boolean }) => {
      const scenario = loadScenario(o.scenario);
      const r = await simulatePipelinesToDataset(scenario, o.seed, resolve(o.out), !!o.force, o.days);
      const s = r.summary;
      out(!!o.json, { summary: s, manifest: r.manifest, dataset: resolve(o.out), seconds: r.seconds }, `${s.scenario} seed ${s.seed}: ${s.days} days, ${s.repos} repositories, ${s.pipelines.toLocaleString('en-US')} pipelines (${s.failedPipelines.toLocaleString('en-US')} failed), ${s.failedAttempts.toLocaleString('en-US')} failed step attempts (${s.transient.toLocaleString('en-US')} transient, ${s.persistent.toLocaleString('en-US')} persistent) written to ${resolve(o.out)} in ${r.seconds.toFixed(1)} s`);
    });
}

/** Registers the DataTools commands on the program. */
export function registerDataTools(program: Command): void {
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
  imp.command('prometheus')
    .description('Past rollouts from Prometheus (/api/v1/query_range), canary and baseline, as the replay file backtest --replay reads (docs/replay.md).')
    .requiredOption('--url <url>', 'Prometheus base URL, e.g. http://prometheus:9090')
    .option('--from <time>', 'start of the rollout: RFC 3339 with its offset (2026-11-03T14:00:00Z) or unix seconds; tick 0')
    .option('--to <time>', 'end of the rollout (same forms; inclusive)')
    .option('--query <name=PromQL>', 'PromQL template for one replay column, repeatable: requests and errors (required), latency_p50_ms, latency_p99_ms, kpi (serve\'s names latencyP50, latencyP99, conversions too); placeholders {{ target }} (the cohort), {{ namespace }}, {{ interval }} (the step), as serve\'s --prometheus-query', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .requiredOption('--canary <workload>', 'what {{ target }} is for the canary (a workload name, or the label value that marks the canary)')
    .option('--baseline <workload>', 'what {{ target }} is for the baseline (default: <canary>-primary, Flagger\'s naming)')
    .option('--namespace <ns>', '{{ namespace }}', 'default')
    .option('--step <s>', 'seconds between ticks (60) or a duration (30s, 1m); {{ interval }} is this step', '60')
    .option('--deployment <id|id=from..to>', 'the deployment_id (default: the canary); repeat as <id>=<from>..<to> (without --from / --to) for several rollouts in one file', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--service <name>', 'the service column (default: the canary)')
    .option('--latency-objective <ms>', 'the latency_objective_ms column (the service\'s latency objective)', num('--latency-objective', 1e-9, 86_400_000))
    .option('--timeout <ms>', 'per query_range request', int('--timeout', 1, 600_000), 30_000)
    .option('--out <file.csv>', 'write the replay CSV here (written aside, then renamed into place) instead of stdout')
    .option('--force', 'replace an existing --out file')
    .option('--json', 'print a summary as JSON (rows, deployments, series, gaps per metric); needs --out')
    .action(async (o: { url: string; from?: string; to?: string; query: string[]; canary: string; baseline?: string; namespace: string; step: string; deployment: string[]; service?: string; latencyObjective?: number; timeout: number; out?: string; force?: boolean; json?: boolean }) => {
      const { importPrometheus, importQueries, parseImportTime, parseStep, parsePromUrl, parseDeploymentRange, checkRange } = await import('../../server/prometheus-import.ts');
      // Every flag is checked before Prometheus is asked (exit 1 naming the flag).
      const url = parsePromUrl(o.url);
      const queries = importQueries(o.query);
      const stepS = parseStep(o.step);
      const ranges = o.deployment.filter((d) => d.includes('='));
      let deployments;
      if (ranges.length > 0) {
        if (ranges.length < o.deployment.length) throw usage('--deployment: give every deployment as <id>=<from>..<to>, or one plain <id> with --from and --to, not both', 'deployment');
        for (const f of ['from', 'to'] as const) if (o[f] !== undefined) throw usage(`--${f} cannot be combined with --deployment <id>=<from>..<to> (each deployment has its own range)`, f);
        deployments = ranges.map((d) => parseDeploymentRange(d, stepS));
      } else {
        if (o.deployment.length > 1) throw usage(`--deployment: one plain <id> per call (got ${o.deployment.length}); for several, give each as <id>=<from>..<to>`, 'deployment');
        for (const f of ['from', 'to'] as const) if (o[f] === undefined) throw usage(`--${f} is required (or give --deployment <id>=<from>..<to>)`, f);
        deployments = [checkRange({ id: o.deployment[0] ?? o.canary, fromS: parseImportTime('--from', o.from!), toS: parseImportTime('--to', o.to!) }, stepS, '--from')];
      }
      for (const [i, d] of deployments.entries()) {
        if (d.id === '') throw usage('--deployment: the id is empty', 'deployment');
        if (deployments.findIndex((e) => e.id === d.id) !== i) throw usage(`--deployment: ${JSON.stringify(d.id)} is given twice`, 'deployment');
      }
      const baseline = o.baseline ?? `${o.canary}-primary`;
      if (baseline === o.canary) throw usage(`--baseline: the canary and the baseline are both ${JSON.stringify(o.canary)}: they would read the same series`, 'baseline');
      if (o.json && o.out === undefined) throw usage('--json prints the summary on stdout: give --out <file.csv> for the replay file', 'json');
      const target = o.out === undefined ? null : resolve(o.out);
      if (target !== null && extname(target).toLowerCase() !== '.csv') throw usage(`--out: ${o.out} must end in .csv (the replay reader takes the format from the extension)`, 'out');
      if (target !== null && existsSync(target) && !o.force) throw new RolloutlabError('OUTPUT_EXISTS', `--out: ${target} exists (give --force to replace it)`, 'out');

      const { csv, summary } = await importPrometheus({ url, queries, canary: o.canary, baseline, namespace: o.namespace, stepS, deployments, service: o.service, latencyObjectiveMs: o.latencyObjective, timeoutMs: o.timeout });
      if (stepS !== 60) process.stderr.write(`warning: --step ${stepS} s: the replay judges count ticks as minutes (docs/replay.md)\n`);
      if (target === null) {
        process.stdout.write(csv);
        return;
      }
      // Aside, then renamed: a failed or killed import never leaves a half-written replay file.
      const tmp = `${target}.tmp-${process.pid}`;
      try {
        await writeFile(tmp, csv);
        await rename(tmp, target);
      } catch (e) {
        await rm(tmp, { force: true });
        throw new RolloutlabError('IO', `--out: cannot write ${target} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'out');
      }
      const gaps = Object.entries(summary.gaps).filter(([, g]) => g.canary + g.baseline > 0).map(([k, g]) => `${k} ${g.canary} canary / ${g.baseline} baseline`);
      out(!!o.json, { out: target, ...summary }, `imported ${summary.rows} rows (${summary.deployments.length} deployment(s), ${summary.series} series) into ${target}${gaps.length ? `; steps without a value: ${gaps.join(', ')}` : ''}`);
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
}
