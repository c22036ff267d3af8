// Reading a NAB folder for scoring: data/<category>/<file>.csv (timestamp,value), labels/combined_windows.json
// and, when present, config/profiles.json; and NAB's results files (a detector's scores per row, its scores per
// file). Files without an entry in the label file are skipped (NAB scores only labelled files). The CSV rows go
// through datasets/import-nab.ts `readNabCsv`, the one NAB CSV reader. Bad input fails with RolloutlabError naming
// the file, line and field.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RolloutlabError, show } from '../lib/errors.ts';
import { parseNumber, readCsv, requireColumns } from '../datasets/csv.ts';
import { parseNabWindows, readNabCsv } from '../datasets/import-nab.ts';
import { NAB_PROFILE_NAMES, NAB_PROFILES, type CostMatrix, type NabProfiles } from './nab-score.ts';

export interface NabFile {
  /** `category/file.csv`, the key of NAB's label and result files. */
  key: string;
  path: string;
  /** Epoch ms (UTC), in file order (NAB scores by row position; a few files repeat timestamps). */
  timestamps: Float64Array;
  values: Float64Array;
  /** Anomaly windows [startMs, endMs], inclusive, in label-file order. */
  windows: [number, number][];
}

export interface NabData {
  root: string;
  /** Sorted by key. */
  files: NabFile[];
  /** Data files skipped because the label file has no entry for them. */
  unlabelled: string[];
  profiles: NabProfiles;
  /** Where the profiles came from: the folder's config/profiles.json, or NAB's defaults when it has none. */
  profilesSource: string;
}

async function kind(p: string): Promise<'dir' | 'file' | null> {
  const s = await stat(p).catch(() => null);
  return !s ? null : s.isDirectory() ? 'dir' : s.isFile() ? 'file' : null;
}

async function readJson(file: string, what: string): Promise<unknown> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new RolloutlabError('NOT_FOUND', `${file}: ${what} not found`);
  });
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `${file}: not valid JSON (${(e as Error).message})`);
  }
}

function parseProfiles(file: string, raw: unknown): NabProfiles {
  const fail = (field: string, msg: string): never => {
    throw new RolloutlabError('BAD_DATA', `${file}: ${field}: ${msg}`, field);
  };
  if (typeof raw !== 'object' || raw === null) fail('(root)', 'expected an object of profiles');
  const o = raw as Record<string, unknown>;
  const out = {} as NabProfiles;
  for (const p of NAB_PROFILE_NAMES) {
    const m = (o[p] as { CostMatrix?: Record<string, unknown> } | undefined)?.CostMatrix;
    if (!m || typeof m !== 'object') fail(`${p}.CostMatrix`, 'missing');
    const get = (k: 'tpWeight' | 'fpWeight' | 'fnWeight'): number => {
      const v = m![k];
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${p}.CostMatrix.${k}`, `expected a number >= 0, got ${show(v)}`);
      return v as number;
    };
    out[p] = { tpWeight: get('tpWeight'), fpWeight: get('fpWeight'), fnWeight: get('fnWeight') } satisfies CostMatrix;
  }
  return out;
}

export interface LoadNabOptions {
  /** Called after each file is read. */
  onProgress?: (done: number, total: number) => void;
}

/** Reads a NAB folder. NOT_FOUND for a missing folder, data folder or label file; BAD_DATA on bad content. */
export async function loadNab(root: string, opts: LoadNabOptions = {}): Promise<NabData> {
  if ((await kind(root)) !== 'dir') throw new RolloutlabError('NOT_FOUND', `${root}: NAB folder not found`);
  const dataDir = join(root, 'data');
  if ((await kind(dataDir)) !== 'dir') throw new RolloutlabError('NOT_FOUND', `${dataDir}: NAB data folder not found (expected data/<category>/<file>.csv)`);
  const labelFile = join(root, 'labels', 'combined_windows.json');
  const labels = await readJson(labelFile, 'NAB label file');
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new RolloutlabError('BAD_DATA', `${labelFile}: expected an object {"<category>/<file>.csv": [[start, end], ...]}`);
  }
  const labelMap = labels as Record<string, unknown>;
  const profileFile = join(root, 'config', 'profiles.json');
  const hasProfiles = (await kind(profileFile)) === 'file';
  const profiles = hasProfiles ? parseProfiles(profileFile, await readJson(profileFile, 'NAB profiles')) : NAB_PROFILES;

  const keys: string[] = [];
  for (const cat of (await readdir(dataDir, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    for (const f of await readdir(join(dataDir, cat.name), { withFileTypes: true })) {
      if (f.isFile() && f.name.endsWith('.csv')) keys.push(`${cat.name}/${f.name}`);
    }
  }
  keys.sort();
  const labelled = keys.filter((k) => Object.hasOwn(labelMap, k));
  if (labelled.length === 0) {
    throw new RolloutlabError('BAD_DATA', `${labelFile}: none of the ${keys.length} CSV files under ${dataDir} has an entry`);
  }
  const files: NabFile[] = [];
  for (const key of labelled) {
    const windows = parseNabWindows(labelFile, key, labelMap[key]);
    const path = join(dataDir, key);
    const { timestamps, values } = await readNabCsv(path);
    if (values.length === 0) throw new RolloutlabError('BAD_DATA', `${path}: no rows after the header`);
    files.push({ key, path, timestamps, values, windows });
    opts.onProgress?.(files.length, labelled.length);
  }
  return {
    root,
    files,
    unlabelled: keys.filter((k) => !Object.hasOwn(labelMap, k)),
    profiles,
    profilesSource: hasProfiles ? profileFile : 'NAB defaults (no config/profiles.json)',
  };
}

/** Reads a NAB results file (`timestamp,anomaly_score`, e.g. reference/numenta/numenta_<file>.csv). */
export async function readNabScores(path: string): Promise<{ timestamps: Float64Array; scores: Float64Array }> {
  const { timestamps, values } = await readNabCsv(path, { valueColumn: 'anomaly_score' });
  return { timestamps, scores: values };
}

/**
 * NAB's per-file scores of one detector and profile (`File,Score`, e.g.
 * reference/numenta/official_standard_scores_dev_files.csv) by file key; NaN where a score is not a number.
 */
export async function readNabFileScores(path: string): Promise<Map<string, number>> {
  const csv = await readCsv(path);
  const col = requireColumns(csv, ['File', 'Score']);
  return new Map(csv.rows.map((r) => [r[col.File], parseNumber(r[col.Score])]));
}
