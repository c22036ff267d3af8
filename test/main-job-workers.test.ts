// The main job's worker pool (cli/main-job-workers.ts): tasks run on worker threads give the same data sets as in this
// thread, results come back in task order whatever thread finishes first, and a failing task fails the pool with its
// error (never a partial result).
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runInWorkers } from '../cli/main-job-workers.ts';
import { simulatePipelinesToDataset } from '../cli/commands/data.ts';
import { loadScenario } from '../sim/index.ts';

const tableHashes = (dir: string) => Object.fromEntries(Object.entries((JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { tables: Record<string, { sha256: string }> }).tables).map(([k, t]) => [k, t.sha256]));

describe('the main job\'s worker pool', () => {
  it('simulates CI worlds on two threads into the same data sets as one after another, results in task order', async () => {
    const root = mkdtempSync(join(tmpdir(), 'main-job-workers-'));
    const seeds = [2, 1];
    const dirs = seeds.map((seed) => join(root, `pool-${seed}`));
    let last = 0;
    const results = await runInWorkers(seeds.map((seed, i) => ({ kind: 'pipelines' as const, scenario: 'default', seed, dir: dirs[i] })), { modelsRoot: null, units: () => 1, onProgress: (d, n) => (last = d / n), threads: 2 });
    expect(last).toBe(1);
    for (const [i, seed] of seeds.entries()) {
      const here = await simulatePipelinesToDataset(loadScenario('default'), seed, join(root, `here-${seed}`), true);
      expect(results[i]).toBe(here.summary.failedAttempts);
      expect(tableHashes(dirs[i])).toEqual(tableHashes(join(root, `here-${seed}`)));
    }
  }, 120_000);

  it('fails with the failing task\'s error', async () => {
    const root = mkdtempSync(join(tmpdir(), 'main-job-workers-'));
    const tasks = [{ kind: 'pipelines' as const, scenario: 'no-such-scenario', seed: 1, dir: join(root, 'bad') }];
    await expect(runInWorkers(tasks, { modelsRoot: null, units: () => 1, onProgress: () => {}, threads: 1 })).rejects.toThrow(/a main-job task failed: .*no-such-scenario/s);
  }, 60_000);
});
