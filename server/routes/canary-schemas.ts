// Schemas of the canary verdict route (server/routes/canary.ts): one analysis window in, a verdict out. The judge
// names and the verdict values are shared with the Argo and Flagger adapters (server/adapters/).
import { Type, type Static } from '@sinclair/typebox';
import { CohortMetricsSchema, MAX_LATENCY_MS, MAX_TICKS, Nullable } from '../common-schemas.ts';
import { ControlNoteSchema, DeploymentIdSchema } from './controls-schemas.ts';

const Ticks = Type.Array(Nullable(CohortMetricsSchema), { minItems: 1, maxItems: MAX_TICKS, description: 'per minute, oldest first; null = no sample' });

export const JudgeName = Type.Union([Type.Literal('ml'), Type.Literal('kayenta')], { description: 'ml = the learned judge (champion of the judge family), kayenta = the statistical judge' });
export type JudgeNameT = Static<typeof JudgeName>;

export const VerdictQuerySchema = Type.Object(
  {
    judge: Type.Optional(JudgeName),
    reasons: Type.Optional(
      Type.Union([Type.Literal('true'), Type.Literal('false')], {
        description: 'per-metric reasons (default true); false answers only the decision line, several times faster with the learned judge (for callers that ask every few seconds and read the verdict alone)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type VerdictQuery = Static<typeof VerdictQuerySchema>;

export const VerdictBodySchema = Type.Object(
  {
    canary: Ticks,
    baseline: Ticks,
    providerError: Type.Optional(Type.Array(Type.Boolean(), { maxItems: MAX_TICKS, description: 'per minute: the metrics backend erred (same length as canary)' })),
    latencyObjectiveMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_LATENCY_MS, description: "the service's latency objective in ms (at most a day)" })),
    judge: Type.Optional(JudgeName),
    deployment: Type.Optional(DeploymentIdSchema),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: "the deployment's service, whose team's allowed hours apply (default: the deployment's name)" })),
  },
  { additionalProperties: false, description: 'one canary analysis window (judges/analysis-window.ts AnalysisWindow)' },
);
export type VerdictBody = Static<typeof VerdictBodySchema>;

export const VerdictSchema = Type.Union([Type.Literal('pass'), Type.Literal('fail'), Type.Literal('inconclusive')]);

export const VerdictResponseSchema = Type.Object({
  verdict: VerdictSchema,
  pFail: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'calibrated P(material fault) (ml judge)' })),
  score: Type.Optional(Type.Number({ description: "Kayenta's summary score 0-100 (kayenta judge)" })),
  reasons: Type.Array(Type.String()),
  judge: JudgeName,
  modelVersion: Nullable(Type.String({ description: 'registry version of the judge champion (null for kayenta)' })),
  control: Type.Optional(ControlNoteSchema),
});
export type VerdictResponse = Static<typeof VerdictResponseSchema>;

/** The same judges as the Argo and Flagger adapters describe them (server/adapters/argo-contract.ts, flagger-contract.ts). */
export const ExtensionJudge = Type.Union([Type.Literal('ml'), Type.Literal('kayenta')], { description: 'judge of the metrics window: ml (default, the learned judge) or kayenta' });
