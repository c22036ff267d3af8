// One NAB-style series (`timestamp,value` CSV with a regular step) as numbers, and the path of the repo's copy of NAB's
// nyc_taxi series: what the traffic forecaster's report (bench/forecast.ts) evaluates on real traffic.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RolloutlabError, show } from '../lib/errors.ts';
import { parseCsv, parseNumber, requireColumns } from './csv.ts';

/** The repo's copy of NAB's nyc_taxi series (30-minute NYC taxi passenger counts, 2014-07-01 .. 2015-01-31). */
export const NYC_TAXI_CSV = join(
  dirname(fileURLToPath(import.meta.url)),
  'real',
  'nab',
  'data',
  'realKnownCause',
  'nyc_taxi.csv',
);

/** Reads a NAB-style `timestamp,value` CSV with a regular step; throws on gaps or bad values. */
export function readNabSeries(path: string): { values: Float64Array; stepMinutes: number; start: string } {
  if (!existsSync(path)) throw new RolloutlabError('NOT_FOUND', `${path}: file not found`);
  const csv = parseCsv(readFileSync(path, 'utf8'), path);
  const col = requireColumns(csv, ['timestamp', 'value']);
  const values = new Float64Array(csv.rows.length);
  let prev = NaN;
  let step = NaN;
  csv.rows.forEach((row, i) => {
    const v = parseNumber(row[col.value]);
    if (!Number.isFinite(v)) {
      throw new RolloutlabError('BAD_DATA', `${path}: line ${csv.lines[i]}: value ${show(row[col.value])} is not a number`, 'value');
    }
    values[i] = v;
    const t = Date.parse(row[col.timestamp].replace(' ', 'T') + 'Z');
    if (!Number.isFinite(t)) {
      throw new RolloutlabError('BAD_DATA', `${path}: line ${csv.lines[i]}: bad timestamp ${show(row[col.timestamp])}`, 'timestamp');
    }
    if (i === 1) step = t - prev;
    else if (i > 1 && t - prev !== step) {
      const msg = `irregular step (${(t - prev) / 60000} min, expected ${step / 60000})`;
      throw new RolloutlabError('BAD_DATA', `${path}: line ${csv.lines[i]}: ${msg}`, 'timestamp');
    }
    prev = t;
  });
  return { values, stepMinutes: step / 60000, start: csv.rows[0]?.[col.timestamp] ?? '' };
}
