import { loadScenario } from './sim/load-scenario.ts';
import { simulatePeriod } from './backtest/worlds.ts';
import { releasesOf } from './sim/release/index.ts';
import { planRollback, formatPlan, RollbackPlanSchema } from './policies/rollback-plan/index.ts';
import { Value } from '@sinclair/typebox/value';
const s = loadScenario('default');
const p = simulatePeriod(s, 1, 0);
const rs = releasesOf(p.world);
for (const r of rs) { for (const pl of ['planned','revert-all','abort'] as const) { const plan = planRollback(r.request, pl); if (!Value.Check(RollbackPlanSchema, plan)) console.log('INVALID', [...Value.Errors(RollbackPlanSchema, plan)].slice(0,3)); } }
const r = rs.find(r=>r.truth.kind==='data_corruption')!;
console.log(formatPlan(planRollback(r.request)));
const r2 = rs.find(r=>r.truth.multiService && r.request.services.filter(s=>s.state!=='pending').length>1);
if (r2) console.log(formatPlan(planRollback(r2.request)));
