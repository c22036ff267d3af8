// The serving app (docs/server.md): a Fastify plugin with every route, and `buildApp` that wraps it in a Fastify
// instance without listening, so tests drive it with `app.inject` and `rolloutlab serve` adds the port.
//
// Contract: every request and response has a TypeBox schema (server/schemas.ts); bad input is a 400 with
// `{error: {code, message, field}}` naming the field and the problem, never a 5xx; the models are one immutable
// snapshot (server/models.ts) swapped on POST /v1/models/reload (bearer token when one is configured).
import { createHash, timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifySchema } from 'fastify';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { defaultModelsRoot } from '../training/registry.ts';
import { DEFAULT_DETECTOR, createDetector, restoreDetector, type AnomalyDetector } from '../training/anomaly/detector.ts';
import { StateSealer } from './anomaly-state.ts';
import { NAB_THRESHOLDS } from '../training/anomaly/thresholds.ts';
import { isRolloutlabError } from '../lib/errors.ts';
import { codeVersion } from '../lib/version.ts';
import { FAMILIES, ModelStore, type Family } from './models.ts';
import { ServerMetrics } from './metrics.ts';
import { NO_METRICS_SOURCE, type MetricsSource } from './metrics-source.ts';
import { extensionRoutes } from './adapters/flagger.ts';
import { renderDocsPage, type OpenApiDoc } from './docs-page.ts';
import { windowRoutes } from './deploy-planners.ts';
import { FeedbackStore } from '../datasets/feedback.ts';
import { Busy, Offload, type OffloadOptions } from './offload.ts';
import { DEFAULT_RATE_LIMIT, TokenBuckets, type RateLimitOptions } from './rate-limit.ts';
import { BadInput, ModelUnavailable, NoAnswer, featureRange, riskChampion, riskScore, rolloutDecision, verdictFor, windowOf } from './decide.ts';
import {
  AnomalyBodySchema,
  AnomalyResponseSchema,
  DecisionBodySchema,
  DecisionResponseSchema,
  ErrorResponseSchema,
  FeedbackBodySchema,
  FeedbackListResponseSchema,
  FeedbackPostResponseSchema,
  FeedbackQuerySchema,
  HealthResponseSchema,
  MAX_FEEDBACK_LIST,
  ReadyResponseSchema,
  ReloadBodySchema,
  ReloadResponseSchema,
  RiskBodySchema,
  RiskFeaturesResponseSchema,
  RiskResponseSchema,
  StatusResponseSchema,
  VerdictBodySchema,
  VerdictQuerySchema,
  VerdictResponseSchema,
  type ErrorResponse,
  type StatusResponse,
} from './schemas.ts';

/** Largest request body accepted (bytes). */
export const BODY_LIMIT = 1024 * 1024;
/** How long a closing server lets in-flight requests finish before it closes every connection (ms). */
export const DEFAULT_DRAIN_MS = 5000;

export interface AppOptions {
  /** Registry root (default: $ROLLOUTLAB_MODELS, else <repo>/models). */
  modelsRoot?: string;
  /** Fastify's logger option (default false). */
  logger?: boolean | object;
  /**
   * Bearer token required by the write routes (POST /v1/feedback, POST /v1/models/reload) and by GET /v1/feedback.
   * None: those routes answer 403 unless `insecureOpenWrites`.
   */
  token?: string;
  /** Without a token, open the write routes and GET /v1/feedback to anyone who can reach the port (default false: refused). */
  insecureOpenWrites?: boolean;
  /** On close: how long in-flight requests may run before every connection is closed (default DEFAULT_DRAIN_MS). */
  drainMs?: number;
  /**
   * Worker threads for the planning routes (POST /v1/deploy/windows, /v1/deploy/schedule), with their queue and time
   * limits (default DEFAULT_OFFLOAD: 1 thread, 8 waiting, 30 s); 0: they run on the main thread (blocking it).
   */
  planThreads?: number | OffloadOptions;
  /** Families that must be loaded for /readyz to answer 200 (default judge and rollback). */
  require?: Family[];
  /** Request body limit in bytes (default BODY_LIMIT). */
  bodyLimit?: number;
  /** Where the Argo and Flagger routes read metric values (default: none, every such decision is inconclusive). */
  metricsSource?: MetricsSource;
  /** The clock of the deploy-window gates, event records and feedback receipts (tests). */
  now?: () => Date;
  /** DuckDB file where POST /v1/feedback stores outcomes (none: the feedback routes answer 503). */
  feedbackPath?: string;
  /** Per-client rate limit (default DEFAULT_RATE_LIMIT: 1000 req/s, burst 2000); false: none. /healthz is exempt. */
  rateLimit?: RateLimitOptions | false;
  /** Secret that keys the signature of streaming anomaly states (default: random per process, so states do not survive a restart). */
  stateSecret?: string;
  /** Reload when a champion pointer in the registry changes, checking every this many ms (default: off; `serve` watches every 2 s). */
  watchRegistryMs?: number;
}

interface PluginOptions {
  store: ModelStore;
  token?: string;
  insecureOpenWrites?: boolean;
  require: Family[];
  metricsSource?: MetricsSource;
  now?: () => Date;
  feedbackPath?: string;
  rateLimit: RateLimitOptions | false;
  stateSecret?: string;
  offload: Offload | null;
}

const errorBody = (code: string, message: string, field: string | null): ErrorResponse => ({ error: { code, message, field } });

/** `/canary/0/requests` → `canary[0].requests`. */
function fieldPath(context: string, instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return context + parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
}

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** One message naming the field and the problem, from Ajv's errors (the first error's field; unions summarised). */
function validationError(context: string, errors: AjvError[]): ErrorResponse {
  const e = errors[0];
  const extra = e.keyword === 'required' ? String(e.params.missingProperty) : e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
  const field = fieldPath(context === 'querystring' ? 'query' : context, e.instancePath, extra);
  let problem = e.message ?? 'is invalid';
  if (e.keyword === 'required') problem = 'is required';
  else if (e.keyword === 'additionalProperties') problem = 'is not allowed (unknown field)';
  else if (e.keyword === 'type' || e.keyword === 'const') {
    // A union (x | null, 'a' | 'b'): Ajv reports each branch; say what any branch would take.
    const same = errors.filter((x) => x.instancePath === e.instancePath && (x.keyword === 'type' || x.keyword === 'const'));
    const wants = [...new Set(same.map((x) => (x.keyword === 'type' ? String(x.params.type) : JSON.stringify(x.params.allowedValue))))];
    problem = `must be ${wants.join(' or ')}`;
  }
  return errorBody('VALIDATION', `${field} ${problem}`, field);
}

/** GET /v1/feedback's `limit` (the schema checks the digits). */
function queryLimit(v: string | undefined): number {
  if (v === undefined) return 100;
  const n = Number(v);
  if (!(n >= 1 && n <= MAX_FEEDBACK_LIST)) throw new BadInput('query.limit', `must be between 1 and ${MAX_FEEDBACK_LIST} (got ${v})`);
  return n;
}

class FeedbackUnavailable extends Error {
  constructor() {
    super('no feedback store is configured (start the server with --feedback <file>)');
  }
}

const sha = (s: string) => createHash('sha256').update(s).digest();

/** The routes, as a plugin (encapsulated: its hooks and handlers apply to its own routes). */
export const serverPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, opts) => {
  const { store } = opts;
  const metrics = new ServerMetrics();
  const routes: { method: string; url: string; schema: Record<string, unknown>; summary?: string }[] = [];
  const started = new Date().toISOString();

  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) if (m !== 'HEAD') routes.push({ method: m.toLowerCase(), url: r.url, schema: (r.schema ?? {}) as Record<string, unknown> });
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (err.validation) return reply.code(400).send(validationError(err.validationContext ?? 'body', err.validation as AjvError[]));
    if (err instanceof BadInput) return reply.code(400).send(errorBody('VALIDATION', err.message, err.field));
    if (err instanceof Busy) return reply.code(503).header('retry-after', String(err.retryAfterSeconds)).send(errorBody('BUSY', err.message, null));
    if (err instanceof FeedbackUnavailable) return reply.code(503).send(errorBody('FEEDBACK_UNAVAILABLE', err.message, null));
    if (err instanceof ModelUnavailable) return reply.code(503).send(errorBody('MODEL_UNAVAILABLE', err.message, null));
    if (err instanceof NoAnswer) return reply.code(422).send(errorBody(err.code, err.message, err.field));
    if (isRolloutlabError(err) && (err.code === 'BAD_ARGUMENT' || err.code === 'BAD_DATA')) return reply.code(400).send(errorBody('VALIDATION', err.message, err.field ? `body.${err.field}` : 'body'));
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
      return reply.code(status).send(errorBody(code, `body: ${err.message}`, 'body'));
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(errorBody('INTERNAL', 'internal error (see the server log)', null));
  });
  if (opts.rateLimit !== false) {
    const buckets = new TokenBuckets(opts.rateLimit);
    app.addHook('onRequest', async (req, reply) => {
      if (req.url === '/healthz' || req.url.startsWith('/healthz?')) return;
      const wait = buckets.take(req.ip);
      if (wait > 0) {
        const after = Math.max(1, Math.ceil(wait));
        return reply
          .code(429)
          .header('retry-after', String(after))
          .send(errorBody('RATE_LIMITED', `too many requests from ${req.ip}: the limit is ${buckets.perSecond} requests/s (burst ${buckets.burst}); retry after ${after} s`, null));
      }
    });
  }

  // Feedback store: opened before the app is ready (a file held by another process fails the start), closed with it.
  const feedback = opts.feedbackPath !== undefined ? await FeedbackStore.open(opts.feedbackPath) : null;
  if (feedback) app.addHook('onClose', async () => feedback.close());
  const now = opts.now ?? (() => new Date());
  const sealer = new StateSealer(opts.stateSecret);

  /**
   * onRequest of the guarded routes (the writes, and GET /v1/feedback which shows notes), checked before the body
   * is read: no token configured and no insecureOpenWrites → 403; a token configured → the bearer token (401);
   * a request sent by a browser page (Origin, or Sec-Fetch-Site other than none) → 403, so a web page cannot drive
   * them (cross-site request forgery, DNS rebinding); a write → a JSON content type (415; no form or text POST).
   */
  const guard = async (req: FastifyRequest, reply: FastifyReply) => {
    if (opts.token === undefined && !opts.insecureOpenWrites) {
      return reply
        .code(403)
        .send(errorBody('WRITES_DISABLED', `${req.method} ${req.routeOptions.url} is refused: this server has no token (start it with --token <t> or $ROLLOUTLAB_TOKEN, and send Authorization: Bearer <t>; or, on a trusted network only, --insecure-open-writes)`, 'headers.authorization'));
    }
    if (opts.token !== undefined) {
      const h = req.headers.authorization ?? '';
      const m = /^Bearer (.+)$/i.exec(h);
      if (!m || !timingSafeEqual(sha(m[1].trim()), sha(opts.token))) {
        return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('UNAUTHORIZED', 'a valid bearer token is required (Authorization: Bearer <token>)', 'headers.authorization'));
      }
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'none') {
      return reply.code(403).send(errorBody('BROWSER_ORIGIN', `${req.method} ${req.routeOptions.url} is refused from a browser page (Sec-Fetch-Site: ${String(site)}): call it from a deploy system or a script`, 'headers.sec-fetch-site'));
    }
    if (req.headers.origin !== undefined) {
      return reply.code(403).send(errorBody('BROWSER_ORIGIN', `${req.method} ${req.routeOptions.url} is refused from a browser page (Origin: ${String(req.headers.origin).slice(0, 100)}): call it from a deploy system or a script`, 'headers.origin'));
    }
    if (req.method === 'POST') {
      const type = String(req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
      if (type !== 'application/json') {
        return reply.code(415).send(errorBody('UNSUPPORTED_MEDIA_TYPE', `${req.method} ${req.routeOptions.url} needs Content-Type: application/json (got ${type ? JSON.stringify(type) : 'none'})`, 'headers.content-type'));
      }
    }
  };
  // POST /v1/models/reload takes no body: with a JSON content type, an empty body is {} (the default parser refuses it).
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' && req.routeOptions.url === '/v1/models/reload') return done(null, {});
    return defaultJson(req, body as string, done);
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]} (see GET /v1/openapi.json)`, null)));

  const errors = { 400: ErrorResponseSchema, 503: ErrorResponseSchema };

  const status = (): StatusResponse => {
    const s = store.snapshot;
    const families: StatusResponse['families'] = {};
    for (const f of FAMILIES) {
      const l = s[f];
      families[f] = { loaded: l !== null, version: l?.version ?? null, loadedAt: l?.loadedAt ?? null, error: s.errors[f] };
    }
    return { modelsRoot: store.root, snapshot: s.seq, lastReload: s.at, families, watch: store.watching };
  };

  app.get('/healthz', { schema: { summary: 'the process is alive', response: { 200: HealthResponseSchema } } }, async () => ({ ok: true }));

  app.get('/readyz', { schema: { summary: 'the required models are loaded (503 with the reasons if not)', response: { 200: ReadyResponseSchema, 503: ReadyResponseSchema } } }, async (_req, reply) => {
    const s = store.snapshot;
    const reasons = opts.require.filter((f) => s[f] === null).map((f) => `${f}: ${s.errors[f] ?? 'not loaded'}`);
    return reply.code(reasons.length ? 503 : 200).send({ ready: reasons.length === 0, reasons });
  });

  app.get('/v1/status', { schema: { summary: 'loaded model families with their versions, and load errors', response: { 200: StatusResponseSchema } } }, async () => status());

  app.post(
    '/v1/models/reload',
    {
      schema: {
        summary: 'reload the champions from the registry (atomic; a bad model keeps the last good one serving); Content-Type: application/json, body empty or {}',
        security: [{ bearer: [] }],
        body: ReloadBodySchema,
        response: { 200: ReloadResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 415: ErrorResponseSchema },
      },
      onRequest: guard,
    },
    async () => {
      const changed = store.reload();
      return { changed, status: status() };
    },
  );

  app.post(
    '/v1/canary/verdict',
    { schema: { summary: 'canary verdict for one analysis window (learned judge, or judge=kayenta)', querystring: VerdictQuerySchema, body: VerdictBodySchema, response: { 200: VerdictResponseSchema, ...errors } } },
    async (req) => {
      const judge = req.query.judge ?? req.body.judge ?? 'ml';
      if (req.query.judge && req.body.judge && req.query.judge !== req.body.judge) throw new BadInput('query.judge', `conflicts with body.judge (${req.query.judge} vs ${req.body.judge})`);
      const w = windowOf(req.body);
      const r = verdictFor(w, judge, store.snapshot.judge, { reasons: req.query.reasons !== 'false' });
      metrics.countVerdict(judge, r.verdict);
      return r;
    },
  );

  app.post(
    '/v1/anomaly/score',
    { schema: { summary: "anomaly score in [0, 1] and an anomaly flag (score >= the detector's NAB threshold) for every point of a series (the bench nab detector's settings); streaming with the returned state; 422 when the detector gives no finite score", body: AnomalyBodySchema, response: { 200: AnomalyResponseSchema, 400: ErrorResponseSchema, 422: ErrorResponseSchema } } },
    async (req) => {
      const b = req.body;
      let d: AnomalyDetector;
      let seen = 0;
      if (b.state !== undefined) {
        const st = sealer.open(b.state);
        if (b.detector !== undefined && b.detector !== st.detector.detector) throw new BadInput('body.detector', `conflicts with the state's detector (${b.detector} vs ${st.detector.detector}); leave it out when sending a state`);
        try {
          d = restoreDetector(st.detector);
        } catch (e) {
          throw new BadInput('body.state', `cannot be restored by this server version (${(e as Error).message}): send the series from its start without a state`);
        }
        seen = st.seen;
      } else d = createDetector(b.detector ?? DEFAULT_DETECTOR);
      const profile = b.profile ?? 'standard';
      const threshold = NAB_THRESHOLDS[d.name]?.[profile];
      if (threshold === undefined) throw new BadInput('body.detector', `${d.name} has no NAB threshold: use one of ${Object.keys(NAB_THRESHOLDS).join(', ')}`);
      // A score that is not a number is no evidence either way: no answer (and no state), never a silent "not an anomaly".
      const scores = b.values.map((v, i) => {
        const x = d.update(v);
        if (!Number.isFinite(x)) throw new NoAnswer('NON_FINITE_SCORE', `body.values[${i}]`, `gets no finite anomaly score from ${d.name} (values this large overflow its arithmetic, ${seen + i} points in): no flag can be given; rescale the series and send it from its start`);
        return Math.min(1, Math.max(0, x));
      });
      const isAnomaly = scores.map((x) => x >= threshold);
      seen += b.values.length;
      const flagged = { detector: d.name, scores, isAnomaly, threshold, profile };
      if (!(b.returnState ?? b.state !== undefined)) return flagged;
      return { ...flagged, state: sealer.seal({ seen, detector: d.toJSON() }), pointsSeen: seen };
    },
  );

  app.post(
    '/v1/rollout/decision',
    { schema: { summary: 'advance / hold / roll back for the last observation of a rollout, by the learned ml policy or a baseline (policy=kayenta | argo | flagger | none): the code the backtester replays', body: DecisionBodySchema, response: { 200: DecisionResponseSchema, ...errors } } },
    async (req) => {
      const s = store.snapshot;
      const r = rolloutDecision(req.body, { rollback: s.rollback, judge: s.judge, rollbackError: s.errors.rollback });
      metrics.countDecision(r.action);
      return r;
    },
  );

  const riskModel = () => riskChampion(store.snapshot);

  app.post(
    '/v1/risk/score',
    { schema: { summary: "a change's failure probability with its main reasons (the risk champion); 422 when the model gives no finite score", body: RiskBodySchema, response: { 200: RiskResponseSchema, ...errors, 422: ErrorResponseSchema } } },
    async (req) => riskScore(req.body, riskModel()),
  );

  app.get('/v1/risk/features', { schema: { summary: "the risk champion's input features", response: { 200: RiskFeaturesResponseSchema, 503: ErrorResponseSchema } } }, async () => {
    const r = riskModel();
    return {
      modelVersion: r.version,
      features: r.model.specs.map((s) => {
        const range = featureRange(s);
        const seen = r.model.trainingRange(s.name);
        return { name: s.name, kind: s.kind, ...(s.kind === 'category' ? { levels: s.levels } : {}), ...(range ? { range } : {}), ...(seen ? { trainingMin: seen.min, trainingMax: seen.max } : {}), ...(s.description ? { description: s.description } : {}) };
      }),
    };
  });

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format 0.0.4)', response: { 200: Type.String() } } }, async (_req, reply) => {
    const s = store.snapshot;
    const models = FAMILIES.flatMap((f) => (s[f] ? [{ family: f, version: s[f]!.version }] : []));
    const errs = Object.fromEntries(FAMILIES.map((f) => [f, s[f] === null || s.errors[f] !== null])) as Record<string, boolean>;
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render(models, errs));
  });

  const feedbackStore = () => {
    if (!feedback) throw new FeedbackUnavailable();
    return feedback;
  };
  app.post(
    '/v1/feedback',
    {
      schema: { summary: 'store what really happened to a deployment (durable before the answer; a repeated deploymentId replaces the record)', security: [{ bearer: [] }], body: FeedbackBodySchema, response: { 200: FeedbackPostResponseSchema, 201: FeedbackPostResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 415: ErrorResponseSchema, ...errors } },
      // onRequest: the token is checked before the body is parsed or validated.
      onRequest: guard,
    },
    async (req, reply) => {
      if (req.body.startedAt !== undefined && !Number.isFinite(Date.parse(req.body.startedAt))) throw new BadInput('body.startedAt', `is not a valid date-time (got ${JSON.stringify(req.body.startedAt)})`);
      const r = await feedbackStore().put(req.body, now());
      return reply.code(r.created ? 201 : 200).send({ deploymentId: req.body.deploymentId, ...r });
    },
  );
  app.get(
    '/v1/feedback',
    { schema: { summary: 'the latest outcome feedback records (latest received first); needs the bearer token (the records hold free-text notes)', security: [{ bearer: [] }], querystring: FeedbackQuerySchema, response: { 200: FeedbackListResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, ...errors } }, onRequest: guard },
    async (req) => feedbackStore().list(queryLimit(req.query.limit)),
  );

  extensionRoutes(app, { store, metrics, source: opts.metricsSource ?? NO_METRICS_SOURCE, now });
  windowRoutes(app, { store, offload: opts.offload ?? undefined });

  app.get('/v1/openapi.json', { schema: { summary: 'this OpenAPI document' } as FastifySchema }, async () => openApi(routes, started));
  app.get('/docs', { schema: { summary: 'the API reference as an HTML page (rendered from the OpenAPI document)' } as FastifySchema }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(renderDocsPage(openApi(routes, started) as OpenApiDoc)),
  );
  app.get('/', { schema: { summary: 'where to start: links to the API reference (/docs), the OpenAPI document and the health checks (JSON; a small HTML page for a browser)' } as FastifySchema }, async (req, reply) => {
    const index = { name: 'rolloutlab serving API', version: codeVersion(), docs: '/docs', openapi: '/v1/openapi.json', health: '/healthz', ready: '/readyz', status: '/v1/status' };
    if (!/text\/html/.test(req.headers.accept ?? '')) return reply.type('application/json; charset=utf-8').send(index);
    const link = (href: string, what: string) => `<li><a href="${href}">${href}</a>: ${what}</li>`;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>rolloutlab serving API</title></head><body><h1>rolloutlab serving API</h1><p>version ${escapeHtml(index.version)}</p><ul>` +
          link('/docs', 'the API reference') + link('/v1/openapi.json', 'the OpenAPI document') + link('/healthz', 'liveness') + link('/readyz', 'readiness (the champions loaded)') + link('/v1/status', 'the loaded model versions') +
          '</ul></body></html>',
      );
  });
};

const escapeHtml = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** An OpenAPI 3.1 document from the registered routes' schemas (TypeBox schemas are JSON Schema 2020-12 compatible). */
function openApi(routes: { method: string; url: string; schema: Record<string, unknown> }[], started: string): unknown {
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as Record<string, unknown>; // drops TypeBox's symbol keys
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of [...routes].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))) {
    const s = r.schema;
    const op: Record<string, unknown> = { summary: s.summary ?? '', operationId: `${r.method}${r.url.replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ? c.toUpperCase() : ''))}` };
    if (s.security) op.security = s.security;
    if (s.querystring) {
      const q = plain(s.querystring) as { properties?: Record<string, unknown>; required?: string[] };
      op.parameters = Object.entries(q.properties ?? {}).map(([name, schema]) => ({ name, in: 'query', required: (q.required ?? []).includes(name), schema }));
    }
    if (s.body) op.requestBody = { required: true, content: { 'application/json': { schema: plain(s.body) } } };
    const responses: Record<string, unknown> = {};
    for (const [code, schema] of Object.entries((s.response ?? {}) as Record<string, unknown>)) {
      const text = r.url === '/metrics';
      responses[code] = { description: code === '200' ? 'OK' : code, content: { [text ? 'text/plain' : 'application/json']: { schema: plain(schema) } } };
    }
    if (s.body || s.querystring) responses['400'] ??= { description: 'bad input: the field and the problem', content: { 'application/json': { schema: plain(ErrorResponseSchema) } } };
    if (Object.keys(responses).length === 0) responses['200'] = { description: 'OK' };
    op.responses = responses;
    (paths[r.url] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'rolloutlab serving API', version: codeVersion(), description: `Models for deploy systems: canary verdicts, rollout decisions, risk scores, deployment windows, anomaly scores and the Argo Rollouts, Flagger and Kayenta extension points. Every measure is defined in docs/definitions.md. Server started ${started}.` },
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}

/** A Fastify instance with the serving plugin registered and the champions loaded (does not listen). */
export function buildApp(opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? BODY_LIMIT,
    // Bodies are taken as sent: no type coercion ("5" is not a number), no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const store = new ModelStore(opts.modelsRoot ?? defaultModelsRoot());
  const changed = store.reload();
  app.log.info({ modelsRoot: store.root, loaded: changed, errors: store.snapshot.errors }, 'models loaded');
  if (opts.watchRegistryMs !== undefined) {
    store.watch(opts.watchRegistryMs, (families) => app.log.info({ changed: families, errors: store.snapshot.errors }, 'registry changed: models reloaded'));
    app.addHook('onClose', async () => store.unwatch());
  }
  // Closing: in-flight requests get drainMs to finish; idle keep-alive connections (including ones that become idle
  // meanwhile, or never sent a request) are closed as they are found; at the deadline every connection is closed.
  // Without this, an idle keep-alive client holds the process until its keep-alive timeout (72 s).
  const drainMs = opts.drainMs ?? DEFAULT_DRAIN_MS;
  app.addHook('preClose', (done) => {
    const server = app.server;
    if (!server.listening) return done();
    server.closeIdleConnections();
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const deadline = setTimeout(() => {
      app.log.warn({ drainMs }, 'drain deadline reached: closing every connection');
      server.closeAllConnections();
    }, drainMs);
    idle.unref();
    deadline.unref();
    server.once('close', () => {
      clearInterval(idle);
      clearTimeout(deadline);
    });
    done();
  });
  const planThreads = opts.planThreads ?? {};
  const offload = planThreads === 0 ? null : new Offload(typeof planThreads === 'number' ? { threads: planThreads } : planThreads);
  if (offload) {
    app.addHook('onListen', async () => offload.warm());
    app.addHook('onClose', async () => offload.close());
  }
  if (opts.token === undefined) {
    if (opts.insecureOpenWrites) app.log.warn('no token and insecure open writes: anyone who can reach this port can post feedback, read it and reload the models');
    else app.log.warn('no token: POST /v1/feedback, GET /v1/feedback and POST /v1/models/reload are refused (403)');
  }
  app.register(serverPlugin, {
    store,
    token: opts.token,
    insecureOpenWrites: opts.insecureOpenWrites,
    require: opts.require ?? ['judge', 'rollback'],
    metricsSource: opts.metricsSource,
    now: opts.now,
    feedbackPath: opts.feedbackPath,
    rateLimit: opts.rateLimit ?? DEFAULT_RATE_LIMIT,
    stateSecret: opts.stateSecret,
    offload,
  });
  return app as unknown as FastifyInstance;
}
