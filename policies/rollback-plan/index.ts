// The rollback plan decision: for a deployment and its current state, the steps that undo it (docs/rollback-plans.md).
// `planRollback` is what `plan rollback`, POST /v1/rollback/plan and the drill all ask; the plan's closed schema is
// ./schema.ts, the request's is sim/release/schema.ts.
import type { RollbackRequest } from '../../sim/release/index.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { abortRollback, checkRollbackRequest, plannedRollback, revertAllRollback, ROLLBACK_PLANNERS, type RollbackPlannerName } from './planner.ts';
import type { RollbackPlan } from './schema.ts';

export { ROLLBACK_PLANNERS, type RollbackPlannerName, checkRollbackRequest, suspectsOf } from './planner.ts';
export { RollbackPlanSchema, PlanStepSchema, type RollbackPlan, type PlanStep, type FallbackStep } from './schema.ts';
export { formatPlan } from './format.ts';

/** The plan of `planner` (default `planned`) for `req`. Throws a BAD_DATA error naming the field on a request that cannot be planned. */
export function planRollback(req: RollbackRequest, planner: RollbackPlannerName = 'planned'): RollbackPlan {
  checkRollbackRequest(req);
  switch (planner) {
    case 'planned':
      return plannedRollback(req);
    case 'revert-all':
      return revertAllRollback(req);
    case 'abort':
      return abortRollback(req);
    default:
      throw new RolloutlabError('BAD_ARGUMENT', `planner: must be one of ${ROLLBACK_PLANNERS.join(', ')}, got ${JSON.stringify(planner)}`, 'planner');
  }
}
