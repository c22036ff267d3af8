// The rollout plans the optimiser chooses between, from the fastest to the most careful. Down the list the first
// exposure never grows and the time spent before full exposure never shrinks, so "more careful" is one order: a
// riskier change gets a plan at least as far down the list (docs/rollout-plans.md).
export interface PlanCandidate {
  name: string;
  /** Canary weights in percent, the last 100. */
  steps: number[];
  /** Minutes at each step before the last. */
  dwellMinutes: number[];
}

export const PLAN_CANDIDATES: readonly PlanCandidate[] = [
  { name: 'fast', steps: [10, 50, 100], dwellMinutes: [5, 5] },
  { name: 'quick', steps: [5, 25, 100], dwellMinutes: [5, 10] },
  { name: 'brisk', steps: [2, 10, 50, 100], dwellMinutes: [5, 5, 5] },
  { name: 'steady', steps: [1, 5, 25, 100], dwellMinutes: [10, 10, 5] },
  { name: 'standard', steps: [1, 5, 25, 50, 100], dwellMinutes: [10, 10, 10, 10] },
  { name: 'careful', steps: [0.5, 2, 10, 50, 100], dwellMinutes: [10, 10, 10, 10] },
  { name: 'cautious', steps: [0.1, 1, 5, 25, 100], dwellMinutes: [15, 10, 10, 10] },
  { name: 'very-cautious', steps: [0.1, 0.5, 2, 10, 50, 100], dwellMinutes: [20, 15, 10, 10, 5] },
  { name: 'guarded', steps: [0.1, 0.5, 2, 10, 100], dwellMinutes: [30, 20, 10, 10] },
];

/** The fixed plan optimised plans are measured against: canary 1-5-10-25-50-100 %, 10 minutes per step. */
export const FIXED_PLAN: PlanCandidate = { name: 'fixed', steps: [1, 5, 10, 25, 50, 100], dwellMinutes: [10, 10, 10, 10, 10] };

export const dwellSum = (c: PlanCandidate) => c.dwellMinutes.reduce((a, b) => a + b, 0);
