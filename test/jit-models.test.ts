// The JIT models of `bench jit` and the protocol their settings were chosen by: fitting reads no row outside the
// training part (labels or features), the drift-free features and the trees do not extrapolate, and the default
// model beats LApredict on a held-out split of a small copy of the data, also when that copy is time-shifted.
// The small copies are the oldest 8,000 commits of qt and 5,000 of openstack: inside the benchmark's training parts.
import { beforeAll, describe, expect, it } from 'vitest';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { chronologicalSplit, importJit, rocAuc, type JitHistory } from '../datasets/import-jit.ts';
import { initBackend } from '../training/backend.ts';
import { trainGbdt } from '../training/gbdt.ts';
import { recentRank } from '../training/risk/jit-features.ts';
import { DEFAULT_JIT_MODEL, JIT_TIME_SHIFT, fitJitModel, jitColumns, timeShifted, type JitModel, type JitModelName } from '../training/risk/jit-models.ts';
import { benchJitCompare, formatJitCompare } from '../bench/jit.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);

/** The oldest n commits of a history, as a history of its own. */
function head(h: JitHistory, n: number): JitHistory {
  const columns = Object.fromEntries(Object.entries(h.columns).map(([k, v]) => [k, (v as Float64Array).slice(0, n)])) as unknown as JitHistory['columns'];
  return { ...h, rows: n, ids: h.ids.slice(0, n), columns };
}

/**
 * A model fitted on a history's training part (first floor(0.8 n) rows), fitted once per history and model name:
 * fitting is deterministic, so the tests that score the same fit (plain, time-shifted, against a scrambled copy) share it.
 */
const fits = new Map<JitHistory, Map<string, Promise<JitModel>>>();
function fitOnTrainingPart(h: JitHistory, name: JitModelName): Promise<JitModel> {
  const mine = fits.get(h) ?? new Map<string, Promise<JitModel>>();
  fits.set(h, mine);
  if (!mine.has(name)) mine.set(name, fitJitModel(name, jitColumns(h), h.columns.bug, range(0, chronologicalSplit(h.rows).trainEnd)));
  return mine.get(name)!;
}

/** Test-part AUC of a model fitted on the training part (first floor(0.8 n) rows), and LApredict's (lines added). */
async function heldOut(h: JitHistory, name: JitModelName = DEFAULT_JIT_MODEL, shift = false) {
  const { trainEnd } = chronologicalSplit(h.rows);
  const test = range(trainEnd, h.rows);
  const y = Uint8Array.from(test, (r) => h.columns.bug[r]);
  const m = await fitOnTrainingPart(h, name);
  const scored = shift ? timeShifted(h, trainEnd) : h;
  return { model: rocAuc(m.predict(jitColumns(scored), test), y), lapredict: rocAuc(Float64Array.from(test, (r) => scored.columns.la[r]), y) };
}

describe('recent ranks (drift-free growing metrics)', () => {
  it('is the mid-rank among the window of earlier rows, 0.5 with nothing earlier, NaN for missing', () => {
    const r = recentRank([5, 1, 5, 3, NaN, 9, 0], 3);
    expect(Array.from(r.slice(0, 4))).toEqual([0.5, 0, 0.75, 1 / 3]);
    expect(Number.isNaN(r[4])).toBe(true);
    // Row 5 compares with rows 2..4 (5, 3, missing): above both.
    expect(r[5]).toBe(1);
    expect(r[6]).toBe(0);
  });
  it('does not move when the whole history grows by a factor, and reads only earlier rows', () => {
    const x = Array.from({ length: 200 }, (_, i) => ((i * 7919) % 101) + i);
    const a = recentRank(x, 50);
    expect(Array.from(recentRank(x.map((v) => v * 4), 50))).toEqual(Array.from(a));
    const later = [...x.slice(0, 120), ...x.slice(120).map(() => 1e9)];
    expect(Array.from(recentRank(later, 50).slice(0, 120))).toEqual(Array.from(a.slice(0, 120)));
  });
});

describe('boosted trees', () => {
  const n = 2000;
  const x = Float64Array.from({ length: n }, (_, i) => (i * 37) % 1000);
  const y = Uint8Array.from(x, (v, i) => (v > 600 || i % 17 === 0 ? 1 : 0));
  const data = { cols: { x }, labels: y, features: ['x'], train: range(0, 1600), validation: range(1600, n) };

  it('is deterministic, learns the step, and scores values past the training range like the largest ones', () => {
    const a = trainGbdt(data);
    expect(JSON.stringify(trainGbdt(data).toJSON())).toBe(JSON.stringify(a.toJSON()));
    const p = a.predict({ x: [100, 900, 999, 1e6] }, 4);
    expect(p[1]).toBeGreaterThan(p[0] + 0.5);
    expect(p[3]).toBe(p[2]);
  });
});

describe('JIT protocol on small copies of the real data', () => {
  let qt: JitHistory;
  let openstack: JitHistory;
  beforeAll(async () => {
    await initBackend('wasm');
    qt = head(await importJit(join(REPO, 'datasets/real/jit/qt.csv')), 8000);
    openstack = head(await importJit(join(REPO, 'datasets/real/jit/openstack.csv')), 5000);
  });

  it('fitting never reads the test part: scrambling its labels and features leaves every score unchanged', async () => {
    const { trainEnd } = chronologicalSplit(qt.rows);
    const train = range(0, trainEnd);
    const scrambled: JitHistory = { ...qt, columns: { ...qt.columns } };
    const cols = scrambled.columns as unknown as Record<string, Float64Array | Uint8Array>;
    cols.bug = qt.columns.bug.map((b, i) => (i >= trainEnd ? 1 - b : b));
    for (const f of ['la', 'exp', 'age', 'nuc'] as const) cols[f] = qt.columns[f].map((v, i) => (i >= trainEnd ? v * 10 + 1 : v));
    const rows = range(0, qt.rows);
    for (const name of [DEFAULT_JIT_MODEL, 'gam'] as const) {
      const a = await fitOnTrainingPart(qt, name);
      const b = await fitJitModel(name, jitColumns(scrambled), scrambled.columns.bug, train);
      // The same model: identical scores on the same inputs, test rows included.
      expect(Array.from(b.predict(jitColumns(qt), rows))).toEqual(Array.from(a.predict(jitColumns(qt), rows)));
    }
    // The check can fail: a fit that is handed the scrambled test rows too is a different model.
    const leaky = await fitJitModel(DEFAULT_JIT_MODEL, jitColumns(scrambled), scrambled.columns.bug, rows);
    const clean = await fitJitModel(DEFAULT_JIT_MODEL, jitColumns(qt), qt.columns.bug, rows);
    expect(Array.from(leaky.predict(jitColumns(qt), train))).not.toEqual(Array.from(clean.predict(jitColumns(qt), train)));
  });

  it(`the default model (${DEFAULT_JIT_MODEL}) beats LApredict on a held-out split, where the additive model does not`, async () => {
    const q = await heldOut(qt);
    expect(q.model).toBeGreaterThan(q.lapredict + 0.005);
    const gam = await heldOut(qt, 'gam');
    expect(gam.model).toBeLessThan(gam.lapredict);
    const o = await heldOut(openstack);
    expect(o.model).toBeGreaterThan(o.lapredict + 0.02);
  });

  it('stays above LApredict when the test part is time-shifted (authors and files aged)', async () => {
    expect(Object.keys(JIT_TIME_SHIFT).sort()).toEqual(['age', 'exp', 'lt', 'ndev', 'nuc', 'rexp', 'sexp']);
    for (const h of [qt, openstack]) {
      const s = await heldOut(h, DEFAULT_JIT_MODEL, true);
      expect(s.model).toBeGreaterThan(s.lapredict);
    }
  });

  it('bench jit --compare: every model on each project, the transfers and the time-shifted copies, beside LApredict', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'jit-compare-'));
    const csvs: string[] = [];
    for (const [name, n] of [['openstack', 3000], ['qt', 3000]] as const) {
      const text = await readFile(join(REPO, `datasets/real/jit/${name}.csv`), 'utf8');
      const path = join(dir, `${name}.csv`);
      await writeFile(path, text.split('\n').slice(0, n + 1).join('\n') + '\n');
      csvs.push(path);
    }
    const r = await benchJitCompare(csvs, { models: ['blend', 'gam'] });
    expect(r.settings.map((s) => s.name)).toEqual(['openstack', 'openstack → qt', 'qt → openstack', 'qt', 'openstack, time-shifted', 'qt, time-shifted']);
    for (const s of r.settings) {
      expect(s.nTrain).toBe(2400);
      expect(s.nTest).toBe(600);
      for (const k of ['blend', 'gam', 'lapredict'] as const) expect(s.auc[k]).toBeGreaterThan(0.5);
    }
    // LApredict ranks by lines added; a transfer is scored on the test project's rows, with its labels.
    const h = await importJit(csvs[1]);
    const la = rocAuc(h.columns.la.subarray(2400), h.columns.bug.subarray(2400));
    expect(r.settings[3].auc.lapredict).toBe(la);
    expect(r.settings[1].auc.lapredict).toBe(la);
    expect(r.settings[5].auc.lapredict).toBe(la);
    // The validation table (what the settings were chosen on) is blind to the test part: scrambling the test
    // rows of both files changes no figure, while the test table does change.
    const scrambledDir = await mkdtemp(join(tmpdir(), 'jit-scrambled-'));
    const scrambled: string[] = [];
    for (const csv of csvs) {
      const lines = (await readFile(csv, 'utf8')).trimEnd().split('\n');
      const header = lines[0].split(',');
      const bug = header.indexOf('bug');
      const la = header.indexOf('la');
      const out = lines.map((line, i) => {
        if (i <= 2400) return line;
        const cells = line.split(',');
        cells[bug] = cells[bug] === '1' ? '0' : '1';
        cells[la] = String(Number(cells[la]) * 7 + 3);
        return cells.join(',');
      });
      const path = join(scrambledDir, csv.split('/').pop()!);
      await writeFile(path, out.join('\n') + '\n');
      scrambled.push(path);
    }
    const v = await benchJitCompare(csvs, { models: ['blend', 'gam'], validation: true });
    const vs = await benchJitCompare(scrambled, { models: ['blend', 'gam'], validation: true });
    expect(v.settings.map((s) => [s.nTrain, s.nTest])).toEqual(v.settings.map(() => [1920, 480]));
    expect(vs.settings.map((s) => s.auc)).toEqual(v.settings.map((s) => s.auc));
    const ts = await benchJitCompare(scrambled, { models: ['blend'] });
    expect(ts.settings[0].auc.blend).not.toBe(r.settings[0].auc.blend);
    expect(formatJitCompare(v)).toContain('Validation AUC (no test row read');
    const table = formatJitCompare(r);
    expect(table).toContain('| **blend** (default) |');
    expect(table).toContain('| LApredict |');
  });
});
