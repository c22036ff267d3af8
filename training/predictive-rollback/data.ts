// Training data for predictive rollback: every tick of every deployment's unguarded run (the schedule followed, no
// rollback), as the policy would see it, with what happened next.
//
// A policy that follows the schedule sees exactly the unguarded run's observations until it first deviates (common
// random numbers, sim/env/minute.ts), so per-tick scores computed on the unguarded run tell, for any decision threshold,
// when a threshold policy would have rolled back — which is how the thresholds are chosen without re-running.
import type { Scenario } from '../../sim/scenario-schema.ts';
import { Trajectory, TRAJECTORY_FEATURES, KPI_MIN_DROP } from './features.ts';
import type { TrajectorySet } from './trajectories.ts';

export interface TickRows {
  /** Row-major features, TRAJECTORY_FEATURES.length per row. */
  x: Float64Array;
  n: number;
  /** Per row: index of its deployment in `deployments`. */
  dep: Int32Array;
  age: Int32Array;
  /** A material fault has reached the canary by this tick (deployment-level materiality). */
  yFault: Uint8Array;
  /** The unguarded run breaches (fault-caused) at a later minute than this tick's decision. */
  yBreach: Uint8Array;
  /** ln p-value of the overwhelming-evidence test at this tick (features.ts `Trajectory.overwhelming`; 0 = none). */
  fastLogP: Float64Array;
  /** z of the conversion-shortfall test at this tick where the relative drop is material (`Trajectory.kpiShortfall`; 0 = none). */
  kpiZ: Float64Array;
  deployments: TickDeployment[];
}

export interface TickDeployment {
  id: string;
  scenario: string;
  seed: number;
  material: boolean;
  severe: boolean;
  faultKind: string | null;
  /** Ages (minutes since start) of the unguarded run's fault breach, the fault's onset; null when none. */
  breachAge: number | null;
  onsetAge: number | null;
  /** Rows of this deployment: [first, end). */
  first: number;
  end: number;
}

/** Features of every tick of every deployment of a trajectory set, with the labels. */
export function ticksFromTrajectories(set: TrajectorySet, scenario = '', seed = 0): TickRows {
  const nf = TRAJECTORY_FEATURES.length;
  const total = set.observations.reduce((a, os) => a + os.length, 0);
  const x = new Float64Array(total * nf);
  const dep = new Int32Array(total);
  const age = new Int32Array(total);
  const yFault = new Uint8Array(total);
  const yBreach = new Uint8Array(total);
  const fastLogP = new Float64Array(total);
  const kpiZ = new Float64Array(total);
  let n = 0;
  const deps: TickDeployment[] = [];
  set.deployments.forEach((t, k) => {
    const d: TickDeployment = { id: t.id, scenario, seed, material: t.material, severe: t.severe, faultKind: t.faultKind, breachAge: t.breachAge, onsetAge: t.onsetAge, first: n, end: n };
    deps.push(d);
    const tr = new Trajectory(t.plan, t.slo, t.riskPrior);
    for (const obs of set.observations[k]) {
      tr.push(obs);
      if (obs.age === 0 || (obs.phase !== 'progressing' && obs.phase !== 'baking')) continue;
      x.set(tr.features(obs), n * nf);
      dep[n] = k;
      age[n] = obs.age;
      // The decision at this tick acts on minute `age` onwards (the observation is of minute age - 1).
      yFault[n] = d.material && d.onsetAge !== null && obs.age > d.onsetAge ? 1 : 0;
      yBreach[n] = d.breachAge !== null && d.breachAge >= obs.age ? 1 : 0;
      fastLogP[n] = tr.overwhelming().logP;
      const ks = tr.kpiShortfall();
      kpiZ[n] = ks.drop >= KPI_MIN_DROP ? ks.z : 0;
      n++;
    }
    d.end = n;
  });
  return { x: x.subarray(0, n * nf), n, dep: dep.subarray(0, n), age: age.subarray(0, n), yFault: yFault.subarray(0, n), yBreach: yBreach.subarray(0, n), fastLogP: fastLogP.subarray(0, n), kpiZ: kpiZ.subarray(0, n), deployments: deps };
}

/** Concatenate tick data sets (deployment indices shifted). */
export function concatTicks(parts: TickRows[]): TickRows {
  const nf = TRAJECTORY_FEATURES.length;
  const n = parts.reduce((a, p) => a + p.n, 0);
  const out: TickRows = { x: new Float64Array(n * nf), n, dep: new Int32Array(n), age: new Int32Array(n), yFault: new Uint8Array(n), yBreach: new Uint8Array(n), fastLogP: new Float64Array(n), kpiZ: new Float64Array(n), deployments: [] };
  let off = 0;
  for (const p of parts) {
    out.x.set(p.x, off * nf);
    out.age.set(p.age, off);
    out.yFault.set(p.yFault, off);
    out.yBreach.set(p.yBreach, off);
    out.fastLogP.set(p.fastLogP, off);
    out.kpiZ.set(p.kpiZ, off);
    const d0 = out.deployments.length;
    for (let i = 0; i < p.n; i++) out.dep[off + i] = p.dep[i] + d0;
    for (const d of p.deployments) out.deployments.push({ ...d, first: d.first + off, end: d.end + off });
    off += p.n;
  }
  return out;
}
