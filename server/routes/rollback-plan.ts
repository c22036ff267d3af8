// The rollback-plan route (POST /v1/rollback/plan): a deploy system, an incident bot or a person posts a deployment and
// its current state (the changed services, migrations, flags, backups, what is failing, the dependency graph) and gets
// the plan that undoes it — policies/rollback-plan planRollback, the code `plan rollback` prints and the drill executes.
// Plans are computed on the request thread: a plan over 1,000 services takes a few milliseconds (`bench rollback-plan`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { planRollback, RollbackPlanSchema, ROLLBACK_PLANNERS, type RollbackPlannerName } from '../../policies/rollback-plan/index.ts';
import { RollbackRequestSchema } from '../../sim/release/index.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';

export const RollbackPlanQuerySchema = Type.Object(
  { planner: Type.Optional(Type.Union(ROLLBACK_PLANNERS.map((p) => Type.Literal(p)), { description: 'planned (default), or a baseline: revert-all, abort' })) },
  { additionalProperties: false },
);

export const rollbackPlanRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post(
    '/v1/rollback/plan',
    {
      schema: {
        summary: 'the rollback plan for a deployment and its current state: ordered steps with commands, checks, timeouts, fallbacks and why (the plan `plan rollback` prints and the drill executes)',
        querystring: RollbackPlanQuerySchema,
        body: RollbackRequestSchema,
        response: { 200: RollbackPlanSchema, 400: ErrorResponseSchema },
      },
    },
    async (req) => planRollback(req.body, ((req.query as { planner?: string }).planner ?? 'planned') as RollbackPlannerName),
  );
};
