// Measures per-change rollback thresholds (backtest/threshold-compare.ts) beside the fixed plan and today's optimised
// plans, on the same deployments under the same `ml` policy, and prints one table per world (docs/rollout-plans.md
// "Per-change thresholds"). `--global alert,vigilant` adds an arm per level given to every change.
//
//   node --import tsx scripts/compare-thresholds.ts --models <registry> [--scenarios default,black-friday,low-traffic]
//        [--seeds 1] [--deployments 2000] [--global <level,...>] [--json-out <file>]
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { loadScenario } from '../sim/index.ts';
import { mlPolicyAndRisk } from './ml-champions.ts';
import { compareThresholds, formatThresholdComparison } from '../backtest/threshold-compare.ts';
import { SENSITIVITY_LEVELS } from '../policies/rollout-plan/sensitivity.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    scenarios: { type: 'string', default: 'default,black-friday,low-traffic' },
    seeds: { type: 'string', default: '1' },
    deployments: { type: 'string', default: '2000' },
    global: { type: 'string', default: '' },
    'json-out': { type: 'string' },
  },
});
const { policy, risk } = mlPolicyAndRisk(values.models);
const n = Number(values.deployments);
if (!Number.isInteger(n) || n < 1) throw new Error(`--deployments: a whole number >= 1, got ${values.deployments}`);
const globalLevels = values.global!.split(',').filter(Boolean).map((name) => {
  const k = SENSITIVITY_LEVELS.findIndex((l) => l.name === name);
  if (k < 0) throw new Error(`--global: ${JSON.stringify(name)} is not a level (${SENSITIVITY_LEVELS.map((l) => l.name).join(', ')})`);
  return k;
});
const out = [];
for (const name of values.scenarios!.split(',')) {
  for (const seed of values.seeds!.split(',').map(Number)) {
    const c = compareThresholds({ scenario: loadScenario(name), scenarioName: name, seed, deployments: n, policy, risk, globalLevels });
    out.push(c);
    process.stdout.write(formatThresholdComparison(c) + `\n  ${c.seconds.toFixed(0)} s\n\n`);
    if (values['json-out']) writeFileSync(values['json-out'], JSON.stringify(out, null, 2) + '\n');
  }
}
