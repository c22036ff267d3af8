// Where the extension routes read metric values from. Argo's and Flagger's calls carry no metric values,
// so the server reads the canary's and the primary's last minutes from a metrics source: by default Prometheus's HTTP
// query API (`/api/v1/query_range`), with one PromQL template per metric and Flagger's naming (canary workload
// `<name>`, primary `<name>-primary`).
//
// Contract: `window()` never throws. When the source is down, errs, times out or has no series for the target it
// answers `{unavailable: <why>}`, and every route maps that to "inconclusive / hold" (never "promote").
//
// A minute is a sample only when every count the source reads (requests, errors, and slow / conversions when their
// queries are configured) has a value for it; a count without a value is unknown, not 0, so that minute is missing
// (null). Latencies without a value are null. `notes` says which series were missing; the judges' evidence rule
// (judges/evidence.ts) then decides whether enough minutes are left to judge.
import type { CohortMetrics } from '../sim/env.ts';
import { MAX_LATENCY_MS, MAX_MINUTE_COUNT } from './common-schemas.ts';

export interface MetricsTarget {
  /** The canary workload (Flagger's target name, Argo's rollout name). */
  name: string;
  namespace?: string;
}

export interface MetricsWindow {
  /** Per minute, oldest first; null = no sample that minute. */
  canary: (CohortMetrics | null)[];
  baseline: (CohortMetrics | null)[];
  /** Whether conversions were read at all (false: 0 on both sides, and the judges leave the KPI out). */
  kpi: boolean;
  /** Whether the `slow` counts were read at all (false: 0 on both sides). */
  slow: boolean;
  /** Series that had no value for some minutes (those minutes are missing, or their latency null), in words. */
  notes?: string[];
}

export type MetricsResult = MetricsWindow | { unavailable: string };

export interface MetricsSource {
  /** The last `minutes` whole minutes of the canary and its baseline (the primary). */
  window(target: MetricsTarget, minutes: number): Promise<MetricsResult>;
}

export const isUnavailable = (r: MetricsResult): r is { unavailable: string } => 'unavailable' in r;

/**
 * PromQL templates, one per metric, each answering one value per minute for one workload. Placeholders (Flagger's
 * syntax): `{{ target }}` the workload (`<name>` or `<name>-primary`), `{{ namespace }}`, `{{ interval }}` the step
 * (`1m`). Latencies are in milliseconds. A count query must answer 0, not nothing, for a minute without such events
 * (a minute where a count has no value is missing).
 */
export interface PromQueries {
  requests: string;
  errors: string;
  latencyP50: string;
  latencyP99: string;
  /** Requests slower than the latency objective (optional: 0 on both sides when absent). */
  slow?: string;
  /** Business conversions (optional: the KPI is left out when absent). */
  conversions?: string;
}

const sel = 'reporter="destination",destination_workload_namespace="{{ namespace }}",destination_workload="{{ target }}"';

/** Istio's standard metrics, as Flagger's built-in istio checks read them. */
export const DEFAULT_PROM_QUERIES: PromQueries = {
  requests: `sum(increase(istio_requests_total{${sel}}[{{ interval }}]))`,
  // Istio creates the 5xx series at the first 5xx: before that the error query has no series, so "or the requests × 0"
  // answers 0 errors for the minutes with requests (and nothing, i.e. unknown, for the others).
  errors: `sum(increase(istio_requests_total{${sel},response_code=~"5.*"}[{{ interval }}])) or (sum(increase(istio_requests_total{${sel}}[{{ interval }}])) * 0)`,
  latencyP50: `histogram_quantile(0.5, sum(rate(istio_request_duration_milliseconds_bucket{${sel}}[{{ interval }}])) by (le))`,
  latencyP99: `histogram_quantile(0.99, sum(rate(istio_request_duration_milliseconds_bucket{${sel}}[{{ interval }}])) by (le))`,
};

/** The metric keys a query can be given for, in order. */
export const PROM_QUERY_KEYS = ['requests', 'errors', 'latencyP50', 'latencyP99', 'slow', 'conversions'] as const satisfies readonly (keyof PromQueries)[];
export type PromQueryKey = (typeof PROM_QUERY_KEYS)[number];
/** The placeholders a query template may use. */
export const PROM_PLACEHOLDERS = ['target', 'namespace', 'interval'] as const;

const isQueryKey = (k: string): k is PromQueryKey => (PROM_QUERY_KEYS as readonly string[]).includes(k);
const unknownMetric = (k: string) => `unknown metric "${k}" (known: ${PROM_QUERY_KEYS.join(', ')})`;

/**
 * What is wrong with one query template, or null when it is usable: an unknown metric key, an empty template, a
 * placeholder other than {{ target }} / {{ namespace }} / {{ interval }}, unbalanced braces, or no {{ target }} at all
 * (the canary and the primary would then read the same series and always look alike).
 */
export function queryTemplateProblem(key: string, template: string): string | null {
  if (!isQueryKey(key)) return unknownMetric(key);
  return templateProblem(key, template);
}

/**
 * What is wrong with a template for the metric called `key`, or null (the checks of queryTemplateProblem after the
 * metric key; `rolloutlab import prometheus` names its metrics by the replay file's columns).
 */
export function templateProblem(key: string, template: string): string | null {
  if (template.trim() === '') return `the ${key} template is empty`;
  const used = [...template.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1]);
  const unknown = used.filter((u) => !(PROM_PLACEHOLDERS as readonly string[]).includes(u));
  if (unknown.length) return `the ${key} template uses unknown placeholder ${unknown.map((u) => `{{ ${u} }}`).join(', ')} (known: ${PROM_PLACEHOLDERS.map((p) => `{{ ${p} }}`).join(', ')})`;
  const rest = template.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, '');
  if (rest.includes('{{') || rest.includes('}}')) return `the ${key} template has an unbalanced "{{" or "}}" (placeholders are written {{ target }})`;
  if (!used.includes('target')) return `the ${key} template does not use {{ target }}: the canary and the primary would read the same series`;
  return null;
}

/** Checks a set of templates (e.g. from a file or flags); returns them typed, or the first problem as a string. */
export function checkQueries(q: Record<string, unknown>): Partial<PromQueries> | string {
  const out: Partial<PromQueries> = {};
  for (const [k, v] of Object.entries(q)) {
    if (typeof v !== 'string') return isQueryKey(k) ? `the ${k} template must be a string (got ${v === null ? 'null' : typeof v})` : unknownMetric(k);
    const problem = queryTemplateProblem(k, v);
    if (problem) return problem;
    out[k as PromQueryKey] = v;
  }
  return out;
}

export interface PrometheusOptions {
  /** Prometheus base URL, e.g. http://prometheus:9090 */
  url: string;
  queries?: Partial<PromQueries>;
  /** Primary (baseline) workload from the canary's name (default Flagger's `<name>-primary`). */
  primaryName?: (name: string) => string;
  /** Namespace when the request gives none (default "default"). */
  defaultNamespace?: string;
  /** Per query (default 5,000 ms). */
  timeoutMs?: number;
  /** The clock (tests). */
  now?: () => Date;
  /** Extra request headers (e.g. authorization). */
  headers?: Record<string, string>;
}

const STEP_S = 60;

interface QueryRangeResponse {
  status?: string;
  error?: string;
  data?: { resultType?: string; result?: { metric?: Record<string, string>; values?: [number, string][] }[] };
}

/** Fills Flagger-style placeholders; values are escaped for a PromQL string literal. */
export function renderQuery(template: string, vars: Record<string, string>): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, k: string) => (k in vars ? vars[k].replace(/\\/g, '\\\\').replace(/"/g, '\\"') : whole));
}

type Series = Map<number, number>; // minute index → value

export class PrometheusSource implements MetricsSource {
  readonly queries: PromQueries;
  private readonly base: string;

  constructor(private readonly opts: PrometheusOptions) {
    this.queries = { ...DEFAULT_PROM_QUERIES, ...opts.queries };
    this.base = opts.url.replace(/\/+$/, '');
  }

  async window(target: MetricsTarget, minutes: number): Promise<MetricsResult> {
    const ns = target.namespace ?? this.opts.defaultNamespace ?? 'default';
    const primary = (this.opts.primaryName ?? ((n: string) => `${n}-primary`))(target.name);
    // The last `minutes` whole minutes: the range ends at the last minute boundary.
    const endS = Math.floor((this.opts.now ?? (() => new Date()))().getTime() / 1000 / STEP_S) * STEP_S;
    const startS = endS - (minutes - 1) * STEP_S;
    try {
      const [canary, baseline] = await Promise.all([this.cohort(target.name, ns, startS, endS, minutes), this.cohort(primary, ns, startS, endS, minutes)]);
      if (typeof canary === 'string') return { unavailable: canary };
      if (typeof baseline === 'string') return { unavailable: baseline };
      const notes = [...canary.notes, ...baseline.notes];
      return { canary: canary.minutes, baseline: baseline.minutes, kpi: this.queries.conversions !== undefined, slow: this.queries.slow !== undefined, ...(notes.length ? { notes } : {}) };
    } catch (e) {
      return { unavailable: `Prometheus at ${this.base}: ${(e as Error).message}` };
    }
  }

  /** One workload's minutes and what was missing from them, or why there are none (a string). */
  private async cohort(workload: string, namespace: string, startS: number, endS: number, minutes: number): Promise<{ minutes: (CohortMetrics | null)[]; notes: string[] } | string> {
    const vars = { target: workload, namespace, interval: `${STEP_S / 60}m` };
    const names = PROM_QUERY_KEYS;
    const got = await Promise.all(names.map((k) => (this.queries[k] === undefined ? Promise.resolve(null) : this.range(renderQuery(this.queries[k]!, vars), startS, endS, k.startsWith('latency') ? 'max' : 'sum'))));
    const s = Object.fromEntries(names.map((k, i) => [k, got[i]])) as Record<(typeof names)[number], Series | string | null>;
    for (const k of names) {
      const v = s[k];
      if (typeof v === 'string') return `Prometheus at ${this.base}: ${k} query for ${namespace}/${workload} failed: ${v}`;
    }
    const req = s.requests as Series;
    if (req.size === 0) return `Prometheus at ${this.base} has no ${'requests'} series for ${namespace}/${workload} in the last ${minutes} min (query: ${renderQuery(this.queries.requests, vars)})`;
    const at = (x: Series | string | null, i: number) => (x instanceof Map ? x.get(i) : undefined);
    // Counts read (slow and conversions only when configured): a minute needs a value for each.
    const counts = (['errors', 'slow', 'conversions'] as const).filter((k) => s[k] instanceof Map);
    const missing = new Map<string, number>();
    const miss = (k: string) => missing.set(k, (missing.get(k) ?? 0) + 1);
    const out: (CohortMetrics | null)[] = [];
    for (let i = 0; i < minutes; i++) {
      const requests = at(s.requests, i);
      if (requests === undefined || !Number.isFinite(requests)) {
        out.push(null);
        continue;
      }
      const lost = counts.filter((k) => at(s[k], i) === undefined);
      if (lost.length) {
        lost.forEach(miss);
        out.push(null);
        continue;
      }
      // A value no service has (above the per-minute count or latency bound the routes enforce) is no evidence: the
      // minute is missing, as it would be a 400 in a request body.
      const absurd: string[] = [
        ...(['requests', ...counts] as const).filter((k) => (at(s[k], i) ?? 0) > MAX_MINUTE_COUNT),
        ...(['latencyP50', 'latencyP99'] as const).filter((k) => (at(s[k], i) ?? 0) > MAX_LATENCY_MS),
      ];
      if (absurd.length) {
        absurd.forEach((k) => miss(`possible ${k}`));
        out.push(null);
        continue;
      }
      const r = Math.max(0, requests);
      const clamp = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? 0 : Math.min(r, Math.max(0, v)));
      const ms = (v: number | undefined) => (v === undefined || !Number.isFinite(v) || v < 0 ? null : v);
      const p50 = ms(at(s.latencyP50, i));
      const p99 = ms(at(s.latencyP99, i));
      if (r > 0 && p50 === null) miss('latencyP50');
      if (r > 0 && p99 === null) miss('latencyP99');
      out.push({
        requests: r,
        errors: clamp(at(s.errors, i)),
        slow: clamp(at(s.slow, i)),
        latencyP50: p50,
        latencyP95: null,
        latencyP99: p99,
        cpu: 0,
        memory: 0,
        pool: 0,
        conversions: clamp(at(s.conversions, i)),
        callerRequests: 0,
        callerErrors: 0,
      });
    }
    const notes = [...missing].map(([k, n]) => `${namespace}/${workload}: no ${k} value in ${n} of ${minutes} minute(s)${k.startsWith('latency') ? ' with requests' : ' with requests (those minutes are missing)'}`);
    return { minutes: out, notes };
  }

  /** One query_range: by minute index, the values summed (counts) or the largest (latencies) over the answered series; a string says why it failed. */
  private async range(query: string, startS: number, endS: number, agg: 'sum' | 'max'): Promise<Series | string> {
    const answer = await queryRange(this.base, query, startS, endS, STEP_S, { timeoutMs: this.opts.timeoutMs ?? 5000, headers: this.opts.headers });
    if (typeof answer === 'string') return answer;
    const out: Series = new Map();
    for (const series of answer) {
      for (const pair of series.values ?? []) {
        if (!Array.isArray(pair) || pair.length !== 2) continue;
        const i = Math.round((Number(pair[0]) - startS) / STEP_S);
        const v = Number(pair[1]); // "NaN" → NaN: no sample
        if (!Number.isInteger(i) || i < 0 || !Number.isFinite(v)) continue;
        const prev = out.get(i);
        out.set(i, prev === undefined ? v : agg === 'sum' ? prev + v : Math.max(prev, v));
      }
    }
    return out;
  }
}

/** One series of a query_range answer: its labels and its [unix seconds, value as text] pairs. */
export interface RangeSeries {
  metric?: Record<string, string>;
  values?: [number, string][];
}

/**
 * Prometheus's `/api/v1/query_range` for one query: the answered series as they come, or a string saying why there are
 * none (unreachable, no answer in time, an HTTP error with Prometheus's message, an answer that is not a matrix). The
 * server's metrics source and `rolloutlab import prometheus` both ask through it.
 */
export async function queryRange(base: string, query: string, startS: number, endS: number, stepS: number, o: { timeoutMs: number; headers?: Record<string, string> }): Promise<RangeSeries[] | string> {
  const url = `${base}/api/v1/query_range?${new URLSearchParams({ query, start: String(startS), end: String(endS), step: `${stepS}s` })}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...o.headers }, signal: AbortSignal.timeout(o.timeoutMs) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    return err.name === 'TimeoutError' ? `no answer within ${o.timeoutMs} ms` : `unreachable (${err.cause?.code ?? err.cause?.message ?? err.message})`;
  }
  let body: QueryRangeResponse;
  try {
    body = (await res.json()) as QueryRangeResponse;
  } catch {
    return `HTTP ${res.status} with a body that is not JSON`;
  }
  if (!res.ok || body.status !== 'success') return `HTTP ${res.status}${body.error ? `: ${body.error}` : ''}`;
  if (body.data?.resultType !== 'matrix' || !Array.isArray(body.data.result)) return `unexpected answer (resultType ${String(body.data?.resultType)}, expected matrix)`;
  return body.data.result;
}

/** The source used when none is configured: always unavailable, saying how to configure one. */
export const NO_METRICS_SOURCE: MetricsSource = {
  window: async () => ({ unavailable: 'no metrics source is configured (start the server with --prometheus <url>)' }),
};
