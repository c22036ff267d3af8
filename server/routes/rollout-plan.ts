// The rollout-plan route (POST /v1/rollout/plan): before a deploy, a pipeline posts the change's features and its
// service's traffic and gets the plan the optimiser chooses (policies/rollout-plan/) and the risk gate's answer:
// pass, blocked (risk above the gate, with what would make it acceptable) or wait (no complete risk score). The same
// decision as Flagger's confirm hooks and POST /v1/argo/gate (server/rollout-gate.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ModelStore } from '../models.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { gateChange } from '../rollout-gate.ts';
import { NoFeasiblePlanResponseSchema, RolloutPlanBodySchema, RolloutPlanResponseSchema } from './rollout-plan-schemas.ts';

export const rolloutPlanRoutes: FastifyPluginAsyncTypebox<{ store: ModelStore }> = async (app, { store }) => {
  app.post(
    '/v1/rollout/plan',
    { schema: { summary: "a change's rollout plan (first exposure, steps, dwell times) from its risk score and its service's traffic, with the risk gate: pass, blocked (with what would make it acceptable) or wait; constraints (first-step cap, deadline) fit the plan, and constraints no plan meets are a 422 with the closest feasible plan", body: RolloutPlanBodySchema, response: { 200: RolloutPlanResponseSchema, 400: ErrorResponseSchema, 422: NoFeasiblePlanResponseSchema } } },
    async (req) => {
      const b = req.body;
      const s = store.snapshot;
      // Without a risk champion the answer is the careful plan and a wait, never a pass.
      const { answer, risk } = gateChange({ features: b.features, rpm: b.rpm, bakeMinutes: b.bakeMinutes, blockAbove: b.gate?.blockAbove, constraints: b.constraints, units: b.units, impute: b.impute, perChangeThresholds: b.perChangeThresholds }, s.risk, { championError: s.errors.risk });
      return { ...answer, risk };
    },
  );
};
