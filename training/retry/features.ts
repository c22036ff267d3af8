// The retry family's features of one failed step (datasets/failed-step.ts): what generalises from simulated logs to
// real ones. The log is normalised so that the parameters of a message — hosts, IPs, ports, paths, versions, ids,
// durations, timestamps, line numbers — become placeholders and the wording stays; HTTP-like status codes (100-599)
// are kept, because 404 and 503 mean different things. Unigrams and bigrams of the last lines (where CI tools print the
// error) and of the whole tail are hashed into a fixed-size sparse vector, beside the exit code, the step kind, the
// attempt and the step's recent history.
import type { FailedStep } from '../../datasets/failed-step.ts';
import { STEP_KINDS } from '../../datasets/failed-step.ts';
import { fnv1a } from '../../lib/rng.ts';

/** Hashed text buckets (2^18): few collisions for the vocabulary of CI logs, and a sparse vector stays small. */
export const TEXT_BUCKETS = 1 << 18;
/** Lines at the end of the log read as "the error" (their n-grams get features of their own). */
export const TAIL_LINES = 12;
/** Exit codes with a feature of their own; any other is `other` (or `negative` / `large`). */
export const KNOWN_EXIT_CODES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 28, 35, 100, 101, 124, 125, 126, 127, 128, 130, 134, 137, 139, 143, 255] as const;

/** The offsets of the structured features after the text buckets. */
const EXIT_BASE = TEXT_BUCKETS;
const EXIT_SLOTS = KNOWN_EXIT_CODES.length + 3; // + other, negative, large
const STEP_BASE = EXIT_BASE + EXIT_SLOTS;
const ATTEMPT_BASE = STEP_BASE + STEP_KINDS.length;
const HISTORY_BASE = ATTEMPT_BASE + 3;
const TEST_BASE = HISTORY_BASE + 4;
const BRANCH_BASE = TEST_BASE + 5;
/** Width of the feature vector. */
export const FEATURE_WIDTH = BRANCH_BASE + 6;
/** Branch names read as the default branch (a change reaches it reviewed, and its pipelines usually pass). */
const DEFAULT_BRANCH = /^(?:refs\/heads\/)?(?:main|master|trunk|develop|default)$/i;

/** A sparse feature vector: sorted indices and their values. */
export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

type Replacement = string | ((m: string) => string);

const RULES: [RegExp, Replacement][] = [
  [/\u001b\[[0-9;?]*[ -/]*[@-~]/g, ' '], // ANSI escape sequences
  [/\b\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:z|[+-]\d{2}:?\d{2})?\b/gi, ' tstamp '],
  [/\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b/g, ' tstamp '],
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, ' url '],
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, ' uuid '],
  [/\b(?:\d{1,3}\.){3}\d{1,3}(?::\d+)?\b/g, ' ipaddr '],
  [/\bsha256:[0-9a-f]{12,}\b/gi, ' digest '],
  [/\b[0-9a-f]{7,}\b/gi, (m) => (/[a-f]/i.test(m) && /\d/.test(m) ? ' hexid ' : m)],
  [/\b[\w.-]+\.(?:ts|tsx|js|mjs|py|go|rs|java|kt|rb|cs|cpp|c|h|yaml|yml|json|toml|tf|sh|gradle|xml|lock)\b(?::\d+(?::\d+)?)?/gi, ' srcfile '],
  [/\bv?\d+\.\d+(?:\.\d+)*(?:[-+][\w.]+)?\b/g, ' vernum '],
  [/\b\d+(?:\.\d+)?\s?(?:ms|s|sec|secs|seconds|m|min|mins|minutes|h|hours)\b/gi, ' duration '],
  [/\b\d+(?:\.\d+)?\s?(?:b|kb|kib|mb|mib|gb|gib)\b/gi, ' size '],
  [/\b\d+\b/g, (m) => (m.length === 3 && +m >= 100 && +m <= 599 ? ` http${m} ` : ' num ')],
];

/** A log line with its parameters replaced by placeholders, lower case. */
export function normaliseLine(line: string): string {
  let s = line;
  for (const [re, to] of RULES) s = typeof to === 'string' ? s.replace(re, to) : s.replace(re, to);
  return s.toLowerCase();
}

/** The words of a normalised line (letters, digits, `_`; single characters dropped). */
export function tokens(normalised: string): string[] {
  return normalised.split(/[^a-z0-9_]+/).filter((t) => t.length > 1);
}

function addGrams(counts: Map<number, number>, words: readonly string[], prefix: string): void {
  for (let i = 0; i < words.length; i++) {
    const u = fnv1a(prefix + words[i]) % TEXT_BUCKETS;
    counts.set(u, (counts.get(u) ?? 0) + 1);
    if (i + 1 < words.length) {
      const b = fnv1a(prefix + words[i] + ' ' + words[i + 1]) % TEXT_BUCKETS;
      counts.set(b, (counts.get(b) ?? 0) + 1);
    }
  }
}

function exitSlot(code: number): number {
  const k = (KNOWN_EXIT_CODES as readonly number[]).indexOf(code);
  if (k >= 0) return k;
  if (code < 0) return KNOWN_EXIT_CODES.length + 1;
  if (code > 255) return KNOWN_EXIT_CODES.length + 2;
  return KNOWN_EXIT_CODES.length;
}

/**
 * The step's features: the text buckets (log1p counts of the tail lines' n-grams and of the whole log's, each part
 * scaled to unit length), a one-hot exit code, a one-hot step kind, the attempt (1, 2, 3+), and the history (share of
 * failures in the recent outcomes, the last outcome failed, a run of 3+ failures, no history).
 */
export function stepFeatures(s: FailedStep): SparseVector {
  const lines = s.log.split(/\r?\n/).filter((l) => l.trim() !== '');
  const tail = lines.slice(-TAIL_LINES);
  const tailCounts = new Map<number, number>();
  for (const l of tail) addGrams(tailCounts, tokens(normaliseLine(l)), 't:');
  const allCounts = new Map<number, number>();
  for (const l of lines) addGrams(allCounts, tokens(normaliseLine(l)), 'a:');
  const entries = new Map<number, number>();
  for (const counts of [tailCounts, allCounts]) {
    let norm = 0;
    for (const c of counts.values()) norm += Math.log1p(c) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (const [k, c] of counts) entries.set(k, (entries.get(k) ?? 0) + Math.log1p(c) / norm);
  }
  entries.set(EXIT_BASE + exitSlot(s.exitCode), 1);
  entries.set(STEP_BASE + STEP_KINDS.indexOf(s.stepKind), 1);
  entries.set(ATTEMPT_BASE + Math.min(2, s.attempt - 1), 1);
  const h = s.history;
  if (h.length === 0) entries.set(HISTORY_BASE + 3, 1);
  else {
    const fails = h.filter((x) => !x).length;
    entries.set(HISTORY_BASE, fails / h.length);
    if (!h[h.length - 1]) entries.set(HISTORY_BASE + 1, 1);
    if (h.length >= 3 && h.slice(-3).every((x) => !x)) entries.set(HISTORY_BASE + 2, 1);
  }
  // The failing test's own record: a test that flips between pass and fail is flaky; one that passed until now and
  // fails every run since is broken.
  const th = s.testHistory;
  if (th.length === 0) entries.set(TEST_BASE + 4, 1);
  else {
    const fails = th.filter((x) => !x).length;
    entries.set(TEST_BASE, fails / th.length);
    let flips = 0;
    for (let i = 1; i < th.length; i++) if (!th[i - 1] && th[i]) flips++;
    if (flips > 0) entries.set(TEST_BASE + 1, Math.min(1, flips / 3));
    if (!th[th.length - 1]) entries.set(TEST_BASE + 2, 1);
    if (th.length >= 2 && !th[th.length - 1] && !th[th.length - 2]) entries.set(TEST_BASE + 3, 1);
  }
  // The branch: a fault a push brings fails on its branch run after run; the default branch is mostly healthy.
  if (s.branch !== null) entries.set(BRANCH_BASE + (DEFAULT_BRANCH.test(s.branch) ? 0 : 1), 1);
  const bh = s.branchHistory;
  if (bh.length === 0) entries.set(BRANCH_BASE + 5, 1);
  else {
    entries.set(BRANCH_BASE + 2, bh.filter((x) => !x).length / bh.length);
    if (!bh[bh.length - 1]) entries.set(BRANCH_BASE + 3, 1);
    if (bh.length >= 2 && !bh[bh.length - 1] && !bh[bh.length - 2]) entries.set(BRANCH_BASE + 4, 1);
  }
  const idx = Int32Array.from([...entries.keys()].sort((a, b) => a - b));
  const val = Float32Array.from(idx, (i) => entries.get(i)!);
  return { idx, val };
}
