// Schemas of the rollout-plan route (server/routes/rollout-plan.ts): a change's pre-deploy features and its service's
// traffic in; the plan the optimiser chooses and the risk gate's answer out. The plan and the gate are
// shared with the other pre-deploy hooks (Flagger's confirm hooks, Argo's POST /v1/argo/gate), which serve the same
// decision (policies/rollout-plan/gate.ts).
import { Type, type Static } from '@sinclair/typebox';
import { RiskValue } from './risk-schemas.ts';

/** What a pre-deploy hook is asked about one change: POST /v1/rollout/plan's body, and POST /v1/argo/gate's. */
export const RolloutPlanBodyProps = {
  features: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), RiskValue, { maxProperties: 500, description: "the change's pre-deploy features by name, as for POST /v1/risk/score" }),
  rpm: Type.Number({ minimum: 0, maximum: 1e9, description: "the service's requests per minute now (the traffic the rollout will start at)" }),
  bakeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080, description: 'minutes of bake after full exposure (default 30)' })),
  gate: Type.Optional(Type.Object({ blockAbove: Type.Number({ minimum: 0, maximum: 1, description: 'block a change whose risk is above this (default 0.85)' }) }, { additionalProperties: false })),
};

export const RolloutPlanBodySchema = Type.Object(RolloutPlanBodyProps, { additionalProperties: false });
export type RolloutPlanBody = Static<typeof RolloutPlanBodySchema>;

const PlanViewProps = {
  name: Type.String({ description: 'the plan (docs/rollout-plans.md lists them)' }),
  steps: Type.Array(Type.Number(), { description: 'canary weights in percent, the last 100' }),
  dwellMinutes: Type.Array(Type.Integer(), { description: 'minutes at each step before the last' }),
  bakeMinutes: Type.Integer(),
  minutesToFull: Type.Integer({ description: 'minutes before full exposure when every step keeps its dwell' }),
};
export const PlanViewSchema = Type.Object(PlanViewProps, { additionalProperties: false });

/** The plan as the deploy systems' hooks give it: the plan, whether it is optimised, and why it was chosen. */
export const HookPlanSchema = Type.Object(
  {
    ...PlanViewProps,
    optimised: Type.Boolean({ description: 'false: no usable risk score, the most careful plan' }),
    reasons: Type.Array(Type.String(), { description: 'why this plan: the risk and traffic buckets, and what the constraints did' }),
  },
  { additionalProperties: false, description: 'the plan the optimiser chooses for the change (the one POST /v1/rollout/plan answers for the same features and traffic)' },
);

export const GateDecisionSchema = Type.Union([Type.Literal('pass'), Type.Literal('blocked'), Type.Literal('wait')], { description: 'pass: go ahead with the plan; blocked: risk above blockAbove; wait: the score is missing or incomplete' });

/** The risk gate's answer: the same object from every pre-deploy hook. */
export const GateSchema = Type.Object(
  {
    decision: GateDecisionSchema,
    blockAbove: Type.Number(),
    reasons: Type.Array(Type.String()),
    recommendations: Type.Array(Type.String(), { description: 'what would make the change acceptable' }),
  },
  { additionalProperties: false },
);

export const RolloutPlanResponseSchema = Type.Object(
  {
    plan: PlanViewSchema,
    optimised: Type.Boolean({ description: 'false: no usable risk score, the most careful plan' }),
    risk: Type.Union([Type.Object({ probability: Type.Number(), complete: Type.Boolean(), modelVersion: Type.String() }, { additionalProperties: false }), Type.Null()]),
    gate: GateSchema,
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
