// Schemas of the risk routes (server/routes/risk.ts): a change's pre-deploy features in, its failure probability
// with the reasons out; the risk champion's feature list. The deploy-window routes take the same feature values.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../common-schemas.ts';

export const RiskValue = Nullable(Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 200 })]));

export const RiskBodySchema = Type.Object(
  {
    features: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), RiskValue, {
      maxProperties: 500,
      description: "the change's pre-deploy features by name (GET /v1/risk/features lists them): numbers, booleans (or 0/1) for binary features, a level name for categories; missing or null = unknown (the model uses the training median)",
    }),
    maxReasons: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'how many reasons at most (default 5)' })),
  },
  { additionalProperties: false },
);
export type RiskBody = Static<typeof RiskBodySchema>;

export const RiskResponseSchema = Type.Object({
  probability: Type.Number({ minimum: 0, maximum: 1, description: 'calibrated probability that the change causes a failure' }),
  reasons: Type.Array(
    Type.Object({
      feature: Type.String(),
      contribution: Type.Number({ description: 'contribution to the logit against an average training change' }),
      value: Nullable(Type.Union([Type.Number(), Type.String()])),
    }, { additionalProperties: false }),
    { description: 'largest contributions first; only features given in the request (an imputed feature is never a reason)' },
  ),
  imputed: Type.Array(Type.String(), { description: 'every feature of the model not given (or null): scored at its training median, and never listed among the reasons' }),
  complete: Type.Boolean({ description: 'true when every feature was given and each lies inside the values the model was trained on (never for a model saved without its training ranges); Flagger\'s confirm hooks wait when it is false (docs/risk.md)' }),
  outsideTraining: Type.Array(
    Type.Object({
      feature: Type.String(),
      value: Type.Number(),
      min: Type.Number({ description: 'smallest value of the feature in the training rows' }),
      max: Type.Number({ description: 'largest value of the feature in the training rows' }),
    }, { additionalProperties: false }),
    { description: 'given features outside the range the model was trained on: the score extrapolates there (empty for a model saved without its training ranges)' },
  ),
  modelVersion: Type.String(),
}, { additionalProperties: false });
export type RiskResponse = Static<typeof RiskResponseSchema>;

export const RiskFeaturesResponseSchema = Type.Object({
  modelVersion: Type.String(),
  features: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.Union([Type.Literal('numeric'), Type.Literal('binary'), Type.Literal('category')]),
      levels: Type.Optional(Type.Array(Type.String())),
      range: Type.Optional(Type.String({ description: 'numeric: the values admitted (count: whole number >= 0; nonneg: number >= 0; fraction: [0, 1]; signed-unit: [-1, 1]); others are refused with a 400' })),
      trainingMin: Type.Optional(Type.Number({ description: 'numeric and binary: smallest value in the training rows' })),
      trainingMax: Type.Optional(Type.Number({ description: 'numeric and binary: largest value in the training rows' })),
      description: Type.Optional(Type.String()),
    }),
  ),
});
