// `rolloutlab import prometheus`: past rollouts read from Prometheus's HTTP API (`/api/v1/query_range`) and written as
// the replay file that `rolloutlab backtest --replay` re-judges (backtest/replay.ts, docs/replay.md).
//
// The queries are the serve command's PromQL templates (server/metrics-source.ts: the same placeholders, the same
// checks), named by the replay file's columns. `{{ target }}` is the cohort: the canary workload, then the baseline
// workload, so the very templates `serve --prometheus-query` takes import the rollouts it judged.
//
// Fail closed, as the replay reader does: a step where a series has no value stays missing (a count without a value
// leaves out the cohort's row for that tick; a latency or KPI without one leaves its cell empty), never a 0. A value
// no metric can have (non-finite, negative, more errors than requests) stops the import with the query, cohort and
// time named, rather than be dropped or repaired: the file would otherwise judge evidence that was not recorded.
import { RolloutlabError, UsageError, show } from '../lib/errors.ts';
import { MAX_DEPLOYMENT_TICKS } from '../backtest/replay.ts';
import { queryRange, renderQuery, templateProblem, type PromQueryKey, type RangeSeries } from './metrics-source.ts';
import { strictDateTime } from './controls.ts';

/** The replay columns a query can fill, in the file's order; `alias` is the serve command's name for the same metric. */
export const IMPORT_METRICS = [
  { column: 'requests', alias: 'requests', required: true, kind: 'count', what: 'requests the cohort served in the step' },
  { column: 'errors', alias: 'errors', required: true, kind: 'count', what: 'of those, failed' },
  { column: 'latency_p50_ms', alias: 'latencyP50', required: false, kind: 'latency', what: 'median latency (ms)' },
  { column: 'latency_p99_ms', alias: 'latencyP99', required: false, kind: 'latency', what: 'p99 latency (ms)' },
  { column: 'kpi', alias: 'conversions', required: false, kind: 'number', what: 'business events (e.g. conversions) in the step' },
] as const satisfies readonly { column: string; alias: PromQueryKey; required: boolean; kind: 'count' | 'latency' | 'number'; what: string }[];
export type ImportColumn = (typeof IMPORT_METRICS)[number]['column'];

const byName = new Map<string, (typeof IMPORT_METRICS)[number]>(IMPORT_METRICS.flatMap((m) => [[m.column, m], [m.alias, m]] as const));
const knownNames = IMPORT_METRICS.map((m) => (m.alias === m.column ? m.column : `${m.column} (or ${m.alias})`)).join(', ');

/**
 * One `--query <name>=<PromQL template>`: the replay column it fills and the template, checked as serve checks its
 * templates. A UsageError naming --query when it is not one.
 */
export function parseImportQuery(spec: string): { column: ImportColumn; template: string } {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new UsageError(`--query: must be <name>=<PromQL template>, e.g. requests='sum(increase(http_requests_total{pod=~"{{ target }}-.*"}[{{ interval }}]))' (got ${show(spec)})`, 'query');
  const name = spec.slice(0, eq).trim();
  const metric = byName.get(name);
  if (!metric) throw new UsageError(`--query: unknown name ${show(name)}: the replay file has no such column (known: ${knownNames})`, 'query');
  const template = spec.slice(eq + 1);
  const problem = templateProblem(metric.column, template);
  if (problem) throw new UsageError(`--query: ${problem}`, 'query');
  return { column: metric.column, template };
}

/** The templates by column from every `--query`; requests and errors are required, and a name is given once. */
export function importQueries(specs: readonly string[]): Partial<Record<ImportColumn, string>> {
  const out: Partial<Record<ImportColumn, string>> = {};
  for (const spec of specs) {
    const { column, template } = parseImportQuery(spec);
    if (out[column] !== undefined) throw new UsageError(`--query: ${column} is given twice`, 'query');
    out[column] = template;
  }
  const missing = IMPORT_METRICS.filter((m) => m.required && out[m.column] === undefined).map((m) => m.column);
  if (missing.length) throw new UsageError(`--query: ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required (the replay file's required columns; give --query ${missing[0]}=<PromQL template>)`, 'query');
  return out;
}

/** A time of `--from` / `--to`: RFC 3339 with its offset (2026-11-03T14:00:00Z) or unix seconds (1793714400), as unix seconds. */
export function parseImportTime(flag: string, v: string): number {
  const s = v.trim();
  if (/^\d{1,12}(\.\d{1,3})?$/.test(s)) return Number(s);
  const ms = strictDateTime(s);
  if (ms === null || ms < 0) throw new UsageError(`${flag}: ${show(v)} is not a time: give RFC 3339 with its offset (2026-11-03T14:00:00Z) or unix seconds (1793714400)`, flag.replace(/^--/, ''));
  return ms / 1000;
}

/** `--step`: seconds (60) or a Prometheus duration in whole seconds, minutes or hours (30s, 1m, 2h). */
export function parseStep(v: string): number {
  const m = /^(\d+)(s|m|h)?$/.exec(v.trim());
  const n = m ? Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1) : NaN;
  if (!(n >= 1 && n <= 86_400)) throw new UsageError(`--step: ${show(v)} is not a step: give whole seconds from 1 to 86400 (60) or a duration (30s, 1m, 1h)`, 'step');
  return n;
}

/** `--url`: an http(s) URL, without its trailing slashes. */
export function parsePromUrl(v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new UsageError(`--url: ${show(v)} is not a URL (e.g. http://prometheus:9090)`, 'url');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url: ${show(v)} is not an http or https URL`, 'url');
  if (u.search || u.hash) throw new UsageError(`--url: ${show(v)} has a query or fragment: give Prometheus's base URL (e.g. http://prometheus:9090)`, 'url');
  return v.replace(/\/+$/, '');
}

export interface ImportDeployment {
  id: string;
  /** Unix seconds; tick 0 is `fromS`, tick i is `fromS + i × step`, up to `toS`. */
  fromS: number;
  toS: number;
}

/** Checks a deployment's range (from before to, at most MAX_DEPLOYMENT_TICKS steps); `flag` is the flag to name. */
export function checkRange(d: ImportDeployment, stepS: number, flag: string): ImportDeployment {
  const field = flag.split(' ')[0].replace(/^--/, '');
  if (d.fromS > d.toS) throw new UsageError(`${flag}: the start (${iso(d.fromS)}) is after the end (${iso(d.toS)})`, field);
  const ticks = Math.floor((d.toS - d.fromS) / stepS) + 1;
  if (ticks > MAX_DEPLOYMENT_TICKS) throw new UsageError(`${flag}: ${ticks} steps of ${stepS} s from ${iso(d.fromS)} to ${iso(d.toS)}: at most ${MAX_DEPLOYMENT_TICKS} per deployment (the replay file's limit)`, field);
  return d;
}

/**
 * A repeated `--deployment <id>=<from>..<to>` (times as for --from): one deployment of several in a call. A plain
 * `<id>` (no "=") is not one; the caller takes --from / --to for it.
 */
export function parseDeploymentRange(spec: string, stepS: number): ImportDeployment {
  const eq = spec.indexOf('=');
  const dots = spec.indexOf('..', eq + 1);
  if (eq <= 0 || dots < 0) throw new UsageError(`--deployment: ${show(spec)} must be <id>=<from>..<to> (e.g. checkout-7f3a=2026-11-03T14:00:00Z..2026-11-03T14:30:00Z), or a plain <id> with --from and --to`, 'deployment');
  const id = spec.slice(0, eq).trim();
  const time = (v: string) => {
    try {
      return parseImportTime('--deployment', v);
    } catch (e) {
      throw new UsageError(`--deployment ${id}: ${(e as Error).message.replace(/^--deployment: /, '')}`, 'deployment');
    }
  };
  return checkRange({ id, fromS: time(spec.slice(eq + 1, dots)), toS: time(spec.slice(dots + 2)) }, stepS, `--deployment ${id}`);
}

export interface PromImportOptions {
  /** Prometheus base URL (parsePromUrl). */
  url: string;
  /** PromQL templates by replay column (importQueries); requests and errors are required. */
  queries: Partial<Record<ImportColumn, string>>;
  /** What `{{ target }}` is for each cohort: the canary's and the baseline's workload (or label value). */
  canary: string;
  baseline: string;
  /** `{{ namespace }}` (default "default"). */
  namespace?: string;
  /** Seconds between ticks (default 60); `{{ interval }}` is the step as a duration (1m, 30s). */
  stepS?: number;
  deployments: ImportDeployment[];
  /** The `service` column (default: the canary). */
  service?: string;
  /** The `latency_objective_ms` column, when given. */
  latencyObjectiveMs?: number;
  /** Per query_range request (default 30,000 ms). */
  timeoutMs?: number;
  /** Steps asked for in one request (default 10,000: Prometheus answers at most 11,000 points per series). */
  stepsPerRequest?: number;
  headers?: Record<string, string>;
}

export interface PromImportSummary {
  url: string;
  stepSeconds: number;
  /** Data rows of the file (one per deployment, tick and cohort with a sample). */
  rows: number;
  deployments: { id: string; from: string; to: string; ticks: number; canaryRows: number; baselineRows: number }[];
  /** The workloads `{{ target }}` was filled with. */
  cohorts: { canary: string; baseline: string };
  /** Series read: queries × cohorts × deployments. */
  series: number;
  /** The replay columns written, in order. */
  columns: string[];
  /** Per metric column and cohort: steps without a value, over all deployments. */
  gaps: Record<string, { canary: number; baseline: number }>;
  /** Per cohort: ticks whose row is left out because requests or errors had no value (a missing sample). */
  missingRows: { canary: number; baseline: number };
}

export interface PromImportResult {
  csv: string;
  summary: PromImportSummary;
}

/** Prometheus answers at most 11,000 points per series; ask in chunks below that. */
const CHUNK_STEPS = 10_000;
const MAX_COUNT = 2 ** 31 - 1; // the replay reader's largest integer

const iso = (s: number) => new Date(s * 1000).toISOString();
const durationOf = (stepS: number) => (stepS % 3600 === 0 ? `${stepS / 3600}h` : stepS % 60 === 0 ? `${stepS / 60}m` : `${stepS}s`);
const csvField = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

const SPECIAL = new Map([['NaN', NaN], ['+Inf', Infinity], ['-Inf', -Infinity]]);
/** A value as Prometheus writes it. */
const promText = (x: number) => (Number.isNaN(x) ? 'NaN' : x === Infinity ? '+Inf' : x === -Infinity ? '-Inf' : String(x));

type Cohort = 'canary' | 'baseline';
/** Per tick: the value, NaN as Prometheus sent it, or undefined (no value). */
type Values = (number | undefined)[];

/**
 * Reads every deployment's cohorts from Prometheus and renders the replay CSV. Throws RolloutlabError: IO naming
 * `url` when Prometheus cannot be asked, BAD_DATA naming `query` for an answer the file cannot hold.
 */
export async function importPrometheus(o: PromImportOptions): Promise<PromImportResult> {
  const stepS = o.stepS ?? 60;
  const namespace = o.namespace ?? 'default';
  const service = o.service ?? o.canary;
  const metrics = IMPORT_METRICS.filter((m) => o.queries[m.column] !== undefined);
  for (const m of IMPORT_METRICS) if (m.required && o.queries[m.column] === undefined) throw new UsageError(`--query: ${m.column} is required`, 'query');
  if (o.canary === o.baseline) throw new UsageError(`--baseline: the canary and the baseline are both ${show(o.canary)}: they would read the same series`, 'baseline');
  const gaps = Object.fromEntries(metrics.map((m) => [m.column, { canary: 0, baseline: 0 }]));
  const missingRows = { canary: 0, baseline: 0 };
  const columns = ['deployment_id', 'service', 'timestamp', 'tick', 'cohort', ...metrics.map((m) => m.column), ...(o.latencyObjectiveMs !== undefined ? ['latency_objective_ms'] : [])];
  const lines = [columns.join(',')];
  const deployments: PromImportSummary['deployments'] = [];

  for (const d of o.deployments) {
    const ticks = Math.floor((d.toS - d.fromS) / stepS) + 1;
    const read = async (cohort: Cohort, column: ImportColumn): Promise<Values> => {
      const vars = { target: o[cohort], namespace, interval: durationOf(stepS) };
      const query = renderQuery(o.queries[column]!, vars);
      const values: Values = new Array(ticks).fill(undefined);
      const chunk = o.stepsPerRequest ?? CHUNK_STEPS;
      for (let a = 0; a < ticks; a += chunk) {
        const b = Math.min(ticks, a + chunk) - 1;
        const answer = await queryRange(o.url, query, d.fromS + a * stepS, d.fromS + b * stepS, stepS, { timeoutMs: o.timeoutMs ?? 30_000, headers: o.headers });
        if (typeof answer === 'string') {
          // Cannot reach Prometheus: the URL's fault, not the query's. Anything Prometheus answered is about the query.
          if (/^unreachable|^no answer within/.test(answer)) throw new RolloutlabError('IO', `--url: Prometheus at ${o.url} ${answer.startsWith('no answer') ? `gave ${answer}` : `is ${answer}`} (${column} query for the ${cohort})`, 'url');
          throw new RolloutlabError('BAD_DATA', `--query ${column}: Prometheus at ${o.url} answered ${answer} for the ${cohort} (query: ${query})`, 'query');
        }
        fill(values, answer, { column, cohort, query, fromS: d.fromS, stepS, first: a, last: b, id: d.id });
      }
      return values;
    };
    const got = await Promise.all((['canary', 'baseline'] as const).flatMap((cohort) => metrics.map(async (m) => [cohort, m.column, await read(cohort, m.column)] as const)));
    const v = (cohort: Cohort, column: ImportColumn) => got.find(([c, k]) => c === cohort && k === column)![2];

    const rows = { canary: 0, baseline: 0 };
    const cohortLines: string[][] = Array.from({ length: ticks }, () => []);
    // A count query that never answers is a template that cannot be right (a workload Prometheus does not know, or an
    // error count without "or … * 0" over a cohort that never failed): the cohort would have no rows at all.
    for (const cohort of ['canary', 'baseline'] as const) {
      for (const column of ['requests', 'errors'] as const) {
        if (v(cohort, column).every((x) => x === undefined)) {
          throw new RolloutlabError('BAD_DATA', `--query ${column}: Prometheus at ${o.url} has no ${cohort} (${o[cohort]}) value for deployment ${show(d.id)} from ${iso(d.fromS)} to ${iso(d.toS)}${column === 'errors' ? ' (a count query must answer 0, not nothing, when there were none: add "or (<the requests query> * 0)")' : ''} (query: ${renderQuery(o.queries[column]!, { target: o[cohort], namespace, interval: durationOf(stepS) })})`, 'query');
        }
      }
    }
    // Rows in the file's order: per tick, the baseline's then the canary's.
    for (const cohort of ['baseline', 'canary'] as const) {
      for (const m of metrics) gaps[m.column][cohort] += v(cohort, m.column).filter((x) => x === undefined).length;
      for (let i = 0; i < ticks; i++) {
        const at = (column: ImportColumn) => v(cohort, column)[i];
        const where = () => `the ${cohort} (${o[cohort]}) at ${iso(d.fromS + i * stepS)} (deployment ${show(d.id)}, tick ${i})`;
        const r = at('requests');
        const e = at('errors');
        if (r === undefined || e === undefined) {
          missingRows[cohort]++;
          continue;
        }
        const req = count('requests', r, where);
        const err = count('errors', e, where);
        if (err > req) throw new RolloutlabError('BAD_DATA', `--query errors: ${err} errors but ${req} requests for ${where()}: the error count cannot exceed the requests (do both queries count the same requests?)`, 'query');
        const cells = [d.id, service, iso(d.fromS + i * stepS), String(i), cohort];
        for (const m of metrics) {
          if (m.kind === 'count') cells.push(String(m.column === 'requests' ? req : err));
          else {
            const text = cell(m.column, m.kind, at(m.column), req, where);
            if (text === '' && at(m.column) !== undefined) gaps[m.column][cohort]++; // a quantile of no requests
            cells.push(text);
          }
        }
        if (o.latencyObjectiveMs !== undefined) cells.push(String(o.latencyObjectiveMs));
        cohortLines[i].push(cells.map(csvField).join(','));
        rows[cohort]++;
      }
    }
    for (const ls of cohortLines) lines.push(...ls);
    deployments.push({ id: d.id, from: iso(d.fromS), to: iso(d.fromS + (ticks - 1) * stepS), ticks, canaryRows: rows.canary, baselineRows: rows.baseline });
  }
  const rowCount = lines.length - 1;
  if (rowCount === 0) throw new RolloutlabError('BAD_DATA', `--query requests: Prometheus at ${o.url} answered no step with both requests and errors for any deployment: nothing to write`, 'query');
  return {
    csv: lines.join('\n') + '\n',
    summary: { url: o.url, stepSeconds: stepS, rows: rowCount, deployments, cohorts: { canary: o.canary, baseline: o.baseline }, series: metrics.length * 2 * o.deployments.length, columns, gaps, missingRows },
  };
}

/** Puts one answer's values at their ticks; more than one series is a template that does not aggregate. */
function fill(values: Values, answer: RangeSeries[], c: { column: string; cohort: Cohort; query: string; fromS: number; stepS: number; first: number; last: number; id: string }): void {
  if (answer.length > 1) {
    const labels = answer.slice(0, 3).map((s) => `{${Object.entries(s.metric ?? {}).map(([k, x]) => `${k}="${x}"`).join(',')}}`);
    throw new RolloutlabError('BAD_DATA', `--query ${c.column}: answered ${answer.length} series for the ${c.cohort} (${labels.join(', ')}${answer.length > 3 ? ', …' : ''}), one is needed: aggregate them, e.g. sum(…) (query: ${c.query})`, 'query');
  }
  for (const pair of answer[0]?.values ?? []) {
    const t = Number(pair?.[0]);
    const i = Math.round((t - c.fromS) / c.stepS);
    if (!Array.isArray(pair) || pair.length !== 2 || Math.abs(t - (c.fromS + i * c.stepS)) > 1e-3 || i < c.first || i > c.last) {
      throw new RolloutlabError('BAD_DATA', `--query ${c.column}: Prometheus answered a point ${show(pair)} off the ${c.stepS} s steps from ${iso(c.fromS)} for the ${c.cohort} (query: ${c.query})`, 'query');
    }
    const x = String(pair[1]);
    // Prometheus writes NaN and ±Inf as "NaN", "+Inf", "-Inf" (Number() reads only the first).
    values[i] = SPECIAL.get(x) ?? Number(x);
    if (x.trim() === '' || (x !== 'NaN' && Number.isNaN(values[i]))) throw new RolloutlabError('BAD_DATA', `--query ${c.column}: Prometheus answered ${show(x)}, not a number, for the ${c.cohort} at ${iso(t)} (query: ${c.query})`, 'query');
  }
}

/** A count as the replay file's integer: finite, not negative, rounded (increase() extrapolates, so answers fractions). */
function count(column: 'requests' | 'errors', x: number, where: () => string): number {
  if (!Number.isFinite(x)) throw new RolloutlabError('BAD_DATA', `--query ${column}: Prometheus answered ${promText(x)} for ${where()}: a count must be a finite number`, 'query');
  if (x < 0) throw new RolloutlabError('BAD_DATA', `--query ${column}: Prometheus answered ${x} for ${where()}: a count cannot be negative`, 'query');
  const n = Math.round(x);
  if (n > MAX_COUNT) throw new RolloutlabError('BAD_DATA', `--query ${column}: Prometheus answered ${x} for ${where()}: above ${MAX_COUNT}, the replay file's largest count`, 'query');
  return n;
}

/**
 * A latency or KPI cell: its value as JavaScript prints it (reads back as the same number), or empty when there is
 * none. A quantile of a step without requests is NaN in Prometheus (0 / 0): there is no latency then, so the cell is
 * empty. Every other NaN, an infinity or a negative value stops the import.
 */
function cell(column: string, kind: 'latency' | 'number', x: number | undefined, requests: number, where: () => string): string {
  if (x === undefined) return '';
  if (Number.isNaN(x) && kind === 'latency' && requests === 0) return '';
  if (!Number.isFinite(x)) throw new RolloutlabError('BAD_DATA', `--query ${column}: Prometheus answered ${promText(x)} for ${where()}${kind === 'latency' ? ` with ${requests} requests` : ''}: the value must be a finite number`, 'query');
  if (x < 0) throw new RolloutlabError('BAD_DATA', `--query ${column}: Prometheus answered ${x} for ${where()}: the value cannot be negative`, 'query');
  return String(x);
}
