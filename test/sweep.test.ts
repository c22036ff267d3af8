// `rolloutlab sweep` run locally (backtest/sweep/): the spec's closed schema, shards whose rows are the backtest's own
// per-policy measures, the same rows and byte-identical shard files whether the shards run in this process or on two
// worker threads, resume without redoing a shard, a learned policy given its registry (and refused without one), a
// shard that fails reported with its error, and the Kubernetes Indexed Job: each index run alone, then merged, and the
// manifest in deploy/k8s validated with kubernetes-models. The queue is tested in test/sweep-queue.test.ts.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap } from 'kubernetes-models/v1';
import { inProcess } from './in-process.ts';
import { quietRollbackRegistry } from './tiny-models.ts';
import { parseSweepSpec, expandShards } from '../backtest/sweep/index.ts';
import { canonicalJson, shardId } from '../backtest/sweep/shards.ts';
import { ProgressTracker, progressLine, type SweepProgress } from '../backtest/sweep/progress.ts';
import { backtest } from '../backtest/run.ts';
import { loadScenario } from '../sim/index.ts';
import { parseStrategy } from '../sim/strategy.ts';
import { resolvePolicies } from '../policies/index.ts';
import { loadRolloutChampionsSync } from '../training/load.ts';

const ROOT = resolve(import.meta.dirname, '..');
let dir: string;
let spec: string;
const SPEC = 'scenarios: [default]\nseeds: [1, 2]\npolicies: [none, kayenta]\ndeployments: 25\ngrid:\n  strategy: [scenario, blue-green]\n';

const sweep = (...args: string[]) => inProcess(['sweep', ...args]);
const json = async (...args: string[]) => {
  const r = await sweep(...args, '--json');
  return { ...r, out: JSON.parse(r.stdout) };
};
const mtimes = (out: string) => Object.fromEntries(readdirSync(join(out, 'shards')).map((f) => [f, statSync(join(out, 'shards', f)).mtimeMs]));
const bytes = (out: string) => Object.fromEntries(readdirSync(join(out, 'shards')).map((f) => [f, readFileSync(join(out, 'shards', f)).toString('base64')]));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rolloutlab-sweep-'));
  spec = join(dir, 'sweep.yaml');
  writeFileSync(spec, SPEC);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the sweep spec', () => {
  const ok = { scenarios: ['default'], seeds: [1], policies: ['none'], deployments: 10 };
  it('is a closed schema: an unknown or misspelt key, a bad name or value is refused naming the key', () => {
    expect(() => parseSweepSpec({ ...ok, polices: ['none'] }, 's.yaml')).toThrow(/s\.yaml: polices is not a key of the sweep spec \(known: scenarios, seeds, policies, deployments, models, grid/);
    expect(() => parseSweepSpec({ ...ok, grid: { strategy: ['canary'], threshold: [1] } })).toThrow(/grid\.threshold is not a key/);
    expect(() => parseSweepSpec({ scenarios: ['default'], seeds: [1], policies: ['none'] })).toThrow(/deployments is missing/);
    expect(() => parseSweepSpec({ ...ok, policies: ['none', 'argoo'] })).toThrow(/policies\[1\] "argoo" is not a policy \(known: none, argo/);
    expect(() => parseSweepSpec({ ...ok, seeds: [1, 1] })).toThrow(/seeds = \[1,1\]/);
    expect(() => parseSweepSpec({ ...ok, seeds: [-1] })).toThrow(/seeds\[0\] = -1/);
    expect(() => parseSweepSpec({ ...ok, scenarios: ['nowhere'] })).toThrow(/scenarios\[0\]: scenario "nowhere" is neither a built-in/);
    expect(() => parseSweepSpec({ ...ok, grid: { strategy: ['canary:5,1'] } })).toThrow(/grid\.strategy\[0\] "canary:5,1" \(scenario default\)/);
    try {
      parseSweepSpec({ ...ok, deployment: 3 });
      expect.fail('accepted');
    } catch (e) {
      expect((e as { field?: string }).field).toBe('deployment');
    }
    const s = parseSweepSpec({ ...ok, grid: { strategy: ['scenario', 'progressive:region', 'optimised'] } });
    expect(s.strategies).toEqual([null, 'progressive:region', 'optimised']);
  });

  it('expands to shards in the spec order, each named by the hash of its canonical key', () => {
    const s = parseSweepSpec({ scenarios: ['default', 'low-traffic'], seeds: [3, 1], policies: ['kayenta', 'none'], deployments: 10, grid: { strategy: ['scenario', 'rolling'] } });
    const jobs = expandShards(s, { outDir: dir });
    expect(jobs).toHaveLength(16);
    expect(jobs.slice(0, 5).map((j) => [j.key.scenario, j.key.seed, j.key.strategy, j.key.policy])).toEqual([
      ['default', 3, null, 'kayenta'],
      ['default', 3, null, 'none'],
      ['default', 3, 'rolling', 'kayenta'],
      ['default', 3, 'rolling', 'none'],
      ['default', 1, null, 'kayenta'],
    ]);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(16);
    expect(jobs.map((j) => j.index)).toEqual([...Array(16).keys()]);
    // The id depends on the key's content, not on its key order; another deployments count is another shard.
    const k = jobs[0].key;
    const reordered = Object.fromEntries(Object.entries(k).reverse()) as typeof k;
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(k));
    expect(shardId(reordered)).toBe(jobs[0].id);
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: 3 }] })).toBe('{"a":[{"c":3,"d":2}],"b":1}');
    expect(shardId({ ...k, deployments: 11 })).not.toBe(jobs[0].id);
    expect(jobs[0].key.models).toBeNull();
  });

  it('an unknown key is exit 2 from the command line, the key named; a spec that is not there too', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'scenarios: [default]\nseeds: [1]\npolicies: [none]\ndeployments: 5\nworkers: 3\n');
    const r = await json('--spec', bad, '--out', join(dir, 'never'));
    expect(r.code).toBe(2);
    expect(r.out.error).toMatchObject({ code: 'BAD_ARGUMENT', field: 'workers' });
    expect(r.out.error.message).toMatch(/workers is not a key of the sweep spec/);
    const missing = await sweep('--spec', join(dir, 'nope.yaml'), '--out', join(dir, 'never'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/error \[NOT_FOUND\] sweep spec .*nope\.yaml: no such file/);
  });
});

describe('progress', () => {
  it('counts done (resumed included), failed and running, with the time left at this run\'s pace', async () => {
    const seen: SweepProgress[] = [];
    const t = new ProgressTracker(10, 4, (p) => seen.push(p));
    t.report();
    expect(seen[0]).toMatchObject({ total: 10, resumed: 4, done: 4, failed: 0, running: 0, etaSeconds: null, workers: null });
    expect(progressLine(seen[0])).toBe('sweep  4/10 shards done (4 resumed), 0 failed, 0 running, ETA —');
    t.start('a');
    t.start('b');
    await new Promise((r) => setTimeout(r, 50));
    t.finish('a', true);
    t.finish('b', false);
    t.workers = 2;
    const p = t.snapshot();
    expect(p).toMatchObject({ done: 5, failed: 1, running: 0, workers: 2 });
    // 4 left at 2 finished in ~50 ms: about 100 ms.
    expect(p.etaSeconds!).toBeGreaterThan(0.08);
    expect(p.etaSeconds!).toBeLessThan(5);
    expect(progressLine({ ...p, running: 1, etaSeconds: 80 })).toBe('sweep  5/10 shards done (4 resumed), 1 failed, 1 running, 2 workers on the queue, ETA 1 min 20 s');
  });
});

describe('a local sweep', () => {
  let inline: { code: number; out: { shards: number; failed: number; rows: Record<string, unknown>[]; errors: unknown[] } };

  beforeAll(async () => {
    inline = await json('--spec', spec, '--out', join(dir, 'inline'), '--threads', '0');
  });

  it("gives, per shard, the backtest's own per-policy measures (all but the wall time), in the spec's order", () => {
    expect(inline.code).toBe(0);
    expect(inline.out).toMatchObject({ shards: 8, failed: 0, errors: [] });
    const scenario = loadScenario('default');
    const want: Record<string, unknown>[] = [];
    for (const seed of [1, 2]) {
      for (const strategy of [null, 'blue-green']) {
        const run = backtest({ scenario, scenarioName: 'default', seed, deployments: 25, policies: resolvePolicies(['none', 'kayenta']), strategy: strategy ? parseStrategy(strategy, scenario) : undefined });
        for (const policy of ['none', 'kayenta']) {
          const { seconds: _s, ...measures } = run.report.policies[policy];
          want.push({ scenario: 'default', seed, policy, strategy, deployments: 25, ...measures });
        }
      }
    }
    // The same keys in the same order, the same values: the JSON text is identical.
    expect(JSON.stringify(inline.out.rows)).toBe(JSON.stringify(want));
  });

  it('on two worker threads: the same rows and byte-identical shard files', async () => {
    const two = await json('--spec', spec, '--out', join(dir, 'two'), '--threads', '2');
    expect(two.code).toBe(0);
    expect(two.out).toEqual(inline.out);
    expect(bytes(join(dir, 'two'))).toEqual(bytes(join(dir, 'inline')));
    const plan = JSON.parse(readFileSync(join(dir, 'two', 'sweep.json'), 'utf8'));
    expect(plan.shards).toHaveLength(8);
    expect(statSync(join(dir, 'two', 'results.parquet')).size).toBeGreaterThan(0);
  });

  it('resumes: shards whose file is there are not run again; a missing one is', async () => {
    const out = join(dir, 'inline');
    const before = mtimes(out);
    const again = await json('--spec', spec, '--out', out, '--threads', '0');
    expect(again.out).toEqual(inline.out);
    expect(again.stderr).toMatch(/8 of 8 shards already done .*: not run again/);
    expect(mtimes(out)).toEqual(before);
    const [gone] = Object.keys(before);
    rmSync(join(out, 'shards', gone));
    const third = await json('--spec', spec, '--out', out, '--threads', '0');
    expect(third.out).toEqual(inline.out);
    expect(third.stderr).toMatch(/7 of 8 shards already done/);
    const after = mtimes(out);
    for (const f of Object.keys(before)) if (f !== gone) expect(after[f]).toBe(before[f]);
    expect(after[gone]).toBeDefined();
  });

  it('--list gives the shards with what is done', async () => {
    const r = await json('--spec', spec, '--out', join(dir, 'inline'), '--list');
    expect(r.out.shards).toBe(8);
    expect(r.out.list[2]).toMatchObject({ index: 2, scenario: 'default', seed: 1, policy: 'none', strategy: 'blue-green', done: true });
  });
});

describe('learned policies', () => {
  let models: string;
  beforeAll(async () => {
    // A rollback champion whose network never crosses its thresholds: enough for ml to run.
    models = await quietRollbackRegistry(join(dir, 'models'));
  });

  const mlSpec = () => {
    const p = join(dir, 'ml.yaml');
    writeFileSync(p, 'scenarios: [default]\nseeds: [1]\npolicies: [none, ml]\ndeployments: 15\n');
    return p;
  };

  it('without a registry: exit 2, saying so before any shard runs', async () => {
    const r = await json('--spec', mlSpec(), '--out', join(dir, 'ml-none'), '--models', join(dir, 'no-models'));
    expect(r.code).toBe(2);
    expect(r.out.error).toMatchObject({ code: 'NOT_FOUND', field: 'models' });
    expect(r.out.error.message).toMatch(/learned policies need trained models: .*no-models has no rollback champion/);
  });

  it('with --models (or models: in the spec): ml runs on its champions, keyed by their versions', async () => {
    const r = await json('--spec', mlSpec(), '--out', join(dir, 'ml'), '--models', models, '--threads', '0');
    expect(r.code).toBe(0);
    const run = backtest({ scenario: loadScenario('default'), scenarioName: 'default', seed: 1, deployments: 15, policies: resolvePolicies(['ml'], { models: () => loadRolloutChampionsSync(models) }) });
    const { seconds: _s, ...measures } = run.report.policies.ml;
    expect(JSON.stringify(r.out.rows[1])).toBe(JSON.stringify({ scenario: 'default', seed: 1, policy: 'ml', strategy: null, deployments: 15, ...measures }));
    const plan = JSON.parse(readFileSync(join(dir, 'ml', 'sweep.json'), 'utf8'));
    expect(plan.shards[1].models).toEqual({ rollback: 'v0001', risk: null, judge: null });
    expect(plan.shards[0].models).toBeNull();
    // The spec's own models: key, relative to the spec file, gives the same shards (nothing runs again).
    writeFileSync(join(dir, 'ml2.yaml'), 'scenarios: [default]\nseeds: [1]\npolicies: [none, ml]\ndeployments: 15\nmodels: models\n');
    const viaSpec = await json('--spec', join(dir, 'ml2.yaml'), '--out', join(dir, 'ml'), '--threads', '0');
    expect(viaSpec.out).toEqual(r.out);
    expect(viaSpec.stderr).toMatch(/2 of 2 shards already done/);
  });

  it('a shard that fails is reported with its error and counted; the others still give their rows (exit 3)', async () => {
    // A registry whose champion file no longer matches its card: the ml shard fails when it loads it.
    const broken = join(dir, 'broken-models');
    cpSync(models, broken, { recursive: true });
    writeFileSync(join(broken, 'rollback', 'v0001', 'rollback.json'), '{"tampered": true}');
    const r = await json('--spec', mlSpec(), '--out', join(dir, 'ml-broken'), '--models', broken, '--threads', '1');
    expect(r.code).toBe(3);
    expect(r.out.shards).toBe(2);
    expect(r.out.failed).toBe(1);
    expect(r.out.rows.map((x: { policy: string }) => x.policy)).toEqual(['none']);
    expect(r.out.errors).toHaveLength(1);
    expect(r.out.errors[0]).toMatchObject({ scenario: 'default', seed: 1, policy: 'ml', strategy: null });
    expect(r.out.errors[0].error).toMatch(/rollback\.json|sha256/);
  });
});

describe('a Kubernetes Indexed Job', () => {
  it('each index runs its shard alone (--index or JOB_COMPLETION_INDEX); the sweep then merges the same rows, running nothing', async () => {
    const out = join(dir, 'indexed');
    for (let i = 0; i < 8; i++) {
      if (i % 2) {
        const r = await inProcess(['worker', '--spec', spec, '--out', out, '--index', String(i)]);
        expect(r.code, r.stderr).toBe(0);
      } else {
        process.env.JOB_COMPLETION_INDEX = String(i);
        try {
          const r = await inProcess(['worker', '--spec', spec, '--out', out]);
          expect(r.code, r.stderr).toBe(0);
          expect(r.stderr).toMatch(new RegExp(`shard ${i} of 8: \\w+ \\(default seed \\d .*\\) done in`));
        } finally {
          delete process.env.JOB_COMPLETION_INDEX;
        }
      }
    }
    const merged = await json('--spec', spec, '--out', out, '--threads', '0');
    expect(merged.stderr).toMatch(/8 of 8 shards already done/);
    const inline = JSON.parse((await sweep('--spec', spec, '--out', join(dir, 'inline'), '--json')).stdout);
    expect(merged.out).toEqual(inline);
    expect(bytes(out)).toEqual(bytes(join(dir, 'inline')));
    const range = await inProcess(['worker', '--spec', spec, '--out', out, '--index', '8']);
    expect(range.code).toBe(2);
    expect(range.stderr).toMatch(/shard index 8 is out of range: the spec has 8 shards .*completions to 8/);
    const none = await inProcess(['worker', '--spec', spec, '--out', out]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/give --index, or run it in an Indexed Job/);
  });

  it('deploy/k8s/sweep-indexed-job.yaml is a valid batch/v1 Indexed Job whose completions match its spec', () => {
    const docs = parseAllDocuments(readFileSync(join(ROOT, 'deploy', 'k8s', 'sweep-indexed-job.yaml'), 'utf8')).map((d) => d.toJS());
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    const job = docs.find((d) => d.kind === 'Job');
    expect(() => new ConfigMap(cm).validate()).not.toThrow();
    expect(() => new Job(job).validate()).not.toThrow();
    // The validator is not a rubber stamp: a wrong type is refused.
    expect(() => new Job({ ...job, spec: { ...job.spec, completions: 'twelve' } }).validate()).toThrow();
    expect(job.spec.completionMode).toBe('Indexed');
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    const spec = parseSweepSpec((parseAllDocuments(cm.data['sweep.yaml'])[0].toJS() as object), 'configmap', '/sweep/spec');
    const shards = spec.scenarios.length * spec.seeds.length * spec.policies.length * spec.strategies.length;
    expect(job.spec.completions).toBe(shards);
    const c = job.spec.template.spec.containers[0];
    expect(c.command.slice(2)).toEqual(['worker', '--spec', '/sweep/spec/sweep.yaml', '--out', '/sweep/out']);
    // The pod takes its index from Kubernetes (JOB_COMPLETION_INDEX), not from the manifest.
    expect(JSON.stringify(c)).not.toMatch(/--index|JOB_COMPLETION_INDEX/);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: { name: string; mountPath: string }) => [m.name, m.mountPath]));
    expect(mounts.spec).toBe('/sweep/spec');
    expect(mounts.out).toBe('/sweep/out');
    expect(mounts.models).toBe(spec.models);
    expect(job.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'spec').configMap.name).toBe(cm.metadata.name);
  });
});
