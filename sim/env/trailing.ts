// The trailing windows of a running episode: per watched service a ring of the SLO window's width (bad requests, bad
// requests without the fault, all requests), and one ring for the KPI guardrail (conversions lost, conversions
// expected). Plain arrays, so they live in the episode's copyable state.
import type { EnvState } from './contract.ts';

export const zeros = (n: number): number[] => new Array<number>(n).fill(0);

/** Push one minute into a service's trailing burn window (a ring); returns [bad ratio, bad ratio without the fault]. */
export function pushBurn(b: EnvState['burn'][number], bad: number, badNoFault: number, total: number, out: [number, number]): [number, number] {
  const i = b.n++ % b.total.length;
  b.total[i] = total;
  b.bad[i] = bad;
  b.badNoFault[i] = badNoFault;
  let T = 0;
  let B = 0;
  let B0 = 0;
  for (let k = 0; k < b.total.length; k++) {
    T += b.total[k];
    B += b.bad[k];
    B0 += b.badNoFault[k];
  }
  out[0] = T > 0 ? B / T : 0;
  out[1] = T > 0 ? B0 / T : 0;
  return out;
}

/** Push one minute into the KPI guardrail's ring; returns the share of expected conversions lost over the window. */
export function pushKpi(k: EnvState['kpi'], lost: number, base: number): number {
  const i = k.n++ % k.lost.length;
  k.lost[i] = lost;
  k.base[i] = base;
  let L = 0;
  let B = 0;
  for (let j = 0; j < k.lost.length; j++) {
    L += k.lost[j];
    B += k.base[j];
  }
  return B > 0 ? L / B : 0;
}
