// The decision log: every decision the server served (a canary verdict, a rollout decision, a risk score, a deployment
// window or schedule, a retry decision, an Argo / Flagger / Kayenta answer, …) with its inputs, the model versions it
// was served with and its answer, kept for post-incident review in a DuckDB file (`serve --decisions`), and read back
// by GET /v1/decisions and `rolloutlab decisions export`.
//
// Built on datasets/durable-store.ts like the feedback and pipeline outcome stores, with one difference: records are
// appended in batches (`append`), each batch one transaction, committed and checkpointed before it resolves. The server
// never waits for it to answer a decision (server/decision-recorder.ts queues the records and writes them behind the
// answers). Records are never replaced or deleted: the id is the order of arrival in the file.
import type { DuckDBConnection } from '@duckdb/node-api';
import { DurableStore, readDurableFile, type DurableStoreSpec } from './durable-store.ts';

export const DECISIONS_TABLE = 'decisions';

/** A decision to record, as the server saw it (texts already capped by the recorder). */
export interface NewDecision {
  /** When the decision was made (ISO 8601, UTC). */
  at: string;
  /** What kind of decision (server/decision-recorder.ts DECISION_ROUTES: verdict, rollout-decision, risk, …). */
  kind: string;
  method: string;
  /** The route's url pattern (e.g. /v1/canary/verdict). */
  route: string;
  /** The deployment and service it is about (the first of `deployments` / `services`; null when unknown). */
  deployment: string | null;
  service: string | null;
  /** Every deployment and service it is about (a schedule places several). */
  deployments: string[];
  services: string[];
  /** The status answered. */
  status: number;
  /** The request body as received (text; null: none), at most the recorder's cap; `requestTruncated` when cut. */
  request: string | null;
  requestBytes: number;
  requestTruncated: boolean;
  /** The query string, parsed. */
  query: Record<string, unknown>;
  /** The answer's JSON text (null: not JSON), at most the recorder's cap; `answerTruncated` when cut. */
  answer: string | null;
  answerBytes: number;
  answerTruncated: boolean;
  /** The champion version of each family loaded when the decision was made. */
  models: Record<string, string>;
  clientIp: string | null;
  /** The request's id in the server's log lines. */
  requestId: string | null;
}

/** A stored decision: `request` and `answer` are the JSON values, or the text kept when it was cut. */
export type DecisionRecord = Omit<NewDecision, 'request' | 'answer'> & {
  /** Unique and increasing in the file: the order in which decisions were recorded. */
  id: number;
  request: unknown;
  answer: unknown;
};

/** Which records to read: all of them, or those matching every given field. Times are inclusive. */
export interface DecisionFilter {
  deployment?: string;
  service?: string;
  kind?: string;
  /** The route that answered, as registered (e.g. /v1/rollout/decision). */
  route?: string;
  /** Epoch milliseconds. */
  since?: number;
  until?: number;
}

const DDL = `CREATE TABLE IF NOT EXISTS ${DECISIONS_TABLE} (
  seq BIGINT PRIMARY KEY,        -- the record's id: order of arrival
  decided_at TIMESTAMP NOT NULL, -- UTC, when the decision was made
  kind VARCHAR NOT NULL,
  method VARCHAR NOT NULL,
  route VARCHAR NOT NULL,
  deployment VARCHAR,
  service VARCHAR,
  deployments VARCHAR[] NOT NULL,
  services VARCHAR[] NOT NULL,
  status INTEGER NOT NULL,
  request VARCHAR,               -- the body as received (text), cut at the recorder's cap
  request_bytes BIGINT NOT NULL,
  request_truncated BOOLEAN NOT NULL,
  query VARCHAR NOT NULL,        -- JSON object
  answer VARCHAR,                -- JSON text, cut at the recorder's cap
  answer_bytes BIGINT NOT NULL,
  answer_truncated BOOLEAN NOT NULL,
  models VARCHAR NOT NULL,       -- JSON object family -> version
  client_ip VARCHAR,
  request_id VARCHAR
)`;

const SPEC: DurableStoreSpec = { table: DECISIONS_TABLE, ddl: DDL, noun: 'decisions', flag: '--decisions', env: 'ROLLOUTLAB_DECISIONS' };

const COLUMNS =
  'seq, epoch_ms(decided_at) AS decided_at, kind, method, route, deployment, service, deployments, services, status, request, request_bytes, request_truncated, query, answer, answer_bytes, answer_truncated, models, client_ip, request_id';

/**
 * The rows of one append as one JSON parameter, unpacked by DuckDB (`from_json`): one statement for the whole batch,
 * parsed off the main thread (a statement per row costs about 2 ms, binding thousands of parameters almost 1 ms a row).
 */
const ROW_SHAPE = JSON.stringify([
  {
    seq: 'BIGINT', at: 'BIGINT', kind: 'VARCHAR', method: 'VARCHAR', route: 'VARCHAR', deployment: 'VARCHAR', service: 'VARCHAR', deployments: 'VARCHAR[]', services: 'VARCHAR[]', status: 'INTEGER',
    request: 'VARCHAR', requestBytes: 'BIGINT', requestTruncated: 'BOOLEAN', query: 'VARCHAR', answer: 'VARCHAR', answerBytes: 'BIGINT', answerTruncated: 'BOOLEAN', models: 'VARCHAR', clientIp: 'VARCHAR', requestId: 'VARCHAR',
  },
]);
const INSERT = `INSERT INTO ${DECISIONS_TABLE} SELECT r.seq, epoch_ms(r.at), r.kind, r.method, r.route, r.deployment, r.service, coalesce(r.deployments, []), coalesce(r.services, []), r.status,
  r.request, r.requestBytes, r.requestTruncated, r.query, r.answer, r.answerBytes, r.answerTruncated, r.models, r.clientIp, r.requestId
  FROM (SELECT unnest(from_json($1, '${ROW_SHAPE}')) AS r)`;

/** A stored text as the record's value: the JSON it holds when whole, else the text itself. */
function jsonOrText(text: unknown, truncated: boolean): unknown {
  if (text === null || text === undefined) return null;
  const s = String(text);
  if (truncated) return s;
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

const strings = (x: unknown): string[] => (Array.isArray(x) ? x.map(String) : []);

function recordOf(x: Record<string, unknown>): DecisionRecord {
  const requestTruncated = Boolean(x.request_truncated);
  const answerTruncated = Boolean(x.answer_truncated);
  return {
    id: Number(x.seq),
    at: new Date(Number(x.decided_at)).toISOString(),
    kind: String(x.kind),
    method: String(x.method),
    route: String(x.route),
    deployment: x.deployment === null ? null : String(x.deployment),
    service: x.service === null ? null : String(x.service),
    deployments: strings(x.deployments),
    services: strings(x.services),
    status: Number(x.status),
    request: jsonOrText(x.request, requestTruncated),
    requestBytes: Number(x.request_bytes),
    requestTruncated,
    query: JSON.parse(String(x.query)) as Record<string, unknown>,
    answer: jsonOrText(x.answer, answerTruncated),
    answerBytes: Number(x.answer_bytes),
    answerTruncated,
    models: JSON.parse(String(x.models)) as Record<string, string>,
    clientIp: x.client_ip === null ? null : String(x.client_ip),
    requestId: x.request_id === null ? null : String(x.request_id),
  };
}

/** The WHERE clause and its parameters for a filter, from parameter `$first` on. */
function whereOf(f: DecisionFilter, first = 1): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  const p = (v: string | number) => {
    params.push(v);
    return `$${first + params.length - 1}`;
  };
  if (f.deployment !== undefined) parts.push(`list_contains(deployments, ${p(f.deployment)})`);
  if (f.service !== undefined) parts.push(`list_contains(services, ${p(f.service)})`);
  if (f.kind !== undefined) parts.push(`kind = ${p(f.kind)}`);
  if (f.route !== undefined) parts.push(`route = ${p(f.route)}`);
  if (f.since !== undefined) parts.push(`decided_at >= epoch_ms(CAST(${p(f.since)} AS BIGINT))`);
  if (f.until !== undefined) parts.push(`decided_at <= epoch_ms(CAST(${p(f.until)} AS BIGINT))`);
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** Which records a limited read keeps: the earliest (in time order) or the latest (newest first). */
export type DecisionOrder = 'earliest' | 'newest';

/**
 * Up to `limit` records matching `f` after the (at, id) position `after`, in time order (ties: order of arrival), or
 * with `order` newest, the latest ones, newest first.
 */
async function selectPage(con: DuckDBConnection, f: DecisionFilter, limit: number, after?: { at: number; id: number }, order: DecisionOrder = 'earliest'): Promise<DecisionRecord[]> {
  const w = whereOf(f);
  let sql = w.sql;
  const params = [...w.params];
  if (after) {
    const a = params.length + 1;
    sql += `${sql ? ' AND' : 'WHERE'} (decided_at > epoch_ms(CAST($${a} AS BIGINT)) OR (decided_at = epoch_ms(CAST($${a} AS BIGINT)) AND seq > CAST($${a + 1} AS BIGINT)))`;
    params.push(after.at, after.id);
  }
  const r = await con.runAndReadAll(`SELECT ${COLUMNS} FROM ${DECISIONS_TABLE} ${sql} ORDER BY ${order === 'newest' ? 'decided_at DESC, seq DESC' : 'decided_at, seq'} LIMIT ${Math.floor(limit)}`, params);
  return r.getRowObjectsJS().map((x) => recordOf(x as Record<string, unknown>));
}

/** Records read per query when a whole file is exported. */
const EXPORT_PAGE = 500;

/**
 * Every record of a decisions file matching `f`, in time order, handed to `each` page by page (so a large file is
 * never held whole), read without writing anything (DuckDB read-only; it refuses a file another process holds, e.g. a
 * running server). Resolves to how many were read, or null when the file has no decisions table.
 */
export function exportDecisionLogFile(path: string, f: DecisionFilter, each: (r: DecisionRecord) => void | Promise<void>): Promise<number | null> {
  return readDurableFile(path, DECISIONS_TABLE, async (con) => {
    let n = 0;
    let after: { at: number; id: number } | undefined;
    for (;;) {
      const page = await selectPage(con, f, EXPORT_PAGE, after);
      for (const r of page) await each(r);
      n += page.length;
      if (page.length < EXPORT_PAGE) return n;
      const last = page[page.length - 1];
      after = { at: Date.parse(last.at), id: last.id };
    }
  });
}

export class DecisionLogStore {
  private constructor(private db: DurableStore) {}

  /** The resolved path of the database file. */
  get path(): string {
    return this.db.path;
  }

  /**
   * Opens (creating when absent) the decisions database at `path`. Fails with an IO error naming the file and the
   * `--decisions` flag when it cannot: another process holds it, it is not a DuckDB file, or its folder cannot be
   * created.
   */
  static async open(path: string): Promise<DecisionLogStore> {
    return new DecisionLogStore(await DurableStore.open(path, SPEC));
  }

  /**
   * Appends the decisions in order, in one transaction; resolves to the first one's id once they are committed and
   * checkpointed to the file (nothing is written when it fails).
   */
  append(ds: readonly NewDecision[]): Promise<number> {
    return this.db.append(ds.length, async (con, first) => {
      // query and models are kept as JSON text: the row's JSON holds them as strings.
      const rows = ds.map((d, i) => ({ ...d, seq: first + i, at: Date.parse(d.at), query: JSON.stringify(d.query), models: JSON.stringify(d.models) }));
      await con.run(INSERT, [JSON.stringify(rows)]);
    });
  }

  /** Up to `limit` records matching `f` in time order (`order` newest: the latest, newest first), and whether more match. */
  query(f: DecisionFilter, limit: number, order: DecisionOrder = 'earliest'): Promise<{ decisions: DecisionRecord[]; more: boolean }> {
    return this.db.serial(async (con) => {
      const page = await selectPage(con, f, limit + 1, undefined, order);
      return { decisions: page.slice(0, limit), more: page.length > limit };
    });
  }

  /** Waits for pending operations, then releases the file. */
  close(): Promise<void> {
    return this.db.close();
  }
}
