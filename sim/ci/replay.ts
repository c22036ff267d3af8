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
