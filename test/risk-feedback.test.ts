// `rolloutlab train risk --with-feedback <source>`: outcome feedback (datasets/feedback.ts's DuckDB store, a running
// server's GET /v1/feedback, or a JSON / JSONL export) joins the training part only. The held-out rows stay exactly
// the same, the card records the feedback, unusable records are skipped with their reasons, and the feedback file
// is never written.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { inProcess } from './in-process.ts';
import { initBackend } from '../training/backend.ts';
import { loadScenario, parseScenario, simulateWorld, worldToTables } from '../sim/index.ts';
import { writeDataset } from '../datasets/index.ts';
import { ModelRegistry, cardPath, resolveCardPath } from '../training/registry.ts';
import { validateCard } from '../training/card.ts';
import { trainRisk, type RiskTrainResult } from '../training/risk/family.ts';
import { riskDataFromWorld } from '../training/risk/world.ts';
import { SIM_RISK_SPECS } from '../training/risk/sim.ts';
import { feedbackFailed, feedbackRows, readFeedbackSource } from '../training/risk/feedback.ts';
import { FeedbackStore } from '../datasets/feedback.ts';
import { buildApp } from '../server/app.ts';
import type { FeedbackBody } from '../server/schemas.ts';

const ROOT = resolve(import.meta.dirname, '..');
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const FAST = { maxEpochs: 40, patience: 10 };

let dir: string;
let dataDir: string;
let fbFile: string;
let bodies: FeedbackBody[];
let app: ReturnType<typeof buildApp> | null = null;

beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'rolloutlab-risk-feedback-'));
  dataDir = join(dir, 'data');
  const s = parseScenario({ ...loadScenario('default'), days: 30, dataset: { trafficResolutionMinutes: 60 } });
  const world = simulateWorld(s, 5, undefined, { observations: false });
  await writeDataset({ outDir: dataDir, tables: worldToTables(world), manifest: { kind: 'simulated', scenario: s.name, seed: 5, codeVersion: 'test', extra: { scenarioConfig: s } } });
  // Feedback: deployments of another world, with their features as a deploy system would send them (categories as
  // level indices or names, binaries 0 / 1 or booleans: every other record each way), the time features derived from
  // startedAt.
  const other = riskDataFromWorld(simulateWorld(parseScenario({ ...loadScenario('default'), days: 12 }), 9, undefined, { observations: false }), { trafficResolutionMinutes: 60 });
  bodies = [];
  for (let i = 0; i < other.n && bodies.length < 60; i++) {
    const features: Record<string, number | boolean | string> = {};
    for (const sp of SIM_RISK_SPECS) {
      if (['hour_sin', 'hour_cos', 'weekend'].includes(sp.name)) continue;
      const v = Number.isNaN(other.cols[sp.name][i]) ? 1 : other.cols[sp.name][i];
      features[sp.name] = bodies.length % 2 === 0 ? v : sp.kind === 'category' ? sp.levels[v] : sp.kind === 'binary' ? v === 1 : v;
    }
    const failed = other.labels[i] === 1;
    bodies.push({ deploymentId: `fb-${i}`, service: 'svc', outcome: failed ? (i % 2 ? 'incident' : 'rolled_back') : 'success', breached: failed, startedAt: new Date(other.startedAt[i]).toISOString(), features });
  }
  // One record without test_coverage, one with an unknown extra feature (used, extra ignored), one success that breached the SLO.
  const { test_coverage: _, ...noCoverage } = bodies[0].features!;
  bodies.push({ deploymentId: 'fb-missing', service: 'svc', outcome: 'success', startedAt: '2026-03-01T09:00:00Z', features: noCoverage });
  bodies.push({ deploymentId: 'fb-extra', service: 'svc', outcome: 'success', startedAt: '2026-03-01T10:30:00Z', features: { ...bodies[1].features, pr_reviewers: 2 } });
  bodies.push({ deploymentId: 'fb-breach', service: 'svc', outcome: 'success', breached: true, startedAt: '2026-03-02T10:30:00Z', features: bodies[2].features });
  fbFile = join(dir, 'feedback.duckdb');
  const store = await FeedbackStore.open(fbFile);
  for (const [k, b] of bodies.entries()) await store.put(b, new Date(Date.UTC(2026, 5, 1) + k * 1000));
  // An upsert: the corrected outcome replaces the first one.
  await store.put({ ...bodies[3], outcome: 'incident', breached: true }, new Date(Date.UTC(2026, 5, 2)));
  await store.close();
}, 60_000);

afterAll(async () => {
  await app?.close();
});

describe('train risk --with-feedback', () => {
  let base: RiskTrainResult;
  let withFb: RiskTrainResult;
  let registry: ModelRegistry;

  it('feedback joins the training part only: same held-out rows, the card records it, the file is untouched', async () => {
    const before = sha(fbFile);
    registry = new ModelRegistry({ root: join(dir, 'models') });
    base = await trainRisk(dataDir, { registry, gam: FAST });
    withFb = await trainRisk(dataDir, { registry, gam: FAST, feedback: { source: fbFile } });
    expect(sha(fbFile)).toBe(before);

    // Same held-out part: same rows, same count, same hash; the fitting part grew by the rows used.
    expect(withFb.heldOut).toEqual(base.heldOut);
    const [c0, c1] = [validateCard(await registry.readCard('risk', base.version)), validateCard(await registry.readCard('risk', withFb.version))];
    expect(c1.split.rows.test).toBe(c0.split.rows.test);
    expect(c1.split.rows.validation).toBe(c0.split.rows.validation);
    expect(c1.split.rows.train).toBe(c0.split.rows.train + bodies.length - 1);
    expect(c1.split.description).toMatch(/appended to the fitting part only/);
    expect(c0.feedback).toBeUndefined();

    // 63 stored records (the upsert kept one for fb-3): all but fb-missing used.
    const fb = withFb.feedback!;
    expect(fb).toMatchObject({ source: fbFile, kind: 'duckdb', records: bodies.length, used: bodies.length - 1, skipped: 1, duplicates: 0, weight: 1 });
    expect(fb.skippedReasons).toEqual({ invalid_record: 0, missing_features: 1, invalid_values: 0 });
    expect(fb.missingFeatures).toEqual({ test_coverage: 1 });
    expect(fb.ignoredFeatures).toEqual({ pr_reviewers: 1 });
    expect(fb.examples).toEqual([{ deploymentId: 'fb-missing', reason: 'missing_features', detail: 'missing feature test_coverage' }]);
    const expectedPositives = bodies.filter((b) => b.deploymentId !== 'fb-missing').filter((b) => (b.deploymentId === 'fb-3' ? true : feedbackFailed(b.outcome, b.breached))).length;
    expect(fb.positives).toBe(expectedPositives);
    // The card records the file relative to the registry root (cards travel with the registry); it resolves back to the file.
    expect(resolveCardPath(registry.root, c1.feedback!.source)).toBe(fbFile);
    expect(c1.feedback).toEqual({ source: cardPath(registry.root, fbFile), kind: 'duckdb', records: fb.records, used: fb.used, skipped: 1, skippedReasons: fb.skippedReasons, missingFeatures: { test_coverage: 1 }, positives: fb.positives, weight: 1, sha256: fb.sha256 });
    expect(c1.notes).toMatch(/outcome-feedback rows/);
    // Feedback changes the model (the fit) but not what it is judged on.
    expect(withFb.evaluation.model.rocAuc).not.toBe(base.evaluation.model.rocAuc);
    expect(base.feedback).toBeNull();
  }, 60_000);

  it('the weight repeats rows in the fitting part; --strict fails on the unusable record', async () => {
    const r = await trainRisk(dataDir, { registry, gam: FAST, feedback: { source: fbFile, weight: 3 } });
    const card = validateCard(await registry.readCard('risk', r.version));
    expect(card.split.rows.train).toBe(validateCard(await registry.readCard('risk', base.version)).split.rows.train + 3 * withFb.feedback!.used);
    expect(r.heldOut).toEqual(base.heldOut);
    expect(card.feedback!.weight).toBe(3);
    expect(card.feedback!.sha256).toBe(withFb.feedback!.sha256);
    await expect(trainRisk(dataDir, { registry, feedback: { source: fbFile, strict: true } })).rejects.toThrow(/--strict: record "fb-missing": missing feature test_coverage/);
    await expect(trainRisk(dataDir, { registry, feedback: { source: fbFile, weight: 0.5 } })).rejects.toThrow(/--feedback-weight must be a whole number/);
  }, 60_000);

  it('a running server’s URL gives the same rows as its file (the copy it holds)', async () => {
    const served = join(dir, 'served.duckdb');
    copyFileSync(fbFile, served);
    app = buildApp({ modelsRoot: join(dir, 'no-models'), feedbackPath: served, logger: false, rateLimit: false, token: 't' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const fromUrl = await readFeedbackSource(url, { token: 't' });
    expect(fromUrl.kind).toBe('url');
    expect(fromUrl.records.length).toBe(bodies.length);
    const fromFile = await readFeedbackSource(fbFile);
    expect(feedbackRows(fromUrl.records, SIM_RISK_SPECS).sha256).toBe(feedbackRows(fromFile.records, SIM_RISK_SPECS).sha256);
    expect((await readFeedbackSource(`${url}/v1/feedback`, { token: 't' })).records.length).toBe(bodies.length);
    // Training from the URL: the same rows as from the file.
    const r = await trainRisk(dataDir, { registry, gam: FAST, feedback: { source: url, token: 't' } });
    expect(r.feedback).toMatchObject({ kind: 'url', used: withFb.feedback!.used, sha256: withFb.feedback!.sha256 });
    expect(r.heldOut).toEqual(base.heldOut);
  }, 60_000);

  it('JSON and JSONL exports: nulls, NaN and bad records are skipped, duplicates keep the latest', async () => {
    const fromFile = await readFeedbackSource(fbFile);
    const good = feedbackRows(fromFile.records, SIM_RISK_SPECS);
    // The file's records come in GET /v1/feedback's shape (ISO times), the shape of a JSON export.
    const records = fromFile.records;
    const f0 = records[0].features as Record<string, number>;
    const extra = [
      { deploymentId: 'js-null', service: 's', outcome: 'success', startedAt: '2026-03-03T00:00:00Z', features: { ...f0, lines_added: null } },
      { deploymentId: 'js-level', service: 's', outcome: 'success', startedAt: '2026-03-03T00:00:00Z', features: { ...f0, tier: 99 } },
      { deploymentId: 'js-outcome', service: 's', outcome: 'fine', features: f0 },
      { service: 's', outcome: 'success', features: f0 },
      // Duplicate of js-dup: the later receivedAt wins (rolled_back).
      { deploymentId: 'js-dup', service: 's', outcome: 'rolled_back', startedAt: '2026-03-04T00:00:00Z', receivedAt: '2026-06-03T00:00:00Z', features: f0 },
      { deploymentId: 'js-dup', service: 's', outcome: 'success', startedAt: '2026-03-04T00:00:00Z', receivedAt: '2026-06-02T00:00:00Z', features: f0 },
    ];
    const json = join(dir, 'export.json');
    writeFileSync(json, JSON.stringify({ count: records.length + extra.length, records: [...records, ...extra] }));
    const jsonl = join(dir, 'export.jsonl');
    writeFileSync(jsonl, [...records, ...extra].map((r) => JSON.stringify(r)).join('\n') + '\n');
    // A hand-made file may say NaN / Infinity in other ways; JSON cannot carry them, so they arrive as null or strings.
    for (const file of [json, jsonl]) {
      const src = await readFeedbackSource(file);
      expect(src.kind).toBe(file === json ? 'json' : 'jsonl');
      const rows = feedbackRows(src.records, SIM_RISK_SPECS);
      expect(rows.n).toBe(good.n + 1); // js-dup
      expect(rows.duplicates).toBe(1);
      expect(rows.skippedReasons).toEqual({ invalid_record: 2, missing_features: 1, invalid_values: 2 });
      expect(rows.invalidFeatures).toEqual({ lines_added: 1, tier: 1 });
      const k = rows.deploymentIds.indexOf('js-dup');
      expect(rows.labels[k]).toBe(1);
      expect(rows.n + rows.skipped + rows.duplicates).toBe(src.records.length);
    }
    // The order of the source does not matter.
    const shuffled = [...records].reverse();
    expect(feedbackRows(shuffled, SIM_RISK_SPECS).sha256).toBe(good.sha256);
    // NaN / Infinity in memory (e.g. a JS caller): unusable values, no crash.
    const weird = feedbackRows([{ deploymentId: 'x', outcome: 'success', startedAt: '2026-03-01T09:00:00Z', features: { ...f0, entropy: NaN, lines_added: Infinity } }], SIM_RISK_SPECS);
    expect(weird.n).toBe(0);
    expect(weird.invalidFeatures).toEqual({ entropy: 1, lines_added: 1 });
  });

  it('the file held by another process fails with a clear message; other families refuse --with-feedback', async () => {
    const held = join(dir, 'held.duckdb');
    copyFileSync(fbFile, held);
    const reader = join(dir, 'read.mts');
    writeFileSync(reader, `import { readFeedbackSource } from ${JSON.stringify(join(ROOT, 'training/risk/feedback.ts'))};
readFeedbackSource(${JSON.stringify(held)}).then(() => console.log('opened'), (e) => console.log(e.message));\n`);
    const holder = join(dir, 'hold.mts');
    writeFileSync(holder, `import { spawnSync } from 'node:child_process';
import { FeedbackStore } from ${JSON.stringify(join(ROOT, 'datasets/feedback.ts'))};
const s = await FeedbackStore.open(${JSON.stringify(held)});
const r = spawnSync(process.execPath, ['--import', 'tsx', ${JSON.stringify(reader)}], { encoding: 'utf8' });
console.log(r.stdout.trim() || r.stderr);
await s.close();\n`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', holder], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).toMatch(/is held by another process .*Use the server's URL instead .*or copy the file/);
    expect(sha(held)).toBe(sha(fbFile));

    // The refusal is the command's, not the process's: run in this process.
    const cli = await inProcess(['train', 'judge', '--data', dataDir, '--with-feedback', fbFile]);
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/recorded outcomes are used by the risk and retry families only/);
  }, 60_000);
});
