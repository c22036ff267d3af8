// `train risk` / `evaluate risk` on a team's own deployment history (`import history`): a seeded history with a
// real signal (bigger changes and irreversible migrations fail more often) is imported, trained on, registered
// under risk-history with a card that says what it was trained on and which features it lacks, and evaluated on its
// newest 20 %. Bad histories exit 2 naming the problem and leave no model behind.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Rng } from '../lib/rng.ts';
import { initBackend } from '../training/backend.ts';
import { ModelRegistry } from '../training/registry.ts';
import { validateCard } from '../training/card.ts';
import { historyRiskData } from '../training/risk/history.ts';
import { trainRiskHistory } from '../training/risk/history-family.ts';
import { inProcess } from './in-process.ts';
import { buildApp } from '../server/app.ts';
import { historySampleCsv } from '../scripts/make-history-sample.ts';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const SAMPLE = join(import.meta.dirname, '..', 'examples', 'history-sample.csv');

let dir: string;
const models = () => join(dir, 'models');

async function imported(name: string, csv: string): Promise<string> {
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, csv);
  const out = join(dir, name);
  const r = await inProcess(['import', 'history', '--data', file, '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  return out;
}

beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'rolloutlab-risk-history-'));
}, 60_000);

const readCard = (family: string, version: string) => validateCard(JSON.parse(readFileSync(join(models(), family, version, 'card.json'), 'utf8')));

describe('train risk / evaluate risk on an imported deployment history', () => {
  let data: string;
  let trained: any;

  it('the committed sample is exactly what scripts/make-history-sample.ts generates', () => {
    expect(readFileSync(SAMPLE, 'utf8')).toBe(historySampleCsv());
  });

  it('trains on the history with a time split and beats chance on the held-out part', async () => {
    data = await imported('last-quarter', historySampleCsv());
    const r = await inProcess(['train', 'risk', '--data', data, '--models', models(), '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    trained = JSON.parse(r.stdout);
    // 800 rows in start order: the oldest 640 train (their newest 128 validate), the newest 160 are held out.
    expect(trained.history.rows.train.n).toBe(512);
    expect(trained.history.rows.validation.n).toBe(128);
    expect(trained.history.rows.test.n).toBe(160);
    expect(trained.heldOut.n).toBe(160);
    expect(trained.history.periods.train.to < trained.history.periods.test.from).toBe(true);
    // The signal is real: well above chance on rows newer than every training row (0.5 = a coin).
    const m = trained.evaluation.model;
    expect(m.rocAuc).toBeGreaterThan(0.65);
    expect(m.prAuc).toBeGreaterThan(trained.history.rows.test.positiveRate + 0.1);
    for (const k of ['rocAuc', 'prAuc', 'brier', 'ece', 'logLoss']) expect(Number.isFinite(m[k])).toBe(true);
    expect(trained.evaluation.oracle).toBeNull();
  }, 120_000);

  it('registers it under risk-history (never the served risk family) with a card naming the data, label, split and missing features', async () => {
    expect(trained.history.family).toBe('risk-history');
    expect(trained.promotion).toMatchObject({ family: 'risk-history', candidate: 'v0001', promoted: true });
    expect(existsSync(join(models(), 'risk'))).toBe(false);
    const card = readCard('risk-history', 'v0001');
    expect(card.dataset.kind).toBe('imported');
    expect(card.dataset.tables.deployments_history.rows).toBe(800);
    const hp = card.hyperParameters as any;
    expect(hp.trainedOn).toMatchObject({ kind: 'imported', source: 'deployment-history', file: relative(models(), join(dir, 'last-quarter.csv')) });
    // No absolute path on the card: its paths are relative to the registry root.
    expect(JSON.stringify(card)).not.toContain(dir);
    expect(hp.label).toMatch(/^failed/);
    // Features the history gives: its change columns, the start-time features, the service's history from earlier rows.
    expect(hp.features).toEqual(['lines_added', 'files_changed', 'test_coverage', 'config_only', 'schema_migration', 'hours_since_last_deploy', 'service_recent_failure_rate', 'service_deploys_so_far', 'hour_sin', 'hour_cos', 'weekend']);
    const missing = Object.fromEntries((hp.missingFeatures as { name: string; reason: string; handling: string }[]).map((x) => [x.name, x.reason]));
    // Columns of the format the file left empty, and features the format has no column for.
    expect(missing).toMatchObject({ lines_deleted: 'no value in the history', author_experience: 'no value in the history', feature_flagged: 'no value in the history', tier: 'not in the history format', forecast_peak_load: 'not in the history format' });
    expect(Object.keys(missing).length + hp.features.length).toBe(28);
    expect((hp.missingFeatures as { handling: string }[]).every((x) => x.handling === 'dropped from the model')).toBe(true);
    // Empty coverage cells are imputed, and counted.
    expect(hp.imputedCells.rows.test_coverage).toBeGreaterThan(50);
    expect(hp.rows.test).toEqual(trained.history.rows.test);
    expect(card.split).toMatchObject({ by: 'time', rows: { train: 512, validation: 128, test: 160 } });
    expect(card.split.description).toMatch(/by started_at/);
    expect(card.metrics.rocAuc).toBe(trained.evaluation.model.rocAuc);
    expect(card.metrics.aucGapToOracle).toBeUndefined();
    expect(card.targets.find((t) => t.metric === 'aucGapToOracle')?.met).toBeNull();
    expect(card.notes).toMatch(/imported deployment history/);
    // The model itself holds only the features used.
    const gam = JSON.parse(readFileSync(join(models(), 'risk-history', 'v0001', 'gam.json'), 'utf8'));
    expect(gam.specs.map((s: { name: string }) => s.name)).toEqual(hp.features);
  });

  it('prints what it was trained on and what it lacks', async () => {
    const r = await inProcess(['train', 'risk', '--data', data, '--models', join(dir, 'models-text')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/risk-history v0001 trained in/);
    expect(r.stdout).toMatch(/imported deployment history/);
    expect(r.stdout).toMatch(/missing, dropped from the model \(17\): .*lines_deleted \(no value in the history\)/);
  }, 120_000);

  it('serve --model-folder risk-history: the server scores changes with the team\'s own model', async () => {
    const root = join(dir, 'models-text');
    const app = buildApp({ modelsRoot: root, modelFolders: { risk: 'risk-history' }, rateLimit: false });
    try {
      const status = (await app.inject({ method: 'GET', url: '/v1/status' })).json();
      expect(status.families.risk).toMatchObject({ loaded: true, version: 'v0001', folder: 'risk-history', error: null });
      expect(status.families.judge).toMatchObject({ loaded: false, folder: 'judge' });
      const features = (await app.inject({ method: 'GET', url: '/v1/risk/features' })).json();
      const names = features.features.map((f: { name: string }) => f.name);
      expect(names).toContain('lines_added');
      expect(names).not.toContain('lines_deleted'); // not in the history: dropped from the model, so not asked for
      const score = async (linesAdded: number) => {
        const r = await app.inject({ method: 'POST', url: '/v1/risk/score', payload: { features: { lines_added: linesAdded } } });
        expect(r.statusCode, r.body).toBe(200);
        return r.json();
      };
      const [small, big] = [await score(5), await score(3000)];
      expect(small.modelVersion).toBe('v0001');
      // The history's signal (bigger changes fail more often) is what the served model answers with.
      expect(big.probability).toBeGreaterThan(small.probability);
      expect(small.complete).toBe(false); // the other features were not given: imputed, and said so
      // The web page shows the card of the model served, from its own registry folder.
      const page = await app.inject({ method: 'GET', url: '/ui/models/risk' });
      expect(page.statusCode, page.body).toBe(200);
      expect(page.body).toContain('risk-history');
    } finally {
      await app.close();
    }
    // Without the flag the same registry has no simulated risk champion to serve: the route says so (503), never a guess.
    const plain = buildApp({ modelsRoot: root, rateLimit: false });
    try {
      expect((await plain.inject({ method: 'POST', url: '/v1/risk/score', payload: { features: { lines_added: 5 } } })).statusCode).toBe(503);
    } finally {
      await plain.close();
    }
  }, 60_000);

  it('serve --model-folder refuses a folder that is not one family\'s model on other data', async () => {
    expect(() => buildApp({ modelsRoot: join(dir, 'models-text'), modelFolders: { risk: 'judge-replay' } })).toThrow(/risk champion cannot be served from the registry folder "judge-replay"/);
    const r = await inProcess(['serve', '--models', join(dir, 'models-text'), '--model-folder', 'risk-histroy', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--model-folder: unknown registry folder "risk-histroy" \(expected one of risk-history, judge-replay\)/);
  });

  it('evaluate risk --data scores the risk-history champion on the same held-out part with the same metrics', async () => {
    const r = await inProcess(['evaluate', 'risk', '--data', data, '--models', models(), '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e).toMatchObject({ family: 'risk-history', version: 'v0001', n: 160, imputedFeatures: [] });
    for (const k of ['rocAuc', 'prAuc', 'brier', 'ece', 'logLoss']) expect(e.metrics[k]).toBeCloseTo(trained.evaluation.model[k], 12);
  });

  it('evaluates on a newer export of the same team: the champion scores its held-out part', async () => {
    const next = await imported('next-quarter', historySampleCsv({ n: 300, seed: 2, start: Date.UTC(2026, 9, 1) }));
    const r = await inProcess(['evaluate', 'risk', '--data', next, '--models', models(), '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const e = JSON.parse(r.stdout);
    expect(e.n).toBe(60);
    expect(e.metrics.rocAuc).toBeGreaterThan(0.6);
  });

  it('a second version competes with the risk-history champion on its own held-out rows', async () => {
    const r = await inProcess(['train', 'risk', '--data', data, '--models', models(), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout).promotion;
    // Same data, same deterministic fit: as good as the champion on the same 160 rows, so it is promoted (ties promote).
    expect(p).toMatchObject({ family: 'risk-history', candidate: 'v0002', previous: 'v0001', promoted: true });
    expect(p.reason).toMatch(/on the 160 held-out deployments of .*vs champion v0001/);
  }, 120_000);

  it('a history without signal stays near chance (the bar above can fail)', async () => {
    const noise = await imported('noise', historySampleCsv({ label: (_i, _p, rng) => rng.bernoulli(0.22) }));
    const r = await trainRiskHistory(noise, { registry: new ModelRegistry({ root: join(dir, 'models-noise') }) });
    expect(r.evaluation.model.rocAuc).toBeLessThan(0.62);
  }, 120_000);
});

describe('service history and time features from the rows', () => {
  it('derives earlier deployments, hours since the last one and the recent failure share from earlier rows only', async () => {
    const csv = historySampleCsv({ n: 120, seed: 3 });
    const data = await imported('derived', csv);
    const d = await historyRiskData(data);
    const rows = csv.trim().split('\n').slice(1).map((l) => l.split(','));
    // Row order = file order here (the generator's starts increase).
    expect(d.deploymentIds).toEqual(rows.map((r) => r[0]));
    const svc = rows.map((r) => r[1]);
    const i = svc.lastIndexOf('svc-3');
    const earlier = svc.slice(0, i).flatMap((s, k) => (s === 'svc-3' ? [k] : []));
    expect(d.cols.service_deploys_so_far[i]).toBe(earlier.length);
    const prev = earlier[earlier.length - 1];
    expect(d.cols.hours_since_last_deploy[i]).toBeCloseTo((Date.parse(rows[i][2]) - Date.parse(rows[prev][3])) / 3_600_000, 9);
    const last10 = earlier.slice(-10);
    expect(d.cols.service_recent_failure_rate[i]).toBeCloseTo((last10.filter((k) => rows[k][4] === '1').length + 0.3) / (last10.length + 2), 12);
    // A service's first row has no previous deployment: missing, imputed at the training median by the model.
    expect(Number.isNaN(d.cols.hours_since_last_deploy[svc.indexOf('svc-3')])).toBe(true);
    const t = new Date(rows[i][2]);
    expect(d.cols.hour_sin[i]).toBeCloseTo(Math.sin((2 * Math.PI * (t.getUTCHours() + t.getUTCMinutes() / 60)) / 24), 12);
    expect(d.cols.weekend[i]).toBe(t.getUTCDay() === 0 || t.getUTCDay() === 6 ? 1 : 0);
  });
});

describe('a history without lines_added', () => {
  it('trains without that feature and without the LApredict baseline, and says so', async () => {
    const csv = historySampleCsv({ n: 300, seed: 10 })
      .trim()
      .split('\n')
      .map((l) => l.split(',').filter((_, k) => k !== 5).join(','))
      .join('\n');
    expect(csv.split('\n')[0]).not.toMatch(/lines_added/);
    const data = await imported('no-lines', csv + '\n');
    const r = await trainRiskHistory(data, { registry: new ModelRegistry({ root: join(dir, 'models-no-lines') }) });
    expect(r.evaluation.lapredict).toBeNull();
    expect(r.history.features.used).not.toContain('lines_added');
    expect(r.history.features.missing).toContainEqual({ name: 'lines_added', reason: 'no value in the history', handling: 'dropped from the model' });
    const card = readCardAt(join(dir, 'models-no-lines'), r.version);
    expect(Object.keys(card.baselines)).toEqual(['logistic']);
  }, 120_000);
});

describe('feedback on a history model', () => {
  it('--with-feedback adds rows to the training part only: the held-out rows stay the same', async () => {
    const data = await imported('fb-history', historySampleCsv({ n: 400, seed: 4 }));
    const base = await trainRiskHistory(data, { registry: new ModelRegistry({ root: join(dir, 'models-fb') }) });
    // Feedback records as a deploy system sends them (the model's feature names; time features from startedAt).
    const rng = new Rng(9, 'feedback');
    const records = Array.from({ length: 40 }, (_, k) => {
      const la = Math.round(Math.exp(rng.normal() * 1.4 + 4));
      return {
        deploymentId: `fb-${k}`,
        outcome: rng.bernoulli(sigmoid(-3 + 0.55 * Math.log1p(la))) ? 'incident' : 'success',
        startedAt: new Date(Date.UTC(2026, 9, 1, k)).toISOString(),
        features: { lines_added: la, files_changed: 3, test_coverage: 0.5, config_only: false, schema_migration: 'none', hours_since_last_deploy: 12, service_recent_failure_rate: 0.2, service_deploys_so_far: 5, tier: 'api' },
      };
    });
    const file = join(dir, 'feedback.json');
    writeFileSync(file, JSON.stringify(records));
    const fb = await trainRiskHistory(data, { registry: new ModelRegistry({ root: join(dir, 'models-fb') }), feedback: { source: file } });
    expect(fb.feedback).toMatchObject({ used: 40, skipped: 0, ignoredFeatures: { tier: 40 } });
    expect(fb.heldOut).toEqual(base.heldOut);
    const card = readCardAt(join(dir, 'models-fb'), fb.version);
    expect(card.split.rows.train).toBe(readCardAt(join(dir, 'models-fb'), base.version).split.rows.train + 40);
    expect(card.feedback?.used).toBe(40);
  }, 120_000);
});

const readCardAt = (root: string, version: string) => validateCard(JSON.parse(readFileSync(join(root, 'risk-history', version, 'card.json'), 'utf8')));

describe('bad histories exit 2 naming the problem and write no model', () => {
  /** `commands`: evaluation needs only the held-out part to hold both kinds, so it refuses fewer histories. */
  const refused = async (name: string, csv: string, pattern: RegExp, field: string, commands: ('train' | 'evaluate')[] = ['train', 'evaluate']) => {
    const data = await imported(name, csv);
    const root = join(dir, `models-${name}`);
    for (const cmd of commands) {
      const r = await inProcess([cmd, 'risk', '--data', data, '--models', root, '--json']);
      expect(r.code, r.stdout).toBe(2);
      const err = JSON.parse(r.stdout).error;
      expect(err.code).toBe('BAD_DATA');
      expect(err.field).toBe(field);
      expect(err.message).toMatch(pattern);
    }
    // Nothing half-written: no version folder, no champion.
    expect(existsSync(join(root, 'risk-history')) ? readdirSync(join(root, 'risk-history')) : []).toEqual([]);
  };

  it('too few rows', async () => {
    await refused('tiny', historySampleCsv({ n: 40, seed: 5 }), /40 deployments are too few .*need at least 50/, 'deployments');
  });

  it('no failed deployment in the held-out part', async () => {
    await refused('no-fail-test', historySampleCsv({ n: 200, seed: 6, label: (i, p, rng) => i < 160 && rng.bernoulli(p) }), /held-out part .* has no failed deployment/, 'failed');
  });

  it('no successful deployment in the fitting part', async () => {
    await refused('all-fail-fit', historySampleCsv({ n: 200, seed: 7, label: (i, p, rng) => i < 128 || rng.bernoulli(p) }), /fitting part .* has no successful deployment/, 'failed', ['train']);
  });

  it('an imported data set that is not a deployment history', async () => {
    const out = join(dir, 'jit-mini');
    expect((await inProcess(['import', 'jit', '--data', join(import.meta.dirname, 'fixtures', 'importers', 'jit-mini.csv'), '--out', out])).code).toBe(0);
    for (const cmd of ['train', 'evaluate']) {
      const r = await inProcess([cmd, 'risk', '--data', out, '--models', join(dir, 'models-jit'), '--json']);
      expect(r.code).toBe(2);
      const err = JSON.parse(r.stdout).error;
      expect(err).toMatchObject({ code: 'BAD_DATA', field: 'kind' });
      expect(err.message).toMatch(/simulated data set .* or one imported deployment history .* got kind "imported" from "jit"/);
    }
    expect(existsSync(join(dir, 'models-jit', 'risk-history'))).toBe(false);
  });

  it('an imported history beside another data set', async () => {
    const a = await imported('pair-a', historySampleCsv({ n: 60, seed: 8 }));
    const b = await imported('pair-b', historySampleCsv({ n: 60, seed: 9 }));
    const r = await inProcess(['train', 'risk', '--data', `${a},${b}`, '--models', join(dir, 'models-pair'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/one imported history at a time/);
    expect(existsSync(join(dir, 'models-pair', 'risk-history'))).toBe(false);
  });
});
