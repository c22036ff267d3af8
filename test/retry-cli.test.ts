// The command-line side of the retry decision: `rolloutlab retry classify --data <file.jsonl>` (the JSON contract, the
// table, bad lines, odd logs and exit codes) and `rolloutlab retry -- <command>` (the loop with a fake clock: exit
// status kept, --max and --max-minutes, flaky records, remediations, signals; and real runs of the command: output
// passed through byte for byte, a registry 503 that passes on the second run, a compile error that fails at once,
// a command that cannot start, a signal forwarded). No trained model is needed (no champion: the reasons rules); one
// test trains a toy model and serves it.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { inProcess } from './in-process.ts';
import { protectWrappedCommand } from '../cli/commands/retry.ts';
import { LOG_TAIL_BYTES, STREAM_END_BYTES, OutputTail, ProcessIO, TailBuffer, appendRecordLines, exitStatus, outcomeId, runWithRetries, type AttemptResult, type RetryRunOptions, type WrapperIO } from '../cli/retry-wrapper.ts';
import { parseFailedStep, type FailedStep } from '../datasets/failed-step.ts';
import { parseRetryOutcomesJsonl } from '../datasets/retry-outcome.ts';
import { decideRetry, type RetryDecision } from '../policies/retry/index.ts';
import { Rng } from '../lib/rng.ts';
import { stepFeatures } from '../training/retry/features.ts';
import { fitRetryModel, type RetryRow } from '../training/retry/model.ts';
import { ModelRegistry } from '../training/registry.ts';
import { loadRetrySync } from '../training/load.ts';

const ROOT = resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'rl-retry-cli-'));
/** A registry without a retry champion: the reasons rules decide. */
const NO_MODELS = join(tmp, 'no-models');

const REGISTRY_503 = 'npm ERR! code E503\nnpm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/left-pad';
const TS_ERROR = "src/app.ts(3,7): error TS2304: Cannot find name 'foo'.";

/** The real command line, as a user runs it. */
const cli = (args: readonly string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), ...args], { cwd: tmp, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

let n = 0;
const file = (text: string | Buffer, ext = 'jsonl') => {
  const p = join(tmp, `f${n++}.${ext}`);
  writeFileSync(p, text);
  return p;
};
const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const classify = (path: string, ...more: string[]) => inProcess(['retry', 'classify', '--data', path, '--models', NO_MODELS, ...more]);

describe('retry classify', () => {
  const rows = [
    { step: 'npm ci', exitCode: 1, log: REGISTRY_503 },
    { step: 'tsc', exitCode: 2, log: TS_ERROR },
    { step: 'apt-get install', exitCode: 100, log: 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (apt-get)', attempt: 2, history: ['pass', 'fail'] },
    { step: 'notify', exitCode: 1, log: '' },
  ];

  it('--json: {"decisions": [...]} in input order, each with action, pRetrySucceeds, category, delaySeconds — the served decision', async () => {
    // A blank line in the middle: skipped, and the line numbers are the file's.
    const text = [JSON.stringify(rows[0]), '', ...rows.slice(1).map((r) => JSON.stringify(r))].join('\n') + '\n';
    const r = await classify(file(text), '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['decisions']);
    expect(j.decisions).toHaveLength(rows.length);
    j.decisions.forEach((d: Record<string, unknown>, i: number) => {
      expect(['retry', 'fail']).toContain(d.action);
      expect(typeof d.pRetrySucceeds).toBe('number');
      expect(d.pRetrySucceeds as number).toBeGreaterThanOrEqual(0);
      expect(d.pRetrySucceeds as number).toBeLessThanOrEqual(1);
      expect(typeof d.category).toBe('string');
      expect(Number.isFinite(d.delaySeconds)).toBe(true);
      // Exactly what decideRetry serves for that line, no champion.
      const want = decideRetry(parseFailedStep(rows[i]), null);
      expect(d).toMatchObject({ action: want.decision.action, pRetrySucceeds: want.decision.pRetrySucceeds, category: want.decision.category, delaySeconds: want.decision.delaySeconds, remediation: want.decision.remediation, hint: want.decision.hint, reasons: want.decision.reasons, policy: 'reasons' });
    });
    expect(j.decisions.map((d: { line: number }) => d.line)).toEqual([1, 3, 4, 5]);
    expect(j.decisions.map((d: { action: string }) => d.action)).toEqual(['retry', 'fail', 'retry', 'fail']);
    expect(j.decisions[0].reasons[0]).toMatch(/no retry model/);
  });

  it('prints a table without --json: one line per step with its line, action, p, category and delay', async () => {
    const r = await classify(file(jsonl(rows)));
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/: 4 failed steps, 2 to retry \(policy reasons: no retry model in .*no-models/);
    expect(lines[2]).toMatch(/line\s+action\s+p\s+category\s+delay\s+remediation \/ hint/);
    const body = lines.slice(3);
    expect(body).toHaveLength(4);
    rows.forEach((row, i) => {
      const d = decideRetry(parseFailedStep(row), null).decision;
      expect(body[i]).toMatch(new RegExp(`^\\s+${i + 1}\\s+${d.action}\\s+${d.pRetrySucceeds.toFixed(2)}\\s+${d.category}\\s+${d.delaySeconds} s\\s+`));
    });
  });

  it('a bad line exits 2 naming the file, the line and the field (as JSON under --json)', async () => {
    const notJson = file(jsonl(rows.slice(0, 2)) + '{"step": "x", "exitCode": 1,\n');
    let r = await classify(notJson);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error \[BAD_DATA\] .*f\d+\.jsonl: line 3: not JSON/);
    r = await classify(file(jsonl([rows[0], { ...rows[1], exitcode: 2 }])));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 2\.exitcode is not a field of a failed step/);
    r = await classify(file(jsonl([{ step: 'build', exitCode: 1 }])), '--json');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'BAD_DATA', field: 'line 1.log' });
    r = await classify(file(jsonl([rows[0], rows[1], { ...rows[2], history: ['pass', 'maybe'] }])));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/line 3\.history\[1\] must be "pass" or "fail"/);
    r = await classify(join(tmp, 'missing.jsonl'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NOT_FOUND.*missing\.jsonl: cannot read \(ENOENT\)/);
    // No --data at all is a usage error.
    expect((await inProcess(['retry', 'classify'])).code).toBe(1);
  });

  it('an empty file (or one of blank lines) gives {"decisions": []}', async () => {
    for (const text of ['', '\n\n  \n']) {
      const r = await classify(file(text), '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual({ decisions: [] });
    }
    const r = await classify(file(''));
    expect(r.stdout).toMatch(/0 failed steps, 0 to retry/);
  });

  it('reads only the last 64 Ki characters of a megabyte log, makes binary logs readable, takes raw non-UTF-8 bytes', async () => {
    const noise = 'Downloading layer 4f2a, extracting...\n'.repeat(30_000); // about 1.1 MB
    const bin = '\u0000\u0001\u0002PK\u0003\u0004\u00ff\u0007'.repeat(5000);
    const raw = Buffer.concat([Buffer.from('{"step": "docker push", "exitCode": 1, "log": "'), Buffer.from([0xff, 0xfe, 0x80, 0xc3]), Buffer.from(' received unexpected HTTP status: 503 Service Unavailable"}\n')]);
    const text = jsonl([
      { step: 'npm ci', exitCode: 1, log: noise + REGISTRY_503 }, // the cause at the end: seen
      { step: 'npm ci', exitCode: 1, log: REGISTRY_503 + '\n' + noise }, // the cause 1 MB before the end: not in the tail
      { step: 'image-push', exitCode: 1, log: bin + '\n' + REGISTRY_503 },
      { step: 'image-push', exitCode: 1, log: bin },
    ]);
    const r = await classify(file(Buffer.concat([Buffer.from(text), raw])), '--json');
    expect(r.code, r.stderr).toBe(0);
    const d = JSON.parse(r.stdout).decisions;
    expect(d.map((x: { action: string }) => x.action)).toEqual(['retry', 'fail', 'retry', 'fail', 'retry']);
    expect(d[1].category).toBe(decideRetry(parseFailedStep({ step: 'npm ci', exitCode: 1, log: noise }), null).decision.category);
  });

  it('takes any 32-bit exit code, signed or not (-1: agent lost; Windows statuses), and refuses others naming the line', async () => {
    const codes = [-1, 0, 255, 4294967295, -2147483648];
    const r = await classify(file(jsonl(codes.map((exitCode) => ({ step: 'build', exitCode, log: TS_ERROR })))), '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).decisions).toHaveLength(codes.length);
    for (const [bad, line] of [[4294967296, 2], [-2147483649, 2], [1.5, 2], ['1', 2]] as const) {
      const b = await classify(file(jsonl([{ step: 'build', exitCode: 1, log: '' }, { step: 'build', exitCode: bad, log: '' }])));
      expect(b.code, String(bad)).toBe(2);
      expect(b.stderr).toMatch(new RegExp(`line ${line}\\.exitCode must be an integer in \\[-2147483648, 4294967295\\]`));
    }
  });
});

/** A toy retry model: registry checksum errors (a cleared cache fixes them) against compile errors (nothing does). */
function toyRows(seed: number, k: number): RetryRow[] {
  const rng = new Rng(seed, 'toy-retry-cli');
  const noise = ['Downloading layer {h}', 'Step {n}/12 : RUN make', 'npm WARN deprecated pkg@{n}.{n}.{n}', 'Resolving deltas: 100% ({n}/{n})'];
  const fill = (s: string) => s.replace(/\{h\}/g, () => rng.int(1e6, 9e6).toString(16)).replace(/\{n\}/g, () => String(rng.int(1, 999)));
  return Array.from({ length: k }, (_, i) => {
    const transient = i % 2 === 0;
    const lines = Array.from({ length: rng.int(2, 6) }, () => fill(noise[rng.int(0, noise.length - 1)]));
    lines.push(fill(transient ? 'npm ERR! code EINTEGRITY sha512-{h} integrity checksum failed when using sha512' : "src/mod{n}.ts({n},{n}): error TS2304: Cannot find name 'x{n}'."));
    const step = parseFailedStep({ step: 'npm ci', exitCode: transient ? 1 : 2, log: lines.join('\n') });
    return { x: stepFeatures(step), retrySucceeds: transient, category: transient ? 'corrupt-cache' : 'compile-error' };
  });
}

describe('with a retry champion in the registry', () => {
  const models = join(tmp, 'models');
  beforeAll(async () => {
    const model = fitRetryModel(toyRows(1, 300), toyRows(2, 100));
    const reg = new ModelRegistry({ root: models });
    const card = { dataset: { kind: 'toy', scenario: null, seed: 1, codeVersion: 'test', tables: {} }, seed: 1, codeVersion: 'test', backend: { name: 'cpu', version: '0' }, hyperParameters: {}, split: { by: 'given' as const, description: 'toy rows', rows: { train: 300, test: 100 }, seed: null }, metrics: {} };
    const saved = await reg.save('retry', { card, files: { 'retry.json': JSON.stringify(model.json) } });
    await reg.promoteIfBetter('retry', saved.version, () => ({ atLeastAsGood: true, reason: 'test' }));
  });

  it('classify serves the ml policy: the checksum error is retried after clearing the cache, the compile error fails', async () => {
    const rows = [
      { step: 'npm ci', exitCode: 1, log: 'npm ERR! code EINTEGRITY sha512-9f1c integrity checksum failed when using sha512' },
      { step: 'npm ci', exitCode: 2, log: "src/mod7.ts(1,2): error TS2304: Cannot find name 'x3'." },
    ];
    const r = await inProcess(['retry', 'classify', '--data', file(jsonl(rows)), '--models', models, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [a, b] = JSON.parse(r.stdout).decisions;
    expect(a).toMatchObject({ action: 'retry', policy: 'ml', remediation: 'clear-cache' });
    expect(a.pRetrySucceeds).toBeGreaterThan(b.pRetrySucceeds);
    expect(a.delaySeconds).toBeGreaterThan(0);
    expect(b).toMatchObject({ action: 'fail', policy: 'ml', remediation: null });
    const t = await inProcess(['retry', 'classify', '--data', file(jsonl(rows)), '--models', models]);
    expect(t.stdout).toMatch(/policy ml: the retry model v0001/);
    expect(t.stdout).toMatch(/remediation: clear-cache/);
  });

  it('the wrapper clears the cache with --clear-cache before the retry the model asks for, after its wait', async () => {
    const champion = loadRetrySync(models)!;
    const f = fake([{ exitCode: 1, log: 'npm ERR! code EINTEGRITY sha512-77aa integrity checksum failed when using sha512' }, { exitCode: 0 }]);
    const s = await runWithRetries(opts({ decide: (st) => decideRetry(st, champion, { maxRetries: 3 }), clearCache: 'rm -rf ~/.npm/_cacache' }), f.io);
    expect(s).toMatchObject({ exitCode: 0, outcome: 'flaky', policy: 'ml' });
    expect(f.events).toEqual(['run', `sleep ${s.attempts[0].decision!.delaySeconds * 1000}`, 'clear rm -rf ~/.npm/_cacache', 'run']);
    expect(f.said.join('\n')).toMatch(/remediation: clear-cache — running the --clear-cache command/);
  });
});

/** A fake world: attempts with given results and durations, a clock that sleeps advance, every call logged. */
function fake(results: (Partial<AttemptResult> & { seconds?: number })[], o: { signalAtSleep?: NodeJS.Signals; signalAtRun?: number; clearExit?: number } = {}) {
  let t = 0;
  let runs = 0;
  let signal: NodeJS.Signals | null = null;
  const said: string[] = [];
  const events: string[] = [];
  const steps: FailedStep[] = [];
  const io: WrapperIO = {
    async run() {
      const r = results[Math.min(runs, results.length - 1)];
      runs++;
      events.push('run');
      t += (r.seconds ?? 10) * 1000;
      if (o.signalAtRun === runs) signal = 'SIGTERM';
      return { exitCode: 1, signal: null, spawnError: null, log: '', ...r };
    },
    async clearCache(cmd) {
      events.push(`clear ${cmd}`);
      return o.clearExit ?? 0;
    },
    async sleep(ms) {
      events.push(`sleep ${ms}`);
      if (o.signalAtSleep) {
        signal = o.signalAtSleep;
        t += ms / 2;
        return false;
      }
      t += ms;
      return true;
    },
    now: () => t,
    interrupted: () => signal,
    say: (l) => said.push(l),
    append: appendRecordLines,
  };
  return { io, said, events, steps, clock: () => t };
}

/** Options of a run: the reasons rules by default; `decide` records the failed steps it was asked about. */
function opts(o: Partial<RetryRunOptions> = {}, steps: FailedStep[] = []): RetryRunOptions {
  const decide = o.decide ?? ((s: FailedStep) => decideRetry(s, null));
  return { command: ['npm', 'ci'], step: 'npm ci', maxRetries: 3, maxMinutes: null, clearCache: null, record: null, runId: 'run-1', ...o, decide: (s) => (steps.push(s), decide(s)) };
}
const always = (d: Partial<RetryDecision>) => (): { policy: string; decision: RetryDecision } => ({ policy: 'test', decision: { action: 'retry', pRetrySucceeds: 0.9, category: 'network', delaySeconds: 0, remediation: null, hint: null, reasons: ['test rule'], ...d } });

describe('the wrapper loop (fake clock)', () => {
  it('exits with the LAST attempt\'s status, and asks with the attempt number and this run\'s history', async () => {
    const f = fake([{ exitCode: 3, log: REGISTRY_503 }, { exitCode: 7, log: REGISTRY_503 }, { exitCode: 9, log: TS_ERROR }]);
    const steps: FailedStep[] = [];
    const s = await runWithRetries(opts({}, steps), f.io);
    expect(s).toMatchObject({ exitCode: 9, outcome: 'failed', stoppedBy: 'decision', retries: 2, policy: 'reasons' });
    expect(steps.map((x) => [x.attempt, x.exitCode, x.history])).toEqual([[1, 3, []], [2, 7, [false]], [3, 9, [false, false]]]);
    expect(s.attempts.map((a) => a.decision?.action)).toEqual(['retry', 'retry', 'fail']);
    // Each decision is one line on stderr, prefixed, with its reason.
    const decisions = f.said.filter((l) => / → /.test(l));
    expect(decisions).toHaveLength(3);
    for (const l of decisions) expect(l).toMatch(/^rolloutlab retry: attempt \d exited \d → (retry now|fail) \[\w+, p=\d\.\d\d, policy reasons\] — .*(api_failure|no retryable reason)/);
  });

  it('--max caps the retries; --max 0 never retries', async () => {
    let f = fake([{ exitCode: 1 }]);
    let s = await runWithRetries(opts({ maxRetries: 2, decide: always({}) }), f.io);
    expect(s).toMatchObject({ retries: 2, stoppedBy: 'max', exitCode: 1 });
    expect(f.events.filter((e) => e === 'run')).toHaveLength(3);
    expect(f.said.at(-1)).toMatch(/stop: --max 2: 2 retries spent/);
    f = fake([{ exitCode: 4 }]);
    s = await runWithRetries(opts({ maxRetries: 0, decide: always({}) }), f.io);
    expect(s).toMatchObject({ retries: 0, stoppedBy: 'max', exitCode: 4 });
    // The reasons rules stop after their own 2 retries even under a larger --max.
    f = fake([{ exitCode: 1, log: REGISTRY_503 }]);
    s = await runWithRetries(opts({ maxRetries: 5 }), f.io);
    expect(s).toMatchObject({ retries: 2, stoppedBy: 'decision' });
  });

  it('--max-minutes: waits while they fit in the budget, and stops instead of a wait that would pass it', async () => {
    // Attempts take 60 s and the decision waits 120 s: 60 + 120 + 60 = 240 s; a second wait would end at 360 s > 300 s.
    const f = fake([{ exitCode: 1, seconds: 60 }]);
    const s = await runWithRetries(opts({ maxMinutes: 5, decide: always({ delaySeconds: 120 }) }), f.io);
    expect(s).toMatchObject({ retries: 1, stoppedBy: 'max-minutes', exitCode: 1 });
    expect(f.events).toEqual(['run', 'sleep 120000', 'run']);
    expect(f.said.at(-1)).toMatch(/stop: --max-minutes 5: the wait of 120 s would pass it \(60 s left\)/);
    expect(f.clock()).toBe(240_000);
    // A budget already spent by the attempt itself: no retry even without a wait.
    const g = fake([{ exitCode: 1, seconds: 90 }]);
    expect(await runWithRetries(opts({ maxMinutes: 1, decide: always({}) }), g.io)).toMatchObject({ retries: 0, stoppedBy: 'max-minutes' });
    expect(g.said.at(-1)).toMatch(/the time is spent/);
  });

  it('a step that passes on a retry is FLAKY, never healthy: one outcome record per failed attempt, appended', async () => {
    const rec = join(tmp, 'outcomes.jsonl');
    writeFileSync(rec, '{"earlier": "line without its newline"}'); // another writer's; kept, and ours start on a new line
    const f = fake([{ exitCode: 1, log: REGISTRY_503 }, { exitCode: 1, log: 'curl: (6) Could not resolve host: registry.npmjs.org' }, { exitCode: 0, log: 'added 812 packages' }]);
    const s = await runWithRetries(opts({ record: rec, runId: 'gh-42' }), f.io);
    expect(s).toMatchObject({ exitCode: 0, outcome: 'flaky', stoppedBy: 'passed', recorded: 2 });
    expect(f.said.at(-1)).toMatch(/FLAKY: "npm ci" failed 2 times and passed on attempt 3 — a flaky step, not a healthy one \(recorded as flaky in .*outcomes\.jsonl\)/);
    const lines = readFileSync(rec, 'utf8').split('\n');
    expect(lines[0]).toBe('{"earlier": "line without its newline"}');
    const recs = parseRetryOutcomesJsonl(lines.slice(1).join('\n'), rec);
    expect(recs.map((r) => [r.id, r.attempt, r.retried, r.retrySucceeded, r.flaky, r.decision?.action])).toEqual([
      ['gh-42/npm ci/1', 1, true, false, true, 'retry'],
      ['gh-42/npm ci/2', 2, true, true, true, 'retry'],
    ]);
    expect(recs[0].log).toBe(REGISTRY_503);
    expect(recs[1].history).toEqual(['fail']);
    // A run that ends failing: its last failed attempt was not retried, and nothing is flaky.
    const g = fake([{ exitCode: 1, log: REGISTRY_503 }, { exitCode: 2, log: TS_ERROR }]);
    await runWithRetries(opts({ record: rec, runId: 'gh-43' }), g.io);
    const all = parseRetryOutcomesJsonl(readFileSync(rec, 'utf8').split('\n').slice(1).join('\n'));
    expect(all.slice(2).map((r) => [r.id, r.retried, r.retrySucceeded, r.flaky])).toEqual([
      ['gh-43/npm ci/1', true, false, false],
      ['gh-43/npm ci/2', false, null, false],
    ]);
    // A first attempt that passes records nothing and says nothing.
    const h = fake([{ exitCode: 0 }]);
    expect(await runWithRetries(opts({ record: rec }), h.io)).toMatchObject({ outcome: 'passed', recorded: 0 });
    expect(h.said).toEqual([]);
    expect(outcomeId('r', 'x'.repeat(256), 2)).toMatch(/^r\/[0-9a-f]+\/2$/);
  });

  it('names the remediation it cannot do itself, runs --clear-cache only for clear-cache, and prints a failure\'s hint', async () => {
    let f = fake([{ exitCode: 1 }, { exitCode: 0 }]);
    await runWithRetries(opts({ decide: always({ remediation: 'other-runner' }), clearCache: 'npm cache clean --force' }), f.io);
    expect(f.events).toEqual(['run', 'run']);
    expect(f.said.join('\n')).toMatch(/remediation: other-runner — this runner cannot move the step to another machine; the wrapper retries here/);
    f = fake([{ exitCode: 1 }, { exitCode: 0 }]);
    await runWithRetries(opts({ decide: always({ remediation: 'clear-cache' }) }), f.io);
    expect(f.events).toEqual(['run', 'run']);
    expect(f.said.join('\n')).toMatch(/no --clear-cache command given/);
    f = fake([{ exitCode: 1 }, { exitCode: 0 }], { clearExit: 3 });
    await runWithRetries(opts({ decide: always({ remediation: 'clear-cache', delaySeconds: 5 }), clearCache: 'false' }), f.io);
    expect(f.events).toEqual(['run', 'sleep 5000', 'clear false', 'run']);
    expect(f.said.join('\n')).toMatch(/the --clear-cache command exited 3; retrying anyway/);
    f = fake([{ exitCode: 1 }]);
    await runWithRetries(opts({ decide: () => ({ policy: 'test', decision: { action: 'fail', pRetrySucceeds: 0.01, category: 'code', delaySeconds: 0, remediation: null, hint: 'fix the type error', reasons: ['compile error'] } }) }), f.io);
    expect(f.said.at(-1)).toBe('rolloutlab retry: hint: fix the type error');
  });

  it('a signal to the wrapper stops the retries: during a wait, or when the attempt it ended fails (no decision asked)', async () => {
    let f = fake([{ exitCode: 5, log: REGISTRY_503 }], { signalAtSleep: 'SIGINT' });
    let s = await runWithRetries(opts({ decide: always({ delaySeconds: 30 }) }), f.io);
    expect(s).toMatchObject({ exitCode: 5, stoppedBy: 'signal', retries: 0 });
    expect(f.said.at(-1)).toMatch(/received SIGINT while waiting: no retry/);
    const steps: FailedStep[] = [];
    f = fake([{ exitCode: 143, signal: null, log: REGISTRY_503 }], { signalAtRun: 1 });
    s = await runWithRetries(opts({}, steps), f.io);
    expect(s).toMatchObject({ exitCode: 143, stoppedBy: 'signal' });
    expect(steps).toEqual([]);
    // A command that cannot start is not retried and keeps its 127.
    f = fake([{ exitCode: 127, spawnError: 'nope: not found' }]);
    s = await runWithRetries(opts({ decide: always({}) }), f.io);
    expect(s).toMatchObject({ exitCode: 127, stoppedBy: 'spawn-error', retries: 0 });
  });

  it('keeps the last 64 KiB of output as the tail, a character cut at its start dropped', () => {
    const t = new TailBuffer();
    for (let i = 0; i < 3000; i++) t.push(Buffer.from(`line ${i} ${'é'.repeat(20)}\n`));
    const text = t.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(LOG_TAIL_BYTES);
    expect(Buffer.byteLength(text)).toBeGreaterThan(LOG_TAIL_BYTES - 4);
    expect(text.endsWith(`line 2999 ${'é'.repeat(20)}\n`)).toBe(true);
    expect(text).not.toMatch(/\ufffd/);
    // A stream whose end another pushed out of the tail gets its last 4 KiB appended; interleaved lines stay as read.
    const o = new OutputTail();
    o.push(1, Buffer.from('npm ERR! 503 Service Unavailable\n'));
    o.push(0, Buffer.from('y'.repeat(LOG_TAIL_BYTES)));
    expect(o.text()).toBe('y'.repeat(LOG_TAIL_BYTES) + '\nnpm ERR! 503 Service Unavailable\n');
    const mixed = new OutputTail();
    for (let i = 0; i < 5000; i++) mixed.push((i % 2) as 0 | 1, Buffer.from(`${i % 2 ? 'err' : 'out'} ${i}\n`));
    expect(mixed.text().endsWith('out 4998\nerr 4999\n')).toBe(true);
    expect(mixed.text().match(/err 4999/g)).toHaveLength(1);
    expect(exitStatus(3, null)).toBe(3);
    expect(exitStatus(null, 'SIGKILL')).toBe(137);
    expect(exitStatus(null, 'SIGTERM')).toBe(143);
  });
});

/** A Writable that collects bytes. */
function sink() {
  const chunks: Buffer[] = [];
  const w = new Writable({ write: (c: Buffer, _e, cb) => (chunks.push(Buffer.from(c)), cb()) });
  return { w, bytes: () => Buffer.concat(chunks) };
}

describe('the wrapper runs the command', () => {
  it('passes stdout and stderr through byte for byte (binary and a megabyte included) and keeps the combined tail', async () => {
    const out = sink();
    const err = sink();
    const script = `const b=Buffer.alloc(256);for(let i=0;i<256;i++)b[i]=i;process.stdout.write(b);process.stdout.write('x'.repeat(1<<20));process.stderr.write('npm ERR! 503 Service Unavailable\\n');process.exitCode=1;`;
    const io = new ProcessIO(process.execPath, ['-e', script], out.w, err.w);
    try {
      const r = await io.run();
      expect(r).toMatchObject({ exitCode: 1, signal: null, spawnError: null });
      const want = Buffer.alloc(256);
      for (let i = 0; i < 256; i++) want[i] = i;
      expect(out.bytes().equals(Buffer.concat([want, Buffer.from('x'.repeat(1 << 20))]))).toBe(true);
      expect(err.bytes().toString()).toBe('npm ERR! 503 Service Unavailable\n');
      expect(Buffer.byteLength(r.log)).toBeLessThanOrEqual(LOG_TAIL_BYTES + STREAM_END_BYTES + 1);
      // Two pipes: the stderr line may be read before the last 64 KiB of stdout; it stays in the tail either way.
      expect(r.log).toContain('npm ERR! 503 Service Unavailable\n');
      expect(r.log.replace('npm ERR! 503 Service Unavailable\n', '')).toMatch(/^x+\n?$/);
      // The reader of the output went away (`| head -1`): the command's pipe closes too, and nothing hangs.
      const gone = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })) });
      const cut = new ProcessIO(process.execPath, ['-e', "process.stdout.on('error',()=>process.exit(41));for(let i=0;i<1e5;i++)process.stdout.write('line '+i+'\\n')"], gone, err.w);
      try {
        expect((await cut.run()).exitCode).toBe(41);
      } finally {
        cut.dispose();
      }
      // Killed by a signal: 128 + its number.
      const k = await new ProcessIO(process.execPath, ['-e', "process.kill(process.pid, 'SIGKILL')"], out.w, err.w).run();
      expect(k).toMatchObject({ exitCode: 137, signal: 'SIGKILL' });
    } finally {
      io.dispose();
    }
  });

  it('end to end: a registry 503 that passes on the 2nd run is retried and reported FLAKY; the output passes through', () => {
    const counter = join(tmp, 'count-503');
    const rec = join(tmp, 'e2e-outcomes.jsonl');
    const script = `const fs=require('fs');const f=${JSON.stringify(counter)};const n=fs.existsSync(f)?+fs.readFileSync(f,'utf8'):0;fs.writeFileSync(f,String(n+1));console.log('run '+(n+1));if(n<1){console.error(${JSON.stringify(REGISTRY_503)});process.exit(1)}`;
    const r = cli(['retry', '--models', NO_MODELS, '--record', rec, '--run-id', 'e2e', '--step', 'npm ci', '--', process.execPath, '-e', script]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('run 1\nrun 2\n');
    expect(readFileSync(counter, 'utf8')).toBe('2');
    expect(r.stderr).toMatch(/^npm ERR! code E503\nnpm ERR! 503 Service Unavailable/);
    expect(r.stderr).toMatch(/rolloutlab retry: attempt 1 exited 1 → retry now \[api_failure, p=1\.00, policy reasons\] — /);
    expect(r.stderr).toMatch(/rolloutlab retry: FLAKY: "npm ci" failed 1 time and passed on attempt 2/);
    const [one] = parseRetryOutcomesJsonl(readFileSync(rec, 'utf8'));
    expect(one).toMatchObject({ id: 'e2e/npm ci/1', retried: true, retrySucceeded: true, flaky: true, exitCode: 1 });
  }, 60_000);

  it('end to end: a compile error fails at once with its exit status; --summary says why', () => {
    const counter = join(tmp, 'count-ts');
    const summary = join(tmp, 'summary.json');
    const script = `const fs=require('fs');fs.appendFileSync(${JSON.stringify(counter)},'x');console.error(${JSON.stringify(TS_ERROR)});process.exit(2)`;
    const t0 = Date.now();
    const r = cli(['retry', '--models', NO_MODELS, '--summary', summary, '--', process.execPath, '-e', script]);
    expect(r.code, r.stderr).toBe(2);
    expect(readFileSync(counter, 'utf8')).toBe('x');
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/attempt 1 exited 2 → fail \[script_failure, p=0\.00, policy reasons\] — .*no retryable reason in the log/);
    expect(Date.now() - t0).toBeLessThan(30_000);
    const s = JSON.parse(readFileSync(summary, 'utf8'));
    expect(s).toMatchObject({ exitCode: 2, outcome: 'failed', stoppedBy: 'decision', retries: 0, policy: 'reasons' });
    expect(s.command[0]).toBe(process.execPath);
  }, 60_000);

  it('end to end: a command that cannot start exits 127 with a clear message; the wrapper\'s own usage errors exit 1 or 2 before running it', async () => {
    const r = cli(['retry', '--models', NO_MODELS, '--', 'no-such-command-rl']);
    expect(r.code).toBe(127);
    expect(r.stderr).toMatch(/rolloutlab retry: cannot run no-such-command-rl: not found \(not on PATH, or no such file\) \(exit 127; not retried\)/);
    // In this process: a command named like the subcommand is still a command.
    expect(protectWrappedCommand(['node', 'rl', 'retry', '--max', '1', '--', 'classify', '--data'])).toEqual(['node', 'rl', 'retry', '--max', '1', '--', '--', 'classify', '--data']);
    expect(protectWrappedCommand(['node', 'rl', 'retry', 'classify', '--data', 'x'])).toEqual(['node', 'rl', 'retry', 'classify', '--data', 'x']);
    const c = await inProcess(['retry', '--models', NO_MODELS, '--', 'classify', '--data', 'x']);
    expect(c.code).toBe(127);
    expect(c.stderr).toMatch(/cannot run classify/);
    expect((await inProcess(['retry'])).code).toBe(1);
    expect((await inProcess(['retry', '--max', '-1', '--', 'true'])).code).toBe(1);
    const counter = join(tmp, 'never-run');
    const bad = await inProcess(['retry', '--models', NO_MODELS, '--record', join(tmp, 'no-dir', 'r.jsonl'), '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(counter)}, 'ran')`]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error \[IO\] --record .*no-dir.*cannot append to it \(ENOENT\)/);
    expect(existsSync(counter)).toBe(false);
  }, 60_000);

  it('end to end: SIGTERM to the wrapper is forwarded to the command, which is not retried; its status is kept', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), 'retry', '--models', NO_MODELS, '--', process.execPath, '-e', "process.on('SIGTERM',()=>{console.log('got SIGTERM');process.exit(143)});console.log('ready');setInterval(()=>{},1000)"], { cwd: tmp });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (b) => (stderr += b));
    const code = await new Promise<number | null>((res) => {
      child.stdout.on('data', (b) => {
        stdout += b;
        if (stdout === 'ready\n') child.kill('SIGTERM');
      });
      child.on('close', (c) => res(c));
    });
    expect(stdout).toBe('ready\ngot SIGTERM\n');
    expect(code).toBe(143);
    expect(stderr).toMatch(/attempt 1 exited 143 after the wrapper received SIGTERM: no retry/);
  }, 60_000);
});
