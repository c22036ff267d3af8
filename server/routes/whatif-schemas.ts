// Schemas of the what-if route (POST /v1/whatif, server/routes/whatif.ts): a change in a simulated world in — a
// deployment of the world, or a proposed change on one of its services — and the what-if out: the ranges per stage
// and metric, the failure points and the stress pre-checks (sim/whatif.ts WhatIfResult, as `rolloutlab whatif --json`
// prints it), with what the route adds (the request id, the world's scenario, the risk model, what was assumed).
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { MAX_COUNT } from '../../lib/value-range.ts';
import { CHANGE_FEATURES } from '../../sim/risk-features.ts';
import { FAULT_KINDS } from '../../sim/scenario-schema.ts';
import { STRATEGY_KINDS } from '../../sim/strategy.ts';
import { STRESSES, WHATIF_METRICS } from '../../sim/whatif.ts';
import { Nullable } from '../common-schemas.ts';

/** Healthy and faulty runs of a what-if when the request gives no `runs`. */
export const DEFAULT_WHATIF_RUNS = 100;
/** The most runs a request may ask for (about 10 s of one worker's time with the stress pre-checks). */
export const MAX_WHATIF_RUNS = 500;

const literals = (xs: readonly string[], description?: string) => Type.Union(xs.map((x) => Type.Literal(x)), description ? { description } : {});

/** One change feature's values, as POST /v1/risk/score takes them (null: unknown, scored at the training median). */
function featureValue(f: (typeof CHANGE_FEATURES)[number]): TSchema {
  const description = f.description;
  if (f.kind === 'binary') return Nullable(Type.Union([Type.Boolean(), Type.Literal(0), Type.Literal(1)], { description: `${description} (a boolean, or 0 / 1)` }));
  if (f.kind === 'category') return Nullable(literals(f.levels, description));
  if (f.range === 'count') return Nullable(Type.Integer({ minimum: 0, maximum: MAX_COUNT, description }));
  if (f.range === 'nonneg') return Nullable(Type.Number({ minimum: 0, maximum: MAX_COUNT, description }));
  if (f.range === 'fraction') return Nullable(Type.Number({ minimum: 0, maximum: 1, description }));
  return Nullable(Type.Number({ minimum: -1, maximum: 1, description }));
}

export const ChangeFeaturesSchema = Type.Object(Object.fromEntries(CHANGE_FEATURES.map((f) => [f.name, Type.Optional(featureValue(f))])), {
  additionalProperties: false,
  description:
    "the proposed change's own pre-deploy features, by the names POST /v1/risk/score takes; left out or null: unknown (scored at the training median, listed in imputed). The service's features (tier, callers, callees), the start's (time of day, weekend, load, forecast peak, on-call cover) and the service's history (hours since its last deploy, its recent failure share, its deploys so far) are computed from the world, so they are not taken here. api_contract_change left out: simulated as a change that does not alter an API its callers use",
});

export const WhatIfBodySchema = Type.Object(
  {
    scenario: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "the simulated world's scenario: a built-in scenario's name, or the server's own (default: the server's, `serve --whatif-scenario`)" })),
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: "the world's seed; it also seeds the what-if's runs (default: the server's, `serve --whatif-seed`, 1)" })),
    deployment: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'a deployment of the world (dep-000123, p2-dep-000045 of a later period), exactly as `rolloutlab whatif --deployment` takes it; or give service and start instead' })),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'a proposed change: the service of the world it ships to, by name' })),
    start: Type.Optional(Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'a proposed change: the minute of the world its rollout would start (whole minutes from the start of the world; the traffic forecast reads only the minutes before it)' })),
    features: Type.Optional(ChangeFeaturesSchema),
    id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "a proposed change: its name, which labels the runs' random streams (default <service>@<start>)" })),
    strategy: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'the plan to simulate: optimised (the plan the rollout-plan optimiser chooses for the change, default), scenario (the scenario\'s canary), or a strategy as `rolloutlab backtest --strategy` takes it (canary:1,5,25,50,100, blue-green, rolling:4, …)' })),
    runs: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_WHATIF_RUNS, description: `healthy runs and faulty runs, each (default ${DEFAULT_WHATIF_RUNS}); the stress pre-checks take a quarter of it each` })),
    stress: Type.Optional(Type.Boolean({ description: 'run the stress pre-checks (default true)' })),
  },
  { additionalProperties: false },
);
export type WhatIfBody = Static<typeof WhatIfBodySchema>;

const RangeSchema = Nullable(
  Type.Object(
    {
      p1: Type.Number(),
      p10: Type.Number(),
      p50: Type.Number(),
      p90: Type.Number(),
      p99: Type.Number(),
      n: Type.Number({ description: 'minute observations the range is made of' }),
    },
    { additionalProperties: false, description: 'percentiles of the minute observations; null: none' },
  ),
);
const MetricRangesSchema = Type.Object(Object.fromEntries(WHATIF_METRICS.map((m) => [m, RangeSchema])), { additionalProperties: false });
const Metric = literals(WHATIF_METRICS);

const FailurePointSchema = Type.Object(
  {
    service: Type.Number({ description: "the service's index in the world" }),
    name: Type.String(),
    relation: literals(['self', 'caller']),
    probabilityIfFaulty: Type.Number({ description: "share of faulty runs in which this service's SLO breaches because of the fault" }),
    probability: Nullable(Type.Number({ description: 'the same times the risk score; null without a risk score' })),
    causes: Type.Array(Type.Object({ kind: literals(FAULT_KINDS), share: Type.Number() }, { additionalProperties: false }), { description: 'the fault kinds behind the breaches, most frequent first' }),
    mechanism: Type.String({ description: 'how it breaks, in words' }),
    medianMinutesToBreach: Type.Number(),
  },
  { additionalProperties: false },
);

export const WhatIfResponseSchema = Type.Object(
  {
    requestId: Type.String({ description: "the request's id in the server's log lines (reqId)" }),
    scenario: Type.String({ description: "the world's scenario" }),
    riskModel: Nullable(Type.String({ description: 'the risk champion version that scored the change; null: the risk is unknown (notes says why)' })),
    imputed: Type.Array(Type.String(), { description: "a proposed change: the risk model's features it was not given, scored at their training median" }),
    notes: Type.Array(Type.String(), { description: 'what the answer assumed: an unknown risk, a contract flag not given' }),
    id: Type.String({ description: 'the deployment, or the proposed change’s name' }),
    service: Type.Object({ id: Type.Number(), name: Type.String() }, { additionalProperties: false }),
    start: Type.Number({ description: 'the minute of the world the rollout starts' }),
    planName: Type.String({ description: 'the plan simulated: the optimiser’s candidate, scenario, or the strategy given' }),
    plan: Type.Object(
      {
        kind: literals(STRATEGY_KINDS),
        stages: Type.Array(Type.Object({ weightPercent: Type.Number(), dwellMinutes: Type.Number() }, { additionalProperties: false })),
        bakeMinutes: Type.Number(),
        plannedMinutes: Type.Number(),
      },
      { additionalProperties: false },
    ),
    runs: Type.Number({ description: 'healthy runs and faulty runs, each' }),
    seed: Type.Number(),
    risk: Nullable(Type.Number({ description: 'P(the change carries a material fault) from the risk champion; null: unknown' })),
    traffic: Type.Object({ forecast: Type.String(), rpmAtStart: Type.Number(), peakLoad: Type.Number() }, { additionalProperties: false }),
    breachProbabilityHealthy: Type.Number({ description: 'share of healthy runs with an SLO breach of any cause' }),
    breachProbabilityIfFaulty: Type.Number({ description: 'share of faulty runs in which the fault breaches an SLO' }),
    blastRadiusIfFaulty: Type.Object({ p50: Type.Number(), p90: Type.Number() }, { additionalProperties: false, description: "the fault's bad requests in an unguarded faulty run" }),
    stages: Type.Array(
      Type.Object(
        {
          stage: Type.Number(),
          weightPercent: Type.Number({ description: 'share of user traffic on the new version, in percent (100: the bake)' }),
          dwellMinutes: Type.Number(),
          healthy: MetricRangesSchema,
          faulty: MetricRangesSchema,
          baseline: MetricRangesSchema,
        },
        { additionalProperties: false },
      ),
      { description: "per stage, the canary's ranges in healthy and faulty runs and the baseline's in healthy runs" },
    ),
    failurePoints: Type.Array(FailurePointSchema, { description: 'the services that breach in at least 10 % of faulty runs' }),
    stress: Type.Array(
      Type.Object(
        {
          name: literals(STRESSES),
          description: Type.String(),
          breachProbabilityHealthy: Type.Number(),
          breachProbabilityIfFaulty: Type.Number(),
          shiftedMetrics: Type.Array(Metric, { description: 'metrics whose healthy median under the stress leaves the unstressed healthy p10-p90 at some stage' }),
          failurePoints: Type.Array(FailurePointSchema),
        },
        { additionalProperties: false },
      ),
      { description: 'the stress pre-checks (empty with stress: false)' },
    ),
  },
  { additionalProperties: false },
);
export type WhatIfResponse = Static<typeof WhatIfResponseSchema>;
/** What a what-if worker answers: the response without the request id, which the route adds. */
export type WhatIfTaskAnswer = Omit<WhatIfResponse, 'requestId'>;
