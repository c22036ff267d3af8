// The pipeline routes: a CI/CD system posts a failed step to POST /v1/pipeline/retry and gets retry (after a wait,
// perhaps after a remediation) or fail, with the reasons — the one served decision, policies/retry decideRetry, which
// `rolloutlab retry` and the retry benchmark ask too. What then happened (retried or not, whether the retry passed) is
// posted to POST /v1/pipeline/outcome, durable before the answer, and `rolloutlab train retry --with-feedback <url>`
// reads the records back (GET /v1/pipeline/outcome). The outcome routes need the bearer token (a record holds a log);
// the decision, like every other decision route, does not.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { parseFailedStep } from '../../datasets/failed-step.ts';
import { parseRetryOutcome } from '../../datasets/retry-outcome.ts';
import { RetryOutcomeStore } from '../../datasets/retry-outcomes.ts';
import { isRolloutlabError } from '../../lib/errors.ts';
import { decideRetry, resolveRetryPolicy, type RetryChampion, type RetryDecision } from '../../policies/retry/index.ts';
import { BadInput, ModelUnavailable } from '../decide.ts';
import type { Guard } from '../guard.ts';
import { PipelineOutcomesUnavailable } from '../http-errors.ts';
import type { ServerMetrics } from '../metrics.ts';
import type { ModelStore } from '../models.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { MAX_RETRY_OUTCOME_LIST, OutcomeBodySchema, OutcomeListResponseSchema, OutcomePostResponseSchema, OutcomeQuerySchema, RetryBodySchema, RetryResponseSchema, type RetryResponse } from './pipeline-schemas.ts';

export interface PipelineOptions {
  store: ModelStore;
  metrics: ServerMetrics;
  /** DuckDB file where POST /v1/pipeline/outcome stores outcomes (none: both outcome routes answer 503). */
  outcomesPath?: string;
  /** The onRequest check of the outcome routes (server/guard.ts). */
  guard: Guard;
  /** The clock of the receipts. */
  now: () => Date;
}

/** A parser's BAD_DATA / BAD_ARGUMENT (its field already `body.<name>`) as the route's 400. */
function asBadInput(e: unknown): unknown {
  if (!isRolloutlabError(e) || (e.code !== 'BAD_DATA' && e.code !== 'BAD_ARGUMENT') || !e.field) return e;
  return new BadInput(e.field, e.message.startsWith(`${e.field} `) ? e.message.slice(e.field.length + 1) : e.message);
}

/** A decision whose probability is not one never retries (the policies already hold to this; the route does too). */
function failClosed(d: RetryDecision): RetryDecision {
  const p = d.pRetrySucceeds;
  if (Number.isFinite(p) && p >= 0 && p <= 1 && Number.isFinite(d.delaySeconds) && d.delaySeconds >= 0) return d;
  return { ...d, action: 'fail', pRetrySucceeds: 0, delaySeconds: 0, remediation: null, reasons: [`P(a retry succeeds) ${p} or wait ${d.delaySeconds} s is not usable: no retry on it`, ...d.reasons] };
}

export const pipelineRoutes: FastifyPluginAsyncTypebox<PipelineOptions> = async (app, o) => {
  // Outcomes store: opened before the app is ready (a file held by another process fails the start), closed with it.
  const outcomes = o.outcomesPath !== undefined ? await RetryOutcomeStore.open(o.outcomesPath) : null;
  if (outcomes) app.addHook('onClose', async () => outcomes.close());
  const outcomeStore = () => {
    if (!outcomes) throw new PipelineOutcomesUnavailable();
    return outcomes;
  };

  app.post(
    '/v1/pipeline/retry',
    {
      schema: {
        summary: 'retry or fail a failed CI/CD step, with the chance a retry succeeds, the wait, the remediation and the reasons (the retry champion, else the reasons rules)',
        body: RetryBodySchema,
        response: { 200: RetryResponseSchema, 400: ErrorResponseSchema, 413: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
    },
    async (req): Promise<RetryResponse> => {
      const { policy: name, ...fields } = req.body;
      let step;
      try {
        step = parseFailedStep(fields, 'body');
      } catch (e) {
        throw asBadInput(e);
      }
      // The snapshot once: one consistent champion for the whole request.
      const loaded = o.store.snapshot.retry;
      const champion: RetryChampion | null = loaded ? { model: loaded.model, version: loaded.version } : null;
      let policy: string;
      let decision: RetryDecision;
      if (name === undefined) ({ policy, decision } = decideRetry(step, champion));
      else {
        if (name === 'ml' && !champion) throw new ModelUnavailable(`policy ml needs a retry champion and none is loaded (${o.store.snapshot.errors.retry ?? 'no retry model'}): train one with rolloutlab train retry, or leave policy out to get the reasons rules`);
        const p = resolveRetryPolicy(name, champion);
        policy = p.name;
        decision = p.decide(step);
      }
      const d = failClosed(decision);
      o.metrics.countRetryDecision(policy, d.action);
      return { ...d, policy, modelVersion: policy === 'ml' && champion ? champion.version : null };
    },
  );

  app.post(
    '/v1/pipeline/outcome',
    {
      schema: {
        summary: 'store what happened after a failed CI/CD step (durable before the answer; a repeated id replaces the record)',
        security: [{ bearer: [] }],
        body: OutcomeBodySchema,
        response: { 200: OutcomePostResponseSchema, 201: OutcomePostResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 413: ErrorResponseSchema, 415: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
      // onRequest: the token is checked before the body is parsed or validated.
      onRequest: o.guard,
    },
    async (req, reply) => {
      let record;
      try {
        ({ record } = parseRetryOutcome(req.body, 'body'));
      } catch (e) {
        throw asBadInput(e);
      }
      const r = await outcomeStore().put(record, o.now());
      return reply.code(r.created ? 201 : 200).send({ id: record.id, ...r });
    },
  );

  app.get(
    '/v1/pipeline/outcome',
    {
      schema: {
        summary: `the latest recorded pipeline outcomes (latest received first; at most ${MAX_RETRY_OUTCOME_LIST} a page, \`before\` pages back); needs the bearer token (the records hold logs)`,
        security: [{ bearer: [] }],
        querystring: OutcomeQuerySchema,
        response: { 200: OutcomeListResponseSchema, 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
      onRequest: o.guard,
    },
    async (req) => {
      const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
      if (!(limit >= 1 && limit <= MAX_RETRY_OUTCOME_LIST)) throw new BadInput('query.limit', `must be between 1 and ${MAX_RETRY_OUTCOME_LIST} (got ${req.query.limit})`);
      return outcomeStore().list(limit, req.query.before === undefined ? undefined : Number(req.query.before));
    },
  );
};
