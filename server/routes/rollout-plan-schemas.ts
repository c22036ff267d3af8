// Schemas of the rollout-plan route (server/routes/rollout-plan.ts): a change's pre-deploy features and its service's
// traffic in; the plan the optimiser chooses and the risk gate's answer out. The plan, the gate and the constraints are
// shared with the other pre-deploy hooks (Flagger's confirm hooks, Argo's POST /v1/argo/gate), which serve the same
// decision (policies/rollout-plan/gate.ts).
import { Type, type Static } from '@sinclair/typebox';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { RiskValue } from './risk-schemas.ts';

export const PlanConstraintsSchema = Type.Object(
  {
    maxFirstStepPercent: Type.Optional(Type.Number({ maximum: 100, description: "the first step exposes at most this percent of traffic: the optimiser's plan when it fits, else the nearest more careful plan whose first step does (never a less careful one); below every plan's first step (0.1 %): 422" })),
    maxExposurePercent: Type.Optional(Type.Number({ maximum: 100, description: 'every plan ends at 100 % (a full rollout): 100 is accepted and changes nothing; below 100 is a 422' })),
    deadlineMinutes: Type.Optional(Type.Number({ maximum: 10_080, description: "full exposure within this many minutes of the start (the bake after it is not counted): the optimiser's plan when it fits, else the most careful plan that does, and the reasons say the deadline made the plan less careful than the risk asked; shorter than every plan (10 min): 422; at most a week" })),
  },
  { additionalProperties: false, description: 'limits on the plan; a constraint no plan can meet is a 422 naming it, with the closest feasible plan' },
);

/** The service's regions or tenants, for a plan over them (policies/rollout-plan/units.ts). */
export const UnitsBodySchema = Type.Object(
  {
    by: Type.Union([Type.Literal('region'), Type.Literal('tenant')], { description: 'what the units are' }),
    shares: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Number({ minimum: 0, maximum: 1 }), { minProperties: 1, maxProperties: 100, description: "each unit's share of the service's traffic, adding up to 1" }),
    criticality: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 100 }), Type.Number(), { maxProperties: 100, description: 'tenants only: how critical each one is (higher more critical; every unit of shares, no other); the least critical go first' })),
  },
  { additionalProperties: false, description: "the service's regions or tenants with their traffic shares: the plan then runs over them, the least traffic (least critical tenant) first, a ramp inside the first, at most 25 % of the service until the first has run at the cap; one unit: the canary. Argo Rollouts and Flagger cannot route by unit, so their formats refuse such a plan" },
);

/** What a pre-deploy hook is asked about one change: POST /v1/rollout/plan's body, and POST /v1/argo/gate's. */
export const RolloutPlanBodyProps = {
  features: Type.Record(Type.String({ minLength: 1, maxLength: 100 }), RiskValue, { maxProperties: 500, description: "the change's pre-deploy features by name, as for POST /v1/risk/score" }),
  rpm: Type.Number({ minimum: 0, maximum: 1e9, description: "the service's requests per minute now (the traffic the rollout will start at)" }),
  bakeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_080, description: 'minutes of bake after full exposure (default 30)' })),
  gate: Type.Optional(Type.Object({ blockAbove: Type.Number({ minimum: 0, maximum: 1, description: 'block a change whose risk is above this (default 0.85)' }) }, { additionalProperties: false })),
  constraints: Type.Optional(PlanConstraintsSchema),
  units: Type.Optional(UnitsBodySchema),
  perChangeThresholds: Type.Optional(
    Type.Boolean({
      description:
        "true: the plan also carries the change's rollback sensitivity and its thresholds (plan.sensitivity, plan.thresholds: send plan.thresholds as the thresholds of POST /v1/rollout/decision); false: the rollback champion's thresholds for every change. Default false",
    }),
  ),
  impute: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 100 }), {
      maxItems: 500,
      description: 'features the team accepts scored at their training median when not given in features (as Flagger\'s risk.impute); any other missing feature makes the evidence incomplete and the gate waits. A name the model lacks is a 400',
    }),
  ),
};

export const RolloutPlanBodySchema = Type.Object(RolloutPlanBodyProps, { additionalProperties: false });
export type RolloutPlanBody = Static<typeof RolloutPlanBodySchema>;

export const UnitPlanSchema = Type.Object(
  {
    by: Type.Union([Type.Literal('region'), Type.Literal('tenant')]),
    order: Type.Array(Type.String(), { description: 'the units in the order they go out' }),
    shares: Type.Array(Type.Number(), { description: 'their traffic shares, in that order' }),
    firstUnitSteps: Type.Optional(Type.Array(Type.Number(), { description: "percent of the first unit's traffic at each ramp step, the last 100" })),
    firstUnitDwellMinutes: Type.Optional(Type.Array(Type.Integer(), { description: 'minutes at each ramp step before the last' })),
    unitSteps: Type.Optional(Type.Array(Type.Number(), { description: "percent of each later unit's traffic at each of its ramp steps, the last 100" })),
    unitDwellMinutes: Type.Optional(Type.Array(Type.Integer(), { description: "minutes at each of a later unit's ramp steps before the last" })),
    stepMinutes: Type.Integer({ description: 'minutes each unit runs whole before the next one starts' }),
    exposureCap: Type.Object({ percent: Type.Number(), minutes: Type.Integer() }, { additionalProperties: false, description: "at most percent of the service's traffic until the first unit has run minutes at the highest exposure the cap allows it" }),
    stages: Type.Array(
      Type.Object(
        {
          unitPercent: Type.Record(Type.String(), Type.Number(), { description: "percent of each unit's traffic on the new version" }),
          percent: Type.Number({ description: "percent of the service's traffic" }),
          dwellMinutes: Type.Integer(),
        },
        { additionalProperties: false },
      ),
    ),
    minutesToFull: Type.Integer(),
    note: Type.String({ description: 'what a deploy system needs to run it' }),
  },
  { additionalProperties: false, description: 'only for a plan over regions or tenants (the request gave units): where each stage puts the new version' },
);

const PlanViewProps = {
  name: Type.String({ description: 'the plan (docs/rollout-plans.md lists them)' }),
  steps: Type.Array(Type.Number(), { description: "percent of the service's traffic on the new version at each step, the last 100 (over units: each stage's total)" }),
  dwellMinutes: Type.Array(Type.Integer(), { description: 'minutes at each step before the last' }),
  bakeMinutes: Type.Integer(),
  minutesToFull: Type.Integer({ description: 'minutes before full exposure when every step keeps its dwell' }),
  units: Type.Optional(UnitPlanSchema),
  sensitivity: Type.Optional(Type.String({ description: "only with per-change thresholds: the rollback sensitivity chosen for the change (standard: the rollback champion's thresholds; alert, vigilant, strict: lower ones, docs/rollout-plans.md)" })),
  thresholds: Type.Optional(
    Type.Object(
      { fault: Type.Optional(Type.Number()), breach: Type.Optional(Type.Number()), hold: Type.Optional(Type.Number()) },
      { additionalProperties: false, description: "only with per-change thresholds: caps on the ml policy's rollback thresholds, to send as the thresholds of POST /v1/rollout/decision ({}: the champion's as they are)" },
    ),
  ),
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

export const AppliedConstraintsSchema = Type.Object(
  {
    maxFirstStepPercent: Type.Optional(Type.Number()),
    maxExposurePercent: Type.Optional(Type.Number()),
    deadlineMinutes: Type.Optional(Type.Number()),
    optimiserPlan: Type.String({ description: 'the plan the optimiser chose before the constraints' }),
    changed: Type.Boolean({ description: 'the constraints changed the plan' }),
    lessCareful: Type.Boolean({ description: 'the deadline made the plan less careful than the risk asked' }),
    reasons: Type.Array(Type.String()),
  },
  { additionalProperties: false, description: 'only when constraints were given: what they did to the plan' },
);

export const RolloutPlanResponseSchema = Type.Object(
  {
    plan: PlanViewSchema,
    optimised: Type.Boolean({ description: 'false: no usable risk score, the most careful plan' }),
    risk: Type.Union([Type.Object({ probability: Type.Number(), complete: Type.Boolean(), modelVersion: Type.String() }, { additionalProperties: false }), Type.Null()]),
    gate: GateSchema,
    reasons: Type.Array(Type.String()),
    constraints: Type.Optional(AppliedConstraintsSchema),
  },
  { additionalProperties: false },
);

/** A 422: the error body, and for NO_FEASIBLE_PLAN the plan closest to the constraints, and why. */
export const NoFeasiblePlanResponseSchema = Type.Object(
  {
    ...ErrorResponseSchema.properties,
    closestFeasible: Type.Optional(Type.Object({ plan: PlanViewSchema, reasons: Type.Array(Type.String()) }, { additionalProperties: false, description: 'NO_FEASIBLE_PLAN: the plan that comes nearest to the constraints (the named one left out or missed), and why' })),
  },
  { additionalProperties: false },
);

/** `plan rollout --from <file>`: a change about to ship, described instead of taken from a simulated world. */
export const RolloutPlanFileSchema = Type.Object(
  {
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: 'the service the change ships to (named in the answer)' })),
    features: RolloutPlanBodyProps.features,
    rpm: RolloutPlanBodyProps.rpm,
    bakeMinutes: RolloutPlanBodyProps.bakeMinutes,
    blockAbove: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'block a change whose risk is above this (default 0.85; --block-above wins)' })),
    constraints: Type.Optional(PlanConstraintsSchema),
    units: Type.Optional(UnitsBodySchema),
    perChangeThresholds: RolloutPlanBodyProps.perChangeThresholds,
  },
  { additionalProperties: false },
);
export type RolloutPlanFile = Static<typeof RolloutPlanFileSchema>;
