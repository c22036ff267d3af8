// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//                        ▲ statistical judgement of one canary window (Kayenta, Argo, Flagger semantics)
//
// Judging ONE canary analysis window: canary vs baseline per-tick metrics over one interval, the unit that canary
// verdict accuracy scores (docs/definitions.md). A window judge answers pass, fail or inconclusive (inconclusive counts as wrong
// for accuracy; its rate is reported beside it).
//
// The three baseline judges apply the rollout policies' semantics (policies/{kayenta,argo,flagger}.ts, with
// the same documented defaults) to a single window. The per-window code both use lives here in judges/ (argo.ts,
// flagger.ts, kayenta-metrics.ts, cohort-history.ts), below the backtester that imports it:
//
// - `kayenta`: Kayenta's statistical judge (judges/kayenta.ts) on the policy's metric set (`kayentaMetrics`: error
//   ratio critical, p99 and p50 latency, conversion rate) over all ticks of the window. Pass → pass, Fail → fail,
//   Marginal → inconclusive. (Spinnaker fails a Marginal *final* interval and lets an earlier one continue; a lone
//   window has no such position, so Marginal is the judge being unsure.) Provider-error ticks are missing values.
// - `argo`: one AnalysisRun over the window. Each tick (interval 1) a measurement of the canary over the trailing
//   lookback (5 ticks) *within the window*: success rate and p99 latency with fixed conditions. The run stops at the
//   first terminal outcome: Failed measurements > failureLimit (0) → fail (abort); Inconclusive > inconclusiveLimit (0)
//   → inconclusive (the rollout pauses); errored measurements > consecutiveErrorLimit (4) in a row → fail (Argo's
//   Error aborts). A provider-error tick counts floor(tickSeconds / errorRetrySeconds) errored attempts (at least
//   one): with one-minute ticks, 6 — so one minute of backend outage aborts, as in the policy. No data →
//   Inconclusive measurement. Otherwise pass.
// - `flagger`: a check every tick (interval 1) on the canary's last tick: request-success-rate >= 99 %, p99 <= the
//   latency objective. No values ("not receiving traffic") and provider errors are failed checks. Failed checks >=
//   threshold (5) within the window → fail, otherwise pass (the failed-check count is in the reasons). With the
//   default threshold a window shorter than 5 ticks cannot fail.
//
// Ticks are counted as the policies count minutes: the defaults assume one-minute ticks.
//
// Latency objective: Argo's and Flagger's latency conditions are fixed thresholds a team writes in, relative to the
// service's objective. Recorded data may not carry it; then the judges use 2 × the baseline's request-weighted p99
// over the window (FALLBACK_OBJECTIVE_FACTOR; the simulator's objectives sit near 1.5 × a healthy p99, and 2 leaves
// room for a canary's per-tick noise) and say so in the reasons. With neither, the latency condition is left out.
//
// `recorded` tells which optional metrics the source records at all; an unrecorded metric is left out of every judge's
// configuration (as a team leaves out a query it has no data for), instead of counting as "no data".
//
// Evidence: no judge passes a window without sufficient evidence (judges/evidence.ts: enough minutes with a sample, requests
// and every metric the judge reads). A judge's own fail stands; its pass on such a window becomes inconclusive, with
// the reasons of the shortfall first.
import type { CohortMetrics } from '../sim/env.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { CohortHistory } from './cohort-history.ts';
import { ARGO_DEFAULTS, argoMeasure, type ArgoConfig } from './argo.ts';
import { FLAGGER_DEFAULTS, flaggerCheck, type FlaggerConfig } from './flagger.ts';
import { KAYENTA_DEFAULTS, kayentaMetrics, type KayentaConfig } from './kayenta-metrics.ts';
import { judgeMetrics } from './kayenta.ts';
import { capPass } from './evidence.ts';
import type { AnalysisWindow } from './analysis-window.ts';

export type { AnalysisWindow } from './analysis-window.ts';


export type WindowVerdict = 'pass' | 'fail' | 'inconclusive';

export interface WindowJudgement {
  verdict: WindowVerdict;
  /** Kayenta's summary score (0-100); absent for judges without one. */
  score?: number;
  reasons: string[];
}

export interface WindowJudge {
  name: string;
  judge(w: AnalysisWindow): WindowJudgement;
}

/** Multiple of the baseline's window p99 used as the latency objective when none is known. */
export const FALLBACK_OBJECTIVE_FACTOR = 2;

const DEFAULT_TICK_SECONDS = 60;

function checkWindow(w: AnalysisWindow, judge: string): number {
  const n = w.canary.length;
  if (w.baseline.length !== n) throw new RolloutlabError('BAD_ARGUMENT', `${judge}: window has ${n} canary ticks but ${w.baseline.length} baseline ticks`, 'baseline');
  if (w.providerError && w.providerError.length !== n) throw new RolloutlabError('BAD_ARGUMENT', `${judge}: window has ${n} ticks but ${w.providerError.length} providerError flags`, 'providerError');
  if (w.latencyObjectiveMs !== undefined && !(Number.isFinite(w.latencyObjectiveMs) && w.latencyObjectiveMs > 0)) {
    throw new RolloutlabError('BAD_ARGUMENT', `${judge}: latencyObjectiveMs ${w.latencyObjectiveMs} is not a positive number`, 'latencyObjectiveMs');
  }
  if (w.tickSeconds !== undefined && !(Number.isFinite(w.tickSeconds) && w.tickSeconds > 0)) {
    throw new RolloutlabError('BAD_ARGUMENT', `${judge}: tickSeconds ${w.tickSeconds} is not a positive number`, 'tickSeconds');
  }
  return n;
}

/** The whole window as a CohortHistory (what the policies' helpers read). */
function historyOf(w: AnalysisWindow, upTo = w.canary.length): CohortHistory {
  const h = new CohortHistory();
  for (let i = 0; i < upTo; i++) pushTick(h, w, i);
  return h;
}

function pushTick(h: CohortHistory, w: AnalysisWindow, i: number): void {
  h.baseline.push(w.baseline[i]);
  h.canary.push(w.canary[i]);
  h.providerError.push(w.providerError?.[i] ?? false);
}

const recordsP99 = (w: AnalysisWindow) => w.recorded?.latencyP99 !== false;

/**
 * The latency objective a fixed-threshold judge uses for this window: the given one, else the fallback from the
 * baseline's p99 (with a note for the reasons), else null (latency condition left out).
 */
export function windowObjective(w: AnalysisWindow): { ms: number | null; note: string | null } {
  if (!recordsP99(w)) return { ms: null, note: 'p99 latency not recorded: latency condition left out' };
  if (w.latencyObjectiveMs !== undefined) return { ms: w.latencyObjectiveMs, note: null };
  const p99 = historyOf(w).trailing('baseline', w.canary.length).latencyP99;
  if (p99 === null) return { ms: null, note: "latency objective unknown and no baseline p99 in the window: latency condition left out" };
  const ms = FALLBACK_OBJECTIVE_FACTOR * p99;
  return { ms, note: `latency objective unknown: using ${FALLBACK_OBJECTIVE_FACTOR} × the baseline's p99 in the window (${p99.toFixed(1)} ms) = ${ms.toFixed(1)} ms` };
}

/** A pass on a window without sufficient evidence (judges/evidence.ts) becomes inconclusive; other verdicts stand. */

const tickName = (w: AnalysisWindow, i: number) => `tick ${(w.firstTick ?? 0) + i}`;

/** Kayenta's judge on the whole window. Pass → pass, Marginal → inconclusive, Fail → fail. */
export function kayentaWindowJudge(config: Partial<KayentaConfig> = {}): WindowJudge {
  const c = { ...KAYENTA_DEFAULTS, ...config };
  return {
    name: 'kayenta',
    judge(w) {
      const n = checkWindow(w, 'kayenta');
      const left = new Set<string>();
      if (w.recorded?.latencyP99 === false) left.add('latency-p99');
      if (w.recorded?.latencyP50 === false) left.add('latency-p50');
      if (w.recorded?.kpi === false) left.add('conversion-rate');
      const metrics = kayentaMetrics(historyOf(w), n).filter((m) => !left.has(m.name));
      const v = judgeMetrics(metrics, { pass: c.pass, marginal: c.marginal, tolerance: c.tolerance, confidence: c.confidence });
      const verdict: WindowVerdict = v.classification === 'Pass' ? 'pass' : v.classification === 'Fail' ? 'fail' : 'inconclusive';
      const reasons = [`score ${v.score.toFixed(0)} ${v.classification} (pass ${c.pass}, marginal ${c.marginal})${v.reason ? `: ${v.reason}` : ''}`];
      for (const m of v.metrics) if (m.classification !== 'Pass') reasons.push(`${m.name} ${m.classification}${m.critical ? ' (critical)' : ''}: ${m.reason}`);
      if (left.size > 0) reasons.push(`not recorded, left out: ${[...left].join(', ')}`);
      return capPass('kayenta', w, { verdict, score: v.score, reasons });
    },
  };
}

/** One Argo AnalysisRun over the window (see the header for the rules). */
export function argoWindowJudge(config: Partial<ArgoConfig> = {}): WindowJudge {
  const c = { ...ARGO_DEFAULTS, ...config };
  return {
    name: 'argo',
    judge(w) {
      const n = checkWindow(w, 'argo');
      const obj = windowObjective(w);
      const notes = obj.note ? [obj.note] : [];
      const errorsPerTick = Math.max(1, Math.floor((w.tickSeconds ?? DEFAULT_TICK_SECONDS) / c.errorRetrySeconds));
      const h = new CohortHistory();
      let failed = 0;
      let inconclusive = 0;
      let successful = 0;
      let consecutiveErrors = 0;
      let sinceMeasure = 0;
      for (let i = 0; i < n; i++) {
        pushTick(h, w, i);
        if (w.providerError?.[i]) {
          consecutiveErrors += errorsPerTick;
          if (consecutiveErrors > c.consecutiveErrorLimit) {
            return { verdict: 'fail', reasons: [`${tickName(w, i)}: ${consecutiveErrors} consecutive errored measurements > consecutiveErrorLimit ${c.consecutiveErrorLimit}: Error, rollout aborted`, ...notes] };
          }
          continue;
        }
        consecutiveErrors = 0;
        if (++sinceMeasure < c.intervalMinutes) continue;
        sinceMeasure = 0;
        const m = argoMeasure(h.trailing('canary', c.lookbackMinutes), c, obj.ms);
        if (m.result === 'Successful') successful++;
        if (m.result === 'Failed' && ++failed > c.failureLimit) {
          return { verdict: 'fail', reasons: [`${tickName(w, i)}: ${failed} failed measurement(s) > failureLimit ${c.failureLimit}: rollout aborted`, ...m.reasons, ...notes] };
        }
        if (m.result === 'Inconclusive' && ++inconclusive > c.inconclusiveLimit) {
          return { verdict: 'inconclusive', reasons: [`${tickName(w, i)}: ${inconclusive} inconclusive measurement(s) > inconclusiveLimit ${c.inconclusiveLimit}: rollout paused`, ...m.reasons, ...notes] };
        }
      }
      const measured = successful + failed + inconclusive;
      if (measured === 0) return { verdict: 'inconclusive', reasons: ['no measurement completed in the window', ...notes] };
      return capPass('argo', w, { verdict: 'pass', reasons: [`${measured} measurement(s): ${successful} successful, ${failed} failed, ${inconclusive} inconclusive`, ...notes] });
    },
  };
}

/** Flagger's checks every tick of the window (see the header for the rules). */
export function flaggerWindowJudge(config: Partial<FlaggerConfig> = {}): WindowJudge {
  const c = { ...FLAGGER_DEFAULTS, ...config };
  return {
    name: 'flagger',
    judge(w) {
      const n = checkWindow(w, 'flagger');
      const obj = windowObjective(w);
      const maxMs = obj.ms === null ? null : c.durationMax * obj.ms;
      const notes = obj.note ? [obj.note] : [];
      const h = new CohortHistory();
      const failures: string[] = [];
      let checks = 0;
      let sinceCheck = 0;
      for (let i = 0; i < n; i++) {
        pushTick(h, w, i);
        if (++sinceCheck < c.intervalMinutes) continue;
        sinceCheck = 0;
        checks++;
        const failure = w.providerError?.[i] ? 'metrics provider error' : flaggerCheck(h.trailing('canary', c.intervalMinutes), c, maxMs);
        if (failure === null) continue;
        failures.push(`${tickName(w, i)}: ${failure}`);
        if (failures.length >= c.threshold) {
          return { verdict: 'fail', reasons: [`${failures.length} failed checks >= threshold ${c.threshold}: rollback`, ...failures, ...notes] };
        }
      }
      if (checks === 0) return { verdict: 'inconclusive', reasons: ['no check ran in the window', ...notes] };
      return capPass('flagger', w, { verdict: 'pass', reasons: [`${checks} check(s), ${failures.length} failed < threshold ${c.threshold}`, ...failures, ...notes] });
    },
  };
}

const FACTORIES = new Map<string, () => WindowJudge>([
  ['kayenta', () => kayentaWindowJudge()],
  ['argo', () => argoWindowJudge()],
  ['flagger', () => flaggerWindowJudge()],
]);

/** Make another window judge available by name (learned judges); its passes are capped by the evidence rule too. */
export function registerWindowJudge(name: string, factory: () => WindowJudge): void {
  FACTORIES.set(name, () => {
    const j = factory();
    return { name: j.name, judge: (w) => capPass(name, w, j.judge(w)) };
  });
}

export const windowJudgeNames = (): string[] => [...FACTORIES.keys()];

/** Every registered window judge with its default settings, by name. */
export function windowJudges(): Map<string, WindowJudge> {
  return new Map([...FACTORIES].map(([name, f]) => [name, f()]));
}

/** Resolve judge names (an array or a comma-separated list); BAD_ARGUMENT naming an unknown or repeated one. */
export function resolveWindowJudges(names: string | readonly string[]): WindowJudge[] {
  const list = (typeof names === 'string' ? names.split(',') : [...names]).map((x) => x.trim()).filter(Boolean);
  if (list.length === 0) throw new RolloutlabError('BAD_ARGUMENT', 'judges: give at least one window judge', 'judges');
  const seen = new Set<string>();
  return list.map((n) => {
    const f = FACTORIES.get(n);
    if (!f) throw new RolloutlabError('BAD_ARGUMENT', `judges: unknown window judge ${JSON.stringify(n)} (known: ${windowJudgeNames().join(', ')})`, 'judges');
    if (seen.has(n)) throw new RolloutlabError('BAD_ARGUMENT', `judges: ${n} is listed twice`, 'judges');
    seen.add(n);
    return f();
  });
}
