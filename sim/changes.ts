// Changes: an arrival process per team (working hours in the team's time zone), change features like the
// JIT data sets' plus deployment-specific ones, and the hidden true failure probability.
import { Rng } from '../lib/rng.ts';
import type { Scenario } from './scenario-schema.ts';
import type { Topology, Service } from './topology.ts';
import { type Calendar, localTime } from './calendar.ts';
import { sigmoid } from '../lib/stats.ts';

export const SCHEMA_MIGRATIONS = ['none', 'reversible', 'irreversible'] as const;
export type SchemaMigration = (typeof SCHEMA_MIGRATIONS)[number];

/** What a change looks like before it ships (author and code features). */
export interface ChangeFeatures {
  linesAdded: number;
  linesDeleted: number;
  filesChanged: number;
  subsystems: number;
  directories: number;
  /** Spread of the change over its files (0 = one file), as in Kamei's metrics. */
  entropy: number;
  developers: number;
  isFix: boolean;
  authorExperience: number;
  authorRecentExperience: number;
  testCoverage: number;
  newTests: number;
  dependencyBumps: number;
  configOnly: boolean;
  schemaMigration: SchemaMigration;
  featureFlagged: boolean;
  apiContractChange: boolean;
}

export interface Change {
  id: string;
  /** Index in time order. */
  seq: number;
  service: number;
  team: string;
  author: string;
  /** Minute the change was merged and its pipeline started. */
  mergedAt: number;
  features: ChangeFeatures;
  /** Latent connection-pool bug: harmless at normal load. */
  poolBug: boolean;
  /** Load factor above which a pool bug bites (Infinity if no pool bug). */
  poolThreshold: number;
}

/** Features known only at deploy time, from the service's history. */
export interface HistoryFeatures {
  hoursSinceLastDeploy: number;
  serviceRecentFailureRate: number;
  serviceDeploysSoFar: number;
}

/** Relative weight of change arrivals at a local hour and weekday. */
function workWeight(hour: number, weekday: number): number {
  if (weekday >= 5) return 0.06;
  if (hour >= 9 && hour < 18) return hour >= 12 && hour < 13 ? 0.6 : 1;
  if (hour >= 18 && hour < 22) return 0.25;
  if (hour >= 7 && hour < 9) return 0.3;
  return 0.03;
}
const WEEKDAY_WEIGHT = (() => {
  let s = 0;
  for (let h = 0; h < 24; h++) s += workWeight(h + 0.5, 0);
  return s;
})();

interface Author {
  name: string;
  commits: number;
  recent: number[];
}

/** Draw all changes of the period, in merge-time order. */
export function generateChanges(s: Scenario, topo: Topology, cal: Calendar, seed: number): Change[] {
  const out: Omit<Change, 'id' | 'seq'>[] = [];
  for (const team of topo.teams) {
    const rng = new Rng(seed, 'changes', team);
    const owned = topo.services.filter((x) => x.team === team);
    if (owned.length === 0) continue;
    const tz = owned[0].teamTzOffset;
    const authors: Author[] = Array.from({ length: 3 + rng.poisson(3) }, (_, i) => ({
      name: `${team}-dev${i + 1}`,
      commits: Math.round(rng.lognormal(150, 1.2)),
      recent: [],
    }));
    for (let hour = 0; hour * 60 < cal.minutes; hour++) {
      const lt = localTime(cal, hour * 60, tz);
      const holiday = cal.holidayDays.has(lt.day) ? 0.15 : 1;
      const lambda = (s.changes.perTeamPerDay * workWeight(lt.hour + 0.5, lt.weekday) * holiday) / WEEKDAY_WEIGHT;
      const k = rng.poisson(lambda);
      for (let c = 0; c < k; c++) {
        const mergedAt = hour * 60 + rng.int(0, 59);
        const svc = owned[rng.int(0, owned.length - 1)];
        const author = authors[rng.weighted(authors.map((a) => Math.sqrt(a.commits + 10)))];
        const features = drawFeatures(s, svc, topo, author, mergedAt, rng);
        author.commits++;
        author.recent.push(mergedAt);
        const poolBug = rng.bernoulli(poolBugProbability(s, svc, features));
        out.push({
          service: svc.id,
          team,
          author: author.name,
          mergedAt,
          features,
          poolBug,
          poolThreshold: poolBug ? rng.uniform(POOL_THRESHOLD_MIN, POOL_THRESHOLD_MAX) : Infinity,
        });
      }
    }
  }
  out.sort((a, b) => a.mergedAt - b.mergedAt || a.service - b.service || a.author.localeCompare(b.author));
  return out.map((c, i) => ({ ...c, id: `chg-${String(i + 1).padStart(6, '0')}`, seq: i }));
}

/** Pool thresholds are uniform on this range of load factors (traffic / service mean). */
export const POOL_THRESHOLD_MIN = 1.0;
export const POOL_THRESHOLD_MAX = 2.5;

function drawFeatures(s: Scenario, svc: Service, topo: Topology, author: Author, t: number, rng: Rng): ChangeFeatures {
  const configOnly = rng.bernoulli(0.12);
  const linesAdded = configOnly ? rng.int(1, 20) : Math.max(1, Math.round(rng.lognormal(45, 1.3)));
  const linesDeleted = Math.round(linesAdded * rng.beta(1.2, 3) * (rng.bernoulli(0.2) ? 3 : 1));
  const filesChanged = configOnly ? 1 + rng.poisson(0.3) : 1 + rng.poisson(Math.sqrt(linesAdded) / 3);
  const directories = Math.min(filesChanged, 1 + rng.poisson(Math.log1p(filesChanged)));
  const subsystems = Math.min(directories, 1 + rng.poisson(0.3 * Math.log1p(directories)));
  const entropy = filesChanged <= 1 ? 0 : Math.log2(filesChanged) * rng.beta(4, 2);
  const recentCut = t - 30 * 1440;
  author.recent = author.recent.filter((x) => x >= recentCut);
  const coverage = Math.min(1, Math.max(0, svc.coverageBase + rng.gauss(0, 0.08)));
  const contractEligible = topo.callersOf[svc.id].length > 0 && !configOnly;
  return {
    linesAdded,
    linesDeleted,
    filesChanged,
    subsystems,
    directories,
    entropy,
    developers: 1 + rng.poisson(Math.log1p(filesChanged)),
    isFix: rng.bernoulli(0.25),
    authorExperience: author.commits,
    authorRecentExperience: author.recent.length,
    testCoverage: coverage,
    newTests: configOnly ? 0 : rng.poisson(Math.min(8, linesAdded / 60) * (0.5 + coverage)),
    dependencyBumps: configOnly ? 0 : rng.poisson(0.15),
    configOnly,
    schemaMigration: svc.tier === 'datastore' || svc.tier === 'backend' ? SCHEMA_MIGRATIONS[rng.weighted([0.86, 0.1, 0.04])] : 'none',
    featureFlagged: !configOnly && rng.bernoulli(0.3),
    apiContractChange: contractEligible && rng.bernoulli(s.changes.apiContractChangeRate),
  };
}

/** Chance that a change carries a latent pool bug: more likely with dependency bumps and on backends. */
export function poolBugProbability(s: Scenario, svc: Service, f: ChangeFeatures): number {
  const tier = svc.tier === 'backend' || svc.tier === 'datastore' ? 1.5 : 1;
  return Math.min(0.9, s.changes.poolBugShare * tier * (1 + 0.8 * f.dependencyBumps) * (f.configOnly ? 0.3 : 1));
}

/**
 * The hidden intrinsic failure probability: the chance the change carries a material fault whatever the
 * load. Rises with size, spread, migrations, contract changes and the service's recent failures; falls with
 * test coverage, new tests, author experience and feature flags.
 */
export function intrinsicFailureProbability(s: Scenario, svc: Service, f: ChangeFeatures, h: HistoryFeatures): number {
  let z = s.changes.baseFailureLogit;
  z += 0.55 * Math.log1p(f.linesAdded / 50);
  z += 0.12 * Math.log1p(f.linesDeleted / 50);
  z += 0.2 * Math.log1p(f.filesChanged);
  z += 0.25 * f.entropy / Math.max(1, Math.log2(1 + f.filesChanged));
  z -= 2.4 * (f.testCoverage - 0.7);
  z -= 0.12 * Math.min(f.newTests, 6);
  z += 0.3 * f.dependencyBumps;
  z += f.configOnly ? 0.35 : 0;
  z += f.schemaMigration === 'reversible' ? 0.5 : f.schemaMigration === 'irreversible' ? 1.1 : 0;
  z -= f.featureFlagged ? 0.5 : 0;
  z += f.apiContractChange ? 0.8 : 0;
  z -= 0.3 * Math.log1p(f.authorExperience / 100);
  z += f.isFix ? 0.15 : 0;
  z += 1.8 * h.serviceRecentFailureRate;
  z += 0.12 * Math.log1p(h.hoursSinceLastDeploy / 24);
  z += svc.tier === 'datastore' ? 0.3 : svc.tier === 'edge' ? 0.15 : 0;
  return sigmoid(z);
}

/** Chance a pool bug bites when the window's peak load factor is `maxLoad` (threshold uniform). */
export function poolTriggerProbability(maxLoad: number): number {
  return Math.min(1, Math.max(0, (maxLoad - POOL_THRESHOLD_MIN) / (POOL_THRESHOLD_MAX - POOL_THRESHOLD_MIN)));
}

/** True failure probability of a change deployed into a window whose peak load factor is `maxLoad`. */
export function trueFailureProbability(pIntrinsic: number, pPoolBug: number, maxLoad: number): number {
  return pIntrinsic + (1 - pIntrinsic) * pPoolBug * poolTriggerProbability(maxLoad);
}
