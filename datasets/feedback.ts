// Outcome feedback (POST /v1/feedback): what really happened to a deployment, stored durably in a DuckDB file.
//
// Durability contract (datasets/durable-store.ts): `put` returns only after the record is committed in a transaction
// AND checkpointed (CHECKPOINT writes the WAL into the database file and syncs it), so a 2xx answered after `put`
// survives a kill -9 of the server right after (test/server-feedback.test.ts). Writes go through one connection, one
// at a time (a promise queue).
// A deploymentId posted again replaces the earlier record (upsert): a client that retries after losing the answer gets
// the same state, and a corrected outcome wins.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DurableStore, readDurableFile, type DurableStoreSpec } from './durable-store.ts';
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

const SPEC: DurableStoreSpec = { table: TABLE, ddl: DDL, noun: 'feedback', flag: '--feedback', env: 'ROLLOUTLAB_FEEDBACK' };

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
export function readFeedbackFile(path: string): Promise<FeedbackRecord[] | null> {
  return readDurableFile(path, TABLE, (con) => selectRecords(con, 'ORDER BY seq'));
}

export class FeedbackStore {
  private constructor(private db: DurableStore) {}

  /** The resolved path of the database file. */
  get path(): string {
    return this.db.path;
  }

  /**
   * Opens (creating when absent) the feedback database at `path`. Fails with an IO error naming the file and the
   * `--feedback` flag when it cannot: another process holds it (a second server on the same file), or it is not a
   * DuckDB file, or its folder cannot be created.
   */
  static async open(path: string): Promise<FeedbackStore> {
    return new FeedbackStore(await DurableStore.open(path, SPEC));
  }

  /** Stores (or replaces) one record; resolves once it is committed and checkpointed to the file. */
  async put(b: FeedbackBody, receivedAt: Date): Promise<{ created: boolean; receivedAt: string }> {
    const started = b.startedAt === undefined ? null : Date.parse(b.startedAt);
    const created = await this.db.upsert('deployment_id', b.deploymentId, async (con, seq) => {
      await con.run(
        `INSERT OR REPLACE INTO ${TABLE} VALUES ($1, $2, $3, $4, $5, CASE WHEN $6 IS NULL THEN NULL ELSE epoch_ms(CAST($6 AS BIGINT)) END, $7, $8, epoch_ms(CAST($9 AS BIGINT)), CAST($10 AS BIGINT))`,
        [b.deploymentId, b.service, b.outcome, b.breached ?? null, b.faultKind ?? null, started, JSON.stringify(b.features ?? {}), b.notes ?? null, receivedAt.getTime(), seq],
      );
    });
    return { created, receivedAt: receivedAt.toISOString() };
  }

  /** The latest `limit` records (latest received first) and how many are stored. */
  list(limit: number): Promise<{ count: number; records: FeedbackRecord[] }> {
    return this.db.serial(async (con) => {
      const count = await this.db.count(con);
      const records = await selectRecords(con, `ORDER BY seq DESC LIMIT ${Math.floor(limit)}`);
      return { count, records };
    });
  }

  /** Waits for pending operations, then releases the file. */
  close(): Promise<void> {
    return this.db.close();
  }
}
