// Replaying a simulated CI/CD failure world (sim/ci/) under retry policies (policies/retry/): every failure episode —
// a step of a pipeline whose first attempt failed — is put to the policy as the failed step a CI system reports; each
// retry it asks for is answered by the world's truth of what that retry would have done, and the policy is asked again
// after a failed retry, until it stops, a cap is reached or a retry passes.
//
//   CiWorld.failures (first attempts, truth) ─▶ policy.decide (attempt 1, 2, …) ─▶ truth: afterWait / remediation
//     ─▶ per policy: transient recovered, wasted retries, retry precision / recall, added minutes, pipelines recovered
//
// How a retry is answered from the truth, what it costs, and the counts, are sim/ci/replay.ts's (replayEpisodes), which
// the retry family's threshold and card share.
import { replayEpisodes, type CiFailure, type EpisodeResult, type ReplayCounts } from '../sim/ci/index.ts';
import { failedStepOf } from '../training/retry/data.ts';
import { RETRY_LIMITS } from '../training/retry/rule.ts';
import type { RetryPolicy } from '../policies/retry/decision.ts';

export interface RetryReplayOptions {
  /** Retries allowed per episode, whatever the policy says (the wrapper's --max). */
  maxRetries: number;
  /** Minutes a policy may add to one episode, waits and reruns together (the wrapper's --max-minutes). */
  maxAddedMinutes: number;
}

export const RETRY_REPLAY_DEFAULTS: RetryReplayOptions = { maxRetries: RETRY_LIMITS.maxRetries, maxAddedMinutes: RETRY_LIMITS.maxAddedMinutes };

/** The measures `bench retry --json` prints per policy (a public shape: extend, never rename). */
export interface RetryBenchMeasures {
  /** Transient failures the policy's retries recovered / transient failures. */
  transientRecoveredRate: number | null;
  /** Retries spent on persistent failures / persistent failures. */
  wastedRetryRate: number | null;
  /** Retried episodes whose retry (or remediation) succeeded / retried episodes. */
  retryPrecision: number | null;
  /** Transient failures retried / transient failures. */
  retryRecall: number | null;
  /** Minutes of waiting and rerunning the retries added, over all episodes. */
  addedMinutes: number;
  /** Pipelines with a failed step whose every failed step the retries recovered. */
  pipelinesRecovered: number;
  episodes: number;
  transient: number;
  persistent: number;
  retries: number;
  retriedEpisodes: number;
  recovered: number;
  pipelinesFailed: number;
  /** Recovered test failures recorded as flaky. */
  flakyRecorded: number;
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;
const ratio = (a: number, b: number) => (b ? round(a / b) : null);

/** The measures of a policy from the replay's counts. */
export function retryMeasures(c: ReplayCounts): RetryBenchMeasures {
  return {
    transientRecoveredRate: ratio(c.recoveredTransient, c.transient),
    wastedRetryRate: ratio(c.wasted, c.persistent),
    retryPrecision: ratio(c.retriedRecovered, c.retriedEpisodes),
    retryRecall: ratio(c.retriedTransient, c.transient),
    addedMinutes: round(c.addedMinutes, 1),
    pipelinesRecovered: c.pipelinesRecovered,
    episodes: c.episodes,
    transient: c.transient,
    persistent: c.persistent,
    retries: c.retries,
    retriedEpisodes: c.retriedEpisodes,
    recovered: c.recovered,
    pipelinesFailed: c.pipelinesFailed,
    flakyRecorded: c.flaky,
  };
}

/** Every episode of `failures` under `policy`, measured. */
export function replayRetryPolicy(policy: RetryPolicy, failures: readonly CiFailure[], o: Partial<RetryReplayOptions> = {}): { measures: RetryBenchMeasures; episodes: EpisodeResult[] } {
  const r = replayEpisodes(
    failures,
    (f, attempt) => {
      const d = policy.decide(failedStepOf(f, attempt, attempt - 1));
      return { retry: d.action === 'retry', delaySeconds: d.delaySeconds, remediation: d.remediation };
    },
    { ...RETRY_REPLAY_DEFAULTS, ...o },
  );
  return { measures: retryMeasures(r.counts), episodes: r.episodes };
}
