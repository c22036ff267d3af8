// The human-control routes (docs/server.md "Human controls"): an operator sets, lists and clears manual overrides per
// deployment (POST|GET /v1/overrides, DELETE /v1/overrides/:deployment) and grants and lists approvals (POST|GET
// /v1/approvals). Writes need the bearer token (server/guard.ts) and are durable before the answer; the decision routes
// and the Argo, Flagger and Kayenta adapters apply them (server/controls.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { DeploymentEnded, NoSuchControl, type Controls } from '../controls.ts';
import type { Guard } from '../guard.ts';
import { errorBody } from '../http-errors.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import {
  ApprovalBodySchema,
  ApprovalListResponseSchema,
  ApprovalPostResponseSchema,
  ControlsQuerySchema,
  OverrideBodySchema,
  OverrideClearBodySchema,
  OverrideClearParamsSchema,
  OverrideClearResponseSchema,
  OverrideListResponseSchema,
  OverridePostResponseSchema,
} from './controls-schemas.ts';

export interface ControlsRouteOptions {
  controls: Controls;
  /** The onRequest check of the writes (server/guard.ts). */
  guard: Guard;
}

/** A refused write as its answer: 409 for an ended deployment, 404 for nothing to clear; anything else is thrown on. */
function refused(e: unknown, reply: FastifyReply) {
  if (e instanceof DeploymentEnded) return reply.code(409).send(errorBody('DEPLOYMENT_ENDED', e.message, e.field));
  if (e instanceof NoSuchControl) return reply.code(404).send(errorBody('NOT_FOUND', e.message, e.field));
  throw e;
}

export const controlsRoutes: FastifyPluginAsyncTypebox<ControlsRouteOptions> = async (app, { controls, guard }) => {
  // The store: loaded before the app is ready (a file held by another process fails the start), closed with it.
  await controls.load();
  app.addHook('onClose', async () => controls.close());
  const writeErrors = { 400: ErrorResponseSchema, 401: ErrorResponseSchema, 403: ErrorResponseSchema, 409: ErrorResponseSchema, 415: ErrorResponseSchema };

  app.post(
    '/v1/overrides',
    {
      schema: {
        summary: 'set a manual override of a deployment (hold | promote | rollback, by whom, why, until when): every decision route and adapter answers it, beside what the models said; durable before the answer',
        security: [{ bearer: [] }],
        body: OverrideBodySchema,
        response: { 200: OverridePostResponseSchema, 201: OverridePostResponseSchema, ...writeErrors },
      },
      onRequest: guard,
    },
    async (req, reply) => {
      try {
        const r = await controls.setOverride(req.body);
        return reply.code(r.created ? 201 : 200).send(r);
      } catch (e) {
        return refused(e, reply);
      }
    },
  );

  app.get(
    '/v1/overrides',
    { schema: { summary: 'the active overrides (those applying to ?deployment= when given), latest set first', querystring: ControlsQuerySchema, response: { 200: OverrideListResponseSchema, 400: ErrorResponseSchema } } },
    async (req) => ({ overrides: controls.listOverrides(req.query.deployment) }),
  );

  app.delete(
    '/v1/overrides/:deployment',
    {
      schema: {
        summary: "clear a deployment's override (by whom, why; ended: true also records that the deployment has ended); a / in the deployment is sent as %2F",
        security: [{ bearer: [] }],
        params: OverrideClearParamsSchema,
        body: OverrideClearBodySchema,
        response: { 200: OverrideClearResponseSchema, 404: ErrorResponseSchema, ...writeErrors },
      },
      onRequest: guard,
    },
    async (req, reply) => {
      try {
        return reply.send(await controls.clearOverride(req.params.deployment, req.body));
      } catch (e) {
        return refused(e, reply);
      }
    },
  );

  app.post(
    '/v1/approvals',
    {
      schema: {
        summary: 'approve a deployment outside its allowed hours, or one plan step (by whom, why, until when); durable before the answer',
        security: [{ bearer: [] }],
        body: ApprovalBodySchema,
        response: { 200: ApprovalPostResponseSchema, 201: ApprovalPostResponseSchema, ...writeErrors },
      },
      onRequest: guard,
    },
    async (req, reply) => {
      try {
        const r = await controls.grantApproval(req.body);
        return reply.code(r.created ? 201 : 200).send(r);
      } catch (e) {
        return refused(e, reply);
      }
    },
  );

  app.get(
    '/v1/approvals',
    { schema: { summary: 'approvals decisions are waiting for (pending) and the active granted ones (those applying to ?deployment= when given)', querystring: ControlsQuerySchema, response: { 200: ApprovalListResponseSchema, 400: ErrorResponseSchema } } },
    async (req) => controls.listApprovals(req.query.deployment),
  );
};
