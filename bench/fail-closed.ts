// Fail-closed bench (`rolloutlab bench failclosed`): replays, against a running server, the ways a deploy gate can
// answer "go" on missing, partial, non-finite or impossible evidence, and fuzzes every decision route with seeded
// mutations of valid bodies. Figures, not pass/fail: the command exits 0 whatever it finds (docs/benchmarks.md).
//
// The server is the real one (server/app.ts buildApp, listening on a loopback port) with its Argo / Flagger metrics
// read by the real Prometheus client from a fake Prometheus (bench/fake-prometheus.ts), every request a real HTTP
// request. Operations cases (shutdown, port in use, a locked feedback file, open writes) run `rolloutlab serve` as a
// child process. Every expectation is the public contract, not an internal detail:
// - Argo: `$.result.verdict` is not "pass" (inconclusive or fail);
// - Flagger rollout / confirm hooks: a status above 202 (a failed check or "wait"); 2xx is a go;
// - Kayenta: the summary classification is not Pass;
// - canary verdict: not "pass"; rollout decision: not "advance"; risk: a 4xx naming the field;
// - rollout plan and Argo's pre-deploy gate: the risk gate not "pass" (features missing, impossible constraints);
// - or, everywhere, a 4xx naming the field, or a 503 saying why there is no answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FastifyInstance } from 'fastify';
import { Rng } from '../lib/rng.ts';
import { buildApp } from '../server/app.ts';
import { PrometheusSource } from '../server/metrics-source.ts';
import { defaultModelsRoot } from '../training/registry.ts';
import { parseFailedStep } from '../datasets/failed-step.ts';
import { checkRollbackRequest } from '../policies/rollback-plan/index.ts';
import { TIME_FEATURES } from '../training/deploy-window/recommend.ts';
import {
  AnomalyBodySchema,
  ArgoBodySchema,
  ArgoGateBodySchema,
  DecisionBodySchema,
  FlaggerPayloadSchema,
  KayentaJudgeBodySchema,
  RetryBodySchema,
  RollbackRequestSchema,
  RiskBodySchema,
  RolloutPlanBodySchema,
  ScheduleBodySchema,
  VerdictBodySchema,
  WindowsBodySchema,
} from '../server/schemas.ts';
import { FAKE_PROM_QUERIES, startFakePrometheus, type FakePrometheus, type PromRow } from './fake-prometheus.ts';
import { mutate, pathText, schemaProblem, IMPOSSIBLE, type Json, type Mutant, type Path, type RouteMutations } from './fuzz-bodies.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(REPO, 'bin', 'rolloutlab.mjs');
/** Kayenta's RemoteJudge request with made-up values: a healthy latency metric and a critical error metric 10x higher in the experiment. */
const KAYENTA_FIXTURE = join(REPO, 'test', 'fixtures', 'extensions', 'kayenta-judge-request.json');

/** The clock of the server's deploy-window gates and of the metrics source: a Wednesday, 10:30 UTC. */
const NOW = new Date('2024-03-06T10:30:00Z');

// Thresholds of the operations cases.
/** A liveness probe's default timeout (Kubernetes: 1 s). */
export const HEALTHZ_MAX_MS = 1000;
/** Verdict p99 while the heavy route is loaded. */
export const VERDICT_P99_LOADED_MS = 500;
/** Memory kept after `events` Flagger events of about 1 MB each (after garbage collection). */
export const EVENTS_RETAINED_MAX_MB = 64;
/** Kubernetes sends SIGKILL 30 s after SIGTERM by default; drain well within it. */
export const SHUTDOWN_MAX_S = 5;

/** What each case is about, in report order. */
export const GROUPS = ['outlier baseline', 'partial series', 'critical metric', 'non-finite', 'typos', 'monotone', 'risk inputs', 'heavy route', 'event memory', 'shutdown', 'registry files', 'open writes', 'start-up errors', 'first contact'] as const;
export type Group = (typeof GROUPS)[number];

export type CaseStatus = 'ok' | 'FAIL-OPEN' | 'MISSED' | '5xx' | 'error' | 'skipped';
export interface CaseResult {
  /** What the case is about (GROUPS; docs/benchmarks.md). */
  group: Group;
  name: string;
  /** decision: a go on bad evidence is FAIL-OPEN; operations: a missed bound is MISSED. */
  kind: 'decision' | 'operations';
  expected: string;
  got: string;
  status: CaseStatus;
}

export interface FuzzRouteFigures {
  route: string;
  requests: number;
  /** Mutants the oracle classed invalid (reject) or without the evidence a go needs (missing). */
  invalidOrMissing: number;
  fiveXX: number;
  failOpen: number;
  fourXX: number;
  fourXXWithoutField: number;
  /** Risk answers (200) whose reasons cite a feature that was not sent. */
  imputedReasons: number;
}

export interface FailOpenExample {
  route: string;
  base: string;
  mutation: string;
  at: string;
  why: string;
  status: number;
  answer: string;
}

export interface FailClosedReport {
  seed: number;
  modelsRoot: string;
  models: Record<string, string | null>;
  /** The unmodified bodies' answers: the go path works, so a fail-closed answer below is not a server that says no to everything. */
  references: { name: string; expected: string; got: string; ok: boolean }[];
  cases: CaseResult[];
  totals: { cases: number; failClosed: number; failOpen: number; missed: number; fiveXX: number; errors: number; skipped: number };
  fuzz: {
    requests: number;
    fiveXX: number;
    failOpen: number;
    fourXXWithoutField: number;
    imputedReasons: number;
    invalidOrMissing: number;
    byRoute: FuzzRouteFigures[];
    byMutation: Record<string, { requests: number; failOpen: number; fiveXX: number }>;
    examples: FailOpenExample[];
  };
  seconds: number;
}

export interface FailClosedOptions {
  modelsRoot?: string;
  /** Seed of the fuzz stage (default 1). */
  seed?: number;
  /** Fuzz requests (default 2000; 0: no fuzz stage). */
  fuzz?: number;
  /** Seconds of the heavy-route load (default 5). */
  loadSeconds?: number;
  /** Flagger events of about 1 MB each (default 100). */
  events?: number;
  /** Run the cases that start `rolloutlab serve` as a child process (default true). */
  processes?: boolean;
  onStage?: (stage: string) => void;
}

// ---- HTTP -------------------------------------------------------------------------------------------------------------

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
  ms: number;
}

async function request(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}, raw?: string): Promise<Answer> {
  const t0 = performance.now();
  const payload = raw ?? (body === undefined ? undefined : JSON.stringify(body));
  try {
    const res = await fetch(base + path, {
      method,
      headers: payload !== undefined ? { 'content-type': 'application/json', ...headers } : headers,
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(120_000),
    });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text, ms: performance.now() - t0 };
  } catch (e) {
    return { status: 0, json: null, text: (e as Error).message, ms: performance.now() - t0 };
  }
}

/** A 5xx other than 503 (which is the documented "no model / no store" answer). */
/** What the failed-step parser refuses beyond the schema (a blank step name, a blank branch), as the field it names. */
function retryStepProblem(b: Any): string | null {
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return null;
  const { policy: _policy, ...fields } = b as Record<string, unknown>;
  try {
    parseFailedStep(fields, 'body');
    return null;
  } catch (e) {
    return `${(e as { field?: string }).field ?? 'body'} is refused by the parser`;
  }
}

const broken = (s: number) => s === 0 || (s >= 500 && s !== 503);
const errField = (a: Answer): string | null => (a.json && typeof a.json === 'object' && a.json.error && typeof a.json.error.field === 'string' && a.json.error.field.length > 0 ? a.json.error.field : null);
const short = (s: string, n = 60) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const f2 = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(2) : String(x));

/** What an answer said, in a few words. */
function said(a: Answer): string {
  if (a.status === 0) return `no answer (${short(a.text, 50)})`;
  const j = a.json;
  if (a.status >= 400 && j?.error) return `${a.status} ${j.error.field ?? j.error.code ?? ''}`.trim();
  if (j?.result?.decision !== undefined) return `${a.status} ${j.result.decision}`;
  if (j?.result?.verdict !== undefined) return `${a.status} ${j.result.verdict}${j.result.pFail != null ? ` pFail ${f2(j.result.pFail)}` : ''}`;
  if (j?.score?.classification !== undefined) return `${a.status} ${j.score.classification} score ${f2(j.score.score)}`;
  if (j?.hook !== undefined) return `${a.status} ${j.decision}`;
  if (j?.gate?.decision !== undefined) return `${a.status} ${j.gate.decision}`;
  if (j?.verdict !== undefined) return `${a.status} ${j.verdict}${j.pFail !== undefined ? ` pFail ${f2(j.pFail)}` : ''}`;
  if (j?.action !== undefined) return `${a.status} ${j.action}`;
  if (j?.probability !== undefined) return `${a.status} p ${f2(j.probability)}`;
  return `${a.status}`;
}

// ---- windows and bodies -----------------------------------------------------------------------------------------------

type Cohort = { requests: number; errors: number; slow: number; latencyP50: number | null; latencyP95?: number | null; latencyP99: number | null; cpu?: number; memory?: number; pool?: number; conversions: number; callerRequests?: number; callerErrors?: number };
const m = (requests: number, errors: number, slow: number, p50: number, p99: number, conversions: number, callerRequests = 0, callerErrors = 0): Cohort => ({
  requests,
  errors,
  slow,
  latencyP50: p50,
  latencyP95: p99 * 0.75,
  latencyP99: p99,
  cpu: 0.42,
  memory: 0.45,
  pool: 0.2,
  conversions,
  callerRequests,
  callerErrors,
});
/** A healthy 5-minute window, and a canary with more than 10x the baseline's errors (the test suites' frozen windows). */
const HEALTHY: Cohort[] = [m(1210, 2, 5, 41.8, 120.4, 25, 640, 1), m(1185, 3, 4, 42.3, 118.9, 23, 630, 0), m(1240, 2, 6, 41.5, 122.0, 27, 655, 1), m(1198, 1, 5, 42.0, 119.7, 24, 640, 1), m(1225, 3, 4, 41.9, 121.2, 26, 650, 0)];
const TEN_X: Cohort[] = [m(1204, 29, 5, 42.0, 121.0, 24, 635, 1), m(1190, 31, 5, 42.4, 119.5, 23, 640, 1), m(1232, 30, 6, 41.7, 121.8, 25, 650, 0), m(1201, 28, 4, 42.1, 120.3, 24, 638, 1), m(1219, 32, 5, 41.8, 120.9, 25, 646, 1)];
const cycle = <T>(xs: T[], n: number): T[] => Array.from({ length: n }, (_, i) => ({ ...xs[i % xs.length] }));
const verdictBody = (canary: (Cohort | null)[], baseline: (Cohort | null)[] = HEALTHY) => ({ canary, baseline, latencyObjectiveMs: 250 });
const promRows = (xs: Cohort[]): PromRow[] => xs.map((c) => [c.requests, c.errors, c.slow, c.latencyP50 ?? 'NaN', c.latencyP99 ?? 'NaN', c.conversions]);

const PLAN = { stages: [{ exposure: [0.05], dwellMinutes: 5 }, { exposure: [0.25], dwellMinutes: 5 }, { exposure: [1], dwellMinutes: 5 }], unitShares: [1], bakeMinutes: 10 };
const decisionBody = (minutes: number, canary: (age: number) => Cohort) => ({
  observations: Array.from({ length: minutes + 1 }, (_, age) => ({ age, phase: 'progressing', stage: 0, weight: 0.05, timeAtStage: age, canary: age ? canary(age) : null, baseline: age ? m(9500, 15, 40, 42, 120, 200) : null })),
  plan: PLAN,
  slo: { objective: 0.999, burnRate: 14.4 },
});

const HOUR = 3_600_000;
/** Hourly request counts for `days` days ending at `end`, busiest at `peakHour` UTC. */
const hourly = (end: Date, days: number, peakHour: number, base = 60_000): number[] =>
  Array.from({ length: days * 24 }, (_, i) => {
    const h = new Date(end.getTime() - (days * 24 - i) * HOUR).getUTCHours();
    return Math.round(base * (1 + 0.9 * Math.cos((2 * Math.PI * (h - peakHour)) / 24)));
  });

interface FeatureSpec {
  name: string;
  kind: 'numeric' | 'binary' | 'category';
  levels?: string[];
}
/** Typical values for every risk feature (numbers 1, sin 0 / cos 1, binaries false, categories their first level). */
function typicalFeatures(specs: FeatureSpec[], skip: ReadonlySet<string> = new Set()): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const s of specs) {
    if (skip.has(s.name)) continue;
    out[s.name] = s.kind === 'category' ? (s.levels?.[0] ?? '') : s.kind === 'binary' ? false : /_sin$/.test(s.name) ? 0 : 1;
  }
  if ('lines_added' in out) out.lines_added = 120;
  if ('test_coverage' in out) out.test_coverage = 0.7;
  return out;
}

/** The features the Argo gate and Flagger's confirm hooks take from the clock when they are not sent. */
const CLOCK_FEATURES: ReadonlySet<string> = new Set(['hour_sin', 'hour_cos', 'weekend']);

/**
 * Every feature at the smallest value the risk champion was trained on (GET /v1/risk/features gives it): a complete
 * score, so a pre-deploy gate can pass on the unmutated body and a mutation that removes or breaks a feature is tested.
 */
function seenFeatures(specs: FeatureSpec[], skip: ReadonlySet<string> = new Set()): Record<string, Json> {
  const out = typicalFeatures(specs, skip);
  for (const s of specs as (FeatureSpec & { trainingMin?: number })[]) {
    if (skip.has(s.name) || s.kind === 'category' || s.trainingMin === undefined) continue;
    out[s.name] = s.kind === 'binary' ? s.trainingMin === 1 : s.trainingMin;
  }
  return out;
}

/** Why a risk feature value is impossible for its spec (the request's value), or null. */
function featureProblem(spec: FeatureSpec | undefined, name: string, v: Json, at: string): string | null {
  if (!spec) return `${at} is not a feature of the risk model`;
  if (v === null) return null;
  if (spec.kind === 'category') return typeof v === 'string' && (spec.levels ?? []).includes(v) ? null : `${at} is not a level of ${name}`;
  if (spec.kind === 'binary') return typeof v === 'boolean' || v === 0 || v === 1 ? null : `${at} is not a boolean`;
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${at} is not a number`;
  if (Math.abs(v) >= IMPOSSIBLE) return `${at} is impossibly large`;
  if (/_(sin|cos)$/.test(name)) return v >= -1 && v <= 1 ? null : `${at} is outside [-1, 1]`;
  return v >= 0 ? null : `${at} is negative`;
}

/** A Flagger metadata string as the gate reads a risk feature. */
const metaValue = (s: string): Json => {
  const t = s.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
};

const KNOWN_META = { window: ['days', 'hours', 'timezone'], slo: ['objective'] } as const;
/** Why gate metadata is invalid (unknown keys under the known prefixes, impossible values), or null. */
function gateMetadataProblem(meta: Record<string, string> | null | undefined, specs: Map<string, FeatureSpec>): string | null {
  for (const [k, v] of Object.entries(meta ?? {})) {
    const at = `metadata.${k}`;
    const dot = k.indexOf('.');
    const prefix = dot > 0 ? k.slice(0, dot) : k;
    const rest = dot > 0 ? k.slice(dot + 1) : '';
    const lower = prefix.toLowerCase();
    if (lower === 'risk') {
      if (prefix !== 'risk') return `${at}: unknown key (the prefix is risk.)`;
      if (rest === 'max') {
        const x = Number(v);
        if (!(v.trim() !== '' && x >= 0 && x <= 1)) return `${at} is not a probability`;
        continue;
      }
      const p = featureProblem(specs.get(rest), rest, metaValue(v), at);
      if (p) return p;
    } else if (lower === 'window' || lower === 'slo') {
      if (prefix !== lower || !(KNOWN_META[lower] as readonly string[]).includes(rest)) return `${at}: unknown key under ${lower}.`;
      if (k === 'window.hours' && !/^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$/.test(v)) return `${at} is not HH:MM-HH:MM`;
      if (k === 'slo.objective' && !(Number(v) > 0 && Number(v) < 1)) return `${at} is not in (0, 1)`;
    } else if (lower === 'weight' && (prefix !== 'weight' || rest !== '' || !(Number(v) > 0 && Number(v) <= 100))) return `${at}: not a weight in (0, 100]`;
  }
  return null;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

/** Why a cohort minute is impossible (counts above their totals), or null. */
function cohortProblem(c: Any, at: string): string | null {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) return null;
  const n = (k: string) => (typeof c[k] === 'number' ? c[k] : 0);
  if (n('errors') > n('requests')) return `${at}.errors > requests`;
  if (n('slow') > n('requests')) return `${at}.slow > requests`;
  if (n('conversions') > n('requests')) return `${at}.conversions > requests`;
  if (n('callerErrors') > n('callerRequests')) return `${at}.callerErrors > callerRequests`;
  return null;
}

function verdictProblem(b: Any): string | null {
  const p = schemaProblem(VerdictBodySchema as Any, b);
  if (p) return p;
  if (b.canary.length !== b.baseline.length) return 'canary and baseline differ in length';
  if (b.providerError && b.providerError.length !== b.canary.length) return 'providerError differs in length';
  for (const side of ['canary', 'baseline']) for (let i = 0; i < b[side].length; i++) {
    const q = cohortProblem(b[side][i], `${side}[${i}]`);
    if (q) return q;
  }
  return null;
}
/** Most minutes of a side without a sample (1 of 5 present is not a window). */
function verdictMissing(b: Any): string | null {
  for (const side of ['canary', 'baseline']) {
    const xs = b?.[side];
    if (!Array.isArray(xs)) continue;
    const present = xs.filter((x: unknown) => x !== null).length;
    if (present * 2 < xs.length) return `${side}: ${present} of ${xs.length} minutes have a sample`;
  }
  return null;
}
const verdictMutations: RouteMutations = {
  outlier: (b: Any, rng) => {
    const idx = b.baseline.map((x: unknown, i: number) => (x ? i : -1)).filter((i: number) => i >= 0);
    if (!idx.length) return null;
    const i = idx[rng.int(0, idx.length - 1)];
    const c = b.baseline[i];
    const errors = Math.min(c.requests, Math.max(600, Math.round(c.requests * 0.5)));
    return { at: `baseline[${i}].errors = ${errors}`, body: { ...b, baseline: b.baseline.map((x: Any, j: number) => (j === i ? { ...x, errors } : x)) } };
  },
  blank: (b: Any, rng) => {
    const side = rng.bernoulli(0.5) ? 'canary' : 'baseline';
    const keep = rng.int(0, b[side].length - 1);
    return { at: `${side}: all but minute ${keep} null`, body: { ...b, [side]: b[side].map((x: Any, j: number) => (j === keep ? x : null)) } };
  },
  typoKeys: () => ['callerErorrs', 'erors', 'latencyP90', 'Errors'],
};

function decisionProblem(b: Any): string | null {
  const p = schemaProblem(DecisionBodySchema as Any, b);
  if (p) return p;
  const sum = b.plan.unitShares.reduce((a: number, x: number) => a + x, 0);
  if (Math.abs(sum - 1) > 1e-6) return 'plan.unitShares do not sum to 1';
  for (const s of b.plan.stages) if (s.exposure.length !== b.plan.unitShares.length) return 'plan.stages[].exposure length differs from unitShares';
  let prev = -1;
  for (let i = 0; i < b.observations.length; i++) {
    const o = b.observations[i];
    if (o.age <= prev) return `observations[${i}].age does not increase`;
    prev = o.age;
    if (o.stage >= b.plan.stages.length) return `observations[${i}].stage is past the plan`;
    const q = cohortProblem(o.canary, `observations[${i}].canary`) ?? cohortProblem(o.baseline, `observations[${i}].baseline`);
    if (q) return q;
  }
  return null;
}

const kayentaValuesPath = (p: Path) => p[0] === 'metricSetPairList' && p[2] === 'values';
function kayentaProblem(b: Any): string | null {
  const p = schemaProblem(KayentaJudgeBodySchema as Any, b, [], kayentaValuesPath);
  if (p) return p;
  const t = b.scoreThresholds;
  if (!(t.pass >= 0 && t.pass <= 100 && t.marginal >= 0 && t.marginal <= t.pass)) return 'scoreThresholds outside 0 <= marginal <= pass <= 100';
  return null;
}
/** A critical metric (canaryConfig) without a pair or without finite values on a side. */
function kayentaMissing(b: Any): string | null {
  const metrics = b?.canaryConfig?.metrics;
  if (!Array.isArray(metrics)) return null;
  for (const mt of metrics) {
    if (mt?.analysisConfigurations?.canary?.critical !== true) continue;
    const pair = (b.metricSetPairList ?? []).find((x: Any) => x?.name === mt.name);
    if (!pair) return `critical metric ${mt.name} has no metric set pair`;
    for (const side of ['control', 'experiment']) {
      const xs = pair.values?.[side];
      if (!Array.isArray(xs) || !xs.some((x: unknown) => typeof x === 'number' && Number.isFinite(x))) return `critical metric ${mt.name} has no ${side} data`;
    }
  }
  return null;
}
const kayentaMutations: RouteMutations = {
  outlier: (b: Any, rng) => {
    const k = rng.int(0, b.metricSetPairList.length - 1);
    const xs = b.metricSetPairList[k].values.control;
    if (!xs.length) return null;
    const i = rng.int(0, xs.length - 1);
    const v = [600, -50, 1e308, -1e308][rng.int(0, 3)];
    const pairs = b.metricSetPairList.map((p: Any, j: number) => (j === k ? { ...p, values: { ...p.values, control: xs.map((x: unknown, n: number) => (n === i ? v : x)) } } : p));
    return { at: `metricSetPairList[${k}].values.control[${i}] = ${v}`, body: { ...b, metricSetPairList: pairs } };
  },
  blank: (b: Any, rng) => {
    const k = rng.int(0, b.metricSetPairList.length - 1);
    const side = rng.bernoulli(0.5) ? 'control' : 'experiment';
    const pairs = b.metricSetPairList.map((p: Any, j: number) => (j === k ? { ...p, values: { ...p.values, [side]: p.values[side].map(() => 'NaN') } } : p));
    return { at: `metricSetPairList[${k}].values.${side} all NaN`, body: { ...b, metricSetPairList: pairs } };
  },
};

interface Base {
  label: string;
  body: Json;
  /** What the unmodified body should get: a go (pass / advance / 2xx), or a no-go (a failing canary). */
  expect: 'go' | 'no-go';
}
interface FuzzRoute {
  name: string;
  path: string;
  weight: number;
  bases: Base[];
  /** A go answer. */
  go: (a: Answer) => boolean;
  /** Whether a go on a bad body counts as fail-open (not for Flagger's rollback hook: its 2xx means "roll back now"). */
  counts: boolean;
  problem: (b: Any) => string | null;
  missing?: (b: Any) => string | null;
  /** On a no-go base: mutations after which the answer must still be a no-go (e.g. anything in Kayenta's values). */
  sticky?: (m: Mutant) => boolean;
  mutations?: RouteMutations;
}

const flaggerGo = (a: Answer) => a.status >= 200 && a.status <= 202;

function fuzzRoutes(specs: FeatureSpec[], kayenta: Json): FuzzRoute[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const time = new Set<string>(TIME_FEATURES);
  const features = typicalFeatures(specs);
  const windowFeatures = typicalFeatures(specs, time);
  const featuresProblem = (fs: Any, at: string, noTime: boolean): string | null => {
    for (const [k, v] of Object.entries(fs ?? {})) {
      if (noTime && time.has(k)) return `${at}.${k} is computed by the server`;
      const p = featureProblem(byName.get(k), k, v as Json, `${at}.${k}`);
      if (p) return p;
    }
    return null;
  };
  const trafficProblem = (tr: Any, at: string): string | null => {
    const minutes = tr.values.length * tr.stepMinutes;
    if (minutes < 7 * 1440 || minutes > 56 * 1440) return `${at} covers ${minutes} minutes`;
    if (!tr.values.some((x: unknown) => x !== null)) return `${at} has no sample`;
    return null;
  };
  /** Features of the champion not given (or null): a score without them is incomplete, never a pass. */
  const missingFeatures = (fs: Any, skip: ReadonlySet<string>): string | null => {
    const gone = specs.filter((s) => !skip.has(s.name) && (fs?.[s.name] === undefined || fs?.[s.name] === null)).map((s) => s.name);
    return gone.length ? `features missing: ${gone.join(', ')}` : null;
  };
  const kayentaHealthy = JSON.parse(JSON.stringify(kayenta));
  for (const p of kayentaHealthy.metricSetPairList) p.values.experiment = [...p.values.control];
  const flagger = (name: string, metadata: Record<string, string>) => ({ name, namespace: 'test', phase: 'Progressing', checksum: '85d557f47b', metadata });
  const rollbackRequest: Json = {
    deployment: 'fc-release',
    at: '2026-03-04T10:00:00Z',
    services: [
      { name: 'svc-orders', tool: 'argo-rollouts', namespace: 'shop', fromVersion: 'v1.2.0', toVersion: 'v1.3.0', state: 'rolling', unitKind: 'all', exposure: { all: 0.25 }, usesNewApiOf: [] as Json[], flag: 'orders.new-path' },
      { name: 'api-cart', tool: 'helm', namespace: 'shop', fromVersion: 'v2.0.0', toVersion: 'v2.1.0', helmRevision: 7, state: 'promoted', unitKind: 'all', exposure: { all: 1 }, usesNewApiOf: [] as Json[] },
    ],
    migrations: [{ id: 'm1', service: 'svc-orders', database: 'db-orders', phase: 'expand', reversibility: 'reversible', tool: 'atlas', backwardCompatible: true, ran: true, fromVersion: '10', toVersion: '11' }],
    flags: [{ key: 'orders.new-path', service: 'svc-orders', on: true }],
    backups: [{ database: 'db-orders', pitr: true }],
    failing: [{ service: 'api-cart', signal: 'errors' }],
    graph: { services: ['api-cart', 'svc-orders', 'db-orders'], dependencies: [{ caller: 'api-cart', callee: 'svc-orders', kind: 'sync' }, { caller: 'svc-orders', callee: 'db-orders', kind: 'sync' }] },
  };
  const gateMeta = { 'risk.lines_added': '120', 'risk.tier': String(features.tier ?? 'api'), 'risk.max': '0.95', 'window.days': 'Mon-Fri', 'window.hours': '09:00-17:00' };
  const gateTypos: RouteMutations = { typoKeys: (p) => (p[p.length - 1] === 'metadata' ? ['window.hour', 'Window.Hours', 'window.day', 'risk.lines_addded', 'Risk.max', 'slo.objectiv'] : null) };
  const metadataFree = (b: Any) => schemaProblem(FlaggerPayloadSchema as Any, b);
  const gateProblem = (b: Any) => metadataFree(b) ?? gateMetadataProblem(b.metadata, byName);
  const readyAt = NOW.toISOString();
  const traffic = { stepMinutes: 60, values: hourly(NOW, 7, 15) };
  const verdictBases: Base[] = [
    { label: 'healthy 5 min', body: verdictBody(HEALTHY) as Json, expect: 'go' },
    { label: '10x errors 5 min', body: verdictBody(TEN_X) as Json, expect: 'no-go' },
  ];
  const verdictRoute = (judge: string, weight: number): FuzzRoute => ({
    name: `POST /v1/canary/verdict?judge=${judge}`,
    path: `/v1/canary/verdict?judge=${judge}`,
    weight,
    bases: verdictBases,
    go: (a) => a.status === 200 && a.json?.verdict === 'pass',
    counts: true,
    problem: verdictProblem,
    missing: verdictMissing,
    sticky: (mu) => mu.op === 'outlier',
    mutations: verdictMutations,
  });
  const hookRoute = (hook: string, weight: number, bases: Base[], problem: (b: Any) => string | null, mutations?: RouteMutations, counts = true): FuzzRoute => ({
    name: `POST /v1/flagger/${hook}`,
    path: `/v1/flagger/${hook}`,
    weight,
    bases,
    go: flaggerGo,
    counts,
    problem,
    mutations,
  });
  return [
    verdictRoute('ml', 3),
    verdictRoute('kayenta', 2),
    {
      name: 'POST /judge (Kayenta)',
      path: '/judge',
      weight: 3,
      bases: [
        { label: 'fixture (critical errors 10x)', body: kayenta, expect: 'no-go' },
        { label: 'experiment = control', body: kayentaHealthy, expect: 'go' },
      ],
      go: (a) => a.status === 200 && a.json?.score?.classification === 'Pass',
      counts: true,
      problem: kayentaProblem,
      missing: kayentaMissing,
      sticky: (mu) => /^metricSetPairList/.test(mu.at),
      mutations: kayentaMutations,
    },
    {
      name: 'POST /v1/rollout/decision',
      path: '/v1/rollout/decision',
      weight: 2,
      bases: [{ label: 'healthy 6 min at 5 %', body: decisionBody(6, (a) => HEALTHY[a % 5]) as Json, expect: 'go' }],
      go: (a) => a.status === 200 && a.json?.action === 'advance',
      counts: true,
      problem: decisionProblem,
    },
    {
      name: 'POST /v1/risk/score',
      path: '/v1/risk/score',
      weight: 2,
      bases: [{ label: 'every feature given', body: { features }, expect: 'go' }],
      go: (a) => a.status === 200,
      counts: true,
      problem: (b: Any) => schemaProblem(RiskBodySchema as Any, b) ?? featuresProblem(b.features, 'features', false),
    },
    {
      name: 'POST /v1/argo/verdict',
      path: '/v1/argo/verdict',
      weight: 1,
      bases: [{ label: 'healthy canary', body: { name: 'fc-healthy', namespace: 'test', minutes: 5 }, expect: 'go' }],
      go: (a) => a.status === 200 && a.json?.result?.verdict === 'pass',
      counts: true,
      problem: (b: Any) => schemaProblem(ArgoBodySchema as Any, b),
    },
    hookRoute('rollout', 1, [{ label: 'healthy canary', body: flagger('fc-healthy', { type: 'bash' }), expect: 'go' }], metadataFree),
    hookRoute('confirm-traffic-increase', 1, [{ label: 'healthy canary', body: flagger('fc-healthy', {}), expect: 'go' }], metadataFree),
    hookRoute('pre-rollout', 1, [{ label: 'fixture', body: flagger('fc-healthy', { type: 'bash' }), expect: 'go' }], metadataFree),
    hookRoute('confirm-rollout', 2, [{ label: 'risk and window in metadata', body: flagger('fc-healthy', gateMeta), expect: 'go' }], gateProblem, gateTypos),
    hookRoute('confirm-promotion', 1, [{ label: 'risk and window in metadata', body: flagger('fc-healthy', gateMeta), expect: 'go' }], gateProblem, gateTypos),
    hookRoute('rollback', 1, [{ label: 'healthy canary', body: flagger('fc-healthy', { weight: '10' }), expect: 'no-go' }], metadataFree, undefined, false),
    {
      name: 'POST /v1/pipeline/retry',
      path: '/v1/pipeline/retry',
      weight: 1,
      bases: [{ label: 'a registry 503 on install', body: { step: 'install', exitCode: 1, log: 'npm ERR! code E503\nnpm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/left-pad', attempt: 1, history: ['pass', 'pass'], branch: 'main' }, expect: 'go' }],
      go: (a) => a.status === 200,
      counts: true,
      problem: (b: Any) => schemaProblem(RetryBodySchema as Any, b) ?? retryStepProblem(b),
    },
    {
      name: 'POST /v1/rollback/plan',
      path: '/v1/rollback/plan',
      weight: 1,
      bases: [{ label: 'a two-service release, the callee failing', body: rollbackRequest, expect: 'go' }],
      go: (a) => a.status === 200 && Array.isArray(a.json?.steps),
      counts: true,
      problem: (b: Any) => {
        const p = schemaProblem(RollbackRequestSchema as Any, b);
        if (p) return p;
        try {
          checkRollbackRequest(b);
          return null;
        } catch (e) {
          return (e as Error).message;
        }
      },
    },
    {
      name: 'POST /v1/anomaly/score',
      path: '/v1/anomaly/score',
      weight: 1,
      bases: [{ label: 'a short series', body: { values: Array.from({ length: 60 }, (_, i) => 100 + 10 * Math.sin(i / 5)) }, expect: 'go' }],
      go: (a) => a.status === 200,
      counts: true,
      problem: (b: Any) => schemaProblem(AnomalyBodySchema as Any, b, [], (p) => p[0] === 'values'),
    },
    {
      name: 'POST /v1/deploy/windows',
      path: '/v1/deploy/windows',
      weight: 1,
      bases: [{ label: '7 days hourly, 6 h horizon', body: { service: 'checkout', readyAt, horizonHours: 6, top: 3, features: windowFeatures, traffic }, expect: 'go' }],
      go: (a) => a.status === 200,
      counts: true,
      problem: (b: Any) => schemaProblem(WindowsBodySchema as Any, b) ?? featuresProblem(b.features, 'features', true) ?? trafficProblem(b.traffic, 'traffic'),
    },
    {
      name: 'POST /v1/deploy/schedule',
      path: '/v1/deploy/schedule',
      weight: 1,
      bases: [
        {
          label: '2 services, 2 changes, 6 h',
          body: {
            services: { users: { traffic }, orders: { traffic } },
            changes: [
              { id: 'u1', service: 'users', readyAt, features: windowFeatures, apiContractChange: true },
              { id: 'o1', service: 'orders', readyAt, features: windowFeatures },
            ],
            dependencies: [{ caller: 'orders', callee: 'users' }],
            horizonHours: 6,
          },
          expect: 'go',
        },
      ],
      go: (a) => a.status === 200,
      counts: true,
      problem: (b: Any) => {
        const p = schemaProblem(ScheduleBodySchema as Any, b);
        if (p) return p;
        for (const [k, s] of Object.entries(b.services) as [string, Any][]) {
          const q = trafficProblem(s.traffic, `services.${k}.traffic`);
          if (q) return q;
        }
        const ids = new Set<string>();
        for (let i = 0; i < b.changes.length; i++) {
          const c = b.changes[i];
          if (!(c.service in b.services)) return `changes[${i}].service is not in services`;
          if (ids.has(c.id)) return `changes[${i}].id repeats`;
          ids.add(c.id);
          const q = featuresProblem(c.features, `changes[${i}].features`, true);
          if (q) return q;
        }
        for (const d of b.dependencies ?? []) if (!(d.caller in b.services) || !(d.callee in b.services) || d.caller === d.callee) return 'dependencies name an unknown service or a loop';
        return null;
      },
    },
    // The pre-deploy gate: a pass needs every feature (the route's time features too; the Argo gate takes those from
    // the clock) and constraints some plan meets.
    {
      name: 'POST /v1/rollout/plan',
      path: '/v1/rollout/plan',
      weight: 1,
      bases: [{ label: 'every feature given, as trained on', body: { features: seenFeatures(specs), rpm: 850, constraints: { maxFirstStepPercent: 5, deadlineMinutes: 70 } }, expect: 'go' }],
      go: (a) => a.status === 200 && a.json?.gate?.decision === 'pass',
      counts: true,
      problem: (b: Any) => schemaProblem(RolloutPlanBodySchema as Any, b) ?? featuresProblem(b.features, 'features', false) ?? constraintsProblem(b.constraints),
      missing: (b: Any) => missingFeatures(b.features, new Set()),
    },
    {
      name: 'POST /v1/argo/gate',
      path: '/v1/argo/gate',
      weight: 1,
      bases: [{ label: 'every feature given, as trained on', body: { features: seenFeatures(specs, CLOCK_FEATURES), rpm: '850', gate: { blockAbove: 0.85 }, name: 'fc-healthy', namespace: 'test' }, expect: 'go' }],
      go: (a) => a.status === 200 && a.json?.result?.pass === 1,
      counts: true,
      problem: (b: Any) => schemaProblem(ArgoGateBodySchema as Any, b) ?? featuresProblem(Object.fromEntries(Object.entries(b.features ?? {}).map(([k, v]) => [k, typeof v === 'string' ? metaValue(v) : (v as Json)])), 'features', false) ?? numberTextProblem(b) ?? constraintsProblem(b.constraints),
      missing: (b: Any) => missingFeatures(b.features, CLOCK_FEATURES),
    },
  ];

}

/** Constraints no rollout plan meets (the first step of every plan is at least 0.1 %, every plan takes 10 min or more and ends at 100 %). */
function constraintsProblem(c: Any): string | null {
  if (c === null || typeof c !== 'object') return null;
  const n = (v: unknown) => (typeof v === 'string' ? Number(v) : (v as number));
  if (c.maxFirstStepPercent !== undefined && !(n(c.maxFirstStepPercent) >= 0.1)) return 'constraints.maxFirstStepPercent is below every first step';
  if (c.deadlineMinutes !== undefined && !(n(c.deadlineMinutes) >= 10)) return 'constraints.deadlineMinutes is shorter than every plan';
  if (c.maxExposurePercent !== undefined && !(n(c.maxExposurePercent) >= 100)) return 'constraints.maxExposurePercent is below 100';
  return null;
}

/** The Argo gate's numbers given as text that is out of range. */
function numberTextProblem(b: Any): string | null {
  const n = (v: unknown) => (typeof v === 'string' ? Number(v) : (v as number));
  if (!(n(b.rpm) >= 0 && n(b.rpm) <= 1e9)) return 'rpm is not a number in [0, 1e9]';
  if (b.gate && !(n(b.gate.blockAbove) >= 0 && n(b.gate.blockAbove) <= 1)) return 'gate.blockAbove is not a probability';
  if (b.bakeMinutes !== undefined && !(Number.isInteger(n(b.bakeMinutes)) && n(b.bakeMinutes) >= 0 && n(b.bakeMinutes) <= 10_080)) return 'bakeMinutes is not a whole number of minutes';
  for (const k of ['maxFirstStepPercent', 'maxExposurePercent']) if (b.constraints?.[k] !== undefined && !(n(b.constraints[k]) <= 100)) return `constraints.${k} is above 100`;
  if (b.constraints?.deadlineMinutes !== undefined && !(n(b.constraints.deadlineMinutes) <= 10_080)) return 'constraints.deadlineMinutes is above a week';
  return null;
}

// ---- the run -------------------------------------------------------------------------------------------------------------

interface Ctx {
  base: string;
  prom: FakePrometheus;
  models: Record<string, string | null>;
  specs: FeatureSpec[];
  kayenta: Any;
  modelsRoot: string;
  tmp: string;
}

interface CaseDef {
  group: Group;
  name: string;
  kind: 'decision' | 'operations';
  expected: string;
  needs?: string[];
  run: (c: Ctx) => Promise<{ got: string; ok: boolean; fiveXX?: boolean }>;
}

/** A decision answer is fail-closed when it is not a go: a 4xx naming a field, a 503, or a 200 that says no. */
const closed = (a: Answer, go: (a: Answer) => boolean) => ({ got: said(a), ok: !broken(a.status) && !go(a) && !(a.status >= 400 && a.status < 500 && a.status !== 409 && !errField(a)), fiveXX: broken(a.status) });
const verdictGo = (a: Answer) => a.status === 200 && a.json?.verdict === 'pass';
const argoGo = (a: Answer) => a.status === 200 && a.json?.result?.verdict === 'pass';
const kayentaGo = (a: Answer) => a.status === 200 && a.json?.score?.classification === 'Pass';
const decisionGo = (a: Answer) => a.status === 200 && a.json?.action === 'advance';
const NOT_PASS = 'verdict not pass (or 4xx naming the field)';
const NOT_2XX = 'status > 202 (failed check / wait)';
const NOT_KPASS = 'summary not Pass (or 4xx naming the field)';

function cases(): CaseDef[] {
  const out: CaseDef[] = [];
  const post = (c: Ctx, path: string, body: unknown, headers?: Record<string, string>) => request(c.base, 'POST', path, body, headers);
  const get = (c: Ctx, path: string) => request(c.base, 'GET', path);
  const kayentaWith = (c: Ctx, edit: (k: Any) => void) => {
    const k = JSON.parse(JSON.stringify(c.kayenta));
    edit(k);
    return k;
  };

  // One outlier baseline sample beside a broken canary.
  for (const v of [600, -50, 1e308, -1e308]) {
    out.push({ group: 'outlier baseline', name: `Kayenta /judge, control[7] of the critical metric = ${v}`, kind: 'decision', expected: NOT_KPASS, run: async (c) => closed(await post(c, '/judge', kayentaWith(c, (k) => (k.metricSetPairList[1].values.control[7] = v))), kayentaGo) });
  }
  for (const judge of ['ml', 'kayenta']) {
    for (const n of [5, 10, 20]) {
      out.push({
        group: 'outlier baseline',
        name: `verdict ${judge}, 10x canary, ${n} min, baseline[1].errors = 600`,
        kind: 'decision',
        expected: NOT_PASS,
        needs: judge === 'ml' ? ['judge'] : [],
        run: async (c) => {
          const baseline = cycle(HEALTHY, n);
          baseline[1].errors = 600;
          return closed(await post(c, `/v1/canary/verdict?judge=${judge}`, verdictBody(cycle(TEN_X, n), baseline)), verdictGo);
        },
      });
    }
  }

  // Partial series.
  for (const judge of ['ml', 'kayenta']) {
    const needs = judge === 'ml' ? ['judge'] : [];
    out.push({ group: 'partial series', name: `Argo GET, Prometheus has only the requests series (${judge})`, kind: 'decision', expected: 'result.verdict not pass', needs, run: async (c) => closed(await get(c, `/v1/argo/verdict?name=fc-only-requests&namespace=test&judge=${judge}`), argoGo) });
    out.push({ group: 'partial series', name: `Flagger rollout, only the requests series (${judge})`, kind: 'decision', expected: NOT_2XX, needs, run: async (c) => closed(await post(c, `/v1/flagger/rollout?judge=${judge}`, { name: 'fc-only-requests', namespace: 'test', phase: 'Progressing' }), flaggerGo) });
    out.push({ group: 'partial series', name: `Argo GET, 1 of 5 minutes in Prometheus (${judge})`, kind: 'decision', expected: 'result.verdict not pass', needs, run: async (c) => closed(await get(c, `/v1/argo/verdict?name=fc-one-minute&namespace=test&minutes=5&judge=${judge}`), argoGo) });
    out.push({ group: 'partial series', name: `Flagger rollout, 1 of 5 minutes (${judge})`, kind: 'decision', expected: NOT_2XX, needs, run: async (c) => closed(await post(c, `/v1/flagger/rollout?judge=${judge}&minutes=5`, { name: 'fc-one-minute', namespace: 'test', phase: 'Progressing' }), flaggerGo) });
    out.push({
      group: 'partial series',
      name: `verdict ${judge}, 1 of 5 minutes sent (4 null)`,
      kind: 'decision',
      expected: NOT_PASS,
      needs,
      run: async (c) => closed(await post(c, `/v1/canary/verdict?judge=${judge}`, verdictBody(HEALTHY.map((x, i) => (i === 4 ? x : null)), HEALTHY.map((x, i) => (i === 4 ? x : null)))), verdictGo),
    });
  }
  out.push({ group: 'partial series', name: 'Flagger confirm-traffic-increase, only the requests series', kind: 'decision', expected: NOT_2XX, needs: ['judge'], run: async (c) => closed(await post(c, '/v1/flagger/confirm-traffic-increase', { name: 'fc-only-requests', namespace: 'test', phase: 'Progressing' }), flaggerGo) });

  // A critical Kayenta metric without data.
  out.push({ group: 'critical metric', name: 'Kayenta /judge, critical pair removed', kind: 'decision', expected: NOT_KPASS, run: async (c) => closed(await post(c, '/judge', kayentaWith(c, (k) => k.metricSetPairList.splice(1, 1))), kayentaGo) });
  out.push({
    group: 'critical metric',
    name: 'Kayenta /judge, nanStrategy replace, critical experiment empty',
    kind: 'decision',
    expected: NOT_KPASS,
    run: async (c) =>
      closed(
        await post(
          c,
          '/judge',
          kayentaWith(c, (k) => {
            k.canaryConfig.metrics[1].analysisConfigurations.canary.nanStrategy = 'replace';
            k.metricSetPairList[1].values.experiment = [];
          }),
        ),
        kayentaGo,
      ),
  });
  out.push({ group: 'critical metric', name: 'Kayenta /judge, critical experiment all "NaN"', kind: 'decision', expected: NOT_KPASS, run: async (c) => closed(await post(c, '/judge', kayentaWith(c, (k) => (k.metricSetPairList[1].values.experiment = k.metricSetPairList[1].values.experiment.map(() => 'NaN')))), kayentaGo) });

  // Non-finite scores provoked from outside: counts whose sums overflow to Infinity (Infinity / Infinity = NaN).
  const overflow = () => cycle([m(1e308, 1e308, 0, 42, 120, 0)], 5);
  for (const judge of ['ml', 'kayenta']) {
    out.push({ group: 'non-finite', name: `verdict ${judge}, canary counts 1e308 (sums overflow)`, kind: 'decision', expected: NOT_PASS, needs: judge === 'ml' ? ['judge'] : [], run: async (c) => closed(await post(c, `/v1/canary/verdict?judge=${judge}`, verdictBody(overflow())), verdictGo) });
  }
  out.push({ group: 'non-finite', name: 'Argo GET, Prometheus answers 1e308 counts (ml)', kind: 'decision', expected: 'result.verdict not pass', needs: ['judge'], run: async (c) => closed(await get(c, '/v1/argo/verdict?name=fc-overflow&namespace=test'), argoGo) });
  out.push({ group: 'non-finite', name: 'rollout decision, canary counts 1e308', kind: 'decision', expected: 'action not advance (or 4xx naming the field)', needs: ['rollback'], run: async (c) => closed(await post(c, '/v1/rollout/decision', decisionBody(6, () => m(1e308, 1e308, 0, 42, 120, 0))), decisionGo) });
  out.push({
    group: 'non-finite',
    name: 'anomaly score, a series that jumps to 1e308',
    kind: 'decision',
    expected: '4xx, or the jump is not scored normal',
    run: async (c) => {
      const values = [...Array.from({ length: 200 }, (_, i) => 100 + 5 * Math.sin(i / 7)), 1e308, -1e308, 100];
      const a = await post(c, '/v1/anomaly/score', { values });
      if (a.status !== 200) return closed(a, () => false);
      const s = a.json.scores as number[];
      const threshold = typeof a.json.threshold === 'number' ? a.json.threshold : 0.5;
      const flagged = Array.isArray(a.json.isAnomaly) ? a.json.isAnomaly[200] === true || a.json.isAnomaly[201] === true : Math.max(s[200], s[201]) >= threshold;
      return { got: `200 scores ${f2(s[200])}, ${f2(s[201])} (threshold ${f2(threshold)})`, ok: flagged };
    },
  });

  // Typos.
  out.push({
    group: 'typos',
    name: 'verdict ml, canary "callerErorrs": 600 (typo)',
    kind: 'decision',
    expected: '4xx naming the field (or not pass)',
    needs: ['judge'],
    run: async (c) => {
      const canary = HEALTHY.map((x) => {
        const { callerErrors: _, ...rest } = x;
        return { ...rest, callerRequests: 1200, callerErorrs: 600 };
      });
      return closed(await post(c, '/v1/canary/verdict', verdictBody(canary as unknown as Cohort[])), verdictGo);
    },
  });
  for (const key of ['window.hour', 'Window.Hours']) {
    out.push({ group: 'typos', name: `Flagger confirm-rollout, metadata ${key}: 00:00-01:00 (typo)`, kind: 'decision', expected: NOT_2XX, run: async (c) => closed(await post(c, '/v1/flagger/confirm-rollout', { name: 'fc-healthy', namespace: 'test', phase: 'Progressing', metadata: { 'window.days': 'Mon-Fri', [key]: '00:00-01:00' } }), flaggerGo) });
  }

  // Monotone in evidence.
  const slowBody = (slow: number) => verdictBody(cycle([{ ...m(1200, 1, slow, 42, 120, 25), latencyP95: 90 }], 5), cycle([{ ...m(12_000, 12, 20, 42, 120, 250), latencyP95: 90 }], 5));
  out.push({ group: 'monotone', name: 'verdict ml, slow 20/1,200 vs 20/12,000 (p95/p99 equal)', kind: 'decision', expected: NOT_PASS, needs: ['judge'], run: async (c) => closed(await post(c, '/v1/canary/verdict', slowBody(20)), verdictGo) });
  out.push({
    group: 'monotone',
    name: 'verdict ml, P(fail) over canary slow 0, 2, 5, 20, 60, 200 of 1,200',
    kind: 'decision',
    expected: 'P(fail) never decreases',
    needs: ['judge'],
    run: async (c) => {
      const ps: number[] = [];
      for (const s of [0, 2, 5, 20, 60, 200]) {
        const a = await post(c, '/v1/canary/verdict', slowBody(s));
        if (a.status !== 200 || typeof a.json.pFail !== 'number') return { got: `slow ${s}: ${said(a)}`, ok: !broken(a.status), fiveXX: broken(a.status) };
        ps.push(a.json.pFail);
      }
      return { got: ps.map((p) => p.toFixed(3)).join(' '), ok: ps.every((p, i) => i === 0 || p >= ps[i - 1] - 1e-9) };
    },
  });

  // Risk inputs.
  const riskWith = (c: Ctx, over: Record<string, Json>) => ({ features: { ...typicalFeatures(c.specs), ...over } });
  for (const v of [-5, 1e308]) {
    out.push({ group: 'risk inputs', name: `risk score, lines_added ${v}`, kind: 'decision', expected: '4xx naming features.lines_added', needs: ['risk'], run: async (c) => closed(await post(c, '/v1/risk/score', riskWith(c, { lines_added: v })), (a) => a.status === 200) });
  }
  out.push({ group: 'risk inputs', name: 'Flagger confirm-rollout, metadata risk.lines_added "-5"', kind: 'decision', expected: NOT_2XX, needs: ['risk'], run: async (c) => closed(await post(c, '/v1/flagger/confirm-rollout', { name: 'fc-healthy', namespace: 'test', phase: 'Progressing', metadata: { 'risk.lines_added': '-5', 'risk.max': '0.95' } }), flaggerGo) });
  out.push({
    group: 'risk inputs',
    name: 'risk score, 3 features sent: no reason cites an imputed one',
    kind: 'decision',
    expected: 'reasons ⊆ features sent',
    needs: ['risk'],
    run: async (c) => {
      const a = await post(c, '/v1/risk/score', { features: { lines_added: 120, files_changed: 4, is_fix: false } });
      if (a.status !== 200) return closed(a, () => false);
      const sent = new Set(['lines_added', 'files_changed', 'is_fix']);
      const cited = (a.json.reasons as { feature: string }[]).map((r) => r.feature).filter((f) => !sent.has(f));
      return { got: `200, ${(a.json.imputed ?? []).length} imputed, ${cited.length} reason(s) not sent${cited.length ? ` (${short(cited.join(', '), 30)})` : ''}`, ok: cited.length === 0 };
    },
  });

  // Only registry versions load; every file the card lists is checked.
  out.push({
    group: 'registry files',
    name: 'champion pointer "../../outside/evil" (temp copy of the registry)',
    kind: 'decision',
    expected: 'the outside version is not loaded',
    needs: ['risk'],
    run: async (c) => {
      const root = join(c.tmp, 'reg-pointer', 'models');
      cpSync(c.modelsRoot, root, { recursive: true });
      const champ = JSON.parse(readFileSync(join(root, 'risk', 'champion.json'), 'utf8'));
      cpSync(join(root, 'risk', champ.version), join(root, '..', 'outside', 'evil'), { recursive: true });
      writeFileSync(join(root, 'risk', 'champion.json'), JSON.stringify({ ...champ, version: '../../outside/evil' }));
      const st = await statusOf(root);
      return { got: `risk loaded ${st.risk?.loaded} (version ${st.risk?.version ?? 'none'})`, ok: st.risk?.version !== '../../outside/evil' };
    },
  });
  for (const [family, file] of [
    ['risk', 'model.json'],
    ['risk', 'weights.bin'],
    ['rollback', 'weights.bin'],
  ] as const) {
    out.push({
      group: 'registry files',
      name: `${family} ${file} changed after training (temp copy)`,
      kind: 'decision',
      expected: `${family} not loaded`,
      needs: [family],
      run: async (c) => {
        const root = join(c.tmp, `reg-${family}-${file}`, 'models');
        cpSync(c.modelsRoot, root, { recursive: true });
        const champ = JSON.parse(readFileSync(join(root, family, 'champion.json'), 'utf8'));
        const target = join(root, family, champ.version, file);
        if (file.endsWith('.json')) appendFileSync(target, '\n');
        else {
          const b = readFileSync(target);
          b[b.length - 1] ^= 0x55;
          writeFileSync(target, b);
        }
        const st = await statusOf(root);
        return { got: `${family} loaded ${st[family]?.loaded}${st[family]?.error ? ` (${short(st[family].error, 40)})` : ''}`, ok: st[family]?.loaded === false };
      },
    });
  }

  // What a new user meets first.
  out.push({
    group: 'first contact',
    name: 'anomaly score answers the flag and the threshold',
    kind: 'decision',
    expected: 'a threshold and a per-point flag',
    run: async (c) => {
      const a = await post(c, '/v1/anomaly/score', { values: [1, 2, 3, 2, 1, 2, 3, 50] });
      const keys = a.json && typeof a.json === 'object' ? Object.keys(a.json) : [];
      const threshold = keys.some((k) => /threshold/i.test(k) && typeof a.json[k] === 'number');
      const flag = keys.some((k) => /anomal|flag/i.test(k) && (Array.isArray(a.json[k]) ? a.json[k].every((x: unknown) => typeof x === 'boolean') : typeof a.json[k] === 'boolean'));
      return { got: `${a.status} {${short(keys.join(', '), 50)}}`, ok: a.status === 200 && threshold && flag, fiveXX: broken(a.status) };
    },
  });
  out.push({
    group: 'first contact',
    name: 'GET / is not a 404',
    kind: 'decision',
    expected: 'a page or a redirect to /docs',
    run: async (c) => {
      const a = await get(c, '/');
      return { got: String(a.status), ok: a.status !== 404 && !broken(a.status), fiveXX: broken(a.status) };
    },
  });
  return out;
}

/** /v1/status of a server started on `root` (listening on a loopback port), then closed. */
async function statusOf(root: string): Promise<Any> {
  const app = buildApp({ modelsRoot: root, rateLimit: false, logger: false });
  try {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const a = await request(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, 'GET', '/v1/status');
    return a.json?.families ?? {};
  } finally {
    await app.close();
  }
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};

/** A /v1/deploy/schedule body of about 26 KB: 6 services with 21 days of hourly traffic, 16 changes over 72 h. */
function heavySchedule(specs: FeatureSpec[]): unknown {
  const feats = typicalFeatures(specs, new Set(TIME_FEATURES));
  const services: Record<string, unknown> = {};
  for (let s = 0; s < 6; s++) services[`svc-${s}`] = { traffic: { stepMinutes: 60, values: hourly(NOW, 21, (9 + 3 * s) % 24) } };
  const changes = Array.from({ length: 16 }, (_, i) => ({ id: `c${i}`, service: `svc-${i % 6}`, readyAt: NOW.toISOString(), features: { ...feats, lines_added: 20 + 37 * i } }));
  const dependencies = [0, 1, 2, 3, 4].map((s) => ({ caller: `svc-${s + 1}`, callee: `svc-${s}` }));
  return { services, changes, dependencies, horizonHours: 72, stepMinutes: 15 };
}

/** Heavy route: verdict latency and /healthz while two clients loop the schedule route. */
async function loadCase(c: Ctx, seconds: number): Promise<{ got: string; ok: boolean; fiveXX: boolean }> {
  const verdict = JSON.stringify(verdictBody(HEALTHY));
  const schedule = JSON.stringify(heavySchedule(c.specs));
  const idle: number[] = [];
  const tIdle = performance.now() + 1000;
  while (performance.now() < tIdle) idle.push((await request(c.base, 'POST', '/v1/canary/verdict', undefined, {}, verdict)).ms);
  const end = performance.now() + seconds * 1000;
  const heavy: number[] = [];
  const heavyStatus = new Map<number, number>();
  const loop = async () => {
    while (performance.now() < end) {
      const a = await request(c.base, 'POST', '/v1/deploy/schedule', undefined, {}, schedule);
      heavy.push(a.ms);
      heavyStatus.set(a.status, (heavyStatus.get(a.status) ?? 0) + 1);
    }
  };
  const loaded: number[] = [];
  const health: number[] = [];
  let fiveXX = false;
  const verdicts = async () => {
    while (performance.now() < end) {
      const a = await request(c.base, 'POST', '/v1/canary/verdict', undefined, {}, verdict);
      if (broken(a.status)) fiveXX = true;
      loaded.push(a.ms);
    }
  };
  const probe = async () => {
    while (performance.now() < end) {
      const a = await request(c.base, 'GET', '/healthz');
      health.push(a.ms);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await Promise.all([loop(), loop(), verdicts(), probe()]);
  for (const s of heavyStatus.keys()) if (broken(s)) fiveXX = true;
  const p99 = pct(loaded, 0.99);
  const hMax = Math.max(...health);
  const statuses = [...heavyStatus].map(([s, n]) => `${n}×${s}`).join(' ');
  return {
    got: `${loaded.length} verdicts p50 ${pct(loaded, 0.5).toFixed(0)} / p99 ${p99.toFixed(0)} ms (idle ${pct(idle, 0.5).toFixed(0)} / ${pct(idle, 0.99).toFixed(0)}), healthz max ${hMax.toFixed(0)} ms; schedule ${(schedule.length / 1024).toFixed(0)} KB ${statuses}, p50 ${pct(heavy, 0.5).toFixed(0)} ms`,
    ok: p99 <= VERDICT_P99_LOADED_MS && hMax <= HEALTHZ_MAX_MS,
    fiveXX,
  };
}

let gcFn: (() => void) | null = null;
function gc(): void {
  if (!gcFn) {
    v8.setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

/** Event memory: `count` Flagger events of about 1 MB each; memory kept and GET /v1/flagger/events. */
async function eventsCase(c: Ctx, count: number): Promise<{ got: string; ok: boolean; fiveXX: boolean }> {
  const value = 'x'.repeat(3990);
  const metadata: Record<string, string> = {};
  for (let i = 0; i < 240; i++) metadata[`k${String(i).padStart(3, '0')}`] = value;
  const body = JSON.stringify({ name: 'fc-healthy', namespace: 'test', phase: 'Progressing', metadata, eventMessage: 'x'.repeat(8000), eventType: 'Normal' });
  gc();
  const before = process.memoryUsage();
  const statuses = new Map<number, number>();
  let fiveXX = false;
  for (let i = 0; i < count; i++) {
    const a = await request(c.base, 'POST', '/v1/flagger/event', undefined, {}, body);
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    if (broken(a.status)) fiveXX = true;
  }
  gc();
  const after = process.memoryUsage();
  const kept = (after.heapUsed + after.external - before.heapUsed - before.external) / 2 ** 20;
  const rss = (after.rss - before.rss) / 2 ** 20;
  // The listing, streamed and counted (not parsed: the bench must not hold it).
  let listStatus = 0;
  let bytes = 0;
  const t0 = performance.now();
  try {
    const res = await fetch(`${c.base}/v1/flagger/events`, { signal: AbortSignal.timeout(120_000) });
    listStatus = res.status;
    if (res.body) for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
  } catch (e) {
    listStatus = 0;
  }
  if (broken(listStatus)) fiveXX = true;
  const statusText = [...statuses].map(([s, n]) => `${n}×${s}`).join(' ');
  return {
    got: `${count} × ${(body.length / 2 ** 20).toFixed(2)} MB: ${statusText}; kept ${kept.toFixed(0)} MB (rss +${rss.toFixed(0)}); GET events ${listStatus} ${(bytes / 2 ** 20).toFixed(0)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    ok: kept <= EVENTS_RETAINED_MAX_MB && !broken(listStatus),
    fiveXX,
  };
}

// ---- child processes: rolloutlab serve ---------------------------------------------------------------------------------

interface Child {
  proc: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: string | null; at: number }>;
}

function serveChild(args: string[]): Child {
  const env = { ...process.env };
  delete env.ROLLOUTLAB_TOKEN;
  delete env.ROLLOUTLAB_PROMETHEUS;
  const proc = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--quiet', '--watch', '0', ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null; at: number }>((done) => proc.on('exit', (code, signal) => done({ code, signal, at: performance.now() })));
  return { proc, stderr: () => err, exited };
}

/** The child's address once it prints its start-up line, or null when it exits (or `ms` pass) first. */
async function started(ch: Child, ms: number): Promise<string | null> {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const m = /serving on (http:\/\/[^\s,)]+)/.exec(ch.stderr());
    if (m) return m[1].replace(/\/$/, '');
    if (ch.proc.exitCode !== null || ch.proc.signalCode !== null) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
  return null;
}

const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timeout'> => Promise.race([p, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), ms))]);
const firstLine = (s: string) => short(s.split('\n').find((l) => /error|port|feedback|lock|use/i.test(l)) ?? s.split('\n')[0] ?? '', 70);

/** Shutdown, open writes, start-up errors and the start-up line, on `rolloutlab serve` child processes. */
async function processCases(c: Ctx, onStage: (s: string) => void): Promise<CaseResult[]> {
  const res: CaseResult[] = [];
  const add = (group: Group, name: string, kind: CaseResult['kind'], expected: string, got: string, ok: boolean | null, fiveXX = false) =>
    res.push({ group, name, kind, expected, got, status: ok === null ? 'skipped' : fiveXX ? '5xx' : ok ? 'ok' : kind === 'decision' ? 'FAIL-OPEN' : 'MISSED' });
  const feedback = join(c.tmp, 'feedback.duckdb');
  onStage('rolloutlab serve without --token (child process)');
  const a = serveChild(['--port', '0', '--models', c.modelsRoot, '--feedback', feedback]);
  try {
    const url = await started(a, 90_000);
    if (!url) {
      const ex = await within(a.exited, 5000);
      const why = `did not start (${ex === 'timeout' ? 'no start-up line in 90 s' : `exit ${ex.code}`}: ${firstLine(a.stderr())})`;
      for (const n of ['POST /v1/models/reload without a token', 'POST /v1/feedback without a token', 'GET /v1/feedback without a token', 'cross-origin POST /v1/models/reload']) add('open writes', n, 'decision', 'refused (4xx) or no open server', why, true);
      add('shutdown', 'SIGTERM with a request in flight on a keep-alive connection', 'operations', `exit within ${SHUTDOWN_MAX_S} s`, why, null);
    } else {
      const fb = { deploymentId: 'bench-fc-1', service: 'checkout', outcome: 'success', notes: 'written by the fail-closed bench' };
      const refused = (x: Answer) => x.status >= 400 && x.status < 500;
      const r1 = await request(url, 'POST', '/v1/models/reload');
      add('open writes', 'POST /v1/models/reload without a token', 'decision', 'refused (401/403)', said(r1), refused(r1), broken(r1.status));
      const r2 = await request(url, 'POST', '/v1/feedback', fb);
      add('open writes', 'POST /v1/feedback without a token', 'decision', 'refused (401/403)', said(r2), refused(r2), broken(r2.status));
      const r3 = await request(url, 'GET', '/v1/feedback');
      add('open writes', 'GET /v1/feedback without a token', 'decision', 'refused, or no notes', `${said(r3)}${r3.status === 200 ? `, ${r3.json?.records?.length ?? 0} record(s)` : ''}`, refused(r3) || (r3.status === 200 && !(r3.json?.records ?? []).some((x: Any) => x.notes)), broken(r3.status));
      const r4 = await request(url, 'POST', '/v1/models/reload', undefined, { origin: 'http://evil.example', 'content-type': 'text/plain' }, '');
      add('open writes', 'cross-origin POST /v1/models/reload (text/plain, no body)', 'decision', 'refused (4xx)', said(r4), refused(r4), broken(r4.status));
      add('first contact', 'start-up line mentions /docs', 'decision', '/docs in the start-up line', short(a.stderr().split('\n').find((l) => /serving on/.test(l)) ?? '', 70), /\/docs/.test(a.stderr()));

      // A second server on the same feedback file.
      onStage('a second server on the same feedback file');
      const b = serveChild(['--port', '0', '--models', c.modelsRoot, '--feedback', feedback]);
      const bStart = await started(b, 60_000);
      if (bStart) {
        b.proc.kill('SIGKILL');
        add('start-up errors', 'a second server on a locked feedback file', 'operations', 'exit 2 naming --feedback', 'started (no lock?)', null);
      } else {
        const ex = await within(b.exited, 30_000);
        if (ex === 'timeout') b.proc.kill('SIGKILL');
        const code = ex === 'timeout' ? 'no exit in 30 s' : `exit ${ex.code}`;
        add('start-up errors', 'a second server on a locked feedback file', 'operations', 'exit 2 naming --feedback', `${code}: ${firstLine(b.stderr())}`, ex !== 'timeout' && ex.code === 2 && /--feedback/.test(b.stderr()));
      }

      // SIGTERM while a request is in flight on a keep-alive connection (its body half sent): the answer comes,
      // the connection stays open on the client's side, and the server must still exit promptly.
      onStage('SIGTERM with a request in flight on a keep-alive connection');
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      const body = JSON.stringify({ values: [1, 2, 3, 4, 5] });
      let t0 = 0;
      const answered = new Promise<number>((done) => {
        const req = http.request(`${url}/v1/anomaly/score`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (r) => {
          r.resume();
          r.on('end', () => done(r.statusCode ?? 0));
        });
        req.on('error', () => done(0));
        req.write(body.slice(0, 5));
        setTimeout(() => {
          t0 = performance.now();
          a.proc.kill('SIGTERM');
          setTimeout(() => req.end(body.slice(5)), 300);
        }, 200);
      });
      const status = await within(answered, 15_000);
      const ex = await within(a.exited, 15_000);
      agent.destroy();
      const s = ex === 'timeout' ? null : (ex.at - t0) / 1000;
      const answer = status === 'timeout' ? 'no answer' : `answered ${status}`;
      add('shutdown', 'SIGTERM with a request in flight on a keep-alive connection', 'operations', `answered, exit within ${SHUTDOWN_MAX_S} s`, s === null ? `${answer}; still running 15 s after SIGTERM` : `${answer}; exit ${ex === 'timeout' ? '' : (ex.code ?? ex.signal)} after ${s.toFixed(1)} s`, s !== null && s <= SHUTDOWN_MAX_S && status !== 'timeout' && status > 0);
    }
  } finally {
    if (a.proc.exitCode === null && a.proc.signalCode === null) a.proc.kill('SIGKILL');
  }

  // The port is in use.
  onStage('rolloutlab serve on a port in use');
  const holder = net.createServer();
  await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done));
  const port = (holder.address() as AddressInfo).port;
  try {
    const d = serveChild(['--port', String(port), '--models', c.modelsRoot, '--feedback', join(c.tmp, 'feedback-port.duckdb')]);
    const ex = await within(d.exited, 90_000);
    if (ex === 'timeout') d.proc.kill('SIGKILL');
    const code = ex === 'timeout' ? 'no exit in 90 s' : `exit ${ex.code}`;
    add('start-up errors', 'rolloutlab serve on a port in use', 'operations', 'exit 2 naming --port', `${code}: ${firstLine(d.stderr())}`, ex !== 'timeout' && ex.code === 2 && /--port/.test(d.stderr()));
  } finally {
    await new Promise<void>((done) => holder.close(() => done()));
  }
  return res;
}

// ---- fuzz ----------------------------------------------------------------------------------------------------------------

async function fuzzStage(c: Ctx, n: number, seed: number, onStage: (s: string) => void): Promise<FailClosedReport['fuzz']> {
  const routes = fuzzRoutes(c.specs, c.kayenta).filter((r) => {
    const needs = r.path.includes('judge=ml') || r.path.includes('argo/verdict') || /flagger\/(rollout|confirm-traffic)/.test(r.path) ? 'judge' : r.path.includes('decision') || r.path.includes('flagger/rollback') ? 'rollback' : /risk|deploy|confirm-(rollout|promotion)|argo\/gate|rollout\/plan/.test(r.path) ? 'risk' : null;
    return needs === null || c.models[needs] !== null;
  });
  const figures = routes.map((r): FuzzRouteFigures => ({ route: r.name, requests: 0, invalidOrMissing: 0, fiveXX: 0, failOpen: 0, fourXX: 0, fourXXWithoutField: 0, imputedReasons: 0 }));
  const byMutation: Record<string, { requests: number; failOpen: number; fiveXX: number }> = {};
  const examples: FailOpenExample[] = [];
  const perRouteExamples = new Map<string, number>();
  const root = new Rng(seed, 'bench', 'fail-closed', 'fuzz');
  const weights = routes.map((r) => r.weight);
  let last = 0;
  for (let i = 0; i < n; i++) {
    const rng = root.at(i);
    const k = rng.weighted(weights);
    const route = routes[k];
    const f = figures[k];
    const base = route.bases[rng.int(0, route.bases.length - 1)];
    const mu = mutate(base.body, rng, route.mutations);
    let why: string | null = null;
    // A cut text may still parse (e.g. cut right after a complete value, then "}"): then it is judged as the body it is.
    let parsed: Json | undefined = mu.body;
    if (mu.raw !== undefined) {
      try {
        parsed = JSON.parse(mu.raw) as Json;
      } catch {
        parsed = undefined;
      }
    }
    if (parsed === undefined) why = 'not JSON';
    else {
      why = route.problem(parsed);
      if (!why && route.missing) why = route.missing(parsed);
      if (!why && base.expect === 'no-go' && route.sticky?.(mu)) why = `${mu.op} mutation on a failing canary (${base.label})`;
    }
    const a = await request(c.base, 'POST', route.path, mu.body, {}, mu.raw);
    f.requests++;
    const bm = (byMutation[mu.op] ??= { requests: 0, failOpen: 0, fiveXX: 0 });
    bm.requests++;
    if (why) f.invalidOrMissing++;
    if (broken(a.status)) {
      f.fiveXX++;
      bm.fiveXX++;
    }
    if (a.status >= 400 && a.status < 500 && a.status !== 409) {
      f.fourXX++;
      if (!errField(a)) f.fourXXWithoutField++;
    }
    if (route.path === '/v1/risk/score' && a.status === 200 && Array.isArray(a.json?.reasons) && Array.isArray(a.json?.imputed)) {
      const imputed = new Set(a.json.imputed as string[]);
      if ((a.json.reasons as { feature: string }[]).some((r) => imputed.has(r.feature))) f.imputedReasons++;
    }
    if (why && route.counts && route.go(a)) {
      f.failOpen++;
      bm.failOpen++;
      const seen = perRouteExamples.get(route.name) ?? 0;
      if (seen < 3) {
        perRouteExamples.set(route.name, seen + 1);
        examples.push({ route: route.name, base: base.label, mutation: mu.op, at: short(mu.at, 80), why: short(why, 80), status: a.status, answer: said(a) });
      }
    }
    if (i + 1 === n || performance.now() - last > 2000) {
      last = performance.now();
      onStage(`fuzz ${i + 1}/${n}`);
    }
  }
  const sum = (k: keyof FuzzRouteFigures) => figures.reduce((a, x) => a + (x[k] as number), 0);
  return { requests: sum('requests'), fiveXX: sum('fiveXX'), failOpen: sum('failOpen'), fourXXWithoutField: sum('fourXXWithoutField'), imputedReasons: sum('imputedReasons'), invalidOrMissing: sum('invalidOrMissing'), byRoute: figures, byMutation, examples };
}

// ---- main -----------------------------------------------------------------------------------------------------------------

export async function benchFailClosed(o: FailClosedOptions = {}): Promise<FailClosedReport> {
  const t0 = performance.now();
  const onStage = o.onStage ?? (() => {});
  const seed = o.seed ?? 1;
  const modelsRoot = resolve(o.modelsRoot ?? defaultModelsRoot());
  const tmp = mkdtempSync(join(tmpdir(), 'rolloutlab-failclosed-'));
  const prom = await startFakePrometheus({ canary: promRows(HEALTHY), baseline: promRows(HEALTHY) });
  prom.set('fc-bad', { canary: promRows(TEN_X), baseline: promRows(HEALTHY) });
  prom.set('fc-only-requests', { canary: promRows(HEALTHY), baseline: promRows(HEALTHY), series: ['requests'] });
  prom.set('fc-one-minute', { canary: promRows(HEALTHY), baseline: promRows(HEALTHY), minutes: [-1] });
  prom.set('fc-overflow', { canary: [['1e308', '1e308', 0, 42, 120, 0]], baseline: promRows(HEALTHY) });
  let app: FastifyInstance | null = null;
  try {
    onStage(`server on ${modelsRoot}`);
    app = buildApp({ modelsRoot, rateLimit: false, logger: false, now: () => NOW, metricsSource: new PrometheusSource({ url: prom.url, queries: FAKE_PROM_QUERIES, now: () => NOW, timeoutMs: 10_000 }) });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const st = (await request(base, 'GET', '/v1/status')).json;
    const models: Record<string, string | null> = {};
    for (const [f, s] of Object.entries((st?.families ?? {}) as Record<string, { version: string | null; loaded: boolean }>)) models[f] = s.loaded ? s.version : null;
    const fr = await request(base, 'GET', '/v1/risk/features');
    const specs: FeatureSpec[] = fr.status === 200 ? fr.json.features : [];
    const kayenta = JSON.parse(readFileSync(KAYENTA_FIXTURE, 'utf8'));
    const c: Ctx = { base, prom, models, specs, kayenta, modelsRoot, tmp };

    // References: the unmodified bodies take the go path (and the broken canary does not).
    onStage('reference answers');
    const references: FailClosedReport['references'] = [];
    const ref = async (name: string, expected: string, a: Promise<Answer>, ok: (a: Answer) => boolean) => {
      const x = await a;
      references.push({ name, expected, got: said(x), ok: ok(x) });
    };
    const post = (p: string, b: unknown) => request(base, 'POST', p, b);
    if (models.judge) {
      await ref('verdict ml, healthy window', 'pass', post('/v1/canary/verdict', verdictBody(HEALTHY)), verdictGo);
      await ref('verdict ml, 10x canary', 'fail', post('/v1/canary/verdict', verdictBody(TEN_X)), (a) => a.json?.verdict === 'fail');
      await ref('Argo GET, healthy canary in Prometheus', 'pass', request(base, 'GET', '/v1/argo/verdict?name=fc-healthy&namespace=test'), argoGo);
      await ref('Argo GET, 10x canary in Prometheus', 'fail', request(base, 'GET', '/v1/argo/verdict?name=fc-bad&namespace=test'), (a) => a.json?.result?.verdict === 'fail');
      await ref('Flagger rollout, healthy canary', '200', post('/v1/flagger/rollout', { name: 'fc-healthy', namespace: 'test', phase: 'Progressing' }), flaggerGo);
    }
    await ref('verdict kayenta, healthy window', 'pass', post('/v1/canary/verdict?judge=kayenta', verdictBody(HEALTHY)), verdictGo);
    await ref('verdict kayenta, 10x canary', 'fail', post('/v1/canary/verdict?judge=kayenta', verdictBody(TEN_X)), (a) => a.json?.verdict === 'fail');
    await ref('Kayenta /judge, the fixture', 'Fail', post('/judge', kayenta), (a) => a.json?.score?.classification === 'Fail');
    if (models.rollback) await ref('rollout decision, healthy 6 min', 'advance', post('/v1/rollout/decision', decisionBody(6, (a) => HEALTHY[a % 5])), decisionGo);
    if (models.risk) {
      await ref('risk score, every feature given', '200', post('/v1/risk/score', { features: typicalFeatures(specs) }), (a) => a.status === 200);
      // The gate scores only complete evidence: the features not sent are named in risk.impute (the time of day and
      // the weekend come from the clock).
      const impute = specs.map((f) => f.name).filter((n) => n !== 'lines_added' && !['hour_sin', 'hour_cos', 'weekend'].includes(n));
      await ref(
        'Flagger confirm-rollout, low risk inside the window',
        '200',
        post('/v1/flagger/confirm-rollout', { name: 'fc-healthy', namespace: 'test', phase: 'Progressing', metadata: { 'risk.lines_added': '120', 'risk.impute': impute.join(','), 'risk.max': '0.95', 'window.days': 'Mon-Fri', 'window.hours': '09:00-17:00' } }),
        flaggerGo,
      );
      // The pre-deploy gate passes a change whose every feature is one the champion was trained on.
      await ref('rollout plan, every feature as trained on', 'pass', post('/v1/rollout/plan', { features: seenFeatures(specs), rpm: 850 }), (a) => a.json?.gate?.decision === 'pass');
      await ref('Argo gate, every feature as trained on', 'pass', post('/v1/argo/gate', { features: seenFeatures(specs, CLOCK_FEATURES), rpm: 850 }), (a) => a.json?.result?.pass === 1);
    }

    const results: CaseResult[] = [];
    const defs = cases();
    for (const d of defs) {
      onStage(`${d.group}: ${d.name}`);
      const missingModel = (d.needs ?? []).find((f) => !models[f]);
      if (missingModel) {
        results.push({ group: d.group, name: d.name, kind: d.kind, expected: d.expected, got: `no ${missingModel} champion in ${modelsRoot}`, status: 'skipped' });
        continue;
      }
      try {
        const r = await d.run(c);
        results.push({ group: d.group, name: d.name, kind: d.kind, expected: d.expected, got: r.got, status: r.fiveXX ? '5xx' : r.ok ? 'ok' : d.kind === 'decision' ? 'FAIL-OPEN' : 'MISSED' });
      } catch (e) {
        results.push({ group: d.group, name: d.name, kind: d.kind, expected: d.expected, got: short(`bench error: ${(e as Error).message}`, 90), status: 'error' });
      }
    }
    const loadSeconds = o.loadSeconds ?? 5;
    if (models.risk && models.judge) {
      onStage(`heavy route: verdict latency while two clients loop /v1/deploy/schedule (${loadSeconds} s)`);
      const r = await loadCase(c, loadSeconds).catch((e: Error) => ({ got: short(`bench error: ${e.message}`, 90), ok: false, fiveXX: false, error: true }));
      results.push({ group: 'heavy route', name: `verdict and /healthz while 2 clients loop ~26 KB schedules (${loadSeconds} s)`, kind: 'operations', expected: `verdict p99 <= ${VERDICT_P99_LOADED_MS} ms, healthz <= ${HEALTHZ_MAX_MS} ms`, got: r.got, status: 'error' in r ? 'error' : r.fiveXX ? '5xx' : r.ok ? 'ok' : 'MISSED' });
    } else results.push({ group: 'heavy route', name: 'verdict and /healthz while the schedule route is loaded', kind: 'operations', expected: `verdict p99 <= ${VERDICT_P99_LOADED_MS} ms`, got: 'needs the judge and risk champions', status: 'skipped' });
    const events = o.events ?? 100;
    onStage(`event memory: ${events} Flagger events of about 1 MB`);
    const ev = await eventsCase(c, events).catch((e: Error) => ({ got: short(`bench error: ${e.message}`, 90), ok: false, fiveXX: false, error: true }));
    results.push({ group: 'event memory', name: `${events} Flagger events of ~1 MB, then GET /v1/flagger/events`, kind: 'operations', expected: `kept <= ${EVENTS_RETAINED_MAX_MB} MB, listing not 5xx`, got: ev.got, status: 'error' in ev ? 'error' : ev.fiveXX ? '5xx' : ev.ok ? 'ok' : 'MISSED' });

    if (o.processes ?? true) {
      try {
        results.push(...(await processCases(c, onStage)));
      } catch (e) {
        results.push({ group: 'shutdown', name: 'rolloutlab serve child processes', kind: 'operations', expected: '—', got: short(`bench error: ${(e as Error).message}`, 90), status: 'error' });
      }
    } else {
      for (const [group, name] of [
        ['shutdown', 'SIGTERM with a request in flight on a keep-alive connection'],
        ['open writes', 'writes without a token / cross-origin writes'],
        ['start-up errors', 'port in use / locked feedback file'],
      ] as const)
        results.push({ group, name, kind: 'operations', expected: '—', got: 'not run (processes off)', status: 'skipped' });
    }
    results.sort((a, b) => GROUPS.indexOf(a.group) - GROUPS.indexOf(b.group));

    const fuzz = (o.fuzz ?? 2000) > 0 ? await fuzzStage(c, o.fuzz ?? 2000, seed, onStage) : { requests: 0, fiveXX: 0, failOpen: 0, fourXXWithoutField: 0, imputedReasons: 0, invalidOrMissing: 0, byRoute: [], byMutation: {}, examples: [] };
    const count = (s: CaseStatus) => results.filter((r) => r.status === s).length;
    const run = results.filter((r) => r.status !== 'skipped').length;
    return {
      seed,
      modelsRoot,
      models,
      references,
      cases: results,
      totals: { cases: run, failClosed: count('ok'), failOpen: count('FAIL-OPEN'), missed: count('MISSED'), fiveXX: count('5xx'), errors: count('error'), skipped: count('skipped') },
      fuzz,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await app?.close();
    await prom.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatFailClosed(r: FailClosedReport): string {
  const lines: string[] = [];
  lines.push(`Fail-closed bench — models ${r.modelsRoot} (${Object.entries(r.models).map(([f, v]) => `${f} ${v ?? 'none'}`).join(', ')}), seed ${r.seed}, ${r.seconds.toFixed(0)} s`);
  lines.push('', 'Reference answers (unmodified bodies: the go path works, a broken canary does not pass)');
  for (const x of r.references) lines.push(`  ${x.ok ? 'ok ' : 'ODD'}  ${x.name.padEnd(52)} expected ${x.expected.padEnd(8)} got ${x.got}`);
  const w = Math.max(...r.cases.map((c) => c.name.length), 20);
  const gw = Math.max(...r.cases.map((c) => c.group.length), 5);
  const we = Math.max(...r.cases.map((c) => c.expected.length), 8);
  lines.push('', `  ${'group'.padEnd(gw)}  ${'case'.padEnd(w)}  ${'expected'.padEnd(we)}  ${'status'.padEnd(9)}  got`);
  for (const c of r.cases) lines.push(`  ${c.group.padEnd(gw)}  ${c.name.padEnd(w)}  ${c.expected.padEnd(we)}  ${c.status.padEnd(9)}  ${c.got}`);
  const t = r.totals;
  lines.push('', `cases fail-closed ${t.failClosed} of ${t.cases} (FAIL-OPEN ${t.failOpen}, MISSED ${t.missed}, 5xx ${t.fiveXX}, bench errors ${t.errors}; skipped ${t.skipped})`);
  const z = r.fuzz;
  if (z.requests) {
    lines.push('', `Fuzz: ${z.requests} requests (seed ${r.seed}), ${z.invalidOrMissing} of them invalid or without the evidence a go needs`);
    lines.push(`  ${'route'.padEnd(40)} ${'requests'.padStart(8)} ${'bad body'.padStart(8)} ${'5xx'.padStart(5)} ${'fail-open'.padStart(9)} ${'4xx'.padStart(5)} ${'4xx no field'.padStart(12)}`);
    for (const x of z.byRoute) lines.push(`  ${x.route.padEnd(40)} ${String(x.requests).padStart(8)} ${String(x.invalidOrMissing).padStart(8)} ${String(x.fiveXX).padStart(5)} ${String(x.failOpen).padStart(9)} ${String(x.fourXX).padStart(5)} ${String(x.fourXXWithoutField).padStart(12)}`);
    lines.push(`  by mutation: ${Object.entries(z.byMutation).map(([k, v]) => `${k} ${v.failOpen}/${v.requests}`).join(', ')} (fail-open/requests)`);
    if (z.examples.length) {
      lines.push('', '  fail-open examples (route — base — mutation at — why it is bad → answer):');
      for (const e of z.examples) lines.push(`    ${e.route} — ${e.base} — ${e.mutation} ${e.at} — ${e.why} → ${e.answer}`);
    }
    lines.push('', `fuzz: ${z.requests} requests, ${z.fiveXX} × 5xx, ${z.failOpen} fail-open, ${z.fourXXWithoutField} × 4xx without a named field${z.imputedReasons ? `, ${z.imputedReasons} risk answers citing an imputed feature` : ''}`);
  }
  return lines.join('\n');
}
