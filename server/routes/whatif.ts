// The what-if route (POST /v1/whatif): before a change ships, a deploy system or a person asks what a healthy rollout
// of it should look like, where it breaks if it fails and whether it holds up under stress. The change is a deployment
// of a simulated world or a proposed change on one of its services; the answer is `rolloutlab whatif --json`'s for the
// same inputs (backtest/whatif-world.ts, one code path), plus the request id. The simulation takes seconds, so it runs
// on the what-if worker threads (server/offload.ts, server/whatif-task.ts): a full queue, a worker lost or a what-if
// over its time is a 503 with Retry-After, never a partial answer.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ModelStore } from '../models.ts';
import type { Offload } from '../offload.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { WhatIfUnavailable } from '../http-errors.ts';
import { whatIfChange, whatIfScenario, type WhatIfWorlds } from '../whatif-task.ts';
import { WhatIfBodySchema, WhatIfResponseSchema, type WhatIfResponse, type WhatIfTaskAnswer } from './whatif-schemas.ts';

export interface WhatIfRouteOptions {
  store: ModelStore;
  /** The what-if worker pool, and the worlds its workers hold; null: the app has no world model (503). */
  whatif: { offload: Offload; worlds: WhatIfWorlds } | null;
}

export const whatIfRoutes: FastifyPluginAsyncTypebox<WhatIfRouteOptions> = async (app, o) => {
  app.post(
    '/v1/whatif',
    {
      schema: {
        summary:
          "a change's rollout simulated before it ships, in a simulated world (a deployment of it, or a proposed change on one of its services): the canary's healthy and faulty ranges per stage and metric, the failure points and the stress pre-checks, as `rolloutlab whatif --json` gives them; seconds of work on a worker thread (503 BUSY when they are all taken)",
        body: WhatIfBodySchema,
        response: { 200: WhatIfResponseSchema, 400: ErrorResponseSchema, 503: ErrorResponseSchema },
      },
    },
    async (req): Promise<WhatIfResponse> => {
      if (!o.whatif) throw new WhatIfUnavailable();
      // What needs no world is checked here, before a worker is taken.
      whatIfScenario(req.body, o.whatif.worlds);
      whatIfChange(req.body);
      const answer = (await o.whatif.offload.run('whatif', req.body, o.store.snapshot.risk)) as WhatIfTaskAnswer;
      return { requestId: String(req.id), ...answer };
    },
  );
};
