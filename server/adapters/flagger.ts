// The deploy-system extension points (docs/server.md), registered inside the serving plugin (server/app.ts)
// so they share its error handler, metrics and OpenAPI document:
//
// - Argo Rollouts' Web metric provider: GET|POST /v1/argo/verdict — always 2xx JSON for a decision, the verdict at
//   `$.result.verdict` (and `$.result.pass` 1 / 0 / -1); inconclusive or no metrics meet neither condition (pause).
// - Flagger's webhooks: POST /v1/flagger/<hook> — success is a status <= 202 (we answer 200), anything else (we answer
//   409) is a failed check / wait / "do not roll back" depending on the hook; GET /v1/flagger/events lists the calls.
// - Kayenta's RemoteJudge: POST /judge — NetflixACAJudge's statistics (judges/kayenta.ts judgeRemote) in Kayenta's
//   judge-result shape.
//
// Metric values come from the configured MetricsSource (server/metrics-source.ts). When it is down or has nothing,
// every decision is "inconclusive / hold" and never "promote", and the answer says why.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { judgeRemote, type KayentaJudgeRequest } from '../../judges/kayenta.ts';
import type { AnalysisWindow } from '../../judges/window-judges.ts';
import type { ModelStore } from '../models.ts';
import type { ServerMetrics } from '../metrics.ts';
import { isUnavailable, type MetricsSource, type MetricsTarget, type MetricsWindow } from '../metrics-source.ts';
import { BadInput, ModelUnavailable, NoAnswer, knowsTrainingRanges, riskScore, rolloutDecision, timeFeaturesAt, verdictFor } from '../decide.ts';
import type { FeatureSpec } from '../../training/gam.ts';
import {
  ArgoBodySchema,
  ArgoQuerySchema,
  ArgoResponseSchema,
  ErrorResponseSchema,
  FlaggerEventsQuerySchema,
  FlaggerEventsResponseSchema,
  FlaggerPayloadSchema,
  FlaggerQuerySchema,
  FlaggerResponseSchema,
  KayentaJudgeBodySchema,
  KayentaJudgeResponseSchema,
  type ArgoResponse,
  type ArgoTarget,
  type FlaggerEvent,
  type FlaggerPayload,
  type FlaggerResponse,
  type JudgeNameT,
} from '../schemas.ts';

type App = Parameters<FastifyPluginAsyncTypebox>[0];

/** A query-string whole number (the schema checks its digits) within [1, max], else a 400 naming it. */
function queryInt(v: string | undefined, field: string, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n >= 1 && n <= max)) throw new BadInput(field, `must be between 1 and ${max} (got ${v})`);
  return n;
}

export const DEFAULT_WINDOW_MIN = 5;
/** Flagger hook calls kept for GET /v1/flagger/events: at most this many... */
export const EVENT_RING = 1000;
/** ...and at most this many bytes of them (as JSON); the oldest go first. */
export const EVENT_STORE_BYTES = 8 * 1024 * 1024;
/** Largest body a Flagger hook accepts (bytes; a real payload is well under 10 KB): larger is a 413, which Flagger reads as a no. */
export const FLAGGER_BODY_LIMIT = 64 * 1024;
/** Default largest failure probability confirm-rollout / confirm-promotion let through (metadata `risk.max`). */
export const DEFAULT_MAX_RISK = 0.3;
/** Status for "no" to Flagger: anything above 202 is a failure to it. */
export const FLAGGER_NO = 409 as const;

export interface ExtensionOptions {
  store: ModelStore;
  metrics: ServerMetrics;
  source: MetricsSource;
  now: () => Date;
}

interface WindowVerdict {
  verdict: 'pass' | 'fail' | 'inconclusive';
  pFail: number | null;
  reasons: string[];
  judge: JudgeNameT;
  modelVersion: string | null;
  metricsAvailable: boolean;
  window: MetricsWindow | null;
}

const analysisWindow = (w: MetricsWindow): AnalysisWindow => ({ canary: w.canary, baseline: w.baseline, recorded: { kpi: w.kpi } });

/** Reads the target's window and judges it; an unavailable source or judge model is an inconclusive verdict that says why. */
async function judgeTarget(o: ExtensionOptions, target: MetricsTarget, minutes: number, judge: JudgeNameT): Promise<WindowVerdict> {
  const r = await o.source.window(target, minutes);
  if (isUnavailable(r)) return { verdict: 'inconclusive', pFail: null, reasons: [`metrics unavailable: ${r.unavailable}`], judge, modelVersion: null, metricsAvailable: false, window: null };
  try {
    const v = verdictFor(analysisWindow(r), judge, o.store.snapshot.judge);
    return { verdict: v.verdict, pFail: v.pFail ?? null, reasons: [...v.reasons, ...(r.notes ?? [])], judge, modelVersion: v.modelVersion, metricsAvailable: true, window: r };
  } catch (e) {
    if (e instanceof ModelUnavailable) return { verdict: 'inconclusive', pFail: null, reasons: [e.message], judge, modelVersion: null, metricsAvailable: true, window: r };
    throw e;
  }
}

/** A metadata value as a risk feature value (metadata values are strings in Flagger). */
function featureValue(v: string): number | boolean | string {
  const t = v.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  return t;
}

/** Metadata `risk.impute`: comma-separated features the team accepts scored at their training median (400 for a name the model lacks). */
function riskImpute(v: string | undefined, specs: readonly FeatureSpec[]): Set<string> {
  const names = (v ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const n of names) if (!specs.some((s) => s.name === n)) throw new BadInput('body.metadata.risk.impute', `names ${JSON.stringify(n)}, which is not a feature of the risk model (GET /v1/risk/features lists them)`);
  return new Set(names);
}

const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const GATE_HOOKS = ['confirm-rollout', 'confirm-promotion'];
/** The metadata keys the hooks read, with the hooks that read them; `risk.<feature>` is any key under `risk.`. */
export const METADATA_KEYS: Readonly<Record<string, readonly string[]>> = {
  weight: ['rollback'],
  'slo.objective': ['rollback'],
  'risk.max': GATE_HOOKS,
  'risk.<feature>': GATE_HOOKS,
  'window.days': GATE_HOOKS,
  'window.hours': GATE_HOOKS,
  'window.timezone': GATE_HOOKS,
};
const METADATA_PREFIXES = ['risk', 'slo', 'window'];

/** Edit distance (insertions, deletions, substitutions), for "did you mean". */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur.push(Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = cur;
  }
  return prev[b.length];
}

/**
 * Refuses (400 naming the key) metadata a hook would otherwise ignore while the caller meant it as a gate: a key under a
 * known prefix (risk., slo., window., in any case or one letter off) that is not a known key, a key one or two letters
 * from a known one (weigth, Window.Hours), and a known key on a hook that does not read it. Other keys (another tool's
 * metadata) are left alone.
 */
export function checkMetadataKeys(hook: string, meta: Record<string, string>): void {
  const known = Object.keys(METADATA_KEYS).filter((k) => !k.includes('<'));
  for (const key of Object.keys(meta)) {
    const field = `body.metadata.${key}`;
    const family = key.startsWith('risk.') && key !== 'risk.max' ? 'risk.<feature>' : key;
    const readers = METADATA_KEYS[family];
    if (family === 'risk.<feature>' && distance(key.toLowerCase(), 'risk.max') <= 1) throw new BadInput(field, `is not a metadata key rolloutlab reads (did you mean "risk.max"?)`);
    if (readers) {
      if (!readers.includes(hook)) throw new BadInput(field, `is read by the ${readers.join(' and ')} hook${readers.length > 1 ? 's' : ''} only, not by ${hook}: move it to ${readers.length > 1 ? 'one of those' : 'that'} webhook's metadata`);
      continue;
    }
    const lower = key.toLowerCase();
    const dot = lower.indexOf('.');
    const prefix = dot < 0 ? lower : lower.slice(0, dot);
    const underPrefix = dot >= 0 && METADATA_PREFIXES.some((p) => distance(prefix, p) <= (p.length > 3 ? 1 : 0));
    let best = '';
    let bestD = Infinity;
    for (const k of known) {
      const d = distance(lower, k);
      if (d < bestD) [best, bestD] = [k, d];
    }
    if (!underPrefix && !(bestD <= 2 && key.length >= 4)) continue;
    // A feature with the risk prefix in the wrong case: suggest the same feature under "risk.".
    const suggestion = prefix === 'risk' && dot >= 0 && bestD > 2 ? `risk.${key.slice(dot + 1)}` : best;
    throw new BadInput(field, `is not a metadata key rolloutlab reads (did you mean "${suggestion}"?); known keys: ${Object.keys(METADATA_KEYS).join(', ')}`);
  }
}

/** Whether `now` is inside the declared deploy window (metadata `window.days`, `window.hours`, `window.timezone`); null when none is declared. */
export function inDeployWindow(meta: Record<string, string>, now: Date): { ok: boolean; reason: string } | null {
  const days = meta['window.days'];
  const hours = meta['window.hours'];
  if (days === undefined && hours === undefined) return null;
  const tz = meta['window.timezone'] ?? 'UTC';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(now);
  } catch {
    throw new BadInput('body.metadata.window.timezone', `must be an IANA time zone such as Europe/Paris (got ${JSON.stringify(tz)})`);
  }
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const day = DAYS.indexOf(get('weekday').toLowerCase().slice(0, 3));
  const minute = Number(get('hour')) * 60 + Number(get('minute'));
  const local = `${get('weekday')} ${get('hour')}:${get('minute')} ${tz}`;
  if (days !== undefined) {
    const allowed = new Set<number>();
    for (const part of days.toLowerCase().split(',').map((s) => s.trim()).filter(Boolean)) {
      const [a, b] = part.split('-').map((s) => DAYS.indexOf(s.trim().slice(0, 3)));
      if (a < 0 || (b !== undefined && b < 0)) throw new BadInput('body.metadata.window.days', `must be days such as "Mon-Fri" or "Mon,Wed" (got ${JSON.stringify(days)})`);
      for (let d = a; ; d = (d + 1) % 7) {
        allowed.add(d);
        if (b === undefined || d === b) break;
      }
    }
    if (!allowed.has(day)) return { ok: false, reason: `outside the deploy window: ${local} is not one of ${days}` };
  }
  if (hours !== undefined) {
    const m = /^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$/.exec(hours);
    if (!m) throw new BadInput('body.metadata.window.hours', `must be "HH:MM-HH:MM" (got ${JSON.stringify(hours)})`);
    const from = Number(m[1]) * 60 + Number(m[2]);
    const to = Number(m[3]) * 60 + Number(m[4]);
    const inside = from <= to ? minute >= from && minute < to : minute >= from || minute < to;
    if (!inside) return { ok: false, reason: `outside the deploy window: ${local} is not within ${hours}` };
  }
  return { ok: true, reason: `inside the deploy window (${local})` };
}

export function extensionRoutes(app: App, o: ExtensionOptions): void {
  const { metrics } = o;
  // The last calls, bounded by count and by bytes (each call's JSON size, measured once), oldest first.
  const events: { event: FlaggerEvent; bytes: number }[] = [];
  let storedBytes = 0;
  const record = (hook: string, status: number, decision: string, payload: FlaggerPayload) => {
    const event: FlaggerEvent = { at: o.now().toISOString(), hook, status, decision, payload };
    const bytes = Buffer.byteLength(JSON.stringify(event));
    events.push({ event, bytes });
    storedBytes += bytes;
    let drop = 0;
    while (events.length - drop > EVENT_RING || (storedBytes > EVENT_STORE_BYTES && events.length - drop > 1)) storedBytes -= events[drop++].bytes;
    if (drop) events.splice(0, drop);
    metrics.countExtension(`flagger/${hook}`, decision);
  };

  // ---- Argo Rollouts: Web metric provider --------------------------------------------------------------
  const argo = async (t: ArgoTarget): Promise<ArgoResponse> => {
    const minutes = t.minutes ?? DEFAULT_WINDOW_MIN;
    const v = await judgeTarget(o, { name: t.name, namespace: t.namespace }, minutes, t.judge ?? 'ml');
    metrics.countExtension('argo/verdict', v.verdict);
    return {
      result: {
        verdict: v.verdict,
        pass: v.verdict === 'pass' ? 1 : v.verdict === 'fail' ? 0 : -1,
        pFail: v.pFail,
        reasons: v.reasons,
        judge: v.judge,
        modelVersion: v.modelVersion,
        metricsAvailable: v.metricsAvailable,
        name: t.name,
        namespace: t.namespace ?? null,
        minutes,
      },
    };
  };
  const argoSummary = 'Argo Rollouts Web metric provider: the canary verdict at $.result.verdict (always 200 for a decision; inconclusive when unsure or without metrics)';
  app.get('/v1/argo/verdict', { schema: { summary: argoSummary, querystring: ArgoQuerySchema, response: { 200: ArgoResponseSchema, 400: ErrorResponseSchema } } }, async (req) =>
    argo({ ...req.query, minutes: queryInt(req.query.minutes, 'query.minutes', 60, DEFAULT_WINDOW_MIN) }),
  );
  app.post('/v1/argo/verdict', { schema: { summary: argoSummary, body: ArgoBodySchema, response: { 200: ArgoResponseSchema, 400: ErrorResponseSchema } } }, async (req) => argo(req.body));

  // ---- Flagger webhooks --------------------------------------------------------------------------------
  const answer = (hook: string, p: FlaggerPayload, ok: boolean, decision: string, reasons: string[], extra: Partial<FlaggerResponse> = {}): { status: 200 | typeof FLAGGER_NO; body: FlaggerResponse } => {
    const status = ok ? 200 : FLAGGER_NO;
    record(hook, status, decision, p);
    return { status, body: { hook, name: p.name, namespace: p.namespace, ok, decision, reasons, ...extra } };
  };
  const flaggerSchema = (summary: string) => ({
    summary,
    querystring: FlaggerQuerySchema,
    body: FlaggerPayloadSchema,
    response: { 200: FlaggerResponseSchema, [FLAGGER_NO]: FlaggerResponseSchema, 400: ErrorResponseSchema },
  });
  type Req = { body: FlaggerPayload; query: { minutes?: string; judge?: JudgeNameT } };
  const hook = (name: string, summary: string, decide: (req: Req) => Promise<{ status: 200 | typeof FLAGGER_NO; body: FlaggerResponse }>) => {
    app.post(`/v1/flagger/${name}`, { schema: flaggerSchema(summary), bodyLimit: FLAGGER_BODY_LIMIT }, async (req, reply) => {
      const r = await decide(req as Req);
      return reply.code(r.status).send(r.body);
    });
  };

  // rollout / confirm-traffic-increase: the canary verdict on the window. Only "pass" is a 200.
  const verdictHook = (name: string, summary: string, failIs: string) =>
    hook(name, summary, async ({ body: p, query: q }) => {
      checkMetadataKeys(name, p.metadata ?? {});
      const v = await judgeTarget(o, { name: p.name, namespace: p.namespace }, queryInt(q.minutes, 'query.minutes', 60, DEFAULT_WINDOW_MIN), q.judge ?? 'ml');
      const why = v.verdict === 'pass' ? v.reasons : [v.verdict === 'fail' ? `canary fails: ${failIs}` : `inconclusive, not a pass: ${failIs}`, ...v.reasons];
      return answer(name, p, v.verdict === 'pass', v.verdict, why, { verdict: v.verdict, modelVersion: v.modelVersion });
    });
  verdictHook('rollout', 'Flagger rollout hook: 200 when the canary passes; 409 (a failed check) when it fails or the verdict is inconclusive (no metrics, no model)', 'a failed check for Flagger');
  verdictHook('confirm-traffic-increase', 'Flagger confirm-traffic-increase hook: 200 when the canary passes; 409 (hold the weight, no failed check) otherwise', 'Flagger holds the weight');

  hook('rollback', 'Flagger rollback hook: 200 = roll back now (the rollback model decides on the window); 409 = do not roll back', async ({ body: p, query: q }) => {
    checkMetadataKeys('rollback', p.metadata ?? {});
    const minutes = queryInt(q.minutes, 'query.minutes', 60, DEFAULT_WINDOW_MIN);
    const s = o.store.snapshot;
    if (!s.rollback) return answer('rollback', p, false, 'no-rollback', [`no rollback champion is loaded (${s.errors.rollback ?? 'not loaded'}): not rolling back on our side`]);
    const r = await o.source.window({ name: p.name, namespace: p.namespace }, minutes);
    if (isUnavailable(r)) return answer('rollback', p, false, 'no-rollback', [`metrics unavailable: ${r.unavailable}; hold (no rollback decided without data)`]);
    const meta = p.metadata ?? {};
    const w = meta.weight === undefined ? 0.1 : Number(meta.weight) / 100;
    if (!(w > 0 && w <= 1)) throw new BadInput('body.metadata.weight', `must be the canary's traffic weight in percent, in (0, 100] (got ${JSON.stringify(meta.weight)})`);
    const objective = meta['slo.objective'] === undefined ? 0.999 : Number(meta['slo.objective']);
    if (!(objective > 0 && objective < 1)) throw new BadInput('body.metadata.slo.objective', `must be in (0, 1) (got ${JSON.stringify(meta['slo.objective'])})`);
    // The window as a one-stage rollout at the canary's weight: the model scores the trajectory so far.
    const d = rolloutDecision(
      {
        plan: { stages: [{ exposure: [w], dwellMinutes: minutes + 60 }, { exposure: [1], dwellMinutes: minutes }], unitShares: [1], bakeMinutes: 0 },
        slo: { objective, burnRate: 14.4 },
        observations: [
          { age: 0, phase: 'progressing', stage: 0, weight: w, timeAtStage: 0, canary: null, baseline: null },
          ...r.canary.map((c, i) => ({ age: i + 1, phase: 'progressing' as const, stage: 0, weight: w, timeAtStage: i + 1, canary: c, baseline: r.baseline[i] })),
        ],
      },
      { rollback: s.rollback, judge: s.judge, rollbackError: s.errors.rollback },
    );
    metrics.countDecision(d.action);
    const rollback = d.action === 'rollback';
    return answer('rollback', p, rollback, rollback ? 'rollback' : 'no-rollback', d.reasons, { action: d.action, pFault: d.pFault, modelVersion: d.modelVersion });
  });

  // confirm-rollout / confirm-promotion: gate on the change's risk and the deploy window declared in the metadata.
  const gate = (name: string, summary: string) =>
    hook(name, summary, async ({ body: p }) => {
      const meta = p.metadata ?? {};
      checkMetadataKeys(name, meta);
      const reasons: string[] = [];
      const features: Record<string, number | boolean | string> = {};
      for (const [k, v] of Object.entries(meta)) if (k.startsWith('risk.') && k !== 'risk.max' && k !== 'risk.impute') features[k.slice(5)] = featureValue(v);
      const win = inDeployWindow(meta, o.now());
      if (win) {
        if (!win.ok) return answer(name, p, false, 'wait', [win.reason]);
        reasons.push(win.reason);
      }
      let riskProbability: number | undefined;
      let modelVersion: string | null | undefined;
      if (Object.keys(features).length) {
        const max = meta['risk.max'] === undefined ? DEFAULT_MAX_RISK : Number(meta['risk.max']);
        if (!(max >= 0 && max <= 1)) throw new BadInput('body.metadata.risk.max', `must be a probability in [0, 1] (got ${JSON.stringify(meta['risk.max'])})`);
        const risk = o.store.snapshot.risk;
        if (!risk) return answer(name, p, false, 'wait', [`the metadata carries change features but no risk champion is loaded (${o.store.snapshot.errors.risk ?? 'not loaded'}): wait`]);
        // Fail closed on partial evidence: every feature must be in the metadata (the time of day and the weekend are
        // taken from now), unless risk.impute names it as one to score at its training median.
        const impute = riskImpute(meta['risk.impute'], risk.model.specs);
        let r;
        try {
          r = riskScore({ features: { ...timeFeaturesAt(o.now(), risk.model.specs), ...features } }, risk);
        } catch (e) {
          if (e instanceof BadInput) throw new BadInput(e.field.replace(/^body\.features\./, 'body.metadata.risk.'), e.message.slice(e.field.length + 1));
          if (e instanceof NoAnswer) return answer(name, p, false, 'wait', [`no risk score: the metadata's features ${e.message.slice(e.field.length + 1)}: wait`, ...reasons]);
          throw e;
        }
        riskProbability = r.probability;
        modelVersion = r.modelVersion;
        const missing = r.imputed.filter((f) => !impute.has(f));
        if (missing.length) return answer(name, p, false, 'wait', [`risk evidence incomplete: ${missing.length} of ${risk.model.specs.length} features missing from the metadata (${missing.join(', ')}); give each as risk.<feature>, or name the ones to score at their training median in risk.impute: wait`, ...reasons], { riskProbability, modelVersion });
        if (r.outsideTraining.length) return answer(name, p, false, 'wait', [`risk evidence outside the training range (${r.outsideTraining.map((x) => `${x.feature} ${x.value} not in [${x.min}, ${x.max}]`).join(', ')}): the model has not seen such a change: wait`, ...reasons], { riskProbability, modelVersion });
        if (!knowsTrainingRanges(risk.model)) return answer(name, p, false, 'wait', [`risk model ${r.modelVersion} was saved without the range of its training values, so an unseen change cannot be told from a usual one: retrain it (rolloutlab train risk): wait`, ...reasons], { riskProbability, modelVersion });
        const top = r.reasons.slice(0, 3).map((x) => `${x.feature} ${x.contribution >= 0 ? '+' : ''}${x.contribution.toFixed(2)}`).join(', ');
        const imputedNote = r.imputed.length ? `; at the training median per risk.impute: ${r.imputed.join(', ')}` : '';
        if (r.probability > max) return answer(name, p, false, 'wait', [`risk ${r.probability.toFixed(3)} > ${max} (${top}${imputedNote})`, ...reasons], { riskProbability, modelVersion });
        reasons.push(`risk ${r.probability.toFixed(3)} <= ${max} (${top}${imputedNote})`);
      }
      if (!reasons.length) reasons.push('no gate declared in the metadata (risk.<feature>, window.days / window.hours): go');
      return answer(name, p, true, 'go', reasons, riskProbability === undefined ? {} : { riskProbability, modelVersion });
    });
  gate('confirm-rollout', 'Flagger confirm-rollout hook: 200 = go; 409 = wait (risk above metadata risk.max, or outside the declared deploy window)');
  gate('confirm-promotion', 'Flagger confirm-promotion hook: 200 = go; 409 = wait (risk above metadata risk.max, or outside the declared deploy window)');

  for (const name of ['pre-rollout', 'post-rollout', 'event']) {
    hook(name, `Flagger ${name} hook: accepted (200) and recorded on GET /v1/flagger/events`, async ({ body: p }) => answer(name, p, true, 'recorded', ['recorded']));
  }

  app.get(
    '/v1/flagger/events',
    { schema: { summary: `the last Flagger hook calls received (in memory, oldest first: at most ${EVENT_RING} calls and ${EVENT_STORE_BYTES / 2 ** 20} MB)`, querystring: FlaggerEventsQuerySchema, response: { 200: FlaggerEventsResponseSchema, 400: ErrorResponseSchema } } },
    async (req) => ({ events: events.slice(-queryInt(req.query.limit, 'query.limit', EVENT_RING, EVENT_RING)).map((e) => e.event) }),
  );

  // ---- Kayenta RemoteJudge ------------------------------------------------------------------------------
  app.post('/judge', { schema: { summary: "Kayenta RemoteJudge: NetflixACAJudge's statistics on the metric set pairs, in Kayenta's judge-result shape", body: KayentaJudgeBodySchema, response: { 200: KayentaJudgeResponseSchema, 400: ErrorResponseSchema } } }, async (req) => {
    const r = judgeRemote(req.body as unknown as KayentaJudgeRequest);
    const fin = (x: number) => (Number.isFinite(x) ? x : null);
    const stats = (s: { count: number; mean: number; median: number; min: number; max: number }) => ({ count: s.count, mean: fin(s.mean), median: fin(s.median), min: fin(s.min), max: fin(s.max) });
    metrics.countExtension('kayenta/judge', r.score.classification);
    return {
      ...r,
      results: r.results.map((x) => ({ ...x, experimentMetadata: { stats: stats(x.experimentMetadata.stats) }, controlMetadata: { stats: stats(x.controlMetadata.stats) }, resultMetadata: { ratio: fin(x.resultMetadata.ratio) } })),
      groupScores: r.groupScores.map((g) => ({ name: g.name, score: Number.isFinite(g.score) ? g.score : 0 })),
      score: { ...r.score, score: Number.isFinite(r.score.score) ? r.score.score : 0 },
    };
  });
}
