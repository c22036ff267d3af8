// Schemas of the rollout decision route (server/routes/rollout.ts): every observation of a rollout so far, its plan
// and SLO in; advance / hold / roll back out.
import { Type, type Static } from '@sinclair/typebox';
import { CohortMetricsSchema, MAX_LATENCY_MS, MAX_TICKS, Nullable, Share } from '../common-schemas.ts';
import { ControlNoteSchema, DeploymentIdSchema } from './controls-schemas.ts';
import { TICK_CHOICES } from '../../sim/env.ts';
import { WHATIF_METRICS } from '../../sim/whatif.ts';

/** The longest stage dwell or bake a rollout plan may ask for (minutes): a week. */
export const MAX_PLAN_MINUTES = 10_080;
/** The oldest observation a rollout decision takes (minutes since the rollout started): a year. */
export const MAX_ROLLOUT_AGE_MIN = 525_600;

export const PhaseSchema = Type.Union([Type.Literal('progressing'), Type.Literal('baking'), Type.Literal('rolled_back'), Type.Literal('done'), Type.Literal('truncated')]);

export const ObservationSchema = Type.Object(
  {
    age: Type.Number({ minimum: 0, maximum: MAX_ROLLOUT_AGE_MIN, description: 'minutes since the rollout started (at most a year); the metrics are of minute age - 1. A whole number, unless tickSeconds is given: then whole seconds (age × 60) and the metrics are of the last tickSeconds' }),
    tickSeconds: Type.Optional(
      Type.Union(TICK_CHOICES.map((t) => Type.Literal(t)), { description: 'seconds the metrics cover, when shorter than a minute (what ml-adaptive asks for while it watches a stage closely); absent: a whole minute' }),
    ),
    phase: PhaseSchema,
    stage: Type.Integer({ minimum: 0, description: 'index of the current stage in plan.stages' }),
    weight: Share('share of user traffic on the new version during the minute'),
    mirror: Type.Optional(Share('mirrored share (blue-green preview), default 0')),
    timeAtStage: Type.Number({ minimum: 0, description: 'minutes at the current stage (or in the bake)' }),
    providerError: Type.Optional(Type.Boolean({ description: 'the metrics backend erred for the minute (both cohorts then null); default false' })),
    canary: Nullable(CohortMetricsSchema),
    baseline: Nullable(CohortMetricsSchema),
    canaryUnits: Type.Optional(
      Type.Array(Nullable(CohortMetricsSchema), {
        minItems: 1,
        maxItems: 64,
        description: "progressive rollouts: the canary's metrics broken down by unit (region or tenant), one per plan.unitShares, null for a unit not on the new version; lets ml roll back the one unit a fault is confined to. Needs canary. Without it every rollback is whole",
      }),
    ),
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
    units: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 64, description: 'names of the units (regions or tenants), one per unitShares, all different: the unit a rollback of one unit names; default unit-0, unit-1, …' })),
    bakeMinutes: Type.Number({ minimum: 0, maximum: MAX_PLAN_MINUTES, description: 'minutes of bake after the last stage (at most a week)' }),
  },
  { additionalProperties: false, description: 'the rollout plan (sim/strategy.ts Plan)' },
);
export type PlanIn = Static<typeof PlanSchema>;

const RangeSchema = Nullable(
  Type.Object(
    {
      p1: Type.Number({ minimum: 0 }),
      p10: Type.Number({ minimum: 0 }),
      p50: Type.Number({ minimum: 0 }),
      p90: Type.Number({ minimum: 0 }),
      p99: Type.Number({ minimum: 0 }),
      n: Type.Integer({ minimum: 1, description: 'minute observations the range is made of' }),
    },
    { additionalProperties: false, description: 'quantiles of one metric over minute observations, in order p1 <= p10 <= p50 <= p90 <= p99; null: no observation' },
  ),
);
const MetricRangesSchema = (what: string) =>
  Type.Object(Object.fromEntries(WHATIF_METRICS.map((m) => [m, RangeSchema])) as Record<(typeof WHATIF_METRICS)[number], typeof RangeSchema>, { additionalProperties: false, description: what });

/** The what-if engine's ranges of one stage (`rolloutlab whatif --json`, field stages[k]). */
export const StageRangesSchema = Type.Object(
  {
    stage: Type.Integer({ minimum: 0 }),
    weightPercent: Type.Number({ minimum: 0, maximum: 100 }),
    dwellMinutes: Type.Number({ minimum: 0, maximum: MAX_PLAN_MINUTES }),
    healthy: MetricRangesSchema("a healthy canary's minute"),
    faulty: MetricRangesSchema("the canary's minute under the change's likely faults"),
    baseline: MetricRangesSchema("the baseline's minute in the healthy runs"),
  },
  { additionalProperties: false },
);

const threshold = (what: string) => Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1, description: `${what}: at most this; the champion's when absent or higher` }));

/** Per-change caps on the learned policy's rollback thresholds (policies/thresholds.ts): the plan's `thresholds`. */
export const ThresholdCapsSchema = Type.Object(
  { fault: threshold('roll back when P(material fault) is at least the threshold'), breach: threshold('roll back when P(breach ahead) is at least the threshold'), hold: threshold('hold instead of advancing when P(material fault) is at least the threshold') },
  {
    additionalProperties: false,
    description:
      "ml, ml-adaptive: per-change rollback thresholds, as POST /v1/rollout/plan answers them in plan.thresholds. Each threshold used is the lower of the rollback champion's and this one, so they can only make the policy roll back (and hold) on less evidence. Absent: the champion's",
  },
);

export const DecisionBodySchema = Type.Object(
  {
    observations: Type.Array(ObservationSchema, { minItems: 1, maxItems: MAX_TICKS, description: 'every observation so far, oldest first; the decision is for the last' }),
    plan: PlanSchema,
    slo: Type.Object({ objective: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }), burnRate: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false }),
    riskPrior: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: "the change's risk score, if known" })),
    ranges: Type.Optional(
      Type.Array(StageRangesSchema, {
        minItems: 1,
        maxItems: 100,
        description: "ml-adaptive: the what-if engine's predicted ranges, one per stage of plan (the stages of POST /v1/whatif, `rolloutlab whatif --json` or `plan rollout --json` field whatif.stages for this plan)",
      }),
    ),
    latencyObjectiveMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: MAX_LATENCY_MS, description: "the service's latency objective (ms, at most a day): the judge gate of ml before an advance; required by argo and flagger" })),
    thresholds: Type.Optional(ThresholdCapsSchema),
    policy: Type.Optional(
      Type.Union([Type.Literal('ml'), Type.Literal('ml-adaptive'), Type.Literal('kayenta'), Type.Literal('argo'), Type.Literal('flagger'), Type.Literal('none')], {
        description: 'the rollout policy that decides (default ml): the same code the backtester replays (policies/), fed every observation so far. ml-adaptive is ml reading the predicted ranges (ranges)',
      }),
    ),
    deployment: Type.Optional(DeploymentIdSchema),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: "the deployment's service, whose team's allowed hours apply (default: the deployment's name)" })),
  },
  { additionalProperties: false },
);
export type DecisionBody = Static<typeof DecisionBodySchema>;

export const DecisionResponseSchema = Type.Object({
  action: Type.Union([Type.Literal('advance'), Type.Literal('hold'), Type.Literal('rollback')]),
  unit: Type.Optional(Type.String({ description: 'a rollback of this one unit only (a name of plan.units); absent: the rollback takes everything back' })),
  pFault: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'P(material fault active in the canary now); null when the model was not consulted' })),
  pBreach: Nullable(Type.Number({ minimum: 0, maximum: 1, description: 'P(SLO breach ahead if the rollout carries on)' })),
  breachInMin: Nullable(Type.Number({ description: 'minutes to the projected breach (null: none projected)' })),
  reasons: Type.Array(Type.String(), { description: 'why, headline first: the reasons the backtester records for the same minute' }),
  tickSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 60, description: 'observe again after this many seconds instead of a minute (ml-adaptive watching a stage closely): send the next observation with this tickSeconds' })),
  modelVersion: Type.String({ description: "the rollback champion's version (ml), or the policy's name for a policy without a model" }),
  judgeVersion: Nullable(Type.String()),
  policy: Type.String({ description: 'the policy that decided' }),
  thresholds: Type.Optional(
    Type.Object(
      { fault: Type.Number(), breach: Type.Number(), hold: Type.Number() },
      { additionalProperties: false, description: 'only when the request gave thresholds: the rollback thresholds the policy used (each the lower of the champion\'s and the request\'s)' },
    ),
  ),
  control: Type.Optional(ControlNoteSchema),
});
export type DecisionResponse = Static<typeof DecisionResponseSchema>;
