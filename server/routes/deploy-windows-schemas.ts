// Schemas of the deployment-window and multi-service schedule routes (POST /v1/deploy/windows, POST /v1/deploy/schedule;
// server/routes/deploy-windows.ts, the planners in server/deploy-planners.ts).
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, Share } from '../common-schemas.ts';
import { RiskValue } from './risk-schemas.ts';

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
