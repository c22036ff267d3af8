// Argo Rollouts' Web metric provider contract (server/adapters/argo.ts): the rollout to judge, as the query string of a
// GET or the jsonBody of a POST, and the answer whose `$.result` Argo's conditions read; the pre-deploy gate's change
// (POST /v1/argo/gate) and its answer. Every object is closed, so a
// misspelt field is a 400, not a silent default.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, QueryInt } from '../common-schemas.ts';
import { ExtensionJudge, VerdictSchema } from '../routes/canary-schemas.ts';
import { ControlNoteSchema } from '../routes/controls-schemas.ts';
import { RiskValue } from '../routes/risk-schemas.ts';
import { GateDecisionSchema, HookPlanSchema, PlanConstraintsSchema } from '../routes/rollout-plan-schemas.ts';

/** Argo Rollouts Web metric provider: the rollout to judge (query string of a GET, or the jsonBody of a POST). */
const ArgoTargetProps = {
  name: Type.String({ minLength: 1, maxLength: 253, description: 'the canary workload (Flagger naming: the primary is <name>-primary)' }),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'analysis window in minutes (default 5)' })),
  judge: Type.Optional(ExtensionJudge),
};
/** A whole number in a query string (query strings are not coerced: "5" stays a string). */
export const ArgoQuerySchema = Type.Object({ ...ArgoTargetProps, minutes: Type.Optional(QueryInt(60, 'analysis window in minutes (default 5)')) }, { additionalProperties: false });
export const ArgoBodySchema = Type.Object(ArgoTargetProps, { additionalProperties: false });
export type ArgoTarget = Static<typeof ArgoBodySchema>;

export const ArgoResponseSchema = Type.Object({
  result: Type.Object({
    verdict: VerdictSchema,
    pass: Type.Union([Type.Literal(1), Type.Literal(0), Type.Literal(-1)], { description: '1 pass, 0 fail, -1 inconclusive (meets neither condition: Argo pauses)' }),
    pFail: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
    reasons: Type.Array(Type.String()),
    judge: ExtensionJudge,
    modelVersion: Nullable(Type.String()),
    metricsAvailable: Type.Boolean({ description: 'false: the metrics source was down or had no series (verdict inconclusive)' }),
    name: Type.String(),
    namespace: Nullable(Type.String()),
    minutes: Type.Integer(),
    control: Type.Optional(ControlNoteSchema),
  }),
});
export type ArgoResponse = Static<typeof ArgoResponseSchema>;

/**
 * A number as Argo sends it: Argo puts an analysis argument into `jsonBody` as text ("850"), so the gate takes a number
 * or its decimal text (server/adapters/argo.ts reads it, a 400 naming the field when it is not one).
 */
const NumberOrText = (o: { minimum?: number; maximum?: number; description: string }) =>
  Type.Union([Type.Number(o), Type.String({ pattern: '^\\s*[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?\\s*$', maxLength: 40 })], { description: `${o.description} (a number, or its text as an analysis argument gives it)` });

/** POST /v1/argo/gate: POST /v1/rollout/plan's body as an AnalysisTemplate's Web metric sends it, with the rollout it gates. */
export const ArgoGateBodySchema = Type.Object(
  {
    features: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), RiskValue, {
      maxProperties: 500,
      description: "the change's pre-deploy features by name, as for POST /v1/rollout/plan; a string is read as Flagger's metadata is (\"120\" a number, \"true\" / \"false\" a boolean, else a level name), since Argo's arguments are text. hour_sin, hour_cos and weekend, when not given, are those of the time of the call",
    }),
    rpm: NumberOrText({ minimum: 0, maximum: 1e9, description: "the service's requests per minute now" }),
    bakeMinutes: Type.Optional(NumberOrText({ minimum: 0, maximum: 10_080, description: 'minutes of bake after full exposure (default 30), a whole number' })),
    gate: Type.Optional(Type.Object({ blockAbove: NumberOrText({ minimum: 0, maximum: 1, description: 'block a change whose risk is above this (default 0.85)' }) }, { additionalProperties: false })),
    constraints: Type.Optional(
      Type.Object(
        {
          maxFirstStepPercent: Type.Optional(NumberOrText({ maximum: 100, description: PlanConstraintsSchema.properties.maxFirstStepPercent.description as string })),
          maxExposurePercent: Type.Optional(NumberOrText({ maximum: 100, description: PlanConstraintsSchema.properties.maxExposurePercent.description as string })),
          deadlineMinutes: Type.Optional(NumberOrText({ maximum: 10_080, description: PlanConstraintsSchema.properties.deadlineMinutes.description as string })),
        },
        { additionalProperties: false, description: "as POST /v1/rollout/plan's constraints" },
      ),
    ),
    impute: Type.Optional(
      Type.Union([Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: 500 }), Type.String({ maxLength: 10_000 })], {
        description: "features accepted at their training median when not given (as POST /v1/rollout/plan's impute): a list, or their names comma-separated, as an analysis argument gives them",
      }),
    ),
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'the rollout: the human controls (overrides, approvals) of <namespace>/<name> apply to the answer' })),
    namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  },
  { additionalProperties: false },
);
export type ArgoGateBody = Static<typeof ArgoGateBodySchema>;

export const ArgoGateResponseSchema = Type.Object(
  {
    result: Type.Object(
      {
        decision: GateDecisionSchema,
        pass: Type.Union([Type.Literal(1), Type.Literal(0), Type.Literal(-1)], { description: '1 pass, 0 blocked, -1 wait (meets neither condition: the analysis run is Inconclusive and Argo pauses the rollout)' }),
        risk: Nullable(Type.Number({ minimum: 0, maximum: 1, description: "the risk champion's P(the change causes a failure); null without a score" })),
        modelVersion: Nullable(Type.String()),
        blockAbove: Type.Number(),
        reasons: Type.Array(Type.String()),
        recommendations: Type.Array(Type.String(), { description: 'what would make the change acceptable' }),
        plan: HookPlanSchema,
        name: Nullable(Type.String()),
        namespace: Nullable(Type.String()),
        control: Type.Optional(ControlNoteSchema),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type ArgoGateResponse = Static<typeof ArgoGateResponseSchema>;
