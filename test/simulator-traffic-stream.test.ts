// The traffic generator's random stream is pinned: every figure in the docs and every golden value in other tests
// depends on it. The digests below were computed from sim/traffic.ts before its speed-up (same draws, same order,
// same float32 rounding), so a faster generator has to reproduce the old series bit for bit.
import { createHash } from 'node:crypto';
import { describe, it, expect } from 'vitest';
import { loadScenario, parseScenario, scenarioDigest, simulateWorld, Rng } from '../sim/index.ts';
import { generateTopology } from '../sim/topology.ts';
import { buildCalendar } from '../sim/calendar.ts';
import { expNoise, generateTraffic, roundCount, weekShape, type Traffic } from '../sim/traffic.ts';
import { generateTrafficParallel } from '../sim/traffic-parallel.ts';
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

function trafficOnThreads(s: Scenario, seed: number, threads: number): Promise<Traffic> {
  return generateTrafficParallel(s, generateTopology(s, new Rng(seed, 'topology')), buildCalendar(s), seed, { threads });
}

const withGenerator = (s: Scenario, generator: 1 | 2): Scenario => parseScenario({ ...s, traffic: { ...s.traffic, generator } });

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
    name: 'offsets that are not whole minutes, a Saturday start',
    scenario: () =>
      parseScenario({
        ...base,
        days: 8,
        start: '2026-03-07',
        topology: { services: 12 },
        traffic: {
          ...base.traffic,
          timeZones: [
            { offsetHours: 5.123, weight: 1 },
            { offsetHours: -7.3333, weight: 0.5 },
            { offsetHours: 2, weight: 0.2 },
          ],
        },
      }),
    seed: 13,
  },
  {
    name: 'phi 0.999, 3 days, many bursts',
    scenario: () =>
      parseScenario({ ...base, days: 3, topology: { services: 40 }, traffic: { ...base.traffic, noiseCorrelation: 0.999, burstsPerServicePerDay: 5 } }),
    seed: 5,
  },
];

// Computed with the generator as it was before the speed-up (commit fc7bd68, sim/traffic.ts unchanged since).
const PINNED: Record<string, string> = {
  'default seed 1': '9b236d2003b3d63d',
  'black-friday seed 2': 'e8d002af57174418',
  'low-traffic seed 3': 'aa97440c4ed320d2',
  'large over 2 days, seed 4': '60697dfab57de5e3',
  'odd time zones, phi 0, falling trend, 9 days': 'b9718edcdaf6f258',
  'offsets that are not whole minutes, a Saturday start': 'a975074b245e5b9b',
  'phi 0.999, 3 days, many bursts': 'ec688d82af2ba989',
  weekShape: '7537fdf148ca47e7',
  world: 'dc3aa87813a1cc40',
  rows: '6029d1a77f94e24c',
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

  it('the default world built on the traffic is unchanged (deployments, their truth and outcomes, every row)', () => {
    const w = simulateWorld(base, 1);
    const h = createHash('sha256').update(JSON.stringify(w.deployments)).update(JSON.stringify(w.incidents));
    expect(h.digest('hex').slice(0, 16)).toBe(PINNED.world);
    // The unguarded runs' per-minute rows, keys in order (JSON keeps it), as the row objects were built before.
    const rows = createHash('sha256');
    for (const r of w.observations) rows.update(JSON.stringify(r));
    expect(rows.digest('hex').slice(0, 16)).toBe(PINNED.rows);
  });

  it('a scenario without traffic.generator keeps its digest (computed before the field existed)', () => {
    const before: Record<string, string> = { default: '501d884a49b36585', 'black-friday': '773f60b6a3361f32', 'low-traffic': 'e9e5f94db0a4e6af', large: '2308a8963c7d46ef' };
    for (const [name, digest] of Object.entries(before)) {
      expect('generator' in loadScenario(name).traffic).toBe(false);
      expect(scenarioDigest(loadScenario(name))).toBe(digest);
    }
    // Asking for version 1 explicitly is the same stream, recorded in the scenario.
    expect(digest(traffic(withGenerator(base, 1), 1))).toBe(PINNED['default seed 1']);
    expect(scenarioDigest(withGenerator(base, 1))).not.toBe(before.default);
    expect(() => withGenerator(base, 3 as 2)).toThrow(/generator/);
  });
});

describe('Math.round without its branch (roundCount)', () => {
  it('is Math.round on edge values and on random ones, signed zeros included', () => {
    const edges = [-2.5, -1.5, -0.5, -0.5000000000000001, -0.49999999999999994, -1e-300, -0, 0, 1e-300, 0.49999999999999994, 0.5, 0.5000000000000001, 1.4999999999999998, 1.5, 2.5, 1e6 + 0.5, 2 ** 51 - 0.5, 2 ** 51, 2 ** 52 - 0.5, 2 ** 52 + 1, 2 ** 53, NaN, Infinity, -Infinity];
    const r = new Rng(1, 'round');
    const random = Array.from({ length: 200_000 }, (_, i) => (r.next() - 0.2) * 10 ** (i % 8) + (i % 3 === 0 ? 0.5 : 0));
    const differ = [...edges, ...random].filter((x) => !Object.is(roundCount(x), Math.round(x)));
    expect(differ).toEqual([]);
  });
});

describe('traffic generator version 2 (ziggurat normals)', () => {
  it('is its own pinned stream, and the same model: every service mean within 2 % of version 1', () => {
    const v1 = traffic(base, 1);
    const v2 = traffic(withGenerator(base, 2), 1);
    expect(digest(v2)).toBe('3bbbcac79a8f6ffa');
    expect(digest(v2)).not.toBe(digest(v1));
    v1.meanRequests.forEach((m, j) => expect(Math.abs(v2.meanRequests[j] - m) / m, `service ${j}`).toBeLessThan(0.02));
    expect(scenarioDigest(withGenerator(base, 2))).toBe('370652e38967f933');
  });
});

describe('version 2\'s exp (expNoise)', () => {
  it('is within 1e-9 of Math.exp, relative, over the range any noise reaches, and Math.exp beyond it', () => {
    const r = new Rng(2, 'exp');
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = (r.next() - 0.5) * (i % 2 ? 1 : 87.9);
      worst = Math.max(worst, Math.abs(expNoise(x) / Math.exp(x) - 1));
    }
    expect(worst).toBeLessThan(1e-9);
    for (const x of [-745, -44, 44, 700, Infinity, -Infinity]) expect(expNoise(x)).toBe(Math.exp(x));
    expect(expNoise(NaN)).toBeNaN();
  });
});

describe('traffic on worker threads', () => {
  it('gives generateTraffic\'s result bit for bit, with 2 and 3 threads, on both versions', async () => {
    expect(digest(await trafficOnThreads(base, 1, 2))).toBe(PINNED['default seed 1']);
    const odd = cases[4];
    expect(digest(await trafficOnThreads(odd.scenario(), odd.seed, 3))).toBe(PINNED[odd.name]);
    const v2 = withGenerator(loadScenario('low-traffic'), 2);
    expect(digest(await trafficOnThreads(v2, 3, 2))).toBe(digest(traffic(v2, 3)));
  }, 120_000);
});
