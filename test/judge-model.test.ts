// The ML canary judge (`judge` family): features and model shape, training lowers the loss, the registry round trip
// scores identically, the model card is valid, the data-set path equals the in-memory one, and sanity verdicts on
// frozen windows. Small data from in-process backtests (default and low-traffic, seed 11); reads nothing outside the repository.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../training/backend.ts';
import { loadScenario } from '../sim/index.ts';
import type { CohortMetrics } from '../sim/env.ts';
import { backtest } from '../backtest/run.ts';
import { windowsTable, type JudgeWindow } from '../judges/labelled-windows.ts';
import { writeDataset } from '../datasets/index.ts';
import { resolveWindowJudges, windowJudgeNames, type AnalysisWindow } from '../judges/window-judges.ts';
import { ModelRegistry } from '../training/registry.ts';
import { validateCard } from '../training/card.ts';
import { JUDGE_FEATURES, JUDGE_FEATURE_NAMES, windowFeatures, binomialZ, uShare } from '../training/judge/features.ts';
import { judgeWindowsFrom, readJudgeWindows, splitByDeployment, type LabelledWindows } from '../training/judge/data.ts';
import { JudgeModel, registerMlWindowJudge } from '../training/judge/model.ts';
import { evaluateJudge, evaluateJudgeOn, scoreVerdicts } from '../training/judge/evaluate.ts';
import { trainJudge, loadJudge, fitJudgeOn, JUDGE_FAMILY, type JudgeTrainResult } from '../training/judge/family.ts';
import { EVIDENCE_Z_DEFAULT, EVIDENCE_Z_GRID } from '../training/judge/evidence.ts';
import { firstLayer, logitFromFirst, logitWithMovedInputs, monotoneMasks, netLogit, prepareOcclusions, scoringNet, type NetJSON } from '../training/judge/net.ts';
import { Rng } from '../lib/rng.ts';
import { nanJudgeJson } from './tiny-models.ts';

const SMALL = { members: 1, net: { hidden: [32, 32], maxEpochs: 40, patience: 8, batchSize: 256 } };

// ---- frozen windows (per minute, oldest first) ----
const m = (requests: number, errors: number, slow: number, p50: number, p99: number, conversions: number, callerRequests = 0, callerErrors = 0): CohortMetrics => ({
  requests, errors, slow, latencyP50: p50, latencyP95: p99 * 0.75, latencyP99: p99, cpu: 0.42, memory: 0.45, pool: 0.2, conversions, callerRequests, callerErrors,
});
const HEALTHY: CohortMetrics[] = [m(1210, 2, 5, 41.8, 120.4, 25, 640, 1), m(1185, 3, 4, 42.3, 118.9, 23, 630, 0), m(1240, 2, 6, 41.5, 122.0, 27, 655, 1), m(1198, 1, 5, 42.0, 119.7, 24, 640, 1), m(1225, 3, 4, 41.9, 121.2, 26, 650, 0)];
/** Baseline error ratio ~0.18 %; this canary's is ~2.5 %, more than 10x. */
const TEN_X: CohortMetrics[] = [m(1204, 29, 5, 42.0, 121.0, 24, 635, 1), m(1190, 31, 5, 42.4, 119.5, 23, 640, 1), m(1232, 30, 6, 41.7, 121.8, 25, 650, 0), m(1201, 28, 4, 42.1, 120.3, 24, 638, 1), m(1219, 32, 5, 41.8, 120.9, 25, 646, 1)];
/** A shared dependency fails ~6 % of both cohorts' requests and slows both alike. */
const SHARED_BASE: CohortMetrics[] = [m(1205, 71, 12, 55.0, 160.2, 23, 640, 4), m(1193, 74, 11, 55.4, 158.8, 22, 630, 5), m(1236, 73, 13, 54.8, 161.5, 24, 652, 4), m(1202, 70, 12, 55.2, 159.9, 23, 641, 4), m(1221, 75, 12, 55.1, 160.6, 24, 648, 5)];
const SHARED_CANARY: CohortMetrics[] = [m(1198, 72, 12, 55.3, 161.0, 23, 636, 4), m(1207, 71, 12, 55.0, 159.4, 23, 644, 4), m(1229, 74, 13, 54.9, 160.9, 24, 649, 5), m(1195, 71, 11, 55.4, 160.3, 22, 637, 4), m(1216, 73, 12, 55.2, 160.1, 23, 645, 4)];
/** Four canary requests in five minutes, none bad. */
const HANDFUL: CohortMetrics[] = [m(1, 0, 0, 40.2, 40.2, 0), m(0, 0, 0, 0, 0, 0), m(2, 0, 0, 43.5, 47.1, 0), m(1, 0, 0, 41.0, 41.0, 0), m(0, 0, 0, 0, 0, 0)].map((x) => (x.requests === 0 ? { ...x, latencyP50: null, latencyP95: null, latencyP99: null } : x));
const win = (canary: CohortMetrics[], baseline: CohortMetrics[]): AnalysisWindow => ({ canary, baseline, providerError: canary.map(() => false), latencyObjectiveMs: 250 });
/** `xs` repeated to `n` minutes. */
const minutes = (xs: CohortMetrics[], n: number): CohortMetrics[] => Array.from({ length: n }, (_, i) => xs[i % xs.length]);
/** One bad scrape: the baseline's minute `at` reports 600 errors. */
const wildBaseline = (xs: CohortMetrics[], at = 1): CohortMetrics[] => xs.map((x, i) => (i === at ? { ...x, errors: 600 } : x));

let windows: LabelledWindows[];
let raw: JudgeWindow[][];
let dirs: string[];
let registry: ModelRegistry;
let trained: JudgeTrainResult;
let model: JudgeModel;

beforeAll(async () => {
  await initBackend('wasm');
  const root = mkdtempSync(join(tmpdir(), 'rolloutlab-judge-'));
  registry = new ModelRegistry({ root: join(root, 'models') });
  raw = [];
  windows = [];
  dirs = [];
  for (const [name, n] of [['default', 200], ['low-traffic', 120]] as const) {
    const run = backtest({ scenario: loadScenario(name), seed: 11, deployments: n, policies: [], windowMinutes: 5 });
    raw.push(run.windows);
    windows.push(judgeWindowsFrom(run.windows, `${name} seed 11`));
    const dir = join(root, name);
    await writeDataset({ outDir: dir, tables: [windowsTable(run.windows)], manifest: { kind: 'backtest', scenario: name, seed: 11, codeVersion: 'test' } });
    dirs.push(dir);
  }
  trained = await trainJudge(dirs, { registry, ...SMALL });
  model = await loadJudge(registry);
}, 120_000);

describe('judge features', () => {
  it('one value per declared feature, in order, with metric groups; no truth in the input', () => {
    expect(new Set(JUDGE_FEATURE_NAMES).size).toBe(JUDGE_FEATURES.length);
    const { features, summary } = windowFeatures(win(HEALTHY, HEALTHY));
    expect(features.length).toBe(JUDGE_FEATURES.length);
    expect(summary.paired).toBe(5);
    expect(summary.canary.requests).toBe(HEALTHY.reduce((a, x) => a + x.requests, 0));
    // Identical cohorts: every comparison is neutral.
    const f = (name: string) => features[JUDGE_FEATURE_NAMES.indexOf(name)];
    for (const k of ['bad_lr', 'error_lr', 'p50_lr', 'p99_lr', 'memory_diff', 'bad_mw', 'p99_mw']) expect(Math.abs(f(k))).toBeLessThan(0.05);
    expect(Math.abs(f('bad_z'))).toBeLessThan(0.2);
    // A canary with no requests has no count comparisons (missing, not zero).
    expect(Number.isNaN(windowFeatures(win(HEALTHY.map((x) => ({ ...x, requests: 0, errors: 0, slow: 0, conversions: 0 })), HEALTHY)).features[JUDGE_FEATURE_NAMES.indexOf('bad_z')])).toBe(true);
    // The statistics on hand-made numbers.
    expect(binomialZ(10, 1000, 9.5, 999)).toBeCloseTo(0, 6);
    expect(binomialZ(30, 1000, 2.5, 999)).toBeGreaterThan(10);
    expect(uShare([3, 4, 5], [1, 2])).toBe(0.5);
    expect(uShare([1, 2], [1, 2])).toBe(0);
  });

  it('the data-set path reads the same windows as the in-memory one (toAnalysisWindow)', async () => {
    const fromDisk = await readJudgeWindows(dirs[0]);
    const mem = windows[0];
    expect(fromDisk.n).toBe(mem.n);
    // Same order (period, deployment, window) as the backtest emits them.
    expect(fromDisk.deployment).toEqual(mem.deployment);
    expect(Array.from(fromDisk.labels)).toEqual(Array.from(mem.labels));
    expect(Array.from(fromDisk.lowTraffic)).toEqual(Array.from(mem.lowTraffic));
    expect(Array.from(fromDisk.sharedIncident)).toEqual(Array.from(mem.sharedIncident));
    expect(JSON.parse(JSON.stringify(fromDisk.windows))).toEqual(JSON.parse(JSON.stringify(mem.windows)));
  });

  it('the split keeps every deployment in one part and does not depend on the other data', () => {
    const s = splitByDeployment(windows[0], 1, 'a');
    const part = new Map<string, string>();
    for (const p of ['train', 'validation', 'test'] as const) {
      for (const i of s[p]) {
        const d = windows[0].deployment[i];
        expect(part.get(d) ?? p).toBe(p);
        part.set(d, p);
      }
    }
    expect(s.train.length + s.validation.length + s.test.length).toBe(windows[0].n);
    expect(s.test.length).toBeGreaterThan(0);
    expect(splitByDeployment(windows[0], 1, 'a')).toEqual(s);
    expect(splitByDeployment(windows[0], 2, 'a').train).not.toEqual(s.train);
  });
});

describe('judge model', () => {
  it('shape: 2 inputs per feature (value, missing flag) → hidden → 1 logit; training lowers the loss', () => {
    const j = model.toJSON();
    expect(j.members).toHaveLength(1);
    expect(j.members[0].sizes).toEqual([2 * JUDGE_FEATURES.length, 32, 32, 1]);
    expect(j.features).toEqual(JUDGE_FEATURE_NAMES);
    const losses = trained.members[0].losses;
    expect(losses.length).toBeGreaterThan(2);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0]);
    const p = model.pFail(win(HEALTHY, HEALTHY));
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
  });

  it('save/load round trip (registry and JSON) gives identical probabilities; the same seed trains the same model', async () => {
    const fresh = JudgeModel.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
    // What a worker thread receives (postMessage / workerData use the structured clone).
    const cloned = JudgeModel.fromJSON(structuredClone(model.toJSON()));
    const again = await loadJudge(registry, trained.version);
    const ws = windows.flatMap((w) => w.windows).slice(0, 600);
    for (const w of ws) {
      const p = model.pFail(w);
      expect(fresh.pFail(w)).toBe(p);
      expect(cloned.pFail(w)).toBe(p);
      expect(again.pFail(w)).toBe(p);
    }
    expect(again.judge(ws[3])).toEqual(model.judge(ws[3]));
    expect(() => JudgeModel.fromJSON({ ...model.toJSON(), features: ['x'] })).toThrow(/features/);
    expect(() => JudgeModel.fromJSON({ format: 'nope' } as never)).toThrow(/format/);
    const tiny = { members: 1, net: { hidden: [8], maxEpochs: 3, patience: 3 } };
    const a = await fitJudgeOn([windows[0]], tiny);
    const b = await fitJudgeOn([windows[0]], tiny);
    expect(b.model.toJSON()).toEqual(a.model.toJSON());
  }, 60_000);

  it('model card: valid, with data manifest, split, backend, metrics beside Kayenta and the judge targets', async () => {
    const card = validateCard(await registry.readCard(JUDGE_FAMILY, trained.version));
    expect(card.family).toBe('judge');
    expect(card.champion.decision).toBe('promoted');
    expect(card.dataset.tables.windows.rows).toBe(windows[0].n);
    expect(card.split.by).toBe('entity');
    expect(card.split.rows.test).toBe(trained.rows.test);
    expect(['wasm', 'cpu', 'tensorflow']).toContain(card.backend.name);
    expect(card.targets.map((t) => t.metric)).toEqual(['accuracy', 'accuracyOverKayenta']);
    expect(card.metrics.accuracy).toBeGreaterThan(0.5);
    expect(card.baselines.kayenta.accuracy).toBeGreaterThan(0);
    expect(card.files.map((f) => f.name)).toEqual(['judge.json']);
    const hp = card.hyperParameters as { datasets: { scenario: string }[]; decision: { failThreshold: number } };
    expect(hp.datasets.map((d) => d.scenario)).toEqual(['default', 'low-traffic']);
    expect(hp.decision.failThreshold).toBeGreaterThan(0);
  });

  it('a worse candidate does not replace the champion', async () => {
    const worse = await trainJudge(dirs, { registry, members: 1, net: { hidden: [4], maxEpochs: 1, patience: 1, learningRate: 1e-5 } });
    expect(worse.promotion.promoted).toBe(worse.evaluation.slices.overall.ml.accuracy! >= trained.evaluation.slices.overall.ml.accuracy!);
    expect((await registry.champion(JUDGE_FAMILY))?.version).toBe(worse.promotion.promoted ? worse.version : trained.version);
  }, 60_000);
});

// The scoring kernels (net.ts) against a plain row-by-row pass over the [in][out] weights (what they replaced): the same
// numbers to the last bit (Object.is), for the net's logit, for a logit prepared for occlusions and for every occlusion
// the reasons make (a group's value and missing-flag columns moved to the reference, added feature by feature).
/** Pre-activations of layer k from its inputs, row by row, skipping zero inputs. */
function referenceLayer(net: NetJSON, k: number, inp: ArrayLike<number>): number[] {
  const nIn = net.sizes[k];
  const nOut = net.sizes[k + 1];
  const out = net.biases[k].slice();
  for (let i = 0; i < nIn; i++) {
    const v = inp[i];
    if (v === 0) continue;
    for (let o = 0; o < nOut; o++) out[o] += v * net.weights[k][i * nOut + o];
  }
  return out;
}
function referenceFromFirst(net: NetJSON, h: ArrayLike<number>): number {
  let a = Array.from(h);
  for (let k = 1; k < net.sizes.length - 1; k++) a = referenceLayer(net, k, a.map((v) => (v < 0 ? 0 : v)));
  return a[0];
}
/** The occlusion as the reasons define it: the row's first layer, plus each moved column's row times its move, in order. */
function referenceMoved(net: NetJSON, x: ArrayLike<number>, cols: number[], deltas: number[]): number {
  const h = referenceLayer(net, 0, x);
  const nOut = net.sizes[1];
  cols.forEach((c, j) => {
    for (let o = 0; o < nOut; o++) h[o] += deltas[j] * net.weights[0][c * nOut + o];
  });
  return referenceFromFirst(net, h);
}
/** A net of the given sizes with seeded weights, the judge's monotone masks (a share of exact zeros) applied. */
function randomNet(sizes: number[], seed: number): NetJSON {
  const rng = new Rng(seed, 'test-net');
  const masks = monotoneMasks(sizes, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 0.5);
  return {
    sizes,
    weights: masks.map((m) => Array.from(m, (x) => (x === 0 ? 0 : x === 2 ? Math.abs(rng.normal()) * 0.3 : rng.normal() * 0.3))),
    biases: sizes.slice(1).map((n) => Array.from({ length: n }, () => rng.normal() * 0.1)),
  };
}

describe('judge scoring kernels', () => {
  it('equal a row-by-row pass bit for bit: logits, prepared logits and every reason occlusion, on the windows and on nets of other shapes', () => {
    const j = model.toJSON();
    const F = JUDGE_FEATURES.length;
    const groups = [...new Set(JUDGE_FEATURES.map((f) => f.group))].map((g) => JUDGE_FEATURES.flatMap((f, k) => (f.group === g ? [k] : [])));
    const encodedRef = j.encoder.reference.map((r, k) => Math.min(j.encoder.clip, Math.max(-j.encoder.clip, (r - j.encoder.mean[k]) / j.encoder.sd[k])));
    const nets: NetJSON[] = [...j.members, randomNet([2 * F, 64, 64, 1], 1), randomNet([2 * F, 16, 1], 2), randomNet([2 * F, 24, 20, 12, 1], 3), randomNet([2 * F, 1], 4)];
    const rows = windows.flatMap((d) => d.windows).slice(0, 1500).map((w) => model.encode(windowFeatures(w).features));
    let occlusions = 0;
    let differ = 0;
    for (const net of nets) {
      const sn = scoringNet(net);
      const base = new Float64Array(net.sizes[1]);
      const moved = new Float64Array(net.sizes[1]);
      for (const x of rows) {
        const want = referenceFromFirst(net, referenceLayer(net, 0, x));
        if (!Object.is(netLogit(sn, x), want)) differ++;
        firstLayer(sn, x, base);
        if (!Object.is(logitFromFirst(sn, base), want)) differ++;
        if (!Object.is(prepareOcclusions(sn, base), want)) differ++;
        for (const idx of groups) {
          const cols: number[] = [];
          const deltas: number[] = [];
          for (const k of idx) {
            if (encodedRef[k] - x[k] !== 0) cols.push(k), deltas.push(encodedRef[k] - x[k]);
            if (0 - x[F + k] !== 0) cols.push(F + k), deltas.push(0 - x[F + k]);
          }
          if (cols.length === 0) continue;
          occlusions++;
          const got = logitWithMovedInputs(sn, base, Int32Array.from(cols), Float64Array.from(deltas), cols.length, moved);
          if (!Object.is(got, referenceMoved(net, x, cols, deltas))) differ++;
        }
      }
    }
    expect(rows.length).toBe(1500);
    expect(occlusions).toBeGreaterThan(nets.length * rows.length * 5);
    expect(differ).toBe(0);
  });
});

describe('a champion of an older judge format', () => {
  it('cannot be loaded by this code, so a new version replaces it (saying why) instead of failing the training', async () => {
    const reg = new ModelRegistry({ root: mkdtempSync(join(tmpdir(), 'rolloutlab-judge-old-')) });
    const card = await registry.readCard(JUDGE_FAMILY, trained.version);
    const { schemaVersion: _s, family: _f, version: _v, files: _files, champion: _c, ...input } = card;
    const old = await reg.save(JUDGE_FAMILY, { card: input, files: { 'judge.json': JSON.stringify({ ...model.toJSON(), format: 'rolloutlab-judge-0' }) } });
    await reg.promoteIfBetter(JUDGE_FAMILY, old.version, async () => ({ atLeastAsGood: true, reason: 'test' }));
    await expect(loadJudge(reg)).rejects.toThrow(/format/);
    const fresh = await trainJudge(dirs, { registry: reg, members: 1, net: { hidden: [8], maxEpochs: 3, patience: 3 } });
    expect(fresh.promotion.promoted).toBe(true);
    expect(fresh.promotion.reason).toMatch(/cannot be loaded by this code/);
    expect((await loadJudge(reg)).version).toBe(fresh.version);
  }, 60_000);
});

describe('judge verdicts on frozen windows', () => {
  it('identical canary and baseline pass', () => {
    const r = model.judge(win(HEALTHY, HEALTHY));
    expect(r.verdict).toBe('pass');
    expect(r.pFail).toBeLessThan(0.2);
  });

  it('a 10x error ratio on ample traffic fails, and the reasons name the errors', () => {
    const r = model.judge(win(TEN_X, HEALTHY));
    expect(r.verdict).toBe('fail');
    expect(r.pFail).toBeGreaterThan(0.9);
    expect(r.reasons[0]).toMatch(/^fail: P\(fail\)/);
    expect(r.reasons.slice(1).some((x) => /(error ratio|bad-request ratio).*\(\+\d/.test(x))).toBe(true);
  });

  it('a shared incident hurting both cohorts alike passes', () => {
    const r = model.judge(win(SHARED_CANARY, SHARED_BASE));
    expect(r.verdict).toBe('pass');
  });

  it('a canary with a handful of requests and no clear signal is inconclusive; no canary data is inconclusive', () => {
    const r = model.judge(win(HANDFUL, HEALTHY));
    expect(r.verdict).toBe('inconclusive');
    expect(r.reasons[0]).toMatch(/only 4 canary requests/);
    const none = model.judge({ ...win(HEALTHY, HEALTHY), canary: [null, null, null, null, null], providerError: [false, false, false, false, false] });
    expect(none.verdict).toBe('inconclusive');
  });

  it('decision rules: band on low traffic only, minimum requests, threshold', () => {
    const d = model.withDecision({ failThreshold: 0.5, band: 0.1, lowTrafficRequests: 100, minRequests: 5 });
    expect(d.decide(0.55, 50, 1000).verdict).toBe('inconclusive');
    expect(d.decide(0.55, 500, 1000).verdict).toBe('fail');
    expect(d.decide(0.45, 500, 1000).verdict).toBe('pass');
    expect(d.decide(0.3, 50, 1000).verdict).toBe('pass');
    expect(d.decide(0.3, 3, 1000).verdict).toBe('inconclusive');
    expect(d.decide(0.9, 3, 1000).verdict).toBe('fail');
    expect(d.decide(0.1, 0, 1000).verdict).toBe('inconclusive');
    expect(d.decide(0.1, 500, 0).verdict).toBe('inconclusive');
  });
});

describe('judge evaluation', () => {
  it('scores verdicts as docs/definitions.md says: inconclusive is wrong, its rate beside', () => {
    const s = scoreVerdicts(['fail', 'pass', 'inconclusive', 'fail', 'pass'], [1, 0, 1, 0, 1]);
    expect(s.accuracy).toBeCloseTo(2 / 5, 12);
    expect(s.inconclusiveRate).toBeCloseTo(1 / 5, 12);
    expect(s.failPrecision).toBeCloseTo(1 / 2, 12);
    expect(s.failRecall).toBeCloseTo(1 / 3, 12);
  });

  it('ML judge and Kayenta on the same windows and slices; training data sets contribute only their test split', async () => {
    const e = evaluateJudgeOn(model, windows.map((w) => ({ windows: w })));
    expect(e.judges).toEqual(['ml', 'kayenta']);
    for (const s of ['overall', 'lowTraffic', 'sharedIncident'] as const) expect(e.slices[s].ml.windows).toBe(e.slices[s].kayenta.windows);
    expect(e.slices.overall.ml.windows).toBe(windows[0].n + windows[1].n);
    expect(e.slices.lowTraffic.ml.windows).toBe(windows.reduce((a, w) => a + w.lowTraffic.reduce((x, y) => x + y, 0), 0));
    expect(e.metrics.accuracyOverKayenta).toBeCloseTo(e.slices.overall.ml.accuracy! - e.slices.overall.kayenta.accuracy!, 12);
    const onDisk = await evaluateJudge(model, dirs);
    expect(onDisk.windows).toBe(trained.rows.test);
    expect(onDisk.datasets.every((d) => d.part === 'test split')).toBe(true);
    expect(onDisk.metrics.accuracy).toBeCloseTo(trained.evaluation.metrics.accuracy, 12);
  }, 30_000);

  it('registers as window judge "ml" for replay and policies', () => {
    registerMlWindowJudge(model);
    expect(windowJudgeNames()).toContain('ml');
    const [j] = resolveWindowJudges('ml');
    const w = raw[0][5];
    const r = j.judge({ canary: w.canary.minutes, baseline: w.baseline.minutes, providerError: w.providerError, latencyObjectiveMs: w.latencyObjectiveMs });
    expect(r.verdict).toBe(model.judge(windows[0].windows[5]).verdict);
  });
});

describe('robust baseline: one wild baseline minute does not hide a broken canary', () => {
  it('the minute is set aside for both cohorts: the count features are those of the window without it', () => {
    const { features, summary } = windowFeatures(win(TEN_X, wildBaseline(HEALTHY)));
    expect(summary.outliers.map((o) => [o.minute, o.metric])).toEqual([[1, 'errors']]);
    const without = (xs: CohortMetrics[]) => xs.filter((_, i) => i !== 1);
    const ref = windowFeatures(win(without(TEN_X), without(HEALTHY))).features;
    for (const k of ['bad_z', 'bad_lr', 'bad_last_z', 'bad_final_z', 'bad_mw', 'error_z', 'error_lr', 'slow_z', 'conv_z', 'baseline_bad']) {
      expect(features[JUDGE_FEATURE_NAMES.indexOf(k)]).toBeCloseTo(ref[JUDGE_FEATURE_NAMES.indexOf(k)], 12);
    }
    expect(features[JUDGE_FEATURE_NAMES.indexOf('error_z')]).toBeGreaterThan(2);
    // Ordinary minute-to-minute noise is not an outlier; with two minutes neither is the odd one out.
    expect(windowFeatures(win(HEALTHY, HEALTHY)).summary.outliers).toEqual([]);
    expect(windowFeatures(win(TEN_X.slice(0, 2), wildBaseline(HEALTHY).slice(0, 2))).summary.outliers).toEqual([]);
  });

  it('a 10x canary against a baseline with one 600-error minute fails at 5, 10 and 20 minutes, and says what was set aside', () => {
    for (const n of [5, 10, 20]) {
      const r = model.judge(win(minutes(TEN_X, n), wildBaseline(minutes(HEALTHY, n))));
      expect(r.verdict, `${n} minutes`).toBe('fail');
      expect(r.reasons.join('\n')).toMatch(/baseline minute\(s\) set aside as outliers.*#2 \(errors/);
      // A healthy canary against the same baseline is not failed for it.
      expect(model.judge(win(minutes(HEALTHY, n), wildBaseline(minutes(HEALTHY, n)))).verdict, `${n} minutes, healthy`).toBe('pass');
    }
  });
});

describe('fail closed on a broken model', () => {
  it('a P(fail) that is not a probability gives inconclusive, never a verdict', () => {
    for (const p of [NaN, Infinity, -Infinity, -0.1, 1.5]) {
      const d = model.decide(p, 5000, 5000);
      expect(d.verdict, String(p)).toBe('inconclusive');
      expect(d.why).toMatch(/not a probability/);
    }
  });

  it('finite weights whose output overflows to NaN: judge() is inconclusive with the reason', () => {
    // Finite weights whose logit overflows: +Infinity + -Infinity = NaN.
    const j = nanJudgeJson(model.toJSON());
    const broken = JudgeModel.fromJSON(j);
    const r = broken.judge(win(HEALTHY, HEALTHY));
    expect(Number.isNaN(r.pFail)).toBe(true);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reasons[0]).toMatch(/^inconclusive: .*P\(fail\) is NaN, not a probability/);
    expect(broken.windowJudge().judge(win(TEN_X, HEALTHY)).verdict).toBe('inconclusive');
  });

  it('a model with a non-finite number, a non-positive calibration slope or a non-monotone weight does not load', () => {
    const j = model.toJSON();
    const nanWeight = structuredClone(j);
    nanWeight.members[0].weights[0][0] = NaN;
    expect(() => JudgeModel.fromJSON(nanWeight)).toThrow(/members\.0\.weights\.0\.0: must be a finite number/);
    const nanSd = structuredClone(j);
    nanSd.encoder.sd[3] = 0;
    expect(() => JudgeModel.fromJSON(nanSd)).toThrow(/encoder\.sd\.3: must be > 0/);
    expect(() => JudgeModel.fromJSON({ ...j, platt: { a: -1, b: 0 } })).toThrow(/platt\.a/);
    expect(() => JudgeModel.fromJSON({ ...j, platt: { a: NaN, b: 0 } })).toThrow(/platt\.a/);
    // A negative weight on a monotone input's path: refused.
    const neg = structuredClone(j);
    const F = JUDGE_FEATURES.length;
    const nOut = neg.members[0].sizes[1];
    const row = JUDGE_FEATURE_NAMES.indexOf('slow_z') * nOut;
    const o = neg.members[0].weights[0].slice(row, row + nOut).findIndex((w) => w > 0);
    expect(o).toBeGreaterThanOrEqual(0);
    neg.members[0].weights[0][row + o] = -0.5;
    expect(() => JudgeModel.fromJSON(neg)).toThrow(/not monotone/);
    expect(F).toBe(j.features.length);
  });
});

describe('monotone in evidence: more bad canary requests never lower P(fail)', () => {
  const cohort = (requests: number, errors: number, slow: number, p50: number, p99: number, conversions: number, callerRequests: number, callerErrors: number): CohortMetrics => ({
    requests, errors, slow, latencyP50: requests > 0 ? p50 : null, latencyP95: requests > 0 ? p99 * 0.8 : null, latencyP99: requests > 0 ? p99 : null, cpu: 0.4, memory: 0.45, pool: 0.2, conversions, callerRequests, callerErrors,
  });
  const cohortArb = fc
    .record({
      requests: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 20_000 })),
      e: fc.double({ min: 0, max: 0.3, noNaN: true }),
      s: fc.double({ min: 0, max: 0.3, noNaN: true }),
      c: fc.double({ min: 0, max: 0.05, noNaN: true }),
      p50: fc.double({ min: 5, max: 200, noNaN: true }),
      tail: fc.double({ min: 1, max: 6, noNaN: true }),
      callers: fc.integer({ min: 0, max: 2_000 }),
      ce: fc.double({ min: 0, max: 0.2, noNaN: true }),
    })
    .map((x) => cohort(x.requests, Math.floor(x.requests * x.e), Math.floor(x.requests * x.s), x.p50, x.p50 * x.tail, Math.floor(x.requests * x.c), x.callers, Math.floor(x.callers * x.ce)));
  const windowArb = fc.integer({ min: 1, max: 20 }).chain((n) =>
    fc.record({
      canary: fc.array(fc.option(cohortArb, { freq: 8, nil: null }), { minLength: n, maxLength: n }),
      baseline: fc.array(fc.option(cohortArb, { freq: 8, nil: null }), { minLength: n, maxLength: n }),
      at: fc.nat(n - 1),
      metric: fc.constantFrom('errors' as const, 'slow' as const, 'callerErrors' as const),
      share: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  );
  /** The window with more of `metric` in the canary's minute `at` (within what its requests allow), everything else fixed. */
  const worse = (w: { canary: (CohortMetrics | null)[]; at: number; metric: 'errors' | 'slow' | 'callerErrors'; share: number }) => {
    const c = w.canary[w.at];
    if (!c) return null;
    const room = (w.metric === 'callerErrors' ? c.callerRequests : c.requests) - c[w.metric];
    const add = Math.max(1, Math.round(room * w.share));
    if (room < 1) return null;
    return w.canary.map((m, i) => (i === w.at ? { ...m!, [w.metric]: m![w.metric] + Math.min(add, room) } : m));
  };
  type Sums = ReturnType<typeof windowFeatures>['summary']['canary'];
  const above = (x: number, n: number, x0: number, n0: number) => n > 0 && n0 > 0 && x / n > x0 / n0;
  /** Reason lines of the bad-request metrics, and whether the canary's ratio is above the baseline's. */
  const worseGroups: [RegExp, (c: Sums, b: Sums) => boolean][] = [
    [/^bad-request ratio/, (c, b) => above(c.errors + c.slow, c.requests, b.errors + b.slow, b.requests)],
    [/^error ratio/, (c, b) => above(c.errors, c.requests, b.errors, b.requests)],
    [/^slow-request ratio/, (c, b) => above(c.slow, c.requests, b.slow, b.requests)],
    [/^callers' error ratio/, (c, b) => above(c.callerErrors, c.callerRequests, b.callerErrors, b.callerRequests)],
  ];

  it('property: P(fail) is non-decreasing, and no reason cites the extra bad requests as evidence for passing', () => {
    fc.assert(
      fc.property(windowArb, (w) => {
        const canary2 = worse(w);
        if (!canary2) return;
        const a: AnalysisWindow = { canary: w.canary, baseline: w.baseline, latencyObjectiveMs: 250 };
        const b: AnalysisWindow = { ...a, canary: canary2 };
        const pa = model.pFail(a);
        const pb = model.pFail(b);
        expect(pb).toBeGreaterThanOrEqual(pa - 1e-12);
        // No reason line of a bad-request metric whose canary ratio is above the baseline's speaks for passing.
        const s = windowFeatures(b).summary;
        for (const line of model.judge(b).reasons.slice(1)) {
          const g = worseGroups.find(([re]) => re.test(line));
          if (g && g[1](s.canary, s.baseline)) expect(line).not.toMatch(/\(−[\d.]+ logit\)$/);
        }
      }),
      { numRuns: 400, seed: 13 },
    );
  });

  it('a canary slow on 20 of 1,200 requests a minute against a baseline slow on 20 of 12,000 (equal latencies) is not passed for it', () => {
    const canary = minutes([m(1200, 0, 20, 42, 120, 24)], 5);
    const baseline = minutes([m(12000, 0, 20, 42, 120, 240)], 5);
    const r = model.judge(win(canary, baseline));
    // Monotone: at least the P(fail) of the same canary at the baseline's slow ratio (2 of 1,200).
    expect(r.pFail).toBeGreaterThanOrEqual(model.pFail(win(minutes([m(1200, 0, 2, 42, 120, 24)], 5), baseline)) - 1e-12);
    for (const line of r.reasons.slice(1)) if (/^(slow-request ratio|bad-request ratio)/.test(line)) expect(line).not.toMatch(/\(−[\d.]+ logit\)$/);
    if (r.verdict === 'pass') expect(r.reasons.slice(1).some((line) => /^slow-request ratio/.test(line))).toBe(false);
  });
});

describe('evidence rule: a material bad-request excess with overwhelming evidence fails whatever the net says', () => {
  /** The trained model with a net that says `p` for every window (zero weights): only the evidence rule can fail it. */
  const quiet = (p = 0.01, evidenceZ?: number): JudgeModel => {
    const j = structuredClone(model.toJSON());
    const F = j.features.length;
    j.members = [{ sizes: [2 * F, 1, 1], weights: [new Array(2 * F).fill(0), [0]], biases: [[0], [Math.log(p / (1 - p))]] }];
    j.platt = { a: 1, b: 0 };
    if (evidenceZ === undefined) delete j.decision.evidenceZ;
    else j.decision.evidenceZ = evidenceZ;
    return JudgeModel.fromJSON(j);
  };
  /** A canary slow on 20 of its 1,200 requests a minute against a baseline slow on 20 of 12,000, latencies equal, 5 minutes. */
  const slowCanary = minutes([m(1200, 2, 20, 42, 120, 24)], 5);
  const slowBaseline = minutes([m(12000, 20, 20, 42, 120, 240)], 5);

  it("the slow example (10x the baseline's slow ratio on 6,000 canary requests, p95/p99 equal) fails, and the decision line names the rule and its z", () => {
    for (const judge of [model, quiet()]) {
      const r = judge.judge(win(slowCanary, slowBaseline));
      expect(r.verdict).toBe('fail');
      expect(r.pFail).toBeGreaterThanOrEqual(judge.decision.failThreshold);
      expect(r.reasons[0]).toMatch(/^fail: .*evidence rule: the canary's (slow-request|bad-request) ratio .* is above 110 % of the baseline's at z \d+\.\d >= \d/);
      // The same canary at the baseline's slow ratio is no excess: the rule stays quiet.
      const calm = quiet().judge(win(minutes([m(1200, 2, 2, 42, 120, 24)], 5), slowBaseline));
      expect(calm.verdict).toBe('pass');
    }
    // Both ratios quoted by the rule are the ones over the compared minutes.
    const ev = quiet().evidence(windowFeatures(win(slowCanary, slowBaseline)).summary);
    expect(ev.fires).toBe(true);
    expect(ev.z).toBeGreaterThan(10);
  });

  it('the 10x canary against a baseline with one 600-error minute still fails at 5, 10 and 20 minutes, by the rule alone too', () => {
    for (const n of [5, 10, 20]) {
      const w = win(minutes(TEN_X, n), wildBaseline(minutes(HEALTHY, n)));
      expect(model.judge(w).verdict, `${n} minutes`).toBe('fail');
      const r = quiet().judge(w);
      expect(r.verdict, `${n} minutes, rule alone`).toBe('fail');
      expect(r.reasons[0]).toMatch(/evidence rule: the canary's (error|bad-request) ratio/);
    }
  });

  it('a 10 % relative excess is not enough, nor a shared incident, nor a handful of requests; the level is in the model and a model without one judges at the default', () => {
    // 5 % more bad requests than the baseline on 60,000 requests: within the margin.
    const near = win(minutes([m(12000, 63, 0, 42, 120, 240)], 5), minutes([m(12000, 60, 0, 42, 120, 240)], 5));
    expect(quiet().judge(near).verdict).toBe('pass');
    expect(quiet().judge(win(SHARED_CANARY, SHARED_BASE)).verdict).toBe('pass');
    // 3 errors in 30 canary requests against 3 in 3,000: exact z 4.1, a normal approximation would say 11.
    const few = win(minutes([m(6, 1, 0, 42, 120, 0)], 3).concat([m(12, 0, 0, 42, 120, 0)]), minutes([m(750, 1, 0, 42, 120, 15)], 3).concat([m(750, 0, 0, 42, 120, 15)]));
    const t = quiet().evidence(windowFeatures(few).summary);
    expect(t.z).toBeGreaterThan(3.5);
    expect(t.z).toBeLessThan(4.5);
    expect(quiet(0.01, 5).judge(few).verdict).not.toBe('fail');
    expect(quiet(0.01, 3).judge(few).verdict).toBe('fail');
    // Stored level, default when absent, a bad level refused naming the field.
    expect(quiet(0.01).decision.evidenceZ).toBe(EVIDENCE_Z_DEFAULT);
    expect(model.decision.evidenceZ).toBeGreaterThan(0);
    expect(trained.validation.evidenceZ.map((r) => r.level)).toEqual([null, ...EVIDENCE_Z_GRID]);
    const j = structuredClone(model.toJSON());
    j.decision.evidenceZ = -1;
    expect(() => JudgeModel.fromJSON(j)).toThrow(/decision\.evidenceZ/);
  });

  it('property: the rule is monotone too — its z and the combined P(fail) never fall, and a fail never turns into anything else, when the canary gets more bad requests', () => {
    const cohortArb = fc
      .record({ requests: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 20_000 })), e: fc.double({ min: 0, max: 0.1, noNaN: true }), s: fc.double({ min: 0, max: 0.1, noNaN: true }), callers: fc.integer({ min: 0, max: 2_000 }), ce: fc.double({ min: 0, max: 0.1, noNaN: true }) })
      .map((x) => m(x.requests, Math.floor(x.requests * x.e), Math.floor(x.requests * x.s), 42, 120, Math.floor(x.requests * 0.02), x.callers, Math.floor(x.callers * x.ce)));
    const arb = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.record({
        canary: fc.array(fc.option(cohortArb, { freq: 8, nil: null }), { minLength: n, maxLength: n }),
        baseline: fc.array(fc.option(cohortArb, { freq: 8, nil: null }), { minLength: n, maxLength: n }),
        at: fc.nat(n - 1),
        metric: fc.constantFrom('errors' as const, 'slow' as const, 'callerErrors' as const),
        add: fc.integer({ min: 1, max: 400 }),
        level: fc.constantFrom(2, 3, 5),
      }),
    );
    fc.assert(
      fc.property(arb, (w) => {
        const c = w.canary[w.at];
        if (!c) return;
        const room = (w.metric === 'callerErrors' ? c.callerRequests : c.requests) - c[w.metric];
        if (room < 1) return;
        const canary2 = w.canary.map((x, i) => (i === w.at ? { ...x!, [w.metric]: x![w.metric] + Math.min(w.add, room) } : x));
        const a = win(w.canary as CohortMetrics[], w.baseline as CohortMetrics[]);
        const b = { ...a, canary: canary2 as CohortMetrics[] };
        for (const judge of [quiet(0.01, w.level), model.withDecision({ evidenceZ: w.level })]) {
          const ea = judge.evidence(windowFeatures(a).summary);
          const eb = judge.evidence(windowFeatures(b).summary);
          expect(eb.logP).toBeLessThanOrEqual(ea.logP + 1e-9);
          if (ea.fires) expect(eb.fires).toBe(true);
          const ra = judge.judge(a);
          const rb = judge.judge(b);
          expect(rb.pFail).toBeGreaterThanOrEqual(ra.pFail - 1e-12);
          if (ra.verdict === 'fail') expect(rb.verdict).toBe('fail');
        }
      }),
      { numRuns: 300, seed: 29 },
    );
  });
});
