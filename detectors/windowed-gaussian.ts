// `windowed-gaussian`: NAB's "Windowed Gaussian" baseline (nab/detectors/gaussian/windowedGaussian_detector.py), a
// 6,400-value window moved in steps of 100 (docs/anomaly.md).
import { normalTail } from './primitives.ts';
import { DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorName, type DetectorState } from './types.ts';

export interface WindowedGaussianOptions {
  /** Values in the window (NAB: 6400). */
  windowSize: number;
  /** Once full, the window moves forward this many values at a time (NAB: 100). */
  stepSize: number;
}
export const WINDOWED_GAUSSIAN_DEFAULTS: Readonly<WindowedGaussianOptions> = Object.freeze({ windowSize: 6400, stepSize: 100 });

/** Options that must be integers >= 1. */
export const WINDOWED_GAUSSIAN_INTEGER_OPTIONS: readonly (keyof WindowedGaussianOptions)[] = ['windowSize', 'stepSize'];

/** Score 1 - Q(|x - mean| / std) against the window's mean and (population) std; 0 for the first value. */
export class WindowedGaussianDetector implements AnomalyDetector {
  readonly name: DetectorName = 'windowed-gaussian';
  readonly o: WindowedGaussianOptions;
  window: number[] = [];
  buffer: number[] = [];
  mean = 0;
  std = 1;
  constructor(o: WindowedGaussianOptions) {
    this.o = o;
  }
  private refresh(): void {
    let s = 0;
    for (const v of this.window) s += v;
    const m = s / this.window.length;
    let q = 0;
    for (const v of this.window) q += (v - m) * (v - m);
    this.mean = m;
    this.std = Math.sqrt(q / this.window.length) || 0.000001;
  }
  update(value: number, _timestampMs?: number): number {
    if (!Number.isFinite(value)) return 0;
    const score = this.window.length > 0 ? 1 - normalTail(Math.abs(value - this.mean) / this.std) : 0;
    if (this.window.length < this.o.windowSize) {
      this.window.push(value);
      // NAB recomputes after every value while filling; a running sum gives the same mean without O(n) per row.
      this.fillRefresh(value);
    } else {
      this.buffer.push(value);
      if (this.buffer.length === this.o.stepSize) {
        this.window = this.window.slice(this.o.stepSize).concat(this.buffer);
        this.buffer = [];
        this.refresh();
      }
    }
    return score;
  }
  // Welford's running mean and variance while the window fills.
  private fillN = 0;
  private fillMean = 0;
  private fillM2 = 0;
  private fillRefresh(x: number): void {
    this.fillN++;
    const d = x - this.fillMean;
    this.fillMean += d / this.fillN;
    this.fillM2 += d * (x - this.fillMean);
    this.mean = this.fillMean;
    this.std = Math.sqrt(this.fillM2 / this.fillN) || 0.000001;
  }
  toJSON(): DetectorState {
    return {
      detector: this.name,
      version: DETECTOR_STATE_VERSION,
      options: { ...this.o },
      state: { window: [...this.window], buffer: [...this.buffer], mean: this.mean, std: this.std, fillN: this.fillN, fillMean: this.fillMean, fillM2: this.fillM2 },
    };
  }
  load(st: Record<string, any>): void {
    this.window = [...st.window];
    this.buffer = [...st.buffer];
    this.mean = st.mean;
    this.std = st.std;
    this.fillN = st.fillN;
    this.fillMean = st.fillMean;
    this.fillM2 = st.fillM2;
  }
}
