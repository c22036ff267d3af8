import { loadScenario } from './sim/load-scenario.ts';
import { runDrill } from './backtest/drill.ts';
const seed = Number(process.argv[2] ?? 7);
const t = Date.now();
const r = runDrill({ scenario: loadScenario('default'), scenarioName: 'default', seed, deployments: 500 });
console.log(Date.now()-t, 'ms', r.materialFaults, r.multiService, r.dataCorruptions);
console.log(JSON.stringify(r.planners, null, 1));
console.log(JSON.stringify(r.pairedMulti));
for (const x of r.runs.filter(x=>x.planner==='planned' && (!x.recovered || x.orderViolations))) console.log(JSON.stringify(x));
