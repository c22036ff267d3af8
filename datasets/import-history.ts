// Importer for a team's own deployment history (CSV or Parquet) into the `deployments_history` table.
import { open, readFile } from 'node:fs/promises';
import { RolloutlabError, show } from '../lib/errors.ts';
import type { ColumnType, Table } from './table.ts';
import { assertFile, badCell, parseCsv, parseNumber, utcMs } from './csv.ts';
import { rangeProblem } from '../lib/value-range.ts';
import { readParquetText } from './read-parquet.ts';

type Kind = 'string' | 'timestamp' | 'boolean' | 'count' | 'nonneg' | 'fraction' | 'migration';
type Cell = string | number | boolean | null;

interface ColSpec {
  name: string;
  type: ColumnType;
  kind: Kind;
  required: boolean;
  description: string;
}

const col = (name: string, type: ColumnType, kind: Kind, required: boolean, description: string): ColSpec => ({
  name, type, kind, required, description,
});

/** The documented columns, in output order (docs/importers.md describes each). */
export const HISTORY_COLUMNS: readonly ColSpec[] = [
  col('deployment_id', 'VARCHAR', 'string', true, 'unique id of the deployment'),
  col('service', 'VARCHAR', 'string', true, 'service that was deployed'),
  col('started_at', 'TIMESTAMP', 'timestamp', true, 'when the rollout started (UTC)'),
  col('failed', 'BOOLEAN', 'boolean', true, 'the deployment caused a failure (label)'),
  col('finished_at', 'TIMESTAMP', 'timestamp', false, 'when the rollout finished (UTC); not before started_at'),
  col('lines_added', 'INTEGER', 'count', false, 'lines added by the change'),
  col('lines_deleted', 'INTEGER', 'count', false, 'lines deleted by the change'),
  col('files_changed', 'INTEGER', 'count', false, 'files touched by the change'),
  col('author_experience', 'DOUBLE', 'nonneg', false, "author's earlier changes/deployments (may be weighted)"),
  col('test_coverage', 'DOUBLE', 'fraction', false, 'test coverage of the changed code, 0..1'),
  col('config_only', 'BOOLEAN', 'boolean', false, 'the change touches configuration only'),
  col('schema_migration', 'VARCHAR', 'migration', false, 'database migration: none, reversible or irreversible'),
  col('feature_flagged', 'BOOLEAN', 'boolean', false, 'the new behaviour is behind a feature flag'),
  col('api_contract_change', 'BOOLEAN', 'boolean', false, 'the change alters a public API contract'),
  col('rolled_back', 'BOOLEAN', 'boolean', false, 'the deployment was rolled back'),
  col('incident_minutes', 'DOUBLE', 'nonneg', false, 'minutes of incident attributed to the deployment'),
  col('team', 'VARCHAR', 'string', false, 'owning team'),
  col('region', 'VARCHAR', 'string', false, 'region or cell deployed to'),
];

/** The imported table plus one warning per unknown column (kept as VARCHAR). */
export interface HistoryTable extends Table {
  warnings: string[];
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const MIGRATIONS = ['none', 'reversible', 'irreversible'];

/** ISO-8601 date-time (no zone = UTC) or epoch seconds → epoch ms; NaN when neither. */
export function parseTimestamp(s: string): number {
  const secs = parseNumber(s);
  if (!Number.isNaN(secs)) return secs * 1000;
  const m = ISO.exec(s);
  if (!m) return NaN;
  const frac = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  let t = utcMs(+m[1], +m[2], +m[3], +m[4], +m[5], m[6] ? +m[6] : 0, frac);
  const z = m[8];
  if (z && z !== 'Z' && z !== 'z') {
    const hh = +z.slice(1, 3);
    const mm = z.length > 3 ? +z.slice(-2) : 0;
    if (hh > 23 || mm > 59) return NaN;
    t -= (z[0] === '-' ? -1 : 1) * (hh * 60 + mm) * 60_000;
  }
  return t;
}

/** Converts one non-empty cell, or returns the reason it is invalid. */
function convert(kind: Kind, s: string): { v: Cell } | { problem: string } {
  switch (kind) {
    case 'string':
      return { v: s };
    case 'timestamp': {
      const t = parseTimestamp(s);
      return Number.isFinite(t) ? { v: t } : { problem: 'is not a timestamp (ISO-8601 or epoch seconds)' };
    }
    case 'boolean': {
      const l = s.toLowerCase();
      if (l === '1' || l === 'true') return { v: true };
      if (l === '0' || l === 'false') return { v: false };
      return { problem: 'is not a boolean (0/1/true/false)' };
    }
    case 'count':
    case 'nonneg':
    case 'fraction': {
      // One definition of these ranges for the importer and the risk model's features (lib/value-range.ts).
      const x = parseNumber(s);
      const problem = rangeProblem(kind, x);
      return problem === null ? { v: x } : { problem };
    }
    case 'migration':
      return MIGRATIONS.includes(s) ? { v: s } : { problem: `is not one of ${MIGRATIONS.join('/')}` };
  }
}

interface RawTable {
  header: string[];
  /** Cells as text; null or '' = missing. */
  rows: (string | null)[][];
  where: (r: number) => string;
}

async function readParquet(path: string): Promise<RawTable> {
  const { header, rows } = await readParquetText(path);
  return { header, rows, where: (r) => `row ${r + 1}` };
}

/** Reads a deployment-history file (Parquet if it starts with the PAR1 magic, otherwise CSV) and validates it. */
export async function importDeploymentHistory(path: string): Promise<HistoryTable> {
  await assertFile(path);
  const fh = await open(path, 'r');
  const magic = Buffer.alloc(4);
  await fh.read(magic, 0, 4, 0).finally(() => fh.close());
  let raw: RawTable;
  if (magic.toString('latin1') === 'PAR1') {
    raw = await readParquet(path);
  } else {
    const csv = parseCsv(await readFile(path, 'utf8'), path);
    raw = { header: csv.header, rows: csv.rows, where: (r) => `line ${csv.lines[r]}` };
  }
  for (const c of HISTORY_COLUMNS) {
    if (c.required && !raw.header.includes(c.name)) {
      throw new RolloutlabError('BAD_DATA', `${path}: missing required column "${c.name}" (header: ${raw.header.join(',')})`, c.name);
    }
  }
  const n = raw.rows.length;
  const columns = HISTORY_COLUMNS.map((c) => {
    const k = raw.header.indexOf(c.name);
    const values: Cell[] = new Array(n).fill(null);
    if (k >= 0) {
      for (let r = 0; r < n; r++) {
        const s = raw.rows[r][k];
        if (s === null || s === '') {
          if (c.required) badCell(path, raw.where(r), c.name, s ?? '', 'is empty; the column is required');
          continue;
        }
        const out = convert(c.kind, s);
        if ('problem' in out) badCell(path, raw.where(r), c.name, s, out.problem);
        values[r] = out.v;
      }
    }
    return { name: c.name, type: c.type, values, description: c.description };
  });

  const get = (name: string) => columns.find((c) => c.name === name)!.values;
  const ids = get('deployment_id') as string[];
  const started = get('started_at') as number[];
  const finished = get('finished_at') as (number | null)[];
  const firstRow = new Map<string, number>();
  for (let r = 0; r < n; r++) {
    const prev = firstRow.get(ids[r]);
    if (prev !== undefined) badCell(path, raw.where(r), 'deployment_id', ids[r], `repeats the id of ${raw.where(prev)}`);
    firstRow.set(ids[r], r);
    if (r > 0 && started[r] < started[r - 1]) {
      const k = raw.header.indexOf('started_at');
      badCell(path, raw.where(r), 'started_at', raw.rows[r][k], `is earlier than ${raw.where(r - 1)} (${show(raw.rows[r - 1][k])}): rows must be sorted by started_at`);
    }
    const f = finished[r];
    if (f !== null && f < started[r]) {
      badCell(path, raw.where(r), 'finished_at', raw.rows[r][raw.header.indexOf('finished_at')], 'is before started_at');
    }
  }

  const known = new Set(HISTORY_COLUMNS.map((c) => c.name));
  const warnings: string[] = [];
  raw.header.forEach((name, k) => {
    if (known.has(name)) return;
    warnings.push(`${path}: unknown column "${name}" kept as VARCHAR`);
    const values = raw.rows.map((row) => (row[k] === null || row[k] === '' ? null : row[k]));
    columns.push({ name, type: 'VARCHAR', values, description: 'extra column from the imported file' });
  });
  return { name: 'deployments_history', columns, warnings };
}
