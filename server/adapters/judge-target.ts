// What the Argo and Flagger adapters share (server/adapters/argo.ts, flagger.ts): their calls carry no metric values,
// so the canary's last minutes are read from the configured MetricsSource (server/metrics-source.ts) and judged.
// When the source is down or has nothing, or the judge model is not loaded, the verdict is "inconclusive" and never
// "pass", and its reasons say why.
import type { AnalysisWindow } from '../../judges/window-judges.ts';
import { BadInput, ModelUnavailable, verdictFor } from '../decide.ts';
import { isUnavailable, type MetricsSource, type MetricsTarget, type MetricsWindow } from '../metrics-source.ts';
import type { ModelStore } from '../models.ts';
import type { JudgeNameT } from '../routes/canary-schemas.ts';

/** A query-string whole number (the schema checks its digits) within [1, max], else a 400 naming it. */
export function queryInt(v: string | undefined, field: string, max: number, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!(n >= 1 && n <= max)) throw new BadInput(field, `must be between 1 and ${max} (got ${v})`);
  return n;
}

/** Minutes judged when the call names none. */
export const DEFAULT_WINDOW_MIN = 5;

/** Where a target's window is read and with which models it is judged. */
export interface JudgeTargetOptions {
  store: ModelStore;
  source: MetricsSource;
}

export interface WindowVerdict {
  verdict: 'pass' | 'fail' | 'inconclusive';
  pFail: number | null;
  reasons: string[];
  judge: JudgeNameT;
  modelVersion: string | null;
  metricsAvailable: boolean;
  window: MetricsWindow | null;
}

const analysisWindow = (w: MetricsWindow): AnalysisWindow => ({ canary: w.canary, baseline: w.baseline, recorded: { kpi: w.kpi } });

/** Reads the target's window and judges it; an unavailable source or judge model is an inconclusive verdict that says why. */
export async function judgeTarget(o: JudgeTargetOptions, target: MetricsTarget, minutes: number, judge: JudgeNameT): Promise<WindowVerdict> {
  const r = await o.source.window(target, minutes);
  if (isUnavailable(r)) return { verdict: 'inconclusive', pFail: null, reasons: [`metrics unavailable: ${r.unavailable}`], judge, modelVersion: null, metricsAvailable: false, window: null };
  try {
    const v = verdictFor(analysisWindow(r), judge, o.store.snapshot.judge);
    return { verdict: v.verdict, pFail: v.pFail ?? null, reasons: [...v.reasons, ...(r.notes ?? [])], judge, modelVersion: v.modelVersion, metricsAvailable: true, window: r };
  } catch (e) {
    if (e instanceof ModelUnavailable) return { verdict: 'inconclusive', pFail: null, reasons: [e.message], judge, modelVersion: null, metricsAvailable: true, window: r };
    throw e;
  }
}
