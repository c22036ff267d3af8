// The evidence a canary window must hold before any judge may pass it — one rule for the window judges
// (judges/window-judges.ts), the learned judge as the server serves it and the server's routes (server/decide.ts).
//
// A judge compares what it measured with what it expected; when most of the window was never measured, a "pass"
// describes the few minutes that were, not the window the deploy system asked about. So:
//
// - A minute is *usable* for a judge when, that minute, the metrics backend did not err, the canary has a sample with a
//   finite request and error count and, if it served requests, a finite value for every latency the judge reads (p99,
//   p50) and the source records; for judges that compare against the baseline (kayenta and the learned judge), the
//   baseline's sample must meet the same conditions. A minute without requests was observed: nothing was served. Too
//   little traffic is each judge's own call (the learned judge is inconclusive below a few canary requests, Flagger
//   fails a check without traffic, Argo's measurement is inconclusive, Kayenta's critical error ratio has no data).
// - A window of n minutes has *sufficient evidence* when at least `minEvidenceMinutes(n)` of its minutes are usable:
//   more than half of them (observed minutes outnumber the missing ones, so what was not seen cannot outweigh what
//   was), and never fewer than MIN_EVIDENCE_MINUTES unless the window itself is shorter (then every minute).
//
// Without sufficient evidence a judge never passes: the server answers inconclusive before any judge runs (to Argo a
// pause, to Flagger a non-2xx answer) with these reasons; the window judges keep a fail (their own rules for missing
// data, such as Flagger's failed check without values, stand) and turn a pass into inconclusive (`capPass`).
// docs/server.md documents the rule and the figures behind it.
import type { CohortMetrics } from '../sim/env.ts';
import type { AnalysisWindow } from './analysis-window.ts';

/** The fewest usable minutes a window of at least this length needs (shorter windows need every minute). */
export const MIN_EVIDENCE_MINUTES = 3;

/** Usable minutes a window of `n` minutes needs before a judge may pass it. */
export function minEvidenceMinutes(n: number): number {
  if (n <= 0) return 1;
  return Math.min(n, Math.max(MIN_EVIDENCE_MINUTES, Math.floor(n / 2) + 1));
}

export type LatencyMetric = 'latencyP50' | 'latencyP99';

/** What one judge reads from each minute. */
export interface EvidenceNeeds {
  /** The judge compares the canary with the baseline (the baseline's minutes must be usable too). */
  baseline: boolean;
  /** Latency values the judge reads (each must be finite in a usable minute). */
  latency: LatencyMetric[];
}

const LATENCY_NAME: Record<LatencyMetric, string> = { latencyP50: 'p50 latency', latencyP99: 'p99 latency' };

/** The metrics a named judge needs from a window (unrecorded latencies are left out, as the judges leave them out). */
export function judgeNeeds(judge: string, w: Pick<AnalysisWindow, 'recorded'>): EvidenceNeeds {
  const p99 = w.recorded?.latencyP99 !== false;
  const p50 = w.recorded?.latencyP50 !== false;
  if (judge === 'argo' || judge === 'flagger') return { baseline: false, latency: p99 ? ['latencyP99'] : [] };
  // kayenta and the learned judge compare both cohorts on errors, p99 and p50.
  const latency: LatencyMetric[] = [];
  if (p99) latency.push('latencyP99');
  if (p50) latency.push('latencyP50');
  return { baseline: true, latency };
}

export interface Evidence {
  sufficient: boolean;
  /** Minutes in the window. */
  minutes: number;
  /** Usable minutes (see the header). */
  usable: number;
  /** Usable minutes needed (minEvidenceMinutes). */
  needed: number;
  /** Why the window falls short (empty when sufficient). */
  reasons: string[];
}

/** Why one cohort's minute is not usable, or null. A minute without requests was observed (nothing was served). */
function gap(m: CohortMetrics | null, latency: readonly LatencyMetric[]): string | null {
  if (m === null) return 'no sample';
  if (!Number.isFinite(m.requests) || !Number.isFinite(m.errors)) return 'no request or error count';
  if (m.requests <= 0) return null;
  for (const l of latency) {
    const v = m[l];
    if (v === null || !Number.isFinite(v)) return `no ${LATENCY_NAME[l]}`;
  }
  return null;
}

/** Whether the window holds sufficient evidence for a judge with these needs, and if not, why (counted per cause). */
export function windowEvidence(w: AnalysisWindow, needs: EvidenceNeeds): Evidence {
  const n = w.canary.length;
  const needed = minEvidenceMinutes(n);
  let usable = 0;
  // Causes in the order first met (made only when a minute is not usable).
  let causes: Map<string, number> | null = null;
  for (let i = 0; i < n; i++) {
    if (w.providerError?.[i]) {
      causes = countCause(causes, 'metrics provider error');
      continue;
    }
    const c = gap(w.canary[i], needs.latency);
    const b = needs.baseline ? gap(w.baseline[i] ?? null, needs.latency) : null;
    if (c) causes = countCause(causes, `canary: ${c}`);
    if (b) causes = countCause(causes, `baseline: ${b}`);
    if (!c && !b) usable++;
  }
  // Counts a judge adds up over the window must add up to finite totals: per-minute values near the largest double
  // (1e308) are each finite, but their sum is not, and every ratio built from it is NaN.
  const overflow = overflowingSums(w, needs.baseline);
  if (usable >= needed && overflow.length === 0) return { sufficient: true, minutes: n, usable, needed, reasons: [] };
  if (overflow.length > 0) {
    return { sufficient: false, minutes: n, usable, needed, reasons: [`insufficient evidence: the window's ${overflow.join(', ')} do not add up to a finite total (values beyond any real traffic)`] };
  }
  const lat = needs.latency.map((l) => LATENCY_NAME[l]).join(' and ');
  const cohorts = needs.baseline ? 'the canary and the baseline' : 'the canary';
  const head = `insufficient evidence: ${usable} of ${n} minute(s) usable, at least ${needed} needed (a usable minute has a sample of ${cohorts} with request and error counts${lat ? ` and, when it served requests, ${lat}` : ''})`;
  return { sufficient: false, minutes: n, usable, needed, reasons: [head, ...[...(causes ?? [])].map(([why, k]) => `${why} in ${k} minute(s)`)] };
}

function countCause(causes: Map<string, number> | null, why: string): Map<string, number> {
  const m = causes ?? new Map<string, number>();
  m.set(why, (m.get(why) ?? 0) + 1);
  return m;
}

const SUMMED = ['requests', 'errors', 'slow', 'conversions', 'callerRequests', 'callerErrors'] as const;

/** The counts whose sum over the window is not finite, named by cohort ("canary requests"…). */
function overflowingSums(w: AnalysisWindow, baseline: boolean): string[] {
  const out: string[] = [];
  const cohorts: ['canary' | 'baseline', (CohortMetrics | null)[]][] = baseline ? [['canary', w.canary], ['baseline', w.baseline]] : [['canary', w.canary]];
  for (const [name, minutes] of cohorts) {
    for (const k of SUMMED) {
      let sum = 0;
      // NaN is a metric the source does not record (each judge leaves it out); an infinity or a sum past the largest
      // double is a count no traffic has.
      for (const m of minutes) {
        const v = m?.[k];
        if (v !== undefined && v !== null && !Number.isNaN(v)) sum += v;
      }
      if (!Number.isFinite(sum)) out.push(`${name} ${k}`);
    }
  }
  return out;
}

/** The evidence for the named judge (judgeNeeds + windowEvidence). */
export function evidenceFor(judge: string, w: AnalysisWindow): Evidence {
  return windowEvidence(w, judgeNeeds(judge, w));
}

/**
 * A judgement capped by the evidence: a pass on a window without sufficient evidence becomes inconclusive, with the
 * shortfall first in the reasons; any other verdict stands. What the window judges (and any judge scored like them)
 * answer.
 */
export function capPass<T extends { verdict: 'pass' | 'fail' | 'inconclusive'; reasons: string[] }>(judge: string, w: AnalysisWindow, j: T): T {
  if (j.verdict !== 'pass') return j;
  const e = evidenceFor(judge, w);
  return e.sufficient ? j : { ...j, verdict: 'inconclusive', reasons: [...e.reasons, ...j.reasons] };
}
