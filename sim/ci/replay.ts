// What the world does when a failed step is retried: the walk every retry replay shares (the `bench retry` replay and
// the retry family's choice of waits). For a failure episode — a step whose first attempt failed — `walkRetries` asks
// `decide` after each failed attempt and answers each retry from the failure's truth.
//
// The truth records a retry after each wait of RETRY_WAITS_MIN minutes (0, 2, 5, 10, 15, 30, 60, 120, 240) and after
// each remediation. A retry that starts `s` minutes after the first failure reads the truth of the longest recorded
// wait not after `s` that the episode has not used yet (so a policy is never credited with a wait it did not pay
// for, and two retries never read the same draw), else the shortest unused one after `s`. A remediation's truth is
// read once per episode; a second retry with the same remediation reads the waits. The minutes a retry adds are its
// wait, the job's start-up (RETRY_START_MIN) and the run itself, taken as long as the failed attempt's.
import type { CiFailure } from './record.ts';
import type { RetryOutcome } from './attempt.ts';
import type { CiOutcome } from './history.ts';
import { RETRY_WAITS_MIN, type Remediation } from './types.ts';
import { RETRY_START_MIN } from './options.ts';

/** What a policy answers after a failed attempt. */
export interface WalkDecision {
  retry: boolean;
  delaySeconds: number;
  remediation: Remediation | null;
}

export interface WalkCaps {
  /** Retries allowed per episode. */
  maxRetries: number;
  /** Minutes the retries may add to the episode, waits and reruns together. */
  maxAddedMinutes: number;
}

export interface WalkResult {
  retries: number;
  recovered: boolean;
  addedMinutes: number;
  remediations: Remediation[];
}

/**
 * Walk one episode: `decide(attempt, history)` is asked with the attempt that just failed (1 = the first run) and the
 * step's history including every failed retry; the walk stops when it says fail, a cap is reached or a retry passes.
 */
export function walkRetries(f: CiFailure, decide: (attempt: number, history: readonly CiOutcome[]) => WalkDecision, caps: WalkCaps): WalkResult {
  const used = new Set<number>();
  const usedRemediation = new Set<Remediation>();
  const history: CiOutcome[] = f.history.step.slice();
  const runMin = RETRY_START_MIN + f.durationS / 60;
  let since = 0; // minutes since the first failure ended
  let added = 0;
  let retries = 0;
  const remediations: Remediation[] = [];
  while (retries < caps.maxRetries) {
    const d = decide(retries + 1, history);
    if (!d.retry) break;
    let outcome: RetryOutcome;
    let waitMin = Math.max(0, d.delaySeconds / 60);
    if (d.remediation && !usedRemediation.has(d.remediation)) {
      outcome = f.truth.remediation[d.remediation];
      waitMin = Math.max(waitMin, outcome.waitMin);
      if (added + waitMin + runMin > caps.maxAddedMinutes) break;
      usedRemediation.add(d.remediation);
      remediations.push(d.remediation);
    } else {
      const start = since + waitMin;
      let k = -1;
      for (let i = 0; i < RETRY_WAITS_MIN.length; i++) if (!used.has(i) && RETRY_WAITS_MIN[i] <= start) k = i;
      if (k < 0) k = RETRY_WAITS_MIN.findIndex((w, i) => !used.has(i) && w > start);
      if (k < 0 || added + waitMin + runMin > caps.maxAddedMinutes) break;
      used.add(k);
      outcome = f.truth.afterWait[k];
    }
    retries++;
    added += waitMin + runMin;
    since += waitMin + runMin;
    if (outcome.succeeds) return { retries, recovered: true, addedMinutes: added, remediations };
    history.push('fail');
  }
  return { retries, recovered: false, addedMinutes: added, remediations };
}

/** What one failure episode came to under a policy. */
export interface EpisodeResult extends WalkResult {
  failure: CiFailure;
}

/** The counts every retry measure is a ratio of, over a set of failure episodes. */
export interface ReplayCounts {
  episodes: number;
  transient: number;
  persistent: number;
  retries: number;
  /** Episodes retried at least once, and those of them a retry recovered. */
  retriedEpisodes: number;
  retriedRecovered: number;
  /** Transient episodes retried at least once, and recovered. */
  retriedTransient: number;
  recoveredTransient: number;
  recovered: number;
  /** Retries spent on persistent failures. */
  wasted: number;
  addedMinutes: number;
  /** Recovered test failures (recorded as flaky, never as healthy). */
  flaky: number;
  /** Pipelines with a failure episode, and those whose every episode was recovered. */
  pipelinesFailed: number;
  pipelinesRecovered: number;
}

/**
 * Walk every failure episode of `failures` — each step whose first attempt failed — with `decide`, and count. The one
 * accounting behind `bench retry` and the retry family's threshold and card.
 */
export function replayEpisodes(failures: readonly CiFailure[], decide: (f: CiFailure, attempt: number) => WalkDecision, caps: WalkCaps): { episodes: EpisodeResult[]; counts: ReplayCounts } {
  const episodes: EpisodeResult[] = [];
  const c: ReplayCounts = { episodes: 0, transient: 0, persistent: 0, retries: 0, retriedEpisodes: 0, retriedRecovered: 0, retriedTransient: 0, recoveredTransient: 0, recovered: 0, wasted: 0, addedMinutes: 0, flaky: 0, pipelinesFailed: 0, pipelinesRecovered: 0 };
  const pipelines = new Map<string, boolean>();
  for (const f of failures) {
    if (f.attempt !== 1) continue;
    const w = walkRetries(f, (attempt) => decide(f, attempt), caps);
    episodes.push({ ...w, failure: f });
    c.episodes++;
    c.retries += w.retries;
    c.addedMinutes += w.addedMinutes;
    if (f.truth.transient) {
      c.transient++;
      if (w.recovered) c.recoveredTransient++;
      if (w.retries > 0) c.retriedTransient++;
    } else {
      c.persistent++;
      c.wasted += w.retries;
    }
    if (w.retries > 0) {
      c.retriedEpisodes++;
      if (w.recovered) c.retriedRecovered++;
    }
    if (w.recovered) c.recovered++;
    if (w.recovered && f.truth.category === 'test') c.flaky++;
    pipelines.set(f.pipelineId, (pipelines.get(f.pipelineId) ?? true) && w.recovered);
  }
  c.pipelinesFailed = pipelines.size;
  c.pipelinesRecovered = [...pipelines.values()].filter(Boolean).length;
  return { episodes, counts: c };
}
