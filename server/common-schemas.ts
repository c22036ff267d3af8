// The wire pieces every route group of the serving API shares (docs/server.md): the error body, one cohort's metrics
// for one minute, the bounds on counts and latencies, and the small TypeBox helpers. Each group's own schemas sit next
// to its plugin (server/routes/*-schemas.ts, server/adapters/*-contract.ts); server/schemas.ts indexes them all.
// Every route validates its input and serializes its output with these TypeBox schemas (plain JSON Schema to
// Fastify), and the TypeScript types of the handlers come from the same schemas through `Static<>`, so the contract,
// the validation and the code cannot drift apart.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Longest analysis window / rollout history accepted (a week of minutes). */
export const MAX_TICKS = 10_080;

/**
 * The largest count one cohort can report for one minute (10^12: a trillion requests a minute, thousands of times any
 * real service). Larger values are impossible evidence, not traffic: a baseline minute of 1e308 requests would make any
 * canary look healthy, and window totals of such values overflow. A 400 naming the field.
 */
export const MAX_MINUTE_COUNT = 1e12;
/** The largest latency accepted (ms): one day. A request slower than that is an outage, not a latency. */
export const MAX_LATENCY_MS = 86_400_000;
const Count = (description: string) => Type.Number({ minimum: 0, maximum: MAX_MINUTE_COUNT, description });
export const Share = (description: string) => Type.Number({ minimum: 0, maximum: 1, description });
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

/** A whole number in a query string (query strings are not coerced: "5" stays a string). */
export const QueryInt = (max: number, description: string) => Type.String({ pattern: `^[0-9]{1,${String(max).length}}$`, description: `${description} (a whole number, at most ${max})` });

export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'stable code: VALIDATION, BAD_REQUEST, UNAUTHORIZED, NOT_FOUND, MODEL_UNAVAILABLE, NO_FEASIBLE_PLAN, FEEDBACK_UNAVAILABLE, OUTCOMES_UNAVAILABLE, DECISIONS_UNAVAILABLE, RATE_LIMITED, PAYLOAD_TOO_LARGE, INTERNAL' }),
      message: Type.String(),
      field: Nullable(Type.String({ description: 'the offending field (e.g. body.canary[2].errors), or body' })),
    }),
  },
  {},
);
export type ErrorResponse = Static<typeof ErrorResponseSchema>;
