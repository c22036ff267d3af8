// Single Parquet files outside a data-set folder: one table written atomically (a temp file beside it, then a rename),
// SQL over Parquet files (read_parquet on a glob) in an in-memory DuckDB, and a query's result written as one Parquet
// file the same way. The sweep's shard files and their merge use them (backtest/sweep/).
//
// Why a rename: a reader (or a second writer of the same content) never sees half a file; a writer killed half-way
// leaves only a hidden temp file, which no `*.parquet` glob matches.
import { mkdir, rename, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { assertTable, type Table } from './table.ts';
import { fsyncPath, stageTable } from './write-dataset.ts';
import { toJS } from './read-dataset.ts';
import { RolloutlabError } from '../lib/errors.ts';

let seq = 0;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** A temp name beside `path` that no other process, here or on another machine sharing the folder, uses. */
const tempBeside = (path: string) => join(dirname(path), `.${basename(path)}.tmp-${hostname()}-${process.pid}-${seq++}`);

/** One DuckDB thread: the same rows give byte-identical Parquet files, run after run. */
async function withConnection<T>(f: (con: DuckDBConnection) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await instance.connect();
  try {
    return await f(con);
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/** Writes `tmp` with `write`, syncs it, renames it to `path` and syncs the folder; removes `tmp` on failure. */
async function atomically(path: string, write: (tmp: string) => Promise<void>): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempBeside(path);
  try {
    await write(tmp);
    await fsyncPath(tmp);
    await rename(tmp, path);
    await fsyncPath(dirname(path));
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof RolloutlabError) throw e;
    const err = new RolloutlabError('IO', `writing ${path} failed: ${e instanceof Error ? e.message : String(e)}`, 'out');
    err.cause = e;
    throw err;
  }
}

/** Writes `table` as the Parquet file `path` (zstd), atomically. The same rows give the same bytes. */
export async function writeParquetFile(path: string, table: Table): Promise<void> {
  assertTable(table);
  await atomically(path, (tmp) =>
    withConnection(async (con) => {
      const select = await stageTable(con, table);
      await con.run(`COPY (${select}) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    }),
  );
}

/** Runs `sql` (which reads files with read_parquet) and returns one object per row; BIGINT as number when exact. */
export async function queryParquet(sql: string): Promise<Record<string, unknown>[]> {
  return withConnection(async (con) => {
    const reader = await con.runAndReadAll(sql).catch((e: Error) => {
      const err = new RolloutlabError('BAD_DATA', `reading Parquet files failed: ${e.message}`);
      err.cause = e;
      throw err;
    });
    return reader.convertRowObjects(toJS) as Record<string, unknown>[];
  });
}

/** Writes the result of `sql` as the Parquet file `path`, atomically. */
export async function writeQueryParquet(sql: string, path: string): Promise<void> {
  await atomically(path, (tmp) => withConnection(async (con) => void (await con.run(`COPY (${sql}) TO ${lit(tmp)} (FORMAT parquet, COMPRESSION zstd)`))));
}

/** A path as a SQL string literal (for read_parquet). */
export const sqlString = lit;
