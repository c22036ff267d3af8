// One deployment of a simulated world, found by id, with the risk champion's score of its change: what `plan rollout`
// and `whatif` start from when given `--deployment`.
import { resolve } from 'node:path';
import { RolloutlabError } from '../lib/errors.ts';
import { loadScenario } from '../sim/index.ts';

export async function simulatedDeployment(o: { scenario: string; seed: number; deployment: string; models?: string }) {
  const { periodOfDeployment, simulatePeriod } = await import('../backtest/worlds.ts');
  const { defaultModelsRoot } = await import('../training/registry.ts');
  const { loadRiskSync } = await import('../training/load.ts');
  const { riskDataFromWorld, riskRow } = await import('../training/risk/world.ts');
  const period = periodOfDeployment(o.deployment);
  if (period === null) throw new RolloutlabError('BAD_ARGUMENT', `--deployment: not a deployment id (dep-000123, or p2-dep-000045 of a later period): ${JSON.stringify(o.deployment)}`, '--deployment');
  const scenario = loadScenario(o.scenario);
  const p = simulatePeriod(scenario, o.seed, period);
  const dep = p.deployments.find((d) => d.id === o.deployment);
  if (!dep) throw new RolloutlabError('NOT_FOUND', `--deployment: ${o.deployment} is not a deployment of scenario ${o.scenario}, seed ${o.seed}`, '--deployment');
  const champion = loadRiskSync(resolve(o.models ?? defaultModelsRoot()));
  let risk: { probability: number; reasons: { feature: string; contribution: number }[]; modelVersion: string } | null = null;
  if (champion) {
    const data = riskDataFromWorld(p.world);
    const one = riskRow(data, data.deploymentIds.indexOf(dep.id));
    risk = { probability: champion.model.predict(one, 1)[0], reasons: champion.model.reasons(one, 0).map((r) => ({ feature: r.feature, contribution: r.contribution })), modelVersion: champion.version };
  }
  const change = p.world.changes.find((c) => c.id === dep.changeId);
  return { scenario, world: p.world, dep, risk, apiContractChange: change?.features.apiContractChange ?? false };
}
