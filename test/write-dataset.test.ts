// Data-set store: round trip, byte-identical output, atomic replace, cleanup on failure, manifest validation.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeDataset } from '../datasets/write-dataset.ts';
import { readDataset } from '../datasets/read-dataset.ts';
import { DATASET_SCHEMA_VERSION, validateManifest, type ManifestInput } from '../datasets/manifest.ts';
import type { Table } from '../datasets/table.ts';
import { RolloutlabError } from '../lib/errors.ts';

const T0 = Date.UTC(2024, 0, 1);

/** Every column type, with nulls, extremes and awkward strings. */
function sampleTables(seedShift = 0): Table[] {
  return [
    {
      name: 'events',
      columns: [
        { name: 'ts', type: 'TIMESTAMP', values: [T0 + seedShift, T0 + 1, null, 0, -86_400_000], description: 'event time, UTC' },
        { name: 'service', type: 'VARCHAR', values: ['api', '', null, 'it\'s "quoted"', 'ünïcødé ✓'] },
        { name: 'status', type: 'INTEGER', values: [200, -2147483648, 2147483647, null, 0] },
        { name: 'bytes', type: 'BIGINT', values: [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, null, 1, 0] },
        { name: 'latency', type: 'DOUBLE', values: [0.1, -1e300, null, 1 / 3, 0] },
        { name: 'weight', type: 'FLOAT', values: [0.5, null, 1.25, -2, 3] },
        { name: 'ok', type: 'BOOLEAN', values: [true, false, null, true, false] },
      ],
    },
    { name: 'deploys', columns: [{ name: 'at', type: 'TIMESTAMP', values: [T0 + 3_600_000] }, { name: 'version', type: 'VARCHAR', values: ['v1'] }] },
    { name: 'no_rows', columns: [{ name: 'x', type: 'DOUBLE', values: [] }] },
  ];
}

const meta: ManifestInput = { kind: 'simulated', scenario: 'canary-basic', seed: 7, codeVersion: 'test', extra: { days: 2, digest: 'abc' } };

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rolloutlab-ds-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function expectCode(p: Promise<unknown>, code: string, field?: string): Promise<RolloutlabError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RolloutlabError);
  expect((e as RolloutlabError).code).toBe(code);
  if (field !== undefined) expect((e as RolloutlabError).field).toBe(field);
  return e as RolloutlabError;
}

const files = async (dir: string) => (await readdir(dir)).sort();

describe('writeDataset / readDataset', () => {
  it('round-trips every column type, nulls and timestamps', async () => {
    const out = join(root, 'ds');
    const tables = sampleTables();
    const progress: string[] = [];
    const m = await writeDataset({ outDir: out, tables, manifest: { ...meta, extra: { ...meta.extra, unset: undefined } }, onProgress: (s) => progress.push(s) });

    expect(await files(out)).toEqual(['dataset.duckdb', 'deploys.parquet', 'events.parquet', 'manifest.json', 'no_rows.parquet']);
    expect(m).toMatchObject({ schemaVersion: DATASET_SCHEMA_VERSION, kind: 'simulated', scenario: 'canary-basic', seed: 7, createdBy: 'rolloutlab', extra: meta.extra });
    expect(m.tables.events).toMatchObject({ rows: 5, file: 'events.parquet' });
    expect(m.tables.events.columns[0]).toEqual({ name: 'ts', type: 'TIMESTAMP', description: 'event time, UTC' });
    expect(m.tables.no_rows.rows).toBe(0);
    expect('unset' in m.extra).toBe(false); // undefined properties are dropped, as JSON would
    expect(progress.some((s) => s.includes('events') && s.includes('5'))).toBe(true);

    const ds = await readDataset(out);
    try {
      expect(ds.manifest).toEqual(m);
      const rows = await ds.query('SELECT * FROM events');
      const ev = tables[0];
      expect(rows).toHaveLength(5);
      for (const c of ev.columns) {
        const expected = Array.from(c.values, (v) => (c.type === 'FLOAT' && typeof v === 'number' ? Math.fround(v) : v));
        expect(rows.map((r) => r[c.name]), c.name).toEqual(expected);
      }
      const t = await ds.table('events');
      expect(t.columns.map((c) => [c.name, c.type])).toEqual(ev.columns.map((c) => [c.name, c.type]));
      expect(t.columns[0].values).toEqual(ev.columns[0].values);
      expect(t.columns[1].values).toEqual(ev.columns[1].values);
      // SQL sees real TIMESTAMPs, and the Parquet file holds the same rows as the database.
      // "at" is a DuckDB keyword: column names that are keywords need double quotes in SQL.
      expect(await ds.query(`SELECT strftime("at", '%Y-%m-%d %H:%M') AS s FROM deploys`)).toEqual([{ s: '2024-01-01 01:00' }]);
      const pq = await ds.query(`SELECT count(*) AS n FROM (SELECT * FROM events EXCEPT ALL SELECT * FROM '${join(out, 'events.parquet')}')`);
      expect(pq).toEqual([{ n: 0 }]);
      expect(await ds.query('SELECT count(*) AS n FROM no_rows')).toEqual([{ n: 0 }]);
      expect(await ds.query('SELECT ts FROM events WHERE ts > $t', { t: '2024-01-01 00:00:00' })).toEqual([{ ts: T0 + 1 }]);
      await expectCode(ds.query('CREATE TABLE x (a INTEGER)'), 'BAD_ARGUMENT', 'sql'); // opened read-only
      await expectCode(ds.table('nope'), 'NOT_FOUND', 'table');
    } finally {
      ds.close();
      ds.close();
    }
  });

  it('writes byte-identical files for the same input, different hashes for different data', async () => {
    const a = await writeDataset({ outDir: join(root, 'a'), tables: sampleTables(), manifest: meta });
    const b = await writeDataset({ outDir: join(root, 'b'), tables: sampleTables(), manifest: meta });
    expect(b).toEqual(a);
    for (const f of ['events.parquet', 'deploys.parquet', 'manifest.json', 'dataset.duckdb']) {
      expect(Buffer.compare(await readFile(join(root, 'a', f)), await readFile(join(root, 'b', f))), f).toBe(0);
    }
    const c = await writeDataset({ outDir: join(root, 'c'), tables: sampleTables(1), manifest: meta });
    expect(c.tables.events.sha256).not.toBe(a.tables.events.sha256);
    expect(c.tables.deploys.sha256).toBe(a.tables.deploys.sha256);
  });

  it('refuses a non-empty outDir without force and leaves the old data set untouched', async () => {
    const out = join(root, 'ds');
    await writeDataset({ outDir: out, tables: sampleTables(), manifest: meta });
    const before = await readFile(join(out, 'manifest.json'));
    await expectCode(writeDataset({ outDir: out, tables: sampleTables(1), manifest: meta }), 'OUTPUT_EXISTS', 'outDir');
    expect(Buffer.compare(await readFile(join(out, 'manifest.json')), before)).toBe(0);
    expect(await files(root)).toEqual(['ds']);
  });

  it('replaces an existing data set with force and leaves no side folders', async () => {
    const out = join(root, 'ds');
    await writeDataset({ outDir: out, tables: sampleTables(), manifest: meta });
    const m = await writeDataset({ outDir: out, tables: [sampleTables(1)[0]], manifest: { ...meta, seed: 8 }, force: true });
    expect(await files(root)).toEqual(['ds']);
    expect(await files(out)).toEqual(['dataset.duckdb', 'events.parquet', 'manifest.json']);
    const ds = await readDataset(out);
    expect(ds.manifest).toEqual(m);
    expect(await ds.query('SELECT min(ts) AS t FROM events')).toEqual([{ t: -86_400_000 }]);
    ds.close();
  });

  it('writes into an existing empty folder but never force-replaces a folder that is not a data set', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await writeDataset({ outDir: empty, tables: sampleTables(), manifest: meta });
    expect(await files(empty)).toContain('manifest.json');

    const other = join(root, 'other');
    await mkdir(other);
    await writeFile(join(other, 'notes.txt'), 'keep me');
    await expectCode(writeDataset({ outDir: other, tables: sampleTables(), manifest: meta, force: true }), 'OUTPUT_EXISTS');
    expect(await readFile(join(other, 'notes.txt'), 'utf8')).toBe('keep me');
  });

  it('removes temp folders a killed writer of the same output left (pid gone), never a live process\'s or another output\'s', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid!; // has exited: nothing runs under this pid now
    const live = process.ppid; // alive for the whole test
    const stale = join(root, `ds.tmp-${dead}-0`);
    const busy = join(root, `ds.tmp-${live}-0`);
    const other = join(root, `other.tmp-${dead}-0`);
    for (const d of [stale, busy, other]) {
      await mkdir(d);
      await writeFile(join(d, 'events.parquet'), 'half written');
    }
    await writeDataset({ outDir: join(root, 'ds'), tables: sampleTables(), manifest: meta });
    expect(await files(root)).toEqual(['ds', `ds.tmp-${live}-0`, `other.tmp-${dead}-0`]);
  });

  it('cleans up after an error mid-write and keeps the old data set', async () => {
    const out = join(root, 'ds');
    // Second table fails while loading, after the first one has been written to the temp folder.
    const badValue: Table = { name: 'zz_bad', columns: [{ name: 'n', type: 'INTEGER', values: [1, 2.5] }] };
    const e = await expectCode(writeDataset({ outDir: out, tables: [...sampleTables(), badValue], manifest: meta }), 'BAD_DATA', 'zz_bad.n');
    expect(e.message).toContain('row 1');
    expect(await files(root)).toEqual([]);

    await writeDataset({ outDir: out, tables: sampleTables(), manifest: meta });
    const before = await readFile(join(out, 'manifest.json'));
    const ragged: Table = { name: 'ragged', columns: [{ name: 'a', type: 'DOUBLE', values: [1, 2] }, { name: 'b', type: 'DOUBLE', values: [1] }] };
    const badName: Table = { name: 'Bad-Name', columns: [{ name: 'a', type: 'DOUBLE', values: [1] }] };
    const wrongType: Table = { name: 'wrong', columns: [{ name: 'ts', type: 'TIMESTAMP', values: [new Date(0) as unknown as number] }] };
    for (const [t, field] of [[ragged, 'tables.ragged'], [badName, 'tables.Bad-Name'], [wrongType, 'wrong.ts']] as const) {
      await expectCode(writeDataset({ outDir: out, tables: [...sampleTables(1), t], manifest: meta, force: true }), 'BAD_DATA', field);
      expect(await files(root)).toEqual(['ds']);
      expect(Buffer.compare(await readFile(join(out, 'manifest.json')), before)).toBe(0);
    }
    await expectCode(writeDataset({ outDir: join(root, 'x'), tables: sampleTables(), manifest: { ...meta, kind: 'guessed' as 'imported' } }), 'BAD_DATA', 'kind');
    expect(await files(root)).toEqual(['ds']);
  });
});

describe('readDataset refuses what is not a complete data set', () => {
  it('missing folder, folder without manifest, invalid manifest', async () => {
    await expectCode(readDataset(join(root, 'missing')), 'NOT_FOUND', 'dir');

    const half = join(root, 'half');
    await mkdir(half);
    await writeFile(join(half, 'events.parquet'), 'partial');
    const e = await expectCode(readDataset(half), 'BAD_DATA');
    expect(e.message).toContain('incomplete data set');

    const out = join(root, 'ds');
    await writeDataset({ outDir: out, tables: sampleTables(), manifest: meta });
    const m = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    m.tables.events.rows = -1;
    await writeFile(join(out, 'manifest.json'), JSON.stringify(m));
    await expectCode(readDataset(out), 'BAD_DATA', 'tables.events.rows');
  });
});

describe('validateManifest', () => {
  const good = () => ({
    schemaVersion: 1,
    kind: 'imported',
    scenario: null,
    seed: null,
    codeVersion: 'abc123',
    createdBy: 'rolloutlab',
    tables: { t: { rows: 1, file: 't.parquet', sha256: 'a'.repeat(64), columns: [{ name: 'x', type: 'DOUBLE' }] } },
    extra: {},
  });

  it('accepts a good manifest', () => {
    expect(validateManifest(good())).toEqual(good());
  });

  it.each([
    ['schemaVersion', (m: any) => (m.schemaVersion = 2)],
    ['kind', (m: any) => (m.kind = 'other')],
    ['seed', (m: any) => (m.seed = '7')],
    ['codeVersion', (m: any) => delete m.codeVersion],
    ['scenario', (m: any) => (m.kind = 'simulated')], // a simulation needs its scenario name
    ['tables.t.sha256', (m: any) => (m.tables.t.sha256 = 'xyz')],
    ['tables.t.file', (m: any) => (m.tables.t.file = '../t.parquet')],
    ['tables.t.columns.0.type', (m: any) => (m.tables.t.columns[0].type = 'DATE')],
    ['tables.Bad', (m: any) => (m.tables.Bad = m.tables.t)],
    ['extra.when', (m: any) => (m.extra.when = new Date(0))],
    ['startedAt', (m: any) => (m.startedAt = 1)],
  ])('names the bad field %s', (field, spoil) => {
    const m = good();
    spoil(m);
    let err: unknown;
    try {
      validateManifest(m);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RolloutlabError);
    expect((err as RolloutlabError).code).toBe('BAD_DATA');
    expect((err as RolloutlabError).field).toBe(field);
    expect((err as RolloutlabError).message).toContain(field);
  });
});
