// One attempt of a step: which runner takes it, which hazard (if any) fails it and when. The same function, with
// the same random stream, decides both what the world did next and what the truth says a retry would have done,
// so the two always agree. The exact chance of a retry passing comes from the hazards' chances.
import type { Rng } from '../../lib/rng.ts';
import type { CiStep, Remediation } from './types.ts';
import { RETRY_WAITS_MIN, REMEDIATIONS } from './types.ts';
import type { Hazard, HazardOpts, StepCtx } from './hazards.ts';
import { hazardsAt, runnerHazardsAt } from './hazards.ts';
import { RETRY_START_MIN } from './options.ts';

/** How the attempt picks its runner: any (a first attempt), the pool's retry habit, or surely another one. */
export type RunnerMode = 'first' | 'retry' | 'other';

export interface AttemptOutcome {
  ok: boolean;
  hazard: Hazard | null;
  runner: string;
  /** Minutes from start to end of the attempt. */
  minutes: number;
  /** Tests that failed in this attempt (when the suite ran). */
  failedTests: string[];
  /** The suite ran to the end (no earlier hazard stopped the step). */
  suiteRan: boolean;
}

const STEP_MINUTES: Record<CiStep, [number, number]> = {
  checkout: [0.2, 1.2],
  install: [0.5, 4],
  lint: [0.3, 3],
  build: [1, 8],
  'unit-tests': [1, 10],
  'integration-tests': [3, 15],
  'image-build': [1, 6],
  'image-push': [0.3, 2],
  migrate: [0.2, 2],
  deploy: [1, 6],
};

function pickRunner(rng: Rng, c: StepCtx, mode: RunnerMode, prev: string | null): string {
  const runners = c.repo.pool.runners;
  const u = rng.next();
  const v = rng.next();
  if (mode === 'retry' && prev !== null && u < c.repo.pool.stickiness) return prev;
  if (mode === 'first' || prev === null || runners.length < 2) return runners[Math.floor(v * runners.length)];
  const i = Math.floor(v * (runners.length - 1));
  const j = runners.indexOf(prev);
  return runners[i >= j ? i + 1 : i];
}

/** Run one attempt starting at minute `t`. Draws a fixed number of numbers per hazard, whatever happens. */
export function runAttempt(rng: Rng, c: StepCtx, t: number, mode: RunnerMode, prev: string | null, opts: HazardOpts = {}): AttemptOutcome {
  const runner = pickRunner(rng, c, mode, prev);
  const own = c.repo.pool.ephemeral ? [] : runnerHazardsAt(c, runner, t);
  const hz = own.length ? [...hazardsAt(c, t, opts), ...own].sort((a, b) => a.phase - b.phase) : hazardsAt(c, t, opts);
  const [lo, hi] = STEP_MINUTES[c.step];
  const full = rng.uniform(lo, hi) * (c.repo.ecosystem === 'jvm' || c.repo.ecosystem === 'rust' ? 1.4 : 1);
  let first: Hazard | null = null;
  const failedTests: string[] = [];
  for (const h of hz) {
    const fired = rng.next() < h.p;
    if (!fired) continue;
    if (!first) first = h;
    if (h.test && (first.kind === 'flaky-test' || first.kind === 'test-failure')) failedTests.push(h.test.name);
  }
  const frac = rng.next();
  const suiteRan = !first || first.kind === 'flaky-test' || first.kind === 'test-failure';
  let minutes = full;
  if (first) {
    if (first.kind === 'no-runner') minutes = 10 + 50 * frac; // the job waited in the queue until it gave up
    else if (first.phase < 4) minutes = full * (0.05 + 0.35 * frac);
    else minutes = full * (0.3 + 0.7 * frac);
  }
  return { ok: first === null, hazard: first, runner, minutes, failedTests, suiteRan };
}

const noFail = (hz: Hazard[]) => hz.reduce((q, h) => q * (1 - h.p), 1);

/** The chance an attempt at `t` passes, and the chance its cause `key` fires again, averaged over the runner choice. */
export function passChance(c: StepCtx, t: number, mode: RunnerMode, prev: string, key: string, opts: HazardOpts = {}): { p: number; causeP: number } {
  const hz = hazardsAt(c, t, opts);
  const base = noFail(hz);
  const same = hz.find((h) => h.key === key);
  const runners = c.repo.pool.runners;
  const s = mode === 'retry' ? c.repo.pool.stickiness : mode === 'other' ? 0 : 1 / runners.length;
  let other = 1;
  let otherCause = 0;
  const tracked = !c.repo.pool.ephemeral;
  if (tracked && runners.length > 1) {
    let sum = 0;
    let sumCause = 0;
    for (const r of runners) {
      if (r === prev) continue;
      const rh = runnerHazardsAt(c, r, t);
      sum += noFail(rh);
      sumCause += rh.find((h) => h.key === key)?.p ?? 0;
    }
    other = sum / (runners.length - 1);
    otherCause = sumCause / (runners.length - 1);
  }
  const prevHz = tracked ? runnerHazardsAt(c, prev, t) : [];
  const p = base * (s * noFail(prevHz) + (1 - s) * other);
  const causeP = same ? same.p : s * (prevHz.find((h) => h.key === key)?.p ?? 0) + (1 - s) * otherCause;
  return { p, causeP };
}

export interface RetryOutcome {
  /** Minutes after the failed attempt ended before the retry starts. */
  waitMin: number;
  /** Chance the retry passes. */
  p: number;
  /** Chance the retry fails again by the same cause. */
  causeP: number;
  /** Whether it passes, in this world. */
  succeeds: boolean;
}

/** Index of each option in the failure's stream of counterfactual attempts. */
export const OPTION_INDEX: Record<Remediation, number> = { 'clear-cache': RETRY_WAITS_MIN.length, 'other-runner': RETRY_WAITS_MIN.length + 1, 'wait-for-lock': RETRY_WAITS_MIN.length + 2 };

/** How each option is run: the wait before it, the runner choice and the hazard options. */
export function optionPlan(c: StepCtx, end: number, hazard: Hazard, option: number): { t: number; mode: RunnerMode; opts: HazardOpts; waitMin: number } {
  if (option < RETRY_WAITS_MIN.length) return { t: end + RETRY_START_MIN + RETRY_WAITS_MIN[option], mode: 'retry', opts: {}, waitMin: RETRY_WAITS_MIN[option] };
  const rem = REMEDIATIONS[option - RETRY_WAITS_MIN.length];
  if (rem === 'clear-cache') return { t: end + RETRY_START_MIN + 1, mode: 'retry', opts: { cacheCleared: true }, waitMin: 1 };
  if (rem === 'other-runner') return { t: end + RETRY_START_MIN, mode: 'other', opts: {}, waitMin: 0 };
  // wait-for-lock: wait until every lock held over this step at the failure is released.
  const release = hazardsAt(c, end).filter((h) => h.lock && h.until !== null).reduce((m, h) => Math.max(m, h.until as number), end);
  const lockWait = hazard.lock && hazard.until !== null ? Math.max(release, hazard.until) - end : release - end;
  return { t: end + RETRY_START_MIN + lockWait, mode: 'retry', opts: {}, waitMin: Math.round(lockWait * 100) / 100 };
}

/** The truth of one option: its chance and, with the failure's own stream, what would happen. */
export function optionOutcome(rng: Rng, c: StepCtx, end: number, runner: string, hazard: Hazard, option: number): RetryOutcome & { outcome: AttemptOutcome; startMin: number } {
  const plan = optionPlan(c, end, hazard, option);
  const { p, causeP } = passChance(c, plan.t, plan.mode, runner, hazard.key, plan.opts);
  const outcome = runAttempt(rng.at(option), c, plan.t, plan.mode, runner, plan.opts);
  return { waitMin: plan.waitMin, p, causeP, succeeds: outcome.ok, outcome, startMin: plan.t };
}
