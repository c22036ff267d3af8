// The rollout decision route (POST /v1/rollout/decision): a progressive-delivery controller posts every observation of
// a rollout so far and gets advance / hold / roll back for the last one, from the learned policy or a baseline — the
// code the backtester replays (server/decide.ts rolloutDecision, over policies/).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Controls } from '../controls.ts';
import { rolloutDecision } from '../decide.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { ModelStore } from '../models.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { DecisionBodySchema, DecisionResponseSchema } from './rollout-schemas.ts';

export interface RolloutOptions {
  store: ModelStore;
  metrics: ServerMetrics;
  /** The human controls (overrides, approvals) applied to each answer. */
  controls: Controls;
}

export const rolloutRoutes: FastifyPluginAsyncTypebox<RolloutOptions> = async (app, { store, metrics, controls }) => {
  app.post(
    '/v1/rollout/decision',
    { schema: { summary: 'advance / hold / roll back for the last observation of a rollout, by the learned ml policy or a baseline (policy=kayenta | argo | flagger | none): the code the backtester replays', body: DecisionBodySchema, response: { 200: DecisionResponseSchema, 400: ErrorResponseSchema, 503: ErrorResponseSchema } } },
    async (req) => {
      const s = store.snapshot;
      const r = controls.decision(req.body, rolloutDecision(req.body, { rollback: s.rollback, judge: s.judge, rollbackError: s.errors.rollback }));
      metrics.countDecision(r.action);
      return r;
    },
  );
};
