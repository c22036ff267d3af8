// `rolloutlab train <family> --config <file> --set key=value --epochs/--learning-rate/--seed`: every train command's
// hyper-parameters from a closed schema per registry folder (training/hyper-params.ts), defaults = the values the code
// used before they could be set, so training with none set gives the very same model files and cards (plus `tuning`);
// a config changes the model and the card records it; flags win over the config; a bad key, type or range is an
// error naming the key (exit 2) that leaves the registry as it was; `models show` / `diff` print them. Data tiny.
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { initBackend } from '../training/backend.ts';
import { loadScenario } from '../sim/index.ts';
import { backtest } from '../backtest/run.ts';
import { windowsTable } from '../judges/labelled-windows.ts';
import { writeDataset } from '../datasets/index.ts';
import { validateCard, type ModelCard } from '../training/card.ts';
import { ModelRegistry } from '../training/registry.ts';
import { trainRisk } from '../training/risk/family.ts';
import { checkHyperParamConfig, HYPER_PARAM_FAMILIES, HYPER_PARAM_SCHEMAS, hyperParamDefaults, hyperParamText, resolveHyperParams, type HyperParamFamily } from '../training/hyper-params.ts';
import { inProcess } from './in-process.ts';
import { trainTinyModels } from './tiny-models.ts';

const ROOT = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'rl-train-config-'));
const data = (name: string) => join(dir, 'data', name);

/** The values each train command used before its hyper-parameters could be set, copied from that code. */
const OLD: Record<HyperParamFamily, Record<string, unknown>> = {
  risk: { learningRate: 0.05, maxEpochs: 600, patience: 40, l2: 0.001, knots: 5, select: 'best', refit: true, refitMinRowsPerWeight: 40, validationShare: 0.2 },
  'risk-history': { learningRate: 0.05, maxEpochs: 600, patience: 40, l2: 0.001, knots: 5, select: 'best', refit: true, refitMinRowsPerWeight: 40, validationShare: 0.2 },
  judge: { seed: 1, members: 3, hidden: [64, 64], learningRate: 0.002, batchSize: 512, maxEpochs: 80, patience: 10, monotoneShare: 0.5, clip: 8, augmentShared: 0.2, guessAccuracy: 0.6, validationShare: 0.15 },
  'judge-replay': { seed: 1, members: 3, hidden: [64, 64], learningRate: 0.002, batchSize: 512, maxEpochs: 80, patience: 10, monotoneShare: 0.5, clip: 8, augmentShared: 0.2, guessAccuracy: 0.6, validationShare: 0.2 },
  rollback: { seed: 1, hidden: [48, 24], learningRate: 0.003, l2: 0.0001, batchSize: 1024, maxEpochs: 25, patience: 3, trainStride: 2, falseRollbackBudget: 0.005, holdThreshold: 0.5, validationShare: 0.2 },
  retry: { seed: 1, epochs: 3, learningRate: 0.2, l2: 0.0001, maxWastedRetries: 0.05, validationShare: 0.2 },
};

/** Every train command, by the registry folder it writes, with its data. */
const TRAIN: [HyperParamFamily, string[]][] = [
  ['risk', ['train', 'risk', '--data', data('risk')]],
  ['risk-history', ['train', 'risk', '--data', data('history')]],
  ['judge', ['train', 'judge', '--data', data('windows')]],
  ['judge-replay', ['train', 'judge', '--replay', join(ROOT, 'examples', 'replay-train-sample.csv')]],
  ['rollback', ['train', 'rollback', '--data', data('trajectories')]],
  ['retry', ['train', 'retry', '--data', [31, 32, 33].map((s) => data(`pipelines-${s}`)).join(',')]],
];

const train = async (args: string[], models: string) => {
  const r = await inProcess([...args, '--models', models, '--json']);
  return { ...r, json: JSON.parse(r.stdout) };
};
const card = (models: string, family: string, version = 'v0001'): ModelCard => validateCard(JSON.parse(readFileSync(join(models, family, version, 'card.json'), 'utf8')));
const modelFiles = (models: string, family: string, version = 'v0001') => readdirSync(join(models, family, version)).filter((f) => f !== 'card.json').sort();
/** A card without what differs between two trainings of the same model in one process: when, the code's dirty flag, tfjs's layer names, and the tuning. */
const comparable = (c: ModelCard) => {
  const x = structuredClone(c) as Partial<ModelCard> & { champion: ModelCard['champion']; dataset: ModelCard['dataset']; hyperParameters: Record<string, unknown> };
  delete x.createdAt;
  delete x.tuning;
  delete x.codeVersion;
  x.champion.decidedAt = null;
  if (x.dataset.kind === 'replay') x.dataset.codeVersion = '';
  delete x.hyperParameters.fitSeconds;
  // model.json's digest follows tfjs's layer numbering (see below); its bytes are compared apart.
  x.files = c.files.filter((f) => f.name !== 'model.json');
  return x;
};
const unnumbered = (b: Buffer) => b.toString('utf8').replace(/\b(sequential_|dense_Dense)\d+/g, '$1#');
/** Every file of a registry with its bytes' sha256: to show a failed command left it as it was. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p.slice(root.length)] = createHash('sha256').update(readFileSync(p)).digest('hex') + ` ${statSync(p).mtimeMs}`;
    }
  };
  walk(root);
  return out;
}

const DEFAULTS = join(dir, 'models-defaults');
const EXPLICIT = join(dir, 'models-explicit');

beforeAll(async () => {
  await initBackend('wasm');
  const scenario = loadScenario('default');
  // The risk (30-day world of seed 5), trajectory (seed 4) and pipeline (seeds 31-33, two days) data sets are
  // test/tiny-models.ts's, made once per run and copied here (its champions land in data/models, unused).
  await trainTinyModels(join(dir, 'data'), ['risk', 'rollback', 'retry']);
  const imp = await inProcess(['import', 'history', '--data', join(ROOT, 'examples', 'history-sample.csv'), '--out', data('history')]);
  expect(imp.code, imp.stderr).toBe(0);
  const run = backtest({ scenario, seed: 11, deployments: 40, policies: [], windowMinutes: 5 });
  await writeDataset({ outDir: data('windows'), tables: [windowsTable(run.windows)], manifest: { kind: 'backtest', scenario: 'default', seed: 11, codeVersion: 'test' } });
  // Every train command twice: with no hyper-parameter set, and with a config file stating the old values one by one.
  const explicit = join(dir, 'explicit.json');
  writeFileSync(explicit, JSON.stringify(OLD));
  for (const [family, args] of TRAIN) {
    for (const [models, extra] of [[DEFAULTS, []], [EXPLICIT, ['--config', explicit]]] as const) {
      const r = await train([...args, ...extra], models);
      expect(r.code, `${family}: ${r.stdout}`).toBe(0);
      expect(r.json.tuning.family).toBe(family);
    }
  }
}, 600_000);

describe('the defaults', () => {
  it('are the values the code used before, for every train command', () => {
    expect(HYPER_PARAM_FAMILIES).toEqual(Object.keys(OLD));
    for (const f of HYPER_PARAM_FAMILIES) expect(hyperParamDefaults(f), f).toEqual(OLD[f]);
  });

  it.each(TRAIN.map(([f]) => f))('%s: no flags give the model files and card that the old values stated one by one give, and the card records them', (family) => {
    expect(modelFiles(DEFAULTS, family)).toEqual(modelFiles(EXPLICIT, family));
    expect(modelFiles(DEFAULTS, family).length).toBeGreaterThan(0);
    for (const f of modelFiles(DEFAULTS, family)) {
      const [x, y] = [readFileSync(join(DEFAULTS, family, 'v0001', f)), readFileSync(join(EXPLICIT, family, 'v0001', f))];
      // model.json names its layers with tfjs's counter of the models built so far in this process (both arms run in
      // one process, one after the other): the same topology, weights and bytes up to that number.
      if (f === 'model.json') expect(unnumbered(y), `${family} ${f}`).toBe(unnumbered(x));
      else expect(x.equals(y), `${family} ${f}`).toBe(true);
    }
    const [a, b] = [card(DEFAULTS, family), card(EXPLICIT, family)];
    expect(comparable(a)).toEqual(comparable(b));
    expect(a.tuning).toEqual({ family, values: OLD[family], set: {} });
    expect(b.tuning).toEqual({ family, values: OLD[family], set: Object.fromEntries(Object.keys(OLD[family]).map((k) => [k, 'config'])) });
    // `tuning` is the card's last field: without it the card is laid out as before it was recorded.
    expect(Object.keys(a).slice(-5)).toEqual(['tuning', 'baselines', 'targets', 'files', 'champion']);
  });

  it("agree with what each model's own record says it was trained with", () => {
    const hp = (f: string) => card(DEFAULTS, f).hyperParameters as Record<string, unknown>;
    for (const f of ['risk', 'risk-history'] as const) for (const k of ['learningRate', 'maxEpochs', 'patience', 'l2', 'knots', 'select', 'refit', 'refitMinRowsPerWeight']) expect(hp(f)[k], `${f}.${k}`).toEqual(OLD[f][k]);
    expect(hp('judge').net).toEqual({ hidden: [64, 64], learningRate: 0.002, batchSize: 512, maxEpochs: 80, patience: 10, monotoneShare: 0.5 });
    expect(hp('judge').members).toBe(3);
    expect(hp('rollback')).toMatchObject({ hidden: '48x24', learningRate: 0.003, l2: 0.0001, batchSize: 1024, maxEpochs: 25, patience: 3, seed: 1, falseRollbackBudget: 0.005 });
    expect((hp('rollback').thresholds as { hold: number }).hold).toBe(0.5);
    expect(hp('retry')).toMatchObject({ epochs: 3, learningRate: 0.2, l2: 0.0001, seed: 1, maxWastedOnValidation: 0.05 });
    // The split descriptions are the ones the old constants printed.
    expect(card(DEFAULTS, 'rollback').split.description).toContain('first 60 % fit (every second tick), next 20 % early stopping');
    expect(card(DEFAULTS, 'judge').split.description).toContain('fit (70 %), validation (15 %');
    expect(card(DEFAULTS, 'retry').split.description).toMatch(/by world/);
  });
});

describe('a config file and flags', () => {
  const models = join(dir, 'models-tuned');
  let base: ModelCard;

  beforeAll(() => {
    // The risk model with no flags, v0001: the one trained into DEFAULTS above (training is seeded), copied to change.
    cpSync(join(DEFAULTS, 'risk'), join(models, 'risk'), { recursive: true });
    base = card(models, 'risk');
    expect(base.tuning).toEqual({ family: 'risk', values: OLD.risk, set: {} });
  });

  it('a config changes the trained model, and the card and the output record it', async () => {
    const cfg = join(dir, 'tune.yaml');
    writeFileSync(cfg, 'risk:\n  maxEpochs: 1\n  knots: 3\njudge:\n  members: 1\n');
    const r = await train(['train', 'risk', '--data', data('risk'), '--config', cfg], models);
    expect(r.code, r.stdout).toBe(0);
    expect(r.json.tuning).toEqual({ family: 'risk', values: { ...OLD.risk, maxEpochs: 1, knots: 3 }, set: { maxEpochs: 'config', knots: 'config' } });
    const c = card(models, 'risk', r.json.version);
    expect(c.tuning).toEqual(r.json.tuning);
    // The model itself: its options, its fit and its held-out metrics moved.
    expect(c.hyperParameters).toMatchObject({ maxEpochs: 1, knots: 3 });
    expect(c.metrics.logLoss).not.toBe(base.metrics.logLoss);
    expect(readFileSync(join(models, 'risk', r.json.version, 'gam.json'), 'utf8')).not.toBe(readFileSync(join(models, 'risk', 'v0001', 'gam.json'), 'utf8'));
    const text = await inProcess(['train', 'risk', '--data', data('risk'), '--config', cfg, '--models', models]);
    expect(text.stdout).toContain('hyper-parameters (risk): maxEpochs 1 (config), knots 3 (config); the rest at their defaults');
  });

  it('flags win over the config (--set and the per-parameter flags), and a validation share moves only the validation cut', async () => {
    const cfg = join(dir, 'tune2.json');
    writeFileSync(cfg, JSON.stringify({ risk: { maxEpochs: 1, patience: 7, validationShare: 0.3 } }));
    const r = await train(['train', 'risk', '--data', data('risk'), '--config', cfg, '--epochs', '2', '--set', 'patience=3', '--learning-rate', '0.01'], models);
    expect(r.code, r.stdout).toBe(0);
    const c = card(models, 'risk', r.json.version);
    expect(c.tuning!.values).toMatchObject({ maxEpochs: 2, patience: 3, learningRate: 0.01, validationShare: 0.3 });
    expect(c.tuning!.set).toEqual({ learningRate: 'flag', maxEpochs: 'flag', patience: 'flag', validationShare: 'config' });
    expect(c.hyperParameters).toMatchObject({ maxEpochs: 2, patience: 3, learningRate: 0.01 });
    // Fitting and validation rows change; the held-out rows (those the champion is compared on) do not.
    expect(c.split.rows.test).toBe(base.split.rows.test);
    expect(c.split.rows.validation).toBeGreaterThan(base.split.rows.validation!);
    expect(c.split.rows.train + c.split.rows.validation!).toBe(base.split.rows.train + base.split.rows.validation!);
    expect(c.split.description).toContain('early stopping + calibration');
  });

  it('models show and models diff print the tuned hyper-parameters and which changed', async () => {
    const show = await inProcess(['models', 'show', 'risk', 'v0002', '--models', models]);
    expect(show.stdout).toMatch(/tuned hyper-parameters \(risk; the defaults unless marked config, flag or caller\):\n {4}learningRate: 0\.05\n {4}maxEpochs: 1 \(config\)/);
    const diff = await inProcess(['models', 'diff', 'risk', 'v0001', 'v0002', '--models', models, '--json']);
    const j = JSON.parse(diff.stdout);
    expect(j.tuning).toEqual([
      { name: 'maxEpochs', a: 600, b: 1, setA: null, setB: 'config' },
      { name: 'knots', a: 5, b: 3, setA: null, setB: 'config' },
    ]);
    expect(j.tuningRecorded).toEqual({ a: true, b: true });
    const text = (await inProcess(['models', 'diff', 'risk', 'v0001', 'v0002', '--models', models])).stdout;
    expect(text).toContain('  tuned hyper-parameters: \n    maxEpochs: 600 → 1 (config)\n    knots: 5 → 3 (config)\n');
    const self = JSON.parse((await inProcess(['models', 'diff', 'risk', 'v0001', 'v0001', '--models', models, '--json'])).stdout);
    expect(self.tuning).toEqual([]);
  });

  it('the other families take them too: judge members and nets, rollback threshold rules, retry passes', async () => {
    const judge = await train(['train', 'judge', '--data', data('windows'), '--set', 'members=1', '--set', 'hidden=8', '--epochs', '3', '--seed', '5'], models);
    expect(judge.code, judge.stdout).toBe(0);
    const jc = card(models, 'judge', judge.json.version);
    expect(jc.tuning!.values).toMatchObject({ members: 1, hidden: [8], maxEpochs: 3, seed: 5 });
    expect(jc.seed).toBe(5);
    expect(jc.split.seed).toBe(5);
    expect(jc.hyperParameters).toMatchObject({ members: 1, net: { hidden: [8], maxEpochs: 3 } });
    expect(judge.json.members[0].epochs).toBeLessThanOrEqual(3);
    const rb = await train(['train', 'rollback', '--data', data('trajectories'), '--set', 'holdThreshold=0.7', '--set', 'trainStride=1', '--epochs', '2'], models);
    expect(rb.code, rb.stdout).toBe(0);
    const rc = card(models, 'rollback', rb.json.version);
    expect((rc.hyperParameters.thresholds as { hold: number }).hold).toBe(0.7);
    expect(rc.split.description).toContain('fit (every tick)');
    expect(rc.split.rows.train).toBeGreaterThan(card(DEFAULTS, 'rollback').split.rows.train);
    const rt = await train(['train', 'retry', '--data', [31, 32, 33].map((s) => data(`pipelines-${s}`)).join(','), '--epochs', '1', '--set', 'maxWastedRetries=0.2'], models);
    expect(rt.code, rt.stdout).toBe(0);
    const tc = card(models, 'retry', rt.json.version);
    expect(tc.hyperParameters).toMatchObject({ epochs: 1, maxWastedOnValidation: 0.2 });
    expect(readFileSync(join(models, 'retry', rt.json.version, 'retry.json')).equals(readFileSync(join(DEFAULTS, 'retry', 'v0001', 'retry.json')))).toBe(false);
  });
});

describe('bad hyper-parameters', () => {
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };

  it.each([
    ['a wrong type in the config', ['--config', 'type.yaml'], 'risk:\n  maxEpochs: x\n', 'config.risk.maxEpochs', /^config\.risk\.maxEpochs: must be an integer from 1 to 100000, got "x" \(.*type\.yaml\)$/],
    ['a value out of range', ['--config', 'range.json'], '{"risk": {"validationShare": 0.9}}', 'config.risk.validationShare', /config\.risk\.validationShare: must be a number > 0 and ≤ 0\.5, got 0\.9/],
    ['an unknown key', ['--config', 'key.yaml'], 'risk:\n  maxEpoch: 5\n', 'config.risk.maxEpoch', /unknown hyper-parameter of risk \(did you mean maxEpochs\?\)/],
    ['a flat file (no family section)', ['--config', 'flat.yaml'], 'maxEpochs: 5\n', 'config.maxEpochs', /config\.maxEpochs: not a model family section/],
    ['a bad key in another family\'s section', ['--config', 'other.yaml'], 'judge:\n  members: 0\n', 'config.judge.members', /config\.judge\.members: must be an integer from 1 to 20, got 0/],
    ['a --set out of range', ['--set', 'patience=0'], null, 'set.patience', /--set patience: must be an integer from 1 to 100000, got 0/],
    ['a --set of an unknown key', ['--set', 'epochs=3'], null, 'set.epochs', /--set epochs: unknown hyper-parameter of risk/],
    ['a --set that is not key=value', ['--set', 'patience'], null, 'set', /expected key=value/],
    ['--seed for the risk family', ['--seed', '3'], null, 'seed', /--seed: risk has no such hyper-parameter/],
    ['the same key twice', ['--set', 'maxEpochs=3', '--epochs', '4'], null, 'set.maxEpochs', /maxEpochs is given twice/],
    ['a config that is not YAML', ['--config', 'broken.yaml'], 'risk: [1\n', 'config', /is not valid YAML/],
    ['a missing config', ['--config', 'missing.yaml'], undefined, 'config', /does not exist/],
  ] as const)('%s: exit 2 with an error naming the key, the registry untouched', async (_, args, file, field, message) => {
    const argv = args.map((a) => (a.endsWith('.yaml') || a.endsWith('.json') ? (file === undefined ? join(dir, a) : write(a, file ?? '')) : a));
    const before = snapshot(DEFAULTS);
    const r = await inProcess(['train', 'risk', '--data', data('risk'), ...argv, '--models', DEFAULTS, '--json']);
    expect(r.code).toBe(2);
    const e = JSON.parse(r.stdout).error;
    expect(e.field).toBe(field);
    expect(e.message).toMatch(message);
    expect(snapshot(DEFAULTS)).toEqual(before);
    // A registry that does not exist yet is not created.
    const fresh = join(dir, 'never-created');
    expect((await inProcess(['train', 'risk', '--data', data('risk'), ...argv, '--models', fresh])).code).toBe(2);
    expect(existsSync(fresh)).toBe(false);
  });

  it('a bad --set for judge --replay names the judge-replay key before the recording is read', async () => {
    const r = await inProcess(['train', 'judge', '--replay', join(dir, 'no-such-recording.csv'), '--set', 'validationShare=0', '--models', DEFAULTS, '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'BAD_ARGUMENT', field: 'set.validationShare' });
  });
});

describe('resolveHyperParams (what a sweep calls)', () => {
  it('defaults < config < flags; a record of values as a sweep point; each key set once, in the schema order', () => {
    const config = { retry: { epochs: 5, l2: 0.001 }, risk: { knots: 2 } };
    expect(resolveHyperParams('retry')).toEqual({ family: 'retry', values: OLD.retry, set: {} });
    expect(resolveHyperParams('retry', config)).toEqual({ family: 'retry', values: { ...OLD.retry, epochs: 5, l2: 0.001 }, set: { epochs: 'config', l2: 'config' } });
    expect(resolveHyperParams('retry', config, ['epochs=7', 'seed=2'])).toEqual({ family: 'retry', values: { ...OLD.retry, epochs: 7, l2: 0.001, seed: 2 }, set: { seed: 'flag', epochs: 'flag', l2: 'config' } });
    expect(resolveHyperParams('judge', undefined, { hidden: [16, 8], learningRate: '0.01', augmentShared: 0 }).values).toMatchObject({ hidden: [16, 8], learningRate: 0.01, augmentShared: 0 });
    expect(resolveHyperParams('judge', undefined, ['hidden=[16, 8]']).values.hidden).toEqual([16, 8]);
    expect(resolveHyperParams('risk', undefined, ['refit=false', 'select=last']).values).toMatchObject({ refit: false, select: 'last' });
    // The result never shares the defaults' arrays.
    const a = resolveHyperParams('judge');
    a.values.hidden.push(1);
    expect(resolveHyperParams('judge').values.hidden).toEqual([64, 64]);
    expect(() => resolveHyperParams('judge', undefined, { members: 1.5 })).toThrow(/set\.members: must be an integer from 1 to 20, got 1\.5/);
    expect(() => resolveHyperParams('retry', undefined, ['l2=-1'])).toThrow(/--set l2: must be a number from 0 to 1, got -1/);
    expect(() => resolveHyperParams('nope' as HyperParamFamily)).toThrow(/no hyper-parameters for "nope"/);
  });

  it('the example config is valid and tunes every family', () => {
    const doc = parseYaml(readFileSync(join(ROOT, 'examples', 'hyper-params.yaml'), 'utf8'));
    expect(() => checkHyperParamConfig(doc)).not.toThrow();
    expect(Object.keys(doc).sort()).toEqual([...HYPER_PARAM_FAMILIES].sort());
  });

  it('docs/models.md lists every hyper-parameter of every folder with its default', () => {
    const docs = readFileSync(join(ROOT, 'docs', 'models.md'), 'utf8');
    const tuning = docs.slice(docs.indexOf('## Tuning'));
    expect(tuning.length).toBeLessThan(docs.length);
    for (const f of HYPER_PARAM_FAMILIES) {
      const section = tuning.slice(tuning.search(new RegExp(`^### .*\`${f}\``, 'm')));
      expect(section.length, f).toBeLessThan(tuning.length);
      const table = section.slice(0, section.indexOf('\n\n', section.indexOf('|')));
      const keys = Object.keys((HYPER_PARAM_SCHEMAS[f] as { properties: object }).properties);
      const rows = [...table.matchAll(/^\| `([A-Za-z0-9]+)` \| ([^|]+) \|/gm)].map((m) => [m[1], m[2].trim()]);
      expect(rows, f).toEqual(keys.map((k) => [k, hyperParamText(hyperParamDefaults(f)[k as never])]));
    }
  });
});

it('a library caller that sets options records them as set by the caller', async () => {
  const models = join(dir, 'models-caller');
  const r = await trainRisk(data('risk'), { registry: new ModelRegistry({ root: models }), gam: { maxEpochs: 1 } });
  expect(r.tuning).toEqual({ family: 'risk', values: { ...OLD.risk, maxEpochs: 1 }, set: { maxEpochs: 'caller' } });
  expect(card(models, 'risk').tuning).toEqual(r.tuning);
});
