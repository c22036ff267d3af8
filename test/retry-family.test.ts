// The retry family as a row of the house: simulate-pipelines writes a CI failure world as a data set and reads back the
// same failures; train retry splits whole worlds (or time within one), registers a card with the held-out replay and
// promotes; recorded outcomes join the training part only; evaluate retry reads the champion; the replay answers every
// retry from the truth (never a wait the policy did not pay for, a remediation once, the caps); bench retry prints
// its public JSON shape; and the decision the server and the commands serve is the one the bench measures.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario } from '../sim/index.ts';
import { simulateCiFailures, walkRetries, RETRY_WAITS_MIN, type CiFailure, type CiWorld } from '../sim/ci/index.ts';
import { readDataset } from '../datasets/read-dataset.ts';
import { ciFailuresFromRows } from '../sim/ci/index.ts';
import { simulatePipelinesToDataset } from '../cli/commands/data.ts';
import { ModelRegistry } from '../training/registry.ts';
import { loadRetrySync } from '../training/load.ts';
import { trainRetry, evaluateRetry, readRetryParts, splitByPipeline } from '../training/retry/family.ts';
import { failedStepOf } from '../training/retry/data.ts';
import { decideRetry, mlRetryPolicy, RETRY_BASELINES } from '../policies/retry/index.ts';
import { replayRetryPolicy } from '../backtest/retry-bench.ts';
import { benchRetry } from '../bench/retry.ts';
import { FAMILIES } from '../training/families.ts';

const tmp = mkdtempSync(join(tmpdir(), 'rl-retry-family-'));
const sc = loadScenario('default');
const DAYS = 3;
let dirs: string[];
let worlds: CiWorld[];
const models = join(tmp, 'models');

beforeAll(async () => {
  dirs = [];
  worlds = [];
  for (const seed of [21, 22, 23, 24]) {
    const dir = join(tmp, `p${seed}`);
    await simulatePipelinesToDataset(sc, seed, dir, true, DAYS);
    dirs.push(dir);
    worlds.push(simulateCiFailures(sc, seed, { days: DAYS }));
  }
}, 120_000);

describe('simulate-pipelines data sets', () => {
  it('hold every failed attempt with its truth, read back unchanged', async () => {
    const ds = await readDataset(dirs[0]);
    try {
      expect(ds.manifest.extra.world).toBe('pipelines');
      const back = ciFailuresFromRows(await ds.query('SELECT * FROM ci_failures ORDER BY started_at_min, id'));
      const orig = [...worlds[0].failures].sort((a, b) => a.startedAtMin - b.startedAtMin || a.id.localeCompare(b.id));
      expect(back.length).toBe(orig.length);
      expect(back).toEqual(orig);
    } finally {
      ds.close();
    }
  });

  it('train retry refuses a data set without ci_failures, naming the table and the command', async () => {
    const other = join(tmp, 'not-pipelines');
    const { writeDataset } = await import('../datasets/index.ts');
    await writeDataset({ outDir: other, tables: [{ name: 'x', columns: [{ name: 'a', type: 'INTEGER', values: [1] }] }], force: true, manifest: { kind: 'imported', scenario: null, seed: null, codeVersion: 'test' } });
    await expect(readRetryParts(other)).rejects.toThrow(/simulate-pipelines.*no table ci_failures/);
  });
});

describe('splits', () => {
  it('three or more data sets: whole worlds train, validate (second to last) and are held out (last)', async () => {
    const { parts, byWorld } = await readRetryParts(dirs);
    expect(byWorld).toBe(true);
    expect(parts.test.length).toBe(worlds[3].failures.length);
    expect(parts.validation.length).toBe(worlds[2].failures.length);
    expect(parts.train.length).toBe(worlds[0].failures.length + worlds[1].failures.length);
  });

  it('one data set: split in time by pipeline, every attempt of a pipeline in one part', () => {
    const p = splitByPipeline(worlds[0].failures);
    const where = new Map<string, string>();
    for (const [name, fs] of Object.entries(p)) for (const f of fs as CiFailure[]) {
      expect(where.get(f.pipelineId) ?? name).toBe(name);
      where.set(f.pipelineId, name);
    }
    const lastTrain = Math.max(...p.train.map((f) => f.startedAtMin));
    const firstTest = Math.min(...p.test.map((f) => f.startedAtMin));
    expect(lastTrain).toBeLessThan(firstTest + 60); // pipelines, not attempts, are ordered: a long pipeline may overlap a little
    expect(p.train.length).toBeGreaterThan(p.test.length);
  });
});

describe('train retry / evaluate retry', () => {
  it('registers a card with the held-out replay, promotes the first version, and the champion loads', async () => {
    const registry = new ModelRegistry({ root: models });
    const r = await trainRetry(dirs, { registry });
    expect(r.version).toBe('v0001');
    expect(r.promotion.promoted).toBe(true);
    expect(r.threshold).toBeGreaterThan(0);
    expect(r.threshold).toBeLessThanOrEqual(1);
    expect(r.heldOut.episodes).toBe(worlds[3].failures.filter((f) => f.attempt === 1).length);
    const card = await registry.readCard('retry', 'champion');
    expect(card.metrics.transientRecoveryRate).toBe(r.heldOut.transientRecoveryRate);
    expect(card.targets.map((t) => t.metric)).toEqual(['transientRecoveryRate', 'wastedRetryRate', 'realMessagesPrecision', 'realMessagesRecall']);
    // The held-out failed steps' P(a retry succeeds) against their truth, for the report's ROC / PR / reliability.
    expect(card.curves?.n).toBe(card.split.rows.test);
    expect(card.curves!.positives).toBeGreaterThan(0);
    expect(card.curves!.positives).toBeLessThan(card.curves!.n);
    expect(card.curves!.roc.length).toBeGreaterThan(2);
    expect(card.curves!.reliability.reduce((a, b) => a + b.n, 0)).toBe(card.curves!.n);
    const champion = loadRetrySync(models)!;
    expect(champion.version).toBe('v0001');
    expect(champion.model.threshold).toBe(r.threshold);
    expect(FAMILIES.retry.loadSync(models)?.version).toBe('v0001');
    const e = await evaluateRetry(dirs.join(','), { registry });
    expect(e.heldOut).toEqual(r.heldOut);
  }, 180_000);

  it('recorded outcomes join the training part only: the held-out figures are measured on the same failures', async () => {
    const file = join(tmp, 'outcomes.jsonl');
    writeFileSync(
      file,
      [
        { id: 'a/install/1', step: 'install', exitCode: 1, log: 'npm ERR! code E503\nnpm ERR! 503 Service Unavailable', retried: true, retrySucceeded: true, category: 'dependency' },
        { id: 'b/build/1', step: 'build', exitCode: 2, log: "src/x.ts(1,1): error TS2304: Cannot find name 'y'.", retried: true, retrySucceeded: false },
        { id: 'c/build/1', step: 'build', exitCode: 2, log: 'boom', retried: false, retrySucceeded: null },
      ].map((x) => JSON.stringify(x)).join('\n') + '\n',
    );
    const { readRetryOutcomes } = await import('../training/retry/feedback.ts');
    const records = await readRetryOutcomes(file);
    const registry = new ModelRegistry({ root: join(tmp, 'models-fb') });
    const r = await trainRetry(dirs, { registry, feedback: { source: file, kind: 'jsonl', records } });
    expect(r.feedback).toEqual({ source: file, records: 3, used: 2, skipped: 1 });
    expect(r.rows.feedback).toBe(2);
    expect(r.heldOut.episodes).toBe(worlds[3].failures.filter((f) => f.attempt === 1).length);
    const card = await registry.readCard('retry', 'champion');
    expect(card.feedback?.used).toBe(2);
  }, 180_000);
});

describe('the replay answers each retry from the truth', () => {
  const f0 = () => worlds[0].failures.find((f) => f.attempt === 1 && f.truth.transient && !f.truth.retryNow.succeeds && f.truth.afterWait.some((o) => o.succeeds))!;

  it('a wait shorter than the next recorded one reads the earlier one (never credited with a wait it did not pay for)', () => {
    const f = f0();
    const k = f.truth.afterWait.findIndex((o) => o.succeeds);
    const wait = RETRY_WAITS_MIN[k];
    // Waiting just under the first successful wait reads an earlier, failing one.
    const short = walkRetries(f, () => ({ retry: true, delaySeconds: Math.max(0, wait * 60 - 1), remediation: null }), { maxRetries: 1, maxAddedMinutes: 1e9 });
    expect(short.recovered).toBe(false);
    const enough = walkRetries(f, () => ({ retry: true, delaySeconds: wait * 60, remediation: null }), { maxRetries: 1, maxAddedMinutes: 1e9 });
    expect(enough.recovered).toBe(true);
    expect(enough.addedMinutes).toBeGreaterThanOrEqual(wait);
  });

  it('never reads one recorded retry twice, reads a remediation once, and keeps to the caps', () => {
    const f = f0();
    const asked: number[] = [];
    const w = walkRetries(f, (attempt) => (asked.push(attempt), { retry: true, delaySeconds: 0, remediation: 'other-runner' }), { maxRetries: 3, maxAddedMinutes: 1e9 });
    expect(asked[0]).toBe(1);
    expect(w.remediations.filter((r) => r === 'other-runner').length).toBeLessThanOrEqual(1);
    const none = walkRetries(f, () => ({ retry: true, delaySeconds: 0, remediation: null }), { maxRetries: 0, maxAddedMinutes: 1e9 });
    expect(none.retries).toBe(0);
    const capped = walkRetries(f, () => ({ retry: true, delaySeconds: 3600, remediation: null }), { maxRetries: 3, maxAddedMinutes: 30 });
    expect(capped.retries).toBe(0);
  });

  it('a persistent failure never recovers, whatever the policy does; never retrying adds nothing', () => {
    const persistent = worlds[0].failures.filter((f) => f.attempt === 1 && !f.truth.transient);
    expect(persistent.length).toBeGreaterThan(20);
    const always = replayRetryPolicy(RETRY_BASELINES.find((p) => p.name === 'always-2')!, persistent);
    expect(always.measures.recovered).toBe(0);
    expect(always.measures.wastedRetryRate).toBe(2);
    const never = replayRetryPolicy(RETRY_BASELINES[0], worlds[0].failures);
    expect(never.measures).toMatchObject({ retries: 0, addedMinutes: 0, transientRecoveredRate: 0, wastedRetryRate: 0 });
  });
});

describe('bench retry and the served decision', () => {
  it('prints the public JSON shape for every policy', () => {
    const r = benchRetry({ scenario: 'default', seed: 25, models });
    expect(Object.keys(r.policies)).toEqual(['never', 'always-2', 'exit-status', 'reasons', 'ml']);
    for (const m of Object.values(r.policies)) {
      for (const k of ['transientRecoveredRate', 'wastedRetryRate', 'retryPrecision', 'retryRecall', 'addedMinutes', 'pipelinesRecovered']) expect(m).toHaveProperty(k);
    }
    expect(r.model).toMatchObject({ source: 'registry', version: 'v0001', warning: null });
    // The learned policy wastes far fewer retries than retrying everything twice.
    expect(r.policies.ml.wastedRetryRate!).toBeLessThan(r.policies['always-2'].wastedRetryRate! / 10);
  }, 120_000);

  it('what the server and the commands serve (decideRetry with the champion) is the policy the bench replays', () => {
    const champion = loadRetrySync(models)!;
    const benched = mlRetryPolicy(champion.model, champion.version);
    let n = 0;
    for (const f of worlds[1].failures) {
      for (const attempt of [1, 2, 3]) {
        const step = failedStepOf(f, attempt, attempt - 1);
        const served = decideRetry(step, champion);
        expect(served.policy).toBe('ml');
        expect(served.decision).toEqual(benched.decide(step));
        n++;
      }
    }
    expect(n).toBeGreaterThan(300);
  });
});

describe('quality gates', () => {
  it('a failed lint / coverage gate is never retried into passing, however sure the model is', async () => {
    const { parseFailedStep } = await import('../datasets/failed-step.ts');
    const stand = { threshold: 0.5, waitFor: () => undefined, score: () => ({ pRetry: 0.99, kind: 'lint-gate', category: 'code', pCategory: 0.9, remediation: null }) };
    const p = mlRetryPolicy(stand as never, 'test');
    const d = p.decide(parseFailedStep({ step: 'lint', exitCode: 1, log: 'ERROR: Coverage failure: total of 79 is less than fail-under=80' }));
    expect(d.action).toBe('fail');
    expect(d.reasons[0]).toMatch(/quality gate/);
    const other = { ...stand, score: () => ({ ...stand.score(), kind: 'flaky-test', category: 'test' }) };
    expect(mlRetryPolicy(other as never, 'test').decide(parseFailedStep({ step: 'test', exitCode: 1, log: 'x' })).action).toBe('retry');
  });
});
