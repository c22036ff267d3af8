// The scenario schema: every knob of the simulated world, with a default. A scenario file holds only the
// fields it changes; `loadScenario` fills the rest and validates. The TypeScript type derives from the schema.
import { Type, type Static } from '@sinclair/typebox';

const Num = (def: number, min: number, max: number, description: string) =>
  Type.Number({ default: def, minimum: min, maximum: max, description });
const Int = (def: number, min: number, max: number, description: string) =>
  Type.Integer({ default: def, minimum: min, maximum: max, description });
const Share = (def: number, description: string) => Num(def, 0, 1, description);
const DateStr = (description: string) =>
  Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: `${description} (YYYY-MM-DD, UTC)` });
const DateTimeStr = (description: string) =>
  Type.String({
    pattern: '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2})?Z?)?$',
    description: `${description} (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC)`,
  });
const Obj = <T extends Parameters<typeof Type.Object>[0]>(props: T, description: string) =>
  Type.Object(props, { default: {}, additionalProperties: false, description });

export const TIERS = ['edge', 'api', 'backend', 'datastore', 'queue'] as const;
export type Tier = (typeof TIERS)[number];

export const FAULT_KINDS = [
  'error_step', // error rate jumps at onset
  'latency_regression', // slower responses; bad when above the latency objective
  'memory_leak', // slow degradation that grows with time since the version started
  'pool_exhaustion', // connection pool runs dry only when load is above the change's capacity
  'crash_loop', // a share of the new pods is down: partial availability
  'contract_break', // API contract change that breaks callers; the deployed service looks healthy
  'kpi_drop', // business KPI falls while technical metrics look healthy
  'data_corruption', // writes bad data; a plain rollback does not undo it
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const FaultMix = Type.Object(
  Object.fromEntries(FAULT_KINDS.map((k) => [k, Num(1, 0, 1000, `relative weight of ${k}`)])) as Record<
    FaultKind,
    ReturnType<typeof Num>
  >,
  { default: {}, additionalProperties: false, description: 'relative weights of fault kinds among intrinsic faults' },
);

export const ScenarioSchema = Type.Object(
  {
    name: Type.String({ default: 'custom', minLength: 1, maxLength: 80, description: 'scenario name' }),
    description: Type.String({ default: '', description: 'free text' }),
    start: Type.String({ ...DateStr('first simulated day; 00:00 UTC of this date is minute 0'), default: '2026-03-02' }),
    days: Int(14, 1, 400, 'length of the simulated period in days'),
    topology: Obj(
      {
        services: Int(24, 5, 1000, 'number of services'),
        teams: Int(0, 0, 500, 'number of owning teams; 0 = one team per ~5 services'),
        regions: Type.Array(Type.String({ minLength: 1 }), {
          default: ['us-east', 'eu-west', 'ap-southeast'],
          minItems: 1,
          maxItems: 20,
          description: 'deployment regions',
        }),
        tenants: Type.Array(Type.String({ minLength: 1 }), {
          default: ['acme', 'globex', 'initech', 'umbrella', 'hooli'],
          minItems: 1,
          maxItems: 100,
          description: 'customer tenants that traffic is split across',
        }),
        // No default, so a scenario without it keeps its digest and every stream: unset orders tenants by traffic alone.
        tenantCriticality: Type.Optional(
          Type.Array(Type.Number({ minimum: 0, maximum: 1000 }), {
            maxItems: 100,
            whenUnset: [],
            description:
              'how critical each tenant is (one number per tenant, in the order of tenants; higher is more critical): a progressive rollout by tenant starts with the least critical, then the least traffic. Unset: by traffic alone. Draws nothing, so no other figure moves',
          }),
        ),
        meanFanOut: Num(2.2, 0, 20, 'mean number of callees per calling service'),
        asyncEdgeShare: Share(0.2, 'share of dependency edges that are asynchronous (queue-like)'),
        tierMix: Type.Object(
          {
            edge: Num(0.1, 0, 1, 'share of edge services'),
            api: Num(0.25, 0, 1, 'share of API services'),
            backend: Num(0.4, 0, 1, 'share of backend services'),
            datastore: Num(0.15, 0, 1, 'share of datastores'),
            queue: Num(0.1, 0, 1, 'share of queues'),
          },
          { default: {}, additionalProperties: false, description: 'tier mix (normalised)' },
        ),
      },
      'services, teams, regions, tenants and the dependency DAG',
    ),
    traffic: Obj(
      {
        edgeRequestsPerMinute: Num(6000, 0.01, 1e8, 'median external requests per minute of an edge service'),
        internalShare: Share(0.08, 'external traffic of a non-edge service, as a share of the edge median'),
        spread: Num(0.7, 0, 3, 'log-normal sigma of per-service base traffic'),
        dailyAmplitude: Num(0.7, 0, 0.95, 'daily swing: peak/trough = (1+a)/(1-a)'),
        peakHourLocal: Num(14, 0, 23.99, 'local hour of the daily peak'),
        weekendFactor: Num(0.8, 0.01, 3, 'traffic multiplier on local Saturdays and Sundays'),
        trendPerYear: Num(0.2, -0.9, 10, 'relative traffic growth per year'),
        timeZones: Type.Array(
          Type.Object(
            {
              offsetHours: Num(0, -12, 14, 'UTC offset of a user population'),
              weight: Num(1, 0, 1000, 'relative size of that population'),
            },
            { additionalProperties: false },
          ),
          {
            default: [
              { offsetHours: -5, weight: 0.6 },
              { offsetHours: -8, weight: 0.25 },
              { offsetHours: 1, weight: 0.15 },
            ],
            minItems: 1,
            description: 'user populations by time zone',
          },
        ),
        noiseSigma: Num(0.05, 0, 1, 'sigma of multiplicative minute-level noise'),
        noiseCorrelation: Num(0.9, 0, 0.999, 'AR(1) coefficient of that noise'),
        burstsPerServicePerDay: Num(0.2, 0, 100, 'rate of short traffic bursts per service'),
        burstMultiplier: Num(2.5, 1, 50, 'median peak multiplier of a burst'),
        burstMinutes: Num(15, 1, 600, 'mean burst length in minutes'),
        holidayFactor: Num(0.6, 0.01, 3, 'traffic multiplier on holidays'),
        // No default, so a scenario without it keeps its digest: unset is version 1.
        generator: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 2,
            whenUnset: 1,
            description:
              "version of the traffic generator's random stream: 1 Box-Muller normals (the stream of every published figure); 2 ziggurat normals and a polynomial exp, about twice as fast, the same model on another stream",
          }),
        ),
      },
      'requests per service per minute',
    ),
    calendar: Obj(
      {
        holidays: Type.Array(DateStr('holiday'), { default: [], description: 'holidays (thin on-call, less traffic)' }),
        peakEvents: Type.Array(
          Type.Object(
            {
              date: DateStr('day of the event'),
              multiplier: Num(5, 1, 100, 'traffic multiplier at the height of the day'),
              rampDays: Int(2, 0, 14, 'days before the event with a rising pre-peak'),
              name: Type.String({ default: 'peak' }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'Black-Friday-like traffic peaks' },
        ),
        freezes: Type.Array(
          Type.Object(
            {
              start: DateTimeStr('freeze start'),
              end: DateTimeStr('freeze end'),
              reason: Type.String({ default: 'change freeze' }),
            },
            { additionalProperties: false },
          ),
          { default: [], description: 'change-freeze windows: no deploy may start inside one' },
        ),
        onCall: Obj(
          {
            businessHours: Share(1, 'cover on weekdays 09-18 local'),
            evening: Share(0.6, 'cover on weekdays 18-23 and 07-09 local'),
            night: Share(0.3, 'cover on weekdays 23-07 local'),
            weekend: Share(0.35, 'cover on weekends'),
            holiday: Share(0.25, 'cover on holidays'),
          },
          'on-call cover (1 = full team awake and at work)',
        ),
      },
      'holidays, peaks, freezes, on-call',
    ),
    changes: Obj(
      {
        perTeamPerDay: Num(2.5, 0, 200, 'mean changes per team per working day'),
        baseFailureLogit: Num(-2.6, -10, 5, 'intercept of the hidden failure model (sets the change failure rate)'),
        poolBugShare: Share(0.1, 'share of changes with a latent pool bug that bites only under high load'),
        immaterialFaultRate: Share(0.05, 'chance of a small, immaterial regression a judge should pass'),
        apiContractChangeRate: Share(0.08, 'share of changes to services with callers that change an API contract'),
      },
      'change arrivals, features and the hidden true failure probability',
    ),
    faults: Obj(
      {
        mix: FaultMix,
        confinedShare: Share(0.15, 'share of faults confined to one region or tenant'),
        severeShare: Share(0.3, 'share of error/crash faults that are severe (large, immediate)'),
      },
      'the fault catalogue',
    ),
    noise: Obj(
      {
        sharedIncidentsPerDay: Num(0.6, 0, 100, 'unrelated incidents in shared dependencies per day'),
        noisyNeighbourPerServicePerDay: Num(0.2, 0, 100, 'noisy-neighbour latency episodes per service per day'),
      },
      'degradations that are not a change’s fault',
    ),
    pipeline: Obj(
      {
        transientFailureRate: Share(0.1, 'chance that a pipeline run hits a transient failure at some step'),
        persistentFailureRate: Share(0.05, 'chance that a pipeline run hits a persistent failure'),
        maxRetries: Int(2, 0, 10, 'automatic retries per failed step in the recorded pipelines'),
      },
      'CI/CD pipeline runs',
    ),
    rollout: Obj(
      {
        steps: Type.Array(Num(1, 0.01, 100, 'canary weight in percent'), {
          default: [1, 5, 25, 50, 100],
          minItems: 1,
          description: 'canary weights (percent) of the default strategy; the last must be 100',
        }),
        stepMinutes: Int(10, 1, 720, 'minutes at each step'),
        bakeMinutes: Int(30, 0, 1440, 'bake period after full promotion'),
      },
      'the default rollout used for the unguarded counterfactual',
    ),
    slo: Obj(
      {
        objective: Num(0.999, 0.5, 0.99999, 'availability objective (good-request ratio)'),
        burnRate: Num(14.4, 1, 1000, 'fast-burn factor: breach when bad ratio >= burnRate x budget'),
        windowMinutes: Int(5, 1, 120, 'trailing window of the burn-rate check'),
        kpiGuardrail: Type.Union([
          Type.Null(),
          Type.Object(
            {
              drop: Share(0.05, 'relative KPI drop that counts as a breach'),
              windowMinutes: Int(15, 1, 240, 'trailing window of the KPI check'),
            },
            { additionalProperties: false },
          ),
        ], { default: { drop: 0.05, windowMinutes: 15 }, description: 'business-KPI guardrail, or null' }),
      },
      'the SLO every evaluation uses (docs/definitions.md#slo-breach)',
    ),
    observability: Obj(
      {
        scrapeGapRate: Share(0.01, 'chance a cohort has no sample in a tick'),
        gapBurstMinutes: Num(3, 1, 60, 'mean length of a scrape gap'),
        providerErrorRate: Share(0.0005, 'share of minutes the metrics backend answers queries with errors (both cohorts)'),
        providerErrorBurstMinutes: Num(2, 1, 60, 'mean length of a metrics-backend outage'),
        baseConversion: Share(0.03, 'business KPI: conversion rate of an edge request'),
      },
      'per-cohort metrics per tick',
    ),
    dataset: Obj(
      {
        trafficResolutionMinutes: Int(1, 1, 60, 'resolution of the traffic table written to a data set'),
      },
      'what `simulate` writes',
    ),
  },
  { additionalProperties: false },
);

export type Scenario = Static<typeof ScenarioSchema>;
