// Training the retry family on simulated failure worlds: fit on the training worlds, calibrate and choose the retry
// threshold on a validation world — the lowest threshold whose retries on the validation world waste at most
// `maxWasted` (retries of failures no retry fixes) — so nothing is tuned on the data it is reported on.
import type { CiWorld } from '../../sim/ci/index.ts';
import { retryRowsOf } from './data.ts';
import { fitRetryModel, RETRY_FIT_DEFAULTS, type RetryFitOptions, type RetryModel, type RetryRow } from './model.ts';

/**
 * The fit options training uses: the model's defaults with a stronger L2 penalty, which leans the weights on what
 * many messages share (the concepts, the common wording) rather than on one template's words — a little better on
 * the simulated validation world and on real-style messages, and faster.
 */
export const RETRY_TRAIN_OPTIONS: RetryFitOptions = { ...RETRY_FIT_DEFAULTS, l2: 1e-4 };

/**
 * The share of training rows whose step history is left out (the validation rows keep theirs): real failed steps
 * often come without history, and a model that learns from steps without it too leans less on it — better on the
 * simulated validation worlds as well as on real-style messages.
 */
export const TRAIN_ROWS_WITHOUT_HISTORY = 0.8;

/** Wasted retries allowed on the validation world when the threshold is chosen. */
export const MAX_WASTED_RETRIES = 0.05;

/** The lowest threshold at which the retries among `rows` waste at most `maxWasted`; 1 when none does. */
export function chooseRetryThreshold(model: RetryModel, rows: readonly RetryRow[], maxWasted = MAX_WASTED_RETRIES): number {
  const scored = rows.map((r) => ({ p: model.pRetry(r.x), y: r.retrySucceeds })).sort((a, b) => b.p - a.p);
  let threshold = 1;
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < scored.length; i++) {
    if (scored[i].y) tp++;
    else fp++;
    // Only where the next row scores lower: a threshold cannot split tied scores.
    if (i + 1 < scored.length && scored[i + 1].p === scored[i].p) continue;
    if (fp / (tp + fp) <= maxWasted) threshold = scored[i].p;
  }
  return threshold;
}

export function trainRetryOnWorlds(train: readonly CiWorld[], validation: CiWorld, o: RetryFitOptions = RETRY_TRAIN_OPTIONS): { model: RetryModel; threshold: number; rows: { train: number; validation: number } } {
  const trainRows = train.flatMap((w) => retryRowsOf(w, TRAIN_ROWS_WITHOUT_HISTORY));
  const validationRows = retryRowsOf(validation);
  const model = fitRetryModel(trainRows, validationRows, o);
  const threshold = chooseRetryThreshold(model, validationRows);
  return { model: model.withThreshold(threshold), threshold, rows: { train: trainRows.length, validation: validationRows.length } };
}
