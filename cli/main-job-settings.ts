// The main job's (`npm start`) fixed sizes and worlds, in a file of their own that imports nothing: the steps read them,
// and so do the notebooks that show what the main job computed (notebooks/), without loading the training stack.

// Four 400-day worlds (about 14,000 deployments): with one world the risk model is data-starved (docs/risk.md's
// learning curve). One-minute traffic: the peak-load forecast feature is defined on per-minute traffic, as the
// window recommender computes it.
export const TRAIN_WORLD = { scenario: 'default', seeds: [2, 3, 4, 5], days: 400, trafficResolutionMinutes: 1 } as const;
/** The world the deploy-window recommender and the scheduler are evaluated on: never trained on. */
export const WINDOW_WORLD = { scenario: 'default', seed: 7, days: 42, fitDays: 28 } as const;

/** Deployments in the main job's backtest: the size of the baseline comparison in the docs. */
export const MAIN_BACKTEST_DEPLOYMENTS = 2000;
/** Deployments whose material faults the main job's rollback drill executes plans for. */
export const MAIN_DRILL_DEPLOYMENTS = 500;
/**
 * Deployments of default seed 1 that the rollout plans are compared on: the main job's own world, as in its backtest
 * (the plan table was learned on seeds 21-23), and the size of the docs' row for it (docs/rollout-plans.md).
 */
export const MAIN_PLAN_DEPLOYMENTS = 2000;
