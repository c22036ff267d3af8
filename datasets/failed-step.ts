// A failed CI/CD step as the retry decision reads it: the step's name, its exit code, the tail of its log, which attempt
// it was and the step's recent outcomes. One definition for `rolloutlab retry classify --data <file.jsonl>` (one object
// per line), the coming server route and the retry policies (policies/retry/). Logs are normalised here, once: only the
// tail is kept (the error is at the end of a log), and a binary log is made readable instead of refused.
import { readFileSync } from 'node:fs';
import { RolloutlabError, show } from '../lib/errors.ts';
import { parseJsonLines } from './jsonl.ts';

/** The kinds of step the retry decision knows; any other step name is `other` (a documented default, not an error). */
export const STEP_KINDS = ['checkout', 'build', 'unit-tests', 'integration-tests', 'lint', 'image-build', 'image-push', 'deploy', 'migrate', 'other'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

/** Characters of a log kept: its last 64 Ki (a megabyte log keeps its tail, where CI tools print the error). */
export const MAX_LOG_CHARS = 64 * 1024;
/** Most recent outcomes of the step kept (oldest first). */
export const MAX_HISTORY = 100;
/** Highest attempt number accepted (1 = the first run of the step). */
export const MAX_ATTEMPT = 100;
/** Exit codes accepted: a 32-bit status, signed or not (-1: Buildkite's "agent lost"; Windows statuses reach 2^32 - 1). */
export const EXIT_CODE_RANGE = [-(2 ** 31), 2 ** 32 - 1] as const;

export interface FailedStep {
  /** The step's name as the CI system gives it (`unit-tests`, `npm test`, `build:image`). */
  step: string;
  /** What kind of step it is: from the name (`stepKindOf`), `other` when nothing matches. */
  stepKind: StepKind;
  exitCode: number;
  /** The log's tail (at most MAX_LOG_CHARS), with unreadable bytes replaced by U+FFFD. */
  log: string;
  /** The log was longer and only its tail is kept. */
  logTruncated: boolean;
  /** The log looked binary (NUL bytes or mostly control characters); it was made readable. */
  logBinary: boolean;
  /** 1 for the first run of the step, 2 for the first retry, ... */
  attempt: number;
  /** The step's recent outcomes, oldest first: true = it passed. */
  history: boolean[];
  /** The failing test's recent outcomes over the suite's runs, oldest first (true = it passed); empty when unknown or no test failed. */
  testHistory: boolean[];
  /** The branch the pipeline ran on (null: unknown). */
  branch: string | null;
  /** The step's recent outcomes on this branch, oldest first (true = it passed); empty when unknown. */
  branchHistory: boolean[];
}

const KIND_PATTERNS: [StepKind, RegExp][] = [
  ['checkout', /\b(checkout|clone|fetch|git)\b/i],
  ['lint', /\b(lint|format|fmt|style|vet|coverage|sonar)\b/i],
  ['integration-tests', /\b(integration|e2e|end-to-end|acceptance|system)[-_ ]?(tests?|specs?)?\b/i],
  ['unit-tests', /\b(unit[-_ ]?tests?|tests?|specs?|pytest|jest|junit|go test|cargo test)\b/i],
  ['image-push', /\b(push|publish|upload|release)\b/i],
  ['image-build', /\b(docker|image|container|buildx|kaniko)\b/i],
  ['migrate', /\b(migrat\w*|schema|flyway|liquibase|alembic)\b/i],
  ['deploy', /\b(deploy\w*|helm|kubectl|apply|rollout|terraform|manifest)\b/i],
  ['build', /\b(build|compile|install|package|bundle|make|npm|yarn|pnpm|gradle|maven|mvn|cargo|pip)\b/i],
];

/** The kind of a step from its name: the first pattern that matches, else `other`. */
export function stepKindOf(step: string): StepKind {
  const exact = STEP_KINDS.find((k) => k === step.trim().toLowerCase());
  if (exact) return exact;
  for (const [kind, re] of KIND_PATTERNS) if (re.test(step)) return kind;
  return 'other';
}

/** A log made readable: NUL and other control characters (but tab, newline, carriage return, escape) become U+FFFD. */
function readable(log: string): { text: string; binary: boolean } {
  let control = 0;
  for (let i = 0; i < log.length; i++) {
    const c = log.charCodeAt(i);
    if (c === 0 || (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 27)) control++;
  }
  const binary = log.includes('\u0000') || control > 0.1 * log.length;
  // eslint-disable-next-line no-control-regex
  return { text: control ? log.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001a\u001c-\u001f]/g, '\ufffd') : log, binary };
}

const bad = (field: string, problem: string, got: unknown) => new RolloutlabError('BAD_DATA', `${field} ${problem} (got ${show(got)})`, field);

/** The fields a failed step may have (any other is refused). */
export const FAILED_STEP_FIELDS: readonly string[] = ['step', 'exitCode', 'log', 'attempt', 'history', 'testHistory', 'branch', 'branchHistory'];

/** An optional list of outcomes ("pass" / "fail" or booleans), the last MAX_HISTORY kept; [] when absent or null. */
function outcomes(x: unknown, field: string): boolean[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw bad(field, 'must be an array of "pass" / "fail", oldest first', x);
  return x
    .map((h, i) => {
      if (h === 'pass' || h === true) return true;
      if (h === 'fail' || h === false) return false;
      throw bad(`${field}[${i}]`, 'must be "pass" or "fail"', h);
    })
    .slice(-MAX_HISTORY);
}

/**
 * One failed step from a parsed JSON object, checked field by field (BAD_DATA naming `<where>.<field>`): `step` a
 * non-empty string, `exitCode` an integer in EXIT_CODE_RANGE, `log` a string (empty is allowed: no evidence, which
 * the policies read as such), optional `attempt` an integer in [1, MAX_ATTEMPT] (default 1) and optional `history` an
 * array of "pass" / "fail" (or booleans, true = pass), the last MAX_HISTORY kept, and the same for optional
 * `testHistory` (the failing test's recent outcomes) and `branchHistory` (the step's on this branch), and an optional
 * `branch` name. Unknown fields are refused (a typo
 * must not leave a value at its default).
 */
export function parseFailedStep(x: unknown, where = 'step'): FailedStep {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad(where, 'must be an object {"step", "exitCode", "log"}', x);
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FAILED_STEP_FIELDS.includes(k)) throw bad(`${where}.${k}`, `is not a field of a failed step (${FAILED_STEP_FIELDS.join(', ')})`, o[k]);
  if (typeof o.step !== 'string' || o.step.trim() === '') throw bad(`${where}.step`, 'must be a non-empty string', o.step);
  if (o.step.length > 256) throw bad(`${where}.step`, 'must be at most 256 characters', `${o.step.slice(0, 40)}…`);
  if (typeof o.exitCode !== 'number' || !Number.isInteger(o.exitCode) || o.exitCode < EXIT_CODE_RANGE[0] || o.exitCode > EXIT_CODE_RANGE[1]) throw bad(`${where}.exitCode`, `must be an integer in [${EXIT_CODE_RANGE[0]}, ${EXIT_CODE_RANGE[1]}]`, o.exitCode);
  if (typeof o.log !== 'string') throw bad(`${where}.log`, 'must be a string (the tail of the step\'s log; "" when there is none)', o.log);
  let attempt = 1;
  if (o.attempt !== undefined) {
    if (typeof o.attempt !== 'number' || !Number.isInteger(o.attempt) || o.attempt < 1 || o.attempt > MAX_ATTEMPT) throw bad(`${where}.attempt`, `must be an integer in [1, ${MAX_ATTEMPT}] (1 = the first run)`, o.attempt);
    attempt = o.attempt;
  }
  const history = outcomes(o.history, `${where}.history`);
  const testHistory = outcomes(o.testHistory, `${where}.testHistory`);
  const branchHistory = outcomes(o.branchHistory, `${where}.branchHistory`);
  let branch: string | null = null;
  if (o.branch !== undefined && o.branch !== null) {
    if (typeof o.branch !== 'string' || o.branch.trim() === '' || o.branch.length > 256) throw bad(`${where}.branch`, 'must be a non-empty string of at most 256 characters (or null)', o.branch);
    branch = o.branch.trim();
  }
  const truncated = o.log.length > MAX_LOG_CHARS;
  const { text, binary } = readable(truncated ? o.log.slice(-MAX_LOG_CHARS) : o.log);
  return { step: o.step, stepKind: stepKindOf(o.step), exitCode: o.exitCode, log: text, logTruncated: truncated, logBinary: binary, attempt, history, testHistory, branch, branchHistory };
}

/** Failed steps from JSON Lines text, one object per non-blank line; a bad line is BAD_DATA naming `<file>: line <n>` and the field. */
export function parseFailedStepsJsonl(text: string, file = 'input'): FailedStep[] {
  return parseJsonLines(text, file, parseFailedStep);
}

/** Failed steps from a JSON Lines file. */
export function readFailedSteps(path: string): FailedStep[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new RolloutlabError('NOT_FOUND', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'data');
  }
  return parseFailedStepsJsonl(text, path);
}
