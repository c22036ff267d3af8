import { loadScenario } from './sim/load-scenario.ts';
import { simulatePeriod } from './backtest/worlds.ts';
for (const name of ['default','large']) {
const s = loadScenario(name);
const t = Date.now();
const p = simulatePeriod(s, 1, 0);
const mat = p.deployments.filter(d=>d.material);
console.log(name, s.topology.services, p.deployments.length, mat.length, Date.now()-t, 'ms', JSON.stringify(mat.reduce((a,d)=>{a[d.fault!.kind]=(a[d.fault!.kind]??0)+1;return a},{} as any)), mat.filter(d=>d.fault!.scope.kind!=='all').length);
}
