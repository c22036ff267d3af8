// `rolloutlab sweep --queue` against a real Redis (Debian's `redis-server`; `.ci/run` installs it) on a free loopback
// port, with the real command line as child processes: two `rolloutlab worker`s take the shards, one is killed
// (SIGKILL) in the middle of a shard, and BullMQ's stalled-job handling gives that shard to the other; the merged rows
// equal the local run's. Then Redis is killed mid-sweep: the sweep stops with a clear error, and the same command
// against a new Redis finishes without redoing a shard that was done (their files untouched, no worker starts them).
// A shard that fails for a real reason on a worker is reported with its error. Timings are shortened through the
// environment (lock 2 s, stalled check every 0.5 s, Redis grace 2 s).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inProcess } from './in-process.ts';
import { freePort, stop } from './real-prometheus.ts';
import { REDIS_MISSING, REDIS_MISSING_MSG, startRealRedis, type RealRedis } from './real-redis.ts';
import { quietRollbackRegistry } from './tiny-models.ts';

const ROOT = resolve(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'rolloutlab.mjs');
const ENV = { ...process.env, ROLLOUTLAB_SWEEP_LOCK_MS: '2000', ROLLOUTLAB_SWEEP_STALLED_MS: '500', ROLLOUTLAB_SWEEP_REDIS_GRACE_MS: '2000' };

if (REDIS_MISSING.length && process.env.CI !== 'true') console.warn(`test/sweep-queue.test.ts: ${REDIS_MISSING_MSG}`);
if (REDIS_MISSING.length > 0 && process.env.CI === 'true') {
  describe('real Redis (CI)', () => {
    it('redis-server is installed', () => {
      expect.fail(`${REDIS_MISSING_MSG.replace('SKIPPED', 'not run')} CI=true: failing instead of skipping.`);
    });
  });
}

/** A child process of the real command line, its stdout and stderr kept, and a wait for a line on stderr. */
interface Cli {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
}

const children: ChildProcess[] = [];
function cli(args: string[], env: NodeJS.ProcessEnv = ENV): Cli {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  let err = '';
  const waiters: { re: RegExp; done: (m: RegExpExecArray) => void }[] = [];
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    for (const w of [...waiters]) {
      const m = w.re.exec(err);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(m);
      }
    }
  });
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(re, ms = 90_000) {
      const m = re.exec(err);
      if (m) return Promise.resolve(m);
      return new Promise((done, fail) => {
        const t = setTimeout(() => fail(new Error(`no ${re} within ${ms} ms; stderr:\n${err}`)), ms);
        waiters.push({ re, done: (x) => (clearTimeout(t), done(x)) });
        void exited.then((code) => fail(new Error(`exited (${code}) before ${re}; stderr:\n${err}`)));
      });
    },
  };
}

const worker = (url: string, ...more: string[]) => cli(['worker', '--queue', url, '--threads', '1', ...more]);
const mtimes = (out: string) => Object.fromEntries(readdirSync(join(out, 'shards')).map((f) => [f.replace('.parquet', ''), statSync(join(out, 'shards', f)).mtimeMs]));
const startedIn = (log: string) => [...log.matchAll(/shard (\w+) \(.*\) started/g)].map((m) => m[1]);

let dir: string;
let spec: string;
/** The local run's result: what every queued run must equal. */
let local: unknown;
const redises: RealRedis[] = [];

describe.skipIf(REDIS_MISSING.length > 0)('a sweep on a Redis queue', () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rolloutlab-sweepq-'));
    spec = join(dir, 'sweep.yaml');
    writeFileSync(spec, 'scenarios: [default]\nseeds: [1, 2, 3]\npolicies: [none, kayenta]\ndeployments: 20\n');
    const r = await inProcess(['sweep', '--spec', spec, '--out', join(dir, 'local'), '--threads', '0', '--json']);
    expect(r.code, r.stderr).toBe(0);
    local = JSON.parse(r.stdout);
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const r of redises) await stop(r.child);
    rmSync(dir, { recursive: true, force: true });
  });

  it('two workers, one killed mid-shard: its shard goes to the other, and the rows equal the local run', async () => {
    const redis = await startRealRedis();
    redises.push(redis);
    const a = worker(redis.url);
    const b = worker(redis.url);
    await Promise.all([a.waitFor(/worker ready/), b.waitFor(/worker ready/)]);
    const sweep = cli(['sweep', '--spec', spec, '--out', join(dir, 'queued'), '--queue', redis.url, '--json']);
    // Whichever worker starts a shard first is killed while it runs it.
    const first = await Promise.race([a, b].map((w) => w.waitFor(/shard (\w+) \(.*\) started/).then((m) => ({ w, id: m[1] }))));
    first.w.child.kill('SIGKILL');
    const other = first.w === a ? b : a;
    expect(first.w.stderr()).not.toMatch(new RegExp(`shard ${first.id} done`));
    expect(await sweep.exited, sweep.stderr()).toBe(0);
    expect(JSON.parse(sweep.stdout())).toEqual(local);
    // The killed worker's shard was run again by the other one, after its lock ran out.
    expect(other.stderr()).toMatch(new RegExp(`shard ${first.id} \\(.*\\) started[\\s\\S]*shard ${first.id} done in`));
    expect(startedIn(other.stderr()).length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(mtimes(join(dir, 'queued')))).toHaveLength(6);
    await stop(other.child);
  }, 300_000);

  it('a shard that fails on a worker is reported with its error and counted in "failed"', async () => {
    const redis = redises[0];
    // The sweep is keyed with the rollback champion v0001; the worker's registry has moved on to v0002.
    const ml = join(dir, 'ml.yaml');
    writeFileSync(ml, 'scenarios: [default]\nseeds: [1]\npolicies: [none, ml]\ndeployments: 10\n');
    const planned = await quietRollbackRegistry(join(dir, 'models-a'));
    const moved = await quietRollbackRegistry(join(dir, 'models-b'), 2);
    const w = worker(redis.url, '--models', moved);
    await w.waitFor(/worker ready/);
    const sweep = cli(['sweep', '--spec', ml, '--out', join(dir, 'ml'), '--models', planned, '--queue', redis.url, '--json']);
    expect(await sweep.exited, sweep.stderr()).toBe(3);
    const r = JSON.parse(sweep.stdout());
    expect(r).toMatchObject({ shards: 2, failed: 1 });
    expect(r.rows.map((x: { policy: string }) => x.policy)).toEqual(['none']);
    expect(r.errors[0]).toMatchObject({ policy: 'ml', seed: 1 });
    expect(r.errors[0].error).toMatch(/queued with the rollback champion v0001, and the registry at .*models-b has v0002/);
    await stop(w.child);
  }, 300_000);

  it('Redis gone mid-sweep: a clear error; the same command against a new Redis resumes without redoing finished shards', async () => {
    const redis = await startRealRedis();
    redises.push(redis);
    const out = join(dir, 'resumed');
    const w = worker(redis.url);
    await w.waitFor(/worker ready/);
    const sweep = cli(['sweep', '--spec', spec, '--out', out, '--queue', redis.url, '--json']);
    await w.waitFor(/(shard \w+ done in[\s\S]*){2}/);
    redis.child.kill('SIGKILL');
    expect(await sweep.exited).toBe(2);
    const err = JSON.parse(sweep.stdout()).error;
    expect(err).toMatchObject({ code: 'IO', field: 'queue' });
    expect(err.message).toMatch(/the queue at redis:\/\/127\.0\.0\.1:\d+ stopped answering while the shards ran .* the sweep stopped with \d of 6 shards done .*run the same command again .* to resume without redoing them/);
    w.child.kill('SIGKILL');
    await w.exited;
    const done = mtimes(out);
    const k = Object.keys(done).length;
    expect(k).toBeGreaterThanOrEqual(2);
    expect(k).toBeLessThan(6);

    const again = await startRealRedis();
    redises.push(again);
    const w2 = worker(again.url);
    await w2.waitFor(/worker ready/);
    const resumed = cli(['sweep', '--spec', spec, '--out', out, '--queue', again.url, '--json']);
    expect(await resumed.exited, resumed.stderr()).toBe(0);
    expect(JSON.parse(resumed.stdout())).toEqual(local);
    expect(resumed.stderr()).toMatch(new RegExp(`${k} of 6 shards already done`));
    // Nothing finished was redone: the files are untouched and no worker started them.
    const after = mtimes(out);
    for (const [id, t] of Object.entries(done)) expect(after[id]).toBe(t);
    const ran = startedIn(w2.stderr());
    expect(ran).toHaveLength(6 - k);
    for (const id of ran) expect(done[id]).toBeUndefined();
    await stop(w2.child);
  }, 300_000);

  it('a Redis that is not there: the sweep says so at once (exit 2)', async () => {
    const port = await freePort();
    process.env.ROLLOUTLAB_SWEEP_REDIS_GRACE_MS = '1000';
    const r = await inProcess(['sweep', '--spec', spec, '--out', join(dir, 'nowhere'), '--queue', `redis://127.0.0.1:${port}`]).finally(() => delete process.env.ROLLOUTLAB_SWEEP_REDIS_GRACE_MS);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`error \\[IO\\] cannot reach Redis at redis://127\\.0\\.0\\.1:${port} .*is redis-server running there\\?`));
    const bad = await inProcess(['sweep', '--spec', spec, '--out', join(dir, 'nowhere'), '--queue', 'http://127.0.0.1:6379']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/expected redis:\/\/host:port/);
  });
});
