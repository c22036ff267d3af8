// Re-judging metrics recorded during real rollouts, as Kayenta re-judges stored metric sets: read a file of per-tick,
// per-cohort metrics (format in docs/replay.md), cut each deployment into analysis windows, run every window judge
// (judges/window-judges.ts) on every window, and score the verdicts against the labels where the file has them (canary
// verdict accuracy, docs/definitions.md: an inconclusive verdict counts as wrong).
//
//   const report = await runReplay('examples/replay-sample.csv', { judges: ['kayenta', 'argo', 'flagger'], intervalTicks: 5 });
//   console.log(formatReplay(report));
//
// Format by extension: .csv (RFC 4180, datasets/csv.ts), .jsonl / .ndjson (one JSON object per line), .parquet (read
// through DuckDB). Every problem is a BAD_DATA RolloutlabError naming the file, the line (CSV/JSONL: 1-based line of
// the file; Parquet: 1-based data row), the column, the value and what is wrong.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { RolloutlabError, show } from '../lib/errors.ts';
import { assertFile, badCell, parseCsv, parseNumber } from '../datasets/csv.ts';
import { readParquetText } from '../datasets/read-parquet.ts';
import type { CohortMetrics } from '../sim/env.ts';
import { resolveWindowJudges, windowJudgeNames, type AnalysisWindow, type WindowVerdict } from '../judges/window-judges.ts';
import { LOW_TRAFFIC_REQUESTS } from '../judges/labelled-windows.ts';
import type { LabelledWindows } from '../training/judge/data.ts';
import type { ReplayJudgeInput } from '../training/judge/replay.ts';

// ---------------------------------------------------------------------------------------------------------------
// Format

export interface ReplayColumn {
  name: string;
  type: string;
  required: boolean;
  description: string;
}

/** The documented columns (docs/replay.md describes each in more detail). */
export const REPLAY_COLUMNS: readonly ReplayColumn[] = [
  { name: 'deployment_id', type: 'string', required: true, description: 'the rollout the row belongs to' },
  { name: 'tick', type: 'integer >= 0', required: true, description: 'analysis tick (typically one minute) since the rollout started' },
  { name: 'cohort', type: 'baseline | canary', required: true, description: 'aliases: control, primary → baseline; experiment → canary' },
  { name: 'requests', type: 'integer >= 0', required: true, description: "requests the cohort served in the tick (may be empty on a provider_error row)" },
  { name: 'errors', type: 'integer 0..requests', required: true, description: 'of those, failed (may be empty on a provider_error row)' },
  { name: 'latency_p50_ms', type: 'number >= 0', required: false, description: 'median latency of the tick; empty = missing' },
  { name: 'latency_p99_ms', type: 'number >= 0', required: false, description: 'p99 latency of the tick; empty = missing' },
  { name: 'kpi', type: 'number >= 0', required: false, description: 'business events (conversions) in the tick; empty = missing' },
  { name: 'latency_objective_ms', type: 'number > 0', required: false, description: "the service's latency objective; one value per deployment" },
  { name: 'label', type: 'fail | pass | 1 | 0 | true | false', required: false, description: "truth for the tick's window: a window is fail if any of its ticks is" },
  { name: 'provider_error', type: 'boolean', required: false, description: "the metrics backend failed for the whole tick: the row's metrics are ignored" },
  { name: 'service', type: 'string', required: false, description: 'service name, shown in the per-window rows; not used for judging' },
  { name: 'timestamp', type: 'any', required: false, description: 'ignored' },
];

/** At most this many ticks from a deployment's first tick to its last (a typo in `tick` must not allocate gigabytes). */
export const MAX_DEPLOYMENT_TICKS = 100_000;

export type ReplayFormat = 'csv' | 'jsonl' | 'parquet';
export type Label = 'fail' | 'pass';

export interface ReplayDeployment {
  id: string;
  /** First non-empty `service` of the deployment's rows, or null. */
  service: string | null;
  /** Ticks run from `firstTick` to `firstTick + canary.length - 1`; index i is tick `firstTick + i`. */
  firstTick: number;
  canary: (CohortMetrics | null)[];
  baseline: (CohortMetrics | null)[];
  providerError: boolean[];
  /** Per tick: 'fail' if any row of the tick says fail, 'pass' if some row says pass, else null. */
  labels: (Label | null)[];
  latencyObjectiveMs: number | null;
  /** Whether the deployment has at least one value of each optional metric. */
  recorded: { latencyP50: boolean; latencyP99: boolean; kpi: boolean };
  /**
   * The earliest `timestamp` of its rows that reads as a time (ISO 8601, or epoch seconds / milliseconds), in epoch
   * milliseconds; null when none does. The judges never read it: it orders deployments in time when a judge is
   * trained on the file (oldest train, newest held out).
   */
  startedAt: number | null;
}

export interface ReplayData {
  file: string;
  format: ReplayFormat;
  /** Data rows read. */
  rows: number;
  /** In order of first appearance in the file. */
  deployments: ReplayDeployment[];
  /** Unknown columns (ignored). */
  warnings: string[];
}

interface RawTable {
  header: string[];
  /** Cells as text; null or '' = missing. */
  rows: (string | null)[][];
  where: (r: number) => string;
  /** CSV and Parquet have a header: a missing required column is reported once, up front. */
  hasHeader: boolean;
}

const EXTENSIONS: Record<string, ReplayFormat> = { '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl', '.parquet': 'parquet' };

/** The format a path is read as, by extension; BAD_ARGUMENT for any other. */
export function replayFormatOf(path: string): ReplayFormat {
  const f = EXTENSIONS[extname(path).toLowerCase()];
  if (!f) throw new RolloutlabError('BAD_ARGUMENT', `${path}: unknown replay file type ${show(extname(path))}: use .csv, .jsonl, .ndjson or .parquet`, 'replay');
  return f;
}

function parseJsonl(text: string, file: string): RawTable {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const header: string[] = [];
  const index = new Map<string, number>();
  const objects: { line: number; obj: Record<string, unknown> }[] = [];
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) {
    const s = lines[k].endsWith('\r') ? lines[k].slice(0, -1) : lines[k];
    if (s.trim() === '') continue;
    let obj: unknown;
    try {
      obj = JSON.parse(s);
    } catch (e) {
      throw new RolloutlabError('BAD_DATA', `${file}: line ${k + 1}: not valid JSON (${(e as Error).message})`);
    }
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      throw new RolloutlabError('BAD_DATA', `${file}: line ${k + 1}: ${show(s)} is not a JSON object`);
    }
    for (const key of Object.keys(obj)) {
      if (!index.has(key)) {
        index.set(key, header.length);
        header.push(key);
      }
    }
    objects.push({ line: k + 1, obj: obj as Record<string, unknown> });
  }
  const rows = objects.map(({ line, obj }) => {
    const row: (string | null)[] = new Array(header.length).fill(null);
    for (const [key, v] of Object.entries(obj)) {
      if (v === null || v === undefined) continue;
      if (typeof v === 'object') badCell(file, line, key, v, 'is not a scalar (string, number, boolean or null)');
      row[index.get(key)!] = String(v);
    }
    return row;
  });
  return { header, rows, where: (r) => `line ${objects[r].line}`, hasHeader: false };
}

async function readParquet(path: string): Promise<RawTable> {
  const { header, rows } = await readParquetText(path);
  return { header, rows, where: (r) => `row ${r + 1}`, hasHeader: true };
}

// Maps, not object literals: a cell such as "constructor" must not find Object.prototype's members.
const COHORTS = new Map<string, 'baseline' | 'canary'>([['baseline', 'baseline'], ['control', 'baseline'], ['primary', 'baseline'], ['canary', 'canary'], ['experiment', 'canary']]);
const LABELS = new Map<string, Label>([['fail', 'fail'], ['1', 'fail'], ['true', 'fail'], ['pass', 'pass'], ['0', 'pass'], ['false', 'pass']]);
const BOOLEANS = new Map<string, boolean>([['1', true], ['true', true], ['0', false], ['false', false]]);
const MAX_INT = 2 ** 31 - 1;

interface ParsedRow {
  r: number;
  id: string;
  tick: number;
  cohort: 'baseline' | 'canary';
  providerError: boolean;
  metrics: CohortMetrics | null;
  label: Label | null;
  objective: number | null;
  service: string | null;
  time: number | null;
}

/** A `timestamp` cell as epoch milliseconds, or null: the column is free text, so what does not read as a time is ignored. */
export function timestampMs(s: string | null): number | null {
  if (s === null) return null;
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) {
    const x = Number(t);
    // Ten digits are seconds (until 2286), thirteen are milliseconds.
    return x < 1e11 ? x * 1000 : x;
  }
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

/** Validates a raw table and groups it into deployments. */
function toReplayData(raw: RawTable, file: string, format: ReplayFormat): ReplayData {
  if (raw.hasHeader) {
    for (const c of REPLAY_COLUMNS) {
      if (c.required && !raw.header.includes(c.name)) {
        throw new RolloutlabError('BAD_DATA', `${file}: ${format === 'csv' ? 'line 1: ' : ''}missing required column "${c.name}" (header: ${raw.header.join(',')})`, c.name);
      }
    }
  }
  if (raw.rows.length === 0) throw new RolloutlabError('BAD_DATA', `${file}: no data rows`);
  const known = new Set(REPLAY_COLUMNS.map((c) => c.name));
  const warnings = raw.header.filter((h) => !known.has(h)).map((h) => `${file}: unknown column "${h}" ignored`);
  const k = Object.fromEntries(REPLAY_COLUMNS.map((c) => [c.name, raw.header.indexOf(c.name)]));

  const parsed: ParsedRow[] = raw.rows.map((row, r) => {
    const where = raw.where(r);
    const cell = (name: string): string | null => {
      const v = k[name] >= 0 ? row[k[name]] : null;
      return v === null || v === '' ? null : v;
    };
    const required = (name: string): string => {
      const v = cell(name);
      if (v === null) badCell(file, where, name, k[name] >= 0 ? (row[k[name]] ?? '') : '', 'is empty; the column is required');
      return v;
    };
    const integer = (name: string, s: string, max = MAX_INT): number => {
      const x = parseNumber(s);
      if (!Number.isInteger(x) || x < 0 || x > max) badCell(file, where, name, s, 'is not a non-negative integer');
      return x;
    };
    const number = (name: string, positive: boolean): number | null => {
      const s = cell(name);
      if (s === null) return null;
      const x = parseNumber(s);
      if (!Number.isFinite(x)) badCell(file, where, name, s, 'is not a number');
      if (positive ? x <= 0 : x < 0) badCell(file, where, name, s, positive ? 'is not positive' : 'is negative');
      return x;
    };

    const id = required('deployment_id');
    const tick = integer('tick', required('tick'));
    const cohortText = required('cohort');
    const cohort = COHORTS.get(cohortText.toLowerCase());
    if (!cohort) badCell(file, where, 'cohort', cohortText, 'is not a cohort (baseline or canary; aliases control, primary, experiment)');
    const peText = cell('provider_error');
    let providerError = false;
    if (peText !== null) {
      const b = BOOLEANS.get(peText.toLowerCase());
      if (b === undefined) badCell(file, where, 'provider_error', peText, 'is not a boolean (0/1/true/false)');
      providerError = b;
    }
    const labelText = cell('label');
    let label: Label | null = null;
    if (labelText !== null) {
      label = LABELS.get(labelText.toLowerCase()) ?? null;
      if (label === null) badCell(file, where, 'label', labelText, 'is not a label (fail/pass, 1/0 or true/false)');
    }
    const objective = number('latency_objective_ms', true);
    let metrics: CohortMetrics | null = null;
    if (!providerError) {
      const requests = integer('requests', required('requests'));
      const errorsText = required('errors');
      const errors = integer('errors', errorsText);
      if (errors > requests) badCell(file, where, 'errors', errorsText, `is more than requests (${requests})`);
      const p50 = number('latency_p50_ms', false);
      const p99 = number('latency_p99_ms', false);
      const kpi = number('kpi', false);
      metrics = {
        requests,
        errors,
        // Not in the replay format: NaN, so nothing mistakes them for measured zeros. No window judge reads them.
        slow: NaN,
        latencyP50: p50,
        latencyP95: null,
        latencyP99: p99,
        cpu: NaN,
        memory: NaN,
        pool: NaN,
        conversions: kpi ?? NaN,
        callerRequests: NaN,
        callerErrors: NaN,
      };
    }
    return { r, id, tick, cohort, providerError, metrics, label, objective, service: cell('service'), time: timestampMs(cell('timestamp')) };
  });

  // Group by deployment, in order of first appearance.
  const groups = new Map<string, ParsedRow[]>();
  for (const p of parsed) {
    const g = groups.get(p.id);
    if (g) g.push(p);
    else groups.set(p.id, [p]);
  }
  const deployments: ReplayDeployment[] = [];
  for (const [id, rows] of groups) {
    let first = rows[0];
    let last = rows[0];
    for (const p of rows) {
      if (p.tick < first.tick) first = p;
      if (p.tick > last.tick) last = p;
    }
    const span = last.tick - first.tick + 1;
    if (span > MAX_DEPLOYMENT_TICKS) {
      badCell(file, raw.where(last.r), 'tick', String(last.tick), `is ${span - 1} ticks after deployment ${show(id)}'s first tick ${first.tick} (${raw.where(first.r)}): at most ${MAX_DEPLOYMENT_TICKS} ticks per deployment`);
    }
    const dep: ReplayDeployment = {
      id,
      service: rows.find((p) => p.service !== null)?.service ?? null,
      firstTick: first.tick,
      canary: new Array(span).fill(null),
      baseline: new Array(span).fill(null),
      providerError: new Array(span).fill(false),
      labels: new Array(span).fill(null),
      latencyObjectiveMs: null,
      recorded: { latencyP50: false, latencyP99: false, kpi: false },
      startedAt: null,
    };
    const seen = new Map<string, number>();
    let objectiveRow = -1;
    for (const p of rows) {
      const key = `${p.tick}/${p.cohort}`;
      const prev = seen.get(key);
      if (prev !== undefined) {
        throw new RolloutlabError(
          'BAD_DATA',
          `${file}: ${raw.where(p.r)}: duplicate row for deployment_id ${show(id)}, tick ${p.tick}, cohort ${p.cohort} (first given on ${raw.where(prev)})`,
          'cohort',
        );
      }
      seen.set(key, p.r);
      if (p.time !== null && (dep.startedAt === null || p.time < dep.startedAt)) dep.startedAt = p.time;
      const i = p.tick - first.tick;
      dep[p.cohort][i] = p.metrics;
      if (p.providerError) dep.providerError[i] = true;
      if (p.label === 'fail' || (p.label === 'pass' && dep.labels[i] === null)) dep.labels[i] = p.label;
      if (p.objective !== null) {
        if (dep.latencyObjectiveMs !== null && p.objective !== dep.latencyObjectiveMs) {
          badCell(file, raw.where(p.r), 'latency_objective_ms', String(p.objective), `differs from ${dep.latencyObjectiveMs} on ${raw.where(objectiveRow)}: one objective per deployment`);
        }
        dep.latencyObjectiveMs = p.objective;
        objectiveRow = p.r;
      }
      const m = p.metrics;
      if (m) {
        if (m.latencyP50 !== null) dep.recorded.latencyP50 = true;
        if (m.latencyP99 !== null) dep.recorded.latencyP99 = true;
        if (!Number.isNaN(m.conversions)) dep.recorded.kpi = true;
      }
    }
    deployments.push(dep);
  }
  return { file, format, rows: parsed.length, deployments, warnings };
}

/** Reads and validates a replay file (format by extension). NOT_FOUND when it does not exist. */
export async function readReplay(path: string): Promise<ReplayData> {
  const format = replayFormatOf(path);
  await assertFile(path);
  let raw: RawTable;
  if (format === 'parquet') raw = await readParquet(path);
  else {
    const text = await readFile(path, 'utf8');
    if (format === 'csv') {
      const csv = parseCsv(text, path);
      raw = { header: csv.header, rows: csv.rows, where: (r) => `line ${csv.lines[r]}`, hasHeader: true };
    } else raw = parseJsonl(text, path);
  }
  return toReplayData(raw, path, format);
}

// ---------------------------------------------------------------------------------------------------------------
// Windows and judging

export interface ReplayOptions {
  /** Window judges by name (judges/window-judges.ts); default: every registered one. */
  judges?: readonly string[];
  /** Ticks per analysis window (default 5). */
  intervalTicks?: number;
  /** Seconds per tick (default 60); Argo's error-retry count uses it. */
  tickSeconds?: number;
}

export interface ReplayWindow {
  deploymentId: string;
  service: string | null;
  /** 0-based index of the window within its deployment. */
  window: number;
  startTick: number;
  /** Tick after the window's last one. */
  endTick: number;
  /** Shorter than intervalTicks: the deployment's trailing remainder. */
  partial: boolean;
  /** Ticks with a canary / baseline sample. */
  canaryTicks: number;
  baselineTicks: number;
  canaryRequests: number;
  canaryErrors: number;
  baselineRequests: number;
  baselineErrors: number;
  providerErrorTicks: number;
  /** The recorded objective, or null (the judges then use their fallback, stated in their reasons). */
  latencyObjectiveMs: number | null;
  /** 'fail' if any tick of the window is labelled fail, 'pass' if some tick is labelled and none fail, else null. */
  label: Label | null;
  verdicts: Record<string, { verdict: WindowVerdict; score: number | null; reasons: string[] }>;
}

export interface JudgeSummary {
  /** Windows judged (all of them). */
  windows: number;
  verdicts: { pass: number; fail: number; inconclusive: number };
  /** Correct verdicts / labelled windows; inconclusive counts as wrong. */
  accuracy: number | null;
  /** Inconclusive verdicts / windows judged. */
  inconclusiveRate: number | null;
  /** Labelled-fail windows judged fail / labelled windows judged fail. */
  failPrecision: number | null;
  /** Labelled-fail windows judged fail / labelled-fail windows (an inconclusive one is a miss). */
  failRecall: number | null;
  /** Labelled windows: label → verdict → count. */
  confusion: Record<Label, { pass: number; fail: number; inconclusive: number }>;
}

export interface ReplayReport {
  file: string;
  format: ReplayFormat;
  deployments: number;
  windows: number;
  partialWindows: number;
  labelledWindows: number;
  failWindows: number;
  intervalTicks: number;
  tickSeconds: number;
  judges: Record<string, JudgeSummary>;
  rows: ReplayWindow[];
  warnings: string[];
}

/** A deployment's windows: consecutive runs of `intervalTicks` ticks from its first tick; the remainder is partial. */
export function replayWindows(dep: ReplayDeployment, intervalTicks: number, tickSeconds = 60): { window: AnalysisWindow; startTick: number; endTick: number; label: Label | null }[] {
  const out: { window: AnalysisWindow; startTick: number; endTick: number; label: Label | null }[] = [];
  const n = dep.canary.length;
  for (let a = 0; a < n; a += intervalTicks) {
    const b = Math.min(n, a + intervalTicks);
    const labels = dep.labels.slice(a, b);
    const label: Label | null = labels.includes('fail') ? 'fail' : labels.includes('pass') ? 'pass' : null;
    const window: AnalysisWindow = {
      canary: dep.canary.slice(a, b),
      baseline: dep.baseline.slice(a, b),
      providerError: dep.providerError.slice(a, b),
      recorded: { ...dep.recorded },
      tickSeconds,
      firstTick: dep.firstTick + a,
    };
    if (dep.latencyObjectiveMs !== null) window.latencyObjectiveMs = dep.latencyObjectiveMs;
    out.push({ window, startTick: dep.firstTick + a, endTick: dep.firstTick + b, label });
  }
  return out;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new RolloutlabError('BAD_ARGUMENT', `${name}: ${show(v)} is not a positive integer`, name);
  return v;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Runs the judges on every window of already-read data. */
export function judgeReplay(data: ReplayData, opts: ReplayOptions = {}): ReplayReport {
  const intervalTicks = positiveInt('intervalTicks', opts.intervalTicks ?? 5);
  const tickSeconds = opts.tickSeconds ?? 60;
  if (!(Number.isFinite(tickSeconds) && tickSeconds > 0)) throw new RolloutlabError('BAD_ARGUMENT', `tickSeconds: ${show(tickSeconds)} is not a positive number`, 'tickSeconds');
  const judges = resolveWindowJudges(opts.judges ?? windowJudgeNames());
  const rows: ReplayWindow[] = [];
  for (const dep of data.deployments) {
    replayWindows(dep, intervalTicks, tickSeconds).forEach(({ window: w, startTick, endTick, label }, index) => {
      const sum = (xs: (CohortMetrics | null)[], f: (m: CohortMetrics) => number) => xs.reduce((s, m) => s + (m ? f(m) : 0), 0);
      const verdicts: ReplayWindow['verdicts'] = {};
      for (const j of judges) {
        const v = j.judge(w);
        verdicts[j.name] = { verdict: v.verdict, score: v.score ?? null, reasons: v.reasons };
      }
      rows.push({
        deploymentId: dep.id,
        service: dep.service,
        window: index,
        startTick,
        endTick,
        partial: endTick - startTick < intervalTicks,
        canaryTicks: w.canary.filter(Boolean).length,
        baselineTicks: w.baseline.filter(Boolean).length,
        canaryRequests: sum(w.canary, (m) => m.requests),
        canaryErrors: sum(w.canary, (m) => m.errors),
        baselineRequests: sum(w.baseline, (m) => m.requests),
        baselineErrors: sum(w.baseline, (m) => m.errors),
        providerErrorTicks: (w.providerError ?? []).filter(Boolean).length,
        latencyObjectiveMs: dep.latencyObjectiveMs,
        label,
        verdicts,
      });
    });
  }
  const summaries: Record<string, JudgeSummary> = {};
  for (const j of judges) {
    const verdicts = { pass: 0, fail: 0, inconclusive: 0 };
    const confusion: JudgeSummary['confusion'] = { fail: { pass: 0, fail: 0, inconclusive: 0 }, pass: { pass: 0, fail: 0, inconclusive: 0 } };
    for (const row of rows) {
      const v = row.verdicts[j.name].verdict;
      verdicts[v]++;
      if (row.label) confusion[row.label][v]++;
    }
    const labelled = rows.filter((r) => r.label !== null).length;
    const failLabelled = confusion.fail.pass + confusion.fail.fail + confusion.fail.inconclusive;
    summaries[j.name] = {
      windows: rows.length,
      verdicts,
      accuracy: ratio(confusion.fail.fail + confusion.pass.pass, labelled),
      inconclusiveRate: ratio(verdicts.inconclusive, rows.length),
      failPrecision: ratio(confusion.fail.fail, confusion.fail.fail + confusion.pass.fail),
      failRecall: ratio(confusion.fail.fail, failLabelled),
      confusion,
    };
  }
  return {
    file: data.file,
    format: data.format,
    deployments: data.deployments.length,
    windows: rows.length,
    partialWindows: rows.filter((r) => r.partial).length,
    labelledWindows: rows.filter((r) => r.label !== null).length,
    failWindows: rows.filter((r) => r.label === 'fail').length,
    intervalTicks,
    tickSeconds,
    judges: summaries,
    rows,
    warnings: data.warnings,
  };
}

/** Reads `path` and re-judges it: see the header and docs/replay.md. Options are checked before the file is read. */
export async function runReplay(path: string, opts: ReplayOptions = {}): Promise<ReplayReport> {
  positiveInt('intervalTicks', opts.intervalTicks ?? 5);
  resolveWindowJudges(opts.judges ?? windowJudgeNames());
  return judgeReplay(await readReplay(path), opts);
}

// ---------------------------------------------------------------------------------------------------------------
// Labelled windows for training a judge (`train judge --replay`, training/judge/replay.ts)

/**
 * The labelled windows of a replay file — the very windows `backtest --replay` judges, with their labels — for the
 * judge family: deployments in time order (by their earliest `timestamp` when every deployment has one, else by first
 * appearance in the file), unlabelled windows left out and counted, the file's sha256 as its identity.
 */
export async function replayJudgeInput(path: string, opts: { intervalTicks?: number; tickSeconds?: number } = {}): Promise<ReplayJudgeInput> {
  const intervalTicks = positiveInt('intervalTicks', opts.intervalTicks ?? 5);
  const tickSeconds = opts.tickSeconds ?? 60;
  const data = await readReplay(path);
  const sha256 = createHash('sha256').update(await readFile(path)).digest('hex');
  const byTime = data.deployments.every((d) => d.startedAt !== null);
  // Array.prototype.sort is stable: equal starts keep the file's order.
  const deps = byTime ? [...data.deployments].sort((a, b) => a.startedAt! - b.startedAt!) : data.deployments;
  const w: LabelledWindows = { source: path, manifest: null, windows: [], labels: new Uint8Array(0), lowTraffic: new Uint8Array(0), sharedIncident: new Uint8Array(0), faultKind: [], deployment: [], n: 0 };
  const labels: number[] = [];
  const low: number[] = [];
  let unlabelled = 0;
  const deployments: ReplayJudgeInput['deployments'] = [];
  for (const dep of deps) {
    const ws = replayWindows(dep, intervalTicks, tickSeconds);
    let labelled = 0;
    let fail = 0;
    for (const { window, label } of ws) {
      if (label === null) {
        unlabelled++;
        continue;
      }
      labelled++;
      if (label === 'fail') fail++;
      w.windows.push(window);
      labels.push(label === 'fail' ? 1 : 0);
      low.push(window.canary.reduce((a, m) => a + (m ? m.requests : 0), 0) < LOW_TRAFFIC_REQUESTS ? 1 : 0);
      w.faultKind.push(null);
      w.deployment.push(dep.id);
    }
    deployments.push({ id: dep.id, startedAt: dep.startedAt, windows: ws.length, labelled, failWindows: fail });
  }
  w.n = labels.length;
  w.labels = Uint8Array.from(labels);
  w.lowTraffic = Uint8Array.from(low);
  // A replay file carries no truth about shared incidents: the slice stays empty.
  w.sharedIncident = new Uint8Array(w.n);
  return { file: path, format: data.format, sha256, rows: data.rows, intervalTicks, tickSeconds, order: byTime ? 'timestamp' : 'file', deployments, windows: w, unlabelledWindows: unlabelled };
}

// ---------------------------------------------------------------------------------------------------------------
// Output

const pct = (x: number | null) => (x === null ? '-' : `${(100 * x).toFixed(1)} %`);

/** Plain-text report: the judges' summary table, then (with `windows: true`) one line per window. */
export function formatReplay(report: ReplayReport, o: { windows?: boolean } = {}): string {
  const names = Object.keys(report.judges);
  const lines = [
    '',
    `Replay of ${report.file}: ${report.deployments} deployment(s), ${report.windows} window(s) of ${report.intervalTicks} ticks` +
      `${report.partialWindows > 0 ? ` (${report.partialWindows} partial)` : ''}, ${report.labelledWindows} labelled (${report.failWindows} fail)`,
    '',
  ];
  const head = ['judge', 'windows', 'pass', 'fail', 'inconcl.', 'accuracy', 'inconcl. rate', 'fail precision', 'fail recall'];
  const body = names.map((n) => {
    const s = report.judges[n];
    return [n, String(s.windows), String(s.verdicts.pass), String(s.verdicts.fail), String(s.verdicts.inconclusive), pct(s.accuracy), pct(s.inconclusiveRate), pct(s.failPrecision), pct(s.failRecall)];
  });
  lines.push(...table(head, body));
  lines.push('', '  accuracy counts an inconclusive verdict as wrong (docs/definitions.md#canary-verdict-accuracy-and-inconclusive-rate); "-" = not computable (no labels, or no such verdict).');
  if (o.windows) {
    lines.push('');
    const wHead = ['deployment', 'window', 'ticks', 'canary req', 'label', ...names];
    const wBody = report.rows.map((r) => [
      r.deploymentId,
      String(r.window),
      `${r.startTick}-${r.endTick - 1}${r.partial ? '*' : ''}`,
      String(r.canaryRequests),
      r.label ?? '-',
      ...names.map((n) => {
        const v = r.verdicts[n];
        return v.score === null ? v.verdict : `${v.verdict} (${v.score.toFixed(0)})`;
      }),
    ]);
    lines.push(...table(wHead, wBody));
    if (report.partialWindows > 0) lines.push('', '  * partial window (fewer ticks than the interval)');
  }
  for (const w of report.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

function table(head: string[], body: string[][]): string[] {
  const width = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const fmt = (r: string[]) => '  ' + r.map((x, c) => (c === 0 ? x.padEnd(width[c]) : x.padStart(width[c]))).join('  ');
  return [fmt(head), ...body.map(fmt)];
}

const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/** The per-window rows as CSV (one row per window; per judge: verdict, score, reasons joined with "; "). */
export function replayRowsCsv(report: ReplayReport): string {
  const names = Object.keys(report.judges);
  const head = ['deployment_id', 'service', 'window', 'start_tick', 'end_tick', 'partial', 'canary_ticks', 'baseline_ticks', 'canary_requests', 'canary_errors', 'baseline_requests', 'baseline_errors', 'provider_error_ticks', 'latency_objective_ms', 'label'];
  for (const n of names) head.push(`${n}_verdict`, `${n}_score`, `${n}_reasons`);
  const lines = [head.join(',')];
  for (const r of report.rows) {
    const cells = [r.deploymentId, r.service ?? '', r.window, r.startTick, r.endTick, r.partial, r.canaryTicks, r.baselineTicks, r.canaryRequests, r.canaryErrors, r.baselineRequests, r.baselineErrors, r.providerErrorTicks, r.latencyObjectiveMs ?? '', r.label ?? ''].map(String);
    for (const n of names) {
      const v = r.verdicts[n];
      cells.push(v.verdict, v.score === null ? '' : String(v.score), v.reasons.join('; '));
    }
    lines.push(cells.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}
