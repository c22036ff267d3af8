// Outcome feedback (what really happened to deployments, POST /v1/feedback) as extra training rows for the risk
// family: `rolloutlab train risk --with-feedback <source>`.
//
// Sources: the server's DuckDB feedback file (opened READ-ONLY, never written), the URL of a running server
// (GET /v1/feedback?limit=10000), or a JSON / JSONL export (an array of records, the GET answer {count, records},
// or one record per line).
//
// Label (the risk family's "this deployment fails"): failed = outcome !== 'success' || breached === true.
// Features: every feature of the risk model (SIM_RISK_SPECS) must be given, except the time features hour_sin,
// hour_cos and weekend, which are derived from startedAt (UTC) when absent. Numbers for numeric features, 0 / 1
// or a boolean for binaries, the level name or index for categories (as POST /v1/risk/score takes them). A record
// missing a feature or with an unusable value (null, NaN, ±inf, out of range) is skipped and counted by reason;
// unknown extra features are ignored and counted.
//
// Order and identity: records are deduplicated by deploymentId (the latest receivedAt wins; the store already
// upserts), then ordered by startedAt (fallback receivedAt), then deploymentId. `sha256` hashes the rows used, in
// that order: one canonical JSON line per row {deploymentId, failed, features: [values in spec order]}.
import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { readFeedbackFile } from '../../datasets/feedback.ts';
import type { FeedbackRecord } from '../../datasets/feedback-schema.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import type { FeatureSpec } from '../gam.ts';
import { rangeProblem } from '../../lib/value-range.ts';
import { RISK_MODEL_FEATURES } from '../../sim/risk-features.ts';

export const FEEDBACK_OUTCOMES = ['success', 'rolled_back', 'incident'] as const;
/** What GET /v1/feedback returns at most (datasets/feedback-schema.ts MAX_FEEDBACK_LIST). */
export const FEEDBACK_URL_LIMIT = 10_000;
/** Features derived from startedAt when a record does not give them (the start-time features of sim/risk-features.ts). */
export const DERIVED_TIME_FEATURES: readonly string[] = RISK_MODEL_FEATURES.filter((f) => f.from === 'clock').map((f) => f.name);

/** One record as read from a source (loosely typed: a hand-made JSON file may hold anything). */
export interface RawFeedback {
  deploymentId: unknown;
  service?: unknown;
  outcome: unknown;
  breached?: unknown;
  startedAt?: unknown;
  receivedAt?: unknown;
  features?: unknown;
}

export type FeedbackSourceKind = 'duckdb' | 'url' | 'json' | 'jsonl';

export interface FeedbackSource {
  kind: FeedbackSourceKind;
  /** The file (absolute) or the URL as given. */
  location: string;
  records: RawFeedback[];
  /** Records the source says it holds (a server answers its total `count`; may exceed `records.length`). */
  count: number;
}

/** The label of a feedback record: did the deployment fail? */
export function feedbackFailed(outcome: string, breached: boolean | null | undefined): boolean {
  return outcome !== 'success' || breached === true;
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Reads feedback records from a DuckDB file, a server URL or a JSON / JSONL file. */
export async function readFeedbackSource(source: string, opts: { token?: string; fetch?: typeof fetch } = {}): Promise<FeedbackSource> {
  if (isUrl(source)) return readFeedbackUrl(source, opts);
  const file = resolve(source);
  const fh = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new RolloutlabError(e.code === 'ENOENT' ? 'NOT_FOUND' : 'IO', `--with-feedback: cannot read ${file}: ${e.message}`, 'with-feedback');
  });
  let head: Buffer;
  try {
    head = Buffer.alloc(16);
    await fh.read(head, 0, 16, 0);
  } finally {
    await fh.close();
  }
  // A DuckDB database file carries the magic "DUCK" at byte 8.
  if (head.subarray(8, 12).toString('latin1') === 'DUCK') return readFeedbackDuckDb(file);
  return readFeedbackJson(file);
}

/** The server's feedback database, opened read-only (the file is never written; datasets/feedback.ts reads it). */
export async function readFeedbackDuckDb(file: string): Promise<FeedbackSource> {
  let records: FeedbackRecord[] | null;
  try {
    records = await readFeedbackFile(file);
  } catch (e) {
    const msg = (e as Error).message;
    if (/lock/i.test(msg)) {
      throw new RolloutlabError(
        'IO',
        `--with-feedback: ${file} is held by another process (a running rolloutlab serve?): DuckDB lets only one process open a file. ` +
          `Use the server's URL instead (--with-feedback http://<host>:<port>/v1/feedback), or copy the file and train on the copy. (${msg.split('\n')[0]})`,
        'with-feedback',
      );
    }
    throw new RolloutlabError('IO', `--with-feedback: cannot open ${file} as a DuckDB database: ${msg.split('\n')[0]}`, 'with-feedback');
  }
  if (records === null) throw new RolloutlabError('BAD_DATA', `--with-feedback: ${file} has no feedback table (is it a rolloutlab serve --feedback file?)`, 'with-feedback');
  // The same record shape GET /v1/feedback answers (the URL source).
  return { kind: 'duckdb', location: file, records: records as RawFeedback[], count: records.length };
}

/** A running server's GET /v1/feedback (a base URL gets /v1/feedback appended); ?limit=10000. */
export async function readFeedbackUrl(url: string, opts: { token?: string; fetch?: typeof fetch } = {}): Promise<FeedbackSource> {
  const u = new URL(url);
  if (u.pathname === '/' || u.pathname === '') u.pathname = '/v1/feedback';
  u.searchParams.set('limit', String(FEEDBACK_URL_LIMIT));
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let res: Response;
  try {
    res = await (opts.fetch ?? fetch)(u, { headers });
  } catch (e) {
    throw new RolloutlabError('IO', `--with-feedback: GET ${u} failed: ${(e as Error).message}`, 'with-feedback');
  }
  const text = await res.text();
  if (!res.ok) throw new RolloutlabError('IO', `--with-feedback: GET ${u} answered ${res.status}: ${text.slice(0, 300)}`, 'with-feedback');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RolloutlabError('BAD_DATA', `--with-feedback: GET ${u} did not answer JSON`, 'with-feedback');
  }
  const b = body as { count?: unknown; records?: unknown };
  if (!b || typeof b !== 'object' || !Array.isArray(b.records)) throw new RolloutlabError('BAD_DATA', `--with-feedback: GET ${u} did not answer {count, records}`, 'with-feedback');
  const records = b.records as RawFeedback[];
  return { kind: 'url', location: url, records, count: typeof b.count === 'number' ? b.count : records.length };
}

/** A JSON export (an array of records, or {records: [...]}) or JSONL (one record per line). */
export async function readFeedbackJson(file: string): Promise<FeedbackSource> {
  const text = await readFile(file, 'utf8');
  const trimmed = text.trim();
  if (trimmed === '') return { kind: 'json', location: file, records: [], count: 0 };
  try {
    const x = JSON.parse(trimmed) as unknown;
    if (Array.isArray(x)) return { kind: 'json', location: file, records: x as RawFeedback[], count: x.length };
    if (x && typeof x === 'object' && Array.isArray((x as { records?: unknown }).records)) {
      const records = (x as { records: RawFeedback[] }).records;
      const c = (x as { count?: unknown }).count;
      return { kind: 'json', location: file, records, count: typeof c === 'number' ? c : records.length };
    }
    // A single object: a one-line JSONL file.
    if (x && typeof x === 'object') return { kind: 'jsonl', location: file, records: [x as RawFeedback], count: 1 };
  } catch {
    // not one JSON document: JSONL
  }
  const records: RawFeedback[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line) as RawFeedback);
    } catch (e) {
      throw new RolloutlabError('BAD_DATA', `--with-feedback: ${file} line ${i + 1} is not JSON (${(e as Error).message}); expected a JSON array, {records: [...]}, JSONL, or a DuckDB feedback file`, 'with-feedback');
    }
  });
  return { kind: 'jsonl', location: file, records, count: records.length };
}

/** Why a record was not used. */
export const SKIP_REASONS = ['invalid_record', 'missing_features', 'invalid_values'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface FeedbackRows {
  /** Rows used, in training order. */
  deploymentIds: string[];
  /** Time of each row (epoch ms: startedAt, else receivedAt; NaN: neither). */
  times: number[];
  labels: Uint8Array;
  /** Feature columns (spec encoding: category = level index, binary = 0 / 1). */
  cols: Record<string, Float64Array>;
  n: number;
  positives: number;
  /** Records in the source, after deduplication by deploymentId. */
  distinct: number;
  /** Records dropped as earlier duplicates of a deploymentId. */
  duplicates: number;
  skipped: number;
  skippedReasons: Record<SkipReason, number>;
  /** Feature name → records skipped for lacking it. */
  missingFeatures: Record<string, number>;
  /** Feature name → records skipped for an unusable value of it. */
  invalidFeatures: Record<string, number>;
  /** Unknown feature name → records that gave it (ignored). */
  ignoredFeatures: Record<string, number>;
  /** Up to 10 skipped records: deploymentId and why. */
  examples: { deploymentId: string; reason: SkipReason; detail: string }[];
  /** sha256 of the rows used (see the file comment). */
  sha256: string;
}

const toMs = (v: unknown): number => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : NaN;
  if (typeof v === 'string' && v !== '') {
    const t = Date.parse(v);
    return Number.isFinite(t) ? t : NaN;
  }
  return NaN;
};

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};
const sortedCounts = (m: Record<string, number>) => Object.fromEntries(Object.keys(m).sort().map((k) => [k, m[k]]));

/** Encodes one feature value the way the training columns hold it; NaN when unusable. */
function encode(s: FeatureSpec, v: unknown): number {
  if (s.kind === 'category') {
    if (typeof v === 'string') return s.levels.indexOf(v) >= 0 ? s.levels.indexOf(v) : NaN;
    return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < s.levels.length ? v : NaN;
  }
  if (s.kind === 'binary') {
    if (typeof v === 'boolean') return v ? 1 : 0;
    return v === 0 || v === 1 ? v : NaN;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) return NaN;
  // Outside the feature's range (a negative count, a share above 1): the same check as the server's (lib/value-range.ts).
  return s.range && rangeProblem(s.range, v) !== null ? NaN : v;
}

/**
 * Turns feedback records into training rows for a model with `specs`: validates, labels, encodes, deduplicates and
 * orders them. `strict`: fail on the first record that cannot be used instead of skipping it.
 */
export function feedbackRows(records: readonly RawFeedback[], specs: readonly FeatureSpec[], opts: { strict?: boolean } = {}): FeedbackRows {
  const skippedReasons: Record<SkipReason, number> = { invalid_record: 0, missing_features: 0, invalid_values: 0 };
  const missingFeatures: Record<string, number> = {};
  const invalidFeatures: Record<string, number> = {};
  const ignoredFeatures: Record<string, number> = {};
  const examples: FeedbackRows['examples'] = [];
  const known = new Set(specs.map((s) => s.name));
  const skip = (id: string, reason: SkipReason, detail: string) => {
    if (opts.strict) throw new RolloutlabError('BAD_DATA', `--with-feedback --strict: record ${JSON.stringify(id)}: ${detail}`, 'with-feedback');
    skippedReasons[reason]++;
    if (examples.length < 10) examples.push({ deploymentId: id, reason, detail });
  };

  // Deduplicate by deploymentId: the latest receivedAt wins (ties: the later record in the source).
  const byId = new Map<string, { r: RawFeedback; at: number; index: number }>();
  let duplicates = 0;
  const invalid: { id: string; detail: string }[] = [];
  records.forEach((r, index) => {
    if (!r || typeof r !== 'object') return invalid.push({ id: `#${index}`, detail: 'is not an object' });
    const id = r.deploymentId;
    if (typeof id !== 'string' || id === '') return invalid.push({ id: `#${index}`, detail: 'has no deploymentId' });
    const at = toMs(r.receivedAt);
    const prev = byId.get(id);
    if (prev) {
      duplicates++;
      if (!(at < prev.at)) byId.set(id, { r, at, index });
    } else byId.set(id, { r, at, index });
  });
  for (const x of invalid) skip(x.id, 'invalid_record', x.detail);

  type Row = { id: string; time: number; failed: boolean; values: number[] };
  const rows: Row[] = [];
  for (const [id, { r, at }] of byId) {
    if (typeof r.outcome !== 'string' || !(FEEDBACK_OUTCOMES as readonly string[]).includes(r.outcome)) {
      skip(id, 'invalid_record', `outcome must be one of ${FEEDBACK_OUTCOMES.join(', ')}, got ${JSON.stringify(r.outcome)}`);
      continue;
    }
    if (r.breached !== undefined && r.breached !== null && typeof r.breached !== 'boolean') {
      skip(id, 'invalid_record', `breached must be a boolean or null, got ${JSON.stringify(r.breached)}`);
      continue;
    }
    const f = r.features;
    const features = f && typeof f === 'object' && !Array.isArray(f) ? (f as Record<string, unknown>) : {};
    for (const k of Object.keys(features)) if (!known.has(k)) bump(ignoredFeatures, k);
    const started = toMs(r.startedAt);
    const missing: string[] = [];
    const bad: string[] = [];
    const values: number[] = [];
    for (const s of specs) {
      let v: unknown = Object.prototype.hasOwnProperty.call(features, s.name) ? features[s.name] : undefined;
      if (v === undefined && DERIVED_TIME_FEATURES.includes(s.name) && Number.isFinite(started)) {
        const d = new Date(started);
        const hour = d.getUTCHours() + d.getUTCMinutes() / 60;
        v = s.name === 'hour_sin' ? Math.sin((2 * Math.PI * hour) / 24) : s.name === 'hour_cos' ? Math.cos((2 * Math.PI * hour) / 24) : d.getUTCDay() === 0 || d.getUTCDay() === 6 ? 1 : 0;
      }
      if (v === undefined) {
        missing.push(s.name);
        continue;
      }
      const x = encode(s, v);
      if (Number.isNaN(x)) bad.push(s.name);
      values.push(x);
    }
    if (missing.length) {
      for (const m of missing) bump(missingFeatures, m);
      skip(id, 'missing_features', `missing feature${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
      continue;
    }
    if (bad.length) {
      for (const m of bad) bump(invalidFeatures, m);
      skip(id, 'invalid_values', `unusable value${bad.length > 1 ? 's' : ''} (null, not finite, or out of range) for ${bad.join(', ')}`);
      continue;
    }
    rows.push({ id, time: Number.isFinite(started) ? started : at, failed: feedbackFailed(r.outcome, r.breached as boolean | null | undefined), values });
  }
  // Time order (no time: last), then deploymentId: independent of the source's order.
  rows.sort((a, b) => {
    const ta = Number.isFinite(a.time) ? a.time : Infinity;
    const tb = Number.isFinite(b.time) ? b.time : Infinity;
    return ta !== tb ? ta - tb : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  });
  const n = rows.length;
  const cols: Record<string, Float64Array> = {};
  specs.forEach((s, j) => (cols[s.name] = Float64Array.from(rows, (r) => r.values[j])));
  const hash = createHash('sha256');
  for (const r of rows) hash.update(JSON.stringify({ deploymentId: r.id, failed: r.failed, features: r.values }) + '\n');
  const skipped = skippedReasons.invalid_record + skippedReasons.missing_features + skippedReasons.invalid_values;
  return {
    deploymentIds: rows.map((r) => r.id),
    times: rows.map((r) => r.time),
    labels: Uint8Array.from(rows, (r) => (r.failed ? 1 : 0)),
    cols,
    n,
    positives: rows.filter((r) => r.failed).length,
    distinct: byId.size,
    duplicates,
    skipped,
    skippedReasons,
    missingFeatures: sortedCounts(missingFeatures),
    invalidFeatures: sortedCounts(invalidFeatures),
    ignoredFeatures: sortedCounts(ignoredFeatures),
    examples,
    sha256: hash.digest('hex'),
  };
}

/** sha256 of some rows of feature columns and labels (spec order): identifies e.g. the held-out part. */
export function riskRowsSha256(cols: Record<string, ArrayLike<number>>, labels: ArrayLike<number>, specs: readonly FeatureSpec[], rows: readonly number[]): string {
  const hash = createHash('sha256');
  for (const r of rows) hash.update(JSON.stringify([labels[r], ...specs.map((s) => (Number.isNaN(cols[s.name][r]) ? null : cols[s.name][r]))]) + '\n');
  return hash.digest('hex');
}
