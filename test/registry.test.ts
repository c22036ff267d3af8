// Training infrastructure: backend selection, tfjs model files, the model card schema, the registry's champion
// logic and crash safety, and the targets check.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Rng } from '../lib/rng.ts';
import { RolloutlabError } from '../lib/errors.ts';
import { backendName, initBackend, tf, type BackendName } from '../training/backend.ts';
import { cardJson, datasetRef, validateCard, type ModelCard } from '../training/card.ts';
import { fileSystemHandler, modelFromFiles, modelToFiles } from '../training/tf-io.ts';
import { CHAMPION_FILE, defaultModelsRoot, HISTORY_FILE, ModelRegistry, REGISTRY_STEPS, type CardInput, type RegistryStep } from '../training/registry.ts';
import { checkTargets, loadTargets, targetStatus, type TargetsFile } from '../training/targets.ts';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const T = '2024-03-08T10:00:00.000Z';
const fixedNow = () => new Date(T);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rolloutlab-models-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const manifest = {
  kind: 'simulated',
  scenario: 'default',
  seed: 1,
  codeVersion: '0.1.0+abc',
  tables: { services: { rows: 24, sha256: 'a'.repeat(64) }, deployments: { rows: 1800, sha256: 'b'.repeat(64) } },
};

function cardInput(metrics: Record<string, number> = { auc: 0.8 }): CardInput {
  return {
    createdAt: T,
    dataset: datasetRef(manifest, 'out/default-seed-1'),
    seed: 7,
    codeVersion: 'test',
    backend: { name: 'cpu', version: '4.22.0' },
    hyperParameters: { hidden: [8], learningRate: 0.01 },
    split: { by: 'time', description: 'train < day 10 <= test', rows: { train: 1200, test: 600 }, seed: null },
    metrics,
  };
}

/** A small dense network with seeded initialisers: the same seed gives the same weights on any backend. */
function tinyModel(seed: number, inputs = 4): tf.LayersModel {
  const m = tf.sequential();
  m.add(tf.layers.dense({ units: 8, activation: 'relu', inputShape: [inputs], kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: 'zeros' }));
  m.add(tf.layers.dense({ units: 1, activation: 'sigmoid', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }));
  m.compile({ optimizer: tf.train.adam(0.05), loss: 'binaryCrossentropy' });
  return m;
}

/** 64 rows, 4 features; the label is a noisy linear rule, so a model can learn it. */
function tinyData(seed: number): { x: number[][]; y: number[][] } {
  const rng = new Rng(seed, 'test-data');
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < 64; i++) {
    const row = [rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1), rng.uniform(-1, 1)];
    x.push(row);
    y.push([row[0] + 0.5 * row[1] - row[2] + 0.1 * rng.normal() > 0 ? 1 : 0]);
  }
  return { x, y };
}

async function predictBytes(model: tf.LayersModel, x: number[][]): Promise<Uint8Array> {
  const out = tf.tidy(() => model.predict(tf.tensor2d(x)) as tf.Tensor);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return new Uint8Array(data.buffer.slice(0));
}

function expectError(fn: () => unknown, code: string, field?: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RolloutlabError);
    expect((e as RolloutlabError).code).toBe(code);
    if (field !== undefined) expect((e as RolloutlabError).field).toBe(field);
    return;
  }
  throw new Error('expected an error');
}

async function expectRejects(p: Promise<unknown>, code: string, field?: string): Promise<RolloutlabError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RolloutlabError);
  expect((e as RolloutlabError).code).toBe(code);
  if (field !== undefined) expect((e as RolloutlabError).field).toBe(field);
  return e as RolloutlabError;
}

describe('backend', () => {
  it('picks the fastest backend that loads, honours prefer, and is idempotent', async () => {
    const auto = await initBackend();
    // tfjs-node is an optional dependency; where it did not install, wasm is next.
    expect(['tensorflow', 'wasm']).toContain(auto.name);
    if (auto.name === 'wasm') {
      expect(auto.skipped.map((s) => s.name)).toEqual(['tensorflow']);
      expect(auto.features).toMatch(/^(simd|no simd), \d+ threads?$/);
    }
    expect(await initBackend()).toBe(auto);
    const cpu = await initBackend('cpu');
    expect(cpu).toMatchObject({ name: 'cpu', skipped: [] });
    expect(backendName()).toBe('cpu');
    expect(await initBackend()).toBe(cpu); // no prefer: whatever is active
    expect((await initBackend('wasm')).name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    await expectRejects(initBackend('gpu' as BackendName), 'BAD_ARGUMENT', 'backend');
  });
});

describe.each(['cpu', 'wasm'] as const)('tfjs models on %s', (backend) => {
  beforeEach(async () => {
    expect((await initBackend(backend)).name).toBe(backend);
  });

  it('save/load through the registry gives bitwise-identical predictions', async () => {
    const model = tinyModel(11);
    const { x, y } = tinyData(3);
    await model.fit(tf.tensor2d(x), tf.tensor2d(y), { epochs: 3, batchSize: 16, shuffle: false, verbose: 0 });
    const before = await predictBytes(model, x);
    const reg = new ModelRegistry({ root, now: fixedNow });
    const saved = await reg.save('risk', { card: { ...cardInput(), backend: { name: backend, version: '4.22.0' } }, model });
    expect(saved.card.files.map((f) => f.name)).toEqual(['model.json', 'weights.bin']);
    const loaded = await reg.loadModel('risk', saved.version);
    expect(loaded.model).toBeDefined();
    expect(await predictBytes(loaded.model!, x)).toEqual(before);
    // The files are byte-stable: saving the loaded model again gives the same bytes.
    const again = await modelToFiles(loaded.model!);
    expect(again['model.json']).toBe(new TextDecoder().decode(loaded.files['model.json']));
    expect(again['weights.bin']).toEqual(loaded.files['weights.bin']);
  });

  it('training a tiny dense model lowers the loss, and the same seed gives the same losses', async () => {
    const { x, y } = tinyData(5);
    const train = async () => {
      const m = tinyModel(21);
      const h = await m.fit(tf.tensor2d(x), tf.tensor2d(y), { epochs: 20, batchSize: 16, shuffle: false, verbose: 0 });
      return h.history.loss as number[];
    };
    const loss = await train();
    expect(loss).toHaveLength(20);
    expect(loss[19]).toBeLessThan(loss[0] * 0.8);
    expect(await train()).toEqual(loss);
  });
});

describe('tf-io', () => {
  beforeEach(async () => {
    await initBackend('cpu');
  });

  it('fileSystemHandler writes model.json + weights.bin and reads them back', async () => {
    const model = tinyModel(31);
    const { x } = tinyData(1);
    await model.save(fileSystemHandler(join(root, 'm')));
    expect((await readdir(join(root, 'm'))).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(await readFile(join(root, 'm', 'model.json'), 'utf8'));
    expect(json.weightsManifest[0].paths).toEqual(['weights.bin']);
    const back = await tf.loadLayersModel(fileSystemHandler(join(root, 'm')));
    expect(await predictBytes(back, x)).toEqual(await predictBytes(model, x));
  });

  it('reports missing or broken model files', async () => {
    await expectRejects(modelFromFiles({}), 'NOT_FOUND', 'model.json');
    await expectRejects(modelFromFiles({ 'model.json': '{' }), 'BAD_DATA', 'model.json');
    const files = await modelToFiles(tinyModel(1));
    await expectRejects(modelFromFiles({ 'model.json': files['model.json'] }), 'NOT_FOUND', 'weights.bin');
  });
});

describe('model card', () => {
  async function goodCard(): Promise<ModelCard> {
    const reg = new ModelRegistry({ root, now: fixedNow });
    const saved = await reg.save('risk', { card: cardInput({ auc: 0.8, aucGapToOracle: 0.005, ece: 0.03 }), files: { 'weights.json': '[1,2,3]' } });
    return JSON.parse(await readFile(join(saved.dir, 'card.json'), 'utf8')) as ModelCard;
  }

  it('accepts a card the registry wrote, with targets judged from training/targets.json', async () => {
    const card = await goodCard();
    expect(validateCard(card)).toEqual(card);
    expect(card).toMatchObject({
      schemaVersion: 1,
      family: 'risk',
      version: 'v0001',
      createdAt: T,
      dataset: { kind: 'simulated', scenario: 'default', seed: 1, codeVersion: '0.1.0+abc', path: 'out/default-seed-1' },
      champion: { decision: 'pending', comparedWith: null, decidedAt: null },
      baselines: {},
    });
    expect(Object.keys(card.dataset.tables)).toEqual(['deployments', 'services']);
    expect(card.targets).toEqual([
      { metric: 'aucGapToOracle', value: 0.005, target: 0.01, comparator: '<=', met: true, targetsVersion: 3 },
      { metric: 'ece', value: 0.03, target: 0.02, comparator: '<=', met: false, targetsVersion: 3 },
      { metric: 'scoredShare', value: null, target: 1, comparator: '>=', met: null, targetsVersion: 3 },
    ]);
    expect(card.files).toEqual([{ name: 'weights.json', bytes: 7, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it.each([
    ['a missing field', (c: any) => delete c.seed, 'seed'],
    ['a wrong type', (c: any) => (c.metrics.auc = 'high'), 'metrics.auc'],
    ['a NaN metric', (c: any) => (c.metrics.auc = NaN), 'metrics.auc'],
    ['an infinite baseline', (c: any) => (c.baselines = { la: { auc: Infinity } }), 'baselines.la.auc'],
    ['an unknown backend', (c: any) => (c.backend.name = 'gpu'), 'backend.name'],
    ['a bad version', (c: any) => (c.version = '1'), 'version'],
    ['a bad family', (c: any) => (c.family = 'Risk Model'), 'family'],
    ['an unknown field', (c: any) => (c.colour = 'blue'), 'colour'],
    ['a bad table digest', (c: any) => (c.dataset.tables.services.sha256 = 'xyz'), 'dataset.tables.services.sha256'],
    ['a bad split', (c: any) => (c.split.by = 'shuffle'), 'split.by'],
    ['a non-JSON hyper-parameter', (c: any) => (c.hyperParameters.learningRate = NaN), 'hyperParameters.learningRate'],
    ['a target whose met contradicts its arithmetic', (c: any) => (c.targets[1].met = true), 'targets.1.met'],
    ['a not-measured target marked met', (c: any) => (c.targets[2].met = false), 'targets.2.met'],
    ['a bad comparator', (c: any) => (c.targets[0].comparator = '=='), 'targets.0.comparator'],
    ['a file listed twice', (c: any) => c.files.push({ ...c.files[0] }), 'files.1.name'],
    ['card.json among the files', (c: any) => (c.files[0].name = 'card.json'), 'files.0.name'],
    ['a decision without a time', (c: any) => (c.champion.decision = 'promoted'), 'champion.decidedAt'],
  ])('rejects %s, naming the field', async (_what, mutate, field) => {
    const card = await goodCard();
    mutate(card);
    expectError(() => validateCard(card), 'BAD_DATA', field);
    try {
      validateCard(card);
    } catch (e) {
      expect((e as Error).message).toContain(`"${field}"`);
    }
  });

  it('rejects a non-object', () => {
    expectError(() => validateCard(null), 'BAD_DATA', '(root)');
  });
});

describe('registry', () => {
  const cmp = (candidate: number, champion: number) => ({ metric: 'auc', better: 'higher' as const, candidate: { auc: candidate }, champion: { auc: champion }, heldOut: 'test days 10-14' });

  it('makes the first version champion, keeps it against a worse one, promotes an equal or better one', async () => {
    const reg = new ModelRegistry({ root, now: fixedNow });
    const save = async (auc: number) => (await reg.save('risk', { card: cardInput({ auc }), files: { 'w.json': JSON.stringify({ auc }) } })).version;
    expect(await reg.listVersions('risk')).toEqual([]);
    await expectRejects(reg.loadModel('risk'), 'NOT_FOUND', 'family');

    const v1 = await save(0.8);
    expect(v1).toBe('v0001');
    const first = await reg.promoteIfBetter('risk', v1, cmp(0.8, NaN));
    expect(first).toEqual({ family: 'risk', candidate: 'v0001', previous: null, champion: 'v0001', promoted: true, reason: 'first version: there was no champion' });

    const v2 = await save(0.79);
    const worse = await reg.promoteIfBetter('risk', v2, cmp(0.79, 0.8));
    expect(worse).toMatchObject({ previous: 'v0001', champion: 'v0001', promoted: false });
    expect(worse.reason).toBe("auc 0.79 < champion v0001's 0.8 on test days 10-14 (higher is better)");
    expect((await reg.champion('risk'))?.version).toBe('v0001');

    const v3 = await save(0.8);
    expect(await reg.promoteIfBetter('risk', v3, cmp(0.8, 0.8))).toMatchObject({ previous: 'v0001', champion: 'v0003', promoted: true });
    const v4 = await save(0.85);
    expect(await reg.promoteIfBetter('risk', v4, cmp(0.85, 0.8))).toMatchObject({ previous: 'v0003', champion: 'v0004', promoted: true });
    // A NaN candidate never wins.
    const v5 = await save(0.9);
    expect(await reg.promoteIfBetter('risk', v5, cmp(NaN, 0.85))).toMatchObject({ champion: 'v0004', promoted: false });
    expect(await reg.promoteIfBetter('risk', v4, cmp(0, 1))).toMatchObject({ champion: 'v0004', promoted: true, reason: 'v0004 is already the champion' });

    expect(await reg.listVersions('risk')).toEqual(['v0001', 'v0002', 'v0003', 'v0004', 'v0005']);
    const champ = await reg.loadModel('risk');
    expect(champ.version).toBe('v0004');
    expect(champ.model).toBeUndefined();
    expect(JSON.parse(new TextDecoder().decode(champ.files['w.json']))).toEqual({ auc: 0.85 });
    expect((await reg.readCard('risk', 'v0002')).champion).toEqual({ decision: 'kept', reason: worse.reason, comparedWith: 'v0001', decidedAt: T });
    expect((await reg.readCard('risk', 'v0004')).champion).toMatchObject({ decision: 'promoted', comparedWith: 'v0003' });
    expect((await reg.history('risk')).map((h) => [h.candidate, h.previous, h.decision])).toEqual([
      ['v0001', null, 'promoted'],
      ['v0002', 'v0001', 'kept'],
      ['v0003', 'v0001', 'promoted'],
      ['v0004', 'v0003', 'promoted'],
      ['v0005', 'v0004', 'kept'],
    ]);
  });

  it('takes a lower-is-better metric or a comparison function', async () => {
    const reg = new ModelRegistry({ root, now: fixedNow });
    const v1 = (await reg.save('forecast', { card: cardInput({ mase: 0.9 }), files: { a: 'x' } })).version;
    await reg.promoteIfBetter('forecast', v1, { metric: 'mase', better: 'lower', candidate: { mase: 0.9 }, champion: {} });
    const v2 = (await reg.save('forecast', { card: cardInput({ mase: 0.95 }), files: { a: 'y' } })).version;
    expect(await reg.promoteIfBetter('forecast', v2, { metric: 'mase', better: 'lower', candidate: { mase: 0.95 }, champion: { mase: 0.9 } })).toMatchObject({ promoted: false });
    const seen: string[] = [];
    const res = await reg.promoteIfBetter('forecast', v2, ({ candidate, champion }) => {
      seen.push(candidate.version, champion.version);
      return { atLeastAsGood: true, reason: 're-scored both on the new tail' };
    });
    expect(seen).toEqual(['v0002', 'v0001']);
    expect(res).toMatchObject({ champion: 'v0002', promoted: true, reason: 're-scored both on the new tail' });
    await expectRejects(reg.promoteIfBetter('forecast', v1, { metric: 'mase', better: 'lower', candidate: {}, champion: { mase: 1 } }), 'BAD_ARGUMENT', 'compare.candidate.mase');
    await expectRejects(reg.promoteIfBetter('forecast', 'v0009', () => ({ atLeastAsGood: true, reason: '' })), 'NOT_FOUND', 'version');
  });

  it.each(['save:files', 'save:card', 'save:rename'] as const)('an error at %s leaves no version and the champion untouched', async (step) => {
    const reg = new ModelRegistry({ root, now: fixedNow });
    const v1 = (await reg.save('risk', { card: cardInput(), files: { a: '1' } })).version;
    await reg.promoteIfBetter('risk', v1, cmp(0.8, 0));
    const failing = new ModelRegistry({
      root,
      now: fixedNow,
      onStep: (s) => {
        if (s === step) throw new Error('disk full');
      },
    });
    await expectRejects(failing.save('risk', { card: cardInput({ auc: 0.99 }), files: { a: '2' } }), 'IO');
    expect(await readdir(join(root, 'risk'))).toEqual(expect.arrayContaining(['v0001', CHAMPION_FILE]));
    expect((await readdir(join(root, 'risk'))).filter((n) => n.startsWith('.'))).toEqual([]); // temp folder cleaned up
    expect(await reg.listVersions('risk')).toEqual(['v0001']);
    expect((await reg.loadModel('risk')).version).toBe('v0001');
    expect((await reg.save('risk', { card: cardInput(), files: { a: '3' } })).version).toBe('v0002');
  });

  it('a crash (SIGKILL) at any step never leaves a half version or a champion that is not complete', async () => {
    const script = join(root, 'crash.mts');
    await writeFile(
      script,
      `import { ModelRegistry } from ${JSON.stringify(join(REPO, 'training/registry.ts'))};
const [dir, step] = process.argv.slice(2);
const reg = new ModelRegistry({ root: dir, onStep: (s) => { if (s === step) process.kill(process.pid, 'SIGKILL'); } });
const card = JSON.parse(process.env.CARD);
const saved = await reg.save('risk', { card, files: { 'w.json': '{"v":2}' } });
await reg.promoteIfBetter('risk', saved.version, { metric: 'auc', better: 'higher', candidate: { auc: 0.9 }, champion: { auc: 0.8 } });
console.log('finished');
`,
    );
    const run = async (step: RegistryStep | 'none') => {
      const dir = join(root, step.replace(':', '-'));
      const reg = new ModelRegistry({ root: dir, now: fixedNow });
      await reg.promoteIfBetter('risk', (await reg.save('risk', { card: cardInput(), files: { 'w.json': '{"v":1}' } })).version, cmp(0.8, 0));
      const child = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, dir, step], { cwd: REPO, env: { ...process.env, CARD: JSON.stringify(cardInput({ auc: 0.9 })) } }).then(
        (r) => ({ killed: false, out: r.stdout }),
        (e: { signal?: string; stdout?: string }) => ({ killed: e.signal === 'SIGKILL', out: e.stdout ?? '' }),
      );
      return { step, reg, dir, child };
    };
    const results = await Promise.all([...REGISTRY_STEPS, 'none' as const].map(run));
    for (const { step, reg, dir, child } of results) {
      expect(child.killed, step).toBe(step !== 'none');
      const versions = await reg.listVersions('risk');
      const champion = (await reg.champion('risk'))?.version;
      const saved = !step.startsWith('save:');
      expect(versions, step).toEqual(saved ? ['v0001', 'v0002'] : ['v0001']);
      // The pointer moves only after v0002 is complete, and only at its own step.
      const swapped = step === 'promote:card' || step === 'promote:history' || step === 'none';
      expect(champion, step).toBe(swapped ? 'v0002' : 'v0001');
      const served = await reg.loadModel('risk');
      expect(new TextDecoder().decode(served.files['w.json']), step).toBe(swapped ? '{"v":2}' : '{"v":1}');
      if (saved) expect((await reg.readCard('risk', 'v0002')).champion.decision, step).toBe(step === 'promote:pointer' || step === 'promote:card' ? 'pending' : 'promoted');
      expect((await reg.history('risk')).length, step).toBe(step === 'none' ? 2 : 1);
      // A temp folder may be left behind by the crash; it is ignored, and the next save takes the next number.
      const next = await reg.save('risk', { card: cardInput(), files: { 'w.json': '{"v":3}' } });
      expect(next.version, step).toBe(saved ? 'v0003' : 'v0002');
      expect(await reg.listVersions('risk'), step).toEqual(saved ? ['v0001', 'v0002', 'v0003'] : ['v0001', 'v0002']);
      expect(await readdir(dir)).toContain('risk');
      // ...and the next save removes what the killed writer (its pid gone) left behind.
      expect((await readdir(join(dir, 'risk'))).filter((n) => n.includes('.tmp-')), step).toEqual([]);
    }
  });

  it('checks files against the card on load and rejects bad input', async () => {
    const reg = new ModelRegistry({ root, now: fixedNow });
    const saved = await reg.save('risk', { card: cardInput(), files: { 'table.bin': new Uint8Array([1, 2, 3]), 'meta.json': '{}' } });
    expect([...(await reg.loadModel('risk', saved.version)).files['table.bin']]).toEqual([1, 2, 3]);
    await writeFile(join(saved.dir, 'table.bin'), new Uint8Array([1, 2, 4]));
    await expectRejects(reg.loadModel('risk', saved.version), 'BAD_DATA', 'files.table.bin');
    // A folder whose card.json is missing or invalid is not a version.
    await rm(join(saved.dir, 'card.json'));
    expect(await reg.listVersions('risk')).toEqual([]);
    await expectRejects(reg.loadModel('risk', 'v0001'), 'NOT_FOUND', 'version');
    await expectRejects(reg.loadModel('risk', 'latest'), 'BAD_ARGUMENT', 'version');
    await expectRejects(reg.save('Risk!', { card: cardInput(), files: { a: '' } }), 'BAD_ARGUMENT', 'family');
    await expectRejects(reg.save('risk', { card: cardInput(), files: { '../x': '' } }), 'BAD_ARGUMENT', 'files.../x');
    await expectRejects(reg.save('risk', { card: cardInput(), files: {} }), 'BAD_ARGUMENT', 'files');
    await expectRejects(reg.save('risk', { card: { ...cardInput(), seed: 1.5 }, files: { a: '' } }), 'BAD_DATA', 'seed');
    await writeFile(join(root, 'risk', CHAMPION_FILE), '{"version": 3}');
    await expectRejects(reg.champion('risk'), 'BAD_DATA');
  });

  it('writes the same card bytes for the same inputs, and every card it wrote validates', async () => {
    const a = new ModelRegistry({ root: join(root, 'a'), now: fixedNow });
    const b = new ModelRegistry({ root: join(root, 'b'), now: fixedNow });
    const x = await a.save('risk', { card: cardInput(), files: { w: 'same' } });
    const y = await b.save('risk', { card: cardInput(), files: { w: 'same' } });
    expect(await readFile(join(x.dir, 'card.json'), 'utf8')).toBe(await readFile(join(y.dir, 'card.json'), 'utf8'));
    expect(cardJson(x.card)).toBe(await readFile(join(x.dir, 'card.json'), 'utf8'));
    await a.promoteIfBetter('risk', x.version, cmp(1, 0));
    expect(await readFile(join(root, 'a', 'risk', HISTORY_FILE), 'utf8')).toBe(
      JSON.stringify({ at: T, family: 'risk', candidate: 'v0001', previous: null, decision: 'promoted', reason: 'first version: there was no champion' }) + '\n',
    );
  });

  it('finds its root in ROLLOUTLAB_MODELS, else <repo>/models', () => {
    expect(defaultModelsRoot({ ROLLOUTLAB_MODELS: '/srv/models' })).toBe('/srv/models');
    expect(defaultModelsRoot({})).toBe(join(REPO, 'models'));
    expect(new ModelRegistry({ root: 'rel/dir' }).root).toBe(resolve('rel/dir'));
  });
});

describe('targets', () => {
  it('training/targets.json is versioned and covers every model family', () => {
    const t = loadTargets();
    expect(t.version).toBe(3);
    expect(Object.keys(t.targets)).toEqual(expect.arrayContaining(['risk', 'timing', 'schedule', 'forecast', 'judge', 'rollback', 'detection', 'retry', 'routing', 'nab', 'jit']));
    expect(t.targets.risk.aucGapToOracle).toMatchObject({ comparator: '<=', target: 0.01 });
    expect(t.targets.rollback.medianLeadTimeMin).toMatchObject({ comparator: '>=', target: 5 });
    expect(t.targets.jit.meanAuc).toMatchObject({ comparator: '>', target: 0.725 });
  });

  it('judges met, missed and not measured, boundaries included', () => {
    const r = checkTargets('risk', { aucGapToOracle: 0.01, ece: 0.0201, auc: 0.9 });
    expect(r.map((x) => [x.metric, x.value, x.met, targetStatus(x)])).toEqual([
      ['aucGapToOracle', 0.01, true, 'met'],
      ['ece', 0.0201, false, 'missed'],
      ['scoredShare', null, null, 'not measured'],
    ]);
    expect(r.every((x) => x.targetsVersion === 3)).toBe(true);
    const mase = (v: number) => checkTargets('forecast', { mase: v })[0].met;
    expect([mase(1), mase(0.999), mase(NaN), mase(Infinity)]).toEqual([false, true, null, null]);
    const nab = (v: number) => checkTargets('nab', { standard: v })[0].met;
    expect([nab(74.9), nab(74.91)]).toEqual([false, true]);
    const rb = checkTargets('rollback', { preventionRate: 0.95, medianLeadTimeMin: 4.9, falseRollbackRate: 0.011 });
    expect(rb.map((x) => x.met)).toEqual([true, false, false, null]);
    expect(checkTargets('timing', { regret: 0.05, costCut: 0.6 }).map((x) => x.met)).toEqual([true, true]);
    expectError(() => checkTargets('colour', {}), 'NOT_FOUND', 'family');
    expectError(() => checkTargets('toString', {}), 'NOT_FOUND', 'family');
  });

  it('takes another targets file, and rejects a bad one naming the field', async () => {
    const custom: TargetsFile = { version: 2, source: 'test', targets: { risk: { auc: { comparator: '>=', target: 0.7, about: 'x' } } } };
    const path = join(root, 'targets.json');
    await writeFile(path, JSON.stringify(custom));
    expect(checkTargets('risk', { auc: 0.7 }, loadTargets(path))).toEqual([{ metric: 'auc', value: 0.7, target: 0.7, comparator: '>=', met: true, targetsVersion: 2 }]);
    await writeFile(path, JSON.stringify({ ...custom, targets: { risk: { auc: { comparator: '=', target: 0.7, about: 'x' } } } }));
    expectError(() => loadTargets(path), 'BAD_DATA', 'targets.risk.auc.comparator');
    expectError(() => loadTargets(join(root, 'nope.json')), 'NOT_FOUND');
  });
});
