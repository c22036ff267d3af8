// Recording a rollout environment's rows: a wrapper that listens on the environment's `onRows` hook and keeps the
// per-cohort rows of every observed minute (the observations table of `simulate`, the rows judge windows are cut
// from). The environment itself keeps nothing; recording draws nothing, so a recorded run is the same run.
import type { ObservationRow } from './contract.ts';
import type { RolloutEnv } from './rollout-env.ts';

export interface RowRecording {
  /** The rows recorded so far, in order: per observed minute the baseline's row, then the canary's. */
  readonly rows: ObservationRow[];
  /** Stop recording: the environment's hook is back to what it was before. */
  stop(): void;
}

/** Record the rows of every minute `env` observes from now until `stop()` (across resets: stop after the episode). */
export function recordRows(env: RolloutEnv): RowRecording {
  const rows: ObservationRow[] = [];
  const before = env.onRows;
  env.onRows = before
    ? (minute) => {
        before(minute);
        rows.push(...minute);
      }
    : (minute) => {
        rows.push(...minute);
      };
  return {
    rows,
    stop() {
      env.onRows = before;
    },
  };
}
