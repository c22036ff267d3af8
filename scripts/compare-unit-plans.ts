// Measures the rollout-plan optimiser's plans run over regions and over tenants beside today's optimised canary plans
// and the fixed plan (backtest/plan-compare.ts compareUnitPlans), on the same deployments under the same `ml`
// decisions, and prints one table per world (docs/rollout-plans.md "Plans over units").
//
//   node --import tsx scripts/compare-unit-plans.ts --models <registry> [--scenarios default,black-friday,low-traffic]
//        [--seeds 23] [--deployments 2000] [--json] [--json-out <file>]
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { loadScenario } from '../sim/index.ts';
import { mlPolicyAndRisk } from './ml-champions.ts';
import { compareUnitPlans, formatUnitPlanComparison } from '../backtest/plan-compare.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    scenarios: { type: 'string', default: 'default,black-friday,low-traffic' },
    seeds: { type: 'string', default: '23' },
    deployments: { type: 'string', default: '2000' },
    json: { type: 'boolean', default: false },
    'json-out': { type: 'string' },
  },
});
const { policy, risk } = mlPolicyAndRisk(values.models);
const n = Number(values.deployments);
if (!Number.isInteger(n) || n < 1) throw new Error(`--deployments: a whole number >= 1, got ${values.deployments}`);
const out = [];
for (const name of values.scenarios!.split(',')) {
  for (const seed of values.seeds!.split(',').map(Number)) {
    const c = compareUnitPlans({ scenario: loadScenario(name), scenarioName: name, seed, deployments: n, policy, risk });
    out.push(c);
    if (!values.json) process.stdout.write(formatUnitPlanComparison(c) + `\n  ${c.seconds.toFixed(0)} s\n\n`);
  }
}
if (values.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
if (values['json-out']) writeFileSync(values['json-out'], JSON.stringify(out, null, 2) + '\n');
