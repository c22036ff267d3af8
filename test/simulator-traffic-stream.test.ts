// The traffic generator's random stream is pinned: every figure in the docs and every golden value in other tests
// depends on it. The digests below were computed from sim/traffic.ts before its speed-up (same draws, same order,
// same float32 rounding), so a faster generator has to reproduce the old series bit for bit.
import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { loadScenario, parseScenario, simulateWorld, Rng } from '../sim/index.ts';
import { generateTopology } from '../sim/topology.ts';
import { buildCalendar } from '../sim/calendar.ts';
import { generateTraffic, weekShape, type Traffic } from '../sim/traffic.ts';
import type { Scenario } from '../sim/scenario-schema.ts';

const bytes = (a: Float32Array | Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** sha256 over every service's series, the means and the bursts (numbers in JSON round-trip exactly). */
function digest(t: Traffic): string {
  const h = createHash('sha256');
  for (const r of t.requests) h.update(bytes(r));
  h.update(bytes(t.meanRequests));
  h.update(JSON.stringify(t.bursts));
  return h.digest('hex').slice(0, 16);
}

function traffic(s: Scenario, seed: number): Traffic {
  return generateTraffic(s, generateTopology(s, new Rng(seed, 'topology')), buildCalendar(s), seed);
}

const base = loadScenario('default');
/** Scenario variations that reach every branch: the Poisson path, a peak event, φ = 0, odd time zones, < 1 week. */
const cases: { name: string; scenario: () => Scenario; seed: number }[] = [
  { name: 'default seed 1', scenario: () => base, seed: 1 },
  { name: 'black-friday seed 2', scenario: () => loadScenario('black-friday'), seed: 2 },
  { name: 'low-traffic seed 3', scenario: () => loadScenario('low-traffic'), seed: 3 },
  { name: 'large over 2 days, seed 4', scenario: () => parseScenario({ ...loadScenario('large'), days: 2 }), seed: 4 },
  {
    name: 'odd time zones, phi 0, falling trend, 9 days',
    scenario: () =>
      parseScenario({
        ...base,
        days: 9,
        topology: { services: 15 },
        traffic: {
          ...base.traffic,
          noiseCorrelation: 0,
          noiseSigma: 0.2,
          trendPerYear: -0.5,
          peakHourLocal: 20.5,
          timeZones: [
            { offsetHours: -3.5, weight: 1 },
            { offsetHours: 5.75, weight: 2 },
            { offsetHours: 9, weight: 0 },
            { offsetHours: 14, weight: 0.5 },
            { offsetHours: -12, weight: 0.3 },
          ],
        },
      }),
    seed: 11,
  },
  {
    name: 'phi 0.999, 3 days, many bursts',
    scenario: () =>
      parseScenario({ ...base, days: 3, topology: { services: 40 }, traffic: { ...base.traffic, noiseCorrelation: 0.999, burstsPerServicePerDay: 5 } }),
    seed: 5,
  },
];

// Computed with the generator as it was before the speed-up (commit fc7bd68).
const PINNED: Record<string, string> = {
  'default seed 1': '9b236d2003b3d63d',
  'black-friday seed 2': 'e8d002af57174418',
  'low-traffic seed 3': 'aa97440c4ed320d2',
  'large over 2 days, seed 4': '60697dfab57de5e3',
  'odd time zones, phi 0, falling trend, 9 days': 'b9718edcdaf6f258',
  'phi 0.999, 3 days, many bursts': 'ec688d82af2ba989',
  weekShape: '7537fdf148ca47e7',
  world: 'dc3aa87813a1cc40',
};

describe('traffic stream (pinned before the speed-up)', () => {
  for (const c of cases) {
    it(`${c.name}: the series, means and bursts are bit-identical`, () => {
      expect(digest(traffic(c.scenario(), c.seed))).toBe(PINNED[c.name]);
    });
  }

  it('weekShape is bit-identical', () => {
    const s = cases[4].scenario();
    const topo = generateTopology(s, new Rng(11, 'topology'));
    const cal = buildCalendar(s);
    const h = createHash('sha256');
    for (const svc of topo.services) h.update(bytes(weekShape(s, svc, cal)));
    expect(h.digest('hex').slice(0, 16)).toBe(PINNED.weekShape);
  });

  it('the default world built on the traffic is unchanged (deployments, their truth and outcomes)', () => {
    const w = simulateWorld(base, 1, undefined, { observations: false });
    const h = createHash('sha256').update(JSON.stringify(w.deployments)).update(JSON.stringify(w.incidents));
    expect(h.digest('hex').slice(0, 16)).toBe(PINNED.world);
  });
});
