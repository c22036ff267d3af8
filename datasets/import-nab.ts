// Importer for the Numenta Anomaly Benchmark layout (data/<category>/<file>.csv + labels/combined_windows.json), and
// the one reader of NAB's CSV files (`readNabCsv`: timestamp + a column of numbers) that the detectors' NAB loader and
// the traffic forecaster's nyc_taxi evaluation use too.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RolloutlabError, show } from '../lib/errors.ts';
import type { Table } from './table.ts';
import { badCell, parseNumber, readCsv, requireColumns, utcMs, type CsvData } from './csv.ts';

export interface NabSeries {
  /** `category/file.csv`, the key used by NAB's label and result files. */
  key: string;
  /** Epoch ms (UTC), in file order. */
  timestamps: Float64Array;
  values: Float64Array;
  /** Anomaly windows [startMs, endMs], inclusive, in label-file order. */
  windows: [number, number][];
}

export interface NabCorpus {
  root: string;
  /** Sorted by key. */
  series: NabSeries[];
  /** Rows whose timestamp does not increase (kept in place; see `strictTimestamps`). */
  warnings: string[];
}

export interface NabImportOptions {
  /**
   * Reject any timestamp that is not later than the previous row's (BAD_DATA). Off by default because the
   * published NAB files contain repeated and backward-stepping timestamps, and NAB scores by row position,
   * so such rows must be kept in file order rather than dropped or re-sorted.
   */
  strictTimestamps?: boolean;
}

const DATA_TS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const LABEL_TS = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;

/** A NAB timestamp as epoch ms (UTC): data files `YYYY-MM-DD HH:MM:SS`, labels with optional `.ffffff`; NaN if malformed. */
export function parseNabTimestamp(s: string, label = false): number {
  const m = (label ? LABEL_TS : DATA_TS).exec(s);
  if (!m) return NaN;
  const frac = m[7] ? Number(m[7].padEnd(6, '0')) / 1000 : 0;
  return utcMs(+m[1], +m[2], +m[3], +m[4], +m[5], +m[6], frac);
}

async function isDir(p: string): Promise<boolean> {
  const s = await stat(p).catch(() => null);
  return !!s && s.isDirectory();
}

export interface NabCsvOptions {
  /** The column of numbers (default `value`; NAB's results files: `anomaly_score`). */
  valueColumn?: string;
  /**
   * Called for a row whose timestamp is not later than the previous row's, before the next row is read, with the
   * file, the row's line, its timestamp cell and the problem in words; throw from it to reject the file.
   */
  onNotIncreasing?: (file: string, line: number, cell: string, problem: string) => void;
}

/**
 * The rows of a parsed NAB CSV (`timestamp,value`): epoch ms (UTC) and values, in file order. BAD_DATA naming the
 * file, line and column on a cell that is not a timestamp YYYY-MM-DD HH:MM:SS or not a number; no rows is no error.
 */
export function parseNabCsv(csv: CsvData, opts: NabCsvOptions = {}): { timestamps: Float64Array; values: Float64Array } {
  const file = csv.file;
  const valueColumn = opts.valueColumn ?? 'value';
  const col = requireColumns(csv, ['timestamp', valueColumn]);
  const n = csv.rows.length;
  const timestamps = new Float64Array(n);
  const values = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    const row = csv.rows[r];
    const line = csv.lines[r];
    const ts = parseNabTimestamp(row[col.timestamp]);
    if (Number.isNaN(ts)) badCell(file, line, 'timestamp', row[col.timestamp], 'is not a timestamp YYYY-MM-DD HH:MM:SS');
    const v = parseNumber(row[col[valueColumn]]);
    if (Number.isNaN(v)) badCell(file, line, valueColumn, row[col[valueColumn]], 'is not a number');
    if (opts.onNotIncreasing && r > 0 && ts <= timestamps[r - 1]) {
      opts.onNotIncreasing(file, line, row[col.timestamp], `is not after the previous row's ${show(csv.rows[r - 1][col.timestamp])}`);
    }
    timestamps[r] = ts;
    values[r] = v;
  }
  return { timestamps, values };
}

/** Reads a NAB CSV file (the one reader of NAB's data and results files): `parseNabCsv` of it; NOT_FOUND if it does not exist. */
export async function readNabCsv(path: string, opts: NabCsvOptions = {}): Promise<{ timestamps: Float64Array; values: Float64Array }> {
  return parseNabCsv(await readCsv(path), opts);
}

/** Reads a NAB folder. NOT_FOUND if `root`, its data/ folder or the label file is missing; BAD_DATA on bad content. */
export async function importNab(root: string, opts: NabImportOptions = {}): Promise<NabCorpus> {
  if (!(await isDir(root))) throw new RolloutlabError('NOT_FOUND', `${root}: NAB folder not found`);
  const dataDir = join(root, 'data');
  if (!(await isDir(dataDir))) throw new RolloutlabError('NOT_FOUND', `${dataDir}: NAB data folder not found`);
  const labelFile = join(root, 'labels', 'combined_windows.json');
  const labelText = await readFile(labelFile, 'utf8').catch(() => {
    throw new RolloutlabError('NOT_FOUND', `${labelFile}: NAB label file not found`);
  });
  let labels: unknown;
  try {
    labels = JSON.parse(labelText);
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `${labelFile}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new RolloutlabError('BAD_DATA', `${labelFile}: expected an object {"<category>/<file>.csv": [[start, end], ...]}`);
  }
  const labelMap = labels as Record<string, unknown>;

  const keys: string[] = [];
  for (const cat of (await readdir(dataDir, { withFileTypes: true })).filter((d) => d.isDirectory())) {
    for (const f of await readdir(join(dataDir, cat.name), { withFileTypes: true })) {
      if (f.isFile() && f.name.endsWith('.csv')) keys.push(`${cat.name}/${f.name}`);
    }
  }
  keys.sort();
  const keySet = new Set(keys);
  for (const k of Object.keys(labelMap).sort()) {
    if (!keySet.has(k)) throw new RolloutlabError('BAD_DATA', `${labelFile}: label key ${show(k)} has no data file ${join(dataDir, k)}`, k);
  }

  const warnings: string[] = [];
  const series: NabSeries[] = [];
  for (const key of keys) {
    if (!Object.hasOwn(labelMap, key)) {
      throw new RolloutlabError('BAD_DATA', `${join(dataDir, key)}: data file has no entry ${show(key)} in ${labelFile}`, key);
    }
    const windows = parseNabWindows(labelFile, key, labelMap[key]);
    const { timestamps, values } = await readNabCsv(join(dataDir, key), {
      onNotIncreasing: (file, line, cell, problem) => {
        if (opts.strictTimestamps) badCell(file, line, 'timestamp', cell, problem);
        warnings.push(`${file}: line ${line}, column "timestamp": ${show(cell)} ${problem}`);
      },
    });
    series.push({ key, timestamps, values, windows });
  }
  return { root, series, warnings };
}

/** One entry of NAB's combined_windows.json as [start, end] epoch ms; BAD_DATA naming the entry and window otherwise. */
export function parseNabWindows(labelFile: string, key: string, raw: unknown): [number, number][] {
  const fail = (msg: string): never => {
    throw new RolloutlabError('BAD_DATA', `${labelFile}: entry ${show(key)}: ${msg}`, key);
  };
  if (!Array.isArray(raw)) fail(`expected a list of [start, end] windows, got ${show(raw)}`);
  return (raw as unknown[]).map((w, i) => {
    if (!Array.isArray(w) || w.length !== 2) return fail(`window ${i + 1} is ${show(w)}, expected [start, end]`);
    const [a, b] = w.map((s) => (typeof s === 'string' ? parseNabTimestamp(s, true) : NaN));
    if (Number.isNaN(a)) fail(`window ${i + 1} start ${show(w[0])} is not a timestamp YYYY-MM-DD HH:MM:SS.ffffff`);
    if (Number.isNaN(b)) fail(`window ${i + 1} end ${show(w[1])} is not a timestamp YYYY-MM-DD HH:MM:SS.ffffff`);
    if (a > b) fail(`window ${i + 1} starts ${show(w[0])} after it ends ${show(w[1])}`);
    return [a, b] as [number, number];
  });
}

/** The corpus as two tables for the data-set store: one row per observation, one row per window. */
export function nabToTables(corpus: NabCorpus): Table[] {
  const total = corpus.series.reduce((s, x) => s + x.timestamps.length, 0);
  const sKey: string[] = new Array(total);
  const sTs = new Float64Array(total);
  const sVal = new Float64Array(total);
  const sRow = new Int32Array(total);
  let o = 0;
  for (const s of corpus.series) {
    for (let i = 0; i < s.timestamps.length; i++, o++) {
      sKey[o] = s.key;
      sTs[o] = s.timestamps[i];
      sVal[o] = s.values[i];
      sRow[o] = i;
    }
  }
  const wKey: string[] = [];
  const wStart: number[] = [];
  const wEnd: number[] = [];
  for (const s of corpus.series) {
    for (const [a, b] of s.windows) {
      wKey.push(s.key);
      wStart.push(a);
      wEnd.push(b);
    }
  }
  return [
    {
      name: 'nab_series',
      columns: [
        { name: 'series', type: 'VARCHAR', values: sKey, description: 'NAB file key, category/file.csv' },
        { name: 'timestamp', type: 'TIMESTAMP', values: sTs, description: 'observation time (UTC)' },
        { name: 'value', type: 'DOUBLE', values: sVal, description: 'observed value' },
        // Why: a few NAB files repeat or step back in time, so only the row position recovers file order.
        { name: 'row_index', type: 'INTEGER', values: sRow, description: '0-based row position in the file (NAB scores by position)' },
      ],
    },
    {
      name: 'nab_windows',
      columns: [
        { name: 'series', type: 'VARCHAR', values: wKey, description: 'NAB file key, category/file.csv' },
        { name: 'window_start', type: 'TIMESTAMP', values: wStart, description: 'first instant of the anomaly window (UTC, inclusive)' },
        { name: 'window_end', type: 'TIMESTAMP', values: wEnd, description: 'last instant of the anomaly window (UTC, inclusive)' },
      ],
    },
  ];
}
