// One DuckDB file that a server writes records to durably: what the deployment feedback store (datasets/feedback.ts)
// and the pipeline outcomes store (datasets/retry-outcomes.ts) share. Each store keeps its own table, SQL and record
// mapping; this file opens the database, runs operations one at a time on its one connection, commits upserts
// durably, explains a file it cannot open, and reads a file without writing to it.
//
// Durability contract: `upsert` resolves only after the record is committed in a transaction AND checkpointed
// (CHECKPOINT writes the WAL into the database file and syncs it), so an answer sent after it survives a kill of the
// server right after. Every operation goes through one connection, one at a time (a promise queue).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { RolloutlabError } from '../lib/errors.ts';

/** What a store's file holds and how errors name it. */
export interface DurableStoreSpec {
  /** The records' table; it has a `seq BIGINT` column (order of arrival, latest = largest). */
  table: string;
  /** CREATE TABLE IF NOT EXISTS for the table. */
  ddl: string;
  /** What the file is called in messages: "feedback" gives "feedback file …" and "feedback store … is closed". */
  noun: string;
  /** The server option that names the file (e.g. `--feedback`); the error's field is its name without the dashes. */
  flag: string;
  /** The environment variable that names the file, without the `$`. */
  env: string;
}

/** Why a store's file cannot be opened, in words that say which flag fixes it. */
function openError(spec: DurableStoreSpec, file: string, e: unknown): RolloutlabError {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const held = /Could not set lock|Conflicting lock/i.exec(msg);
  const pid = /PID (\d+)/.exec(msg)?.[1];
  const fix = `${spec.flag} <file> (or $${spec.env})`;
  const what = held
    ? `${spec.noun} file ${file} is held by another process${pid ? ` (PID ${pid})` : ''}, most likely another rolloutlab serve: stop it, or give this server its own file with ${fix}`
    : `cannot open ${spec.noun} file ${file} (${msg}): give a writable DuckDB file with ${fix}`;
  const err = new RolloutlabError('IO', what, spec.flag.replace(/^--/, ''));
  err.cause = e;
  return err;
}

/**
 * `read` on a store's file opened read-only (DuckDB refuses a file another process holds, e.g. a running server);
 * null when the file has no such table. Nothing is written.
 */
export async function readDurableFile<T>(path: string, table: string, read: (con: DuckDBConnection) => Promise<T>): Promise<T | null> {
  const instance = await DuckDBInstance.create(resolve(path), { access_mode: 'READ_ONLY', threads: '1' });
  try {
    const con = await instance.connect();
    try {
      const has = await con.runAndReadAll(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = '${table}'`);
      if (Number(has.getRowObjectsJS()[0].n) === 0) return null;
      return await read(con);
    } finally {
      con.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** An open store file: its one connection, the queue of operations on it, and the latest `seq`. */
export class DurableStore {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly spec: DurableStoreSpec,
    readonly path: string,
    private instance: DuckDBInstance,
    private con: DuckDBConnection,
    private seq: number,
  ) {}

  /**
   * Opens (creating when absent) the database at `path` and its table. Fails with an IO error naming the file and
   * the spec's flag when it cannot: another process holds it (a second server on the same file), it is not a DuckDB
   * file, or its folder cannot be created.
   */
  static async open(path: string, spec: DurableStoreSpec): Promise<DurableStore> {
    const file = resolve(path);
    let instance: DuckDBInstance;
    try {
      mkdirSync(dirname(file), { recursive: true });
      instance = await DuckDBInstance.create(file, { threads: '1' });
    } catch (e) {
      throw openError(spec, file, e);
    }
    const con = await instance.connect();
    try {
      await con.run(spec.ddl);
      await con.run('CHECKPOINT');
      const r = await con.runAndReadAll(`SELECT coalesce(max(seq), 0) AS seq FROM ${spec.table}`);
      return new DurableStore(spec, file, instance, con, Number(r.getRowObjectsJS()[0].seq));
    } catch (e) {
      con.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  /** Runs `f` after every earlier operation (one statement stream on the one connection). */
  serial<T>(f: (con: DuckDBConnection) => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.closed) throw new Error(`${this.spec.noun} store ${this.path} is closed`);
      return f(this.con);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * Stores (or replaces) the record whose `keyColumn` is `key`: `insert` runs an INSERT OR REPLACE giving the row
   * `seq` (the next order of arrival). Resolves to whether the key was new once the transaction is committed and
   * checkpointed to the file.
   */
  upsert(keyColumn: string, key: string, insert: (con: DuckDBConnection, seq: number) => Promise<void>): Promise<boolean> {
    return this.serial(async (con) => {
      await con.run('BEGIN TRANSACTION');
      try {
        const prior = await con.runAndReadAll(`SELECT 1 FROM ${this.spec.table} WHERE ${keyColumn} = $1`, [key]);
        const created = prior.currentRowCount === 0;
        await insert(con, this.seq + 1);
        await con.run('COMMIT');
        this.seq++;
        await con.run('CHECKPOINT');
        return created;
      } catch (e) {
        await con.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * Appends `count` records in one transaction: `insert` writes them with `seq` firstSeq, firstSeq + 1, … (the next
   * orders of arrival). Resolves to firstSeq once the transaction is committed and checkpointed to the file; on an
   * error nothing is written and the sequence does not move.
   */
  append(count: number, insert: (con: DuckDBConnection, firstSeq: number) => Promise<void>): Promise<number> {
    return this.serial(async (con) => {
      const first = this.seq + 1;
      await con.run('BEGIN TRANSACTION');
      try {
        await insert(con, first);
        await con.run('COMMIT');
      } catch (e) {
        await con.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
      this.seq += count;
      await con.run('CHECKPOINT');
      return first;
    });
  }

  /** How many records the table holds (call it inside `serial`, on its connection). */
  async count(con: DuckDBConnection): Promise<number> {
    const n = await con.runAndReadAll(`SELECT count(*) AS n FROM ${this.spec.table}`);
    return Number(n.getRowObjectsJS()[0].n);
  }

  /** Waits for pending operations, then releases the file. */
  async close(): Promise<void> {
    await this.queue;
    if (this.closed) return;
    this.closed = true;
    this.con.closeSync();
    this.instance.closeSync();
  }
}
