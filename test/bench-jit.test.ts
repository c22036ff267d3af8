// The JIT benchmark's protocol on the real qt and openstack histories (ISSTA 2021 within-project split): golden row
// counts, LApredict's golden AUC, and the change-risk pipeline beating LApredict. The scikit-learn peers are not run
// here (no python in the tests); only their error path is checked.
import { beforeAll, describe, expect, it } from 'vitest';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchJit, formatJit, runSklearnPeers, type JitBenchResult } from '../bench/jit.ts';
import { chronologicalSplit, importJit, rocAuc } from '../datasets/import-jit.ts';
import { initBackend } from '../training/backend.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const QT = join(REPO, 'datasets/real/jit/qt.csv');
const OPENSTACK = join(REPO, 'datasets/real/jit/openstack.csv');

describe('bench jit (paper protocol on real JIT data)', () => {
  let qt: JitBenchResult;
  let openstack: JitBenchResult;
  beforeAll(async () => {
    await initBackend('wasm');
    qt = await benchJit(QT);
    openstack = await benchJit(OPENSTACK);
  });

  it('qt: first floor(0.8 N) rows train, the rest test', () => {
    expect(qt.project).toBe('qt');
    expect(qt.nTrain).toBe(19129);
    expect(qt.nTest).toBe(4783);
    expect(qt.nTrain).toBe(chronologicalSplit(qt.nTrain + qt.nTest).trainEnd);
  });

  it('qt: LApredict = AUC(la) on the test part = 0.7438, and the model beats it', async () => {
    const h = await importJit(QT);
    const { trainEnd } = chronologicalSplit(h.rows);
    const aucLa = rocAuc(h.columns.la.subarray(trainEnd), h.columns.bug.subarray(trainEnd));
    expect(aucLa).toBeCloseTo(0.7438, 4);
    expect(qt.baselines.lapredict).toBeCloseTo(0.7438, 4);
    expect(qt.baselines.lapredict).toBeCloseTo(aucLa, 6);
    expect(qt.auc).toBeGreaterThan(qt.baselines.lapredict);
  });

  it('openstack: same protocol, LApredict 0.7491, and the model beats it', () => {
    expect(openstack.project).toBe('openstack');
    expect(openstack.nTrain).toBe(18205);
    expect(openstack.nTest).toBe(4552);
    expect(openstack.baselines.lapredict).toBeCloseTo(0.7491, 4);
    expect(openstack.auc).toBeGreaterThan(openstack.baselines.lapredict);
  });

  it('the default model is blend; the additive model (gam) runs beside it with its figures unchanged', () => {
    expect(qt.model).toBe('blend');
    expect(qt.models.blend).toBe(qt.auc);
    expect(qt.models.gam).toBeCloseTo(0.7523, 4);
    expect(openstack.models.gam).toBeCloseTo(0.7757, 4);
  });

  it('keeps the documented JSON keys and reports no peers unless asked', () => {
    for (const r of [qt, openstack]) {
      expect(Object.keys(r)).toEqual(expect.arrayContaining(['project', 'nTrain', 'nTest', 'auc', 'baselines']));
      expect(Object.keys(r.baselines).sort()).toEqual(['lapredict', 'logistic']);
      expect(r.peers).toBeNull();
      expect(r.peerError).toBeUndefined();
      expect(formatJit(r)).toContain(`AUC ${r.auc.toFixed(4)}`);
    }
  });

  it('a missing interpreter becomes a peer error, not a crash', async () => {
    const p = await runSklearnPeers(QT, '/nonexistent/python3');
    expect(p).toHaveProperty('error');
    expect((p as { error: string }).error).toMatch(/cannot start \/nonexistent\/python3.*python3-sklearn/);
    expect(formatJit({ ...qt, peerError: (p as { error: string }).error })).toContain('scikit-learn peers not run');
  });
});
