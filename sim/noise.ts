// Degradations that are not a change's fault: incidents in shared dependencies (they hurt canary and
// baseline alike, on the dependency and its callers) and noisy neighbours (slower pods of one cohort).
import { Rng } from '../lib/rng.ts';
import type { Scenario } from './scenario-schema.ts';
import type { Topology } from './topology.ts';

export type Cohort = 'baseline' | 'canary';

export interface Incident {
  id: string;
  kind: 'shared_dependency' | 'noisy_neighbour';
  /** The service where it starts (the shared dependency, or the service with the noisy node). */
  service: number;
  /** All services it degrades. */
  affected: number[];
  start: number;
  end: number;
  errorAdd: number;
  latencyMult: number;
  /** Which cohort it touches; shared-dependency incidents touch both. */
  cohorts: 'both' | Cohort;
}

/** Draw the unrelated incidents of the period, sorted by start. */
export function generateIncidents(s: Scenario, topo: Topology, minutes: number, seed: number): Incident[] {
  const rng = new Rng(seed, 'noise');
  const out: Omit<Incident, 'id'>[] = [];
  const days = minutes / 1440;
  const shared = topo.services.filter((x) => topo.callersOf[x.id].length >= 2).map((x) => x.id);
  if (shared.length > 0) {
    const k = rng.poisson(s.noise.sharedIncidentsPerDay * days);
    for (let i = 0; i < k; i++) {
      const svc = rng.pick(shared);
      const start = rng.int(0, minutes - 1);
      const severe = rng.bernoulli(0.1);
      out.push({
        kind: 'shared_dependency',
        service: svc,
        affected: [svc, ...topo.callersOf[svc].map((di) => topo.dependencies[di].caller)].sort((a, b) => a - b),
        start,
        end: Math.min(minutes, start + 5 + Math.round(rng.exponential(20))),
        errorAdd: severe ? rng.uniform(0.02, 0.1) : rng.uniform(0.002, 0.01),
        latencyMult: rng.uniform(1.1, 1.8),
        cohorts: 'both',
      });
    }
  }
  for (const svc of topo.services) {
    const k = rng.poisson(s.noise.noisyNeighbourPerServicePerDay * days);
    for (let i = 0; i < k; i++) {
      const start = rng.int(0, minutes - 1);
      out.push({
        kind: 'noisy_neighbour',
        service: svc.id,
        affected: [svc.id],
        start,
        end: Math.min(minutes, start + rng.int(5, 30)),
        errorAdd: 0,
        latencyMult: rng.uniform(1.1, 1.6),
        cohorts: (['both', 'baseline', 'canary'] as const)[rng.int(0, 2)],
      });
    }
  }
  out.sort((a, b) => a.start - b.start || a.service - b.service);
  return out.map((x, i) => ({ ...x, id: `inc-${String(i + 1).padStart(5, '0')}` }));
}

/** Error and latency degradation that incidents add to a service's cohort at minute t. */
export function incidentEffect(incidents: readonly Incident[], service: number, cohort: Cohort, t: number): { errorAdd: number; latencyMult: number; active: string[] } {
  let errorAdd = 0;
  let latencyMult = 1;
  const active: string[] = [];
  for (const inc of incidents) {
    if (inc.start > t) break;
    if (t >= inc.end || (inc.cohorts !== 'both' && inc.cohorts !== cohort) || !inc.affected.includes(service)) continue;
    errorAdd += inc.errorAdd;
    latencyMult *= inc.latencyMult;
    active.push(inc.id);
  }
  return { errorAdd, latencyMult, active };
}
