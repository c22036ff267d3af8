// Request and response schemas of the serving API (DESIGN.md §7). Every route validates its input and serializes its
// output with these TypeBox schemas (plain JSON Schema to Fastify), and the TypeScript types of the handlers come from
// the same schemas through `Static<>`, so the contract, the validation and the code cannot drift apart.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DETECTOR_NAMES } from '../training/anomaly/detector.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Longest analysis window / rollout history accepted (a week of minutes). */
export const MAX_TICKS = 10_080;
/** Longest series the anomaly route scores in one call. */
export const MAX_SERIES = 100_000;

const Count = (description: string) => Type.Number({ minimum: 0, description });
const Share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const Ms = (description: string) => Nullable(Type.Number({ minimum: 0, description }));

/** One cohort's metrics for one minute (sim/env.ts `CohortMetrics`). Saturation and callers' counts may be left out (0). */
export const CohortMetricsSchema = Type.Object(
  {
    requests: Count('requests served in the minute'),
    errors: Count('failed requests (<= requests)'),
    slow: Count('requests slower than the latency objective (<= requests)'),
    latencyP50: Ms('p50 latency in ms, null when unknown'),
    latencyP95: Type.Optional(Ms('p95 latency in ms, null when unknown')),
    latencyP99: Ms('p99 latency in ms, null when unknown'),
    cpu: Type.Optional(Share('cpu utilisation 0..1 (default 0)')),
    memory: Type.Optional(Share('memory utilisation 0..1 (default 0)')),
    pool: Type.Optional(Share('connection-pool utilisation 0..1 (default 0)')),
    conversions: Count('business conversions (<= requests)'),
    callerRequests: Type.Optional(Count("requests of synchronous callers that reached this cohort (default 0)")),
    callerErrors: Type.Optional(Count("of those, how many failed (<= callerRequests, default 0)")),
  },
  { description: "one cohort's metrics for one minute" },
);
export type CohortMetricsIn = Static<typeof CohortMetricsSchema>;

const Ticks = Type.Array(Nullable(CohortMetricsSchema), { minItems: 1, maxItems: MAX_TICKS, description: 'per minute, oldest first; null = no sample' });

export const JudgeName = Type.Union([Type.Literal('ml'), Type.Literal('kayenta')], { description: 'ml = the learned judge (champion of the judge family), kayenta = the statistical judge' });
export type JudgeNameT = Static<typeof JudgeName>;

export const VerdictQuerySchema = Type.Object({ judge: Type.Optional(JudgeName) }, { additionalProperties: false });
export type VerdictQuery = Static<typeof VerdictQuerySchema>;

export const VerdictBodySchema = Type.Object(
  {
    canary: Ticks,
    baseline: Ticks,
    providerError: Type.Optional(Type.Array(Type.Boolean(), { maxItems: MAX_TICKS, description: 'per minute: the metrics backend erred (same length as canary)' })),
    latencyObjectiveMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "the service's latency objective in ms" })),
    judge: Type.Optional(JudgeName),
  },
  { additionalProperties: false, description: 'one canary analysis window (judges/window.ts AnalysisWindow)' },
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
});
export type VerdictResponse = Static<typeof VerdictResponseSchema>;

export const AnomalyBodySchema = Type.Object(
  {
    values: Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_SERIES, description: 'the series, oldest first, one value per step' }),
    detector: Type.Optional(Type.Union(DETECTOR_NAMES.map((n) => Type.Literal(n)), { description: 'default contextual (the bench nab detector with its default settings)' })),
  },
  { additionalProperties: false },
);
export type AnomalyBody = Static<typeof AnomalyBodySchema>;

export const AnomalyResponseSchema = Type.Object({
  detector: Type.String(),
  scores: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { description: 'one anomaly score in [0, 1] per input value' }),
});
export type AnomalyResponse = Static<typeof AnomalyResponseSchema>;

export const PhaseSchema = Type.Union([Type.Literal('progressing'), Type.Literal('baking'), Type.Literal('rolled_back'), Type.Literal('done'), Type.Literal('truncated')]);

export const ObservationSchema = Type.Object(
  {
    age: Type.Integer({ minimum: 0, description: 'minutes since the rollout started; the metrics are of minute age - 1' }),
    phase: PhaseSchema,
    stage: Type.Integer({ minimum: 0, description: 'index of the current stage in plan.stages' }),
    weight: Share('share of user traffic on the new version during the minute'),
    mirror: Type.Optional(Share('mirrored share (blue-green preview), default 0')),
    timeAtStage: Type.Number({ minimum: 0, description: 'minutes at the current stage (or in the bake)' }),
    canary: Nullable(CohortMetricsSchema),
    baseline: Nullable(CohortMetricsSchema),
  },
  { description: 'one observation of the rollout (sim/env.ts Observation)' },
);
export type ObservationIn = Static<typeof ObservationSchema>;

export const PlanSchema = Type.Object(
  {
    stages: Type.Array(
      Type.Object({
        exposure: Type.Array(Share('share of the unit on the new version'), { minItems: 1, maxItems: 64 }),
        mirror: Type.Optional(Share('mirrored share, default 0')),
        dwellMinutes: Type.Number({ minimum: 0 }),
      }),
      { minItems: 1, maxItems: 100 },
    ),
    unitShares: Type.Array(Share('traffic share of the unit'), { minItems: 1, maxItems: 64, description: 'one per unit, summing to 1' }),
    bakeMinutes: Type.Number({ minimum: 0 }),
  },
  { description: 'the rollout plan (sim/strategy.ts Plan)' },
);
export type PlanIn = Static<typeof PlanSchema>;

export const DecisionBodySchema = Type.Object(
  {
    observations: Type.Array(ObservationSchema, { minItems: 1, maxItems: MAX_TICKS, description: 'every observation so far, oldest first; the decision is for the last' }),
    plan: PlanSchema,
    slo: Type.Object({ objective: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), burnRate: Type.Number({ exclusiveMinimum: 0 }) }),
    riskPrior: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "the change's risk score, if known" })),
    latencyObjectiveMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "for the judge gate before an advance" })),
  },
  { additionalProperties: false },
);
export type DecisionBody = Static<typeof DecisionBodySchema>;

export const DecisionResponseSchema = Type.Object({
  action: Type.Union([Type.Literal('advance'), Type.Literal('hold'), Type.Literal('rollback')]),
  pFault: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'P(material fault active in the canary now); null when the model was not consulted' })),
  pBreach: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'P(SLO breach ahead if the rollout carries on)' })),
  breachInMin: Nullable(Type.Number({ description: 'minutes to the projected breach (null: none projected)' })),
  reasons: Type.Array(Type.String()),
  modelVersion: Type.String(),
  judgeVersion: Nullable(Type.String()),
});
export type DecisionResponse = Static<typeof DecisionResponseSchema>;

export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable code: VALIDATION, BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, MODEL_UNAVAILABLE, PAYLOAD_TOO_LARGE, INTERNAL' }),
      message: Type.String(),
      field: Nullable(Type.String({ description: 'the offending field (e.g. body.canary[2].errors), or body' })),
    }),
  },
  {},
);
export type ErrorResponse = Static<typeof ErrorResponseSchema>;

const FamilyStatus = Type.Object({
  loaded: Type.Boolean(),
  version: Nullable(Type.String()),
  loadedAt: Nullable(Type.String()),
  error: Nullable(Type.String({ description: 'why the last load failed (the previous version keeps serving)' })),
});
export const StatusResponseSchema = Type.Object({
  modelsRoot: Type.String(),
  snapshot: Type.Integer({ description: 'how many times a model snapshot was swapped in' }),
  lastReload: Nullable(Type.String()),
  families: Type.Record(Type.String(), FamilyStatus),
});
export type StatusResponse = Static<typeof StatusResponseSchema>;

export const ReadyResponseSchema = Type.Object({ ready: Type.Boolean(), reasons: Type.Array(Type.String()) });
export const HealthResponseSchema = Type.Object({ ok: Type.Boolean() });
export const ReloadResponseSchema = Type.Object({ changed: Type.Array(Type.String()), status: StatusResponseSchema });


const RiskValue = Nullable(Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 200 })]));

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
    }),
    { description: 'largest contributions first' },
  ),
  imputed: Type.Array(Type.String(), { description: 'features not given (or null): scored at their training median' }),
  modelVersion: Type.String(),
});
export type RiskResponse = Static<typeof RiskResponseSchema>;

export const RiskFeaturesResponseSchema = Type.Object({
  modelVersion: Type.String(),
  features: Type.Array(
    Type.Object({
      name: Type.String(),
      kind: Type.Union([Type.Literal('numeric'), Type.Literal('binary'), Type.Literal('category')]),
      levels: Type.Optional(Type.Array(Type.String())),
      description: Type.Optional(Type.String()),
    }),
  ),
});
