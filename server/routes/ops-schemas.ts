// Schemas of the operations routes (server/routes/ops.ts): liveness, readiness, the loaded models and their reload.
import { Type, type Static } from '@sinclair/typebox';
import { Nullable } from '../common-schemas.ts';

const FamilyStatus = Type.Object({
  loaded: Type.Boolean(),
  version: Nullable(Type.String()),
  loadedAt: Nullable(Type.String()),
  error: Nullable(Type.String({ description: 'why the last load failed (the previous version keeps serving)' })),
  folder: Type.String({ description: "the registry folder the champion is read from: the family's own, or the same model trained on the team's data (serve --model-folder: risk-history, judge-replay)" }),
});
export const StatusResponseSchema = Type.Object({
  modelsRoot: Type.String(),
  snapshot: Type.Integer({ description: 'how many times a model snapshot was swapped in' }),
  lastReload: Nullable(Type.String()),
  families: Type.Record(Type.String(), FamilyStatus),
  watch: Type.Optional(
    Nullable(
      Type.Object(
        {
          intervalMs: Type.Number({ description: 'how often the champion pointers are checked' }),
          reloads: Type.Integer({ description: 'reloads started by a registry change' }),
          lastCheck: Nullable(Type.String({ description: 'when the pointers were last checked (ISO 8601)' })),
        },
        { description: 'the registry watcher (null: reload only on POST /v1/models/reload)' },
      ),
    ),
  ),
});
export type StatusResponse = Static<typeof StatusResponseSchema>;

export const ReadyResponseSchema = Type.Object({ ready: Type.Boolean(), reasons: Type.Array(Type.String()) });
export const HealthResponseSchema = Type.Object({ ok: Type.Boolean() });
/** POST /v1/models/reload takes no parameters: an empty body (with Content-Type: application/json) or {}. */
export const ReloadBodySchema = Type.Object({}, { additionalProperties: false });
export const ReloadResponseSchema = Type.Object({ changed: Type.Array(Type.String()), status: StatusResponseSchema });
