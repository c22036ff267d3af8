// What every streaming anomaly detector is (docs/anomaly.md): the detector names, the `update` / `toJSON` interface,
// and the saved state with its one version number. The bottom of detectors/: it imports nothing.

export const DETECTOR_NAMES = ['contextual', 'robust-z', 'windowed-gaussian', 'art', 'cad', 'forecast', 'cad-ose', 'artime', 'artime-online'] as const;
export type DetectorName = (typeof DETECTOR_NAMES)[number];

/**
 * Version of every detector's saved state (`DetectorState.version`); `restoreDetector` refuses any other.
 * 2: the likelihood's moving average is a RollingMoments (its state gains sumSq); version-1 states are refused.
 */
export const DETECTOR_STATE_VERSION = 2;

export interface AnomalyDetector {
  readonly name: DetectorName;
  /**
   * Feeds the next value and returns its anomaly score in [0, 1] (0 during the warm-up). `timestampMs` is the
   * value's time: `forecast` learns its daily season from it; the others score by position and ignore it. A
   * non-finite value is not learnt and scores 0.
   */
  update(value: number, timestampMs?: number): number;
  /** The complete state (options included) as plain JSON. */
  toJSON(): DetectorState;
}

export interface DetectorState {
  detector: DetectorName;
  version: number;
  options: Record<string, number>;
  state: Record<string, unknown>;
}

/** A detector as the registry builds it: it can also take back the `state` of its own `toJSON()`. */
export interface RestorableDetector extends AnomalyDetector {
  load(state: Record<string, any>): void;
}
