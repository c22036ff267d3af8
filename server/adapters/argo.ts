// Argo Rollouts' Web metric provider (GET|POST /v1/argo/verdict): an AnalysisTemplate's `web` metric calls it during a
// canary step and reads the verdict at `$.result.verdict` (and `$.result.pass`: 1 / 0 / -1). Always a 2xx JSON answer
// for a decision; inconclusive or no metrics meet neither success nor failure condition, so Argo pauses. The window is
// read from the metrics source and judged (server/adapters/judge-target.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Controls } from '../controls.ts';
import type { ServerMetrics } from '../metrics.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { ArgoBodySchema, ArgoQuerySchema, ArgoResponseSchema, type ArgoResponse, type ArgoTarget } from './argo-contract.ts';
import { DEFAULT_WINDOW_MIN, judgeTarget, queryInt, type JudgeTargetOptions } from './judge-target.ts';

export interface ArgoOptions extends JudgeTargetOptions {
  metrics: ServerMetrics;
  /** The human controls (overrides, approvals) applied to each answer. */
  controls: Controls;
}

export const argoRoutes: FastifyPluginAsyncTypebox<ArgoOptions> = async (app, o) => {
  const { metrics } = o;
  const argo = async (t: ArgoTarget): Promise<ArgoResponse> => {
    const minutes = t.minutes ?? DEFAULT_WINDOW_MIN;
    const v = await judgeTarget(o, { name: t.name, namespace: t.namespace }, minutes, t.judge ?? 'ml');
    const res = o.controls.argo(t, {
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
    });
    metrics.countExtension('argo/verdict', res.result.verdict);
    return res;
  };
  const argoSummary = 'Argo Rollouts Web metric provider: the canary verdict at $.result.verdict (always 200 for a decision; inconclusive when unsure or without metrics)';
  app.get('/v1/argo/verdict', { schema: { summary: argoSummary, querystring: ArgoQuerySchema, response: { 200: ArgoResponseSchema, 400: ErrorResponseSchema } } }, async (req) =>
    argo({ ...req.query, minutes: queryInt(req.query.minutes, 'query.minutes', 60, DEFAULT_WINDOW_MIN) }),
  );
  app.post('/v1/argo/verdict', { schema: { summary: argoSummary, body: ArgoBodySchema, response: { 200: ArgoResponseSchema, 400: ErrorResponseSchema } } }, async (req) => argo(req.body));
};
