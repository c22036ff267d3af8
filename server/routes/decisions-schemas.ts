// Schemas of the decision log route (server/routes/decisions.ts): the query that picks the recorded decisions and the
// records it answers (datasets/decision-log.ts DecisionRecord; what server/decision-recorder.ts records).
import { Type, type Static } from '@sinclair/typebox';
import type { DecisionRecord } from '../../datasets/decision-log.ts';
import { DECISION_KINDS } from '../decision-recorder.ts';
import { Nullable, QueryInt } from '../common-schemas.ts';

/** The most records one GET /v1/decisions answers, and the default. */
export const MAX_DECISION_LIST = 10_000;
export const DEFAULT_DECISION_LIST = 1000;

const Name = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });
const Time = (description: string) => Type.String({ minLength: 1, maxLength: 64, description: `${description} (an RFC 3339 date-time with its offset, e.g. 2026-03-03T13:00:00Z, or a date, e.g. 2026-03-03: midnight UTC; inclusive)` });

export const DecisionKindSchema = Type.Union(
  DECISION_KINDS.map((k) => Type.Literal(k)),
  { description: 'what kind of decision: verdict (POST /v1/canary/verdict), rollout-decision, risk, deploy-window, schedule, retry (POST /v1/pipeline/retry), argo, flagger, kayenta, rollback-plan, override, approval' },
);

export const DecisionsQuerySchema = Type.Object(
  {
    deployment: Type.Optional(Name('only decisions about this deployment (the X-Rolloutlab-Deployment header, the body\'s deploymentId, a schedule\'s change id, a Flagger canary\'s namespace/name@checksum)')),
    service: Type.Optional(Name('only decisions about this service (the X-Rolloutlab-Service header, the body\'s service, an Argo or Flagger target\'s namespace/name)')),
    kind: Type.Optional(DecisionKindSchema),
    since: Type.Optional(Time('only decisions made at or after this time')),
    until: Type.Optional(Time('only decisions made at or before this time')),
    limit: Type.Optional(QueryInt(MAX_DECISION_LIST, `how many records at most, the earliest first (default ${DEFAULT_DECISION_LIST})`)),
  },
  { additionalProperties: false },
);
export type DecisionsQuery = Static<typeof DecisionsQuerySchema>;

export const DecisionRecordSchema = Type.Object(
  {
    id: Type.Integer({ description: 'unique and increasing in the decision log: the order in which decisions were recorded' }),
    at: Type.String({ description: 'when the decision was made (ISO 8601, UTC; the server clock)' }),
    kind: Type.String({ description: 'what kind of decision (see the kind parameter)' }),
    method: Type.String(),
    route: Type.String({ description: 'the route that answered (e.g. /v1/canary/verdict)' }),
    deployment: Nullable(Type.String({ description: 'the deployment it is about: the first of deployments (null: none named)' })),
    service: Nullable(Type.String({ description: 'the service it is about: the first of services (null: none named)' })),
    deployments: Type.Array(Type.String(), { description: 'every deployment it is about (a schedule places several changes)' }),
    services: Type.Array(Type.String(), { description: 'every service it is about' }),
    status: Type.Integer({ description: 'the HTTP status answered' }),
    request: Type.Unknown({ description: 'the request body as received (JSON; null: none); when cut, the text of its first 64 KiB' }),
    requestBytes: Type.Integer({ description: 'the whole body\'s size in bytes' }),
    requestTruncated: Type.Boolean({ description: 'the body was longer than 64 KiB: request holds its first 64 KiB as text' }),
    query: Type.Unknown({ description: 'the query string parameters' }),
    answer: Type.Unknown({ description: 'the answer as sent (JSON); when cut, the text of its first 256 KiB' }),
    answerBytes: Type.Integer(),
    answerTruncated: Type.Boolean(),
    models: Type.Record(Type.String(), Type.String(), { description: 'the champion version of each model family loaded when the decision was made (family → version)' }),
    clientIp: Nullable(Type.String({ description: 'the address the request came from' })),
    requestId: Nullable(Type.String({ description: "the request's id in the server's log lines (reqId)" })),
  },
  { additionalProperties: false },
);
// The stored record is exactly what the route answers.
const _recordIsTheAnswer = (r: DecisionRecord): Static<typeof DecisionRecordSchema> => r;
void _recordIsTheAnswer;

export const DecisionsResponseSchema = Type.Object({
  decisions: Type.Array(DecisionRecordSchema, { description: 'in time order (ties: the order recorded)' }),
  more: Type.Boolean({ description: 'more decisions match than limit: ask again with since set to the last one\'s at, or a larger limit' }),
});
