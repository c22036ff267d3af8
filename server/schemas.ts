// Request and response schemas of the serving API (docs/server.md). Every route validates its input and serializes its
// output with these TypeBox schemas (plain JSON Schema to Fastify), and the TypeScript types of the handlers come from
// the same schemas through `Static<>`, so the contract, the validation and the code cannot drift apart.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { DETECTOR_NAMES } from '../detectors/registry.ts';
import { NAB_PROFILE_NAMES } from '../detectors/nab-score.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Longest analysis window / rollout history accepted (a week of minutes). */
export const MAX_TICKS = 10_080;
/** Longest series the anomaly route scores in one call. */
export const MAX_SERIES = 100_000;
/**
 * Detectors the anomaly route runs: all but `cad`, whose context memory (and so its streaming state) may grow to
 * megabytes, and `forecast`, whose season comes from timestamps the route does not take.
 */
export const SERVED_DETECTORS = DETECTOR_NAMES.filter((n) => n !== 'cad' && n !== 'forecast');
/** Largest streaming state accepted (characters; a contextual detector's state is about 50 kB). */
export const MAX_ANOMALY_STATE = 900_000;

/**
 * The largest count one cohort can report for one minute (10^12: a trillion requests a minute, thousands of times any
 * real service). Larger values are impossible evidence, not traffic: a baseline minute of 1e308 requests would make any
 * canary look healthy, and window totals of such values overflow. A 400 naming the field.
 */
export const MAX_MINUTE_COUNT = 1e12;
/** The largest latency accepted (ms): one day. A request slower than that is an outage, not a latency. */
export const MAX_LATENCY_MS = 86_400_000;
/** The longest stage dwell or bake a rollout plan may ask for (minutes): a week. */
export const MAX_PLAN_MINUTES = 10_080;
/** The oldest observation a rollout decision takes (minutes since the rollout started): a year. */
export const MAX_ROLLOUT_AGE_MIN = 525_600;
const Count = (description: string) => Type.Number({ minimum: 0, maximum: MAX_MINUTE_COUNT, description });
const Share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
const Ms = (description: string) => Nullable(Type.Number({ minimum: 0, maximum: MAX_LATENCY_MS, description }));

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
  { additionalProperties: false, description: "one cohort's metrics for one minute" },
);
export type CohortMetricsIn = Static<typeof CohortMetricsSchema>;

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
});
export type VerdictResponse = Static<typeof VerdictResponseSchema>;

export const AnomalyBodySchema = Type.Object(
  {
    values: Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_SERIES, description: 'the series, oldest first, one value per step' }),
    detector: Type.Optional(Type.Union(SERVED_DETECTORS.map((n) => Type.Literal(n)), { description: 'default contextual (the bench nab detector with its default settings); cad and forecast are NAB peers only (cad: its streaming state can grow to megabytes; forecast: its season needs timestamps)' })),
    state: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_ANOMALY_STATE,
        description: "streaming: the `state` of this series' previous answer; `values` are then the points that came after it, and the scores are those the detector would give scoring the whole series at once (the state is signed by the server and opaque)",
      }),
    ),
    returnState: Type.Optional(Type.Boolean({ description: 'answer with the detector state after the last value, to send back with the next points (default: true when `state` is given, else false)' })),
    profile: Type.Optional(Type.Union(NAB_PROFILE_NAMES.map((n) => Type.Literal(n)), { description: "the NAB profile whose threshold flags the anomalies (default standard; reward_low_FP_rate flags less, reward_low_FN_rate more for detectors where they differ)" })),
  },
  { additionalProperties: false },
);
export type AnomalyBody = Static<typeof AnomalyBodySchema>;

export const AnomalyResponseSchema = Type.Object({
  detector: Type.String(),
  scores: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { description: 'one anomaly score in [0, 1] per input value' }),
  isAnomaly: Type.Array(Type.Boolean(), { description: 'one flag per input value: its score is >= threshold' }),
  threshold: Type.Number({ description: "the detector's NAB threshold for the profile: the corpus-wide threshold bench nab optimises over the 34 NAB files (docs/anomaly.md)" }),
  profile: Type.Union(NAB_PROFILE_NAMES.map((n) => Type.Literal(n))),
  state: Type.Optional(Type.String({ description: 'the detector state after the last value (streaming; send it back as `state` with the next points)' })),
  pointsSeen: Type.Optional(Type.Integer({ description: 'values the detector has seen on this series in total (streaming)' })),
}, { additionalProperties: false });
export type AnomalyResponse = Static<typeof AnomalyResponseSchema>;

export const PhaseSchema = Type.Union([Type.Literal('progressing'), Type.Literal('baking'), Type.Literal('rolled_back'), Type.Literal('done'), Type.Literal('truncated')]);

export const ObservationSchema = Type.Object(
  {
    age: Type.Integer({ minimum: 0, maximum: MAX_ROLLOUT_AGE_MIN, description: 'minutes since the rollout started (at most a year); the metrics are of minute age - 1' }),
    phase: PhaseSchema,
    stage: Type.Integer({ minimum: 0, description: 'index of the current stage in plan.stages' }),
    weight: Share('share of user traffic on the new version during the minute'),
    mirror: Type.Optional(Share('mirrored share (blue-green preview), default 0')),
    timeAtStage: Type.Number({ minimum: 0, description: 'minutes at the current stage (or in the bake)' }),
    providerError: Type.Optional(Type.Boolean({ description: 'the metrics backend erred for the minute (both cohorts then null); default false' })),
    canary: Nullable(CohortMetricsSchema),
    baseline: Nullable(CohortMetricsSchema),
  },
  { additionalProperties: false, description: 'one observation of the rollout (sim/env.ts Observation)' },
);
export type ObservationIn = Static<typeof ObservationSchema>;

export const PlanSchema = Type.Object(
  {
    stages: Type.Array(
      Type.Object(
        {
          exposure: Type.Array(Share('share of the unit on the new version'), { minItems: 1, maxItems: 64 }),
          mirror: Type.Optional(Share('mirrored share, default 0')),
          dwellMinutes: Type.Number({ minimum: 0, maximum: MAX_PLAN_MINUTES, description: 'minutes at this stage (at most a week)' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 100 },
    ),
    unitShares: Type.Array(Share('traffic share of the unit'), { minItems: 1, maxItems: 64, description: 'one per unit, summing to 1' }),
    bakeMinutes: Type.Number({ minimum: 0, maximum: MAX_PLAN_MINUTES, description: 'minutes of bake after the last stage (at most a week)' }),
  },
  { additionalProperties: false, description: 'the rollout plan (sim/strategy.ts Plan)' },
);
export type PlanIn = Static<typeof PlanSchema>;

export const DecisionBodySchema = Type.Object(
  {
    observations: Type.Array(ObservationSchema, { minItems: 1, maxItems: MAX_TICKS, description: 'every observation so far, oldest first; the decision is for the last' }),
    plan: PlanSchema,
    slo: Type.Object({ objective: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), burnRate: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
    riskPrior: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "the change's risk score, if known" })),
    latencyObjectiveMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_LATENCY_MS, description: "the service's latency objective (ms, at most a day): the judge gate of ml before an advance; required by argo and flagger" })),
    policy: Type.Optional(
      Type.Union([Type.Literal('ml'), Type.Literal('kayenta'), Type.Literal('argo'), Type.Literal('flagger'), Type.Literal('none')], {
        description: 'the rollout policy that decides (default ml): the same code the backtester replays (policies/), fed every observation so far',
      }),
    ),
  },
  { additionalProperties: false },
);
export type DecisionBody = Static<typeof DecisionBodySchema>;

export const DecisionResponseSchema = Type.Object({
  action: Type.Union([Type.Literal('advance'), Type.Literal('hold'), Type.Literal('rollback')]),
  pFault: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'P(material fault active in the canary now); null when the model was not consulted' })),
  pBreach: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'P(SLO breach ahead if the rollout carries on)' })),
  breachInMin: Nullable(Type.Number({ description: 'minutes to the projected breach (null: none projected)' })),
  reasons: Type.Array(Type.String(), { description: 'why, headline first: the reasons the backtester records for the same minute' }),
  modelVersion: Type.String({ description: "the rollback champion's version (ml), or the policy's name for a policy without a model" }),
  judgeVersion: Nullable(Type.String()),
  policy: Type.String({ description: 'the policy that decided' }),
});
export type DecisionResponse = Static<typeof DecisionResponseSchema>;

export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable code: VALIDATION, BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, MODEL_UNAVAILABLE, FEEDBACK_UNAVAILABLE, RATE_LIMITED, PAYLOAD_TOO_LARGE, INTERNAL' }),
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
  watch: Type.Optional(
    Nullable(
      Type.Object(
        {
          intervalMs: Type.Number({ description: 'how often the champion pointers are checked' }),
          reloads: Type.Integer({ description: 'reloads started by a registry change' }),
          lastCheck: Nullable(Type.String({ description: 'when the pointers were last checked (ISO 8601)' })),
        },
        { description: 'the registry watcher (null: reload only on POST /v1/models/reload)' },
      ),
    ),
  ),
});
export type StatusResponse = Static<typeof StatusResponseSchema>;

export const ReadyResponseSchema = Type.Object({ ready: Type.Boolean(), reasons: Type.Array(Type.String()) });
export const HealthResponseSchema = Type.Object({ ok: Type.Boolean() });
/** POST /v1/models/reload takes no parameters: an empty body (with Content-Type: application/json) or {}. */
export const ReloadBodySchema = Type.Object({}, { additionalProperties: false });
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

// ---------------------------------------------------------------------------------------------------------
// Deploy-system extension points (docs/server.md): Argo Rollouts' Web metric provider, Flagger's webhooks,
// Kayenta's RemoteJudge. Their payloads are the deploy systems' own. Every object is closed: Kayenta's objects list the
// fields Kayenta sends (those not read are accepted and ignored), so a misspelt field is a 400, not a silent default.
// Only the provider-specific `query` of a metric and a pair's `attributes` are free-form (never read).

export const ExtensionJudge = Type.Union([Type.Literal('ml'), Type.Literal('kayenta')], { description: 'judge of the metrics window: ml (default, the learned judge) or kayenta' });

/** Argo Rollouts Web metric provider: the rollout to judge (query string of a GET, or the jsonBody of a POST). */
const ArgoTargetProps = {
  name: Type.String({ minLength: 1, maxLength: 253, description: 'the canary workload (Flagger naming: the primary is <name>-primary)' }),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253 })),
  minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 60, description: 'analysis window in minutes (default 5)' })),
  judge: Type.Optional(ExtensionJudge),
};
/** A whole number in a query string (query strings are not coerced: "5" stays a string). */
const QueryInt = (max: number, description: string) => Type.String({ pattern: `^[0-9]{1,${String(max).length}}$`, description: `${description} (a whole number, at most ${max})` });
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
  }),
});
export type ArgoResponse = Static<typeof ArgoResponseSchema>;

/** Flagger's webhook payload (CanaryWebhookPayload; event hooks add eventMessage, eventType, timestamp). */
export const FlaggerPayloadSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, description: 'the Canary (its target workload)' }),
    namespace: Type.String({ minLength: 1, maxLength: 253 }),
    phase: Type.String({ minLength: 1, maxLength: 64, description: 'Initializing, Initialized, Waiting, Progressing, WaitingPromotion, Promoting, Finalising, Succeeded, Failed, Terminating, Terminated' }),
    checksum: Type.Optional(Type.String({ maxLength: 256 })),
    metadata: Type.Optional(Nullable(Type.Record(Type.String({ maxLength: 253 }), Type.String({ maxLength: 1024 }), { maxProperties: 100, description: "the webhook's metadata from the Canary spec (strings; at most 100 keys, values up to 1,024 characters)" }))),
    eventMessage: Type.Optional(Type.String({ maxLength: 8192 })),
    eventType: Type.Optional(Type.String({ maxLength: 64 })),
    timestamp: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Number()])),
  },
  { additionalProperties: false, description: "Flagger's webhook payload" },
);
export type FlaggerPayload = Static<typeof FlaggerPayloadSchema>;

export const FlaggerQuerySchema = Type.Object(
  {
    minutes: Type.Optional(QueryInt(60, 'analysis window in minutes (default 5)')),
    judge: Type.Optional(ExtensionJudge),
  },
  { additionalProperties: false },
);
export type FlaggerQuery = Static<typeof FlaggerQuerySchema>;

export const FlaggerResponseSchema = Type.Object({
  hook: Type.String(),
  name: Type.String(),
  namespace: Type.String(),
  ok: Type.Boolean({ description: 'what the status says to Flagger (200: yes; 409: no — a failed check, wait, or do not roll back)' }),
  decision: Type.String({ description: 'pass, fail, inconclusive, rollback, no-rollback, go, wait, recorded' }),
  reasons: Type.Array(Type.String()),
  verdict: Type.Optional(VerdictSchema),
  action: Type.Optional(Type.Union([Type.Literal('advance'), Type.Literal('hold'), Type.Literal('rollback')])),
  riskProbability: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  pFault: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'rollback hook: P(material fault in the canary now)' }))),
  modelVersion: Type.Optional(Nullable(Type.String())),
});
export type FlaggerResponse = Static<typeof FlaggerResponseSchema>;

export const FlaggerEventsQuerySchema = Type.Object({ limit: Type.Optional(QueryInt(1000, 'how many of the last calls (default all kept)')) }, { additionalProperties: false });
export const FlaggerEventsResponseSchema = Type.Object({
  events: Type.Array(
    Type.Object({
      at: Type.String({ description: 'when the hook was received (ISO 8601)' }),
      hook: Type.String(),
      status: Type.Integer({ description: 'the status answered' }),
      decision: Type.String(),
      payload: FlaggerPayloadSchema,
    }),
    { description: 'oldest first; the last 1,000 hook calls at most, and at most 8 MB of them' },
  ),
});
export type FlaggerEvent = Static<typeof FlaggerEventsResponseSchema>['events'][number];

const KValue = Type.Union([Type.Number(), Type.Null(), Type.Literal('NaN'), Type.Literal('Infinity'), Type.Literal('-Infinity')]);
// Epoch milliseconds as JavaScript dates hold them (±8.64e15): a larger value is no time.
const KScope = Type.Object({ startTimeIso: Type.Optional(Type.String()), startTimeMillis: Type.Optional(Type.Number({ minimum: -8.64e15, maximum: 8.64e15 })), stepMillis: Type.Optional(Type.Number({ minimum: 0, maximum: 8.64e15 })) }, { additionalProperties: false });
/** A field Kayenta sends and the judge does not read (any value). */
const KIgnored = Type.Optional(Type.Unknown());
const KFreeForm = (description: string) => Type.Optional(Nullable(Type.Object({}, { additionalProperties: true, description })));
const KDirection = Type.Union([Type.Literal('increase'), Type.Literal('decrease'), Type.Literal('either')]);

export const KayentaJudgeBodySchema = Type.Object(
  {
    canaryConfig: Type.Object(
      {
        metrics: Type.Array(
          Type.Object(
            {
              name: Type.String({ minLength: 1 }),
              groups: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 })))),
              analysisConfigurations: Type.Optional(
                Nullable(
                  Type.Object(
                    {
                      canary: Type.Optional(
                        Nullable(
                          Type.Object(
                            {
                              direction: Type.Optional(Nullable(KDirection)),
                              critical: Type.Optional(Nullable(Type.Boolean())),
                              mustHaveData: Type.Optional(Nullable(Type.Boolean())),
                              allowNegative: Type.Optional(Nullable(Type.Boolean({ description: 'the metric may take negative values (default false: a negative value is a 400)' }))),
                              nanStrategy: Type.Optional(Nullable(Type.Union([Type.Literal('remove'), Type.Literal('replace')]))),
                              outliers: Type.Optional(Nullable(Type.Object({ strategy: KIgnored, outlierFactor: KIgnored }, { additionalProperties: false }))),
                              effectSize: Type.Optional(
                                Nullable(Type.Object({ allowedIncrease: KIgnored, allowedDecrease: KIgnored, criticalIncrease: KIgnored, criticalDecrease: KIgnored, measure: KIgnored }, { additionalProperties: false })),
                              ),
                            },
                            { additionalProperties: false },
                          ),
                        ),
                      ),
                    },
                    { additionalProperties: false },
                  ),
                ),
              ),
              id: KIgnored,
              query: KFreeForm("the metric's query (provider-specific; not read)"),
              scopeName: KIgnored,
            },
            { additionalProperties: false },
          ),
          { maxItems: 1000 },
        ),
        classifier: Type.Optional(
          Nullable(Type.Object({ groupWeights: Type.Optional(Nullable(Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 100, description: 'percent' })))), scoreThresholds: KIgnored }, { additionalProperties: false })),
        ),
        id: KIgnored,
        name: KIgnored,
        description: KIgnored,
        configVersion: KIgnored,
        applications: KIgnored,
        judge: KIgnored,
        templates: KIgnored,
        createdTimestamp: KIgnored,
        updatedTimestamp: KIgnored,
        createdTimestampIso: KIgnored,
        updatedTimestampIso: KIgnored,
      },
      { additionalProperties: false, description: "Kayenta's canary config (only metrics[].name, groups, analysisConfigurations.canary and classifier.groupWeights are read)" },
    ),
    scoreThresholds: Type.Object({ pass: Type.Number({ minimum: 0, maximum: 100 }), marginal: Type.Number({ minimum: 0, maximum: 100 }) }, { additionalProperties: false, description: 'summary-score thresholds on the 0-100 scale, marginal <= pass' }),
    metricSetPairList: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          id: Type.Optional(Nullable(Type.String())),
          tags: Type.Optional(Nullable(Type.Record(Type.String(), Type.String()))),
          values: Type.Object({ control: Type.Array(KValue, { maxItems: MAX_TICKS }), experiment: Type.Array(KValue, { maxItems: MAX_TICKS }) }, { additionalProperties: false }),
          scopes: Type.Optional(Nullable(Type.Object({ control: Type.Optional(KScope), experiment: Type.Optional(KScope) }, { additionalProperties: false }))),
          attributes: KFreeForm('attributes of the pair (not read)'),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000 },
    ),
  },
  { additionalProperties: false, description: "Kayenta's RemoteJudge request" },
);
export type KayentaJudgeBody = Static<typeof KayentaJudgeBodySchema>;

const KStats = Type.Object({ count: Type.Number(), mean: Nullable(Type.Number()), median: Nullable(Type.Number()), min: Nullable(Type.Number()), max: Nullable(Type.Number()) });
export const KayentaJudgeResponseSchema = Type.Object({
  judgeName: Type.String(),
  results: Type.Array(
    Type.Object({
      name: Type.String(),
      id: Type.Optional(Type.String()),
      tags: Type.Record(Type.String(), Type.String()),
      classification: Type.Union([Type.Literal('Pass'), Type.Literal('High'), Type.Literal('Low'), Type.Literal('Nodata')]),
      classificationReason: Nullable(Type.String()),
      groups: Type.Array(Type.String()),
      experimentMetadata: Type.Object({ stats: KStats }),
      controlMetadata: Type.Object({ stats: KStats }),
      resultMetadata: Type.Object({ ratio: Nullable(Type.Number()) }),
      critical: Type.Boolean(),
      muted: Type.Boolean(),
    }),
  ),
  groupScores: Type.Array(Type.Object({ name: Type.String(), score: Type.Number() })),
  score: Type.Object({ score: Type.Number(), classification: Type.Union([Type.Literal('Pass'), Type.Literal('Marginal'), Type.Literal('Fail')]), classificationReason: Type.String() }),
});

// Outcome feedback's body and record live with the store (datasets/feedback-schema.ts); the routes re-export them.
export { FEEDBACK_OUTCOMES, MAX_FEEDBACK_FEATURES, MAX_FEEDBACK_LIST, FeedbackBodySchema, FeedbackRecordSchema, type FeedbackBody, type FeedbackRecord } from '../datasets/feedback-schema.ts';
import { FeedbackRecordSchema, MAX_FEEDBACK_LIST } from '../datasets/feedback-schema.ts';

export const FeedbackPostResponseSchema = Type.Object({
  deploymentId: Type.String(),
  created: Type.Boolean({ description: 'true: a new record (201); false: an earlier record for this id was replaced (200)' }),
  receivedAt: Type.String(),
});
export const FeedbackQuerySchema = Type.Object({ limit: Type.Optional(QueryInt(MAX_FEEDBACK_LIST, 'how many of the latest records (default 100)')) }, { additionalProperties: false });
export const FeedbackListResponseSchema = Type.Object({ count: Type.Integer({ description: 'records stored in total' }), records: Type.Array(FeedbackRecordSchema, { description: 'latest received first' }) });

// ---- Deployment windows and multi-service schedules (POST /v1/deploy/windows, POST /v1/deploy/schedule; server/windows.ts) ----

/** Traffic history bounds: at least a week (the one-week-back peak-load feature), at most 56 days, in minutes. */
export const MIN_TRAFFIC_MINUTES = 7 * 1440;
export const MAX_TRAFFIC_MINUTES = 56 * 1440;
export const MAX_HORIZON_HOURS = 336;
export const MAX_SCHEDULE_CHANGES = 50;
export const MAX_SCHEDULE_SERVICES = 50;

const DateTime = (description: string) => Type.String({ format: 'date-time', description: `${description} (RFC 3339 date-time)` });

export const TrafficHistorySchema = Type.Object(
  {
    stepMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: 'minutes each value covers (1 = per minute, 60 = hourly); a value is spread evenly over its minutes' }),
    values: Type.Array(Nullable(Type.Number({ minimum: 0, maximum: 1e12 })), {
      minItems: 1,
      maxItems: MAX_TRAFFIC_MINUTES,
      description: `requests served in each step, oldest first, ending at endsAt; null = no sample. Must cover at least 7 days (${MIN_TRAFFIC_MINUTES} minutes: 10,080 per-minute or 168 hourly values) and at most 56 days`,
    }),
    endsAt: Type.Optional(DateTime('end (exclusive) of the last value; default readyAt; not after readyAt and at most 7 days before it')),
  },
  { additionalProperties: false, description: "the service's recent traffic, the forecaster's input (fitted on it per request)" },
);
export type TrafficHistory = Static<typeof TrafficHistorySchema>;

export const FreezeInSchema = Type.Object(
  {
    start: DateTime('first instant of the freeze'),
    end: DateTime('end of the freeze (exclusive; after start)'),
    reason: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false, description: 'a change freeze: no rollout (start to end of bake) may overlap it' },
);

export const HourRangeSchema = Type.Object(
  {
    from: Type.Integer({ minimum: 0, maximum: 24, description: 'first hour (0-24, team local time)' }),
    to: Type.Integer({ minimum: 0, maximum: 24, description: 'end hour, exclusive (0-24); below from wraps past midnight (22 to 6); equal to from is the whole day' }),
  },
  { additionalProperties: false, description: "hours [from, to) of the team's local day" },
);

export const OnCallSchema = Type.Object(
  {
    utcOffsetHours: Type.Optional(Type.Number({ minimum: -14, maximum: 14, description: "the team's UTC offset in hours (local = UTC + offset; default 0)" })),
    businessHours: Type.Optional(Share('cover on weekdays 09-18 local (default 1)')),
    evening: Type.Optional(Share('cover on weekdays 18-23 and 07-09 local (default 0.6)')),
    night: Type.Optional(Share('cover on weekdays 23-07 local (default 0.3)')),
    weekend: Type.Optional(Share('cover on Saturday and Sunday local (default 0.35)')),
    holiday: Type.Optional(Share('cover on holidays (default 0.25)')),
    holidays: Type.Optional(Type.Array(Type.String({ format: 'date' }), { maxItems: 366, description: 'local dates (YYYY-MM-DD) that are holidays' })),
  },
  { additionalProperties: false, description: "the team's weekly on-call cover (0..1, 1 = full team awake and at work), the simulator's model (sim/calendar.ts onCallCover)" },
);
export type OnCallIn = Static<typeof OnCallSchema>;

const WindowFeatures = Type.Record(Type.String({ minLength: 1, maxLength: 100 }), RiskValue, {
  maxProperties: 500,
  description:
    "the change's and the service's static risk features (GET /v1/risk/features; numbers, booleans or 0/1, level names; missing or null = unknown, scored at the training median). The time-dependent ones (hours_since_last_deploy, oncall_cover, load_at_start, forecast_peak_load, hour_sin, hour_cos, weekend) are computed per candidate start and must be left out",
});

const WindowSearch = {
  horizonHours: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_HORIZON_HOURS, description: 'hours after readyAt within which the change must start (default 72)' })),
  stepMinutes: Type.Optional(Type.Integer({ minimum: 5, maximum: 1440, description: 'spacing of candidate starts in minutes (default 15)' })),
  rolloutMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 2880, description: "rollout length including bake, in minutes (default: the default scenario's rollout, 70)" })),
  freezes: Type.Optional(Type.Array(FreezeInSchema, { maxItems: 1000, description: 'change freezes' })),
  allowedHours: Type.Optional(Type.Array(HourRangeSchema, { minItems: 1, maxItems: 24, description: 'hours of the team\'s local day (onCall.utcOffsetHours; default UTC) the rollout (start to end of bake) may run in, e.g. [{"from": 9, "to": 17}]; absent: any hour. A start whose rollout leaves them is never offered' })),
  forbiddenHours: Type.Optional(Type.Array(HourRangeSchema, { minItems: 1, maxItems: 24, description: 'hours of the team\'s local day no rollout may touch, e.g. [{"from": 0, "to": 7}] (applied after allowedHours)' })),
  approvalBelowCover: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'a window whose on-call cover at the start is below this is flagged needsApproval: a human must approve it (default 0.5)' })),
};

export const WindowsBodySchema = Type.Object(
  {
    service: Type.String({ minLength: 1, maxLength: 256, description: 'the service (echoed)' }),
    readyAt: DateTime('when the change is ready: the first candidate start (rounded up to the minute)'),
    top: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'how many ranked windows (default 5)' })),
    ...WindowSearch,
    features: WindowFeatures,
    traffic: TrafficHistorySchema,
    onCall: Type.Optional(OnCallSchema),
    lastDeployAt: Type.Optional(DateTime("when the service's last rollout ended (absent: hours_since_last_deploy is unknown)")),
  },
  { additionalProperties: false, description: 'one change: rank its start times by expected incident cost' },
);
export type WindowsBody = Static<typeof WindowsBodySchema>;

const WindowReason = Type.Object({
  feature: Type.String(),
  contribution: Type.Number({ description: 'contribution to the logit against an average training change' }),
  value: Nullable(Type.Union([Type.Number(), Type.String()])),
});

export const DeployWindowSchema = Type.Object({
  start: Type.String({ description: 'start of the rollout (ISO 8601, UTC)' }),
  expectedCost: Type.Number({ description: 'P(failure) × forecast requests over the rollout × 0.05 × (2 − on-call cover): expected bad requests' }),
  risk: Type.Number({ minimum: 0, maximum: 1, description: "the risk champion's failure probability for this start" }),
  forecastRequests: Type.Number({ description: 'requests forecast over the rollout window' }),
  onCallCover: Type.Number({ description: 'on-call cover at the start' }),
  end: Type.String({ description: 'end of the rollout and bake (ISO 8601, UTC)' }),
  needsApproval: Type.Boolean({ description: 'on-call cover at the start is below approvalBelowCover: a human must approve this window' }),
  reasons: Type.Array(WindowReason, { description: 'the three largest contributions to the risk at this start' }),
  factors: Type.Array(
    Type.Object({
      factor: Type.String({ description: 'in plain words, e.g. "time of day", "on-call cover"' }),
      features: Type.Array(Type.String(), { description: 'the risk features behind it (hour_sin and hour_cos are the time of day)' }),
      logOddsChange: Type.Number({ description: "change of the risk's log-odds against deploying when ready (negative = lower risk)" }),
    }),
    { description: 'what the timing changes against deploying when ready, largest first' },
  ),
  explanation: Type.String({ description: 'one line' }),
});

export const WindowsResponseSchema = Type.Object({
  service: Type.String(),
  readyAt: Type.String({ description: 'the first candidate start (ISO 8601, UTC)' }),
  ranked: Type.Array(DeployWindowSchema, { description: 'lowest expected cost first (ties: earlier first); never a start whose rollout touches a freeze' }),
  whenReady: DeployWindowSchema,
  candidates: Type.Integer({ description: 'candidate starts considered' }),
  frozenCandidates: Type.Integer({ description: 'of those, how many touch a freeze (never offered)' }),
  outsideAllowedCandidates: Type.Integer({ description: 'of those, how many are free of freezes but leave the allowed hours (never offered)' }),
  allowedHours: Nullable(Type.String({ description: 'the hours a rollout may run in, in words, with the time zone (null: any hour)' })),
  approvalBelowCover: Type.Number({ description: 'the on-call cover below which a window needs approval' }),
  rolloutMinutes: Type.Integer(),
  imputed: Type.Array(Type.String(), { description: 'risk features not given: scored at their training median' }),
  modelVersion: Type.String({ description: 'the risk champion' }),
});
export type WindowsResponse = Static<typeof WindowsResponseSchema>;

export const ScheduleServiceSchema = Type.Object(
  {
    traffic: TrafficHistorySchema,
    onCall: Type.Optional(OnCallSchema),
    lastDeployAt: Type.Optional(DateTime("when the service's last rollout ended")),
  },
  { additionalProperties: false },
);

export const ScheduleBodySchema = Type.Object(
  {
    services: Type.Record(Type.String({ minLength: 1, maxLength: 256 }), ScheduleServiceSchema, {
      minProperties: 1,
      maxProperties: MAX_SCHEDULE_SERVICES,
      description: "every service named by a change or a dependency, by name: its traffic history (ending at or before its changes' readyAt; default end: the earliest), on-call cover and last rollout",
    }),
    changes: Type.Array(
      Type.Object(
        {
          id: Type.String({ minLength: 1, maxLength: 256, description: 'unique in the batch' }),
          service: Type.String({ minLength: 1, maxLength: 256, description: 'a key of services' }),
          readyAt: DateTime('when the change is ready'),
          features: WindowFeatures,
          apiContractChange: Type.Optional(Type.Boolean({ description: "the change alters the API its callers use: it must finish (rollout and bake) before any caller's change in the batch starts (default: features.api_contract_change)" })),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_SCHEDULE_CHANGES },
    ),
    dependencies: Type.Optional(
      Type.Array(
        Type.Object({ caller: Type.String({ minLength: 1, maxLength: 256 }), callee: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
        { maxItems: 2000, description: 'caller → callee edges between services (keys of services); no cycles. Coupled services (an edge either way, or the same service) never roll out at once' },
      ),
    ),
    ...WindowSearch,
  },
  { additionalProperties: false, description: 'a batch of changes across services: start times at the least total expected cost under the order constraints' },
);
export type ScheduleBody = Static<typeof ScheduleBodySchema>;

export const ScheduleResponseSchema = Type.Object({
  changes: Type.Array(
    Type.Object({
      id: Type.String(),
      service: Type.String(),
      readyAt: Type.String(),
      start: Type.String({ description: 'scheduled start (ISO 8601, UTC)' }),
      end: Type.String({ description: 'end of rollout and bake' }),
      expectedCost: Type.Number(),
      whenReadyCost: Type.Number({ description: 'expected cost of deploying when ready (first unfrozen start)' }),
      risk: Type.Number({ minimum: 0, maximum: 1 }),
      needsApproval: Type.Boolean({ description: 'on-call cover at the start is below approvalBelowCover: a human must approve this start' }),
      explanation: Type.String({ description: 'the window, and which constraints placed it' }),
      imputed: Type.Array(Type.String()),
    }),
    { description: 'in request order' },
  ),
  totalExpectedCost: Type.Number(),
  whenReadyCost: Type.Number({ description: 'total expected cost of deploying every change when ready (ignoring the constraints)' }),
  violations: Type.Array(Type.Object({ kind: Type.String(), a: Type.String(), b: Nullable(Type.String()) }), { description: "the independent checker's findings: always empty in a 200" }),
  order: Type.Array(Type.String(), { description: 'the schedule in start order, one line per change, with the constraints that ordered it' }),
  rolloutMinutes: Type.Integer(),
  modelVersion: Type.String(),
});
export type ScheduleResponse = Static<typeof ScheduleResponseSchema>;
