// One NAB-style series (`timestamp,value` CSV with a regular step) as numbers, and the path of the repo's copy of NAB's
// nyc_taxi series: what the traffic forecaster's report (bench/forecast.ts) evaluates on real traffic.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RolloutlabError, show } from '../lib/errors.ts';
import { parseCsv } from './csv.ts';
import { parseNabCsv } from './import-nab.ts';

/** The repo's copy of NAB's nyc_taxi series (30-minute NYC taxi passenger counts, 2014-07-01 .. 2015-01-31). */
export const NYC_TAXI_CSV = join(
  dirname(fileURLToPath(import.meta.url)),
  'real',
  'nab',
  'data',
  'realKnownCause',
  'nyc_taxi.csv',
);

/**
 * Reads a NAB `timestamp,value` CSV (datasets/import-nab.ts `parseNabCsv`, the one NAB reader) that must have a
 * regular step and finite values; BAD_DATA naming the line otherwise.
 */
export function readNabSeries(path: string): { values: Float64Array; stepMinutes: number; start: string } {
  if (!existsSync(path)) throw new RolloutlabError('NOT_FOUND', `${path}: file not found`);
  const csv = parseCsv(readFileSync(path, 'utf8'), path);
  const { timestamps, values } = parseNabCsv(csv);
  let step = NaN;
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new RolloutlabError('BAD_DATA', `${path}: line ${csv.lines[i]}: value ${show(csv.rows[i][csv.header.indexOf('value')])} is not a number`, 'value');
    }
    const t = timestamps[i];
    const prev = timestamps[i - 1];
    if (i === 1) step = t - prev;
    else if (i > 1 && t - prev !== step) {
      const msg = `irregular step (${(t - prev) / 60000} min, expected ${step / 60000})`;
      throw new RolloutlabError('BAD_DATA', `${path}: line ${csv.lines[i]}: ${msg}`, 'timestamp');
    }
  }
  return { values, stepMinutes: step / 60000, start: csv.rows[0]?.[csv.header.indexOf('timestamp')] ?? '' };
}
