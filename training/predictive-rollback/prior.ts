// The risk prior of each deployment of a world: the risk champion's probability that the change fails, from what is
// known before it starts (change features, service history, time and load, on-call cover). The learned rollout
// policy reads it beside the rollout's own metrics (weak evidence counts for more on a risky change).
import type { World } from '../../sim/index.ts';
import type { GamModel } from '../gam.ts';
import { riskDataFromWorld } from '../risk/world.ts';

export function riskPriors(world: World, model: GamModel): Map<string, number> {
  const data = riskDataFromWorld(world);
  const p = model.predict(data.cols, data.n);
  return new Map(data.deploymentIds.map((id, i) => [id, p[i]]));
}
