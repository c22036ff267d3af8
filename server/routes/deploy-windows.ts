// The deployment-window routes: a release tool or a change-management bot posts one change to POST /v1/deploy/windows
// and gets its start times ranked by expected incident cost, or a batch of changes across services to
// POST /v1/deploy/schedule and gets start times under the contract-order and coupling constraints. The planners
// (server/deploy-planners.ts) run on the planning worker threads (server/offload.ts) when the app has them.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { riskChampion } from '../decide.ts';
import { PLANNERS, checkScheduleWork, type PlanDefaults, type PlannerName } from '../deploy-planners.ts';
import type { ModelStore } from '../models.ts';
import type { Offload } from '../offload.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { ScheduleBodySchema, ScheduleResponseSchema, WindowsBodySchema, WindowsResponseSchema, type ScheduleResponse, type WindowsResponse } from './deploy-windows-schemas.ts';

export interface DeployWindowOptions {
  store: ModelStore;
  /** Runs a planner off the main thread (server/offload.ts; its workers hold the same defaults); null: on the main thread. */
  offload: Offload | null;
  /** The defaults of the requests' optional on-call cover and rollout length. */
  planDefaults: PlanDefaults;
}

export const deployWindowRoutes: FastifyPluginAsyncTypebox<DeployWindowOptions> = async (app, o) => {
  const errors = { 400: ErrorResponseSchema, 422: ErrorResponseSchema, 503: ErrorResponseSchema };
  // The planners fit forecasters and score thousands of starts: off the main thread when a pool is configured, so
  // the decision routes and /healthz keep answering while they run.
  const plan = async (name: PlannerName, body: unknown): Promise<unknown> => {
    const risk = riskChampion(o.store.snapshot);
    return o.offload ? o.offload.run(name, body, risk) : PLANNERS[name](body, risk, o.planDefaults);
  };

  app.post(
    '/v1/deploy/windows',
    { schema: { summary: "a change's start times ranked by expected incident cost (risk champion × traffic forecast × on-call cover), never touching a freeze", body: WindowsBodySchema, response: { 200: WindowsResponseSchema, ...errors } } },
    async (req) => (await plan('windows', req.body)) as WindowsResponse,
  );

  app.post(
    '/v1/deploy/schedule',
    { schema: { summary: 'start times for a batch of changes across services: contract-changing callees before their callers, coupled services never at once, no freeze, least total expected cost', body: ScheduleBodySchema, response: { 200: ScheduleResponseSchema, ...errors } } },
    async (req) => {
      checkScheduleWork(req.body);
      return (await plan('schedule', req.body)) as ScheduleResponse;
    },
  );
};
