// The OpenAPI document of the serving API (GET /v1/openapi.json, rendered by GET /docs): assembled from the schemas
// of the routes as they are registered, so it cannot drift from what the routes validate and answer.
import { codeVersion } from '../lib/version.ts';
import { ErrorResponseSchema } from './common-schemas.ts';

/** A registered route as the document needs it (collected by the serving plugin's onRoute hook). */
export interface RouteEntry {
  method: string;
  url: string;
  schema: Record<string, unknown>;
}

/** An OpenAPI 3.1 document from the registered routes' schemas (TypeBox schemas are JSON Schema 2020-12 compatible). */
export function openApi(routes: readonly RouteEntry[], started: string): unknown {
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
    if (s.params) {
      const p = plain(s.params) as { properties?: Record<string, unknown> };
      op.parameters = [...Object.entries(p.properties ?? {}).map(([name, schema]) => ({ name, in: 'path', required: true, schema })), ...((op.parameters as unknown[]) ?? [])];
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
    (paths[r.url.replace(/:(\w+)/g, '{$1}')] ??= {})[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'rolloutlab serving API', version: codeVersion(), description: `Models for deploy systems: canary verdicts, rollout decisions, risk scores, deployment windows, anomaly scores and the Argo Rollouts, Flagger and Kayenta extension points. Every measure is defined in docs/definitions.md. Server started ${started}.` },
    paths,
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
  };
}
