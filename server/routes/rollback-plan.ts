// The rollback-plan route (POST /v1/rollback/plan): a deploy system, an incident bot or a person posts a deployment and
// its current state (the changed services, migrations, flags, backups, what is failing, the dependency graph) and gets
// the plan that undoes it — policies/rollback-plan planRollback, the code `plan rollback` prints and the drill executes.
// Steps a person must approve are registered with the human controls (server/controls.ts), and the answer says which
// are approved. Plans are computed on the request thread: a plan over 1,000 services takes a few milliseconds (`bench rollback-plan`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { planRollback, RollbackPlanSchema, ROLLBACK_PLANNERS, type RollbackPlannerName } from '../../policies/rollback-plan/index.ts';
import { RollbackRequestSchema } from '../../sim/release/index.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import type { Controls } from '../controls.ts';

export const RollbackPlanQuerySchema = Type.Object(
  { planner: Type.Optional(Type.Union(ROLLBACK_PLANNERS.map((p) => Type.Literal(p)), { description: 'planned (default), or a baseline: revert-all, abort' })) },
  { additionalProperties: false },
);

export interface RollbackPlanOptions {
  /** The human controls: steps marked `needsApproval` are registered as waiting (GET /v1/approvals, an approval-needed notification) and the answer says which are approved. */
  controls?: Controls;
}

export const rollbackPlanRoutes: FastifyPluginAsyncTypebox<RollbackPlanOptions> = async (app, { controls }) => {
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
    async (req) => {
      const plan = planRollback(req.body, ((req.query as { planner?: string }).planner ?? 'planned') as RollbackPlannerName);
      const waiting = plan.steps.filter((s) => s.needsApproval);
      if (!controls || waiting.length === 0) return plan;
      // Each step needing approval waits for POST /v1/approvals {deployment, step: <approvalKey>}; asking registers it.
      const approvals = waiting.map((s) => {
        const a = controls.approvalState(plan.deployment, s.approvalKey ?? s.id, { service: s.service ?? null, record: true });
        return { step: s.id, key: s.approvalKey ?? s.id, status: a.status === 'granted' ? ('granted' as const) : ('pending' as const), ...(a.approval ? { by: a.approval.by, until: a.approval.until } : {}) };
      });
      return { ...plan, approvals };
    },
  );
};
