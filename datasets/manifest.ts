// The data-set manifest: its TypeBox schema, its type, validation, and its canonical (byte-stable) JSON form.
// A data-set folder is complete iff it holds a manifest.json that passes `validateManifest`.

import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { COLUMN_TYPES } from './table.ts';
import { RolloutlabError, show } from '../lib/errors.ts';
import { expectedUnion, nonJsonPath } from '../lib/json.ts';

/** Bump when the folder layout or manifest fields change incompatibly. */
export const DATASET_SCHEMA_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';
export const DATABASE_FILE = 'dataset.duckdb';

const TABLE_NAME = '^[a-z_][a-z0-9_]*$';

export const ManifestColumnSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    type: Type.Union(COLUMN_TYPES.map((t) => Type.Literal(t))),
    description: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export const ManifestTableSchema = Type.Object(
  {
    rows: Type.Integer({ minimum: 0 }),
    // A bare file name inside the folder, so a manifest can never point a reader elsewhere.
    file: Type.String({ pattern: '^[a-z_][a-z0-9_]*\\.parquet$' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    columns: Type.Array(ManifestColumnSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const ManifestSchema = Type.Object(
  {
    schemaVersion: Type.Literal(DATASET_SCHEMA_VERSION),
    kind: Type.Union([Type.Literal('simulated'), Type.Literal('imported'), Type.Literal('backtest')]),
    scenario: Type.Union([Type.String({ minLength: 1 }), Type.Null()]),
    seed: Type.Union([Type.Number(), Type.Null()]),
    codeVersion: Type.String({ minLength: 1 }),
    createdBy: Type.Literal('rolloutlab'),
    tables: Type.Record(Type.String({ pattern: TABLE_NAME }), ManifestTableSchema, { additionalProperties: false }),
    /** Free caller data (days, scenario digest...); must be plain JSON. */
    extra: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);

export type Manifest = Static<typeof ManifestSchema>;
export type ManifestTable = Static<typeof ManifestTableSchema>;

/** What the caller of `writeDataset` supplies; the store fills in the rest. */
export interface ManifestInput {
  kind: Manifest['kind'];
  scenario: string | null;
  seed: number | null;
  codeVersion: string;
  extra?: Record<string, unknown>;
}

/** Checks `obj` against the schema; throws RolloutlabError('BAD_DATA') naming the first bad field. */
export function validateManifest(obj: unknown): Manifest {
  const err = Value.Errors(ManifestSchema, obj).First();
  if (err) {
    const field = err.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const got = typeof err.value === 'number' ? String(err.value) : show(err.value);
    throw new RolloutlabError('BAD_DATA', `manifest field "${field}": ${expectedUnion(err.schema) ?? err.message}, got ${got}`, field);
  }
  const m = obj as Manifest;
  if (m.kind === 'simulated' && m.scenario === null) {
    throw new RolloutlabError('BAD_DATA', 'manifest field "scenario": a simulated data set needs a scenario name, got null', 'scenario');
  }
  assertJson(m.extra, 'extra');
  return m;
}

function assertJson(v: unknown, path: string): void {
  const bad = nonJsonPath(v, path);
  if (bad) throw new RolloutlabError('BAD_DATA', `manifest field "${bad}": must be plain JSON (null, boolean, finite number, string, array, object)`, bad);
}


/** Builds the manifest in a fixed key order, so equal inputs serialize to equal bytes. */
export function buildManifest(input: ManifestInput, tables: Record<string, ManifestTable>): Manifest {
  assertJson(input.extra ?? {}, 'extra');
  return validateManifest({
    schemaVersion: DATASET_SCHEMA_VERSION,
    kind: input.kind,
    scenario: input.scenario,
    seed: input.seed,
    codeVersion: input.codeVersion,
    createdBy: 'rolloutlab',
    tables,
    // Round-trip so the returned manifest equals what a reader will parse (undefined properties dropped).
    extra: JSON.parse(JSON.stringify(input.extra ?? {})),
  });
}

/** The exact bytes written to manifest.json. */
export function manifestJson(m: Manifest): string {
  return JSON.stringify(m, null, 2) + '\n';
}
