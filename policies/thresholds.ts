// Per-change rollback thresholds: the `ml` policy's P(material fault), P(breach ahead) and hold thresholds for one
// rollout. The rollback champion carries its own (training/predictive-rollback/model.ts `thresholds`); a rollout plan
// may give lower ones for a risky change, so that the policy rolls back (and holds) on less evidence. They are caps:
// each threshold the policy uses is the lower of the champion's and the plan's, so a plan can only make the policy
// more sensitive, never less, whatever it says. The backtester hands them to the policy in its context
// (PolicyContext.thresholds) and so does the server (the `thresholds` of POST /v1/rollout/decision): one code path.
import { RolloutlabError } from '../lib/errors.ts';

/** The thresholds a per-change plan may lower (the two exact-test rules keep the champion's fixed levels). */
export interface RollbackThresholds {
  /** Roll back when P(material fault) is at least this. */
  fault: number;
  /** Roll back when P(breach ahead) is at least this. */
  breach: number;
  /** Hold instead of advancing when P(material fault) is at least this. */
  hold: number;
}

/** Caps on a rollout's thresholds; an absent one is the champion's. */
export type ThresholdCaps = Partial<RollbackThresholds>;

export const THRESHOLD_KEYS = ['fault', 'breach', 'hold'] as const;

/** The thresholds a rollout runs with: each the lower of the champion's and the cap (none: the champion's). */
export function effectiveThresholds<T extends RollbackThresholds>(champion: T, caps?: ThresholdCaps | null): T {
  if (!caps) return champion;
  const out = { ...champion };
  for (const k of THRESHOLD_KEYS) {
    const c = caps[k];
    if (c !== undefined) out[k] = Math.min(champion[k], c);
  }
  return out;
}

/**
 * Checks caps from outside (a request, a file): each given one a number in (0, 1]. Throws BAD_ARGUMENT naming
 * `<field>.<key>` for anything else; an unknown key is refused too, naming it. A threshold of 0 would roll back
 * every rollout at its first minute; a value that is not a number must never read as "no cap".
 */
export function checkThresholdCaps(x: unknown, field: string): ThresholdCaps {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) throw new RolloutlabError('BAD_ARGUMENT', `${field}: must be an object {fault?, breach?, hold?} (got ${JSON.stringify(x)})`, field);
  const out: ThresholdCaps = {};
  for (const [k, v] of Object.entries(x as Record<string, unknown>)) {
    if (!(THRESHOLD_KEYS as readonly string[]).includes(k)) throw new RolloutlabError('BAD_ARGUMENT', `${field}.${k}: not a threshold (fault, breach or hold)`, `${field}.${k}`);
    if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 1) throw new RolloutlabError('BAD_ARGUMENT', `${field}.${k}: must be a probability in (0, 1] (got ${JSON.stringify(v)})`, `${field}.${k}`);
    out[k as keyof RollbackThresholds] = v;
  }
  return out;
}
