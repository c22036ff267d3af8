// The decision log route (GET /v1/decisions): the decisions the server served, with their inputs, the model versions
// and the answers, read back from the decision log for post-incident review (server/decision-recorder.ts records them).
// It needs the bearer token, like the reads of feedback and pipeline outcomes: the records hold request bodies.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { DecisionFilter } from '../../datasets/decision-log.ts';
import { BadInput } from '../decide.ts';
import type { DecisionRecorder } from '../decision-recorder.ts';
import type { Guard } from '../guard.ts';
import { DecisionsUnavailable } from '../http-errors.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { DEFAULT_DECISION_LIST, DecisionsQuerySchema, DecisionsResponseSchema, MAX_DECISION_LIST, type DecisionsQuery } from './decisions-schemas.ts';

export interface DecisionsOptions {
  /** The decision log (null: the app records no decisions, the route answers 503). */
  recorder: DecisionRecorder | null;
  /** The onRequest check (server/guard.ts). */
  guard: Guard;
}

/** An RFC 3339 date-time with its offset, or a date alone (midnight UTC). */
const TIME = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2}))?$/;

/** A time of the decision log's filters as epoch ms; an error message when it is none (the caller names the field). */
export function decisionTime(v: string): number | string {
  const t = TIME.test(v) ? Date.parse(v) : NaN;
  return Number.isFinite(t) ? t : `must be an RFC 3339 date-time with its offset, such as 2026-03-03T13:00:00Z, or a date such as 2026-03-03 (midnight UTC) (got ${JSON.stringify(v)})`;
}

function timeOf(v: string | undefined, field: string): number | undefined {
  if (v === undefined) return undefined;
  const t = decisionTime(v);
  if (typeof t === 'string') throw new BadInput(field, t);
  return t;
}

/** The filter a query asks for (the schema checked the types). */
export function decisionFilterOf(q: DecisionsQuery): { filter: DecisionFilter; limit: number } {
  const since = timeOf(q.since, 'query.since');
  const until = timeOf(q.until, 'query.until');
  if (since !== undefined && until !== undefined && until < since) throw new BadInput('query.until', `is before query.since (${q.until} < ${q.since})`);
  const limit = q.limit === undefined ? DEFAULT_DECISION_LIST : Number(q.limit);
  if (!(limit >= 1 && limit <= MAX_DECISION_LIST)) throw new BadInput('query.limit', `must be between 1 and ${MAX_DECISION_LIST} (got ${q.limit})`);
  return { filter: { deployment: q.deployment, service: q.service, kind: q.kind, since, until }, limit };
}

export const decisionsRoutes: FastifyPluginAsyncTypebox<DecisionsOptions> = async (app, o) => {
  app.get(
    '/v1/decisions',
    {
      schema: {
        summary: 'the decisions this server served (recorded in the decision log with their request, answer and model versions), in time order; needs the bearer token (the records hold request bodies)',
        security: [{ bearer: [] }],
        querystring: DecisionsQuerySchema,
        response: { 200: DecisionsResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
      onRequest: o.guard,
    },
    async (req) => {
      const { filter, limit } = decisionFilterOf(req.query);
      if (!o.recorder) throw new DecisionsUnavailable('no decision log is configured (start the server with --decisions <file>)');
      return o.recorder.query(filter, limit);
    },
  );
};
