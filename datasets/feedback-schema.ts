// Outcome feedback's wire shape: what POST /v1/feedback takes and GET /v1/feedback answers, and what the store
// (datasets/feedback.ts) writes and reads — one definition for the server, the store and risk training.
import { Type, type Static, type TSchema } from '@sinclair/typebox';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** Outcome feedback: what really happened to a deployment (POST /v1/feedback), stored in DuckDB (datasets/feedback.ts). */
export const FEEDBACK_OUTCOMES = ['success', 'rolled_back', 'incident'] as const;
export const MAX_FEEDBACK_FEATURES = 256;
const Id = (description: string) => Type.String({ minLength: 1, maxLength: 256, description });
const FeedbackValue = Type.Union([Type.Number(), Type.Boolean(), Type.String({ maxLength: 128 })]);
export const FeedbackBodySchema = Type.Object(
  {
    deploymentId: Id('the deployment this outcome is about; posting the same id again replaces the earlier record (upsert)'),
    service: Id('the service deployed'),
    outcome: Type.Union(FEEDBACK_OUTCOMES.map((o) => Type.Literal(o)), { description: 'success, rolled_back or incident' }),
    breached: Type.Optional(Type.Boolean({ description: 'the SLO was breached' })),
    faultKind: Type.Optional(Nullable(Type.String({ maxLength: 128, description: 'the fault found, if any (null: none / unknown)' }))),
    startedAt: Type.Optional(Type.String({ format: 'date-time', description: 'when the deployment started (RFC 3339 date-time)' })),
    features: Type.Optional(
      Type.Record(Type.String({ maxLength: 128 }), FeedbackValue, {
        maxProperties: MAX_FEEDBACK_FEATURES,
        description: 'risk features of the change (name → value) as POST /v1/risk/score takes them: numbers, booleans (or 0/1) for binary features, a level name (or its index) for categories; `rolloutlab train risk --with-feedback` reads them',
      }),
    ),
    notes: Type.Optional(Type.String({ maxLength: 10_000, description: 'free text' })),
  },
  { additionalProperties: false, description: 'what really happened to a deployment' },
);
export type FeedbackBody = Static<typeof FeedbackBodySchema>;

export const FeedbackRecordSchema = Type.Object({
  deploymentId: Type.String(),
  service: Type.String(),
  outcome: Type.String(),
  breached: Nullable(Type.Boolean()),
  faultKind: Nullable(Type.String()),
  startedAt: Nullable(Type.String({ description: 'ISO 8601, UTC' })),
  features: Type.Record(Type.String(), FeedbackValue),
  notes: Nullable(Type.String()),
  receivedAt: Type.String({ description: 'when the server stored it (ISO 8601, UTC); updated on replacement' }),
});
export type FeedbackRecord = Static<typeof FeedbackRecordSchema>;

/** The most records GET /v1/feedback answers at once. */
export const MAX_FEEDBACK_LIST = 10_000;
