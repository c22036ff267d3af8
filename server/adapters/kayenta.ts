// Kayenta's RemoteJudge (POST /judge): a Kayenta configured with a remote judge posts the metric set pairs of a canary
// analysis and reads back NetflixACAJudge's statistics (judges/kayenta.ts judgeRemote) in its own judge-result shape.
// The request is validated by Kayenta's wire contract (server/adapters/kayenta-contract.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { judgeRemote, type KayentaJudgeRequest } from '../../judges/kayenta.ts';
import type { Controls } from '../controls.ts';
import type { ServerMetrics } from '../metrics.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { KayentaJudgeBodySchema, KayentaJudgeQuerySchema, KayentaJudgeResponseSchema } from './kayenta-contract.ts';

export interface KayentaOptions {
  metrics: ServerMetrics;
  /** The human controls (overrides, approvals) applied to each answer (`?deployment=`, else the canary config's applications). */
  controls: Controls;
}

export const kayentaRoutes: FastifyPluginAsyncTypebox<KayentaOptions> = async (app, { metrics, controls }) => {
  app.post('/judge', { schema: { summary: "Kayenta RemoteJudge: NetflixACAJudge's statistics on the metric set pairs, in Kayenta's judge-result shape", querystring: KayentaJudgeQuerySchema, body: KayentaJudgeBodySchema, response: { 200: KayentaJudgeResponseSchema, 400: ErrorResponseSchema } } }, async (req) => {
    const r = judgeRemote(req.body as unknown as KayentaJudgeRequest);
    const fin = (x: number) => (Number.isFinite(x) ? x : null);
    const stats = (s: { count: number; mean: number; median: number; min: number; max: number }) => ({ count: s.count, mean: fin(s.mean), median: fin(s.median), min: fin(s.min), max: fin(s.max) });
    const res = controls.kayenta(req.query, req.body, {
      ...r,
      results: r.results.map((x) => ({ ...x, experimentMetadata: { stats: stats(x.experimentMetadata.stats) }, controlMetadata: { stats: stats(x.controlMetadata.stats) }, resultMetadata: { ratio: fin(x.resultMetadata.ratio) } })),
      groupScores: r.groupScores.map((g) => ({ name: g.name, score: Number.isFinite(g.score) ? g.score : 0 })),
      score: { ...r.score, score: Number.isFinite(r.score.score) ? r.score.score : 0 },
    });
    metrics.countExtension('kayenta/judge', res.score.classification);
    return res;
  });
};
