// The human controls of served decisions (docs/server.md "Human controls"), stored durably in a DuckDB file: manual
// overrides per deployment, granted approvals, and the deployments the server knows have ended. The server keeps the
// live state in memory (server/controls.ts) and writes every change here first, so it survives a restart.
//
// One table, one row per key: `override:<deployment>` (the deployment's latest override; clearing it stamps the row),
// `approval:<deployment>` and `approval:<deployment>#<step>` (the latest approval of the deployment or of one plan
// step), `ended:<deployment>` (how and when it ended; removed when the deployment runs again). Durability contract:
// datasets/durable-store.ts (committed and checkpointed before `put` resolves). Without a file, `MemoryControlsStore`
// keeps the same rows in memory (an app built without one, e.g. in tests).
import type { DuckDBConnection } from '@duckdb/node-api';
import { DurableStore, type DurableStoreSpec } from './durable-store.ts';

export type ControlKind = 'override' | 'approval' | 'ended';

/** One stored control. Times are ISO 8601 (UTC) strings. */
export interface ControlRecord {
  kind: ControlKind;
  deployment: string;
  /** The plan step an approval is for (null: the whole deployment). */
  step: string | null;
  /** override: hold | promote | rollback; ended: promoted | rolled_back | ended; approval: null. */
  action: string | null;
  by: string;
  reason: string;
  /** Until when an override or approval holds (null for ended). */
  until: string | null;
  at: string;
  clearedAt: string | null;
  clearedBy: string | null;
  clearReason: string | null;
  /** ended: the revision that ended, when the deploy system said (Flagger's checksum). */
  checksum: string | null;
}

/** The key of a record: one row per (kind, deployment, step). */
export const controlKey = (r: Pick<ControlRecord, 'kind' | 'deployment' | 'step'>): string => `${r.kind}:${r.deployment}${r.step === null ? '' : `#${r.step}`}`;

/** What the server needs of a controls store. */
export interface ControlsStore {
  /** Every record, oldest write first. */
  all(): Promise<ControlRecord[]>;
  /** Stores (or replaces) a record; resolves once it is durable. */
  put(r: ControlRecord): Promise<void>;
  /** Removes the record of that key (nothing when absent); resolves once it is durable. */
  remove(key: string): Promise<void>;
  close(): Promise<void>;
}

const TABLE = 'controls';
const DDL = `CREATE TABLE IF NOT EXISTS ${TABLE} (
  id VARCHAR PRIMARY KEY,      -- kind:deployment[#step]
  kind VARCHAR NOT NULL,       -- override | approval | ended
  deployment VARCHAR NOT NULL,
  step VARCHAR,
  action VARCHAR,
  set_by VARCHAR NOT NULL,     -- who
  reason VARCHAR NOT NULL,
  until TIMESTAMP,             -- UTC
  set_at TIMESTAMP NOT NULL,   -- UTC
  cleared_at TIMESTAMP,
  cleared_by VARCHAR,
  clear_reason VARCHAR,
  checksum VARCHAR,
  seq BIGINT NOT NULL          -- order of writes (latest = largest)
)`;
const SPEC: DurableStoreSpec = { table: TABLE, ddl: DDL, noun: 'controls', flag: '--controls-store', env: 'ROLLOUTLAB_CONTROLS_STORE' };

const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
const iso = (v: unknown) => (v === null || v === undefined ? null : new Date(Number(v)).toISOString());
const str = (v: unknown) => (v === null || v === undefined ? null : String(v));
const TS = (n: number) => `CASE WHEN $${n} IS NULL THEN NULL ELSE epoch_ms(CAST($${n} AS BIGINT)) END`;

async function selectAll(con: DuckDBConnection): Promise<ControlRecord[]> {
  const r = await con.runAndReadAll(
    `SELECT kind, deployment, step, action, set_by, reason, epoch_ms(until) AS until, epoch_ms(set_at) AS set_at, epoch_ms(cleared_at) AS cleared_at, cleared_by, clear_reason, checksum FROM ${TABLE} ORDER BY seq`,
  );
  return r.getRowObjectsJS().map((x) => ({
    kind: String(x.kind) as ControlKind,
    deployment: String(x.deployment),
    step: str(x.step),
    action: str(x.action),
    by: String(x.set_by),
    reason: String(x.reason),
    until: iso(x.until),
    at: iso(x.set_at) as string,
    clearedAt: iso(x.cleared_at),
    clearedBy: str(x.cleared_by),
    clearReason: str(x.clear_reason),
    checksum: str(x.checksum),
  }));
}

/** The controls in a DuckDB file (`serve --controls-store`). */
export class DuckControlsStore implements ControlsStore {
  private constructor(private db: DurableStore) {}

  get path(): string {
    return this.db.path;
  }

  /** Opens (creating when absent) the file; an IO error naming `--controls-store` when it cannot (held by another process, not DuckDB). */
  static async open(path: string): Promise<DuckControlsStore> {
    return new DuckControlsStore(await DurableStore.open(path, SPEC));
  }

  all(): Promise<ControlRecord[]> {
    return this.db.serial(selectAll);
  }

  async put(r: ControlRecord): Promise<void> {
    const key = controlKey(r);
    await this.db.upsert('id', key, async (con, seq) => {
      await con.run(`INSERT OR REPLACE INTO ${TABLE} VALUES ($1, $2, $3, $4, $5, $6, $7, ${TS(8)}, ${TS(9)}, ${TS(10)}, $11, $12, $13, CAST($14 AS BIGINT))`, [
        key,
        r.kind,
        r.deployment,
        r.step,
        r.action,
        r.by,
        r.reason,
        ms(r.until),
        ms(r.at),
        ms(r.clearedAt),
        r.clearedBy,
        r.clearReason,
        r.checksum,
        seq,
      ]);
    });
  }

  remove(key: string): Promise<void> {
    return this.db.serial(async (con) => {
      await con.run(`DELETE FROM ${TABLE} WHERE id = $1`, [key]);
      await con.run('CHECKPOINT');
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** The same rows in memory: nothing survives the process (an app built without a controls file). */
export class MemoryControlsStore implements ControlsStore {
  private rows = new Map<string, ControlRecord>();

  async all(): Promise<ControlRecord[]> {
    return [...this.rows.values()].map((r) => ({ ...r }));
  }

  async put(r: ControlRecord): Promise<void> {
    const key = controlKey(r);
    this.rows.delete(key); // re-inserted last: the order of writes, as the file's seq
    this.rows.set(key, { ...r });
  }

  async remove(key: string): Promise<void> {
    this.rows.delete(key);
  }

  async close(): Promise<void> {}
}
