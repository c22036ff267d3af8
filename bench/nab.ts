// NAB benchmark of the streaming anomaly detectors (docs/anomaly.md):
//
//   npx rolloutlab bench nab [--data datasets/real/nab] [--detector contextual] [--json]
//   benchNab(root, { files: 'even' | 'odd' })   // a fixed half of the files (tuning / held-out split), API only
//   npx rolloutlab bench detector [--points 1000000] [--json]
//
// `bench nab` runs one fresh detector (same settings everywhere) over every labelled file under <root>/data, scores
// it with the NAB scorer port (detectors/nab-score.ts), optimises one threshold over all files per profile
// and prints the normalised scores beside NAB's published scoreboard. `bench detector` measures update throughput.
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { RolloutlabError } from '../lib/errors.ts';
import { terminalProgress } from '../lib/progress.ts';
import { createDetector, DEFAULT_DETECTOR, DETECTOR_NAMES, isDetectorName, nabFileOptions, type DetectorName } from '../detectors/registry.ts';
import { loadNab, readNabFileScores, readNabScores, type NabFile } from '../detectors/nab.ts';
import { NAB_PROFILE_NAMES, normalizedScore, scoreCorpus, scoreFile, sweepFile, type NabProfileName, type NabProfiles } from '../detectors/nab-score.ts';

/** NAB's published scoreboard (standard profile, whole 58-file corpus; NAB README / datasets README). */
export const PUBLISHED_NAB: readonly { detector: string; standard: number }[] = [
  { detector: 'ARTime', standard: 74.9 },
  { detector: 'Numenta HTM', standard: 70.5 },
  { detector: 'CAD OSE', standard: 69.9 },
  { detector: 'earthgecko Skyline', standard: 58.2 },
  { detector: 'KNN CAD', standard: 58.0 },
  { detector: 'Relative Entropy', standard: 54.6 },
  { detector: 'Random Cut Forest', standard: 51.7 },
  { detector: 'Twitter ADVec', standard: 47.1 },
  { detector: 'Windowed Gaussian', standard: 39.6 },
  { detector: 'Etsy Skyline', standard: 35.7 },
  { detector: 'Bayesian Changepoint', standard: 17.7 },
  { detector: 'random', standard: 11.0 },
  { detector: 'null', standard: 0 },
];

export type ProfileScores = Record<NabProfileName, number>;

export interface NabFileResult {
  key: string;
  rows: number;
  windows: number;
  /** Raw standard-profile score at the corpus threshold, and NAB's row counts. */
  score: number;
  tp: number;
  fp: number;
  fn: number;
  detectedWindows: number;
  /** Counted detections (first per window, every one outside windows) after the probationary period. */
  countedDetections: number;
}

export interface NabBenchResult {
  detector: string;
  files: number;
  windows: number;
  /** Normalised NAB scores (0 = never fires, 100 = perfect), one corpus-wide threshold per profile. */
  scores: ProfileScores;
  /** Of the counted detections at the standard threshold, the share inside a window (null: no detection). */
  windowPrecision: number | null;
  /** Windows with at least one detection after the probationary period / all windows (null: no windows). */
  windowRecall: number | null;
  /** Median over detected windows of (right edge row - first detection row) (null: none detected). */
  medianLeadTimeRows: number | null;
  // --- extensions ---
  data: string;
  options: Record<string, number>;
  thresholds: ProfileScores;
  raw: ProfileScores;
  detectedWindows: number;
  countedDetections: number;
  detectionsInWindows: number;
  /** Overfitting check: the standard score with the threshold optimised separately for artificial and real files. */
  groupThresholdCheck: { standard: number; groups: Record<string, { files: number; threshold: number; raw: number }> };
  /** NAB's official per-file results for Numenta HTM (reference/numenta), summed over these files; null if absent. */
  numentaReference: ProfileScores | null;
  published: typeof PUBLISHED_NAB;
  rows: number;
  /** Detector time over all files (updates only). */
  detectorSeconds: number;
  pointsPerSecond: number;
  perFile: NabFileResult[];
  /** Which files were run: all, or the even / odd positions of the sorted file paths (0-based). */
  fileSelection: NabFileSelection;
  /** Normalised scores at thresholds given by the caller (e.g. optimised on the other half); null if none given. */
  scoresAtGivenThresholds: ProfileScores | null;
}

/** The tuning / held-out split of docs/anomaly.md: even (0, 2, 4, ...) or odd positions of the sorted file paths. */
export const NAB_FILE_SELECTIONS = ['all', 'even', 'odd'] as const;
export type NabFileSelection = (typeof NAB_FILE_SELECTIONS)[number];

/** The files at the selected positions of the key-sorted list. */
export function selectNabFiles<F extends { key: string }>(files: readonly F[], selection: NabFileSelection = 'all'): F[] {
  if (!(NAB_FILE_SELECTIONS as readonly string[]).includes(selection)) {
    throw new RolloutlabError('BAD_ARGUMENT', `--files: expected one of ${NAB_FILE_SELECTIONS.join(', ')}, got "${selection}"`, 'files');
  }
  const sorted = [...files].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return selection === 'all' ? sorted : sorted.filter((_, i) => i % 2 === (selection === 'even' ? 0 : 1));
}

export interface NabBenchOptions {
  detector?: DetectorName | string;
  /** Overrides of the detector's defaults (the bench's own runs use none). */
  options?: Record<string, number>;
  /** Progress on a terminal. */
  progress?: boolean;
  /** Run only the even or odd positions of the sorted file paths (default all). */
  files?: NabFileSelection;
  /** Also score at these thresholds (e.g. the other half's optimised ones): `scoresAtGivenThresholds`. */
  thresholds?: ProfileScores;
}

function validateDetector(name: string, flag = 'detector'): DetectorName {
  if (!isDetectorName(name)) throw new RolloutlabError('BAD_ARGUMENT', `--${flag}: unknown detector "${name}" (detectors: ${DETECTOR_NAMES.join(', ')})`, flag);
  return name;
}

/**
 * Runs one fresh detector over each file (value and timestamp per row). A detector that, like its original, is
 * handed more than the values by NAB (`cad-ose`: the file's min and max) gets those per file, under `options`.
 */
export function runDetector(files: readonly NabFile[], name: DetectorName, options: Record<string, number> = {}, onFile?: (done: number, total: number) => void): { scores: Float64Array[]; seconds: number } {
  let seconds = 0;
  const scores = files.map((f, k) => {
    const d = createDetector(name, { ...nabFileOptions(name, f.values), ...options });
    const out = new Float64Array(f.values.length);
    const t0 = performance.now();
    for (let i = 0; i < out.length; i++) out[i] = d.update(f.values[i], f.timestamps[i]);
    seconds += (performance.now() - t0) / 1000;
    onFile?.(k + 1, files.length);
    return out;
  });
  return { scores, seconds };
}

export interface WindowStats {
  windowPrecision: number | null;
  windowRecall: number | null;
  medianLeadTimeRows: number | null;
  detectedWindows: number;
  countedDetections: number;
  detectionsInWindows: number;
  perFile: { detectedWindows: number; countedDetections: number }[];
}

/**
 * Window-level figures at a threshold, counting only rows after NAB's probationary period. A counted detection is
 * the first detection inside a window or any detection outside every window.
 */
export function windowStats(files: readonly NabFile[], scores: readonly ArrayLike<number>[], threshold: number, profiles: NabProfiles): WindowStats {
  let detected = 0, counted = 0, inWindows = 0, windows = 0;
  const leads: number[] = [];
  const perFile = files.map((f, k) => {
    const sw = sweepFile(f, profiles.standard);
    windows += sw.windows.length;
    const first = new Map<number, number>();
    let fileCounted = 0;
    for (let i = sw.probation; i < sw.rows; i++) {
      if (!(scores[k][i] >= threshold)) continue;
      const w = sw.windowOf[i];
      if (w === -1) fileCounted++;
      else if (w >= 0 && !first.has(w)) {
        first.set(w, i);
        fileCounted++;
      }
    }
    for (const [w, i] of first) leads.push(sw.windows[w].end - i);
    detected += first.size;
    inWindows += first.size;
    counted += fileCounted;
    return { detectedWindows: first.size, countedDetections: fileCounted };
  });
  leads.sort((a, b) => a - b);
  const median = leads.length === 0 ? null : leads.length % 2 ? leads[(leads.length - 1) / 2] : (leads[leads.length / 2 - 1] + leads[leads.length / 2]) / 2;
  return {
    windowPrecision: counted ? inWindows / counted : null,
    windowRecall: windows ? detected / windows : null,
    medianLeadTimeRows: median,
    detectedWindows: detected,
    countedDetections: counted,
    detectionsInWindows: inWindows,
    perFile,
  };
}

/** Sum of NAB's official per-file Numenta HTM scores over `keys`, normalised; null if a file or profile is missing. */
async function numentaReference(root: string, keys: readonly string[], windows: number, profiles: NabProfiles): Promise<ProfileScores | null> {
  const out = {} as ProfileScores;
  for (const p of NAB_PROFILE_NAMES) {
    const file = join(root, 'reference', 'numenta', `official_${p}_scores_dev_files.csv`);
    const s = await stat(file).catch(() => null);
    if (!s?.isFile()) return null;
    const byKey = await readNabFileScores(file);
    let raw = 0;
    for (const k of keys) {
      const v = byKey.get(k);
      if (v === undefined || Number.isNaN(v)) return null;
      raw += v;
    }
    out[p] = normalizedScore(raw, windows, profiles[p]);
  }
  return out;
}

export async function benchNab(root: string, opts: NabBenchOptions = {}): Promise<NabBenchResult> {
  const name = validateDetector(opts.detector ?? DEFAULT_DETECTOR);
  createDetector(name, opts.options); // validates the options before any reading
  const progress = terminalProgress(process.stderr, opts.progress ? undefined : false);
  const selection = opts.files ?? 'all';
  selectNabFiles([], selection); // validates the selection before any reading
  const data = await loadNab(root, { onProgress: (d, n) => progress.update('read NAB', d, n) });
  const { profiles } = data;
  const files = selectNabFiles(data.files, selection);
  const { scores, seconds } = runDetector(files, name, opts.options, (d, n) => progress.update(`run ${name}`, d, n));
  progress.update('score', 0, 1);
  const results = NAB_PROFILE_NAMES.map((p) => scoreCorpus(files, scores, p, profiles));
  progress.done();
  const std = results[0];
  const windows = files.reduce((a, f) => a + f.windows.length, 0);
  const rows = files.reduce((a, f) => a + f.values.length, 0);
  const ws = windowStats(files, scores, std.threshold, profiles);
  const pick = (g: (r: (typeof results)[number]) => number) => Object.fromEntries(results.map((r) => [r.profile, g(r)])) as ProfileScores;

  const groups: NabBenchResult['groupThresholdCheck']['groups'] = {};
  let groupRaw = 0;
  for (const [g, test] of [['artificial', (k: string) => k.startsWith('artificial')], ['real', (k: string) => !k.startsWith('artificial')]] as const) {
    const idx = files.map((_, i) => i).filter((i) => test(files[i].key));
    if (!idx.length) continue;
    const r = scoreCorpus(idx.map((i) => files[i]), idx.map((i) => scores[i]), 'standard', profiles);
    groups[g] = { files: idx.length, threshold: r.threshold, raw: r.raw };
    groupRaw += r.raw;
  }

  return {
    detector: name,
    files: files.length,
    windows,
    scores: pick((r) => r.normalized),
    windowPrecision: ws.windowPrecision,
    windowRecall: ws.windowRecall,
    medianLeadTimeRows: ws.medianLeadTimeRows,
    data: root,
    options: { ...(createDetector(name, opts.options).toJSON().options) },
    thresholds: pick((r) => r.threshold),
    raw: pick((r) => r.raw),
    detectedWindows: ws.detectedWindows,
    countedDetections: ws.countedDetections,
    detectionsInWindows: ws.detectionsInWindows,
    groupThresholdCheck: { standard: normalizedScore(groupRaw, windows, profiles.standard), groups },
    numentaReference: await numentaReference(root, files.map((f) => f.key), windows, profiles),
    published: PUBLISHED_NAB,
    rows,
    detectorSeconds: seconds,
    pointsPerSecond: seconds > 0 ? rows / seconds : 0,
    fileSelection: selection,
    scoresAtGivenThresholds: opts.thresholds ? scoresAt(files, scores, opts.thresholds, profiles) : null,
    perFile: files.map((f, k) => ({
      key: f.key,
      rows: f.values.length,
      windows: f.windows.length,
      score: std.perFile[k].score,
      tp: std.perFile[k].tp,
      fp: std.perFile[k].fp,
      fn: std.perFile[k].fn,
      ...ws.perFile[k],
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// faithfulness: our port's per-row scores beside an original detector's published ones

/** Published per-row results of original detectors kept under <root>/reference/<name>/<name>_<file>.csv. */
export const NAB_REFERENCES = ['contextOSE', 'ARTime'] as const;
export type NabReferenceName = (typeof NAB_REFERENCES)[number];

/**
 * Two scores count as equal below this absolute difference: NAB's published contextOSE files print each score with
 * 12 significant digits (Python 2's str of a float), so a score in [0, 1] is off by at most 5e-13 there; the ARTime
 * files print every digit but were re-read once by pandas' legacy parser (one unit in the last place, ~1e-16).
 */
export const FAITHFUL_TOLERANCE = 1e-12;

export interface FaithfulFileResult {
  key: string;
  rows: number;
  /** Largest |ours - published| over the file's rows, and the first row (0-based) where it occurs. */
  maxAbsDiff: number;
  rowOfMax: number;
  /** Rows with |ours - published| > FAITHFUL_TOLERANCE, and the first of them (-1: none). */
  rowsDifferent: number;
  firstDifferentRow: number;
  /** Raw standard-profile NAB score of each at its own corpus threshold. */
  score: number;
  referenceScore: number;
}

export interface FaithfulResult {
  detector: string;
  reference: NabReferenceName;
  data: string;
  fileSelection: NabFileSelection;
  files: number;
  windows: number;
  tolerance: number;
  /** Largest per-file maxAbsDiff, and the files with a row beyond the tolerance. */
  maxAbsDiff: number;
  filesDifferent: number;
  /** Normalised NAB scores of ours and of the published rows on these files, each with its own optimised thresholds. */
  scores: ProfileScores;
  referenceScores: ProfileScores;
  thresholds: ProfileScores;
  referenceThresholds: ProfileScores;
  perFile: FaithfulFileResult[];
}

export interface FaithfulOptions {
  detector: DetectorName | string;
  reference: NabReferenceName | string;
  files?: NabFileSelection;
  progress?: boolean;
}

/** The published results file of `reference` for one data file (flat: reference/<name>/<name>_<file>.csv). */
export function referencePath(root: string, reference: string, key: string): string {
  return join(root, 'reference', reference, `${reference}_${key.slice(key.lastIndexOf('/') + 1)}`);
}

/**
 * Runs our detector over the selected files and compares it row by row with an original detector's published scores
 * (NOT_FOUND naming the file when one is missing; BAD_DATA when its rows do not line up with the data file's), and
 * scores both with the NAB scorer on the same files.
 */
export async function benchFaithful(root: string, opts: FaithfulOptions): Promise<FaithfulResult> {
  const name = validateDetector(opts.detector);
  if (!(NAB_REFERENCES as readonly string[]).includes(opts.reference)) {
    throw new RolloutlabError('BAD_ARGUMENT', `--faithful: expected one of ${NAB_REFERENCES.join(', ')}, got "${opts.reference}"`, 'faithful');
  }
  const reference = opts.reference as NabReferenceName;
  const selection = opts.files ?? 'all';
  selectNabFiles([], selection);
  const progress = terminalProgress(process.stderr, opts.progress ? undefined : false);
  const data = await loadNab(root, { onProgress: (d, n) => progress.update('read NAB', d, n) });
  const files = selectNabFiles(data.files, selection);
  const published: Float64Array[] = [];
  for (const f of files) {
    const path = referencePath(root, reference, f.key);
    const s = await stat(path).catch(() => null);
    if (!s?.isFile()) throw new RolloutlabError('NOT_FOUND', `${path}: published ${reference} scores for ${f.key} not found`, 'faithful');
    const r = await readNabScores(path);
    if (r.scores.length !== f.values.length || r.timestamps.some((t, i) => t !== f.timestamps[i])) {
      throw new RolloutlabError('BAD_DATA', `${path}: ${r.scores.length} rows whose timestamps do not match the ${f.values.length} rows of ${f.path}`, 'faithful');
    }
    published.push(r.scores);
  }
  const { scores } = runDetector(files, name, {}, (d, n) => progress.update(`run ${name}`, d, n));
  progress.done();
  const ours = NAB_PROFILE_NAMES.map((p) => scoreCorpus(files, scores, p, data.profiles));
  const theirs = NAB_PROFILE_NAMES.map((p) => scoreCorpus(files, published, p, data.profiles));
  const pick = (rs: typeof ours, g: (r: (typeof ours)[number]) => number) => Object.fromEntries(rs.map((r) => [r.profile, g(r)])) as ProfileScores;
  const perFile = files.map((f, k): FaithfulFileResult => {
    let max = 0, at = 0, n = 0, first = -1;
    for (let i = 0; i < f.values.length; i++) {
      const d = Math.abs(scores[k][i] - published[k][i]);
      if (d > max) [max, at] = [d, i];
      if (d > FAITHFUL_TOLERANCE && n++ === 0) first = i;
    }
    return { key: f.key, rows: f.values.length, maxAbsDiff: max, rowOfMax: at, rowsDifferent: n, firstDifferentRow: first, score: ours[0].perFile[k].score, referenceScore: theirs[0].perFile[k].score };
  });
  return {
    detector: name,
    reference,
    data: root,
    fileSelection: selection,
    files: files.length,
    windows: files.reduce((a, f) => a + f.windows.length, 0),
    tolerance: FAITHFUL_TOLERANCE,
    maxAbsDiff: Math.max(0, ...perFile.map((r) => r.maxAbsDiff)),
    filesDifferent: perFile.filter((r) => r.rowsDifferent > 0).length,
    scores: pick(ours, (r) => r.normalized),
    referenceScores: pick(theirs, (r) => r.normalized),
    thresholds: pick(ours, (r) => r.threshold),
    referenceThresholds: pick(theirs, (r) => r.threshold),
    perFile,
  };
}

export function formatFaithful(r: FaithfulResult): string {
  const lines = [
    `Faithfulness — rolloutlab ${r.detector} beside ${r.reference}'s published per-row scores, ${r.files} files (${r.windows} windows) from ${r.data}` +
      (r.fileSelection === 'all' ? '' : ` — ${r.fileSelection} positions of the sorted file paths`),
    `  equal below ${r.tolerance} (contextOSE's published files print 12 significant digits)`,
    '',
    `  ${'file'.padEnd(56)} ${'rows'.padStart(6)} ${'max |diff|'.padStart(10)} ${'at row'.padStart(7)} ${'rows diff'.padStart(9)} ${'first'.padStart(6)}   raw std: ours / published`,
  ];
  for (const f of r.perFile) {
    lines.push(
      `  ${f.key.padEnd(56)} ${String(f.rows).padStart(6)} ${f.maxAbsDiff.toExponential(2).padStart(10)} ${String(f.rowOfMax).padStart(7)} ${String(f.rowsDifferent).padStart(9)} ${String(f.firstDifferentRow).padStart(6)}   ${f.score.toFixed(3).padStart(7)} / ${f.referenceScore.toFixed(3)}`,
    );
  }
  lines.push(
    '',
    `  largest difference ${r.maxAbsDiff.toExponential(2)}; files with a row beyond the tolerance: ${r.filesDifferent} of ${r.files}`,
    '',
    `  NAB score on these files (each with its own thresholds optimised over them):`,
    `  profile               ours   published   threshold ours / published`,
  );
  for (const p of NAB_PROFILE_NAMES) {
    lines.push(`  ${p.padEnd(20)} ${num(r.scores[p]).padStart(5)}   ${num(r.referenceScores[p]).padStart(9)}   ${thr(r.thresholds[p])} / ${thr(r.referenceThresholds[p])}`);
  }
  return lines.join('\n');
}

/** Normalised scores of the given files at fixed thresholds, one per profile. */
function scoresAt(files: readonly NabFile[], scores: readonly Float64Array[], thresholds: ProfileScores, profiles: NabProfiles): ProfileScores {
  const windows = files.reduce((a, f) => a + f.windows.length, 0);
  const out = {} as ProfileScores;
  for (const p of NAB_PROFILE_NAMES) {
    const raw = files.reduce((a, f, k) => a + scoreFile(sweepFile(f, profiles[p]), scores[k], thresholds[p]).score, 0);
    out[p] = normalizedScore(raw, windows, profiles[p]);
  }
  return out;
}

const num = (x: number | null, d = 1) => (x === null ? '—' : x.toFixed(d));
const thr = (x: number) => (Number.isFinite(x) ? x.toFixed(4) : 'none');

export function formatNab(r: NabBenchResult): string {
  const lines = [
    `NAB benchmark — detector ${r.detector} on ${r.files} files (${r.windows} windows, ${r.rows.toLocaleString('en-US')} rows) from ${r.data}` +
      (r.fileSelection === 'all' ? '' : ` — ${r.fileSelection} positions of the sorted file paths`),
    `  one detector, same settings on every file; one threshold per profile optimised over all files`,
    '',
    '  profile               score   threshold        raw' + (r.numentaReference ? '   Numenta HTM on these files' : ''),
  ];
  for (const p of NAB_PROFILE_NAMES) {
    lines.push(
      `  ${p.padEnd(20)} ${num(r.scores[p]).padStart(6)}   ${thr(r.thresholds[p]).padStart(9)}   ${r.raw[p].toFixed(3).padStart(8)}` +
        (r.numentaReference ? `   ${num(r.numentaReference[p]).padStart(6)}` : ''),
    );
  }
  lines.push(
    '',
    `  windows at the standard threshold: precision ${num(r.windowPrecision, 3)} (${r.detectionsInWindows} of ${r.countedDetections} counted detections in a window), ` +
      `recall ${num(r.windowRecall, 3)} (${r.detectedWindows} of ${r.windows}), median lead ${num(r.medianLeadTimeRows, 0)} rows before the window's right edge`,
    `  check, threshold optimised separately for artificial and real files: standard ${num(r.groupThresholdCheck.standard)}`,
    `  detector throughput over the corpus: ${Math.round(r.pointsPerSecond).toLocaleString('en-US')} points/s (${r.detectorSeconds.toFixed(2)} s)`,
  );
  if (r.scoresAtGivenThresholds) {
    lines.push(`  at the given thresholds: ${NAB_PROFILE_NAMES.map((p) => `${p} ${num(r.scoresAtGivenThresholds![p])}`).join(', ')}`);
  }
  if (r.numentaReference) lines.push(`  (Numenta HTM: NAB's official per-file results in reference/numenta, at its 58-file thresholds, summed over these files)`);
  lines.push('', `Published scoreboard, standard profile, on NAB's full 58-file corpus (ours is on the ${r.files} files here, not the same corpus):`);
  const ours = { detector: `>> rolloutlab ${r.detector} (${r.files} files here)`, standard: r.scores.standard };
  const board = [...PUBLISHED_NAB, ours].sort((a, b) => b.standard - a.standard);
  for (const e of board) lines.push(`  ${e.detector.padEnd(40)} ${e.standard.toFixed(1).padStart(5)}`);
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------------
// throughput

export interface DetectorThroughput {
  points: number;
  detectors: { detector: string; pointsPerSecond: number; nsPerPoint: number }[];
}

/**
 * Points/s of `update` for the default detector and the windowed-Gaussian peer, measured in the same run on the same
 * deterministic series (a daily-like sine with noise from a Park-Miller generator and a few spikes), one detector
 * at a time after a short warm-up run.
 */
export function benchDetectorThroughput(points = 1_000_000, requested: readonly string[] = [DEFAULT_DETECTOR, 'windowed-gaussian']): DetectorThroughput {
  if (!Number.isInteger(points) || points < 1000) throw new RolloutlabError('BAD_ARGUMENT', `--points must be an integer >= 1000, got ${points}`, 'points');
  if (requested.length === 0) throw new RolloutlabError('BAD_ARGUMENT', '--detectors: give at least one detector', 'detectors');
  const names = requested.map((n) => validateDetector(n, 'detectors'));
  const xs = new Float64Array(points);
  let s = 12345;
  for (let i = 0; i < points; i++) {
    s = (s * 16807) % 2147483647;
    xs[i] = 10 * Math.sin((2 * Math.PI * i) / 288) + 3 * (s / 2147483647) + (i % 5000 === 4999 ? 40 : 0);
  }
  const detectors = names.map((name) => {
    const warm = createDetector(name);
    for (let i = 0; i < Math.min(points, 20_000); i++) warm.update(xs[i]);
    const d = createDetector(name);
    let acc = 0;
    const t0 = performance.now();
    for (let i = 0; i < points; i++) acc += d.update(xs[i]);
    const sec = (performance.now() - t0) / 1000;
    if (Number.isNaN(acc)) throw new Error(`${name}: NaN score`);
    return { detector: name, pointsPerSecond: points / sec, nsPerPoint: (sec * 1e9) / points };
  });
  return { points, detectors };
}

export function formatThroughput(r: DetectorThroughput): string {
  return [
    `Detector throughput — ${r.points.toLocaleString('en-US')} points each, one thread, same series:`,
    ...r.detectors.map((d) => `  ${d.detector.padEnd(20)} ${Math.round(d.pointsPerSecond).toLocaleString('en-US').padStart(12)} points/s   ${d.nsPerPoint.toFixed(0).padStart(6)} ns/point`),
  ].join('\n');
}
