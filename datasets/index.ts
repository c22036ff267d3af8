// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//       ▲ data sets in and out: the store, the importers, the feedback store
//
// datasets/ — writing and reading data sets (DuckDB + Parquet + manifest) and importing real data.
//
//   Table[] ─▶ writeDataset ─▶ <dir>/{*.parquet, dataset.duckdb, manifest.json} ─▶ readDataset ─▶ SQL / tables
//   NAB folder / JIT CSV / deployment-history CSV|Parquet ─▶ import* ─▶ Table[]
export { type Table, type Column, type ColumnType, COLUMN_TYPES, isColumnType, rowCount, assertTable } from './table.ts';
export { writeDataset, type WriteDatasetOptions } from './write-dataset.ts';
export { readDataset, type Dataset } from './read-dataset.ts';
export { validateManifest, DATASET_SCHEMA_VERSION, MANIFEST_FILE, DATABASE_FILE, type Manifest, type ManifestInput } from './manifest.ts';
export { importNab, nabToTables, type NabCorpus, type NabSeries } from './import-nab.ts';
export { importJit, jitToTable, JIT_FEATURES, chronologicalSplit, rocAuc, type JitHistory } from './import-jit.ts';
export { importDeploymentHistory, HISTORY_COLUMNS } from './import-history.ts';
export { readParquetText, type ParquetText } from './read-parquet.ts';
export { readNabSeries, NYC_TAXI_CSV } from './nab-series.ts';
export { writeParquetFile, queryParquet, writeQueryParquet, sqlString } from './parquet-files.ts';
