// The valid ranges of numeric inputs, defined once: the deployment-history importer (datasets/import-history.ts)
// checks its columns with them, the risk model's numeric features carry one (training/gam.ts FeatureSpec.range), and
// everything that feeds a risk model (POST /v1/risk/score, the deploy-window routes, Flagger's confirm hooks, feedback
// used for training) refuses a value outside its feature's range with the same words.

export const VALUE_RANGES = ['count', 'nonneg', 'fraction', 'signed-unit'] as const;
export type ValueRange = (typeof VALUE_RANGES)[number];

/** Largest count accepted (what an INTEGER column holds). */
export const MAX_COUNT = 2 ** 31 - 1;

/** What each range admits, in words (docs/risk.md lists them per feature). */
export const VALUE_RANGE_TEXT: Record<ValueRange, string> = {
  count: `a whole number in [0, ${MAX_COUNT}]`,
  nonneg: `a number in [0, ${MAX_COUNT}]`,
  fraction: 'a number in [0, 1]',
  'signed-unit': 'a number in [-1, 1]',
};

/** Why `x` is not in `range` (phrased "is …", after the field name), or null when it is. */
export function rangeProblem(range: ValueRange, x: number): string | null {
  switch (range) {
    case 'count':
      return Number.isInteger(x) && x >= 0 && x <= MAX_COUNT ? null : 'is not a non-negative integer';
    case 'nonneg':
      if (!(Number.isFinite(x) && x >= 0)) return 'is not a non-negative number';
      return x <= MAX_COUNT ? null : `is larger than ${MAX_COUNT} (no feature of a change is that large)`;
    case 'fraction':
      if (!Number.isFinite(x)) return 'is not a number';
      return x >= 0 && x <= 1 ? null : 'is outside [0, 1]';
    case 'signed-unit':
      if (!Number.isFinite(x)) return 'is not a number';
      return x >= -1 && x <= 1 ? null : 'is outside [-1, 1]';
  }
}
