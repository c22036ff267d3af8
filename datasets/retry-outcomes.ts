// Recorded retry outcomes (POST /v1/pipeline/outcome): what happened after a failed CI/CD step, stored durably in a
// DuckDB file, in the shape of datasets/retry-outcome.ts.
//
// The same contract as the deployment feedback store (datasets/feedback.ts), both built on datasets/durable-store.ts:
// `put` returns only after the record is committed in a transaction AND checkpointed (the WAL written into the database
// file and synced), so an answer sent after `put` survives a kill of the server right after. Writes go through one
// connection, one at a time (a promise queue). An `id` posted again replaces the earlier record (a client retrying
// after a lost answer ends in the same state, a corrected outcome wins) and moves it to the front of the list.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DurableStore, readDurableFile, type DurableStoreSpec } from './durable-store.ts';
import type { RetryOutcomeRecord } from './retry-outcome.ts';

export const RETRY_OUTCOMES_TABLE = 'retry_outcomes';

/** The most records one list call answers (a record carries a log tail of up to 64 Ki characters). */
export const MAX_RETRY_OUTCOME_LIST = 1000;

/** A stored record: the recorded outcome (attempt and history filled in) and when the server stored it. */
export type StoredRetryOutcome = RetryOutcomeRecord & { attempt: number; history: ('pass' | 'fail')[]; receivedAt: string };

const DDL = `CREATE TABLE IF NOT EXISTS ${RETRY_OUTCOMES_TABLE} (
  id VARCHAR PRIMARY KEY,
  step VARCHAR NOT NULL,
  exit_code BIGINT NOT NULL,
  log VARCHAR NOT NULL,           -- the tail, as datasets/failed-step.ts keeps it
  attempt INTEGER NOT NULL,
  history VARCHAR NOT NULL,       -- JSON array of "pass" / "fail", oldest first
  retried BOOLEAN NOT NULL,
  retry_succeeded BOOLEAN,        -- null: not retried, or not known yet
  category VARCHAR,
  flaky BOOLEAN,
  decision_action VARCHAR,        -- the served decision (all three null when none was given)
  decision_category VARCHAR,
  decision_policy VARCHAR,
  received_at TIMESTAMP NOT NULL, -- UTC
  seq BIGINT NOT NULL             -- order of arrival (latest = largest), bumped on replacement
)`;

const SPEC: DurableStoreSpec = { table: RETRY_OUTCOMES_TABLE, ddl: DDL, noun: 'pipeline outcomes', flag: '--pipeline-outcomes', env: 'ROLLOUTLAB_PIPELINE_OUTCOMES' };

const COLUMNS = 'id, step, exit_code, log, attempt, history, retried, retry_succeeded, category, flaky, decision_action, decision_category, decision_policy, epoch_ms(received_at) AS received_at, seq';

type Row = StoredRetryOutcome & { seq: number };

async function selectRows(con: DuckDBConnection, tail: string, params: (string | number)[] = []): Promise<Row[]> {
  const r = await con.runAndReadAll(`SELECT ${COLUMNS} FROM ${RETRY_OUTCOMES_TABLE} ${tail}`, params);
  return r.getRowObjectsJS().map((x) => ({
    id: String(x.id),
    step: String(x.step),
    exitCode: Number(x.exit_code),
    log: String(x.log),
    attempt: Number(x.attempt),
    history: JSON.parse(String(x.history)) as ('pass' | 'fail')[],
    retried: Boolean(x.retried),
    retrySucceeded: x.retry_succeeded === null ? null : Boolean(x.retry_succeeded),
    ...(x.category !== null ? { category: String(x.category) } : {}),
    ...(x.flaky !== null ? { flaky: Boolean(x.flaky) } : {}),
    ...(x.decision_action !== null ? { decision: { action: String(x.decision_action) as 'retry' | 'fail', category: String(x.decision_category), policy: String(x.decision_policy) } } : {}),
    receivedAt: new Date(Number(x.received_at)).toISOString(),
    seq: Number(x.seq),
  }));
}

const withoutSeq = ({ seq: _seq, ...r }: Row): StoredRetryOutcome => r;

/**
 * Every record of an outcomes file in arrival order (oldest first), read without writing anything (DuckDB read-only;
 * it refuses a file another process holds, e.g. a running server). Null when the file has no outcomes table.
 */
export async function readRetryOutcomesFile(path: string): Promise<StoredRetryOutcome[] | null> {
  return readDurableFile(path, RETRY_OUTCOMES_TABLE, async (con) => (await selectRows(con, 'ORDER BY seq')).map(withoutSeq));
}

export class RetryOutcomeStore {
  private constructor(private db: DurableStore) {}

  /** The resolved path of the database file. */
  get path(): string {
    return this.db.path;
  }

  /**
   * Opens (creating when absent) the outcomes database at `path`. Fails with an IO error naming the file and the
   * `--pipeline-outcomes` flag when it cannot: another process holds it, it is not a DuckDB file, or its folder cannot
   * be created.
   */
  static async open(path: string): Promise<RetryOutcomeStore> {
    return new RetryOutcomeStore(await DurableStore.open(path, SPEC));
  }

  /**
   * Stores (or replaces) one record — already checked by datasets/retry-outcome.ts parseRetryOutcome, so its log is
   * the kept tail and its history "pass" / "fail" — and resolves once it is committed and checkpointed to the file.
   */
  async put(r: RetryOutcomeRecord, receivedAt: Date): Promise<{ created: boolean; receivedAt: string }> {
    const created = await this.db.upsert('id', r.id, async (con, seq) => {
      await con.run(
        `INSERT OR REPLACE INTO ${RETRY_OUTCOMES_TABLE} VALUES ($1, $2, CAST($3 AS BIGINT), $4, CAST($5 AS INTEGER), $6, $7, $8, $9, $10, $11, $12, $13, epoch_ms(CAST($14 AS BIGINT)), CAST($15 AS BIGINT))`,
        [
          r.id,
          r.step,
          r.exitCode,
          r.log,
          r.attempt ?? 1,
          JSON.stringify(r.history ?? []),
          r.retried,
          r.retrySucceeded,
          r.category ?? null,
          r.flaky ?? null,
          r.decision?.action ?? null,
          r.decision?.category ?? null,
          r.decision?.policy ?? null,
          receivedAt.getTime(),
          seq,
        ],
      );
    });
    return { created, receivedAt: receivedAt.toISOString() };
  }

  /**
   * The latest `limit` records (latest received first) and how many are stored. `before`: only records that arrived
   * before the page that answered `next: before` (paging back through every record); `next` is null on the last page.
   */
  list(limit: number, before?: number): Promise<{ count: number; records: StoredRetryOutcome[]; next: number | null }> {
    return this.db.serial(async (con) => {
      const count = await this.db.count(con);
      const where = before === undefined ? '' : 'WHERE seq < CAST($1 AS BIGINT)';
      const rows = await selectRows(con, `${where} ORDER BY seq DESC LIMIT ${Math.floor(limit) + 1}`, before === undefined ? [] : [before]);
      const page = rows.slice(0, Math.floor(limit));
      const next = rows.length > page.length ? page[page.length - 1].seq : null;
      return { count, records: page.map(withoutSeq), next };
    });
  }

  /** Waits for pending operations, then releases the file. */
  close(): Promise<void> {
    return this.db.close();
  }
}
