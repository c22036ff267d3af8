// The retry family's features of one failed step (datasets/failed-step.ts): what generalises from simulated logs to
// real ones. The CI system's wrapping (timestamps, group markers, "exited with status" footers) is dropped first; then
// the parameters of a message — hosts, IPs, ports, paths, packages, versions, ids, durations, timestamps, line
// numbers — become placeholders and the wording stays; HTTP-like status codes (100-599) are kept, because 404 and 503
// mean different things. Four groups of hashed features, each scaled to unit length and weighted: unigrams and bigrams
// of the last lines (where CI tools print the error), of the lines that read as errors, and of the whole tail, and
// the concepts real tools word in many ways (a 5xx, a rate limit, a reset connection, a lost runner, a compile error…)
// with their pairs — beside the exit code, the step kind, the attempt and the step's recent history.
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

/** The hashes of a canonical line's unigrams and bigrams (cached like the canonical lines: logs repeat lines). */
const gramCache = new Map<string, Uint32Array>();

function lineGrams(line: string): Uint32Array {
  const hit = gramCache.get(line);
  if (hit !== undefined) return hit;
  const words = tokens(line);
  const out = new Uint32Array(Math.max(0, 2 * words.length - 1));
  let k = 0;
  for (let i = 0; i < words.length; i++) {
    out[k++] = fnv1a(words[i]);
    if (i + 1 < words.length) out[k++] = fnv1a(words[i] + ' ' + words[i + 1]);
  }
  if (gramCache.size >= CACHE_LINES) gramCache.clear();
  gramCache.set(line, out);
  return out;
}

/** A gram's bucket in a feature group: the gram's hash mixed with the group's (murmur3's finaliser), modulo the buckets. */
function bucket(h: number, group: number): number {
  let x = (h ^ group) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return ((x ^ (x >>> 16)) >>> 0) % TEXT_BUCKETS;
}

/**
 * Counts of one feature group over the text buckets: a dense scratch array and the list of buckets touched, so a step
 * costs what its grams cost (a Map per group was most of the time of a step's features).
 */
class GroupCounts {
  readonly counts = new Float64Array(TEXT_BUCKETS);
  touched: number[] = [];
  add(b: number, c = 1): void {
    if (this.counts[b] === 0) this.touched.push(b);
    this.counts[b] += c;
  }
  set(b: number, c: number): void {
    if (this.counts[b] === 0) this.touched.push(b);
    this.counts[b] = c;
  }
  /** Add weight · log1p(count) / the group's length to `out`, then clear. */
  drainInto(out: GroupCounts, weight: number): void {
    let norm = 0;
    for (const b of this.touched) norm += Math.log1p(this.counts[b]) ** 2;
    norm = Math.sqrt(norm) || 1;
    for (const b of this.touched) {
      out.add(b, (weight * Math.log1p(this.counts[b])) / norm);
      this.counts[b] = 0;
    }
    this.touched = [];
  }
}

/** Count a canonical line's grams into a group. */
function addGrams(counts: GroupCounts, line: string, group: number): void {
  const g = lineGrams(line);
  for (let i = 0; i < g.length; i++) counts.add(bucket(g[i], group));
}

/** The feature groups' hash seeds. */
const GROUP_SEED = { tail: fnv1a('t:'), error: fnv1a('e:'), all: fnv1a('a:') };

/** A timestamp a CI system puts before each line (GitHub, GitLab with its stream marker, Buildkite, Jenkins). */
const LINE_STAMP = /^\s*\[?(?:\d{4}-\d{2}-\d{2}[t ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:z|[+-]\d{2}:?\d{2})?|\d{2}:\d{2}:\d{2}(?:[.,]\d+)?)\]?\s+(?:\d{2}[oe]\+?\s+)?/i;
/**
 * The CI system's own wrapping of a failed command — the grouping lines, the "exited with status" footers, the
 * pipeline's stage markers — which every failure prints alike (the exit code has its own feature). A CI system's
 * message about the job itself ("Job failed (system failure): …", a lost runner) is not wrapping and stays.
 */
const CI_WRAPPING = [
  /^##\[(?:group|endgroup)\]/i,
  /^(?:##\[error\]|error: )?process completed with exit code -?\d+\.?$/i,
  /^error: job failed: exit code -?\d+$/i,
  /^(?:section_(?:start|end):\d+:\w+\S*\s*)+/i,
  /cleaning up (?:project directory and )?file based variables/i,
  /^🚨 error: the command exited with status -?\d+$/i,
  /^user command error: exit status -?\d+$/i,
  /^\^\^\^ \+\+\+$/,
  /^\[pipeline\]/i,
  /^error: script returned exit code -?\d+$/i,
  /^finished: (?:failure|success|aborted)$/i,
  /^shell: \S+/i,
];

/** The log's lines without colours, timestamps, CI wrapping and blank lines, in order. */
export function cleanLines(log: string): string[] {
  const out: string[] = [];
  for (const raw of log.split(/\r?\n|\r/)) {
    let l = raw.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, '').replace(LINE_STAMP, '').replace(/^##\[(?:error|warning)\]/i, '').trim();
    if (l === '' || CI_WRAPPING.some((re) => re.test(l))) continue;
    l = l.replace(/^(?:section_(?:start|end):\d+:\w+\S*\s*)+/i, '');
    if (l !== '') out.push(l);
  }
  return out;
}

/**
 * Beyond normaliseLine: what varies between real tool chains and says nothing about a retry — host names, file-system
 * paths, scoped package names, quoted identifiers — becomes a placeholder too.
 */
const EXTRA_RULES: [RegExp, string][] = [
  [/@[a-z0-9][\w.-]*\/[\w.-]+(?:@[\^~]?[\w.-]+)?/g, ' pkgname '],
  [/(?:~|\.{1,2})?(?:\/[\w.@%+-]+){2,}\/?/g, ' fpath '],
  [/\b(?:[a-z0-9-]+\.)+(?:com|org|io|net|dev|internal|local|cloud|co|sh|app|ai|gov|edu|svc|lan|intra|corp|test|example)\b/g, ' hostname '],
];

/** Canonical lines already computed (logs repeat many lines); cleared when it grows past CACHE_LINES. A pure cache: the output never depends on it. */
const canonCache = new Map<string, string>();
const CACHE_LINES = 100_000;

export function canonicalLine(line: string): string {
  const hit = canonCache.get(line);
  if (hit !== undefined) return hit;
  let s = normaliseLine(line);
  for (const [re, to] of EXTRA_RULES) s = s.replace(re, to);
  if (canonCache.size >= CACHE_LINES) canonCache.clear();
  canonCache.set(line, s);
  return s;
}

/** A line that reads as an error report, not progress: the lines a failure's meaning is in. */
const ERRORISH = /error|err!|err_|fail|fatal|exception|panic|denied|refus|timed? ?out|timeout|cannot|can't|could not|couldn't|unable|not found|^e:? |✖|●|killed|abort|unavailable|invalid|expired|forbidden|unauthori|conflict|lock|traceback|caused by|spurious|retrying|too many|rate limit|no space|lost|shutdown|evicted|unhealthy|starting up|not ready|no such|mismatch|does not|doesn't|reset|hang up|eof/i;

/**
 * Concepts real tools word in many ways: each is one feature whatever the wording, so what the model learns from
 * one tool's words carries over to another's. Several may hold at once (a 404 that is being retried, a timeout
 * while connecting); pairs of concepts present together get a feature of their own.
 */
const CONCEPTS: [string, RegExp][] = [
  ['5xx', /\b50[0234]\b|service unavailable|bad gateway|gateway time-?out|internal server error|upstream connect error|server returned nothing|empty reply from server|internal error occurred|unable to handle the request|code = unavailable/],
  ['429', /\b429\b|too many requests|rate[ -]?limit|toomanyrequests|slowdown|slow down|throttl|rate exceeded|reduce your request rate/],
  ['timeout', /timed? ?out|timeout|etimedout|deadline exceeded|operation too slow|took longer than/],
  ['reset', /econnreset|connection reset|reset by peer|socket hang ?up|broken pipe|remote end closed|unexpected eof|early eof|\beof\b|connection (?:aborted|died|closed|broken|lost)|disconnected|unexpected disconnect|not closed cleanly|client connection lost|failed sending data|recv failure/],
  ['dns', /eai_again|temporary failure in name resolution|temporary failure resolving|server misbehaving|could not resolve host|couldn't resolve host|name resolution|lookup \S+ on \S+:53|resolv/],
  ['nxdomain', /enotfound|no such host|unknown ?host/],
  ['refused', /refused|econnrefused/],
  ['notfound', /\b404\b|\b410\b|not found|no matching|does not exist|doesn't exist|unknown revision|manifest unknown|could not find|couldn't find|cannot find|unable to find|no such|not in this registry|unable to locate|doesn't match any versions|no packages exist|not our ref/],
  ['auth', /\b401\b|unauthori[sz]ed|authentication (?:failed|required)|unable to authenticate|not authorized|invalid credentials|credentials (?:could not|are not valid)|password required/],
  ['forbidden', /\b403\b|forbidden|permission denied|permission_denied|access denied|accessdenied|denied|eacces|is not authorized to perform|lacks permission|cannot (?:get|create|patch|list|update|delete) resource/],
  ['expired', /expired|not within its valid time|expiretoken|expiredtoken/],
  ['cert', /certificate|x509|pkix|self-signed|unknown authority|verify failed|certpath|issuer certificate/],
  ['tls', /tls|handshake|ssl/],
  ['lock', /\block\b|locks?\b|lockfile|locked|\.lock\b|lock-frontend|another operation .* in progress|in use by another|being used by another|already in use|blocking waiting for file lock/],
  ['starting', /starting up|is starting|not ready|loading the dataset|unhealthy|waiting for (?:database|db|postgres|services|the|pod)|health: starting|status=starting/],
  ['runner', /shutdown signal|lost communication|agent lost|agent was lost|agent disconnected|stopped responding|system failure|evicted|preempt|spot instance|reclaimed|channel is closing|cannot contact|nodes? of label|offline|queue task was cancelled|not acquired by runner|heartbeat|pod .* (?:status is|not found)|the operation was canceled/],
  ['oom', /out of memory|heap limit|heap space|oomkilled|killed signal|sigkill|signal: 9|cannot allocate memory|memory limit|mark-compacts/],
  ['killed', /\bkilled\b|exit code:? 137|status:? 137|signal 9|terminated/],
  ['disk', /no space left|enospc|disk (?:is )?full|ephemeral-storage|insufficient space|disk quota/],
  ['compile', /error ts\d+|error\[e\d+\]|error cs\d+|cannot find symbol|undefined:|unresolved reference|syntaxerror|syntax error|compilation (?:error|failure)|could not compile|type mismatch|mismatched types|does not exist in the current context|declared and not used|not assignable|has no attribute|incompatible (?:type|return)|can't resolve|cannot resolve symbol/],
  ['module', /module not found|cannot find module|no module named|importerror|modulenotfounderror|cannot import name|command not found|exec format error/],
  ['lint', /problems? \(|would reformat|code style|coverage|threshold .* not met|quality gate|checkstyle|violations?|fixable with|errcheck|ineffassign|clippy|eslint|ruff|flake8|mypy|lint/],
  ['assert', /assertion|assert |expected:? .*(?:but was|received|got|actual)|expected .* to (?:be|equal|have)|toequal|tobe\(|not equal|snapshot|values differ|want -?\w/],
  ['conflict', /merge conflict|conflict \(content\)|conflict marker|automatic merge failed|could not apply/],
  ['lockfile', /lock ?file.*(?:needs to be updated|not up to date|in sync|changed significantly|outdated)|frozen-lockfile|--locked was passed|go mod tidy|updates to go\.mod needed|can only install packages when/],
  ['modified', /the object has been modified|operation cannot be fulfilled|please apply your changes to the latest version/],
  ['retrying', /retrying|will retry|retry in|tries remaining|attempt \d+\s*\/\s*\d+|spurious|retries exceeded|max retries|trying again/],
  ['missing', /\bnot set\b|not supplied|input required|missing|no valid credential|could not load credentials|must be set|is empty|undefined variable/],
  ['invalid', /invalid|unknown instruction|unknown field|unsupported argument|is not expected here|yaml parse|yaml: line|nil pointer evaluating|validation ?error|error validating|parse error|parsing error|deprecated version/],
  ['network', /network|connectivity|unreachable|couldn't connect to server|failed to connect|could not connect|unable to connect|dial tcp|i\/o timeout|failed to establish a new connection|connect:/],
  ['flaky', /flaky|race detected|data race/],
  ['panic', /nil pointer dereference|segmentation|segfault|panic|nullpointerexception|cannot read propert|typeerror|keyerror|indexerror|attributeerror/],
  ['crash', /daemon disappeared|crashed|crash|child process exceptions|worker .*terminated|forked vm terminated|bad file descriptor|core dumped/],
];

/** The concept features of some text (lower case): each concept, and each pair of concepts, present. */
function addConcepts(counts: GroupCounts, text: string, prefix: string): void {
  const on = CONCEPTS.filter(([, re]) => re.test(text)).map(([name]) => name);
  for (let i = 0; i < on.length; i++) {
    counts.set(fnv1a(prefix + on[i]) % TEXT_BUCKETS, 1);
    for (let j = i + 1; j < on.length; j++) counts.set(fnv1a(prefix + on[i] + '+' + on[j]) % TEXT_BUCKETS, 1);
  }
}

/** The groups' scratch counts, reused by every step (scoring is synchronous: one step at a time per thread). */
const SCRATCH = { tail: new GroupCounts(), error: new GroupCounts(), all: new GroupCounts(), concept: new GroupCounts(), text: new GroupCounts() };

/** Weights of the text feature groups (each group is scaled to unit length first). */
const GROUP_WEIGHT = { tail: 0.5, error: 1, all: 0.4, concept: 1.5 };
/** Error lines read as "the error" (the last ones when there are more). */
export const ERROR_LINES = 20;

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
  const lines = cleanLines(s.log);
  const canon = lines.map(canonicalLine);
  const g = SCRATCH;
  for (const l of canon.slice(-TAIL_LINES)) addGrams(g.tail, l, GROUP_SEED.tail);
  const errIdx = lines.flatMap((l, i) => (ERRORISH.test(l) ? [i] : [])).slice(-ERROR_LINES);
  for (const i of errIdx) addGrams(g.error, canon[i], GROUP_SEED.error);
  for (const l of canon) addGrams(g.all, l, GROUP_SEED.all);
  const errText = (errIdx.length ? errIdx.map((i) => lines[i]) : lines.slice(-TAIL_LINES)).join('\n').toLowerCase();
  if (errText !== '') addConcepts(g.concept, errText, 'c:');
  g.tail.drainInto(g.text, GROUP_WEIGHT.tail);
  g.error.drainInto(g.text, GROUP_WEIGHT.error);
  g.all.drainInto(g.text, GROUP_WEIGHT.all);
  g.concept.drainInto(g.text, GROUP_WEIGHT.concept);
  const entries = new Map<number, number>();
  for (const b of g.text.touched) {
    entries.set(b, g.text.counts[b]);
    g.text.counts[b] = 0;
  }
  g.text.touched = [];
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
