// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//                                 ▲ streaming anomaly detectors and NAB scoring
//
// The registry of the streaming anomaly detectors: one value at a time, a score in [0, 1] back, deterministic, and
// the whole state as plain JSON so a saved-and-restored detector continues with identical scores. See
// docs/anomaly.md. The top of detectors/: the rest of the repo lists, validates, creates and restores detectors here.
//
//   const d = createDetector();              // the default ('contextual')
//   for (const x of stream) if (d.update(x) >= 0.5) alarm();
//   const saved = JSON.stringify(d);         // toJSON()
//   const again = restoreDetector(JSON.parse(saved));
//
// Detectors (one entry each in DETECTORS below):
// - `contextual` (default): context novelty + robust residual, each as an anomaly likelihood, with repeat
//   suppression (detectors/contextual.ts).
// - `robust-z`: the residual part alone (no context memory; detectors/contextual.ts).
// - `windowed-gaussian`: NAB's "Windowed Gaussian" baseline (6,400-value window moved in steps of 100;
//   detectors/windowed-gaussian.ts).
// - `art`: fuzzy-ART (ARTime-style) window novelty beside the contextual context novelty (detectors/art.ts).
// - `cad`: a streaming port of CAD OSE's context memory (its raw score as an anomaly likelihood) beside the contextual
//   context novelty (detectors/cad.ts).
// - `forecast`: an online seasonal (Holt-Winters) forecaster's residual as an anomaly likelihood beside the contextual
//   detector's surprises (detectors/forecast.ts).
// - `cad-ose`: a faithful port of CAD OSE as NAB runs it (NAB's contextOSE), given each file's min and max; it
//   reproduces NAB's published scores row by row (detectors/cad-ose.ts). A benchmark reference, never served.
// - `artime`: a port of ARTime as NAB runs it (NAB's ARTime, given each file's min, max and length;
//   detectors/artime.ts). A benchmark reference, never served.
// - `artime-online`: ARTime's process with fixed timing, the range from the values seen so far (re-levelled when a
//   value leaves it) and a bounded state: the served variant of the port (detectors/artime-online.ts).
import { RolloutlabError, show } from '../lib/errors.ts';
import { ArtDetector, ART_DEFAULTS, ART_INTEGER_OPTIONS, validateArtOptions } from './art.ts';
import { CadDetector, CAD_DEFAULTS, CAD_INTEGER_OPTIONS, validateCadOptions } from './cad.ts';
import { ArtimeDetector, ARTIME_DEFAULTS, ARTIME_INTEGER_OPTIONS, ARTIME_SIGNED_OPTIONS, artimeFileOptions, validateArtimeOptions } from './artime.ts';
import { ArtimeOnlineDetector, ARTIME_ONLINE_DEFAULTS, ARTIME_ONLINE_INTEGER_OPTIONS, validateArtimeOnlineOptions } from './artime-online.ts';
import { CadOseDetector, CAD_OSE_DEFAULTS, CAD_OSE_INTEGER_OPTIONS, CAD_OSE_SIGNED_OPTIONS, cadOseFileOptions, validateCadOseOptions } from './cad-ose.ts';
import { ContextualDetector, CONTEXTUAL_DEFAULTS, CONTEXTUAL_INTEGER_OPTIONS, ROBUST_Z_DEFAULTS, validateContextualOptions } from './contextual.ts';
import { ForecastDetector, FORECAST_DEFAULTS, FORECAST_INTEGER_OPTIONS, validateForecastOptions } from './forecast.ts';
import { DETECTOR_NAMES, DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorName, type DetectorState, type RestorableDetector } from './types.ts';
import { WindowedGaussianDetector, WINDOWED_GAUSSIAN_DEFAULTS, WINDOWED_GAUSSIAN_INTEGER_OPTIONS } from './windowed-gaussian.ts';

export { DETECTOR_NAMES, DETECTOR_STATE_VERSION, type AnomalyDetector, type DetectorName, type DetectorState };

export const DEFAULT_DETECTOR: DetectorName = 'contextual';

/** One detector: its name, what it does, its default options, which must be integers, its own checks, and a constructor. */
export interface DetectorSpec<O extends object = any> {
  readonly name: DetectorName;
  readonly description: string;
  readonly defaults: Readonly<O>;
  /** Options that must be integers >= 1; every other option is a number >= 0 (or any finite number if signed). */
  readonly integerOptions: readonly (keyof O)[];
  /** Options that may be negative. */
  readonly signedOptions?: readonly (keyof O)[];
  /**
   * What NAB hands this detector for each file besides the values (the original detectors get the file's min and
   * max and its length): options the NAB bench sets per file, under the caller's. Absent: none.
   */
  readonly nabFileOptions?: (values: ArrayLike<number>) => Record<string, number>;
  /** Checks beyond integer / number >= 0 on the resolved options (BAD_ARGUMENT). */
  readonly validate?: (o: O, name: DetectorName) => void;
  readonly create: (o: O) => RestorableDetector;
}

const spec = <O extends object>(s: DetectorSpec<O>): DetectorSpec => s;

/** Every detector, in DETECTOR_NAMES order. */
export const DETECTORS: readonly DetectorSpec[] = [
  spec({
    name: 'contextual',
    description: 'context novelty + robust residual, each as an anomaly likelihood, with repeat suppression (default)',
    defaults: CONTEXTUAL_DEFAULTS,
    integerOptions: CONTEXTUAL_INTEGER_OPTIONS,
    validate: validateContextualOptions,
    create: (o) => new ContextualDetector('contextual', o),
  }),
  spec({
    name: 'robust-z',
    description: 'the robust (median/IQR) residual likelihood alone, with repeat suppression',
    defaults: ROBUST_Z_DEFAULTS,
    integerOptions: CONTEXTUAL_INTEGER_OPTIONS,
    validate: validateContextualOptions,
    create: (o) => new ContextualDetector('robust-z', o),
  }),
  spec({
    name: 'windowed-gaussian',
    description: "NAB's Windowed Gaussian baseline (6,400-value window, steps of 100)",
    defaults: WINDOWED_GAUSSIAN_DEFAULTS,
    integerOptions: WINDOWED_GAUSSIAN_INTEGER_OPTIONS,
    create: (o) => new WindowedGaussianDetector(o),
  }),
  spec({
    name: 'art',
    description: "fuzzy-ART (ARTime-style) novelty of value pairs and values + the contextual detector's context novelty, larger surprise, with repeat suppression",
    defaults: ART_DEFAULTS,
    integerOptions: ART_INTEGER_OPTIONS,
    validate: validateArtOptions,
    create: (o) => new ArtDetector(o),
  }),
  spec({
    name: 'cad',
    description: "CAD OSE (Contextual Anomaly Detector) context memory on an online grid, as an anomaly likelihood + the contextual detector's context novelty, larger surprise, with repeat suppression",
    defaults: CAD_DEFAULTS,
    integerOptions: CAD_INTEGER_OPTIONS,
    validate: validateCadOptions,
    create: (o) => new CadDetector(o),
  }),
  spec({
    name: 'forecast',
    description: "the contextual detector's context novelty and robust residual + an online seasonal (Holt-Winters, daily season from the timestamps) forecaster's residual, each as an anomaly likelihood, larger surprise, with repeat suppression",
    defaults: FORECAST_DEFAULTS,
    integerOptions: FORECAST_INTEGER_OPTIONS,
    validate: validateForecastOptions,
    create: (o) => new ForecastDetector(o),
  }),
  spec({
    name: 'cad-ose',
    description: "a faithful port of CAD OSE as NAB runs it (NAB's contextOSE: the file's min and max, rest period = probationary period / 5); reproduces NAB's published scores; a benchmark reference, not online",
    defaults: CAD_OSE_DEFAULTS,
    integerOptions: CAD_OSE_INTEGER_OPTIONS,
    signedOptions: CAD_OSE_SIGNED_OPTIONS,
    nabFileOptions: cadOseFileOptions,
    validate: validateCadOseOptions,
    create: (o) => new CadOseDetector(o),
  }),
  spec({
    name: 'artime',
    description: "a port of ARTime as NAB runs it (the file's min, max and length; dual-vigilance fuzzy ART on Haar-wavelet features of a downsampled series); a benchmark reference, not online",
    defaults: ARTIME_DEFAULTS,
    integerOptions: ARTIME_INTEGER_OPTIONS,
    signedOptions: ARTIME_SIGNED_OPTIONS,
    nabFileOptions: (values) => artimeFileOptions(values, true),
    validate: validateArtimeOptions,
    create: (o) => new ArtimeDetector(o),
  }),
  spec({
    name: 'artime-online',
    description: "ARTime's process (the artime port) online: fixed probation and downsampling, the range from the values seen so far (widened when a value leaves it), at most maxCategories ART categories",
    defaults: ARTIME_ONLINE_DEFAULTS,
    integerOptions: ARTIME_ONLINE_INTEGER_OPTIONS,
    validate: validateArtimeOnlineOptions,
    create: (o) => new ArtimeOnlineDetector(o),
  }),
];

const BY_NAME = new Map(DETECTORS.map((s) => [s.name, s]));

export const DETECTOR_DESCRIPTIONS = Object.fromEntries(DETECTORS.map((s) => [s.name, s.description])) as Record<DetectorName, string>;

export function isDetectorName(s: string): s is DetectorName {
  return (DETECTOR_NAMES as readonly string[]).includes(s);
}

/** The named detector's defaults with `options` over them; BAD_ARGUMENT on an unknown option or a bad value. */
function resolveOptions(s: DetectorSpec, options: Record<string, number> = {}): Record<string, number> {
  const d: Record<string, number> = { ...s.defaults };
  for (const [k, v] of Object.entries(options)) {
    if (!Object.hasOwn(d, k)) {
      throw new RolloutlabError('BAD_ARGUMENT', `detector ${s.name}: unknown option ${show(k)} (options: ${Object.keys(d).join(', ')})`, k);
    }
    const isInt = s.integerOptions.includes(k);
    const signed = !isInt && !!s.signedOptions?.includes(k);
    const ok = typeof v === 'number' && Number.isFinite(v) && (signed || v >= 0) && (!isInt || (Number.isInteger(v) && v >= 1));
    if (!ok) throw new RolloutlabError('BAD_ARGUMENT', `detector ${s.name}: option ${k} must be ${isInt ? 'an integer >= 1' : signed ? 'a finite number' : 'a number >= 0'}, got ${show(v)}`, k);
    d[k] = v;
  }
  s.validate?.(d, s.name);
  return d;
}

function build(name: DetectorName | string, options: Record<string, number>): RestorableDetector {
  const s = isDetectorName(name) ? BY_NAME.get(name) : undefined;
  if (!s) throw new RolloutlabError('BAD_ARGUMENT', `unknown detector ${show(name)} (detectors: ${DETECTOR_NAMES.join(', ')})`, 'detector');
  return s.create(resolveOptions(s, options));
}

/** A fresh detector; `options` override the named detector's defaults (BAD_ARGUMENT on unknown names or values). */
export function createDetector(name: DetectorName | string = DEFAULT_DETECTOR, options: Record<string, number> = {}): AnomalyDetector {
  return build(name, options);
}

/** Rebuilds a detector from `toJSON()` output; it continues with exactly the scores the original would give. */
export function restoreDetector(saved: DetectorState): AnomalyDetector {
  if (!saved || typeof saved !== 'object' || !isDetectorName(String(saved.detector))) {
    throw new RolloutlabError('BAD_DATA', `detector state: unknown detector ${show(saved?.detector)}`, 'detector');
  }
  if (saved.version !== DETECTOR_STATE_VERSION) throw new RolloutlabError('BAD_DATA', `detector state: version ${show(saved.version)}, expected ${DETECTOR_STATE_VERSION}`, 'version');
  const d = build(saved.detector, saved.options);
  d.load(saved.state);
  return d;
}

/** The options the NAB bench sets for one file (what NAB hands the original detector besides the values); {} for most. */
export function nabFileOptions(name: DetectorName | string, values: ArrayLike<number>): Record<string, number> {
  const s = isDetectorName(name) ? BY_NAME.get(name) : undefined;
  return s?.nabFileOptions?.(values) ?? {};
}

/**
 * Scores a whole series with a fresh detector (what the NAB bench does per file): a detector that NAB hands more
 * than the values (`cad-ose`: the series' min and max) gets them from the series, under `options`.
 */
export function scoreSeries(values: ArrayLike<number>, name: DetectorName | string = DEFAULT_DETECTOR, options: Record<string, number> = {}): Float64Array {
  const d = createDetector(name, { ...nabFileOptions(name, values), ...options });
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = d.update(values[i]);
  return out;
}
