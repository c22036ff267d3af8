// The one risk feature schema (sim/risk-features.ts): the model's specs, the simulated data set's columns, a world's
// rows and the window recommender's lists all come from it; and the seeded shuffle beside the Rng (lib/rng.ts).
import { describe, it, expect } from 'vitest';
import { loadScenario, parseScenario, simulateWorld, worldToTables, Rng } from '../sim/index.ts';
import { RISK_FEATURES, RISK_MODEL_FEATURES, encodeRiskCell } from '../sim/risk-features.ts';
import { SIM_RISK_SPECS } from '../training/risk/sim.ts';
import { DERIVED_TIME_FEATURES } from '../training/risk/feedback.ts';
import { staticFeaturesOf, TIME_FEATURES, TIMING_FACTORS } from '../training/deploy-window/recommend.ts';

describe('risk feature schema', () => {
  it('the model specs are the schema’s model features, in its order, with the same kinds, ranges and levels', () => {
    expect(SIM_RISK_SPECS.map((s) => s.name)).toEqual(RISK_MODEL_FEATURES.map((f) => f.name));
    expect(RISK_FEATURES.filter((f) => f.model === false).map((f) => f.name)).toEqual(['directories']);
    SIM_RISK_SPECS.forEach((s, i) => {
      const f = RISK_MODEL_FEATURES[i];
      expect(s.kind).toBe(f.kind);
      if (s.kind === 'numeric' && f.kind === 'numeric') expect([s.range, s.transform]).toEqual([f.range, f.transform ?? 'none']);
      if (s.kind === 'category' && f.kind === 'category') expect(s.levels).toEqual([...f.levels]);
    });
    expect(TIME_FEATURES).toEqual(['hours_since_last_deploy', 'oncall_cover', 'load_at_start', 'forecast_peak_load', 'hour_sin', 'hour_cos', 'weekend']);
    expect(Object.keys(TIMING_FACTORS).sort()).toEqual([...TIME_FEATURES].sort());
    expect(DERIVED_TIME_FEATURES).toEqual(['hour_sin', 'hour_cos', 'weekend']);
  });

  it('a simulated data set holds every change and deployment feature as a column of the declared type, in schema order', () => {
    const world = simulateWorld(parseScenario({ ...loadScenario('default'), days: 3 }), 2, undefined, { observations: false });
    const tables = new Map(worldToTables(world).map((t) => [t.name, t]));
    const typeOf = (table: string) => new Map(tables.get(table)!.columns.map((c) => [c.name, c.type]));
    const fromChange = RISK_FEATURES.flatMap((f) => (f.from === 'change' ? [f] : []));
    const fromDeployment = RISK_FEATURES.flatMap((f) => (f.from === 'deployment' ? [f] : []));
    for (const f of fromChange) expect(typeOf('changes').get(f.name), f.name).toBe(f.column.type);
    for (const f of [...fromChange, ...fromDeployment]) expect(typeOf('deployments').get(f.name), f.name).toBe(f.column.type);
    const names = tables.get('deployments')!.columns.map((c) => c.name);
    const positions = [...fromChange, ...fromDeployment].map((f) => names.indexOf(f.name));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    // Kinds match the column types: binaries are BOOLEAN, categories VARCHAR, numbers INTEGER or DOUBLE.
    for (const f of [...fromChange, ...fromDeployment]) {
      const want = f.kind === 'binary' ? ['BOOLEAN'] : f.kind === 'category' ? ['VARCHAR'] : ['INTEGER', 'DOUBLE'];
      expect(want, f.name).toContain(f.column.type);
    }
    // The recommender's static features are the model features the start time does not move, encoded.
    const dep = world.deployments[0];
    const stat = staticFeaturesOf(world, dep);
    expect(Object.keys(stat)).toEqual(RISK_MODEL_FEATURES.filter((f) => !f.timing).map((f) => f.name));
    expect(stat.tier).toBe(encodeRiskCell(RISK_MODEL_FEATURES.find((f) => f.name === 'tier')!, world.topology.services[dep.service].tier));
  });
});

describe('Rng.shuffle', () => {
  it('is Fisher-Yates from the last element down, one draw per element after the first, on arrays and typed arrays', () => {
    const a = Array.from({ length: 50 }, (_, i) => i);
    const b = Int32Array.from(a);
    const expected = [...a];
    const r = new Rng(9, 'shuffle-test');
    for (let i = expected.length - 1; i > 0; i--) {
      const j = Math.floor(r.next() * (i + 1));
      [expected[i], expected[j]] = [expected[j], expected[i]];
    }
    expect(new Rng(9, 'shuffle-test').shuffle(a)).toEqual(expected);
    expect(Array.from(new Rng(9, 'shuffle-test').shuffle(b))).toEqual(expected);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const one = new Rng(1, 'x');
    const state = one.state();
    expect(one.shuffle([7])).toEqual([7]);
    expect(one.state()).toEqual(state); // no draw for one element
  });
});
