// `train judge --replay` / `evaluate judge --replay`: the canary judge trained and evaluated on a team's recorded
// rollouts with an outcome label. A seeded recording with a real signal (bad canaries fail more requests and are
// slower) is split by deployment and time, both candidates (a judge from scratch, the simulated champion recalibrated)
// are fitted, the chosen one goes to the judge-replay registry folder — never replacing the served judge champion —
// and it beats chance on the newest deployments, with Kayenta's judge and the champion as is reported beside.
// Recordings it cannot learn from exit 2 naming the problem and write no model.
import { describe, it, expect, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../training/backend.ts';
import { ModelRegistry } from '../training/registry.ts';
import { validateCard } from '../training/card.ts';
import { loadJudge } from '../training/judge/family.ts';
import { fitJudge } from '../training/judge/fit.ts';
import { replayTimeSplit } from '../training/judge/replay.ts';
import { replayJudgeInput, timestampMs } from '../backtest/replay.ts';
import { inProcess } from './in-process.ts';
import { trainTinyModels } from './tiny-models.ts';
import { makeReplayTrainSample } from '../scripts/make-replay-train-sample.ts';

const EXAMPLES = join(import.meta.dirname, '..', 'examples');
const SAMPLE = join(EXAMPLES, 'replay-train-sample.csv');

let dir: string;
let models: string;
let championBefore: string;

const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const champion = (family: string) => JSON.parse(readFileSync(join(models, family, 'champion.json'), 'utf8')).version as string;

beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'rolloutlab-judge-replay-'));
  // A small simulated champion, the one the server's tests use (test/tiny-models.ts: 200 backtested deployments of
  // seed 11, one 32x32 member), trained once per run and copied here: the judge a team would recalibrate.
  models = await trainTinyModels(dir, ['judge']);
  championBefore = champion('judge');
}, 180_000);

describe('the labelled sample', () => {
  it('is exactly what scripts/make-replay-train-sample.ts generates', () => {
    expect(readFileSync(SAMPLE, 'utf8')).toBe(makeReplayTrainSample());
  });

  it('is split by time: the newest deployments are held out whatever the order of the rows', async () => {
    const a = await replayJudgeInput(SAMPLE);
    expect(a.order).toBe('timestamp');
    expect(a.windows.n).toBe(480);
    // The same rows, deployments in reverse order in the file: the timestamps still decide.
    const [head, ...rows] = readFileSync(SAMPLE, 'utf8').trimEnd().split('\n');
    const reversed = file('reversed.csv', [head, ...rows.reverse()].join('\n') + '\n');
    const b = await replayJudgeInput(reversed);
    const held = (x: typeof a) => {
      const s = replayTimeSplit(x, 'train');
      return [...new Set(s.heldOut.map((i) => x.windows.deployment[i]))].sort();
    };
    expect(held(b)).toEqual(held(a));
    const s = replayTimeSplit(a, 'train');
    expect([s.parts.fit.deployments, s.parts.validation.deployments, s.parts.heldOut.deployments]).toEqual([77, 19, 24]);
    expect(s.parts.fit.to! < s.parts.validation.from! && s.parts.validation.to! < s.parts.heldOut.from!).toBe(true);
    // Without timestamps, the file's order is the time order.
    const noTime = file('no-time.csv', [head, ...rows.reverse()].map((l) => l.split(',').map((c, k) => (k === 2 ? '' : c)).join(',')).join('\n') + '\n');
    const c = await replayJudgeInput(noTime);
    expect(c.order).toBe('file');
    expect(held(c)).toEqual(held(a));
  });
});

describe('the pieces', () => {
  it('reads a timestamp as a time where it can, and never fails on one', () => {
    expect(timestampMs('2026-09-01T09:00:00.000Z')).toBe(Date.UTC(2026, 8, 1, 9));
    expect(timestampMs('1788253200')).toBe(1788253200_000);
    expect(timestampMs('1788253200000')).toBe(1788253200_000);
    expect(timestampMs('yesterday, roughly')).toBeNull();
    expect(timestampMs(null)).toBeNull();
  });

  it('recalibrating keeps the champion\'s nets and standardisation and refits only Platt and the decision', async () => {
    const d = await replayJudgeInput(SAMPLE);
    const s = replayTimeSplit(d, 'train');
    const champ = await loadJudge(new ModelRegistry({ root: models }));
    const fit = await fitJudge([{ windows: d.windows, tag: d.sha256, windowsSha256: null, split: { train: s.fit, validation: s.validation, test: s.heldOut, description: s.description } }], { recalibrate: champ });
    const [a, b] = [champ.toJSON(), fit.model.toJSON()];
    expect(b.members).toEqual(a.members);
    expect(b.encoder).toEqual(a.encoder);
    expect(b.platt).not.toEqual(a.platt);
    expect(b.platt.a).toBeGreaterThan(0);
    expect(fit.members).toEqual([]);
    expect(fit.split.train).toEqual(s.fit);
    expect(fit.validation.windows).toBe(s.validation.length);
  });
});

describe('train judge --replay / evaluate judge --replay', () => {
  let trained: any;

  it('trains both candidates, registers the chosen one in judge-replay and beats chance on the newest deployments', async () => {
    const r = await inProcess(['train', 'judge', '--replay', SAMPLE, '--models', models, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    trained = JSON.parse(r.stdout);
    expect(trained.family).toBe('judge-replay');
    expect(trained.windows).toEqual({ labelled: 480, unlabelled: 0, deployments: 120 });
    expect(trained.split.heldOut).toHaveLength(96);
    // Both candidates were fitted and scored on the validation windows; the registered one is the better there.
    const [scratch, recal] = trained.candidates;
    expect(scratch.name).toBe('scratch');
    expect(recal.name).toBe('recalibrated');
    expect(recal.note).toBe(`from judge ${championBefore}`);
    expect(scratch.validation.windows).toBe(76);
    expect(recal.validation.windows).toBe(76);
    const chosen = trained.candidates.find((c: any) => c.name === trained.method);
    const other = trained.candidates.find((c: any) => c.name !== trained.method);
    expect(chosen.validation.accuracy).toBeGreaterThanOrEqual(other.validation.accuracy);
    // Held out: well above always answering the majority label, most bad windows caught, few let through.
    const { ml, kayenta, champion: asIs } = trained.heldOut;
    const h = ml.confusion;
    const fail = h.fail.pass + h.fail.fail + h.fail.inconclusive;
    const pass = h.pass.pass + h.pass.fail + h.pass.inconclusive;
    expect([fail, pass]).toEqual([trained.split.parts.heldOut.fail, trained.split.parts.heldOut.pass]);
    expect(ml.accuracy).toBeGreaterThan(Math.max(fail, pass) / (fail + pass) + 0.1);
    expect(ml.failRecall).toBeGreaterThan(0.7);
    expect(ml.falsePassRate).toBeLessThan(0.3);
    expect(ml.falsePassRate).toBe(h.fail.pass / fail);
    // Kayenta's judge and the simulated champion as is, on the very same windows.
    for (const s of [kayenta, asIs]) expect(s.windows).toBe(96);
    expect(trained.heldOut.championVersion).toBe(championBefore);
    expect(ml.accuracy).toBeGreaterThan(kayenta.accuracy);
    // Its own registry folder: the served champion is untouched.
    expect(champion('judge-replay')).toBe(trained.version);
    expect(champion('judge')).toBe(championBefore);
    expect(readdirSync(join(models, 'judge')).filter((x) => /^v\d+$/.test(x))).toEqual([championBefore]);
    const card = validateCard(JSON.parse(readFileSync(join(models, 'judge-replay', trained.version, 'card.json'), 'utf8')));
    expect(card.split.by).toBe('time');
    expect(card.dataset.kind).toBe('replay');
    expect(card.dataset.tables.replay.sha256).toBe(createHash('sha256').update(readFileSync(SAMPLE)).digest('hex'));
    expect(card.metrics.falsePassRate).toBe(ml.falsePassRate);
    expect(card.baselines.kayenta.accuracy).toBe(kayenta.accuracy);
    expect(card.hyperParameters.method).toBe(trained.method);
  }, 180_000);

  it('prints the candidates and the held-out table beside Kayenta without --json', async () => {
    const r = await inProcess(['evaluate', 'judge', '--replay', SAMPLE, '--models', models]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`judge-replay ${trained.version} on the 96 held-out windows`));
    expect(r.stdout).toMatch(/\n {2}kayenta +\d/);
    expect(r.stdout).toMatch(/false pass/);
  });

  it('evaluate scores the judge-replay champion on the same held-out windows', async () => {
    const r = await inProcess(['evaluate', 'judge', '--replay', SAMPLE, '--models', models, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.version).toBe(trained.version);
    expect(e.heldOut).toEqual(trained.split.parts.heldOut);
    expect(e.judges.ml).toEqual(trained.heldOut.ml);
    expect(e.judges.kayenta).toEqual(trained.heldOut.kayenta);
    expect(e.judges.champion).toEqual(trained.heldOut.champion);
    // A version by name, and one that does not exist.
    expect((await inProcess(['evaluate', 'judge', '--replay', SAMPLE, '--models', models, '--version', trained.version, '--json'])).code).toBe(0);
    const missing = await inProcess(['evaluate', 'judge', '--replay', SAMPLE, '--models', models, '--version', 'v0999', '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.code).toBe('NOT_FOUND');
  });
});

describe('recordings a judge cannot learn from exit 2 naming the problem and write no model', () => {
  const refused = async (name: string, path: string, pattern: RegExp, commands: ('train' | 'evaluate')[] = ['train', 'evaluate']) => {
    const root = join(dir, `models-${name}`);
    for (const cmd of commands) {
      const r = await inProcess([cmd, 'judge', '--replay', path, '--models', root, '--json']);
      expect(r.code, r.stdout).toBe(2);
      const err = JSON.parse(r.stdout).error;
      expect(err).toMatchObject({ code: 'BAD_DATA', field: 'label' });
      expect(err.message).toMatch(pattern);
    }
    expect(existsSync(join(root, 'judge-replay')) ? readdirSync(join(root, 'judge-replay')) : []).toEqual([]);
  };

  it('no labels', async () => {
    await refused('unlabelled', file('unlabelled.csv', makeReplayTrainSample({ deployments: 30, labels: false })), /no labelled windows in 30 deployment\(s\) \(120 windows without a label\).*label column/);
  });

  it('too few labelled windows (the three deployments of examples/replay-sample.csv)', async () => {
    await refused('few', join(EXAMPLES, 'replay-sample.csv'), /too few labelled windows: 16 in 3 deployment\(s\).*at least 50 labelled windows in 10 deployments/);
  });

  it('only one label', async () => {
    await refused('all-pass', file('all-pass.csv', makeReplayTrainSample({ deployments: 40, faultShare: 0 })), /the fitting part \(26 deployment\(s\), .*\) has only pass windows \(104\)/, ['train']);
    await refused('all-pass', file('all-pass.csv', makeReplayTrainSample({ deployments: 40, faultShare: 0 })), /the held-out part \(8 deployment\(s\), .*\) has only pass windows \(32\)/, ['evaluate']);
  });

  it('--replay is the judge family\'s; --data and --replay are one or the other', async () => {
    const rollback = await inProcess(['train', 'rollback', '--replay', SAMPLE, '--models', join(dir, 'models-x'), '--json']);
    expect(rollback.code).toBe(1);
    expect(JSON.parse(rollback.stdout).error).toMatchObject({ field: 'replay' });
    expect(JSON.parse(rollback.stdout).error.message).toMatch(/only the judge family learns from recorded rollouts .*per-minute truth/);
    const both = await inProcess(['train', 'judge', '--replay', SAMPLE, '--data', dir, '--json']);
    expect(both.code).toBe(1);
    expect(JSON.parse(both.stdout).error.field).toBe('replay');
    const neither = await inProcess(['train', 'judge', '--json']);
    expect(neither.code).toBe(1);
    expect(JSON.parse(neither.stdout).error).toMatchObject({ field: 'data' });
    expect(JSON.parse(neither.stdout).error.message).toMatch(/--data .* or --replay/);
    const interval = await inProcess(['evaluate', 'judge', '--interval', '3', '--json']);
    expect(interval.code).toBe(1);
    expect(JSON.parse(interval.stdout).error.field).toBe('interval');
    expect(existsSync(join(dir, 'models-x'))).toBe(false);
  });
});
