// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//                                                                              ▲ answers deploy systems with the same decisions the backtester measures
//
// The serving app (docs/server.md): `serverPlugin`, the Fastify plugin that sets what every route shares (the error
// handler, the request metrics, the rate limit, the JSON parser, the 404, the OpenAPI catalogue) and registers one
// plugin per route group (server/routes/: operations, canary verdict, anomaly, rollout decision, risk, outcome
// feedback, deployment windows, pipeline retry decisions and outcomes, rollback plans, rollout plans, the decision log, human controls,
// the web pages;
// server/adapters/: Argo Rollouts, Flagger, Kayenta), with the decision recorder's hooks on every decision route
// (server/decision-recorder.ts); and `buildApp`, which wraps it in
// a Fastify instance without listening, so tests drive it with `app.inject` and `rolloutlab serve` adds the port.
// Configuration arrives as typed options (`AppOptions`), built at the edge (`rolloutlab serve`, cli/commands/serve.ts).
//
// Contract: every request and response has a TypeBox schema (each group's beside its plugin, indexed by
// server/schemas.ts); bad input is a 400 with `{error: {code, message, field}}` naming the field and the problem,
// never a 5xx; the models are one immutable snapshot (server/models.ts) swapped on POST /v1/models/reload (bearer
// token when one is configured).
import Fastify, { type FastifyInstance } from 'fastify';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { defaultModelsRoot } from '../training/registry.ts';
import { StateSealer } from './anomaly-state.ts';
import type { ControlsConfig } from './controls-config.ts';
import { Controls } from './controls.ts';
import { DEFAULT_PLAN_DEFAULTS, type PlanDefaults } from './deploy-planners.ts';
import { DecisionRecorder, decisionRouteHook, keepRawBody } from './decision-recorder.ts';
import { writeGuard } from './guard.ts';
import { errorBody, handleError } from './http-errors.ts';
import { ServerMetrics } from './metrics.ts';
import { NO_METRICS_SOURCE, type MetricsSource } from './metrics-source.ts';
import { ModelStore, type Family, type ModelFolders } from './models.ts';
import { DEFAULT_WHATIF_OFFLOAD, Offload, type OffloadOptions } from './offload.ts';
import type { RouteEntry } from './openapi.ts';
import { DEFAULT_RATE_LIMIT, TokenBuckets, type RateLimitOptions } from './rate-limit.ts';
import { argoRoutes } from './adapters/argo.ts';
import { flaggerRoutes } from './adapters/flagger.ts';
import { kayentaRoutes } from './adapters/kayenta.ts';
import { anomalyRoutes } from './routes/anomaly.ts';
import { canaryRoutes } from './routes/canary.ts';
import { decisionsRoutes } from './routes/decisions.ts';
import { controlsRoutes } from './routes/controls.ts';
import { deployWindowRoutes } from './routes/deploy-windows.ts';
import { feedbackRoutes } from './routes/feedback.ts';
import { opsRoutes } from './routes/ops.ts';
import { pipelineRoutes } from './routes/pipeline.ts';
import { riskRoutes } from './routes/risk.ts';
import { rollbackPlanRoutes } from './routes/rollback-plan.ts';
import { rolloutPlanRoutes } from './routes/rollout-plan.ts';
import { rolloutRoutes } from './routes/rollout.ts';
import { uiRoutes } from './routes/ui.ts';
import { whatIfRoutes } from './routes/whatif.ts';
import type { WhatIfWorlds } from './whatif-task.ts';

/** Largest request body accepted (bytes). */
export const BODY_LIMIT = 1024 * 1024;
/** How long a closing server lets in-flight requests finish before it closes every connection (ms). */
export const DEFAULT_DRAIN_MS = 5000;

export interface AppOptions {
  /** Registry root (default: $ROLLOUTLAB_MODELS, else <repo>/models). */
  modelsRoot?: string;
  /** Registry folders to serve a family's champion from instead of its own (server/models.ts ModelFolders). */
  modelFolders?: ModelFolders;
  /** Fastify's logger option (default false). */
  logger?: boolean | object;
  /**
   * Bearer token required by the write routes (POST /v1/feedback, POST /v1/pipeline/outcome, POST /v1/models/reload,
   * POST and DELETE /v1/overrides, POST /v1/approvals)
   * and by the reads of what clients wrote (GET /v1/feedback, GET /v1/pipeline/outcome, GET /v1/decisions). None: those routes answer 403
   * unless `insecureOpenWrites`.
   */
  token?: string;
  /** Without a token, open the write routes and the GETs of feedback, outcomes and decisions to anyone who can reach the port (default false: refused). */
  insecureOpenWrites?: boolean;
  /** On close: how long in-flight requests may run before every connection is closed (default DEFAULT_DRAIN_MS). */
  drainMs?: number;
  /**
   * Worker threads for the planning routes (POST /v1/deploy/windows, /v1/deploy/schedule), with their queue and time
   * limits (default DEFAULT_OFFLOAD: 1 thread, 8 waiting, 30 s); 0: they run on the main thread (blocking it).
   */
  planThreads?: number | OffloadOptions;
  /**
   * The what-if's worlds (POST /v1/whatif): the scenarios a request may name, and the scenario and seed of one that
   * names none; `offload`: its worker pool's threads, queue and time limit (default DEFAULT_WHATIF_OFFLOAD: 1 thread,
   * 4 waiting, 60 s); `warm`: start its workers when the server starts listening (they load the simulator and
   * simulate the default world: a few CPU seconds and about 75 MB), else on the first what-if (default false). None:
   * POST /v1/whatif answers 503 WHATIF_UNAVAILABLE (`serve` gives the built-in scenarios).
   */
  whatif?: WhatIfWorlds & { offload?: OffloadOptions; warm?: boolean };
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
  /** DuckDB file where POST /v1/pipeline/outcome stores what happened after failed CI/CD steps (none: the outcome routes answer 503). */
  pipelineOutcomesPath?: string;
  /**
   * DuckDB file where every decision served is recorded with its request, answer and model versions, for GET
   * /v1/decisions and `rolloutlab decisions export` (none: nothing is recorded and GET /v1/decisions answers 503). A
   * file that cannot be opened or written never fails a decision: the loss is logged and counted on /metrics.
   */
  decisionsPath?: string;
  /** Told when decisions are not recorded (the decision log cannot be opened or written, or its queue is full); at most every 10 s. */
  onDecisionLoss?: (message: string) => void;
  /** Per-client rate limit (default DEFAULT_RATE_LIMIT: 1000 req/s, burst 2000); false: none. /healthz is exempt. */
  rateLimit?: RateLimitOptions | false;
  /** Secret that keys the signature of streaming anomaly states (default: random per process, so states do not survive a restart). */
  stateSecret?: string;
  /** Reload when a champion pointer in the registry changes, checking every this many ms (default: off; `serve` watches every 2 s). */
  watchRegistryMs?: number;
  /**
   * The defaults of the planning requests' optional on-call cover and rollout length (POST /v1/deploy/windows,
   * /v1/deploy/schedule). `serve` passes the default scenario's (cli/serve-defaults.ts); default DEFAULT_PLAN_DEFAULTS,
   * the same values.
   */
  planDefaults?: PlanDefaults;
  /** The controls file's content (server/controls-config.ts parseControlsConfig): teams' allowed hours, services' teams, notification sinks. */
  controls?: ControlsConfig;
  /** DuckDB file of the overrides and approvals (none: kept in memory, lost on restart; `serve` always gives one). */
  controlsStorePath?: string;
  /** The fetch the notifications are sent with (tests; default Node's). */
  notifyFetch?: typeof fetch;
  /** A folder whose .html files (reports) the web pages list and serve at /ui/reports (default: none). */
  reportsDir?: string;
}

interface PluginOptions {
  store: ModelStore;
  token?: string;
  insecureOpenWrites?: boolean;
  require: Family[];
  metricsSource?: MetricsSource;
  now?: () => Date;
  feedbackPath?: string;
  pipelineOutcomesPath?: string;
  decisionsPath?: string;
  onDecisionLoss?: (message: string) => void;
  rateLimit: RateLimitOptions | false;
  stateSecret?: string;
  offload: Offload | null;
  whatif: { offload: Offload; worlds: WhatIfWorlds } | null;
  planDefaults: PlanDefaults;
  controls?: ControlsConfig;
  controlsStorePath?: string;
  notifyFetch?: typeof fetch;
  reportsDir?: string;
}

/**
 * The routes, as a plugin: what every route shares, then one plugin per route group, registered inside it so they
 * inherit its hooks, error handler, JSON parser and 404 (encapsulated: none of it applies outside this plugin).
 */
export const serverPlugin: FastifyPluginAsyncTypebox<PluginOptions> = async (app, opts) => {
  const { store } = opts;
  const metrics = new ServerMetrics();
  const routes: RouteEntry[] = [];
  const started = new Date().toISOString();

  app.addHook('onRoute', (r) => {
    // The web pages (schema.hide) answer people in HTML, not clients in JSON: not part of the API document.
    if ((r.schema as { hide?: boolean } | undefined)?.hide) return;
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) if (m !== 'HEAD') routes.push({ method: m.toLowerCase(), url: r.url, schema: (r.schema ?? {}) as Record<string, unknown> });
  });
  // (A callback hook, not an async one: it runs on every answer, and an async hook costs a promise each time.)
  app.addHook('onResponse', (req, reply, done) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  app.setErrorHandler(handleError);
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

  const now = opts.now ?? (() => new Date());
  const guard = writeGuard({ token: opts.token, insecureOpenWrites: opts.insecureOpenWrites });
  // The decision log: the routes of DECISION_ROUTES get hooks that queue a record of each decision answered (written
  // behind the answers); the queue is written before the file is released on close.
  const recorder = opts.decisionsPath === undefined ? null : new DecisionRecorder({ path: opts.decisionsPath, log: app.log, metrics, onLoss: opts.onDecisionLoss });
  if (recorder) {
    await recorder.start();
    app.addHook('onRoute', decisionRouteHook({ recorder, snapshot: () => store.snapshot, now }));
    app.addHook('onClose', async () => recorder.close());
  }
  // POST /v1/models/reload takes no body: with a JSON content type, an empty body is {} (the default parser refuses it).
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    if (body === '' && req.routeOptions.url === '/v1/models/reload') return done(null, {});
    if (recorder) keepRawBody(req, body as string);
    return defaultJson(req, body as string, done);
  });

  app.setNotFoundHandler((req, reply) => reply.code(404).send(errorBody('NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]} (see GET /v1/openapi.json)`, null)));

  const source = opts.metricsSource ?? NO_METRICS_SOURCE;
  // Human controls (overrides, approvals, notifications): every decision route and adapter applies them; their routes'
  // plugin loads the store before the app is ready (a file held by another process fails the start) and closes it.
  const controls = new Controls({ config: opts.controls, storePath: opts.controlsStorePath, now, metrics, log: app.log, fetch: opts.notifyFetch });
  await app.register(opsRoutes, { store, require: opts.require, metrics, guard, routes, started });
  await app.register(canaryRoutes, { store, metrics, controls });
  await app.register(anomalyRoutes, { sealer: new StateSealer(opts.stateSecret) });
  await app.register(rolloutRoutes, { store, metrics, controls });
  await app.register(riskRoutes, { store });
  await app.register(feedbackRoutes, { feedbackPath: opts.feedbackPath, guard, now });
  await app.register(pipelineRoutes, { store, metrics, outcomesPath: opts.pipelineOutcomesPath, guard, now });
  await app.register(argoRoutes, { store, metrics, source, now, controls });
  await app.register(flaggerRoutes, { store, metrics, source, now, controls });
  await app.register(kayentaRoutes, { metrics, controls });
  await app.register(controlsRoutes, { controls, guard });
  await app.register(deployWindowRoutes, { store, offload: opts.offload, planDefaults: opts.planDefaults });
  await app.register(rollbackPlanRoutes, { controls });
  await app.register(rolloutPlanRoutes, { store });
  await app.register(whatIfRoutes, { store, whatif: opts.whatif });
  await app.register(decisionsRoutes, { recorder, guard });
  await app.register(uiRoutes, { prefix: '/ui', store, recorder, controls, access: { token: opts.token, insecureOpenWrites: opts.insecureOpenWrites }, reportsDir: opts.reportsDir, now });
};

/** A Fastify instance with the serving plugin registered and the champions loaded (does not listen). */
export function buildApp(opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimit ?? BODY_LIMIT,
    // A path parameter may be as long as the longest name a route takes (a deployment: 512 characters; Fastify's
    // default, 100, would make a longer one an unknown route); each route's schema still bounds its own.
    routerOptions: { maxParamLength: 1024 },
    // Bodies are taken as sent: no type coercion ("5" is not a number), no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  const store = new ModelStore(opts.modelsRoot ?? defaultModelsRoot(), undefined, opts.modelFolders);
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
  // An answer given while closing says `Connection: close`, so a keep-alive client (Argo's, Flagger's) opens its next
  // request elsewhere instead of sending it on a connection the drain is about to close under it.
  let closing = false;
  // (A callback hook, not an async one: it runs on every answer, and an async hook costs a promise each time.)
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
  app.addHook('preClose', (done) => {
    closing = true;
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
  const planDefaults = opts.planDefaults ?? DEFAULT_PLAN_DEFAULTS;
  const offload = planThreads === 0 ? null : new Offload(typeof planThreads === 'number' ? { threads: planThreads } : planThreads, planDefaults);
  if (offload) {
    app.addHook('onListen', async () => offload.warm());
    app.addHook('onClose', async () => offload.close());
  }
  // The what-if's own pool (never the main thread: a what-if is seconds of simulation), so it never waits for plans.
  let whatif: PluginOptions['whatif'] = null;
  if (opts.whatif) {
    const { offload: pool, warm, ...worlds } = opts.whatif;
    if (!Object.hasOwn(worlds.scenarios, worlds.scenario)) throw new RangeError(`whatif.scenario ${JSON.stringify(worlds.scenario)} is not one of whatif.scenarios (${Object.keys(worlds.scenarios).join(', ')})`);
    const o = new Offload({ ...DEFAULT_WHATIF_OFFLOAD, ...pool }, planDefaults, { whatif: worlds, words: { workers: 'what-if workers', job: 'the what-if', tooLong: 'ask for fewer runs, or without the stress pre-checks' } });
    whatif = { offload: o, worlds };
    if (warm) app.addHook('onListen', async () => o.warm());
    app.addHook('onClose', async () => o.close());
  }
  if (opts.token === undefined) {
    if (opts.insecureOpenWrites) app.log.warn('no token and insecure open writes: anyone who can reach this port can post feedback and pipeline outcomes, read them, read the decision log, reload the models, and set overrides and approvals');
    else app.log.warn('no token: POST /v1/feedback, GET /v1/feedback, POST and GET /v1/pipeline/outcome, GET /v1/decisions, POST /v1/models/reload, POST and DELETE /v1/overrides and POST /v1/approvals are refused (403)');
  }
  app.register(serverPlugin, {
    store,
    token: opts.token,
    insecureOpenWrites: opts.insecureOpenWrites,
    require: opts.require ?? ['judge', 'rollback'],
    metricsSource: opts.metricsSource,
    now: opts.now,
    feedbackPath: opts.feedbackPath,
    pipelineOutcomesPath: opts.pipelineOutcomesPath,
    decisionsPath: opts.decisionsPath,
    onDecisionLoss: opts.onDecisionLoss,
    rateLimit: opts.rateLimit ?? DEFAULT_RATE_LIMIT,
    stateSecret: opts.stateSecret,
    offload,
    whatif,
    planDefaults,
    controls: opts.controls,
    controlsStorePath: opts.controlsStorePath,
    notifyFetch: opts.notifyFetch,
    reportsDir: opts.reportsDir,
  });
  return app as unknown as FastifyInstance;
}
