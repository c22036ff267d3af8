// Services and their dependency DAG. Services are ordered by tier (edge → api → backend → queue → datastore),
// and every edge goes from a lower to a higher index, so index order is a topological order.
import type { Rng } from '../lib/rng.ts';
import { TIERS, type Scenario, type Tier } from './scenario-schema.ts';
import { inverseNormalCdf } from '../lib/stats.ts';

export interface Service {
  id: number;
  name: string;
  tier: Tier;
  team: string;
  /** Offset (hours) of the team's home time zone, for on-call and working hours. */
  teamTzOffset: number;
  regions: string[];
  /** Share of the service's traffic per region (same order as `regions`), sums to 1. */
  regionShares: number[];
  /** Share of the service's traffic per tenant (scenario order), sums to 1. */
  tenantShares: number[];
  /** Median external requests per minute before seasonality (0 for purely internal services). */
  externalRpm: number;
  /** Weights of the scenario's time-zone populations for this service. */
  tzWeights: number[];
  /** Phase jitter of the daily curve, hours. */
  phaseShiftHours: number;
  baseErrorRate: number;
  latencyMedianMs: number;
  latencySigma: number;
  latencyObjectiveMs: number;
  /** Share of requests slower than the objective on a healthy version. */
  baseSlowShare: number;
  /** Mean test coverage of the service's code base. */
  coverageBase: number;
  /** How often a request to this service turns into the business KPI event. */
  conversionRate: number;
}

export interface Dependency {
  caller: number;
  callee: number;
  kind: 'sync' | 'async';
  /** Calls to the callee per request served by the caller. */
  callsPerRequest: number;
}

export interface Topology {
  services: Service[];
  dependencies: Dependency[];
  teams: string[];
  /** callers[j] = indices of dependencies (into `dependencies`) whose callee is j. */
  callersOf: number[][];
  calleesOf: number[][];
}

const TIER_RANK: Record<Tier, number> = { edge: 0, api: 1, backend: 2, queue: 3, datastore: 4 };
const TIER_PREFIX: Record<Tier, string> = { edge: 'gw', api: 'api', backend: 'svc', queue: 'mq', datastore: 'db' };
const WORDS = [
  'orders', 'payments', 'catalog', 'search', 'users', 'auth', 'cart', 'pricing', 'inventory', 'shipping',
  'reviews', 'ads', 'media', 'email', 'billing', 'ledger', 'profile', 'feed', 'notify', 'ranking',
  'session', 'geo', 'tax', 'fraud', 'loyalty', 'coupons', 'events', 'audit', 'reports', 'export',
];
const LATENCY_MS: Record<Tier, number> = { edge: 60, api: 35, backend: 20, queue: 4, datastore: 6 };

/** Generate services and a dependency DAG from the scenario's topology section. */
export function generateTopology(s: Scenario, rng: Rng): Topology {
  const n = s.topology.services;
  const mix = s.topology.tierMix;
  const counts = allocateTiers(n, mix);
  const nTeams = s.topology.teams > 0 ? s.topology.teams : Math.max(2, Math.round(n / 5));
  const teams = Array.from({ length: nTeams }, (_, i) => `team-${String(i + 1).padStart(3, '0')}`);
  const tzs = s.traffic.timeZones;
  const tzTotal = tzs.reduce((a, z) => a + z.weight, 0);
  const teamTz = teams.map(() => tzs[rng.weighted(tzs.map((z) => z.weight / tzTotal))].offsetHours);

  const services: Service[] = [];
  for (const tier of TIERS.slice().sort((a, b) => TIER_RANK[a] - TIER_RANK[b])) {
    for (let k = 0; k < counts[tier]; k++) {
      const id = services.length;
      const teamIdx = rng.int(0, nTeams - 1);
      const nReg = Math.min(s.topology.regions.length, 1 + rng.poisson(1.2));
      const regions = rng.sample(s.topology.regions.length, nReg).sort((a, b) => a - b).map((i) => s.topology.regions[i]);
      const regionShares = dirichlet(rng, regions.length, 4);
      const tenantShares = dirichlet(rng, s.topology.tenants.length, 2);
      const tzWeights = tzs.map((z) => (z.weight / tzTotal) * rng.lognormal(1, 0.3));
      const tzSum = tzWeights.reduce((a, b) => a + b, 0);
      const latencyMedianMs = LATENCY_MS[tier] * rng.lognormal(1, 0.35);
      const latencySigma = rng.uniform(0.35, 0.65);
      const baseSlowShare = rng.uniform(0.0003, 0.0012);
      const latencyObjectiveMs = latencyMedianMs * Math.exp(latencySigma * inverseNormalCdf(1 - baseSlowShare));
      const word = WORDS[id % WORDS.length] + (id >= WORDS.length ? `${Math.floor(id / WORDS.length) + 1}` : '');
      const external =
        tier === 'edge'
          ? s.traffic.edgeRequestsPerMinute * rng.lognormal(1, s.traffic.spread)
          : rng.bernoulli(0.5)
            ? s.traffic.edgeRequestsPerMinute * s.traffic.internalShare * rng.lognormal(1, s.traffic.spread)
            : 0;
      services.push({
        id,
        name: `${TIER_PREFIX[tier]}-${word}`,
        tier,
        team: teams[teamIdx],
        teamTzOffset: teamTz[teamIdx],
        regions,
        regionShares,
        tenantShares,
        externalRpm: external,
        tzWeights: tzWeights.map((w) => w / tzSum),
        phaseShiftHours: rng.gauss(0, 0.7),
        baseErrorRate: Math.min(0.004, rng.lognormal(0.0006, 0.6)),
        latencyMedianMs,
        latencySigma,
        latencyObjectiveMs,
        baseSlowShare,
        coverageBase: rng.beta(7, 3),
        conversionRate: s.observability.baseConversion * rng.lognormal(1, 0.3),
      });
    }
  }
  const dependencies = generateEdges(s, services, rng);
  const callersOf: number[][] = services.map(() => []);
  const calleesOf: number[][] = services.map(() => []);
  dependencies.forEach((d, i) => {
    callersOf[d.callee].push(i);
    calleesOf[d.caller].push(i);
  });
  return { services, dependencies, teams, callersOf, calleesOf };
}

/** Largest-remainder allocation of n services to tiers, with at least one edge and one datastore. */
function allocateTiers(n: number, mix: Scenario['topology']['tierMix']): Record<Tier, number> {
  const total = TIERS.reduce((a, t) => a + mix[t], 0);
  const raw = TIERS.map((t) => (n * mix[t]) / total);
  const out = Object.fromEntries(TIERS.map((t, i) => [t, Math.floor(raw[i])])) as Record<Tier, number>;
  let left = n - TIERS.reduce((a, t) => a + out[t], 0);
  const order = TIERS.map((t, i) => [t, raw[i] - Math.floor(raw[i])] as const).sort((a, b) => b[1] - a[1]);
  for (let i = 0; left > 0; i = (i + 1) % order.length, left--) out[order[i][0]]++;
  for (const need of ['edge', 'datastore'] as const) {
    if (out[need] === 0) {
      const donor = TIERS.reduce((a, t) => (out[t] > out[a] ? t : a), 'backend' as Tier);
      out[donor]--;
      out[need]++;
    }
  }
  return out;
}

function generateEdges(s: Scenario, services: Service[], rng: Rng): Dependency[] {
  const deps: Dependency[] = [];
  const has = new Set<string>();
  const add = (caller: number, callee: number) => {
    const key = `${caller}>${callee}`;
    if (has.has(key)) return;
    has.add(key);
    const toQueue = services[callee].tier === 'queue';
    const kind = toQueue || rng.bernoulli(s.topology.asyncEdgeShare * 0.5) ? 'async' : 'sync';
    deps.push({ caller, callee, kind, callsPerRequest: kind === 'async' ? rng.lognormal(0.3, 0.5) : rng.lognormal(0.8, 0.5) });
  };
  const canCall = (i: number, j: number) => {
    const a = TIER_RANK[services[i].tier];
    const b = TIER_RANK[services[j].tier];
    return j > i && a < 3 && (b > a || (a === 2 && b === 2));
  };
  for (let i = 0; i < services.length; i++) {
    if (TIER_RANK[services[i].tier] >= 3) continue;
    const candidates: number[] = [];
    const weights: number[] = [];
    for (let j = i + 1; j < services.length; j++) {
      if (!canCall(i, j)) continue;
      candidates.push(j);
      // Prefer the next tier down, and services close in index (keeps fan-in realistic, not all-to-one).
      const gap = TIER_RANK[services[j].tier] - TIER_RANK[services[i].tier];
      weights.push((gap <= 1 ? 3 : 1) / (1 + Math.abs(j - i) / services.length));
    }
    if (candidates.length === 0) continue;
    const k = Math.min(candidates.length, Math.max(1, 1 + rng.poisson(Math.max(0, s.topology.meanFanOut - 1))));
    const w = weights.slice();
    for (let c = 0; c < k; c++) {
      const pick = rng.weighted(w);
      w[pick] = 0;
      add(i, candidates[pick]);
    }
  }
  // Every non-edge service gets at least one caller, so traffic reaches it.
  const hasCaller = new Set(deps.map((d) => d.callee));
  for (let j = 0; j < services.length; j++) {
    if (services[j].tier === 'edge' || hasCaller.has(j)) continue;
    const eligible: number[] = [];
    for (let i = 0; i < j; i++) if (canCall(i, j)) eligible.push(i);
    if (eligible.length > 0) add(rng.pick(eligible), j);
  }
  return deps.sort((a, b) => a.caller - b.caller || a.callee - b.callee);
}

/** Symmetric Dirichlet draw of k shares (concentration a). */
function dirichlet(rng: Rng, k: number, a: number): number[] {
  const g = Array.from({ length: k }, () => rng.gamma(a));
  const sum = g.reduce((x, y) => x + y, 0);
  return g.map((x) => x / sum);
}
