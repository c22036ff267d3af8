// One canary analysis window: the canary's and the baseline's metrics minute by minute over one interval, with what
// the judges need to read them. The unit every window judge (judges/window-judges.ts), the evidence rule
// (judges/evidence.ts) and the learned judge score.
import type { CohortMetrics } from '../sim/env.ts';

export interface AnalysisWindow {
  /** Per tick, oldest first; null = missing sample (not scraped, or no row recorded). */
  canary: (CohortMetrics | null)[];
  baseline: (CohortMetrics | null)[];
  /** Per tick: the metrics backend erred for the whole tick. Default: never. */
  providerError?: boolean[];
  /** The service's latency objective; when absent, FALLBACK_OBJECTIVE_FACTOR × the baseline's p99 in the window. */
  latencyObjectiveMs?: number;
  /** Optional metrics the source records at all (default: all). An unrecorded metric is left out of the judges' config. */
  recorded?: { latencyP50?: boolean; latencyP99?: boolean; kpi?: boolean };
  /** Seconds per tick (default 60); only Argo's error-retry count uses it. */
  tickSeconds?: number;
  /** Absolute tick of the window's first tick, used in reasons only (default 0). */
  firstTick?: number;
}
