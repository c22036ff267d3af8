// Opens a written data set for SQL: validates manifest.json, then opens dataset.duckdb read-only.
// Notebooks and training use `query` for SQL and `table` to get a whole table back in the columnar `Table` form.

import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  DuckDBInstance,
  DuckDBTypeId,
  JSDuckDBValueConverter,
  type DuckDBConnection,
  type DuckDBValue,
  type DuckDBValueConverter,
  type JS,
} from '@duckdb/node-api';
import type { Table } from './table.ts';
import { DATABASE_FILE, MANIFEST_FILE, validateManifest, type Manifest } from './manifest.ts';
import { RolloutlabError } from '../lib/errors.ts';

export interface Dataset {
  manifest: Manifest;
  /** Absolute path of the data-set folder. */
  dir: string;
  /**
   * Runs SQL against the data set's tables (read-only) and returns one object per row.
   * TIMESTAMP values come back as epoch milliseconds, BIGINT as number (bigint only beyond 2^53),
   * other types as @duckdb/node-api's plain JS values. `params` fill `?` or `$name` placeholders.
   */
  query(sql: string, params?: DuckDBValue[] | Record<string, DuckDBValue>): Promise<Record<string, unknown>[]>;
  /** A whole table as a `Table` (same form `writeDataset` takes). For arquero: `aq.table(Object.fromEntries(t.columns.map(c => [c.name, c.values])))`. */
  table(name: string): Promise<Table>;
  /** Releases the DuckDB file. Safe to call twice. */
  close(): void;
}

export async function readDataset(dirArg: string): Promise<Dataset> {
  const dir = resolve(dirArg);
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new RolloutlabError('NOT_FOUND', `data set folder ${dir} does not exist`, 'dir');
  const text = await readFile(join(dir, MANIFEST_FILE), 'utf8').catch(() => null);
  // writeDataset writes manifest.json last, so a folder without one was never finished.
  if (text === null) throw new RolloutlabError('BAD_DATA', `incomplete data set: ${dir} has no ${MANIFEST_FILE}`, MANIFEST_FILE);
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `${join(dir, MANIFEST_FILE)} is not valid JSON: ${(e as Error).message}`, MANIFEST_FILE);
  }
  const manifest = validateManifest(obj);
  const dbPath = join(dir, DATABASE_FILE);
  if (!(await stat(dbPath).catch(() => null))) throw new RolloutlabError('BAD_DATA', `incomplete data set: ${dir} has no ${DATABASE_FILE}`, DATABASE_FILE);

  let instance: DuckDBInstance | null = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
  let con: DuckDBConnection | null = await instance.connect();
  const live = (): DuckDBConnection => {
    if (!con) throw new RolloutlabError('BAD_ARGUMENT', `data set ${dir} is closed`, 'dir');
    return con;
  };

  return {
    manifest,
    dir,
    async query(sql, params) {
      const reader = await live()
        .runAndReadAll(sql, params)
        .catch((e: Error) => {
          const err = new RolloutlabError('BAD_ARGUMENT', `query on ${dir} failed: ${e.message}`, 'sql');
          err.cause = e;
          throw err;
        });
      return reader.convertRowObjects(toJS);
    },
    async table(name) {
      const entry = manifest.tables[name];
      if (!entry) throw new RolloutlabError('NOT_FOUND', `data set ${dir} has no table "${name}" (has: ${Object.keys(manifest.tables).join(', ')})`, 'table');
      const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
      const reader = await live().runAndReadAll(`SELECT ${entry.columns.map((c) => q(c.name)).join(', ')} FROM ${q(name)}`);
      const values = reader.convertColumns(toJS);
      return { name, columns: entry.columns.map((c, i) => ({ ...c, values: values[i] as (string | number | boolean | null)[] })) };
    },
    close() {
      con?.closeSync();
      instance?.closeSync();
      con = null;
      instance = null;
    },
  };
}

const MICROS_PER_MS = 1000;
const num = (b: bigint) => (b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b);
const ms = (v: { micros: bigint; isFinite: boolean }) => (v.isFinite ? Number(v.micros) / MICROS_PER_MS : v.micros > 0n ? Infinity : -Infinity);

/** JS values as the `Table` contract has them: timestamps as epoch ms, 64-bit integers as numbers when exact. */
export const toJS: DuckDBValueConverter<JS> = (value, type, converter) => {
  if (value === null) return null;
  switch (type.typeId) {
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return ms(value as { micros: bigint; isFinite: boolean });
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return num(value as bigint);
    default:
      return JSDuckDBValueConverter(value, type, converter);
  }
};
