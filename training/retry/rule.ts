// The learned retry rule, in one place: whether to retry a failed step, after how long and with which remediation,
// from the retry model's answers. The `ml` retry policy (policies/retry/ml.ts) serves it with its reasons; training
// replays it on the validation world to choose the threshold (training/retry/train.ts), so the threshold is chosen
// for the rule that is served.
import type { FailedStep } from '../../datasets/failed-step.ts';
import type { Remediation } from '../../sim/ci/types.ts';
import type { RetryModel } from './model.ts';
import type { SparseVector } from './features.ts';

/** The caps of the learned policy and of the replays: retries per failed step, the longest single wait, the minutes all retries of a step may add. */
export const RETRY_LIMITS = { maxRetries: 3, maxDelaySeconds: 1800, maxAddedMinutes: 120 } as const;

/** Failure kinds that are a quality gate's verdict: never retried. */
export const QUALITY_GATE_KINDS: ReadonlySet<string> = new Set(['lint-gate']);

export interface RetryRuleOptions {
  /** Retry while P(a retry succeeds) is at least this (default: the model's own, chosen on validation data). */
  threshold: number;
  /** Retries allowed per step (attempt 1 is the first run). */
  maxRetries: number;
  /** Longest wait before one retry, seconds. */
  maxDelaySeconds: number;
}

export interface RuleAnswer {
  retry: boolean;
  /** Why not, when it does not retry: the probability is below the threshold, not a probability, or the retries are spent. */
  stop: 'below-threshold' | 'not-a-probability' | 'quality-gate' | 'retries-spent' | null;
  p: number;
  kind: string;
  category: string;
  pKind: number;
  delaySeconds: number;
  remediation: Remediation | null;
}

/** Default waits by category, seconds before retry `attempt` (1 = the first retry), for kinds the model learned none for. */
export function categoryDelaySeconds(category: string, attempt: number, jitter: number): number {
  const backoff = (base: number) => base * 2 ** (attempt - 1);
  switch (category) {
    case 'network':
      return backoff(15);
    case 'dependency':
      return backoff(60);
    case 'lock':
      return Math.round(30 + 60 * jitter) * attempt;
    case 'service':
      return backoff(10);
    case 'infra':
      return 0;
    default:
      return backoff(5);
  }
}

/** The rule's answer for a failed step; `jitter` in [0, 1) spreads lock waits; `features`: the step's, when the caller has them. */
export function retryRule(model: RetryModel, step: FailedStep, o: RetryRuleOptions, jitter: number, features?: SparseVector): RuleAnswer {
  const s = model.score(step, features);
  const base = { p: s.pRetry, kind: s.kind, category: s.category, pKind: s.pCategory, delaySeconds: 0, remediation: null };
  if (!Number.isFinite(s.pRetry) || s.pRetry < 0 || s.pRetry > 1) return { ...base, retry: false, stop: 'not-a-probability' };
  // A quality gate (lint, format, coverage) that failed is never retried into passing, whatever the probability.
  if (QUALITY_GATE_KINDS.has(s.kind)) return { ...base, retry: false, stop: 'quality-gate' };
  if (s.pRetry < o.threshold) return { ...base, retry: false, stop: 'below-threshold' };
  if (step.attempt > o.maxRetries) return { ...base, retry: false, stop: 'retries-spent' };
  // The kind's learned backoff when the model has one, else the category's default.
  const learned = model.waitFor(s.kind);
  const delay = learned === undefined ? categoryDelaySeconds(s.category, step.attempt, jitter) : learned * 2 ** (step.attempt - 1);
  return { ...base, retry: true, stop: null, delaySeconds: Math.min(o.maxDelaySeconds, delay), remediation: s.remediation };
}
