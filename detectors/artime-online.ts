// `artime-online`: ARTime's process (detectors/artime.ts, the port of NAB's ARTime) made a served, streaming detector.
// The port is handed each file's min, max and length by NAB; this variant takes nothing from the future and keeps
// a bounded state, so the anomaly route can stream it. See docs/anomaly.md ("The `artime-online` detector").
//
// What differs from the port (everything else is its process, unchanged):
// 1. Timing from fixed settings and the rows seen so far, instead of the file length. Two ARTime processes run
//    side by side from the first row: a fine one (one downsampled sample every `sstep` = 2 rows) scores the first
//    `switchRow` = 2,000 rows, a coarse one (`coarseSstep` = 7 rows) every later row, and the fine one is dropped at
//    the switch. Each has ARTime's probation of 104 samples (8 x 13: 208 and 728 rows, scored 0 by that process),
//    its trend window; the vigilances are re-estimated every 52 samples. (ARTime takes one step from the file
//    length: 2 for files of about 1,600 rows, 7 from about 4,900 rows.)
// 2. The range from the rows seen so far: a process buffers its probation rows, takes their min and max widened by
//    `rangeMargin` x their range on each side as the range of the 80 levels, and then replays them.
//    Re-levelling (`relevel` 1): a downsampled sample outside the range widens it, the same way, around the smallest
//    and largest value seen so far, and the state that holds levels (the last 8 samples, the level dimensions of
//    every ART category and of the probation's buffered features, the median's level histogram) is mapped onto the
//    new range (an increasing affine map, so every category box stays a box). The span grows at least
//    (1 + rangeMargin) times per re-levelling. With `relevel` 0 such samples are clamped to the end levels, as the
//    port's onlineRange experiment does.
// 3. Bounded memory: at most `maxCategories` ART categories per process (the one updated least recently is
//    dropped) and the last MAX_HISTORY anomaly similarities (the lower vigilance's floor is their mean); every other
//    buffer has a fixed size. The range arithmetic works on halves, so any finite values give finite levels.
import { RolloutlabError } from '../lib/errors.ts';
import { ArtimeProcess, roundEven } from './artime.ts';
import { DETECTOR_STATE_VERSION, type DetectorState, type RestorableDetector } from './types.ts';

export interface ArtimeOnlineOptions {
  /** Rows per downsampled sample of the fine process (it scores the first `switchRow` rows). */
  sstep: number;
  /** Rows per downsampled sample of the coarse process (it scores every row after the first `switchRow`). */
  coarseSstep: number;
  /** Rows scored by the fine process; after them the coarse one scores and the fine one is dropped (0: coarse only). */
  switchRow: number;
  /** The range is the min and max seen, widened by this x their range on each side. */
  rangeMargin: number;
  /** 1: a sample outside the range widens it (re-levelling the state); 0: it is clamped to the end levels. */
  relevel: number;
  /** Most ART categories kept per process (the least recently updated is dropped). */
  maxCategories: number;
}

export const ARTIME_ONLINE_DEFAULTS: Readonly<ArtimeOnlineOptions> = Object.freeze({ sstep: 2, coarseSstep: 7, switchRow: 2000, rangeMargin: 1.5, relevel: 1, maxCategories: 256 });
export const ARTIME_ONLINE_INTEGER_OPTIONS: readonly (keyof ArtimeOnlineOptions)[] = ['sstep', 'coarseSstep', 'maxCategories'];

/** Samples of each process's probation (ARTime's 8 x 13): its warm-up is this many times its sstep rows. */
export const PROBATION_SAMPLES = 104;
/** Most anomaly similarities remembered per process (ARTime keeps all; NAB's files here give at most 24). */
export const MAX_HISTORY = 100;
const NLEVELS = 80;
/** Index of the first level dimension of a feature vector (8 wavelet coefficients, then 8 levels), and of its complement. */
const LEVEL_DIMS = 8;
const FEATURES = 16;

export function validateArtimeOnlineOptions(o: ArtimeOnlineOptions): void {
  if (!Number.isInteger(o.switchRow)) throw new RolloutlabError('BAD_ARGUMENT', `detector artime-online: option switchRow must be an integer >= 0, got ${o.switchRow}`, 'switchRow');
  if (o.relevel !== 0 && o.relevel !== 1) throw new RolloutlabError('BAD_ARGUMENT', `detector artime-online: option relevel must be 0 or 1, got ${o.relevel}`, 'relevel');
  if (o.maxCategories < 8) throw new RolloutlabError('BAD_ARGUMENT', `detector artime-online: option maxCategories must be >= 8, got ${o.maxCategories}`, 'maxCategories');
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** One ARTime process at one time scale, with its range from the values seen so far. */
class OnlineProcess extends ArtimeProcess {
  readonly name = 'artime-online' as const;
  private readonly o: ArtimeOnlineOptions;

  constructor(options: ArtimeOnlineOptions, sstep: number) {
    super({}, { pp: PROBATION_SAMPLES * sstep, sstep, trendWindow: PROBATION_SAMPLES }, true, options.maxCategories, MAX_HISTORY);
    this.o = { ...options };
  }

  protected setRange(buf: readonly number[]): void {
    let lo = buf[0], hi = buf[0];
    for (const x of buf) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    this.s.coreLo = lo;
    this.s.coreHi = hi;
    this.widen();
  }

  /** lo / hi = the core range widened by rangeMargin x its span on each side, within the finite doubles. */
  private widen(): void {
    const s = this.s;
    const pad = this.o.rangeMargin * (2 * (s.coreHi / 2 - s.coreLo / 2));
    s.lo = Math.max(-Number.MAX_VALUE, s.coreLo - pad);
    s.hi = Math.min(Number.MAX_VALUE, s.coreHi + pad);
  }

  protected level(raw: number): number {
    const s = this.s;
    if (this.o.relevel && (raw < s.lo || raw > s.hi)) this.relevel(raw);
    // (raw - lo) / (hi - lo) on halves: the same quotient for ordinary values, finite for any finite ones.
    const span = s.hi / 2 - s.lo / 2;
    const fraction = span !== 0 ? (raw / 2 - s.lo / 2) / span : raw - s.lo;
    return Math.min(NLEVELS, Math.max(0, roundEven(fraction * NLEVELS)));
  }

  /** Widens the range to take `raw` and maps every level the state holds onto the new range. */
  private relevel(raw: number): void {
    const s = this.s;
    const lo = s.lo, hi = s.hi;
    s.coreLo = Math.min(s.coreLo, raw);
    s.coreHi = Math.max(s.coreHi, raw);
    this.widen();
    // A level v of the old range is the value lo + v (hi - lo); its level in the new one, on halves.
    const a = lo / 2 - s.lo / 2, b = hi / 2 - lo / 2, c = s.hi / 2 - s.lo / 2;
    const map = (v: number) => clamp01((a + v * b) / c);
    s.fWindow = s.fWindow.map(map);
    const boxes = [...s.art.W, ...s.trendF];
    for (const w of boxes) {
      for (let k = LEVEL_DIMS; k < FEATURES; k++) w[k] = map(w[k]);
    }
    // A category's complement dimensions hold 1 - (its largest level).
    for (const w of s.art.W) {
      for (let k = FEATURES + LEVEL_DIMS; k < 2 * FEATURES; k++) w[k] = 1 - map(1 - w[k]);
    }
    s.art.refreshNorms();
    // The median's histogram: each level's count moves to the level its value has now; the median is recomputed.
    const bins = new Array<number>(NLEVELS + 1).fill(0);
    let total = 0;
    s.medbin.forEach((count, level) => {
      if (count === 0) return;
      bins[Math.min(NLEVELS, Math.max(0, roundEven(map(level / NLEVELS) * NLEVELS)))] += count;
      total += count;
    });
    s.medbin = bins;
    if (total === 0) return;
    const target = Math.floor(total / 2);
    let below = 0, level = 0;
    while (below + bins[level] <= target) below += bins[level++];
    s.medlevel = level;
    s.belowmed = below;
    s.abovemed = total - below - bins[level];
  }
}

export class ArtimeOnlineDetector implements RestorableDetector {
  readonly name = 'artime-online' as const;
  private readonly o: ArtimeOnlineOptions;
  /** Finite values seen. */
  private rows = 0;
  /** The fine process, until row switchRow (null after, or with switchRow 0). */
  private fine: OnlineProcess | null;
  private readonly coarse: OnlineProcess;

  constructor(options: ArtimeOnlineOptions) {
    this.o = { ...options };
    this.fine = options.switchRow > 0 ? new OnlineProcess(options, options.sstep) : null;
    this.coarse = new OnlineProcess(options, options.coarseSstep);
  }

  update(value: number): number {
    if (!Number.isFinite(value)) return 0;
    this.rows++;
    const coarse = this.coarse.update(value);
    if (this.fine) {
      const fine = this.fine.update(value);
      if (this.rows <= this.o.switchRow) return fine;
      this.fine = null;
    }
    return coarse;
  }

  toJSON(): DetectorState {
    return {
      detector: this.name,
      version: DETECTOR_STATE_VERSION,
      options: { ...this.o },
      state: { rows: this.rows, fine: this.fine ? this.fine.toJSON().state : null, coarse: this.coarse.toJSON().state },
    };
  }

  load(st: Record<string, any>): void {
    this.rows = st.rows;
    if (st.fine === null) this.fine = null;
    else {
      this.fine ??= new OnlineProcess(this.o, this.o.sstep);
      this.fine.load(st.fine);
    }
    this.coarse.load(st.coarse);
  }
}
