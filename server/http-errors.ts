// The serving API's error answers (docs/server.md "Errors"): the `{error: {code, message, field}}` body, the message
// that names the field a schema refused and the problem, and the one error handler every route group shares
// (server/app.ts sets it on the serving plugin, so the route plugins inherit it). Bad input is a 400 naming the
// field, never a 5xx.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { isRolloutlabError } from '../lib/errors.ts';
import { NoFeasiblePlan } from '../policies/rollout-plan/gate.ts';
import { BadInput, ModelUnavailable, NoAnswer } from './decide.ts';
import { Busy } from './offload.ts';
import type { ErrorResponse } from './common-schemas.ts';

export const errorBody = (code: string, message: string, field: string | null): ErrorResponse => ({ error: { code, message, field } });

/** `/canary/0/requests` → `canary[0].requests`. */
function fieldPath(context: string, instancePath: string, extra?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (extra !== undefined) parts.push(extra);
  return context + parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : `.${p}`)).join('');
}

export interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** One message naming the field and the problem, from Ajv's errors (the first error's field; unions summarised). */
export function validationError(context: string, errors: AjvError[]): ErrorResponse {
  const e = errors[0];
  const extra = e.keyword === 'required' ? String(e.params.missingProperty) : e.keyword === 'additionalProperties' ? String(e.params.additionalProperty) : undefined;
  const field = fieldPath(context === 'querystring' ? 'query' : context, e.instancePath, extra);
  let problem = e.message ?? 'is invalid';
  if (e.keyword === 'required') problem = 'is required';
  else if (e.keyword === 'additionalProperties') problem = 'is not allowed (unknown field)';
  else if (e.keyword === 'type' || e.keyword === 'const') {
    // A union (x | null, 'a' | 'b'): Ajv reports each branch; say what any branch would take.
    const same = errors.filter((x) => x.instancePath === e.instancePath && (x.keyword === 'type' || x.keyword === 'const'));
    const wants = [...new Set(same.map((x) => (x.keyword === 'type' ? String(x.params.type) : JSON.stringify(x.params.allowedValue))))];
    problem = `must be ${wants.join(' or ')}`;
  }
  return errorBody('VALIDATION', `${field} ${problem}`, field);
}

/** The feedback routes were called on an app built without a feedback store: a 503. */
export class FeedbackUnavailable extends Error {
  constructor() {
    super('no feedback store is configured (start the server with --feedback <file>)');
  }
}

/** The pipeline outcome routes were called on an app built without an outcomes store: a 503. */
export class PipelineOutcomesUnavailable extends Error {
  constructor() {
    super('no pipeline outcomes store is configured (start the server with --pipeline-outcomes <file>)');
  }
}

/** GET /v1/decisions on an app without a decision log, or whose decision log file is not open: a 503. */
export class DecisionsUnavailable extends Error {}

/** POST /v1/whatif on an app built without the what-if's worlds (buildApp without `whatif`): a 503. */
export class WhatIfUnavailable extends Error {
  constructor() {
    super('this server has no world model for the what-if (rolloutlab serve gives it the built-in scenarios; buildApp takes them as whatif)');
  }
}

/** The serving plugin's error handler: every error a route throws, as its status and error body. */
export function handleError(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  if (err.validation) return reply.code(400).send(validationError(err.validationContext ?? 'body', err.validation as AjvError[]));
  if (err instanceof BadInput) return reply.code(400).send(errorBody('VALIDATION', err.message, err.field));
  if (err instanceof Busy) return reply.code(503).header('retry-after', String(err.retryAfterSeconds)).send(errorBody('BUSY', err.message, null));
  if (err instanceof FeedbackUnavailable) return reply.code(503).send(errorBody('FEEDBACK_UNAVAILABLE', err.message, null));
  if (err instanceof PipelineOutcomesUnavailable) return reply.code(503).send(errorBody('OUTCOMES_UNAVAILABLE', err.message, null));
  if (err instanceof DecisionsUnavailable) return reply.code(503).send(errorBody('DECISIONS_UNAVAILABLE', err.message, null));
  if (err instanceof WhatIfUnavailable) return reply.code(503).send(errorBody('WHATIF_UNAVAILABLE', err.message, null));
  if (err instanceof ModelUnavailable) return reply.code(503).send(errorBody('MODEL_UNAVAILABLE', err.message, null));
  if (err instanceof NoAnswer) return reply.code(422).send(errorBody(err.code, err.message, err.field));
  // Constraints no rollout plan meets: the answer names the constraint and gives the closest feasible plan.
  if (err instanceof NoFeasiblePlan) return reply.code(422).send({ ...errorBody('NO_FEASIBLE_PLAN', `body.${err.message}`, `body.${err.field}`), closestFeasible: err.closestFeasible ?? undefined });
  if (isRolloutlabError(err) && (err.code === 'BAD_ARGUMENT' || err.code === 'BAD_DATA')) return reply.code(400).send(errorBody('VALIDATION', err.message, err.field ? `body.${err.field}` : 'body'));
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    const code = status === 413 ? 'PAYLOAD_TOO_LARGE' : status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
    return reply.code(status).send(errorBody(code, `body: ${err.message}`, 'body'));
  }
  req.log.error({ err }, 'request failed');
  return reply.code(500).send(errorBody('INTERNAL', 'internal error (see the server log)', null));
}
