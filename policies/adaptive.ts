// Adaptive stages (docs/rollout-plans.md#adaptive-stages): the canary's last minute of metrics against the ranges the
// what-if engine predicted for the stage it is at (sim/whatif.ts: p1 / p10 / p50 / p90 / p99 of a healthy canary's
// minute, of the healthy baseline's, and of the likely faults' canary).
//
//   green   every metric inside the healthy range: the rollout goes on as the learned policy says;
//   yellow  one metric beyond the healthy p99, or two beyond the healthy p90 (the bad side), or a disturbance the
//           baseline shows as well: hold, and observe every few seconds instead of every minute;
//   red     a metric beyond the healthy p99 and as bad as the faulty median (where that median is itself well beyond
//           the healthy p99 — as far again as the p99 is from the healthy median: the stage's faults look unlike
//           health), which the baseline does not share, for RED_PERSIST_MIN without a break; or, at any step, the
//           canary's last minute (however short) overwhelming evidence against the baseline's (the learned policy's
//           exact test at the same level): roll back at once.
//
// The policy observes every GREEN_TICK_SECONDS, and every FINE_TICK_SECONDS while a stage is yellow or red.
//
// "The bad side": higher is worse for the error and slow ratios and the latencies, lower for the KPI (conversions per
// request). A metric the minute has no value for, or the stage no range for, says nothing; a minute without canary
// metrics has no colour at all (the learned policy's evidence gate holds then). The last minute is put together from
// the steps the environment observed, however short (`RollingMinute`): counts add up; a latency percentile is the
// request-weighted geometric mean of the steps' (an approximation: percentiles do not add up; a short step's
// percentile is noisy by a factor, and an arithmetic mean of such factors would lean high).
import type { CohortMetrics, Observation } from '../sim/env.ts';
import { WHATIF_METRICS, metricValues, type Range, type StageRanges, type WhatIfMetric } from '../sim/whatif.ts';
import { canaryExcessLogP, OVERWHELMING_P, type Sums } from '../training/predictive-rollback/features.ts';

export type RangeColour = 'green' | 'yellow' | 'red';

/** Minutes a red must last, without a break, before the rollback: a whole minute of fresh data says it again. */
export const RED_PERSIST_MIN = 1;

/** The step the adaptive policy asks for while the stage is green, in seconds. */
export const GREEN_TICK_SECONDS = 15;

/** The step it asks for while it watches a yellow or red stage closely, in seconds. */
export const FINE_TICK_SECONDS = 5;

/** Higher is worse (+1) or lower is worse (-1). */
const DIRECTION: Record<WhatIfMetric, 1 | -1> = { errorRatio: 1, slowRatio: 1, latencyP50: 1, latencyP95: 1, latencyP99: 1, kpi: -1 };

const fmt = (m: WhatIfMetric, x: number): string => (m.startsWith('latency') ? `${x.toFixed(0)} ms` : m === 'kpi' ? x.toFixed(4) : `${(x * 100).toFixed(2)} %`);

/** How far `x` is on the bad side of a range: 0 inside p90 (p10 for the KPI), 1 beyond it, 2 beyond p99 (p1). */
function level(m: WhatIfMetric, x: number, r: Range): 0 | 1 | 2 {
  const d = DIRECTION[m];
  if (d * x > d * (d > 0 ? r.p99 : r.p1)) return 2;
  if (d * x > d * (d > 0 ? r.p90 : r.p10)) return 1;
  return 0;
}

export interface RangeCheck {
  colour: RangeColour | null;
  reasons: string[];
}

/**
 * The colour of one minute of canary metrics (and the baseline's of the same minute, when one serves) against a stage's
 * predicted ranges. Null colour: no canary metric to compare.
 */
export function checkRanges(stage: StageRanges, canary: CohortMetrics | null, baseline: CohortMetrics | null): RangeCheck {
  if (!canary) return { colour: null, reasons: ['no canary metrics this minute'] };
  const v = metricValues(canary);
  const b = baseline ? metricValues(baseline) : {};
  const wide: string[] = [];
  const far: string[] = [];
  const red: string[] = [];
  const shared: string[] = [];
  let compared = 0;
  for (const m of WHATIF_METRICS) {
    const x = v[m];
    const h = stage.healthy[m];
    if (x === undefined || !Number.isFinite(x) || !h) continue;
    compared++;
    const l = level(m, x, h);
    if (l === 0) continue;
    // The baseline beyond its own healthy p90 on the same side: a disturbance of both cohorts, not the change's.
    const bx = b[m];
    const bh = stage.baseline?.[m];
    if (bx !== undefined && bh && level(m, bx, bh) > 0) {
      shared.push(`${m} ${fmt(m, x)} (the baseline too: ${fmt(m, bx)})`);
      continue;
    }
    const d = DIRECTION[m];
    const bound = l === 2 ? (d > 0 ? h.p99 : h.p1) : d > 0 ? h.p90 : h.p10;
    const what = `${m} ${fmt(m, x)} beyond the healthy ${l === 2 ? (d > 0 ? 'p99' : 'p1') : d > 0 ? 'p90' : 'p10'} ${fmt(m, bound)}`;
    if (l === 1) wide.push(what);
    else {
      far.push(what);
      // Red only where the stage's typical fault is itself beyond the healthy p99 (else a single error at a tiny canary
      // would do), and the minute is as bad as that typical fault.
      const f = stage.faulty[m];
      // "Itself beyond": at least as far beyond the healthy p99 as the p99 is from the healthy median.
      if (f && d * (f.p50 - bound) >= d * (bound - h.p50) && d * (f.p50 - bound) > 0 && d * x >= d * f.p50) red.push(`${what}, as bad as the faulty median ${fmt(m, f.p50)}`);
    }
  }
  if (compared === 0) return { colour: null, reasons: ['no metric with a predicted range this minute'] };
  if (red.length > 0) return { colour: 'red', reasons: red };
  if (far.length > 0 || wide.length >= 2) return { colour: 'yellow', reasons: [...far, ...wide] };
  if (shared.length > 0) return { colour: 'yellow', reasons: shared.map((x) => `shared disturbance: ${x}`) };
  return { colour: 'green', reasons: [`every metric inside the predicted healthy range of stage ${stage.stage + 1}`] };
}

interface Part {
  seconds: number;
  stage: number;
  canary: CohortMetrics | null;
  baseline: CohortMetrics | null;
}

/**
 * The overwhelming-evidence test of the learned policy (training/predictive-rollback/features.ts, p <= OVERWHELMING_P,
 * the canary at least twice the baseline's rate and at the burn threshold) on the rolling minute: null when it does not
 * fire, else its reason. Needs both cohorts.
 */
export function overwhelmingNow(canary: CohortMetrics | null, baseline: CohortMetrics | null, threshold: number): string | null {
  if (!canary || !baseline) return null;
  const t = canaryExcessLogP(sums(canary), sums(baseline), threshold);
  if (!(t.logP <= Math.log(OVERWHELMING_P))) return null;
  return `overwhelming evidence: the canary's ${t.metric} against the baseline's rate, p = ${Math.exp(t.logP).toExponential(1)}`;
}

const sums = (m: CohortMetrics): Sums => ({ req: m.requests, bad: m.errors + m.slow, err: m.errors, conv: m.conversions, callerReq: m.callerRequests, callerErr: m.callerErrors });

/** Sum of cohort metrics over steps (null steps skipped); null when none has metrics. */
export function combine(xs: readonly (CohortMetrics | null)[]): CohortMetrics | null {
  const got = xs.filter((x): x is CohortMetrics => x !== null);
  if (got.length === 0) return null;
  if (got.length === 1) return got[0];
  const out: CohortMetrics = { requests: 0, errors: 0, slow: 0, latencyP50: null, latencyP95: null, latencyP99: null, cpu: 0, memory: 0, pool: 0, conversions: 0, callerRequests: 0, callerErrors: 0 };
  const lat = { latencyP50: [0, 0], latencyP95: [0, 0], latencyP99: [0, 0] } as Record<'latencyP50' | 'latencyP95' | 'latencyP99', [number, number]>;
  for (const x of got) {
    out.requests += x.requests;
    out.errors += x.errors;
    out.slow += x.slow;
    out.conversions += x.conversions;
    out.callerRequests += x.callerRequests;
    out.callerErrors += x.callerErrors;
    for (const k of ['latencyP50', 'latencyP95', 'latencyP99'] as const) {
      const p = x[k];
      if (p !== null && p > 0 && x.requests > 0) {
        lat[k][0] += Math.log(p) * x.requests;
        lat[k][1] += x.requests;
      }
    }
  }
  for (const k of ['latencyP50', 'latencyP95', 'latencyP99'] as const) out[k] = lat[k][1] > 0 ? Math.exp(lat[k][0] / lat[k][1]) : null;
  // Saturation is a level, not a count: the latest step's.
  const last = got[got.length - 1];
  out.cpu = last.cpu;
  out.memory = last.memory;
  out.pool = last.pool;
  return out;
}

/**
 * The last minute of observations at the current stage, from steps of any length: what the ranges (made of minute
 * observations) are compared with. A stage change starts it afresh.
 */
export class RollingMinute {
  private parts: Part[] = [];

  push(obs: Observation): void {
    const seconds = obs.tickSeconds ?? 60;
    if (this.parts.length > 0 && this.parts[this.parts.length - 1].stage !== obs.stage) this.parts = [];
    this.parts.push({ seconds, stage: obs.stage, canary: obs.canary, baseline: obs.weight < 1 ? obs.baseline : null });
    let total = this.parts.reduce((a, p) => a + p.seconds, 0);
    while (this.parts.length > 1 && total - this.parts[0].seconds >= 60) total -= this.parts.shift()!.seconds;
  }

  /** Seconds it covers (at most a minute, or a minute plus the steps after a whole one) (at most a minute, or a minute plus the steps after a whole one). */
  get seconds(): number {
    return this.parts.reduce((a, p) => a + p.seconds, 0);
  }

  get canary(): CohortMetrics | null {
    return combine(this.parts.map((p) => p.canary));
  }

  get baseline(): CohortMetrics | null {
    return combine(this.parts.map((p) => p.baseline));
  }
}

/** The minute a run of steps shorter than a minute makes, as one observation of that minute (the predictor reads minutes). */
export class MinuteAssembler {
  private steps: Observation[] = [];

  /** Add a step; returns the minute's observation when the step completes a minute, else null. */
  push(obs: Observation): Observation | null {
    this.steps.push(obs);
    if (!Number.isInteger(obs.age) && obs.phase !== 'rolled_back' && obs.phase !== 'done' && obs.phase !== 'truncated') return null;
    const steps = this.steps;
    this.steps = [];
    if (steps.length === 1 && steps[0].tickSeconds === undefined) return steps[0];
    const minute: Observation = { ...obs, canary: combine(steps.map((s) => s.canary)), baseline: combine(steps.map((s) => s.baseline)) };
    // The minute's weight and exposure: the last step's (a stage change inside a minute is rare: only after a yellow hold ends).
    delete minute.tickSeconds;
    // The canary by unit (progressive strategies), unit by unit, when every step has it.
    if (steps.every((s) => s.canaryUnits)) minute.canaryUnits = obs.canaryUnits!.map((_, u) => combine(steps.map((s) => s.canaryUnits![u])));
    else delete minute.canaryUnits;
    minute.providerError = steps.every((s) => s.providerError);
    return minute;
  }
}
