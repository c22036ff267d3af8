// Operations routes: liveness and readiness (GET /healthz, /readyz) for the orchestrator's probes, the loaded models
// and their reload (GET /v1/status, POST /v1/models/reload) for operators and the deploy pipeline that publishes a
// champion, Prometheus metrics (GET /metrics) for the scraper, and the way in for people and client generators: the
// OpenAPI document (GET /v1/openapi.json), the API reference page (GET /docs) and the index (GET /).
import type { FastifySchema } from 'fastify';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { codeVersion } from '../../lib/version.ts';
import { renderDocsPage, type OpenApiDoc } from '../docs-page.ts';
import type { Guard } from '../guard.ts';
import type { ServerMetrics } from '../metrics.ts';
import { FAMILIES, type Family, type ModelStore } from '../models.ts';
import { openApi, type RouteEntry } from '../openapi.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { HealthResponseSchema, ReadyResponseSchema, ReloadBodySchema, ReloadResponseSchema, StatusResponseSchema, type StatusResponse } from './ops-schemas.ts';

export interface OpsOptions {
  store: ModelStore;
  /** Families that must be loaded for /readyz to answer 200. */
  require: Family[];
  metrics: ServerMetrics;
  /** The onRequest check of POST /v1/models/reload (server/guard.ts). */
  guard: Guard;
  /** Every route of the serving plugin, as registered (read when the document is asked for). */
  routes: readonly RouteEntry[];
  /** When the server started (ISO 8601), stated in the document. */
  started: string;
}

const escapeHtml = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export const opsRoutes: FastifyPluginAsyncTypebox<OpsOptions> = async (app, o) => {
  const { store } = o;

  const status = (): StatusResponse => {
    const s = store.snapshot;
    const families: StatusResponse['families'] = {};
    for (const f of FAMILIES) {
      const l = s[f];
      families[f] = { loaded: l !== null, version: l?.version ?? null, loadedAt: l?.loadedAt ?? null, error: s.errors[f], folder: store.folders[f] };
    }
    return { modelsRoot: store.root, snapshot: s.seq, lastReload: s.at, families, watch: store.watching };
  };

  app.get('/healthz', { schema: { summary: 'the process is alive', response: { 200: HealthResponseSchema } } }, async () => ({ ok: true }));

  app.get('/readyz', { schema: { summary: 'the required models are loaded (503 with the reasons if not)', response: { 200: ReadyResponseSchema, 503: ReadyResponseSchema } } }, async (_req, reply) => {
    const s = store.snapshot;
    const reasons = o.require.filter((f) => s[f] === null).map((f) => `${f}: ${s.errors[f] ?? 'not loaded'}`);
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
      onRequest: o.guard,
    },
    async () => {
      const changed = store.reload();
      return { changed, status: status() };
    },
  );

  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text exposition format 0.0.4)', response: { 200: Type.String() } } }, async (_req, reply) => {
    const s = store.snapshot;
    const models = FAMILIES.flatMap((f) => (s[f] ? [{ family: f, version: s[f]!.version }] : []));
    const errs = Object.fromEntries(FAMILIES.map((f) => [f, s[f] === null || s.errors[f] !== null])) as Record<string, boolean>;
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(o.metrics.render(models, errs));
  });

  app.get('/v1/openapi.json', { schema: { summary: 'this OpenAPI document' } as FastifySchema }, async () => openApi(o.routes, o.started));
  app.get('/docs', { schema: { summary: 'the API reference as an HTML page (rendered from the OpenAPI document)' } as FastifySchema }, async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send(renderDocsPage(openApi(o.routes, o.started) as OpenApiDoc)),
  );
  app.get('/', { schema: { summary: 'where to start: links to the API reference (/docs), the OpenAPI document, the health checks and the web page /ui (JSON; a small HTML page for a browser)' } as FastifySchema }, async (req, reply) => {
    const index = { name: 'rolloutlab serving API', version: codeVersion(), docs: '/docs', openapi: '/v1/openapi.json', health: '/healthz', ready: '/readyz', status: '/v1/status', ui: '/ui' };
    if (!/text\/html/.test(req.headers.accept ?? '')) return reply.type('application/json; charset=utf-8').send(index);
    const link = (href: string, what: string) => `<li><a href="${href}">${href}</a>: ${what}</li>`;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>rolloutlab serving API</title></head><body><h1>rolloutlab serving API</h1><p>version ${escapeHtml(index.version)}</p><ul>` +
          link('/docs', 'the API reference') + link('/v1/openapi.json', 'the OpenAPI document') + link('/healthz', 'liveness') + link('/readyz', 'readiness (the champions loaded)') + link('/v1/status', 'the loaded model versions') + link('/ui', 'the web page: champions, decisions, rollouts, approvals, reports') +
          '</ul></body></html>',
      );
  });
};
