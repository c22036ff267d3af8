// `rolloutlab retry -- <command>`: run a CI step's command and, when it fails, ask the served retry decision
// (policies/retry/index.ts decideRetry) whether to run it again, after which wait and remediation. The loop is a
// library function over a small I/O interface, so tests run it with a fake clock and fake attempts; `ProcessIO` is the
// real one (spawn, output passed through unchanged, the last 64 KiB kept as the log tail, signals forwarded).
//
//   attempt ─▶ exit 0 ─▶ done (after a failure: FLAKY)
//      │ exit ≠ 0
//      ▼
//   failed step (step, exit code, log tail, attempt, this run's history) ─▶ decide ─▶ fail ─▶ stop
//      │ retry
//      ▼
//   --max spent? --max-minutes passed by the wait? ─▶ stop;  else remediation, wait, (clear the cache), next attempt
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { parseFailedStep, type FailedStep } from '../datasets/failed-step.ts';
import type { RetryOutcomeRecord } from '../datasets/retry-outcome.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { fnv1a } from '../lib/rng.ts';
import type { RetryDecision } from '../policies/retry/index.ts';

/** Bytes of combined output kept per attempt as its log tail (the failed step keeps at most 64 Ki characters). */
export const LOG_TAIL_BYTES = 64 * 1024;
/** After the command exits, how long its output may still arrive (from processes it left running) before it is cut. */
export const OUTPUT_GRACE_MS = 2000;
/** The prefix of every line the wrapper prints (on stderr). */
export const PREFIX = 'rolloutlab retry:';
/** Exit status when the command could not be started (as a shell says "command not found"). */
export const SPAWN_FAILED_EXIT = 127;
/** Signals the wrapper passes on to the running command. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** The last `max` bytes of a stream of chunks, each chunk tagged with the stream it came from. */
export class TailBuffer {
  private chunks: { b: Buffer; tag: number }[] = [];
  private bytes = 0;
  constructor(private readonly max = LOG_TAIL_BYTES) {}

  push(b: Buffer, tag = 0): void {
    if (b.length === 0) return;
    this.chunks.push({ b, tag });
    this.bytes += b.length;
    while (this.chunks.length > 1 && this.bytes - this.chunks[0].b.length >= this.max) this.bytes -= this.chunks.shift()!.b.length;
  }

  /** Bytes of stream `tag` among the last `max`. */
  keptBytesOf(tag: number): number {
    let room = this.max;
    let n = 0;
    for (let i = this.chunks.length - 1; i >= 0 && room > 0; i--) {
      const take = Math.min(room, this.chunks[i].b.length);
      if (this.chunks[i].tag === tag) n += take;
      room -= take;
    }
    return n;
  }

  /** The kept bytes as text: UTF-8, a character cut at the start dropped, invalid bytes replaced by U+FFFD. */
  text(): string {
    let b = Buffer.concat(this.chunks.map((c) => c.b));
    if (b.length > this.max) {
      b = b.subarray(b.length - this.max);
      let i = 0;
      while (i < 3 && i < b.length && (b[i] & 0xc0) === 0x80) i++;
      b = b.subarray(i);
    }
    return b.toString('utf8');
  }
}

/** Bytes of each stream's end the log tail always holds. */
export const STREAM_END_BYTES = 4096;

/**
 * An attempt's log tail: the last LOG_TAIL_BYTES of stdout and stderr in the order they were read. They come through
 * two pipes, so a stream's last lines can be read before up to a pipe's worth (64 KiB on Linux) of the other's and
 * pushed out of the tail (an error on stderr after a megabyte on stdout): a stream with fewer than STREAM_END_BYTES of
 * its end in the tail gets its last STREAM_END_BYTES appended.
 */
export class OutputTail {
  private readonly all = new TailBuffer(LOG_TAIL_BYTES);
  private readonly ends = [new TailBuffer(STREAM_END_BYTES), new TailBuffer(STREAM_END_BYTES)];
  private readonly totals = [0, 0];

  push(stream: 0 | 1, b: Buffer): void {
    this.all.push(b, stream);
    this.ends[stream].push(b);
    this.totals[stream] += b.length;
  }

  text(): string {
    let log = this.all.text();
    for (const s of [0, 1] as const) {
      if (this.all.keptBytesOf(s) < Math.min(this.totals[s], STREAM_END_BYTES)) log += (log === '' || log.endsWith('\n') ? '' : '\n') + this.ends[s].text();
    }
    return log;
  }
}

/** The exit status a shell reports: the exit code, or 128 + the signal's number when a signal ended the process. */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (osConstants.signals[signal] ?? 0);
  return 1;
}

/** One argument as a POSIX shell would need it written (for display). */
export function shellQuote(a: string): string {
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
}

/** The command line as one line (runs of white space made one space), cut to the 256 characters a step name may have. */
export function commandLine(argv: readonly string[]): string {
  const s = argv.map(shellQuote).join(' ').replace(/\s+/g, ' ').trim();
  return s.length <= 256 ? s : s.slice(0, 255) + '…';
}

/** One run of the command. */
export interface AttemptResult {
  /** Its exit status (128 + n after signal n; SPAWN_FAILED_EXIT when it could not start). */
  exitCode: number;
  /** The signal that ended it, if one did. */
  signal: NodeJS.Signals | null;
  /** Why it could not start (then it did not run); null when it ran. */
  spawnError: string | null;
  /** The tail of its combined stdout and stderr. */
  log: string;
}

/** What the loop needs from the world: the real one is ProcessIO; tests hand in fakes. */
export interface WrapperIO {
  /** Run the command once, its output passed through. */
  run(): Promise<AttemptResult>;
  /** Run the clear-cache command (a shell command line); its exit status, or null when it could not start. */
  clearCache(cmd: string): Promise<number | null>;
  /** Wait `ms`; false when a signal to the wrapper cut the wait short. */
  sleep(ms: number): Promise<boolean>;
  /** Milliseconds, for --max-minutes and the durations. */
  now(): number;
  /** The first signal the wrapper received (then no further attempt starts), or null. */
  interrupted(): NodeJS.Signals | null;
  /** Print one line to the user (stderr). */
  say(line: string): void;
  /** Append text to a file, never truncating it. */
  append(path: string, text: string): void;
}

export interface RetryRunOptions {
  /** The command and its arguments (for the summary). */
  command: readonly string[];
  /** The step's name given to the decision (default: the command line). */
  step: string;
  /** Retries at most (attempts: maxRetries + 1). */
  maxRetries: number;
  /** No wait may end, and no retry start, later than this many minutes after the start; null: no limit. */
  maxMinutes: number | null;
  /** The served decision for a failed step. */
  decide(step: FailedStep): { policy: string; decision: RetryDecision };
  /** A shell command run before a retry whose decision names the remediation `clear-cache`; null: none. */
  clearCache: string | null;
  /** Append one RetryOutcomeRecord line per failed attempt to this file; null: no record. */
  record: string | null;
  /** Ids of recorded outcomes are `<runId>/<step>/<attempt>`. */
  runId: string;
}

export type StopReason = 'passed' | 'decision' | 'max' | 'max-minutes' | 'signal' | 'spawn-error';

export interface AttemptSummary {
  attempt: number;
  exitCode: number;
  signal: NodeJS.Signals | null;
  seconds: number;
  /** The decision on this attempt's failure (null: it passed, could not start, or was stopped by a signal). */
  decision: (RetryDecision & { policy: string }) | null;
  /** Seconds waited after it, before the next attempt. */
  waitedSeconds: number;
  /** The clear-cache command's exit status, when it ran after this attempt. */
  clearCacheExit?: number | null;
}

/** What a run of the wrapper did (the `--summary` file). */
export interface RetryRunSummary {
  command: string[];
  step: string;
  /** The policy that decided (`ml` with a retry champion, else `reasons`); null when nothing failed. */
  policy: string | null;
  /** The command's last exit status: what the wrapper exits with. */
  exitCode: number;
  /** passed: the first attempt passed; flaky: it failed, then a retry passed (flaky, never healthy); failed. */
  outcome: 'passed' | 'flaky' | 'failed';
  stoppedBy: StopReason;
  retries: number;
  seconds: number;
  attempts: AttemptSummary[];
  /** Outcome records appended to the --record file. */
  recorded: number;
}

const plural = (n: number, one: string, many = one + 's') => `${n} ${n === 1 ? one : many}`;

function ended(a: AttemptResult): string {
  return a.signal ? `was killed by ${a.signal} (exit ${a.exitCode})` : `exited ${a.exitCode}`;
}

/** The decision as one line: what, why. */
export function decisionLine(attempt: number, a: AttemptResult, policy: string, d: RetryDecision): string {
  const what = d.action === 'retry' ? `retry${d.delaySeconds > 0 ? ` in ${d.delaySeconds} s` : ' now'}` : 'fail';
  return `${PREFIX} attempt ${attempt} ${ended(a)} → ${what} [${d.category}, p=${d.pRetrySucceeds.toFixed(2)}, policy ${policy}] — ${d.reasons.join('; ')}`;
}

/** What the wrapper does about a remediation it cannot perform itself, one line. */
export function remediationLine(r: NonNullable<RetryDecision['remediation']>, clearCache: string | null, delaySeconds: number): string {
  switch (r) {
    case 'clear-cache':
      return clearCache
        ? `${PREFIX} remediation: clear-cache — running the --clear-cache command before the retry`
        : `${PREFIX} remediation: clear-cache — no --clear-cache command given (or ROLLOUTLAB_RETRY_CLEAR_CACHE); retrying with the cache as it is`;
    case 'other-runner':
      return `${PREFIX} remediation: other-runner — this runner cannot move the step to another machine; the wrapper retries here (let the CI system's own retry pick another runner)`;
    case 'wait-for-lock':
      return `${PREFIX} remediation: wait-for-lock — another job holds the lock; waiting ${delaySeconds} s for it before the retry`;
  }
}

/** Run the command until it passes or a stop rule says so; the summary carries the exit status to exit with. */
export async function runWithRetries(o: RetryRunOptions, io: WrapperIO): Promise<RetryRunSummary> {
  const start = io.now();
  const deadline = o.maxMinutes === null ? Infinity : start + o.maxMinutes * 60_000;
  const attempts: AttemptSummary[] = [];
  const failed: { attempt: number; step: FailedStep; policy: string; decision: RetryDecision }[] = [];
  let policy: string | null = null;
  let stoppedBy: StopReason;
  for (let attempt = 1; ; attempt++) {
    const t0 = io.now();
    const r = await io.run();
    const summary: AttemptSummary = { attempt, exitCode: r.exitCode, signal: r.signal, seconds: (io.now() - t0) / 1000, decision: null, waitedSeconds: 0 };
    attempts.push(summary);
    if (r.spawnError !== null) {
      io.say(`${PREFIX} cannot run ${commandLine(o.command.slice(0, 1))}: ${r.spawnError} (exit ${r.exitCode}; not retried)`);
      stoppedBy = 'spawn-error';
      break;
    }
    if (r.exitCode === 0) {
      stoppedBy = 'passed';
      if (attempt > 1) {
        const where = o.record ? `recorded as flaky in ${o.record}` : 'record it with --record <file>';
        io.say(`${PREFIX} FLAKY: "${o.step}" failed ${plural(attempt - 1, 'time')} and passed on attempt ${attempt} — a flaky step, not a healthy one (${where})`);
      }
      break;
    }
    const sig = io.interrupted();
    if (sig !== null) {
      io.say(`${PREFIX} attempt ${attempt} ${ended(r)} after the wrapper received ${sig}: no retry`);
      stoppedBy = 'signal';
      break;
    }
    const step = parseFailedStep({ step: o.step, exitCode: r.exitCode, log: r.log, attempt, history: Array.from({ length: attempt - 1 }, () => 'fail') });
    const { policy: p, decision } = o.decide(step);
    policy = p;
    summary.decision = { ...decision, policy: p };
    failed.push({ attempt, step, policy: p, decision });
    io.say(decisionLine(attempt, r, p, decision));
    if (decision.action === 'fail') {
      if (decision.hint) io.say(`${PREFIX} hint: ${decision.hint}`);
      stoppedBy = 'decision';
      break;
    }
    if (attempt > o.maxRetries) {
      io.say(`${PREFIX} stop: --max ${o.maxRetries}: ${plural(o.maxRetries, 'retry', 'retries')} spent`);
      stoppedBy = 'max';
      break;
    }
    const remaining = deadline - io.now();
    const waitMs = decision.delaySeconds * 1000;
    if (remaining <= 0 || waitMs > remaining) {
      const left = Math.max(0, remaining / 1000);
      io.say(`${PREFIX} stop: --max-minutes ${o.maxMinutes}: ${remaining <= 0 ? 'the time is spent' : `the wait of ${decision.delaySeconds} s would pass it (${left.toFixed(0)} s left)`}`);
      stoppedBy = 'max-minutes';
      break;
    }
    if (decision.remediation) io.say(remediationLine(decision.remediation, o.clearCache, decision.delaySeconds));
    if (waitMs > 0) {
      const w0 = io.now();
      const full = await io.sleep(waitMs);
      summary.waitedSeconds = (io.now() - w0) / 1000;
      if (!full) {
        io.say(`${PREFIX} the wrapper received ${io.interrupted() ?? 'a signal'} while waiting: no retry`);
        stoppedBy = 'signal';
        break;
      }
    }
    if (decision.remediation === 'clear-cache' && o.clearCache) {
      const c = await io.clearCache(o.clearCache);
      summary.clearCacheExit = c;
      if (c !== 0) io.say(`${PREFIX} the --clear-cache command ${c === null ? 'could not start' : `exited ${c}`}; retrying anyway`);
    }
    const late = io.interrupted();
    if (late !== null) {
      io.say(`${PREFIX} the wrapper received ${late}: no retry`);
      stoppedBy = 'signal';
      break;
    }
    io.say(`${PREFIX} attempt ${attempt + 1} of at most ${o.maxRetries + 1}`);
  }
  const last = attempts[attempts.length - 1];
  const outcome = last.exitCode === 0 ? (attempts.length > 1 ? 'flaky' : 'passed') : 'failed';
  let recorded = 0;
  if (o.record && failed.length > 0) {
    const lines = failed.map((f) => JSON.stringify(outcomeRecord(o, f, attempts, outcome === 'flaky')) + '\n');
    try {
      io.append(o.record, lines.join(''));
      recorded = lines.length;
    } catch (e) {
      io.say(`${PREFIX} could not append to ${o.record}: ${(e as Error).message}`);
    }
  }
  return {
    command: [...o.command],
    step: o.step,
    policy,
    exitCode: last.exitCode,
    outcome,
    stoppedBy,
    retries: attempts.length - 1,
    seconds: (io.now() - start) / 1000,
    attempts,
    recorded,
  };
}

/** The record id: `<runId>/<step>/<attempt>`, the step replaced by its hash when the id would pass 256 characters. */
export function outcomeId(runId: string, step: string, attempt: number): string {
  const id = `${runId}/${step}/${attempt}`;
  return id.length <= 256 ? id : `${runId.slice(0, 200)}/${fnv1a(step).toString(16)}/${attempt}`;
}

/** One failed attempt as an outcome record: retried when another attempt followed, whose pass or failure is the retry's outcome. */
function outcomeRecord(o: RetryRunOptions, f: { attempt: number; step: FailedStep; policy: string; decision: RetryDecision }, attempts: readonly AttemptSummary[], flaky: boolean): RetryOutcomeRecord {
  const next = attempts[f.attempt]; // attempts[i] is attempt i + 1
  // A retry cut short by a signal to the wrapper neither passed nor failed on its own.
  const retrySucceeded = next === undefined ? null : next.exitCode === 0 ? true : next.decision === null ? null : false;
  return {
    id: outcomeId(o.runId, f.step.step, f.attempt),
    step: f.step.step,
    exitCode: f.step.exitCode,
    log: f.step.log,
    attempt: f.attempt,
    history: f.step.history.map((h) => (h ? 'pass' : 'fail')),
    retried: next !== undefined,
    retrySucceeded,
    flaky,
    decision: { action: f.decision.action, category: f.decision.category, policy: f.policy },
  };
}

/** The default run id of recorded outcomes: the CI system's job (GitHub Actions, GitLab CI, Buildkite), else local-<time>-<pid>. */
export function defaultRunId(env: Readonly<Record<string, string | undefined>>, nowMs: number, pid: number): string {
  if (env.GITHUB_RUN_ID) return ['github', env.GITHUB_RUN_ID, env.GITHUB_RUN_ATTEMPT, env.GITHUB_JOB].filter(Boolean).join('-');
  if (env.CI_JOB_ID) return `gitlab-${env.CI_JOB_ID}`;
  if (env.BUILDKITE_JOB_ID) return `buildkite-${env.BUILDKITE_JOB_ID}`;
  return `local-${new Date(nowMs).toISOString()}-${pid}`;
}

/**
 * Check that outcome records can be appended to `path` before the command runs (creating the file when missing): an
 * IO error naming --record otherwise.
 */
export function checkAppendable(path: string): void {
  try {
    closeSync(openSync(path, 'a'));
  } catch (e) {
    throw new RolloutlabError('IO', `--record ${path}: cannot append to it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'record');
  }
}

/** Append text to a file opened for appending only; a file whose last line lacks its newline gets one first. */
export function appendRecordLines(path: string, text: string): void {
  const fd = openSync(path, 'a+');
  try {
    const size = fstatSync(fd).size;
    let sep = '';
    if (size > 0) {
      const b = Buffer.alloc(1);
      readSync(fd, b, 0, 1, size - 1);
      if (b[0] !== 0x0a) sep = '\n';
    }
    writeSync(fd, sep + text);
  } finally {
    closeSync(fd);
  }
}

function describeSpawnError(e: NodeJS.ErrnoException): string {
  switch (e.code) {
    case 'ENOENT':
      return 'not found (not on PATH, or no such file)';
    case 'EACCES':
      return 'permission denied (not executable)';
    default:
      return e.code ? `${e.code}: ${e.message}` : e.message;
  }
}

/**
 * The real world: spawns the command without a shell (stdin inherited, stdout and stderr passed through unchanged to
 * the wrapper's own), keeps the last LOG_TAIL_BYTES of their combined output, forwards SIGINT, SIGTERM and SIGHUP
 * to the running command (and cuts a wait short). `dispose()` removes the signal handlers.
 */
export class ProcessIO implements WrapperIO {
  private child: ChildProcess | null = null;
  private signal: NodeJS.Signals | null = null;
  private wake: (() => void) | null = null;
  /** Outputs whose reader went away (EPIPE): nothing more is written to them. */
  private readonly closed = new Set<Writable>();
  /** The running command's pipe into each output. */
  private readonly sources = new Map<Writable, Readable>();
  private readonly onOutError = (w: Writable) => () => {
    this.closed.add(w);
    this.sources.get(w)?.destroy();
  };
  private readonly outErrors: [Writable, () => void][];
  private readonly onSignal = (s: NodeJS.Signals) => {
    this.signal ??= s;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill(s);
    this.wake?.();
  };

  constructor(
    private readonly command: string,
    private readonly args: readonly string[],
    private readonly out: Writable = process.stdout,
    private readonly err: Writable = process.stderr,
  ) {
    for (const s of FORWARDED_SIGNALS) process.on(s, this.onSignal);
    this.outErrors = [out, err].map((w) => [w, this.onOutError(w)]);
    for (const [w, f] of this.outErrors) w.on('error', f);
  }

  dispose(): void {
    for (const s of FORWARDED_SIGNALS) process.off(s, this.onSignal);
    for (const [w, f] of this.outErrors) w.off('error', f);
  }

  now(): number {
    return Date.now();
  }

  interrupted(): NodeJS.Signals | null {
    return this.signal;
  }

  say(line: string): void {
    if (!this.closed.has(this.err)) this.err.write(line + '\n');
  }

  append(path: string, text: string): void {
    appendRecordLines(path, text);
  }

  sleep(ms: number): Promise<boolean> {
    if (this.signal) return Promise.resolve(false);
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = null;
        resolve(true);
      }, ms);
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve(false);
      };
    });
  }

  run(): Promise<AttemptResult> {
    return new Promise((resolve) => {
      const tail = new OutputTail();
      let settled = false;
      let grace: NodeJS.Timeout | null = null;
      const finish = (r: AttemptResult) => {
        if (settled) return;
        settled = true;
        if (grace) clearTimeout(grace);
        this.child = null;
        resolve(r);
      };
      let child: ChildProcess;
      try {
        child = spawn(this.command, this.args, { stdio: ['inherit', 'pipe', 'pipe'] });
      } catch (e) {
        finish({ exitCode: SPAWN_FAILED_EXIT, signal: null, spawnError: describeSpawnError(e as NodeJS.ErrnoException), log: '' });
        return;
      }
      this.child = child;
      const pass = (from: Readable, to: Writable, stream: 0 | 1) => {
        // The reader of the wrapper's output went away (`| head`): the command's pipe is closed as well, so it meets
        // the closed pipe it would have met without the wrapper.
        const broken = () => from.destroy();
        if (this.closed.has(to)) return broken();
        this.sources.set(to, from);
        from.on('close', () => {
          if (this.sources.get(to) === from) this.sources.delete(to);
        });
        from.on('data', (b: Buffer) => {
          tail.push(stream, b);
          if (this.closed.has(to)) return broken();
          if (!to.write(b)) {
            from.pause();
            to.once('drain', () => from.resume());
          }
        });
        from.on('error', () => {}); // a pipe destroyed after the grace period, or by broken()
      };
      pass(child.stdout!, this.out, 0);
      pass(child.stderr!, this.err, 1);
      child.on('error', (e: NodeJS.ErrnoException) => {
        if (child.pid === undefined) finish({ exitCode: SPAWN_FAILED_EXIT, signal: null, spawnError: describeSpawnError(e), log: '' });
      });
      child.on('exit', () => {
        // Processes the command left running may hold its output open: wait a little for the rest, then cut it.
        grace = setTimeout(() => {
          child.stdout?.destroy();
          child.stderr?.destroy();
        }, OUTPUT_GRACE_MS);
      });
      child.on('close', (code, signal) => finish({ exitCode: exitStatus(code, signal), signal, spawnError: null, log: tail.text() }));
      // A signal that arrived while nothing ran stops the run before this attempt; one that arrives now is forwarded.
      if (this.signal) child.kill(this.signal);
    });
  }

  clearCache(cmd: string): Promise<number | null> {
    return new Promise((resolve) => {
      let c: ChildProcess;
      try {
        // The command's output goes to the wrapper's stderr: stdout is the wrapped command's.
        c = spawn(cmd, { shell: true, stdio: ['ignore', 'pipe', 'pipe'] });
      } catch {
        resolve(null);
        return;
      }
      this.child = c;
      c.stdout!.pipe(this.err, { end: false });
      c.stderr!.pipe(this.err, { end: false });
      let done = false;
      c.on('error', () => {
        if (!done && c.pid === undefined) {
          done = true;
          this.child = null;
          resolve(null);
        }
      });
      c.on('close', (code, signal) => {
        if (done) return;
        done = true;
        this.child = null;
        resolve(exitStatus(code, signal));
      });
    });
  }
}
