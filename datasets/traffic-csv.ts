// A service's request counts as a `time,requests` CSV (minute or hourly counts): the traffic the deployment-window
// recommender forecasts when it ranks starts on a team's own history (`rolloutlab windows --history … --traffic`).
//
// Checked strictly, since a wrong count would silently move the ranking: every time parses (ISO-8601, no zone = UTC,
// or epoch seconds, as the history importer reads them), times increase, the step is one minute or one hour and every
// later row lies a whole number of steps after the previous one (the rows in between are missing), and every count is
// a finite number >= 0 (an empty cell is a missing sample). A problem is BAD_DATA naming the file, line and column.
import { readFile } from 'node:fs/promises';
import { RolloutlabError } from '../lib/errors.ts';
import { assertFile, badCell, parseCsv, parseNumber, requireColumns } from './csv.ts';
import { parseTimestamp } from './import-history.ts';

const MIN = 60_000;
/** The longest span a traffic file may cover (bounds the memory a file with a long gap could take). */
const MAX_SPAN_DAYS = 366;
/** The steps a traffic file may have, in minutes. */
export const TRAFFIC_STEPS = [1, 60] as const;

export interface TrafficSeries {
  file: string;
  /** Epoch ms of the first row. */
  startMs: number;
  /** Minutes each value covers (1 or 60). */
  stepMinutes: number;
  /** Requests in each step from startMs, oldest first; NaN = no sample (an empty cell or a skipped step). */
  values: Float64Array;
  /** Rows in the file. */
  rows: number;
}

/** Reads and checks a `time,requests` CSV (NOT_FOUND when it does not exist, BAD_DATA naming line and column). */
export async function readTrafficCsv(path: string): Promise<TrafficSeries> {
  await assertFile(path);
  return parseTrafficCsv(await readFile(path, 'utf8'), path);
}

/** Parses `time,requests` CSV text (other columns are ignored). */
export function parseTrafficCsv(text: string, file: string): TrafficSeries {
  const csv = parseCsv(text, file);
  const k = requireColumns(csv, ['time', 'requests']);
  if (csv.rows.length < 2) throw new RolloutlabError('BAD_DATA', `${file}: ${csv.rows.length} rows; a traffic file needs at least two (the step is read from the first two times)`, 'time');
  const times = csv.rows.map((r, i) => {
    const t = parseTimestamp(r[k.time]);
    if (!Number.isFinite(t)) badCell(file, csv.lines[i], 'time', r[k.time], 'is not a timestamp (ISO-8601 or epoch seconds)');
    return t;
  });
  const stepMs = times[1] - times[0];
  if (!TRAFFIC_STEPS.some((s) => s * MIN === stepMs)) {
    badCell(file, csv.lines[1], 'time', csv.rows[1][k.time], `is ${stepMs / MIN} min after line ${csv.lines[0]}; the step must be 1 minute or 1 hour (minute or hourly request counts)`);
  }
  for (let i = 1; i < times.length; i++) {
    const d = times[i] - times[i - 1];
    if (d <= 0) badCell(file, csv.lines[i], 'time', csv.rows[i][k.time], `is not after line ${csv.lines[i - 1]}: times must increase`);
    if (d % stepMs !== 0) badCell(file, csv.lines[i], 'time', csv.rows[i][k.time], `is ${d / MIN} min after line ${csv.lines[i - 1]}, not a whole number of ${stepMs / MIN}-minute steps`);
  }
  const startMs = times[0];
  const span = times[times.length - 1] - startMs;
  if (span > MAX_SPAN_DAYS * 1440 * MIN) badCell(file, csv.lines[csv.rows.length - 1], 'time', csv.rows[csv.rows.length - 1][k.time], `is ${(span / (1440 * MIN)).toFixed(0)} days after the first row; a traffic file covers at most ${MAX_SPAN_DAYS} days (the forecaster reads the last weeks)`);
  const values = new Float64Array((times[times.length - 1] - startMs) / stepMs + 1).fill(NaN);
  csv.rows.forEach((r, i) => {
    const s = r[k.requests].trim();
    if (s === '') return;
    const x = parseNumber(s);
    if (!Number.isFinite(x) || x < 0) badCell(file, csv.lines[i], 'requests', r[k.requests], 'is not a request count (a finite number >= 0)');
    values[(times[i] - startMs) / stepMs] = x;
  });
  return { file, startMs, stepMinutes: stepMs / MIN, values, rows: csv.rows.length };
}
