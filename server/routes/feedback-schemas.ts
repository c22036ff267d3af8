// Schemas of the outcome-feedback routes (server/routes/feedback.ts). The body and the stored record live with the
// store (datasets/feedback-schema.ts); this file re-exports them beside the answers of the two routes.
import { Type } from '@sinclair/typebox';
import { FeedbackRecordSchema, MAX_FEEDBACK_LIST } from '../../datasets/feedback-schema.ts';
import { QueryInt } from '../common-schemas.ts';

export { FEEDBACK_OUTCOMES, MAX_FEEDBACK_FEATURES, MAX_FEEDBACK_LIST, FeedbackBodySchema, FeedbackRecordSchema, type FeedbackBody, type FeedbackRecord } from '../../datasets/feedback-schema.ts';

export const FeedbackPostResponseSchema = Type.Object({
  deploymentId: Type.String(),
  created: Type.Boolean({ description: 'true: a new record (201); false: an earlier record for this id was replaced (200)' }),
  receivedAt: Type.String(),
});
export const FeedbackQuerySchema = Type.Object({ limit: Type.Optional(QueryInt(MAX_FEEDBACK_LIST, 'how many of the latest records (default 100)')) }, { additionalProperties: false });
export const FeedbackListResponseSchema = Type.Object({ count: Type.Integer({ description: 'records stored in total' }), records: Type.Array(FeedbackRecordSchema, { description: 'latest received first' }) });
