// Replaying a simulated CI/CD failure world (sim/ci/) under retry policies (policies/retry/): every failure episode —
// a step of a pipeline whose first attempt failed — is put to the policy as the failed step a CI system reports; each
// retry it asks for is answered by the world's truth of what that retry would have done, and the policy is asked again
// after a failed retry, until it stops, a cap is reached or a retry passes.
//
//   CiWorld.failures (first attempts, truth) ─▶ policy.decide (attempt 1, 2, …) ─▶ truth: afterWait / remediation
//     ─▶ per policy: transient recovered, wasted retries, retry precision / recall, added minutes, pipelines recovered
//
// How a retry is answered from the truth, and what it costs, is sim/ci/replay.ts walkRetries.
import type { CiFailure } from '../sim/ci/index.ts';
import { walkRetries } from '../sim/ci/index.ts';
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

/** What happened to one episode under one policy. */
export interface EpisodeResult {
  id: string;
  pipelineId: string;
  transient: boolean;
  category: string;
  retries: number;
  recovered: boolean;
  addedMinutes: number;
  /** A test step that passed on a retry: recorded as flaky, never as healthy. */
  flaky: boolean;
  /** The remediations used, in order. */
  remediations: string[];
}

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

/** The failed steps that start an episode (the first attempt of a step in a pipeline). */
export const episodesOf = (failures: readonly CiFailure[]): CiFailure[] => failures.filter((f) => f.attempt === 1);

/** One episode under one policy. */
export function replayEpisode(policy: RetryPolicy, f: CiFailure, o: RetryReplayOptions = RETRY_REPLAY_DEFAULTS): EpisodeResult {
  const w = walkRetries(
    f,
    (attempt) => {
      const d = policy.decide(failedStepOf(f, attempt, attempt - 1));
      return { retry: d.action === 'retry', delaySeconds: d.delaySeconds, remediation: d.remediation };
    },
    o,
  );
  return {
    id: f.id,
    pipelineId: f.pipelineId,
    transient: f.truth.transient,
    category: f.truth.category,
    retries: w.retries,
    recovered: w.recovered,
    addedMinutes: w.addedMinutes,
    flaky: w.recovered && f.truth.category === 'test',
    remediations: w.remediations,
  };
}

/** The measures of a policy over episode results. */
export function retryMeasures(results: readonly EpisodeResult[]): RetryBenchMeasures {
  let transient = 0;
  let recoveredTransient = 0;
  let persistent = 0;
  let wasted = 0;
  let retries = 0;
  let retried = 0;
  let retriedOk = 0;
  let retriedTransient = 0;
  let recovered = 0;
  let flaky = 0;
  let added = 0;
  const pipelines = new Map<string, boolean>();
  for (const r of results) {
    retries += r.retries;
    added += r.addedMinutes;
    if (r.transient) {
      transient++;
      if (r.recovered) recoveredTransient++;
      if (r.retries > 0) retriedTransient++;
    } else {
      persistent++;
      wasted += r.retries;
    }
    if (r.retries > 0) {
      retried++;
      if (r.recovered) retriedOk++;
    }
    if (r.recovered) recovered++;
    if (r.flaky) flaky++;
    pipelines.set(r.pipelineId, (pipelines.get(r.pipelineId) ?? true) && r.recovered);
  }
  const pipelinesRecovered = [...pipelines.values()].filter(Boolean).length;
  return {
    transientRecoveredRate: ratio(recoveredTransient, transient),
    wastedRetryRate: ratio(wasted, persistent),
    retryPrecision: ratio(retriedOk, retried),
    retryRecall: ratio(retriedTransient, transient),
    addedMinutes: round(added, 1),
    pipelinesRecovered,
    episodes: results.length,
    transient,
    persistent,
    retries,
    retriedEpisodes: retried,
    recovered,
    pipelinesFailed: pipelines.size,
    flakyRecorded: flaky,
  };
}

/** Every episode of `failures` under `policy`, measured. */
export function replayRetryPolicy(policy: RetryPolicy, failures: readonly CiFailure[], o: Partial<RetryReplayOptions> = {}): { measures: RetryBenchMeasures; episodes: EpisodeResult[] } {
  const opts = { ...RETRY_REPLAY_DEFAULTS, ...o };
  const episodes = episodesOf(failures).map((f) => replayEpisode(policy, f, opts));
  return { measures: retryMeasures(episodes), episodes };
}
