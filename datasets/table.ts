// Columnar in-memory tables: the hand-off format between the simulator / importers and the data-set store.
// A stage builds `Table`s; `writeDataset` turns them into Parquet files plus a DuckDB database.

export const COLUMN_TYPES = ['VARCHAR', 'INTEGER', 'BIGINT', 'DOUBLE', 'FLOAT', 'BOOLEAN', 'TIMESTAMP'] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];
export const isColumnType = (x: unknown): x is ColumnType => (COLUMN_TYPES as readonly unknown[]).includes(x);

/** One column. TIMESTAMP values are epoch milliseconds (UTC); `null` marks a missing value. */
export interface Column {
  name: string;
  type: ColumnType;
  values: ArrayLike<string | number | boolean | null>;
  /** One-line meaning, written into the data-set docs and manifest. */
  description?: string;
}

export interface Table {
  name: string;
  columns: Column[];
}

/** Number of rows of a table (all columns have the same length; checked by `assertTable`). */
export function rowCount(t: Table): number {
  return t.columns.length === 0 ? 0 : t.columns[0].values.length;
}

/** Throws if the columns differ in length, names repeat, or a type is unknown. */
export function assertTable(t: Table): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(t.name)) throw new Error(`table name "${t.name}" must be snake_case`);
  const seen = new Set<string>();
  const n = rowCount(t);
  for (const c of t.columns) {
    if (seen.has(c.name)) throw new Error(`table ${t.name}: column "${c.name}" appears twice`);
    seen.add(c.name);
    if (!isColumnType(c.type)) throw new Error(`table ${t.name}: column "${c.name}" has unknown type "${String(c.type)}"`);
    if (c.values.length !== n) {
      throw new Error(`table ${t.name}: column "${c.name}" has ${c.values.length} rows, expected ${n}`);
    }
  }
}

export type Cell = string | number | boolean | null;
/** A column spec for `tableFromRows`: name, type, getter, one-line description. */
export type ColumnSpec<R> = [string, ColumnType, (r: R) => Cell, string];

/** Build a table from row objects with a typed column list. */
export function tableFromRows<R>(name: string, rows: readonly R[], cols: readonly ColumnSpec<R>[]): Table {
  const columns: Column[] = cols.map(([colName, type, get, description]) => {
    const values: Cell[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = get(rows[i]);
    return { name: colName, type, values, description };
  });
  return { name, columns };
}
