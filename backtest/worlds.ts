// Enough deployments for a backtest: the scenario's period is replayed with fresh randomness — same topology and
// calendar, new traffic noise, changes and faults — until the requested number of deployments is reached.
// Period k uses seed `periodSeed(seed, k)` (period 0 uses the seed itself, so it is the world `simulate` writes).
import { simulateWorld, type World, type Deployment } from '../sim/world.ts';
import type { Scenario } from '../sim/scenario-schema.ts';

export interface Period {
  index: number;
  seed: number;
  world: World;
  deployments: Deployment[];
}

export const periodSeed = (seed: number, k: number): number => (k === 0 ? seed : (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(k, 0x85ebca6b)) >>> 0);

/** The period a deployment id belongs to (`dep-000123` → 0, `p2-dep-000045` → 2), or null when it is not one. */
export function periodOfDeployment(id: string): number | null {
  const m = /^(?:p(\d+)-)?dep-\d+$/.exec(id);
  return m ? Number(m[1] ?? 0) : null;
}

/** Period `k` of a backtest with seed `seed`. */
export function simulatePeriod(s: Scenario, seed: number, k: number): Period {
  const world = simulateWorld(s, periodSeed(seed, k), undefined, { observations: false, topologySeed: seed, idPrefix: k === 0 ? '' : `p${k}-` });
  return { index: k, seed: periodSeed(seed, k), world, deployments: world.deployments };
}

/** Periods of the scenario until `n` deployments. */
export function* periods(s: Scenario, seed: number, n: number): Generator<Period> {
  let left = n;
  for (let k = 0; left > 0; k++) {
    if (k > 10_000) throw new Error('bug: the scenario produces no deployments');
    const p = simulatePeriod(s, seed, k);
    left -= p.deployments.length;
    yield p;
  }
}
