import { loadScenario } from './sim/load-scenario.ts';
import { drillReleases, executePlan } from './backtest/drill.ts';
import { planRollback, formatPlan } from './policies/rollback-plan/index.ts';
const rels = drillReleases(loadScenario('default'), 7, 500);
for (const id of process.argv.slice(2)) {
  const { release, seed } = rels.find(r => r.release.truth.deployment === id)!;
  console.log(JSON.stringify({ ...release.request, graph: undefined }));
  console.log(JSON.stringify(release.truth));
  const plan = planRollback(release.request);
  console.log(plan.steps.map(s => `${s.id} ${s.kind} ${s.service ?? ''} ${s.database ?? ''} after=${s.after} ${s.needsApproval?'APPROVAL':''}`).join('\n'));
  console.log(JSON.stringify(executePlan(plan, release, seed)));
}
