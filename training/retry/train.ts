// Training the retry family on simulated failure worlds: fit on the training worlds, calibrate on a validation world,
// learn each kind's waits on the training worlds (waits.ts), and choose the retry threshold on the validation world by
// replaying its failures under the served rule (rule.ts): the lowest threshold whose retries spent on persistent
// failures, predicted for the next world from the validation worlds' waste, stay at most `maxWasted` per persistent
// failure — so nothing is tuned on the data it is reported on.
import { replayEpisodes, type CiFailure, type CiWorld, type ReplayCounts } from '../../sim/ci/index.ts';
import { failedStepOf, retryRowsOf } from './data.ts';
import { stepFeatures, type SparseVector } from './features.ts';
import { chooseWaits } from './waits.ts';
import { RETRY_LIMITS, retryRule } from './rule.ts';
import { fitRetryModel, RETRY_FIT_DEFAULTS, type RetryFitOptions, type RetryModel, type RetryRow } from './model.ts';

/**
 * The fit options training uses: the model's defaults with a stronger L2 penalty, which leans the weights on what
 * many messages share (the concepts, the common wording) rather than on one template's words — a little better on
 * the simulated validation world and on real-style messages — and three passes, which on ten training worlds do as
 * well on the validation worlds as six, in half the time.
 */
export const RETRY_TRAIN_OPTIONS: RetryFitOptions = { ...RETRY_FIT_DEFAULTS, l2: 1e-4, epochs: 3 };

/** Wasted retries (retries spent on persistent failures / persistent failures) allowed on the validation world. */
export const MAX_WASTED_RETRIES = 0.05;

/** The rule's answer for each episode and attempt at threshold 0 (the threshold only decides whether p suffices), filled as replays ask. */
type AnswerCache = Map<string, { p: number; delaySeconds: number; remediation: ReturnType<typeof retryRule>['remediation']; gate: boolean }>;

/**
 * Replay of `failures`' episodes under the rule at `threshold` (sim/ci/replay.ts: the counts `bench retry` reports).
 * `cache` keeps the rule's answers between replays at other thresholds; `features` gives the first attempts' feature
 * vectors when the caller has them (by failure id).
 */
export function replayRule(model: RetryModel, failures: readonly CiFailure[], threshold: number, cache: AnswerCache = new Map(), features?: ReadonlyMap<string, SparseVector>): ReplayCounts {
  const o = { threshold: 0, maxRetries: RETRY_LIMITS.maxRetries, maxDelaySeconds: RETRY_LIMITS.maxDelaySeconds };
  return replayEpisodes(
    failures,
    (f, attempt) => {
      const key = `${f.id}|${attempt}`;
      let a = cache.get(key);
      if (!a) {
        const r = retryRule(model, failedStepOf(f, attempt, attempt - 1), o, 0.5, attempt === 1 ? features?.get(f.id) : undefined);
        a = { p: r.p, delaySeconds: r.delaySeconds, remediation: r.remediation, gate: r.stop === 'quality-gate' };
        cache.set(key, a);
      }
      return { retry: !a.gate && a.p >= threshold, delaySeconds: a.delaySeconds, remediation: a.remediation };
    },
    RETRY_LIMITS,
  ).counts;
}

/** Transient recovered share and wasted retries per persistent failure of the rule at `threshold` (see replayRule). */
export function replayAtThreshold(model: RetryModel, failures: readonly CiFailure[], threshold: number, cache: AnswerCache = new Map(), features?: ReadonlyMap<string, SparseVector>): { recovered: number; wasted: number } {
  const c = replayRule(model, failures, threshold, cache, features);
  return { recovered: c.transient ? c.recoveredTransient / c.transient : 0, wasted: c.persistent ? c.wasted / c.persistent : 0 };
}

/**
 * The wasted retries the next world would show, with 95 % confidence, from the waste of `n` validation worlds: their
 * mean plus 1.645 times their spread (one standard deviation over worlds) times sqrt(1 + 1/n) — a one-sided prediction
 * bound for one more world. One world gives its own waste (it shows no spread).
 */
export function nextWorldWaste(perWorld: readonly number[]): number {
  const n = perWorld.length;
  const mean = perWorld.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return mean;
  const sd = Math.sqrt(perWorld.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  return mean + 1.645 * sd * Math.sqrt(1 + 1 / n);
}

/**
 * The lowest threshold (on a grid of the validation scores' quantiles) at which the waste the next world would show
 * (nextWorldWaste over the validation worlds' replays) stays at most `maxWasted` retries per persistent failure; 1 when
 * none does. A world's persistent failures come from a few dozen faults, so the waste at one threshold moves by points
 * from world to world: a threshold that only just meets the budget on the validation worlds' pool misses it on about
 * every other next world. `worldOf` names a failure's world (default: one world); `features`: the failures' feature
 * vectors by id, when the caller has them (the calibration rows).
 */
export function chooseReplayThreshold(model: RetryModel, failures: readonly CiFailure[], maxWasted = MAX_WASTED_RETRIES, features?: ReadonlyMap<string, SparseVector>, worldOf: (f: CiFailure) => string = () => ''): number {
  const cache: AnswerCache = new Map();
  const worlds = new Map<string, CiFailure[]>();
  for (const f of failures) {
    const w = worlds.get(worldOf(f));
    if (w) w.push(f);
    else worlds.set(worldOf(f), [f]);
  }
  const ps = failures
    .filter((f) => f.attempt === 1)
    .map((f) => model.pRetry(features?.get(f.id) ?? stepFeatures(failedStepOf(f))))
    .sort((a, b) => a - b);
  const grid = [...new Set(Array.from({ length: 201 }, (_, i) => ps[Math.min(ps.length - 1, Math.floor((i / 200) * ps.length))]))];
  let best = 1;
  // From the highest threshold down: wasted retries grow as the threshold falls; stop at the first that wastes too
  // much. The cache fills as the threshold falls, so only the episodes some threshold retries are
  // scored again.
  for (let i = grid.length - 1; i >= 0; i--) {
    if (nextWorldWaste([...worlds.values()].map((w) => replayAtThreshold(model, w, grid[i], cache, features).wasted)) > maxWasted) break;
    best = grid[i];
  }
  return best;
}

/** The feature vectors of `failures` by id, from rows built in the same order (retryRowsOf). */
export const featuresById = (failures: readonly CiFailure[], rows: readonly RetryRow[]): Map<string, SparseVector> => new Map(failures.map((f, i) => [f.id, rows[i].x]));

export function trainRetryOnWorlds(train: readonly CiWorld[], validation: CiWorld, o: RetryFitOptions = RETRY_TRAIN_OPTIONS): { model: RetryModel; threshold: number; rows: { train: number; validation: number } } {
  const trainRows = retryRowsOf(train.flatMap((w) => w.failures));
  const validationRows = retryRowsOf(validation.failures);
  const fitted = fitRetryModel(trainRows, validationRows, o);
  const model = fitted.withWaits(chooseWaits(train.flatMap((w) => w.failures), RETRY_LIMITS));
  const threshold = chooseReplayThreshold(model, validation.failures, MAX_WASTED_RETRIES, featuresById(validation.failures, validationRows));
  return { model: model.withThreshold(threshold), threshold, rows: { train: trainRows.length, validation: validationRows.length } };
}
