// The outcome-feedback routes: a deploy pipeline posts what really happened to a deployment (POST /v1/feedback,
// durable before the answer), and `rolloutlab train risk --with-feedback <url>` reads the latest records back
// (GET /v1/feedback) to retrain the risk model. Both need the bearer token (the records hold free-text notes).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { FeedbackStore } from '../../datasets/feedback.ts';
import { BadInput } from '../decide.ts';
import type { Guard } from '../guard.ts';
import { FeedbackUnavailable } from '../http-errors.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { FeedbackBodySchema, FeedbackListResponseSchema, FeedbackPostResponseSchema, FeedbackQuerySchema, MAX_FEEDBACK_LIST } from './feedback-schemas.ts';

export interface FeedbackOptions {
  /** DuckDB file where POST /v1/feedback stores outcomes (none: both routes answer 503). */
  feedbackPath?: string;
  /** The onRequest check of both routes (server/guard.ts). */
  guard: Guard;
  /** The clock of the receipts. */
  now: () => Date;
}

/** GET /v1/feedback's `limit` (the schema checks the digits). */
function queryLimit(v: string | undefined): number {
  if (v === undefined) return 100;
  const n = Number(v);
  if (!(n >= 1 && n <= MAX_FEEDBACK_LIST)) throw new BadInput('query.limit', `must be between 1 and ${MAX_FEEDBACK_LIST} (got ${v})`);
  return n;
}

export const feedbackRoutes: FastifyPluginAsyncTypebox<FeedbackOptions> = async (app, o) => {
  // Feedback store: opened before the app is ready (a file held by another process fails the start), closed with it.
  const feedback = o.feedbackPath !== undefined ? await FeedbackStore.open(o.feedbackPath) : null;
  if (feedback) app.addHook('onClose', async () => feedback.close());
  const feedbackStore = () => {
    if (!feedback) throw new FeedbackUnavailable();
    return feedback;
  };

  app.post(
    '/v1/feedback',
    {
      schema: { summary: 'store what really happened to a deployment (durable before the answer; a repeated deploymentId replaces the record)', security: [{ bearer: [] }], body: FeedbackBodySchema, response: { 200: FeedbackPostResponseSchema, 201: FeedbackPostResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 415: ErrorResponseSchema, 503: ErrorResponseSchema } },
      // onRequest: the token is checked before the body is parsed or validated.
      onRequest: o.guard,
    },
    async (req, reply) => {
      if (req.body.startedAt !== undefined && !Number.isFinite(Date.parse(req.body.startedAt))) throw new BadInput('body.startedAt', `is not a valid date-time (got ${JSON.stringify(req.body.startedAt)})`);
      const r = await feedbackStore().put(req.body, o.now());
      return reply.code(r.created ? 201 : 200).send({ deploymentId: req.body.deploymentId, ...r });
    },
  );
  app.get(
    '/v1/feedback',
    { schema: { summary: 'the latest outcome feedback records (latest received first); needs the bearer token (the records hold free-text notes)', security: [{ bearer: [] }], querystring: FeedbackQuerySchema, response: { 200: FeedbackListResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 503: ErrorResponseSchema } }, onRequest: o.guard },
    async (req) => feedbackStore().list(queryLimit(req.query.limit)),
  );
};
