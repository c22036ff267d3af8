// The rollout-plan route (POST /v1/rollout/plan): before a deploy, a pipeline posts the change's features and its
// service's traffic and gets the plan the optimiser chooses (policies/rollout-plan/) and the risk gate's answer:
// pass, blocked (risk above the gate, with what would make it acceptable) or wait (no complete risk score).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { rolloutPlanDecision } from '../../policies/rollout-plan/gate.ts';
import { riskScore } from '../decide.ts';
import type { ModelStore } from '../models.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { RolloutPlanBodySchema, RolloutPlanResponseSchema } from './rollout-plan-schemas.ts';

export const rolloutPlanRoutes: FastifyPluginAsyncTypebox<{ store: ModelStore }> = async (app, { store }) => {
  app.post(
    '/v1/rollout/plan',
    { schema: { summary: "a change's rollout plan (first exposure, steps, dwell times) from its risk score and its service's traffic, with the risk gate: pass, blocked (with what would make it acceptable) or wait", body: RolloutPlanBodySchema, response: { 200: RolloutPlanResponseSchema, 400: ErrorResponseSchema, 422: ErrorResponseSchema } } },
    async (req) => {
      const b = req.body;
      const champion = store.snapshot.risk;
      // Without a risk champion the answer is the careful plan and a wait, never a pass.
      const r = champion ? riskScore({ features: b.features, maxReasons: 10 }, champion) : null;
      const a = rolloutPlanDecision({ risk: r ? { probability: r.probability, complete: r.complete, reasons: r.reasons } : null, rpm: b.rpm, bakeMinutes: b.bakeMinutes ?? 30, blockAbove: b.gate?.blockAbove });
      return { ...a, risk: r ? { probability: r.probability, complete: r.complete, modelVersion: r.modelVersion } : null };
    },
  );
};
