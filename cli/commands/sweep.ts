// `rolloutlab sweep`: backtests across scenarios × seeds × strategies × policies as shards (backtest/sweep/,
// docs/sweep.md), run in this process, on its worker threads, or on a Redis queue; `rolloutlab worker`: takes shards
// from that queue, or runs the one shard a Kubernetes Indexed Job's pod is given.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { int, out, usage, CommandExit } from '../flags.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import type { SweepProgress, SweepResult, SweepPlan } from '../../backtest/sweep/index.ts';

/** One self-overwriting line on stderr when it is a terminal; nothing otherwise (CI logs and --json stay clean). */
function statusLine(stream: NodeJS.WriteStream = process.stderr) {
  let last = 0;
  let width = 0;
  return {
    draw(text: string, force = false) {
      if (!stream.isTTY) return;
      const now = Date.now();
      if (!force && now - last < 200) return;
      last = now;
      stream.write(`\r  ${text}`.padEnd(width + 3) + '');
      width = Math.max(width, text.length);
    },
    clear() {
      if (stream.isTTY && width) stream.write('\r' + ' '.repeat(width + 3) + '\r');
      width = 0;
    },
  };
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
const num = (x: number | null, unit: string) => (x === null ? '—' : `${Math.round(x).toLocaleString('en-US')}${unit}`);

/** The rows as a table, then the failures with their errors. */
function formatSweep(r: SweepResult, plan: SweepPlan): string {
  const grid = plan.spec.strategies.some((s) => s !== null);
  const header = ['scenario', 'seed', ...(grid ? ['strategy'] : []), 'policy', 'prevention', 'false rollback', 'detect', 'blast radius', 'to full rollout'];
  const rows = r.rows.map((x) => [x.scenario, String(x.seed), ...(grid ? [x.strategy ?? 'scenario'] : []), x.policy, `${pct(x.preventionRate)} (${x.prevented})`, `${pct(x.falseRollbackRate)} (${x.falseRollbacks})`, num(x.medianTimeToDetectS, ' s'), num(x.blastRadius, ''), num(x.meanTimeToFullRolloutMin, ' min')]);
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i < (grid ? 4 : 3) ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  return [
    `sweep  ${r.shards} shards (${plan.spec.scenarios.length} scenario${plan.spec.scenarios.length === 1 ? '' : 's'} × ${plan.spec.seeds.length} seed${plan.spec.seeds.length === 1 ? '' : 's'} × ${plan.spec.strategies.length} strateg${plan.spec.strategies.length === 1 ? 'y' : 'ies'} × ${plan.spec.policies.length} polic${plan.spec.policies.length === 1 ? 'y' : 'ies'}), ${plan.spec.deployments.toLocaleString('en-US')} deployments each; ${r.failed} failed`,
    '',
    line(header),
    ...rows.map(line),
    ...(r.errors.length ? ['', '  failed shards:', ...r.errors.map((e) => `  ${e.shard} (${e.scenario} seed ${e.seed} ${e.policy}${e.strategy ? ` ${e.strategy}` : ''}): ${e.error}`)] : []),
    '',
    `  results: ${resolve(plan.outDir, 'results.parquet')} (shard files in ${resolve(plan.outDir, 'shards')}; all measures: --json)`,
  ].join('\n');
}

interface SweepFlags {
  spec: string;
  out: string;
  queue?: string;
  queueName?: string;
  models?: string;
  threads?: number;
  list?: boolean;
  json?: boolean;
}

interface WorkerFlags {
  queue?: string;
  queueName?: string;
  spec?: string;
  out?: string;
  index?: number;
  models?: string;
  threads?: number;
  lockMs?: number;
  stalledMs?: number;
}

/** The shard index of an Indexed Job's pod: --index, else JOB_COMPLETION_INDEX (set by Kubernetes). */
function indexFrom(flag: number | undefined): number | undefined {
  if (flag !== undefined) return flag;
  const env = process.env.JOB_COMPLETION_INDEX;
  if (env === undefined || env === '') return undefined;
  if (!/^\d+$/.test(env.trim())) throw new RolloutlabError('BAD_ARGUMENT', `JOB_COMPLETION_INDEX must be a whole number, got ${JSON.stringify(env)}`, 'index');
  return Number(env);
}

export function registerSweep(program: Command): void {
  program
    .command('sweep')
    .description('Backtest every combination of a spec\'s scenarios, seeds, strategies and policies as shards (one Parquet file each), here or on a Redis queue, and merge them (docs/sweep.md).')
    .requiredOption('--spec <file>', 'sweep spec (.yaml or .json): scenarios, seeds, policies, deployments, optional models and grid {strategy}')
    .requiredOption('--out <dir>', 'output folder: shards/<id>.parquet, results.parquet, sweep.json; shards already there are not run again')
    .option('--queue <url>', 'redis://host:port: put the shards on this BullMQ queue for `rolloutlab worker --queue` processes instead of running them here')
    .option('--queue-name <name>', 'queue name (default rolloutlab-sweep)')
    .option('--models <dir>', 'model registry for learned policies such as ml (default: the spec\'s models, else ./models or $ROLLOUTLAB_MODELS)')
    .option('--threads <n>', 'worker threads for local shards; 0 runs them in this process (default: one per core, at most 4)', int('--threads', 0, 64))
    .option('--list', 'print the shards (index, id, what each runs, done or not) and stop')
    .option('--json', 'print {"shards", "failed", "rows", "errors"} on stdout')
    .action(async (o: SweepFlags) => {
      if (o.queue && o.threads !== undefined) throw usage('--threads sets local threads; with --queue the workers set theirs (rolloutlab worker --threads)', 'threads');
      const { planSweep, runSweep, pendingShards, progressLine, parseRedisUrl } = await import('../../backtest/sweep/index.ts');
      if (o.queue) {
        try {
          parseRedisUrl(o.queue);
        } catch (e) {
          throw usage((e as Error).message, 'queue');
        }
      }
      const plan = planSweep(o.spec, o.out, o.models);
      if (o.list) {
        const pending = new Set((await pendingShards(plan)).map((j) => j.id));
        const shards = plan.jobs.map((j) => ({ index: j.index, id: j.id, scenario: j.key.scenario, seed: j.key.seed, policy: j.key.policy, strategy: j.key.strategy, done: !pending.has(j.id) }));
        out(!!o.json, { shards: shards.length, list: shards }, [`${shards.length} shards (Indexed Job: completions ${shards.length})`, ...shards.map((s) => `  ${String(s.index).padStart(4)}  ${s.id}  ${s.done ? 'done' : '    '}  ${s.scenario} seed ${s.seed} ${s.policy}${s.strategy ? ` ${s.strategy}` : ''}`)].join('\n'));
        return;
      }
      const status = statusLine();
      let last: SweepProgress | null = null;
      const result = await runSweep(plan, {
        threads: o.threads,
        queue: o.queue,
        queueName: o.queueName,
        onProgress: (p) => {
          if (last === null && p.resumed > 0) process.stderr.write(`sweep: ${p.resumed} of ${p.total} shards already done in ${resolve(o.out, 'shards')}: not run again\n`);
          last = p;
          status.draw(progressLine(p));
        },
      }).finally(() => status.clear());
      out(!!o.json, result, formatSweep(result, plan));
      // The rows of the shards that ran are printed either way; a failed shard still fails the command.
      if (result.failed > 0) throw new CommandExit(3);
    });

  program
    .command('worker')
    .description('Run sweep shards: from a Redis queue (--queue), or the one shard of a Kubernetes Indexed Job pod (--spec, --out, --index or JOB_COMPLETION_INDEX) (docs/sweep.md).')
    .option('--queue <url>', 'redis://host:port: take shards from this BullMQ queue until stopped (SIGTERM / SIGINT finish the running shards first)')
    .option('--queue-name <name>', 'queue name (default rolloutlab-sweep)')
    .option('--spec <file>', 'without --queue: the sweep spec whose shard --index to run')
    .option('--out <dir>', 'the sweep\'s output folder (with --queue: where this machine sees it, if not at the sweep\'s path)')
    .option('--index <i>', 'without --queue: the shard to run (default: $JOB_COMPLETION_INDEX, which an Indexed Job sets)', int('--index', 0, 10_000_000))
    .option('--models <dir>', 'model registry (with --queue: where this machine sees it, if not at the sweep\'s path)')
    .option('--threads <n>', 'with --queue: shards run side by side on worker threads (default 1)', int('--threads', 1, 64))
    .option('--lock-ms <ms>', 'with --queue: a shard\'s lock lasts this long without renewal; a killed worker\'s shard goes back on the queue after it (default 30000, or $ROLLOUTLAB_SWEEP_LOCK_MS)', int('--lock-ms', 100, 3_600_000))
    .option('--stalled-ms <ms>', 'with --queue: how often to look for shards whose worker died (default 30000, or $ROLLOUTLAB_SWEEP_STALLED_MS)', int('--stalled-ms', 100, 3_600_000))
    .action(async (o: WorkerFlags) => {
      const log = (line: string) => process.stderr.write(`worker ${process.pid}: ${line}\n`);
      const overrides = { ...(o.out ? { outDir: resolve(o.out) } : {}), ...(o.models ? { modelsRoot: resolve(o.models) } : {}) };
      if (o.queue) {
        for (const f of ['spec', 'index'] as const) if (o[f] !== undefined) throw usage(`--${f} is for an Indexed Job's pod; with --queue the shards come from the queue`, f);
        const { startQueueWorker, parseRedisUrl } = await import('../../backtest/sweep/index.ts');
        try {
          parseRedisUrl(o.queue);
        } catch (e) {
          throw usage((e as Error).message, 'queue');
        }
        const w = await startQueueWorker({ url: o.queue, queueName: o.queueName, threads: o.threads, lockMs: o.lockMs, stalledMs: o.stalledMs, overrides, log });
        await new Promise<void>((done) => {
          process.once('SIGTERM', done);
          process.once('SIGINT', done);
        });
        log('stopping: finishing the running shards');
        await w.close();
        return;
      }
      for (const f of ['threads', 'lockMs', 'stalledMs', 'queueName'] as const) if (o[f] !== undefined) throw usage(`--${f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())} is for a queue worker (--queue)`, f);
      if (!o.spec || !o.out) throw usage('worker needs --queue redis://host:port, or --spec and --out with --index (or JOB_COMPLETION_INDEX) for one shard of a Kubernetes Indexed Job', o.spec ? 'out' : 'spec');
      const index = indexFrom(o.index);
      if (index === undefined) throw usage('worker --spec: give --index, or run it in an Indexed Job (which sets JOB_COMPLETION_INDEX)', 'index');
      const { planSweep, runShardAt, describeShard } = await import('../../backtest/sweep/index.ts');
      const plan = planSweep(o.spec, o.out, o.models);
      const { job, outcome } = await runShardAt(plan, index, o.models ? { modelsRoot: resolve(o.models) } : {});
      log(`shard ${index} of ${plan.jobs.length}: ${describeShard(job)} ${outcome.existed ? 'was already done' : `done in ${outcome.seconds.toFixed(1)} s`}`);
    });
}
