// The predictive-rollback model: a small two-output network over the trajectory features (training/predictive-rollback/
// features.ts, training/mlp.ts) and the decision thresholds chosen for it.
//
// - `fault`: probability that a material fault is active in the canary now (the judge of the whole trajectory);
// - `breach`: probability that the rollout breaches the SLO later if it carries on (the unguarded run does);
// - `when`: the projected minute of the breach — the first upcoming stage at which the canary's conservative bad
//   ratio, at that stage's exposure, crosses the burn threshold (null when no stage does).
//
// A policy rolls back at the first tick where pFault >= thresholds.fault or pBreach >= thresholds.breach, or where the
// last minute alone is overwhelming evidence (features.ts `canaryExcessLogP`: ln p <= thresholds.overwhelmingLogP),
// or where the canary's conversions since it started fall materially short of the baseline's rate (features.ts
// `Trajectory.kpiShortfall`: z <= -thresholds.kpiShortfallZ, drop >= 5 %),
// and holds the current exposure (instead of advancing) while pFault >= thresholds.hold — or while the model's
// probabilities are not numbers in [0, 1] (`invalid`: a corrupted model; then only the two rules can roll back). Scoring needs no tensor engine (the
// weights are plain numbers), so the model runs in backtest worker threads and servers.
import { MlpModel, type MlpJSON } from '../mlp.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { notProbabilities } from '../../lib/scores.ts';
import type { Observation } from '../../sim/env.ts';
import type { Plan } from '../../sim/strategy.ts';
import { TRAJECTORY_FEATURES, OVERWHELMING_WINDOW_MIN, KPI_MIN_DROP, type Trajectory } from './features.ts';

/** Format 3: thresholds carry `overwhelmingLogP` (the first-minute overwhelming-evidence rule); format 2 had none. */
export const ROLLBACK_FORMAT = 'rolloutlab-rollback-3';

export interface RollbackPredictorJSON {
  format: typeof ROLLBACK_FORMAT;
  features: string[];
  /** One network, two outputs: `fault` (a material fault is active in the canary now), `breach` (the SLO breaks ahead). */
  mlp: MlpJSON;
  /**
   * `overwhelmingLogP`: roll back at once when the overwhelming-evidence test's ln p-value is at most this.
   * `kpiShortfallZ` (optional; absent in models trained before it = off): roll back when the canary's conversions since
   * it started fall short of the baseline's rate by a two-sample z of at least this and by at least 5 % relative.
   */
  thresholds: { fault: number; breach: number; hold: number; overwhelmingLogP: number; kpiShortfallZ?: number };
}

export interface RollbackPrediction {
  rollback: boolean;
  /** Evidence is building but not yet decisive (or the model's output is unusable): hold the current exposure instead of advancing. */
  hold: boolean;
  /** Why the model's probabilities cannot be used (not finite, outside [0, 1]), else null: then only the rules can roll back, and the rollout holds. */
  invalid: string | null;
  pFault: number;
  pBreach: number;
  /** The overwhelming-evidence rule fired (the canary's metric and the test's p-value), else null. */
  overwhelming: { metric: string; p: number } | null;
  /** The conversion-shortfall rule fired (the relative drop and its z), else null. */
  kpiShortfall: { drop: number; z: number } | null;
  /** Minutes from now to the projected breach if the rollout carries on (null: none projected). */
  breachInMin: number | null;
  reasons: string[];
}

/** Features grouped by the evidence they carry (the unit of the reasons). */
export const REASON_GROUPS: Record<string, string[]> = {
  'bad requests (errors + slow) vs baseline': ['zBad1', 'zBad5', 'zBad10', 'zBadAll', 'logBadRatio5', 'logBadRatioAll', 'cusumBad', 'cusumBadBig'],
  'errors vs baseline': ['zErr5', 'zErrAll', 'cusumErr'],
  'latency vs baseline': ['latP50LogRatio1', 'latP50LogRatio5', 'latP99LogRatio5'],
  'conversions vs baseline': ['zKpiAll', 'zKpi10', 'cusumKpi'],
  "callers' errors vs baseline": ['zCaller1', 'zCallerAll', 'zCaller5', 'cusumCaller'],
  'memory / pool / cpu vs baseline': ['memoryDiff5', 'memorySlope10', 'poolDiff5', 'cpuDiff5'],
  'projected burn at the next stages': ['projectedNextBurn', 'projectedFullBurn'],
  'traffic and data': ['canaryRequests5', 'canaryRequestsAll', 'dataShare10'],
  'exposure and phase': ['weight', 'nextWeight', 'baking'],
  'baseline itself degraded': ['baselineSurge5'],
  'anomaly detector on the new version': ['detector5', 'detectorMax'],
};

export class RollbackPredictor {
  private readonly mlp: MlpModel;

  constructor(readonly json: RollbackPredictorJSON) {
    if (!json || json.format !== ROLLBACK_FORMAT) throw new RolloutlabError('BAD_DATA', `rollback model.format: expected ${JSON.stringify(ROLLBACK_FORMAT)}, got ${JSON.stringify((json as { format?: unknown })?.format)} — retrain`, 'format');
    const want = TRAJECTORY_FEATURES.join(',');
    if (json.features.join(',') !== want) throw new RolloutlabError('BAD_DATA', `rollback model.features: trained on [${json.features.join(', ')}], this code computes [${want}] — retrain`, 'features');
    this.mlp = new MlpModel(json.mlp);
  }

  get thresholds(): RollbackPredictorJSON['thresholds'] {
    return this.json.thresholds;
  }

  /** Probabilities for many rows at once: `x` row-major in TRAJECTORY_FEATURES order. */
  scoreMany(x: Float64Array, n: number): { pFault: Float64Array; pBreach: Float64Array } {
    const [pFault, pBreach] = this.mlp.predict(x, n);
    return { pFault, pBreach };
  }

  /**
   * Decide on one tick from its feature vector. `thresholds` (default: the model's own) are the fault / breach / hold
   * levels of this rollout: a per-change plan may lower them (policies/thresholds.ts); the two rules keep the model's.
   */
  decide(f: Float64Array, tr?: Trajectory, obs?: Observation, thresholds?: Pick<RollbackPredictorJSON['thresholds'], 'fault' | 'breach' | 'hold'>): RollbackPrediction {
    const [pFault, pBreach] = this.mlp.predictRow(f);
    const th = thresholds ? { ...this.json.thresholds, fault: thresholds.fault, breach: thresholds.breach, hold: thresholds.hold } : this.json.thresholds;
    // The overwhelming-evidence rule (needs the trajectory): the last minute alone already settles it.
    const ov = tr ? tr.overwhelming() : null;
    const overwhelming = ov && ov.logP <= th.overwhelmingLogP ? { metric: ov.metric, p: Math.exp(ov.logP) } : null;
    // The conversion-shortfall rule (needs the trajectory): a material KPI drop that the conversions since the start settle.
    const ks = tr && th.kpiShortfallZ !== undefined ? tr.kpiShortfall() : null;
    const kpiShortfall = ks && ks.z <= -th.kpiShortfallZ! && ks.drop >= KPI_MIN_DROP ? ks : null;
    // Unusable probabilities decide nothing by themselves (NaN >= t is false, which would read as healthy): hold.
    const invalid = notProbabilities({ 'P(material fault)': pFault, 'P(breach ahead)': pBreach });
    const byModel = invalid === null && (pFault >= th.fault || pBreach >= th.breach);
    const rollback = byModel || overwhelming !== null || kpiShortfall !== null;
    const reasons: string[] = [];
    if (invalid) reasons.push(invalid);
    if (overwhelming) reasons.push(`overwhelming evidence: the canary's ${overwhelming.metric} in the last ${OVERWHELMING_WINDOW_MIN === 1 ? 'minute' : `${OVERWHELMING_WINDOW_MIN} minutes`} against the baseline's rate, p = ${overwhelming.p.toExponential(1)}`);
    if (kpiShortfall) reasons.push(`conversions since the canary started ${(100 * kpiShortfall.drop).toFixed(1)} % below the baseline's rate (z = ${kpiShortfall.z.toFixed(1)})`);
    if (byModel) {
      const o = pFault >= th.fault ? 0 : 1;
      for (const r of this.mlp.reasons(f, o, REASON_GROUPS).slice(0, 3)) if (r.contribution > 0.05) reasons.push(`${r.feature} (+${r.contribution.toFixed(1)} logit)`);
    }
    return { rollback, hold: !rollback && (invalid !== null || pFault >= th.hold), invalid, pFault, pBreach, overwhelming, kpiShortfall, breachInMin: tr && obs ? projectBreach(tr.plan, obs, f) : null, reasons };
  }
}

/**
 * Minutes until the projected breach if the rollout keeps to its schedule: the first stage (the current one
 * included) whose exposure times the canary's conservative bad ratio, plus the baseline's share, reaches the burn
 * threshold. Uses the features' `projectedFullBurn` (bad ratio at full exposure / threshold).
 */
export function projectBreach(plan: Plan, obs: Observation, f: Float64Array): number | null {
  const full = f[TRAJECTORY_FEATURES.indexOf('projectedFullBurn')];
  if (!(full >= 1)) return null;
  let minutes = 0;
  const from = obs.phase === 'progressing' ? obs.stage : plan.stages.length - 1;
  for (let k = from; k < plan.stages.length; k++) {
    const st = plan.stages[k];
    let w = 0;
    for (let u = 0; u < st.exposure.length; u++) w += st.exposure[u] * plan.unitShares[u];
    // Service bad ratio at exposure w ≈ w * canary ratio (the baseline's share is small next to a breach).
    if (w * full >= 1) return minutes;
    minutes += k === from ? Math.max(0, st.dwellMinutes - obs.timeAtStage) : st.dwellMinutes;
  }
  return null;
}
