// The canary verdict route (POST /v1/canary/verdict): a deploy system or a canary-analysis step posts one analysis
// window of canary and baseline metrics and gets pass / fail / inconclusive from the learned judge or Kayenta's
// statistics (policies/canary-verdict.ts, through server/decide.ts verdictFor).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Controls } from '../controls.ts';
import { BadInput, verdictFor, windowOf } from '../decide.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { ModelStore } from '../models.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { VerdictBodySchema, VerdictQuerySchema, VerdictResponseSchema } from './canary-schemas.ts';

export interface CanaryOptions {
  store: ModelStore;
  metrics: ServerMetrics;
  /** The human controls (overrides, approvals) applied to each answer. */
  controls: Controls;
}

export const canaryRoutes: FastifyPluginAsyncTypebox<CanaryOptions> = async (app, { store, metrics, controls }) => {
  app.post(
    '/v1/canary/verdict',
    { schema: { summary: 'canary verdict for one analysis window (learned judge, or judge=kayenta)', querystring: VerdictQuerySchema, body: VerdictBodySchema, response: { 200: VerdictResponseSchema, 400: ErrorResponseSchema, 503: ErrorResponseSchema } } },
    async (req) => {
      const judge = req.query.judge ?? req.body.judge ?? 'ml';
      if (req.query.judge && req.body.judge && req.query.judge !== req.body.judge) throw new BadInput('query.judge', `conflicts with body.judge (${req.query.judge} vs ${req.body.judge})`);
      const w = windowOf(req.body);
      const r = controls.verdict(req.body, verdictFor(w, judge, store.snapshot.judge, { reasons: req.query.reasons !== 'false' }));
      metrics.countVerdict(judge, r.verdict);
      return r;
    },
  );
};
