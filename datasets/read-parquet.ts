// A Parquet file as text cells, the form the importers validate: every column cast to VARCHAR by DuckDB (in memory,
// the file is only read), with the column names. Used by the deployment-history importer and by replay.
import { DuckDBInstance } from '@duckdb/node-api';
import { RolloutlabError } from '../lib/errors.ts';

export interface ParquetText {
  header: string[];
  /** Cells as text; null = missing. */
  rows: (string | null)[][];
}

/** Reads `path` as Parquet; a BAD_DATA RolloutlabError naming the file when it cannot. */
export async function readParquetText(path: string): Promise<ParquetText> {
  const inst = await DuckDBInstance.create(':memory:');
  const con = await inst.connect();
  try {
    // Why: TIMESTAMPTZ columns render in the session zone; UTC makes the text carry +00 and parse exactly.
    await con.run("SET TimeZone = 'UTC'");
    const res = await con.runAndReadAll(`SELECT CAST(COLUMNS(*) AS VARCHAR) FROM read_parquet('${path.replaceAll("'", "''")}')`);
    return { header: res.columnNames(), rows: res.getRowsJS() as (string | null)[][] };
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `${path}: cannot read as Parquet: ${(e as Error).message}`);
  } finally {
    con.closeSync();
    inst.closeSync();
  }
}
