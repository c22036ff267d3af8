// Features of a JIT change history that do not drift with time. Author experience, file age, the files' earlier
// changes and their size grow as a project ages, so a model fitted on older commits sees newer ones outside its
// training range. `recentRank` re-expresses such a feature as its rank among the commits just before (labels are
// never read, and only earlier commits: what is known when the change is made), so a project whose authors all got
// more experienced is scored against its own recent history instead of an old one.
import { RolloutlabError } from '../../lib/errors.ts';

/** Kamei's metrics that grow with the project's age (docs/benchmarks.md, "JIT change risk that transfers"). */
export const JIT_GROWING = ['lt', 'ndev', 'age', 'nuc', 'exp', 'rexp', 'sexp'] as const;

/**
 * For each row i, the mid-rank of x[i] among the `window` rows before it, as a fraction in [0, 1]:
 * (rows below + half the ties) / rows compared. Row 0 (nothing earlier) gets 0.5. Missing values stay NaN and are
 * not compared.
 */
export function recentRank(x: ArrayLike<number>, window: number): Float64Array {
  if (!Number.isInteger(window) || window < 1) throw new RolloutlabError('BAD_ARGUMENT', `recentRank: window must be a positive integer, got ${window}`, 'window');
  const n = x.length;
  const out = new Float64Array(n);
  const sorted: number[] = [];
  const lower = (v: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m] < v) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  const upper = (v: number) => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (sorted[m] <= v) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  // The window holds the non-missing values among rows [i − window, i).
  for (let i = 0; i < n; i++) {
    const v = x[i];
    if (Number.isNaN(v)) out[i] = NaN;
    else if (sorted.length === 0) out[i] = 0.5;
    else {
      const below = lower(v);
      const ties = upper(v) - below;
      out[i] = (below + ties / 2) / sorted.length;
    }
    if (!Number.isNaN(v)) sorted.splice(lower(v), 0, v);
    const drop = i - window;
    if (drop >= 0 && !Number.isNaN(x[drop])) sorted.splice(lower(x[drop]), 1);
  }
  return out;
}
