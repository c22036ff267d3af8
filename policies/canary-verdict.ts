// The canary verdict served for one analysis window: a decision of the core, like the rollout policies. Too little
// evidence (judges/evidence.ts) answers inconclusive before any judge runs, never a pass; otherwise the window judge
// the backtester's replay scores answers (kayenta: judges/window-judges.ts; ml: the learned judge champion), and a
// P(fail) that is no probability gives no verdict.
import { kayentaWindowJudge, type AnalysisWindow } from '../judges/window-judges.ts';
import { evidenceFor } from '../judges/evidence.ts';
import { notProbabilities } from '../lib/scores.ts';
import type { JudgeModel } from '../training/judge/model.ts';
import type { Versioned } from './index.ts';

export type CanaryJudgeName = 'kayenta' | 'ml';

export interface CanaryVerdict {
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** Kayenta's summary score 0-100 (kayenta). */
  score?: number;
  /** Calibrated P(material fault) (ml). */
  pFail?: number;
  reasons: string[];
  judge: CanaryJudgeName;
  /** The judge champion's version (ml), else null. */
  modelVersion: string | null;
}

/**
 * The verdict of one window with the chosen judge; null when the learned judge is asked for, the evidence suffices and
 * no judge model is given (the caller says how to get one). With `reasons: false` only the decision line is kept.
 */
export function canaryVerdict(w: AnalysisWindow, judge: CanaryJudgeName, model: Versioned<JudgeModel> | null, opts: { reasons?: boolean } = {}): CanaryVerdict | null {
  const evidence = evidenceFor(judge, w);
  if (!evidence.sufficient) return { verdict: 'inconclusive', reasons: opts.reasons === false ? evidence.reasons.slice(0, 1) : evidence.reasons, judge, modelVersion: judge === 'ml' ? (model?.version ?? null) : null };
  const withReasons = opts.reasons ?? true;
  if (judge === 'kayenta') {
    const j = kayentaWindowJudge().judge(w);
    return { verdict: j.verdict, ...(j.score !== undefined && Number.isFinite(j.score) ? { score: j.score } : {}), reasons: withReasons ? j.reasons : j.reasons.slice(0, 1), judge, modelVersion: null };
  }
  if (!model) return null;
  const j = model.model.judge(w, { reasons: withReasons });
  // Whatever the model said, a P(fail) that is no probability gives no verdict.
  const broken = notProbabilities({ 'P(fail)': j.pFail });
  if (broken) return { verdict: 'inconclusive', reasons: [`inconclusive: ${broken}`], judge, modelVersion: model.version };
  return { verdict: j.verdict, pFail: j.pFail, reasons: j.reasons, judge, modelVersion: model.version };
}
