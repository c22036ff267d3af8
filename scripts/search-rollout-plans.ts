// Learns the rollout-plan table by search in the simulator (backtest/plan-search.ts) and writes
// policies/rollout-plan/table.ts. Training seeds choose the table; validation seeds only report it. The seeds the
// docs report (1 and 1000) are never used here.
//
//   node --import tsx scripts/search-rollout-plans.ts --models <registry> [--train 21,22] [--validate 23]
//        [--scenarios default,black-friday] [--deployments 2000] [--write]
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../sim/index.ts';
import { mlPolicyAndRisk } from './ml-champions.ts';
import { evaluateCandidates, fitTable, compareTable } from '../backtest/plan-search.ts';
import { PLAN_CANDIDATES } from '../policies/rollout-plan/candidates.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    train: { type: 'string', default: '21,22' },
    validate: { type: 'string', default: '23' },
    scenarios: { type: 'string', default: 'default,black-friday' },
    deployments: { type: 'string', default: '2000' },
    write: { type: 'boolean', default: false },
  },
});
const { root, policy, risk } = mlPolicyAndRisk(values.models);
const seeds = (s: string) => s.split(',').map(Number);
const scenarios = values.scenarios!.split(',').map((name) => ({ name, scenario: loadScenario(name) }));
const n = Number(values.deployments);
const say = (m: string) => process.stderr.write(`${m}\n`);
const train = await evaluateCandidates({ scenarios, seeds: seeds(values.train!), deployments: n, policy, risk, modelsRoot: root, onProgress: say });
const { table, lambda } = fitTable(train, { scenarios: scenarios.map((s) => s.name), seeds: seeds(values.train!), deploymentsPerRun: n, lambda: 0, note: 'ml rollback decisions; blast radius + lambda x minutes to full rollout, penalised per prevention lost or false rollback added against the fixed plan; monotone in risk' });
const show = (label: string, recs: typeof train) => {
  for (const sc of scenarios) {
    const c = compareTable(recs.filter((r) => r.scenario === sc.name), table);
    say(`${label} ${sc.name}: blast ${c.fixed.blast} -> ${c.optimised.blast} (${c.blastCut === null ? '—' : (100 * c.blastCut).toFixed(1)} % cut), time to full ${c.fixed.meanTimeToFullRolloutMin.toFixed(1)} -> ${c.optimised.meanTimeToFullRolloutMin.toFixed(1)} min, prevented ${c.fixed.prevented} -> ${c.optimised.prevented}, false rollbacks ${c.fixed.falseRollbacks} -> ${c.optimised.falseRollbacks}`);
  }
};
say(`lambda ${lambda.toFixed(3)}; risk edges ${table.riskEdges.map((x) => x.toFixed(3)).join(', ')}; traffic edges ${table.trafficEdges.map((x) => Math.round(x)).join(', ')}`);
for (const [t, row] of table.choice.entries()) say(`  traffic bucket ${t + 1}: ${row.map((k) => PLAN_CANDIDATES[k].name).join(' | ')}`);
show('train', train);
if (values.validate) show('validate', await evaluateCandidates({ scenarios, seeds: seeds(values.validate), deployments: n, policy, risk, modelsRoot: root, onProgress: say }));
if (values.write) {
  const file = fileURLToPath(new URL('../policies/rollout-plan/table.ts', import.meta.url));
  writeFileSync(file, `// Written by scripts/search-rollout-plans.ts (do not edit by hand): the rollout-plan table learned by search in the simulator.\nexport const LEARNED_TABLE = ${JSON.stringify(table)};\n`);
  say(`wrote ${file}`);
}
