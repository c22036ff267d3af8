// Writes a data-set folder atomically: one Parquet file per table, dataset.duckdb with the same tables, manifest.json.
// Everything goes to a sibling temp folder first; manifest.json is written last, then the folder is renamed into place.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import {
  BOOLEAN,
  DOUBLE,
  DuckDBDataChunk,
  DuckDBInstance,
  FLOAT,
  INTEGER,
  VARCHAR,
  type DuckDBConnection,
  type DuckDBType,
  type DuckDBVector,
} from '@duckdb/node-api';
import { assertTable, rowCount, type Column, type ColumnType, type Table } from './table.ts';
import { buildManifest, DATABASE_FILE, MANIFEST_FILE, manifestJson, type Manifest, type ManifestInput, type ManifestTable } from './manifest.ts';
import { RolloutlabError, show } from '../lib/errors.ts';
import { removeStaleTemps } from '../lib/stale-temp.ts';

export interface WriteDatasetOptions {
  outDir: string;
  tables: Table[];
  manifest: ManifestInput;
  /** Replace an existing data set (only a folder that has a rolloutlab manifest.json). */
  force?: boolean;
  onProgress?: (msg: string) => void;
}

const CHUNK_ROWS = 2048; // DuckDB's vector size: the most rows one data chunk can hold
const PROGRESS_EVERY = 1_000_000;
let seq = 0; // makes temp/aside names unique within this process

/** Writes the data set and returns its manifest. Same tables + manifest input => byte-identical Parquet and manifest. */
export async function writeDataset(opts: WriteDatasetOptions): Promise<Manifest> {
  const { tables, force = false } = opts;
  const progress = opts.onProgress ?? (() => {});
  if (typeof opts.outDir !== 'string' || opts.outDir.trim() === '') {
    throw new RolloutlabError('BAD_ARGUMENT', `outDir must be a folder path, got ${show(opts.outDir)}`, 'outDir');
  }
  const outDir = resolve(opts.outDir);
  checkTables(tables);
  // Fail on bad manifest input before spending minutes on the data (placeholder table entries).
  buildManifest(opts.manifest, Object.fromEntries(tables.map((t) => [t.name, tableEntry(t, '0'.repeat(64))])));
  await checkOutDir(outDir, force).catch((e) => rethrow(e, outDir));
  // Temp folders of this output left by a killed writer (its pid gone) can never complete: remove them.
  await removeStaleTemps(dirname(outDir), [basename(outDir)]);

  const n = seq++;
  const tmp = `${outDir}.tmp-${process.pid}-${n}`;
  try {
    await mkdir(dirname(outDir), { recursive: true });
    await mkdir(tmp);
    await writeTables(tmp, tables, progress);
    const entries: Record<string, ManifestTable> = {};
    for (const t of tables) entries[t.name] = tableEntry(t, await sha256File(join(tmp, `${t.name}.parquet`)));
    const manifest = buildManifest(opts.manifest, entries);
    for (const t of tables) await fsyncPath(join(tmp, `${t.name}.parquet`));
    await fsyncPath(join(tmp, DATABASE_FILE));
    // Last file in: its presence is what marks the folder complete.
    await writeFile(join(tmp, MANIFEST_FILE), manifestJson(manifest));
    await fsyncPath(join(tmp, MANIFEST_FILE));
    await fsyncPath(tmp);
    await swapIntoPlace(tmp, outDir, force, `${outDir}.old-${process.pid}-${n}`);
    progress(`data set written to ${outDir}`);
    return manifest;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    rethrow(e, outDir);
  }
}

/** Our own errors pass through; filesystem and DuckDB failures become IO errors the CLI can print. */
function rethrow(e: unknown, outDir: string): never {
  if (e instanceof RolloutlabError) throw e;
  const err = new RolloutlabError('IO', `writing data set ${outDir} failed: ${e instanceof Error ? e.message : String(e)}`, 'outDir');
  err.cause = e;
  throw err;
}

function tableEntry(t: Table, sha256: string): ManifestTable {
  const columns = t.columns.map((c) => (c.description === undefined ? { name: c.name, type: c.type } : { name: c.name, type: c.type, description: c.description }));
  return { rows: rowCount(t), file: `${t.name}.parquet`, sha256, columns };
}

/** Shape checks that need no data scan; per-value type checks happen while loading. */
function checkTables(tables: Table[]): void {
  if (!Array.isArray(tables) || tables.length === 0) throw new RolloutlabError('BAD_ARGUMENT', 'tables must be a non-empty array', 'tables');
  const names = new Set<string>();
  for (const t of tables) {
    try {
      assertTable(t);
    } catch (e) {
      throw new RolloutlabError('BAD_DATA', (e as Error).message, `tables.${t.name}`);
    }
    if (names.has(t.name)) throw new RolloutlabError('BAD_DATA', `table "${t.name}" appears twice`, `tables.${t.name}`);
    names.add(t.name);
    if (t.columns.length === 0) throw new RolloutlabError('BAD_DATA', `table ${t.name} has no columns`, `tables.${t.name}`);
    // SQL identifiers are case-insensitive, so "Latency" and "latency" would collide in DuckDB.
    const lower = new Set<string>();
    for (const c of t.columns) {
      if (typeof c.name !== 'string' || c.name === '') throw new RolloutlabError('BAD_DATA', `table ${t.name}: column name must be a non-empty string, got ${show(c.name)}`, `tables.${t.name}`);
      if (lower.has(c.name.toLowerCase())) throw new RolloutlabError('BAD_DATA', `table ${t.name}: column "${c.name}" clashes with another column differing only in case`, `${t.name}.${c.name}`);
      lower.add(c.name.toLowerCase());
    }
  }
}

type OutDirState = 'missing' | 'empty' | 'dataset';

/** Throws OUTPUT_EXISTS unless outDir is missing, empty, or (with force) a rolloutlab data set. */
async function checkOutDir(outDir: string, force: boolean): Promise<OutDirState> {
  const st = await stat(outDir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return null;
    throw e;
  });
  if (!st) return 'missing';
  if (!st.isDirectory()) throw new RolloutlabError('OUTPUT_EXISTS', `${outDir} exists and is not a folder`, 'outDir');
  if ((await readdir(outDir)).length === 0) return 'empty';
  if (!force) throw new RolloutlabError('OUTPUT_EXISTS', `${outDir} already exists and is not empty (pass --force to replace it)`, 'outDir');
  // Force deletes the old folder, so only ever do that to something we wrote.
  const m = await readFile(join(outDir, MANIFEST_FILE), 'utf8').then(JSON.parse, () => null);
  if (m?.createdBy !== 'rolloutlab') {
    throw new RolloutlabError('OUTPUT_EXISTS', `${outDir} is not empty and is not a rolloutlab data set (no valid ${MANIFEST_FILE}); refusing to replace it, even with --force`, 'outDir');
  }
  return 'dataset';
}

/** Old set aside, new renamed in, old deleted: a crash leaves a complete data set at outDir or at the aside path. */
async function swapIntoPlace(tmp: string, outDir: string, force: boolean, aside: string): Promise<void> {
  const state = await checkOutDir(outDir, force); // again: the folder may have changed while we wrote
  if (state !== 'dataset') {
    await rename(tmp, outDir); // rename(2) also replaces an empty folder
  } else {
    await rename(outDir, aside);
    try {
      await rename(tmp, outDir);
    } catch (e) {
      await rename(aside, outDir);
      throw e;
    }
  }
  await fsyncPath(dirname(outDir));
  if (state === 'dataset') await rm(aside, { recursive: true, force: true });
}

export async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function sha256File(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const buf of createReadStream(p)) h.update(buf as Buffer);
  return h.digest('hex');
}

const q = (id: string) => `"${id.replaceAll('"', '""')}"`;
const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

// BIGINT and TIMESTAMP are staged as DOUBLE (exact for safe integers) because filling DuckDB's
// BIGINT/TIMESTAMP vectors needs a BigInt per value, which is several times slower; SQL converts them.
const STAGE_TYPE: Record<ColumnType, DuckDBType> = { VARCHAR, INTEGER, BIGINT: DOUBLE, DOUBLE, FLOAT, BOOLEAN, TIMESTAMP: DOUBLE };
const finalExpr = (c: Column) =>
  c.type === 'BIGINT' ? `CAST(${q(c.name)} AS BIGINT)` : c.type === 'TIMESTAMP' ? `make_timestamp_ms(CAST(${q(c.name)} AS BIGINT))` : q(c.name);

/** Loads each table into an in-memory staging table, then writes its Parquet file and its copy in dataset.duckdb. */
async function writeTables(tmp: string, tables: Table[], progress: (msg: string) => void): Promise<void> {
  // One thread makes the output deterministic: Parquet row groups/pages, and even dataset.duckdb's blocks,
  // come out byte-identical run to run. On a 2-core machine it costs little.
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const con = await instance.connect();
  try {
    await con.run(`ATTACH ${lit(join(tmp, DATABASE_FILE))} AS ds`);
    for (const t of tables) {
      const rows = rowCount(t);
      progress(`${t.name}: loading ${rows} rows`);
      const select = await stageTable(con, t, (done) => progress(`${t.name}: ${done}/${rows} rows loaded`));
      await con.run(`COPY (${select}) TO ${lit(join(tmp, `${t.name}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`);
      await con.run(`CREATE TABLE ds.${q(t.name)} AS ${select}`);
      for (const c of t.columns) {
        if (c.description) await con.run(`COMMENT ON COLUMN ds.${q(t.name)}.${q(c.name)} IS ${lit(c.description)}`);
      }
      await con.run('DROP TABLE memory.stage');
      progress(`${t.name}: ${rows} rows written`);
    }
    await con.run('CHECKPOINT ds'); // fold the WAL into the file so the folder holds no dataset.duckdb.wal
    await con.run('DETACH ds');
  } finally {
    con.closeSync();
    instance.closeSync();
  }
}

/**
 * Loads `t` into the in-memory staging table `memory.stage` of `con` (values type-checked as they go) and returns the
 * SELECT that reads it back with the table's column types; the caller drops `memory.stage` when done.
 */
export async function stageTable(con: DuckDBConnection, t: Table, onRows: (done: number) => void = () => {}): Promise<string> {
  await con.run(`CREATE TABLE memory.stage (${t.columns.map((c) => `${q(c.name)} ${STAGE_TYPE[c.type].toString()}`).join(', ')})`);
  await appendTable(con, t, onRows);
  return `SELECT ${t.columns.map((c) => `${finalExpr(c)} AS ${q(c.name)}`).join(', ')} FROM memory.stage`;
}

async function appendTable(con: DuckDBConnection, t: Table, onRows: (done: number) => void): Promise<void> {
  const appender = await con.createAppender('stage');
  const types = t.columns.map((c) => STAGE_TYPE[c.type]);
  const rows = rowCount(t);
  try {
    for (let off = 0; off < rows; off += CHUNK_ROWS) {
      const n = Math.min(CHUNK_ROWS, rows - off);
      // A fresh chunk each time: a reused one could keep the previous chunk's null mask.
      const chunk = DuckDBDataChunk.create(types, n);
      for (let i = 0; i < t.columns.length; i++) {
        const vec = chunk.getColumnVector(i);
        fillVector(vec, t.columns[i], off, n, t.name);
        vec.flush();
      }
      appender.appendDataChunk(chunk);
      if (Math.floor((off + n) / PROGRESS_EVERY) > Math.floor(off / PROGRESS_EVERY)) onRows(off + n);
    }
  } finally {
    appender.closeSync();
  }
}

const nulls: number[] = [];

/**
 * Copies rows [off, off+n) of a column into a chunk vector, checking each value's JS type.
 * Nulls are set after all values: once a vector has a null mask, every later setItem pays for BigInt bit operations.
 * One loop per type keeps each setItem call site monomorphic (several times faster in V8).
 */
function fillVector(vec: DuckDBVector, col: Column, off: number, n: number, table: string): void {
  const v = col.values;
  nulls.length = 0;
  const bad = (r: number, want: string): never => {
    throw new RolloutlabError('BAD_DATA', `table ${table}: column "${col.name}" row ${off + r} must be ${want} or null, got ${show(v[off + r])}`, `${table}.${col.name}`);
  };
  switch (col.type) {
    case 'VARCHAR':
      for (let r = 0; r < n; r++) {
        const x = v[off + r];
        if (typeof x === 'string') vec.setItem(r, x);
        else if (x === null) nulls.push(r);
        else bad(r, 'a string');
      }
      break;
    case 'INTEGER':
      for (let r = 0; r < n; r++) {
        const x = v[off + r];
        if (typeof x === 'number' && (x | 0) === x) vec.setItem(r, x);
        else if (x === null) nulls.push(r);
        else bad(r, 'a 32-bit integer');
      }
      break;
    case 'BIGINT':
    case 'TIMESTAMP':
      for (let r = 0; r < n; r++) {
        const x = v[off + r];
        if (typeof x === 'number' && Number.isSafeInteger(x)) vec.setItem(r, x);
        else if (x === null) nulls.push(r);
        else bad(r, col.type === 'TIMESTAMP' ? 'integer epoch milliseconds' : 'a safe integer');
      }
      break;
    case 'DOUBLE':
      for (let r = 0; r < n; r++) {
        const x = v[off + r];
        if (typeof x === 'number') vec.setItem(r, x);
        else if (x === null) nulls.push(r);
        else bad(r, 'a number');
      }
      break;
    case 'FLOAT':
      for (let r = 0; r < n; r++) {
        const x = v[off + r];
        if (typeof x === 'number') vec.setItem(r, x);
        else if (x === null) nulls.push(r);
        else bad(r, 'a number');
      }
      break;
    case 'BOOLEAN':
      for (let r = 0; r < n; r++) {
        const x = v[off + r];
        if (typeof x === 'boolean') vec.setItem(r, x);
        else if (x === null) nulls.push(r);
        else bad(r, 'a boolean');
      }
      break;
  }
  for (const r of nulls) vec.setItem(r, null);
}
