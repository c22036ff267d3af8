// One check for every model's output before it becomes a decision. A score that is not a finite number in [0, 1]
// (NaN from a corrupted weight, an overflow on input far outside training) is no evidence, and a decision built on it
// falls through to its default branch: `p >= threshold ? fail : pass` passes a NaN. Callers answer with their
// "cannot tell" (inconclusive, hold, 503) and this reason instead.

/** The first of `scores` (name → value) that is not a probability, as a reason; null when every one is. */
export function notProbabilities(scores: Readonly<Record<string, number>>): string | null {
  for (const [name, v] of Object.entries(scores)) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1) return `the model's ${name} is ${typeof v === 'number' ? String(v) : typeof v}, not a probability: no decision can rest on it`;
  }
  return null;
}
