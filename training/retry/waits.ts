// The waits the learned retry policy uses, chosen per failure kind on the training worlds: for each kind, the base of an
// exponential backoff (the first retry waits the base, each later one twice the one before) under which the kind's
// transient training failures recover most, a recovery being worth RECOVERY_WORTH_MIN minutes of waiting and
// rerunning. The world's truth answers each retry (sim/ci/replay.ts walkRetries), with the remediation the kind needs.
import { walkRetries, type CiFailure, type WalkCaps } from '../../sim/ci/index.ts';
import { remediationOfLabel } from './model.ts';

/** Backoff bases tried, seconds. */
export const WAIT_BASES_S = [0, 15, 30, 60, 120, 300, 600, 1200] as const;
/** Minutes of added pipeline time one recovered failure is worth (a person rerunning it by hand costs about this). */
export const RECOVERY_WORTH_MIN = 120;

/** The delay before retry `attempt` (1 = the first retry) with backoff base `base` seconds, capped. */
export const backoffSeconds = (base: number, attempt: number, maxDelaySeconds: number): number => Math.min(maxDelaySeconds, base * 2 ** (attempt - 1));

/** Per kind (label) with transient failures among `failures`: the base whose walk scores best (ties: the shorter). */
export function chooseWaits(failures: readonly CiFailure[], caps: WalkCaps & { maxDelaySeconds: number }): Record<string, number> {
  const byKind = new Map<string, CiFailure[]>();
  for (const f of failures) {
    if (f.attempt !== 1 || !f.truth.transient) continue;
    const eps = byKind.get(f.truth.kind);
    if (eps) eps.push(f);
    else byKind.set(f.truth.kind, [f]);
  }
  const out: Record<string, number> = {};
  for (const [kind, eps] of [...byKind].sort(([a], [b]) => a.localeCompare(b))) {
    const remediation = remediationOfLabel(kind);
    let best = { base: WAIT_BASES_S[0] as number, score: -Infinity };
    for (const base of WAIT_BASES_S) {
      let score = 0;
      for (const f of eps) {
        const w = walkRetries(f, (attempt) => ({ retry: true, delaySeconds: backoffSeconds(base, attempt, caps.maxDelaySeconds), remediation }), caps);
        score += (w.recovered ? 1 : 0) - w.addedMinutes / RECOVERY_WORTH_MIN;
      }
      if (score > best.score + 1e-9) best = { base, score };
    }
    out[kind] = best.base;
  }
  return out;
}
