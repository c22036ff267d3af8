// Flagger's webhook contract (server/adapters/flagger.ts): the payload Flagger posts to every hook (closed: a
// misspelt field is a 400, not a silent default), the query the verdict hooks take, our answer, and the list of the
// hook calls received.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable, QueryInt } from '../common-schemas.ts';
import { ExtensionJudge, VerdictSchema } from '../routes/canary-schemas.ts';
import { ControlNoteSchema } from '../routes/controls-schemas.ts';
import { GateSchema, HookPlanSchema } from '../routes/rollout-plan-schemas.ts';

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

export const FlaggerResponseSchema = Type.Object(
  {
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
    gate: Type.Optional(Type.Object(GateSchema.properties, { additionalProperties: false, description: "confirm-rollout / confirm-promotion, when the metadata carries risk features: the risk gate's answer, the one POST /v1/rollout/plan and POST /v1/argo/gate give (blockAbove is risk.max); blocked or wait is a 409" })),
    recommendations: Type.Optional(Type.Array(Type.String(), { description: "with gate: what would make the change acceptable (the gate's recommendations)" })),
    plan: Type.Optional(Type.Union([HookPlanSchema, Type.Null()], { description: "with gate: the plan the optimiser chooses for the change at the metadata's plan.rpm (the service's requests per minute); null without plan.rpm (the optimiser chooses by traffic)" })),
    control: Type.Optional(ControlNoteSchema),
  },
  { additionalProperties: false },
);
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
