// Tests for the NAB, JIT and deployment-history importers and the shared CSV reader.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { isRolloutlabError, type ErrorCode } from '../lib/errors.ts';
import { parseCsv, readCsv } from '../datasets/csv.ts';
import { importNab, nabToTables } from '../datasets/import-nab.ts';
import { JIT_FEATURES, chronologicalSplit, importJit, jitToTable, rocAuc } from '../datasets/import-jit.ts';
import { HISTORY_COLUMNS, importDeploymentHistory, parseTimestamp } from '../datasets/import-history.ts';
import { assertTable, rowCount } from '../datasets/table.ts';

const FIX = join(import.meta.dirname, 'fixtures', 'importers');
const REAL = join(import.meta.dirname, '..', 'datasets', 'real');
const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'rolloutlab-importers-'));
  tmpDirs.push(d);
  return d;
}

/** Awaits a rejection and checks its code, field and that the message contains every fragment. */
async function expectError(p: Promise<unknown>, code: ErrorCode, fragments: string[], field?: string) {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(isRolloutlabError(e), `expected a RolloutlabError, got ${String(e)}`).toBe(true);
  if (!isRolloutlabError(e)) return;
  expect(e.code).toBe(code);
  for (const f of fragments) expect(e.message).toContain(f);
  if (field !== undefined) expect(e.field).toBe(field);
}

describe('csv reader', () => {
  it('handles quotes, escaped quotes, embedded newlines and CRLF, with start line numbers', () => {
    const csv = parseCsv('a,b\r\n"x, y","say ""hi"""\r\n"multi\nline",2\r\n3,\r\n', 'm.csv');
    expect(csv.header).toEqual(['a', 'b']);
    expect(csv.rows).toEqual([['x, y', 'say "hi"'], ['multi\nline', '2'], ['3', '']]);
    expect(csv.lines).toEqual([2, 3, 5]);
  });
  it('rejects ragged rows, unclosed quotes, stray quotes and duplicate headers, naming the line', () => {
    const bad = (text: string, frag: string) => expect(() => parseCsv(text, 'b.csv')).toThrow(frag);
    bad('a,b\n1,2\n3\n', 'b.csv: line 3: 1 fields, expected 2');
    bad('a,b\n1,"2\n', 'line 2: quoted field is never closed');
    bad('a,b\n1,x"y\n', 'line 2: stray quote');
    bad('a,b\n"1"x,2\n', 'after a closing quote');
    bad('a,a\n1,2\n', 'column "a" appears twice');
  });
  it('reports a missing file as NOT_FOUND', async () => {
    await expectError(readCsv(join(FIX, 'nope.csv')), 'NOT_FOUND', ['nope.csv']);
  });
});

describe('importNab', () => {
  it('round-trips the mini folder', async () => {
    const c = await importNab(join(FIX, 'nab-mini'));
    expect(c.series.map((s) => s.key)).toEqual(['catA/alpha.csv', 'catB/beta.csv']);
    const [a, b] = c.series;
    expect(Array.from(a.values)).toEqual([1.5, 2, -0.25, 40, 300, 2.5]);
    expect(a.timestamps[0]).toBe(Date.UTC(2024, 0, 1, 0, 0, 0));
    expect(a.timestamps[5] - a.timestamps[0]).toBe(25 * 60_000);
    expect(a.windows).toEqual([[Date.UTC(2024, 0, 1, 0, 10), Date.UTC(2024, 0, 1, 0, 15) + 500]]);
    expect(b.timestamps[2]).toBe(Date.UTC(2024, 2, 1)); // across 29 February
    expect(b.windows).toEqual([]);
    expect(c.warnings).toEqual([]);

    const [series, windows] = nabToTables(c);
    assertTable(series);
    assertTable(windows);
    expect(series.name).toBe('nab_series');
    expect(series.columns.map((x) => [x.name, x.type])).toEqual([
      ['series', 'VARCHAR'], ['timestamp', 'TIMESTAMP'], ['value', 'DOUBLE'], ['row_index', 'INTEGER'],
    ]);
    expect(rowCount(series)).toBe(10);
    expect(series.columns[0].values[6]).toBe('catB/beta.csv');
    expect(series.columns[3].values[6]).toBe(0);
    expect(windows.columns.map((x) => x.name)).toEqual(['series', 'window_start', 'window_end']);
    expect(Array.from(windows.columns[2].values)).toEqual([a.windows[0][1]]);
  });

  /** A copy of the mini folder with `edit` applied to one file's text. */
  async function mutated(rel: string, edit: (text: string) => string): Promise<string> {
    const root = join(await tmp(), 'nab');
    await cp(join(FIX, 'nab-mini'), root, { recursive: true });
    const p = join(root, rel);
    await writeFile(p, edit(await readFile(p, 'utf8').catch(() => '')));
    return root;
  }
  const alpha = 'data/catA/alpha.csv';
  const labels = 'labels/combined_windows.json';

  it('rejects a missing header column, naming it', async () => {
    const root = await mutated(alpha, (t) => t.replace('timestamp,value', 'timestamp,val'));
    await expectError(importNab(root), 'BAD_DATA', ['alpha.csv', 'missing column "value"'], 'value');
  });
  it('rejects a non-numeric value with file, line and value', async () => {
    const root = await mutated(alpha, (t) => t.replace(',40\r\n', ',4O\r\n'));
    await expectError(importNab(root), 'BAD_DATA', ['alpha.csv', 'line 5', '"value"', '"4O"'], 'value');
  });
  it('rejects an unparsable timestamp with the line', async () => {
    const root = await mutated(alpha, (t) => t.replace('2024-01-01 00:10:00', '2024-01-32 00:10:00'));
    await expectError(importNab(root), 'BAD_DATA', ['alpha.csv', 'line 4', '"2024-01-32 00:10:00"'], 'timestamp');
  });
  it('keeps non-increasing timestamps in file order with a warning, or rejects them when strict', async () => {
    const root = await mutated(alpha, (t) => t.replace('2024-01-01 00:15:00', '2024-01-01 00:10:00'));
    const c = await importNab(root);
    expect(c.warnings).toHaveLength(1);
    expect(c.warnings[0]).toContain('line 5');
    expect(c.series[0].timestamps[3]).toBe(c.series[0].timestamps[2]);
    await expectError(importNab(root, { strictTimestamps: true }), 'BAD_DATA', ['alpha.csv', 'line 5', 'not after'], 'timestamp');
  });
  it('rejects a label key without a data file', async () => {
    const root = await mutated(labels, (t) => t.replace('"catB/beta.csv": []', '"catB/beta.csv": [], "catC/gamma.csv": []'));
    await expectError(importNab(root), 'BAD_DATA', ['combined_windows.json', 'catC/gamma.csv', 'no data file']);
  });
  it('rejects a data file without a label entry', async () => {
    const root = await mutated('data/catB/delta.csv', () => 'timestamp,value\n2024-01-01 00:00:00,1\n');
    await expectError(importNab(root), 'BAD_DATA', ['delta.csv', 'no entry', '"catB/delta.csv"']);
  });
  it('rejects a window that starts after it ends', async () => {
    const root = await mutated(labels, (t) => t.replace('"2024-01-01 00:10:00.000000"', '"2024-01-01 00:20:00.000000"'));
    await expectError(importNab(root), 'BAD_DATA', ['catA/alpha.csv', 'window 1', '"2024-01-01 00:20:00.000000"']);
  });
  it('reports a missing folder as NOT_FOUND', async () => {
    await expectError(importNab(join(FIX, 'no-such-nab')), 'NOT_FOUND', ['no-such-nab']);
  });

  it('loads the real NAB copy: 34 files, 72 windows, row counts as in the official results', async () => {
    const root = join(REAL, 'nab');
    const c = await importNab(root);
    expect(c.series).toHaveLength(34);
    expect(c.series.reduce((s, x) => s + x.windows.length, 0)).toBe(72);
    for (const s of c.series) {
      for (const [a, b] of s.windows) {
        expect(a).toBeGreaterThanOrEqual(s.timestamps[0]);
        expect(b).toBeLessThanOrEqual(s.timestamps[s.timestamps.length - 1]);
      }
    }
    const official = await readCsv(join(root, 'reference', 'numenta', 'official_standard_scores_dev_files.csv'));
    const [fileCol, countCol] = ['File', 'Total_Count'].map((h) => official.header.indexOf(h));
    const byKey = new Map(c.series.map((s) => [s.key, s.values.length]));
    const files = official.rows.filter((r) => byKey.has(r[fileCol]));
    expect(files).toHaveLength(34);
    for (const r of files) expect(byKey.get(r[fileCol])).toBe(Number(r[countCol]));
    // The published files repeat or step back in time on 14 rows (see datasets/real/README.md).
    expect(c.warnings).toHaveLength(14);
    await expectError(importNab(root, { strictTimestamps: true }), 'BAD_DATA', ['exchange-2_cpc_results.csv', 'line 1306']);
  });
});

describe('importJit', () => {
  it('reads the layout, drops __, and accepts fix as True/False', async () => {
    const h = await importJit(join(FIX, 'jit-mini.csv'));
    expect(h.project).toBe('jit-mini');
    expect(h.rows).toBe(5);
    expect(h.ids).toEqual(['aaa111', 'bbb222', 'ccc333', 'ddd444', 'eee555']);
    expect(Array.from(h.columns.bug)).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(h.columns.fix)).toEqual([0, 1, 0, 1, 0]);
    expect(Array.from(h.columns.la)).toEqual([2, 120, 5, 900, 0]);
    expect(Object.keys(h.columns).sort()).toEqual(['bug', 'date', ...JIT_FEATURES].sort());
    const t = jitToTable(h);
    assertTable(t);
    expect(t.name).toBe('jit_changes');
    expect(t.columns.map((c) => c.name)).toEqual(['row_index', 'id', 'date', 'bug', ...JIT_FEATURES]);
    expect(t.columns.some((c) => c.name === '__')).toBe(false);
    expect(t.columns[2].values[1]).toBe(1420000100 * 1000);
    expect(t.columns[3].values[1]).toBe(true);
    expect((await importJit(join(FIX, 'jit-mini.csv'), { project: 'demo' })).project).toBe('demo');
  });
  it('rejects rows not sorted by date, naming the first offending line', async () => {
    await expectError(importJit(join(FIX, 'jit-unsorted.csv')), 'BAD_DATA', ['jit-unsorted.csv', 'line 4', '"1420000050"'], 'date');
  });
  it('rejects a bad label, a non-numeric metric and a missing column', async () => {
    const text = await readFile(join(FIX, 'jit-mini.csv'), 'utf8');
    const write = async (t: string) => {
      const p = join(await tmp(), 'p.csv');
      await writeFile(p, t);
      return p;
    };
    await expectError(importJit(await write(text.replace('bbb222,1420000100,1,', 'bbb222,1420000100,2,'))), 'BAD_DATA', ['line 3', '"bug"', '"2"'], 'bug');
    await expectError(importJit(await write(text.replace(',120,4,', ',12x,4,'))), 'BAD_DATA', ['line 3', '"la"', '"12x"'], 'la');
    await expectError(importJit(await write(text.replace(',True,', ',maybe,'))), 'BAD_DATA', ['line 3', '"fix"', '"maybe"'], 'fix');
    await expectError(importJit(await write(text.replace(',rexp,', ',rexp_,'))), 'BAD_DATA', ['missing column "rexp"'], 'rexp');
  });
  it('splits chronologically at floor(0.8 n)', () => {
    expect(chronologicalSplit(23912).trainEnd).toBe(19129);
    expect(chronologicalSplit(5).trainEnd).toBe(4);
    expect(chronologicalSplit(0).trainEnd).toBe(0);
  });
  it('computes a rank AUC with average ranks for ties', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
    expect(rocAuc([3, 1, 2, 2], [true, false, true, false])).toBe(0.875);
  });
  it.each([
    ['qt', 23912, 0.7438],
    ['openstack', 22757, 0.7491],
  ])('golden: AUC of raw la on the test part of %s', async (project, n, auc) => {
    const h = await importJit(join(REAL, 'jit', `${project}.csv`));
    expect(h.rows).toBe(n);
    const { trainEnd } = chronologicalSplit(h.rows);
    const got = rocAuc(h.columns.la.subarray(trainEnd), h.columns.bug.subarray(trainEnd));
    expect(Math.round(got * 1e4) / 1e4).toBe(auc);
  });
});

describe('importDeploymentHistory', () => {
  const csvPath = join(FIX, 'history.csv');

  it('imports the CSV with documented types, nulls for empty cells and a warning per extra column', async () => {
    const t = await importDeploymentHistory(csvPath);
    assertTable(t);
    expect(t.name).toBe('deployments_history');
    expect(t.columns.map((c) => [c.name, c.type])).toEqual([
      ...HISTORY_COLUMNS.map((c) => [c.name, c.type]),
      ['ticket', 'VARCHAR'],
    ]);
    expect(t.warnings).toEqual([`${csvPath}: unknown column "ticket" kept as VARCHAR`]);
    const v = (name: string) => Array.from(t.columns.find((c) => c.name === name)!.values);
    expect(v('started_at')).toEqual([
      Date.UTC(2024, 2, 1, 10), Date.UTC(2024, 2, 1, 10, 30), Date.UTC(2024, 2, 1, 11),
      Date.UTC(2024, 2, 2, 9, 15, 30, 250), Date.UTC(2024, 2, 2, 9, 15, 30, 250),
    ]);
    expect(v('failed')).toEqual([false, true, false, true, false]);
    expect(v('lines_added')).toEqual([120, 900, null, 5, 0]);
    expect(v('schema_migration')).toEqual(['none', 'irreversible', null, 'reversible', 'none']);
    expect(v('team')[1]).toBe('discovery, core');
    expect(v('ticket')[1]).toBe('OPS-2 "hotfix"');
    expect(v('incident_minutes')).toEqual([0, 47.5, null, null, 0]);
  });

  it('imports the same table from Parquet with typed columns', async () => {
    const pq = join(await tmp(), 'history.parquet');
    const inst = await DuckDBInstance.create(':memory:');
    const con = await inst.connect();
    const b = (c: string) => `CAST(${c} AS BOOLEAN) AS ${c}`;
    await con.run(`COPY (SELECT deployment_id, service, CAST(started_at AS TIMESTAMPTZ) AS started_at, ${b('failed')},
        CAST(finished_at AS TIMESTAMP) AS finished_at, CAST(lines_added AS INTEGER) AS lines_added,
        CAST(lines_deleted AS BIGINT) AS lines_deleted, CAST(files_changed AS INTEGER) AS files_changed,
        CAST(author_experience AS DOUBLE) AS author_experience, CAST(test_coverage AS FLOAT) AS test_coverage,
        ${b('config_only')}, schema_migration, ${b('feature_flagged')}, ${b('api_contract_change')}, ${b('rolled_back')},
        CAST(incident_minutes AS DOUBLE) AS incident_minutes, team, region, ticket
      FROM read_csv('${csvPath}', all_varchar = true, header = true)) TO '${pq}' (FORMAT parquet)`);
    con.closeSync();
    inst.closeSync();
    const fromCsv = await importDeploymentHistory(csvPath);
    const fromPq = await importDeploymentHistory(pq);
    expect(fromPq.columns.map((c) => [c.name, c.type])).toEqual(fromCsv.columns.map((c) => [c.name, c.type]));
    for (const [i, c] of fromCsv.columns.entries()) {
      const got = Array.from(fromPq.columns[i].values);
      // FLOAT (32-bit) coverage comes back as the nearest float, so compare it approximately.
      if (c.name === 'test_coverage') got.forEach((x, r) => expect(x === null ? null : Number(x)).toBeCloseTo(Number(c.values[r]), 6));
      else expect(got, c.name).toEqual(Array.from(c.values));
    }
  });

  it('reads epoch seconds and ISO-8601 variants', () => {
    expect(parseTimestamp('1709287200')).toBe(Date.UTC(2024, 2, 1, 10));
    expect(parseTimestamp('2024-03-01T10:00')).toBe(Date.UTC(2024, 2, 1, 10));
    expect(parseTimestamp('2024-03-01T05:30:00-0430')).toBe(Date.UTC(2024, 2, 1, 10));
    expect(parseTimestamp('2024-03-01 10:00:00+00')).toBe(Date.UTC(2024, 2, 1, 10));
    expect(parseTimestamp('2024-02-30T10:00:00Z')).toBeNaN();
    expect(parseTimestamp('yesterday')).toBeNaN();
  });

  /** Writes the fixture with one edit applied and returns the new path. */
  async function edited(edit: (text: string) => string): Promise<string> {
    const p = join(await tmp(), 'h.csv');
    await writeFile(p, edit(await readFile(csvPath, 'utf8')));
    return p;
  }

  it.each([
    ['missing required column', (t: string) => t.replace('failed,', 'failure,'), ['missing required column "failed"'], 'failed'],
    ['wrong type in lines_added', (t: string) => t.replace(',120,', ',abc,'), ['line 2', '"lines_added"', '"abc"'], 'lines_added'],
    ['negative count', (t: string) => t.replace(',900,', ',-3,'), ['line 3', '"lines_added"', '"-3"'], 'lines_added'],
    ['bad boolean', (t: string) => t.replace('d-004,auth,2024-03-02T09:15:30.250Z,TRUE', 'd-004,auth,2024-03-02T09:15:30.250Z,yes'), ['line 5', '"failed"', '"yes"'], 'failed'],
    ['bad timestamp', (t: string) => t.replace('2024-03-01 11:00:00', '2024-03-01 25:00:00'), ['line 4', '"started_at"', '"2024-03-01 25:00:00"'], 'started_at'],
    ['empty required cell', (t: string) => t.replace('d-003,checkout', 'd-003,'), ['line 4', '"service"', 'required'], 'service'],
    ['unsorted started_at', (t: string) => t.replace('2024-03-01 11:00:00', '2024-03-01 09:00:00'), ['line 4', '"started_at"', 'sorted'], 'started_at'],
    ['duplicate deployment_id', (t: string) => t.replace('d-005', 'd-002'), ['line 6', '"deployment_id"', '"d-002"', 'line 3'], 'deployment_id'],
    ['test_coverage above 1', (t: string) => t.replace(',0.41,', ',1.2,'), ['line 3', '"test_coverage"', '"1.2"', '[0, 1]'], 'test_coverage'],
    ['test_coverage below 0', (t: string) => t.replace(',0.82,', ',-0.1,'), ['line 2', '"test_coverage"', '"-0.1"'], 'test_coverage'],
    ['unknown schema_migration', (t: string) => t.replace(',reversible,', ',maybe,'), ['line 5', '"schema_migration"', '"maybe"'], 'schema_migration'],
    ['finished before started', (t: string) => t.replace('2024-03-01T10:20:00Z', '2024-03-01T09:00:00Z'), ['line 2', '"finished_at"', 'before started_at'], 'finished_at'],
  ])('rejects %s', async (_name, edit, fragments, field) => {
    const p = await edited(edit);
    await expectError(importDeploymentHistory(p), 'BAD_DATA', [p, ...fragments], field);
  });

  it('names the row of a bad Parquet cell, and reports missing files as NOT_FOUND', async () => {
    const pq = join(await tmp(), 'bad.parquet');
    const inst = await DuckDBInstance.create(':memory:');
    const con = await inst.connect();
    await con.run(`COPY (SELECT * FROM (VALUES ('a', 's', TIMESTAMP '2024-01-01 00:00:00', true, 0.5),
      ('b', 's', TIMESTAMP '2024-01-02 00:00:00', false, 1.5)) v(deployment_id, service, started_at, failed, test_coverage))
      TO '${pq}' (FORMAT parquet)`);
    con.closeSync();
    inst.closeSync();
    await expectError(importDeploymentHistory(pq), 'BAD_DATA', [pq, 'row 2', '"test_coverage"', '"1.5"'], 'test_coverage');
    await expectError(importDeploymentHistory(join(FIX, 'missing.parquet')), 'NOT_FOUND', ['missing.parquet']);
  });
});
