// Argo Rollouts' Web metric provider contract (server/adapters/argo.ts): the rollout to judge, as the query string of a
// GET or the jsonBody of a POST, and the answer whose `$.result` Argo's conditions read. Every object is closed, so a
// misspelt field is a 400, not a silent default.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, QueryInt } from '../common-schemas.ts';
import { ExtensionJudge, VerdictSchema } from '../routes/canary-schemas.ts';
import { ControlNoteSchema } from '../routes/controls-schemas.ts';

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
