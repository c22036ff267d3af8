// Outcome feedback (POST /v1/feedback): what really happened to a deployment, stored durably in a DuckDB file.
//
// Durability contract: `put` returns only after the record is committed in a transaction AND checkpointed (CHECKPOINT
// writes the WAL into the database file and syncs it), so a 2xx answered after `put` survives a kill -9 of the server
// right after (test/server-feedback.test.ts). Writes go through one connection, one at a time (a promise queue).
// A deploymentId posted again replaces the earlier record (upsert): a client that retries after losing the answer gets
// the same state, and a corrected outcome wins.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { RolloutlabError } from '../lib/errors.ts';
import type { FeedbackBody, FeedbackRecord } from './feedback-schema.ts';

const TABLE = 'feedback';

const DDL = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  deployment_id VARCHAR PRIMARY KEY,
  service VARCHAR NOT NULL,
  outcome VARCHAR NOT NULL,
  breached BOOLEAN,
  fault_kind VARCHAR,
  started_at TIMESTAMP,   -- UTC
  features VARCHAR NOT NULL, -- JSON object name -> number, boolean or level name
  notes VARCHAR,
  received_at TIMESTAMP NOT NULL, -- UTC
  seq BIGINT NOT NULL     -- order of arrival (latest = largest), bumped on replacement
)`;

/** Every field of a record, in the shape GET /v1/feedback answers (times as ISO 8601, UTC). */
const RECORD_COLUMNS = 'deployment_id, service, outcome, breached, fault_kind, epoch_ms(started_at) AS started_at, features, notes, epoch_ms(received_at) AS received_at';

async function selectRecords(con: DuckDBConnection, tail: string): Promise<FeedbackRecord[]> {
  const r = await con.runAndReadAll(`SELECT ${RECORD_COLUMNS} FROM ${TABLE} ${tail}`);
  return r.getRowObjectsJS().map((x) => ({
    deploymentId: String(x.deployment_id),
    service: String(x.service),
    outcome: String(x.outcome),
    breached: x.breached === null ? null : Boolean(x.breached),
    faultKind: x.fault_kind === null ? null : String(x.fault_kind),
    startedAt: x.started_at === null ? null : new Date(Number(x.started_at)).toISOString(),
    features: JSON.parse(String(x.features)) as Record<string, number | boolean | string>,
    notes: x.notes === null ? null : String(x.notes),
    receivedAt: new Date(Number(x.received_at)).toISOString(),
  }));
}

/**
 * Every record of a feedback file in arrival order, read without writing anything (DuckDB read-only; it refuses a
 * file another process holds, e.g. a running server). Null when the file has no feedback table.
 */
export async function readFeedbackFile(path: string): Promise<FeedbackRecord[] | null> {
  const instance = await DuckDBInstance.create(resolve(path), { access_mode: 'READ_ONLY', threads: '1' });
  try {
    const con = await instance.connect();
    try {
      const has = await con.runAndReadAll(`SELECT count(*) AS n FROM duckdb_tables() WHERE table_name = '${TABLE}'`);
      if (Number(has.getRowObjectsJS()[0].n) === 0) return null;
      return await selectRecords(con, 'ORDER BY seq');
    } finally {
      con.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/** Why a feedback file cannot be opened, in words that say which flag fixes it. */
function openError(file: string, e: unknown): RolloutlabError {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  const held = /Could not set lock|Conflicting lock/i.exec(msg);
  const pid = /PID (\d+)/.exec(msg)?.[1];
  const what = held
    ? `feedback file ${file} is held by another process${pid ? ` (PID ${pid})` : ''}, most likely another rolloutlab serve: stop it, or give this server its own file with --feedback <file> (or $ROLLOUTLAB_FEEDBACK)`
    : `cannot open feedback file ${file} (${msg}): give a writable DuckDB file with --feedback <file> (or $ROLLOUTLAB_FEEDBACK)`;
  const err = new RolloutlabError('IO', what, 'feedback');
  err.cause = e;
  return err;
}

export class FeedbackStore {
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    readonly path: string,
    private instance: DuckDBInstance,
    private con: DuckDBConnection,
    private seq: number,
  ) {}

  /**
   * Opens (creating when absent) the feedback database at `path`. Fails with an IO error naming the file and the
   * `--feedback` flag when it cannot: another process holds it (a second server on the same file), or it is not a
   * DuckDB file, or its folder cannot be created.
   */
  static async open(path: string): Promise<FeedbackStore> {
    const file = resolve(path);
    let instance: DuckDBInstance;
    try {
      mkdirSync(dirname(file), { recursive: true });
      instance = await DuckDBInstance.create(file, { threads: '1' });
    } catch (e) {
      throw openError(file, e);
    }
    const con = await instance.connect();
    try {
      await con.run(DDL);
      await con.run('CHECKPOINT');
      const r = await con.runAndReadAll(`SELECT coalesce(max(seq), 0) AS seq FROM ${TABLE}`);
      const seq = Number(r.getRowObjectsJS()[0].seq);
      return new FeedbackStore(file, instance, con, seq);
    } catch (e) {
      con.closeSync();
      instance.closeSync();
      throw e;
    }
  }

  /** Runs `f` after every earlier operation (one statement stream on the one connection). */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => {
      if (this.closed) throw new Error(`feedback store ${this.path} is closed`);
      return f();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Stores (or replaces) one record; resolves once it is committed and checkpointed to the file. */
  put(b: FeedbackBody, receivedAt: Date): Promise<{ created: boolean; receivedAt: string }> {
    return this.serial(async () => {
      const con = this.con;
      const started = b.startedAt === undefined ? null : Date.parse(b.startedAt);
      await con.run('BEGIN TRANSACTION');
      try {
        const prior = await con.runAndReadAll(`SELECT 1 FROM ${TABLE} WHERE deployment_id = $1`, [b.deploymentId]);
        const created = prior.currentRowCount === 0;
        await con.run(
          `INSERT OR REPLACE INTO ${TABLE} VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 IS NULL THEN NULL ELSE epoch_ms(CAST($6 AS BIGINT)) END, $7, $8, epoch_ms(CAST($9 AS BIGINT)), CAST($10 AS BIGINT))`,
          [b.deploymentId, b.service, b.outcome, b.breached ?? null, b.faultKind ?? null, started, JSON.stringify(b.features ?? {}), b.notes ?? null, receivedAt.getTime(), this.seq + 1],
        );
        await con.run('COMMIT');
        this.seq++;
        await con.run('CHECKPOINT');
        return { created, receivedAt: receivedAt.toISOString() };
      } catch (e) {
        await con.run('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  /** The latest `limit` records (latest received first) and how many are stored. */
  list(limit: number): Promise<{ count: number; records: FeedbackRecord[] }> {
    return this.serial(async () => {
      const n = await this.con.runAndReadAll(`SELECT count(*) AS n FROM ${TABLE}`);
      const records = await selectRecords(this.con, `ORDER BY seq DESC LIMIT ${Math.floor(limit)}`);
      return { count: Number(n.getRowObjectsJS()[0].n), records };
    });
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
