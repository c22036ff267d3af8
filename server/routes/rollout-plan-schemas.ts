// Schemas of the rollout-plan route (server/routes/rollout-plan.ts): a change's pre-deploy features and its service's
// traffic in; the plan the optimiser chooses and the risk gate's answer out.
import { Type, type Static } from '@sinclair/typebox';
import { RiskValue } from './risk-schemas.ts';

export const RolloutPlanBodySchema = Type.Object(
  {
    features: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), RiskValue, { maxProperties: 500, description: "the change's pre-deploy features by name, as for POST /v1/risk/score" }),
    rpm: Type.Number({ minimum: 0, maximum: 1e9, description: "the service's requests per minute now (the traffic the rollout will start at)" }),
    bakeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080, description: 'minutes of bake after full exposure (default 30)' })),
    gate: Type.Optional(Type.Object({ blockAbove: Type.Number({ minimum: 0, maximum: 1, description: 'block a change whose risk is above this (default 0.85)' }) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type RolloutPlanBody = Static<typeof RolloutPlanBodySchema>;

export const RolloutPlanResponseSchema = Type.Object(
  {
    plan: Type.Object(
      {
        name: Type.String({ description: 'the plan (docs/rollout-plans.md lists them)' }),
        steps: Type.Array(Type.Number(), { description: 'canary weights in percent, the last 100' }),
        dwellMinutes: Type.Array(Type.Integer(), { description: 'minutes at each step before the last' }),
        bakeMinutes: Type.Integer(),
        minutesToFull: Type.Integer({ description: 'minutes before full exposure when every step keeps its dwell' }),
      },
      { additionalProperties: false },
    ),
    optimised: Type.Boolean({ description: 'false: no usable risk score, the most careful plan' }),
    risk: Type.Union([Type.Object({ probability: Type.Number(), complete: Type.Boolean(), modelVersion: Type.String() }, { additionalProperties: false }), Type.Null()]),
    gate: Type.Object(
      {
        decision: Type.Union([Type.Literal('pass'), Type.Literal('blocked'), Type.Literal('wait')], { description: 'pass: go ahead with the plan; blocked: risk above blockAbove; wait: the score is missing or incomplete' }),
        blockAbove: Type.Number(),
        reasons: Type.Array(Type.String()),
        recommendations: Type.Array(Type.String(), { description: 'what would make the change acceptable' }),
      },
      { additionalProperties: false },
    ),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false },
);
