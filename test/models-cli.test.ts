// `rolloutlab models list | show | diff | promote | rollback` through run(), on a registry with two risk versions
// trained on two small worlds (and a hand-made family whose card is an older one, with an absolute path): what they
// print, champion.json and history.jsonl after each move, and cards written by training holding no absolute path.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../training/backend.ts';
import { loadScenario, parseScenario, simulateWorld, worldToTables } from '../sim/index.ts';
import { writeDataset } from '../datasets/index.ts';
import { CHAMPION_FILE, HISTORY_FILE, ModelRegistry, readChampionPointerSync, type HistoryEntry } from '../training/registry.ts';
import { cardJson, datasetRef, validateCard } from '../training/card.ts';
import { trainRisk } from '../training/risk/family.ts';
import { trainRiskHistory } from '../training/risk/history-family.ts';
import { championSignature } from '../server/models.ts';
import { inProcess } from './in-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'rl-models-cli-'));
const models = join(dir, 'models');
const OLD_PATH = '/srv/old-clone/out/default-seed-1';

const history = (family: string): HistoryEntry[] =>
  readFileSync(join(models, family, HISTORY_FILE), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as HistoryEntry);
const champion = (family: string) => readChampionPointerSync(models, family)?.version ?? null;
const models_ = (...args: string[]) => inProcess(['models', ...args, '--models', models]);
const json = async (...args: string[]) => {
  const r = await models_(...args, '--json');
  return { ...r, json: JSON.parse(r.stdout) };
};

beforeAll(async () => {
  await initBackend('wasm');
  const scenario = loadScenario('default');
  const rs = parseScenario({ ...scenario, days: 30, dataset: { trafficResolutionMinutes: 60 } });
  const registry = new ModelRegistry({ root: models });
  for (const seed of [5, 6]) {
    const out = join(dir, 'data', `risk-${seed}`);
    await writeDataset({ outDir: out, tables: worldToTables(simulateWorld(rs, seed, undefined, { observations: false })), manifest: { kind: 'simulated', scenario: rs.name, seed, codeVersion: 'test', extra: { scenarioConfig: rs } } });
    await trainRisk(out, { registry });
  }
  // The risk family on an imported history, twice on the same rows: the same model, so the second ties and wins.
  const hist = join(dir, 'data', 'history');
  const imp = await inProcess(['import', 'history', '--data', join(import.meta.dirname, '..', 'examples', 'history-sample.csv'), '--out', hist]);
  expect(imp.code, imp.stderr).toBe(0);
  for (let i = 0; i < 2; i++) await trainRiskHistory(hist, { registry });
  // A family with no champion rule the command line can run, whose first card was written before paths were
  // relative: an absolute path, as older registries have them.
  const card = {
    createdAt: '2024-03-08T10:00:00.000Z',
    dataset: datasetRef({ kind: 'simulated', scenario: 'default', seed: 1, codeVersion: 'old', tables: { deployments: { rows: 10, sha256: 'b'.repeat(64) } } }),
    seed: 7,
    codeVersion: 'old',
    backend: { name: 'cpu' as const, version: '4.22.0' },
    hyperParameters: { knots: 5 },
    split: { by: 'time' as const, description: 'train < day 10 <= test', rows: { train: 8, test: 2 }, seed: null },
    metrics: { mase: 0.9 },
  };
  for (const mase of [0.9, 0.8]) {
    const saved = await registry.save('forecast', { card: { ...card, metrics: { mase } }, files: { 'f.json': `{"mase":${mase}}` } });
    if (saved.version === 'v0001') {
      writeFileSync(join(saved.dir, 'card.json'), cardJson(validateCard({ ...saved.card, dataset: { ...saved.card.dataset, path: OLD_PATH } })));
      await registry.promoteIfBetter('forecast', saved.version, { metric: 'mase', better: 'lower', candidate: { mase }, champion: {} });
    }
  }
}, 180_000);

describe('rolloutlab models', () => {
  it('cards written by training record the data set relative to the registry root, never an absolute path', () => {
    for (const v of ['v0001', 'v0002']) {
      const text = readFileSync(join(models, 'risk', v, 'card.json'), 'utf8');
      expect(text).not.toContain(dir);
      const card = validateCard(JSON.parse(text));
      expect(card.dataset.path).toBe(`../data/risk-${v === 'v0001' ? 5 : 6}`);
      expect((card.hyperParameters.datasets as { path: string }[])[0].path).toBe(card.dataset.path);
    }
    // Training's own champion decision names the data set the same way.
    expect(history('risk')[1].reason).toMatch(/held-out deployments of \.\.\/data\/risk-6:/);
  });

  it('list: every family, its versions with data set, headline metrics and targets, the champion marked', async () => {
    const r = await json('list');
    expect(r.code).toBe(0);
    expect(r.json.families.map((f: { family: string }) => f.family)).toEqual(['forecast', 'risk', 'risk-history']);
    const risk = r.json.families[1];
    expect(risk.champion).toBe('v0002');
    expect(risk.versions.map((v: { version: string; champion: boolean }) => [v.version, v.champion])).toEqual([['v0001', false], ['v0002', true]]);
    const card = validateCard(JSON.parse(readFileSync(join(models, 'risk', 'v0002', 'card.json'), 'utf8')));
    expect(risk.versions[1].metrics).toEqual({ rocAuc: card.metrics.rocAuc, brier: card.metrics.brier, ece: card.metrics.ece });
    expect(risk.versions[1].targets.met + risk.versions[1].targets.missed + risk.versions[1].targets.notMeasured).toBe(card.targets.length);
    expect(risk.versions[1].dataset).toMatchObject({ seed: 6, path: '../data/risk-6', resolvedPath: join(dir, 'data', 'risk-6') });
    const text = await models_('list');
    expect(text.stdout).toMatch(/risk: champion v0002/);
    expect(text.stdout).toMatch(/\* v0002 .*seed 6 \(\.\.\/data\/risk-6\)/);
    expect(text.stdout).toMatch(/ {3}v0001 /);
  });

  it('show: the champion by default, a version on request; an older card shows its absolute path as it is', async () => {
    const r = await json('show', 'risk');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ family: 'risk', version: 'v0002', champion: true, dataset: { path: '../data/risk-6', resolvedPath: join(dir, 'data', 'risk-6') } });
    const text = (await models_('show', 'risk', 'v0001')).stdout;
    expect(text).toMatch(/^risk v0001 \(champion is v0002\)/);
    expect(text).toMatch(/split by time: train \d+, validation \d+, test \d+/);
    expect(text).toMatch(/hyper-parameters:/);
    expect(text).toMatch(/ece +[\d.]+ +<= 0\.02 +(met|MISSED)/);
    expect(text).toMatch(/champion decision at training: promoted/);
    const old = await json('show', 'forecast', 'v0001');
    expect(old.json.dataset).toMatchObject({ path: OLD_PATH, resolvedPath: OLD_PATH });
  });

  it('diff: metrics with deltas, the data set and hyper-parameters that changed', async () => {
    const r = await json('diff', 'risk', 'v0001', 'v0002');
    expect(r.code).toBe(0);
    const [a, b] = ['v0001', 'v0002'].map((v) => validateCard(JSON.parse(readFileSync(join(models, 'risk', v, 'card.json'), 'utf8'))));
    const auc = r.json.metrics.find((m: { metric: string }) => m.metric === 'rocAuc');
    expect(auc).toEqual({ metric: 'rocAuc', a: a.metrics.rocAuc, b: b.metrics.rocAuc, delta: b.metrics.rocAuc - a.metrics.rocAuc });
    expect(r.json.dataset.same).toBe(false);
    expect(r.json.dataset.changed).toEqual(expect.arrayContaining([{ field: 'seed', a: 5, b: 6 }, { field: 'path', a: '../data/risk-5', b: '../data/risk-6' }]));
    expect(r.json.dataset.tables.find((t: { table: string }) => t.table === 'deployments')).toEqual({ table: 'deployments', a: a.dataset.tables.deployments, b: b.dataset.tables.deployments });
    expect(r.json.hyperParameters.map((h: { name: string }) => h.name)).toContain('datasets');
    expect(r.json.targets.length).toBe(a.targets.length);
    // The same version against itself: nothing changed.
    const self = await json('diff', 'risk', 'v0001', 'v0001');
    expect(self.json.metrics.every((m: { delta: number }) => m.delta === 0)).toBe(true);
    expect(self.json.hyperParameters).toEqual([]);
    expect(self.json.dataset).toMatchObject({ same: true, changed: [], tables: [] });
  });

  it('promote: the current champion is a no-op; the rule as training applies it, logged with who; the pointer file is replaced so the server reloads', async () => {
    const before = history('risk').length;
    const noop = await json('promote', 'risk', 'v0002', '--by', 'alice');
    expect(noop.code).toBe(0);
    expect(noop.json).toMatchObject({ promoted: false, noop: true, champion: 'v0002' });
    expect(history('risk').length).toBe(before);

    const sig = championSignature(models);
    const r = await json('promote', 'risk', 'v0001', '--by', 'alice', '--reason', 'check the older model');
    expect(r.code).toBe(0);
    // The risk rule: AUC at least the champion's and log loss at most, both on v0001's own held-out deployments.
    const m = /of \.\.\/data\/risk-5: AUC ([\d.]+) vs champion v0002 ([\d.]+), log loss ([\d.]+) vs ([\d.]+)$/.exec(r.json.reason);
    expect(m).not.toBeNull();
    const [aNew, aOld, lNew, lOld] = m!.slice(1).map(Number);
    expect(r.json.promoted).toBe(aNew >= aOld && lNew <= lOld);
    expect(champion('risk')).toBe(r.json.promoted ? 'v0001' : 'v0002');
    const last = history('risk').at(-1)!;
    expect(last).toMatchObject({ candidate: 'v0001', previous: 'v0002', decision: r.json.promoted ? 'promoted' : 'kept', by: 'alice', how: 'rule', note: 'check the older model', reason: r.json.reason });
    expect(championSignature(models) !== sig).toBe(r.json.promoted);
  });

  it('promote risk-history: the same rule on the newest rows of the history; a tie promotes, as in training', async () => {
    const text = readFileSync(join(models, 'risk-history', 'v0001', 'card.json'), 'utf8');
    expect(text).not.toContain(dir);
    expect(validateCard(JSON.parse(text)).dataset.path).toBe('../data/history');
    expect(champion('risk-history')).toBe('v0002');
    const r = await json('promote', 'risk-history', 'v0001', '--by', 'dave');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ promoted: true, champion: 'v0001', previous: 'v0002', how: 'rule' });
    expect(r.json.reason).toMatch(/^on the 160 held-out deployments of \.\.\/data\/history: AUC (\S+) vs champion v0002 \1, log loss (\S+) vs \2$/);
    expect(champion('risk-history')).toBe('v0001');
    expect(history('risk-history').at(-1)).toMatchObject({ candidate: 'v0001', previous: 'v0002', decision: 'promoted', by: 'dave', how: 'rule' });
  });

  it('promote --force --reason: by hand, atomically, logged; --force without a reason is refused', async () => {
    const noReason = await json('promote', 'risk', 'v0002', '--force');
    expect(noReason.code).toBe(1);
    expect(noReason.json.error.field).toBe('reason');
    // Whatever the rule decided, make v0001 the champion by hand, then v0002 again.
    if (champion('risk') === 'v0002') expect((await models_('promote', 'risk', 'v0001', '--force', '--reason', 'setup', '--by', 'alice')).code).toBe(0);
    const sig = championSignature(models);
    const r = await models_('promote', 'risk', 'v0002', '--force', '--reason', 'v0001 over-scores the api tier', '--by', 'bob');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/risk v0002 is now the champion \(was v0001; by hand, by bob\)/);
    expect(championSignature(models)).not.toBe(sig);
    const ptr = readChampionPointerSync(models, 'risk')!;
    expect(ptr).toMatchObject({ family: 'risk', version: 'v0002', reason: 'promoted by hand by bob: v0001 over-scores the api tier' });
    expect(history('risk').at(-1)).toMatchObject({ at: ptr.since, candidate: 'v0002', previous: 'v0001', decision: 'promoted', by: 'bob', how: 'manual', reason: 'v0001 over-scores the api tier' });
    // Written aside and renamed: no temp file is left beside the pointer.
    expect(readdirSync(join(models, 'risk')).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('rollback: back to the champion before the current one, logged; again and again until the first', async () => {
    // The champions so far, each rollback taking the last off: ... v0001 → v0002 (by hand).
    const r = await json('rollback', 'risk', '--reason', 'alerts after the switch', '--by', 'carol');
    expect(r.code).toBe(0);
    expect(r.json).toMatchObject({ previous: 'v0002', champion: 'v0001', promoted: true });
    expect(champion('risk')).toBe('v0001');
    expect(history('risk').at(-1)).toMatchObject({ candidate: 'v0001', previous: 'v0002', how: 'rollback', by: 'carol', reason: 'alerts after the switch' });
    // Walk back until the first champion; the next rollback has nowhere to go.
    for (let i = 0; i < 10 && champion('risk') !== null; i++) {
      const step = await json('rollback', 'risk', '--by', 'carol');
      if (step.code !== 0) {
        expect(step.code).toBe(2);
        expect(step.json.error).toMatchObject({ code: 'NOT_FOUND', field: 'family' });
        expect(step.json.error.message).toMatch(/is the first/);
        break;
      }
      expect(history('risk').at(-1)).toMatchObject({ how: 'rollback', reason: 'no reason given' });
    }
    // The first champion training made is where the walk ends.
    expect(champion('risk')).toBe('v0001');
  });

  it('bad input: unknown family or version exits 2 naming the argument; a version without a card is a clear error; a family without a rule needs --force', async () => {
    const fam = await json('show', 'riskk');
    expect(fam.code).toBe(2);
    expect(fam.json.error).toMatchObject({ code: 'NOT_FOUND', field: 'family' });
    expect(fam.json.error.message).toMatch(/unknown model family "riskk".*families: forecast, risk/);
    expect((await json('promote', 'nope', 'v0001', '--force', '--reason', 'x')).json.error.field).toBe('family');
    const ver = await json('show', 'risk', 'v0009');
    expect(ver.code).toBe(2);
    expect(ver.json.error).toMatchObject({ code: 'NOT_FOUND', field: 'version' });
    expect((await json('diff', 'risk', 'v0001', 'v0042')).json.error).toMatchObject({ code: 'NOT_FOUND', field: 'b' });
    expect((await json('diff', 'risk', 'one', 'v0002')).json.error).toMatchObject({ code: 'BAD_ARGUMENT', field: 'a' });
    mkdirSync(join(models, 'risk', 'v0003'));
    const noCard = await json('promote', 'risk', 'v0003', '--force', '--reason', 'x');
    expect(noCard.code).toBe(2);
    expect(noCard.json.error).toMatchObject({ code: 'BAD_DATA', field: 'version' });
    expect(noCard.json.error.message).toMatch(/v0003 has no card\.json/);
    expect((await json('list')).json.families[1].incomplete).toEqual(['v0003']);
    // A version whose files no longer match its card is never made the champion, not even by hand.
    const before = readFileSync(join(models, 'forecast', CHAMPION_FILE), 'utf8');
    writeFileSync(join(models, 'forecast', 'v0002', 'f.json'), '{"mase":0.1}');
    const corrupt = await json('promote', 'forecast', 'v0002', '--force', '--reason', 'x');
    expect(corrupt.code).toBe(2);
    expect(corrupt.json.error).toMatchObject({ code: 'BAD_DATA', field: 'files.f.json' });
    expect(readFileSync(join(models, 'forecast', CHAMPION_FILE), 'utf8')).toBe(before);
    const rule = await json('promote', 'forecast', 'v0002');
    expect(rule.code).toBe(2);
    expect(rule.json.error).toMatchObject({ field: 'force' });
    expect(readFileSync(join(models, 'forecast', CHAMPION_FILE), 'utf8')).toBe(before);
  });
});
