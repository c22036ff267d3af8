// `rolloutlab report`: one self-contained HTML page from a small backtest, a tiny registry and a drill — the sections
// each kind promises, every chart a real SVG with marks, no script and nothing fetched, the same bytes twice — the
// timelines simulated again equal to the rows the backtest recorded, the card's curve points, the drill's trace, and
// bad input named by its argument.
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inProcess } from './in-process.ts';
import { initBackend } from '../training/backend.ts';
import { loadScenario, parseScenario, simulateWorld, worldToTables } from '../sim/index.ts';
import { writeDataset } from '../datasets/index.ts';
import { ModelRegistry } from '../training/registry.ts';
import { datasetRef, validateCard } from '../training/card.ts';
import { trainRisk } from '../training/risk/family.ts';
import { classifierCurves, rocAuc } from '../training/metrics.ts';
import { runDrill } from '../backtest/drill.ts';
import { backtest } from '../backtest/run.ts';
import { replayTimelines } from '../backtest/timeline.ts';
import { resolvePolicies, BASELINE_POLICIES } from '../policies/index.ts';
import { scenarioStrategy } from '../sim/strategy.ts';
import { markCount } from '../report/charts.ts';
import { writeMainReport, type ReportPart } from '../report/index.ts';
import { runInWorkers } from '../cli/main-job-workers.ts';

const dir = mkdtempSync(join(tmpdir(), 'rl-report-'));
const bt = join(dir, 'backtest');
const models = join(dir, 'models');
const drill = join(dir, 'drill');
const POLICIES = ['none', 'argo', 'flagger', 'kayenta', 'oracle'];

const report = async (...args: string[]) => inProcess(['report', ...args]);
const json = async (...args: string[]) => {
  const r = await report(...args, '--json');
  return { ...r, json: JSON.parse(r.stdout) };
};
const svgs = (html: string) => [...html.matchAll(/<svg\b[\s\S]*?<\/svg>/g)].map((m) => m[0]);
const section = (html: string, id: string) => {
  const m = new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html);
  if (!m) throw new Error(`no section ${id}`);
  return m[1];
};

/** The backtest's report, made once for the tests that read it (each can run alone). */
let made: Promise<{ code: number; stderr: string; json: Record<string, unknown>; html: string }> | null = null;
const backtestReport = () =>
  (made ??= json(bt, '--out', join(dir, 'bt.html')).then((r) => ({ ...r, html: r.code === 0 ? readFileSync(join(dir, 'bt.html'), 'utf8') : '' })));

/** What every report must be: self-contained, script-free, every chart drawn. */
function expectSelfContained(html: string): void {
  expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/\son[a-z]+=/i);
  // No asset fetched from elsewhere (the SVG namespaces are names, not fetches).
  expect(html).not.toMatch(/(src|href)\s*=\s*["']?(https?:)?\/\//i);
  expect(html).not.toMatch(/url\(\s*["']?(https?:)?\/\//i);
  expect(html).not.toMatch(/<link\b|@import|<iframe|<img\b/i);
  // Every chart draws data marks (bars, points, lines, rules), not only axes and titles.
  for (const svg of svgs(html)) expect(markCount(svg)).toBeGreaterThan(0);
}

beforeAll(async () => {
  // A small backtest of the baseline policies, written as `backtest --out` writes it.
  const b = await inProcess(['backtest', '--deployments', '150', '--policies', POLICIES.join(','), '--out', bt]);
  expect(b.code, b.stderr).toBe(0);
  // A tiny registry: the risk family trained once on a 30-day world (its card stores curve points), and a family saved
  // by hand with two versions and no curve points (an older card).
  await initBackend('wasm');
  const registry = new ModelRegistry({ root: models });
  const rs = parseScenario({ ...loadScenario('default'), days: 30, dataset: { trafficResolutionMinutes: 60 } });
  const rd = join(dir, 'risk-5');
  await writeDataset({ outDir: rd, tables: worldToTables(simulateWorld(rs, 5, undefined, { observations: false })), manifest: { kind: 'simulated', scenario: rs.name, seed: 5, codeVersion: 'test', extra: { scenarioConfig: rs } } });
  await trainRisk(rd, { registry });
  const card = {
    createdAt: '2024-03-08T10:00:00.000Z',
    dataset: datasetRef({ kind: 'simulated', scenario: 'default', seed: 1, codeVersion: 'old', tables: { deployments: { rows: 10, sha256: 'b'.repeat(64) } } }),
    seed: 7,
    codeVersion: 'old',
    backend: { name: 'cpu' as const, version: '4.22.0' },
    hyperParameters: {},
    split: { by: 'time' as const, description: 'train < day 10 <= test', rows: { train: 8, test: 2 }, seed: null },
  };
  for (const mase of [0.9, 1.2]) {
    const saved = await registry.save('forecast', { card: { ...card, metrics: { mase } }, files: { 'f.json': `{"mase":${mase}}` } });
    await registry.promoteIfBetter('forecast', saved.version, { metric: 'mase', better: 'lower', candidate: { mase }, champion: { mase: 1 } });
  }
  // A drill of 60 deployments, written as `drill --out` writes it.
  const d = await inProcess(['drill', '--deployments', '60', '--out', drill]);
  expect(d.code, d.stderr).toBe(0);
}, 240_000);

describe('rolloutlab report <backtest>', () => {
  it('draws which policy wins and why: the sections, a real chart each, the policy names, no script', async () => {
    const r = await backtestReport();
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ out: join(dir, 'bt.html'), kind: 'backtest', sections: ['verdict', 'comparison', 'trade-off', 'outcomes', 'lead-time', 'timelines'] });
    const html = r.html;
    expect(r.json.charts).toBe(svgs(html).length);
    expect(r.json.bytes).toBe(Buffer.byteLength(html));
    expect(r.json.charts).toBeGreaterThanOrEqual(7);
    expectSelfContained(html);
    // The verdict names a winner that could be run (not oracle, not none), and the targets grid names every policy.
    expect(section(html, 'verdict')).toMatch(/<strong>(argo|flagger|kayenta) wins\.<\/strong>/);
    const grid = svgs(section(html, 'verdict'))[0];
    for (const p of POLICIES) expect(grid).toContain(`>${p}</text>`);
    expect(svgs(section(html, 'comparison'))[0]).toContain('target ≥ 95 %');
    const scatter = svgs(section(html, 'trade-off'))[0];
    for (const p of POLICIES) expect(scatter).toContain(p);
    expect(markCount(scatter)).toBeGreaterThanOrEqual(POLICIES.length);
  });

  it('timelines: deployments simulated again, each the run the backtest recorded, with canary, baseline and every decision', async () => {
    const r = await backtestReport();
    expect(r.code, r.stderr).toBe(0);
    const t = section(r.html, 'timelines');
    expect(t).not.toContain('Not drawn');
    const charts = svgs(t);
    expect(charts.length).toBeGreaterThanOrEqual(2);
    expect(t).toMatch(/a fault \w+ caught/);
    expect(t).toMatch(/a fault \w+ missed/);
    for (const svg of charts) {
      expect(markCount(svg)).toBeGreaterThan(20);
      expect(svg).toContain('>canary</text>');
      expect(svg).toContain('>baseline</text>');
      expect(svg).toContain('>hold</text>');
      expect(svg).toMatch(/>p99 latency \(ms\)</);
    }
    // The decisions as text, with the policy's reasons.
    expect(t).toMatch(/<strong>min [\d.]+: advance<\/strong>/);
    expect(t).toMatch(/<strong>min [\d.]+: rollback<\/strong>/);
  });

  it('the same input gives the same bytes', async () => {
    const first = await backtestReport();
    const a = join(dir, 'again.html');
    expect((await report(bt, '--out', a)).code).toBe(0);
    expect(readFileSync(a, 'utf8')).toBe(first.html);
  });

  it('a deployment simulated again is the run the backtest recorded, under every baseline policy', () => {
    const scenario = loadScenario('default');
    const run = backtest({ scenario, seed: 3, deployments: 40, policies: resolvePolicies([...BASELINE_POLICIES]) });
    const ids = ['dep-000002', 'dep-000011', 'dep-000025', 'dep-000039'];
    const requests = ids.flatMap((deploymentId) => BASELINE_POLICIES.map((policy) => ({ deploymentId, policy })));
    const timelines = replayTimelines({ scenario, seed: 3, strategy: scenarioStrategy(scenario), policies: resolvePolicies([...BASELINE_POLICIES]), requests });
    expect(timelines).toHaveLength(requests.length);
    for (const t of timelines) {
      const recorded = run.results.find((x) => x.policy === t.policy && x.deploymentId === t.deploymentId)!;
      expect(t.result).toEqual(recorded);
      expect(t.ticks.length).toBeGreaterThan(0);
      expect(t.ticks[0].age).toBe(0);
      if (recorded.rolledBack) expect(t.ticks.find((k) => k.action === 'rollback')?.age).toBe(recorded.rollbackMin);
    }
  });
});

describe('rolloutlab report <registry>', () => {
  it('per family the champion against its targets, its ROC / PR / reliability diagrams where the card has points, its versions', async () => {
    const out = join(dir, 'models.html');
    const r = await json(models, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ kind: 'registry', sections: ['forecast', 'risk'] });
    const html = readFileSync(out, 'utf8');
    expectSelfContained(html);
    const risk = section(html, 'risk');
    const card = validateCard(JSON.parse(readFileSync(join(models, 'risk', 'v0001', 'card.json'), 'utf8')));
    expect(card.curves?.roc.length).toBeGreaterThan(2);
    const [targets, curves] = svgs(risk);
    for (const t of card.targets) expect(targets).toContain(t.met ? '— met' : '— MISSED');
    expect(curves).toMatch(/>ROC \(AUC [\d.]+\)</);
    expect(curves).toContain('>reliability');
    expect(curves).toContain('>precision-recall');
    // The hand-saved family: no curve points, said so; two versions, the champion marked.
    const forecast = section(html, 'forecast');
    expect(forecast).toContain('stores no curve points');
    expect(forecast).toMatch(/Champion <strong>v0001<\/strong>/);
    expect(svgs(forecast).some((s) => s.includes('>v0002</text>') && s.includes('>champion</text>'))).toBe(true);
  });
});

describe('rolloutlab report <drill>', () => {
  it('how each planner fared, and chosen releases step by step', async () => {
    const out = join(dir, 'drill.html');
    const r = await json(drill, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({ kind: 'drill', sections: ['verdict', 'comparison', 'recovery', 'timelines'] });
    const html = readFileSync(out, 'utf8');
    expectSelfContained(html);
    for (const p of ['planned', 'revert-all', 'abort']) expect(svgs(section(html, 'comparison'))[0]).toContain(`>${p}</text>`);
    const t = svgs(section(html, 'timelines'));
    expect(t.length).toBeGreaterThan(0);
    for (const svg of t) {
      expect(svg).toMatch(/>planned · s1 /);
      expect(svg).toContain('>bad requests / min</text>');
    }
  });
});

describe('the main job’s report', () => {
  it('one page of the backtest, the champions and the drill; the backtest’s part drawn on a worker thread gives the same bytes', async () => {
    const [part] = (await runInWorkers([{ kind: 'report-backtest', dir: bt, root: models }], { modelsRoot: null, units: () => 0, onProgress: () => {}, threads: 1 })) as (ReportPart & { seconds: number })[];
    expect(part.seconds).toBeGreaterThan(0);
    const a = await writeMainReport({ backtest: part, registry: models, drill, out: join(dir, 'main-a.html') });
    const b = await writeMainReport({ backtest: bt, modelsRoot: models, registry: models, drill, out: join(dir, 'main-b.html') });
    expect(a.kind).toBe('main');
    expect(a.sections).toEqual(['verdict', 'comparison', 'trade-off', 'outcomes', 'lead-time', 'timelines', 'models-forecast', 'models-risk', 'drill-verdict', 'drill-comparison', 'drill-recovery', 'drill-timelines']);
    const html = readFileSync(a.out, 'utf8');
    expect(html).toBe(readFileSync(b.out, 'utf8'));
    expectSelfContained(html);
    expect(a.charts).toBe(svgs(html).length);
    // Ids stay unique on the combined page (each chart's clip paths and anchors are its own).
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  }, 120_000);
});

describe('bad input', () => {
  it('names the argument: a missing folder, a folder of another kind, an unwritable --out, no --out', async () => {
    const missing = await json(join(dir, 'nope'), '--out', join(dir, 'x.html'));
    expect(missing.code).toBe(2);
    expect(missing.json.error).toMatchObject({ code: 'NOT_FOUND', field: 'dir' });
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const unknown = await json(empty, '--out', join(dir, 'x.html'));
    expect(unknown.code).toBe(2);
    expect(unknown.json.error).toMatchObject({ code: 'BAD_DATA', field: 'dir' });
    expect(unknown.json.error.message).toMatch(/neither a data set .* nor a model registry/);
    // A data set of another kind: the risk model's simulated world.
    const other = await json(join(dir, 'risk-5'), '--out', join(dir, 'x.html'));
    expect(other.code).toBe(2);
    expect(other.json.error).toMatchObject({ code: 'BAD_DATA', field: 'dir' });
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect((await json(file, '--out', join(dir, 'x.html'))).json.error).toMatchObject({ code: 'BAD_DATA', field: 'dir' });
    const noFolder = await json(bt, '--out', join(dir, 'no', 'such', 'folder', 'r.html'));
    expect(noFolder.code).toBe(2);
    expect(noFolder.json.error).toMatchObject({ code: 'IO', field: 'out' });
    const isFolder = await json(bt, '--out', dir);
    expect(isFolder.code).toBe(2);
    expect(isFolder.json.error).toMatchObject({ code: 'IO', field: 'out' });
    const noOut = await report(bt);
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toMatch(/--out/);
  });
});

describe('what the report reads', () => {
  it('curve points: ROC from (0, 0) to (1, 1) whose area is the AUC, thinned to at most 101 points, reliability bins adding up', () => {
    const p = Array.from({ length: 500 }, (_, i) => ((i * 7919) % 500) / 500);
    const y = p.map((x, i) => (x + ((i * 31) % 17) / 40 > 0.7 ? 1 : 0));
    const full = classifierCurves(p, y, { maxPoints: 10_000 });
    expect(full.roc[0]).toEqual([0, 0]);
    expect(full.roc[full.roc.length - 1]).toEqual([1, 1]);
    let area = 0;
    for (let i = 1; i < full.roc.length; i++) area += ((full.roc[i][0] - full.roc[i - 1][0]) * (full.roc[i][1] + full.roc[i - 1][1])) / 2;
    expect(area).toBeCloseTo(rocAuc(p, y), 3);
    const thin = classifierCurves(p, y);
    expect(thin.roc.length).toBeLessThanOrEqual(101);
    expect(thin.reliability.reduce((a, b) => a + b.n, 0)).toBe(500);
    expect(thin.positives).toBe(y.filter(Boolean).length);
    // A score that is no probability is left out, not drawn.
    expect(classifierCurves([0.2, Number.NaN, 0.9], [0, 1, 1]).n).toBe(2);
  });

  it('a traced drill measures the same as an untraced one, and its trace holds every step attempt', () => {
    const scenario = loadScenario('default');
    const plain = runDrill({ scenario, scenarioName: 'default', seed: 2, deployments: 80 });
    const traced = runDrill({ scenario, scenarioName: 'default', seed: 2, deployments: 80, trace: true });
    const { traces, ...rest } = traced;
    expect(rest).toEqual(plain);
    expect(traces).toHaveLength(plain.runs.length);
    traces!.forEach((t, i) => {
      expect(t.rate[0].t).toBe(0);
      const failed = t.steps.filter((s) => s.result === 'failed' || s.result === 'fallback failed').length;
      expect(failed).toBe(plain.runs[i].stepsFailed);
      for (const s of t.steps) expect(s.end).toBeGreaterThanOrEqual(s.start);
    });
  });
});
