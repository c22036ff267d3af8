// Learns the rollback-sensitivity table by search in the simulator (backtest/threshold-search.ts) and writes
// policies/rollout-plan/sensitivity-table.ts. Training seeds choose the table; the validation seed only reports it,
// beside the simpler alternative of one level for every change. The seeds the docs report (1 and 1000) are never used.
//
//   node --import tsx scripts/search-rollout-thresholds.ts --models <registry> [--train 21,22] [--validate 23]
//        [--scenarios default,black-friday] [--validate-scenarios default,black-friday,low-traffic]
//        [--deployments 2000] [--write] [--records <file.json>] [--from-records <file.json>]
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadScenario } from '../sim/index.ts';
import { mlPolicyAndRisk } from './ml-champions.ts';
import { evaluateLevels, fitSensitivity, globalTable, levelOf, levelTotals, type LevelRecord } from '../backtest/threshold-search.ts';
import { SENSITIVITY_LEVELS, type SensitivityTable } from '../policies/rollout-plan/sensitivity.ts';
import { PLAN_TABLE } from '../policies/rollout-plan/choose.ts';

const { values } = parseArgs({
  options: {
    models: { type: 'string' },
    train: { type: 'string', default: '21,22' },
    validate: { type: 'string', default: '23' },
    scenarios: { type: 'string', default: 'default,black-friday' },
    'validate-scenarios': { type: 'string', default: 'default,black-friday,low-traffic' },
    deployments: { type: 'string', default: '2000' },
    write: { type: 'boolean', default: false },
    records: { type: 'string' },
    'from-records': { type: 'string' },
  },
});
const { policy, risk } = mlPolicyAndRisk(values.models);
const seeds = (s: string) => s.split(',').filter(Boolean).map(Number);
const n = Number(values.deployments);
const say = (m: string) => process.stderr.write(`${m}\n`);
const evaluate = (names: string, s: number[]) => evaluateLevels({ scenarios: names.split(',').map((name) => ({ name, scenario: loadScenario(name) })), seeds: s, deployments: n, policy, risk, onProgress: say });

let train: LevelRecord[];
let validate: LevelRecord[];
if (values['from-records']) ({ train, validate } = JSON.parse(readFileSync(values['from-records'], 'utf8')) as { train: LevelRecord[]; validate: LevelRecord[] });
else {
  train = evaluate(values.scenarios!, seeds(values.train!));
  validate = values.validate ? evaluate(values['validate-scenarios']!, seeds(values.validate)) : [];
  if (values.records) writeFileSync(values.records, JSON.stringify({ train, validate }));
}
const nL = SENSITIVITY_LEVELS.length;
const fit = fitSensitivity(train, { scenarios: values.scenarios!.split(','), seeds: seeds(values.train!), deploymentsPerRun: n, note: 'ml rollback decisions under the optimised plan; blast radius + lambda x minutes to full rollout + c per prevention lost + mu per false rollback added against the champion thresholds; monotone in risk; mu the smallest keeping each training world within the fixed plan false rollbacks and the training worlds mean time to full rollout within the fixed plan' });
const { table } = fit;
say(`mu ${fit.mu} (feasible ${fit.feasible}); lambda ${PLAN_TABLE.trainedOn.lambda}`);
for (const [t, row] of table.choice.entries()) say(`  traffic bucket ${t + 1}: ${row.map((k) => SENSITIVITY_LEVELS[k].name).join(' | ')}`);

const arms: [string, (r: LevelRecord) => LevelRecord['fixed']][] = [
  ['fixed', (r) => r.fixed],
  ['optimised', (r) => r.outcomes[0]],
  ['+ table', (r) => r.outcomes[levelOf(r, table, nL)]],
  ...SENSITIVITY_LEVELS.slice(1).map((l, i) => [`+ all ${l.name}`, (r: LevelRecord) => r.outcomes[levelOf(r, globalTable(i + 1), nL)]] as [string, (r: LevelRecord) => LevelRecord['fixed']]),
];
const show = (label: string, recs: LevelRecord[]) => {
  const worlds = [...new Set(recs.map((r) => `${r.scenario} seed ${r.seed}`))];
  for (const w of worlds) {
    const rs = recs.filter((r) => `${r.scenario} seed ${r.seed}` === w);
    say(`${label} ${w} (${rs.length} deployments)`);
    for (const [name, pick] of arms) {
      const t = levelTotals(rs, pick);
      say(`  ${name.padEnd(14)} blast ${String(t.blast).padStart(7)}  ttf ${(t.ttfSum / Math.max(1, t.promoted)).toFixed(1)}  prevented ${t.prevented}/${t.violating} (${((100 * t.prevented) / Math.max(1, t.violating)).toFixed(1)} %)  false rollbacks ${t.falseRollbacks}  tenants ${t.tenants}  customer-minutes ${t.customerMinutes}`);
    }
  }
};
show('train', train);
if (validate.length) show('validate', validate);
const levels: Record<string, number> = {};
for (const r of validate) levels[SENSITIVITY_LEVELS[levelOf(r, table, nL)].name] = (levels[SENSITIVITY_LEVELS[levelOf(r, table, nL)].name] ?? 0) + 1;
say(`validation deployments per level: ${JSON.stringify(levels)}`);
if (values.write) {
  const file = fileURLToPath(new URL('../policies/rollout-plan/sensitivity-table.ts', import.meta.url));
  const out: SensitivityTable = { ...table, trainedOn: { ...table.trainedOn, mu: Number.isFinite(fit.mu) ? fit.mu : null } };
  writeFileSync(file, `// Written by scripts/search-rollout-thresholds.ts (do not edit by hand): the rollback-sensitivity table learned by search in the simulator.\nexport const LEARNED_SENSITIVITY_TABLE = ${JSON.stringify(out)};\n`);
  say(`wrote ${file}`);
}
