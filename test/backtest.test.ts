// Baseline policies (Argo, Flagger, Kayenta semantics on hand-made observations) and the backtester
// (oracle, none, determinism, thread independence, the JSON contract).
import { describe, it, expect, beforeAll } from 'vitest';
import { loadScenario, Rng } from '../sim/index.ts';
import { generateTopology } from '../sim/topology.ts';
import type { Observation, CohortMetrics } from '../sim/env.ts';
import { planFor, scenarioStrategy } from '../sim/strategy.ts';
import { argoPolicy } from '../policies/argo.ts';
import { flaggerPolicy } from '../policies/flagger.ts';
import { kayentaPolicy } from '../policies/kayenta.ts';
import { resolvePolicies } from '../policies/index.ts';
import type { PolicyContext, PolicyRun } from '../policies/policy.ts';
import { backtest, type BacktestReport, type DeploymentResult } from '../backtest/run.ts';
import { backtestParallel } from '../backtest/parallel.ts';
import { resultsTable, summaryTable } from '../backtest/report.ts';
import { writeDataset, readDataset } from '../datasets/index.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inProcess } from './in-process.ts';

let ctx: PolicyContext;
beforeAll(() => {
  // The first service of the default world of seed 1 (the topology simulateWorld draws; no traffic is needed here).
  const scenario = loadScenario('default');
  const svc = generateTopology(scenario, new Rng(1, 'topology')).services[0];
  ctx = { deploymentId: 'd', service: svc, start: 0, plan: planFor(scenarioStrategy(scenario), svc, scenario.topology.tenants), slo: scenario.slo, tickSeconds: 60 };
});

const healthy = (requests = 1000, errors = 1): CohortMetrics => ({
  requests, errors, slow: 0, latencyP50: 20, latencyP95: 40, latencyP99: 60, cpu: 0.3, memory: 0.45, pool: 0.2, conversions: Math.round(requests * 0.03), callerRequests: 0, callerErrors: 0,
});

/** Feed a policy a sequence of per-minute (baseline, canary, providerError) and collect its actions. */
function drive(run: PolicyRun, minutes: { baseline: CohortMetrics | null; canary: CohortMetrics | null; providerError?: boolean }[]) {
  const base: Observation = { deploymentId: 'd', age: 0, minute: 0, phase: 'progressing', stage: 0, stages: 5, weight: 0.01, mirror: 0, exposure: [0.01], units: ['all'], timeAtStage: 0, providerError: false, baseline: null, canary: null };
  const actions = [run.decide(base)];
  minutes.forEach((m, i) => {
    actions.push(run.decide({ ...base, age: i + 1, minute: i + 1, timeAtStage: i + 1, providerError: !!m.providerError, baseline: m.baseline, canary: m.canary }));
  });
  return actions;
}

describe('argo', () => {
  it('no data → Inconclusive → the rollout pauses (holds), it does not abort', () => {
    // The canary served nothing in the lookback (5 min), then its series is missing.
    const actions = drive(argoPolicy().start(ctx), [{ baseline: healthy(), canary: healthy(0, 0) }, { baseline: healthy(), canary: null }, { baseline: healthy(), canary: null }]);
    expect(actions.slice(1).map((a) => a.type)).toEqual(['hold', 'hold', 'hold']);
    expect(actions[1].reason).toMatch(/inconclusive, rollout paused/);
    expect(actions[2].reason).toMatch(/paused/);
  });
  it('provider errors abort only after more than consecutiveErrorLimit (4) in a row', () => {
    // One errored minute is 6 attempts (retry every 10 s): > 4 → Error → abort.
    const oneMinute = drive(argoPolicy().start(ctx), [{ baseline: null, canary: null, providerError: true }]);
    expect(oneMinute[1].type).toBe('rollback');
    expect(oneMinute[1].reason).toMatch(/consecutive provider errors/);
    // With retries every 15 s a minute is 4 errors: not yet; the next errored minute aborts.
    const slow = drive(argoPolicy({ errorRetrySeconds: 15 }).start(ctx), [
      { baseline: null, canary: null, providerError: true },
      { baseline: null, canary: null, providerError: true },
    ]);
    expect(slow[1].type).toBe('hold');
    expect(slow[2].type).toBe('rollback');
    // A success in between resets the count.
    const reset = drive(argoPolicy({ errorRetrySeconds: 15 }).start(ctx), [
      { baseline: null, canary: null, providerError: true },
      { baseline: healthy(), canary: healthy() },
      { baseline: null, canary: null, providerError: true },
    ]);
    expect(reset.map((a) => a.type)).not.toContain('rollback');
  });
  it('a failed measurement aborts with the default failureLimit 0', () => {
    const a = drive(argoPolicy().start(ctx), [{ baseline: healthy(), canary: healthy(1000, 200) }]);
    expect(a[1].type).toBe('rollback');
  });
});

describe('flagger', () => {
  it('no data counts as a failed check; threshold failed checks roll back', () => {
    const run = flaggerPolicy().start(ctx);
    const a = drive(run, Array.from({ length: 5 }, () => ({ baseline: healthy(), canary: healthy(0, 0) })));
    expect(a.slice(1, 5).map((x) => x.type)).toEqual(['hold', 'hold', 'hold', 'hold']);
    expect(a[1].reason).toMatch(/failed checks 1\/5/);
    expect(a[5].type).toBe('rollback');
    expect(a[5].reason).toMatch(/not receiving traffic/);
  });
  it('healthy canaries advance on schedule', () => {
    const a = drive(flaggerPolicy().start(ctx), Array.from({ length: 10 }, () => ({ baseline: healthy(), canary: healthy() })));
    expect(a[10].type).toBe('advance');
    expect(a.map((x) => x.type)).not.toContain('rollback');
  });
});

describe('kayenta', () => {
  it('judges at the end of the interval: a clear error increase fails the critical metric', () => {
    const bad = drive(kayentaPolicy().start(ctx), Array.from({ length: 10 }, (_, i) => ({ baseline: healthy(1000, 1 + (i % 3)), canary: healthy(1000, 80 + i) })));
    expect(bad.slice(1, 10).map((x) => x.type)).toEqual(Array(9).fill('hold'));
    expect(bad[10].type).toBe('rollback');
    expect(bad[10].reason).toMatch(/error-ratio High/);
    const good = drive(kayentaPolicy().start(ctx), Array.from({ length: 10 }, (_, i) => ({ baseline: healthy(1000, 1 + (i % 3)), canary: healthy(1000, 1 + ((i + 1) % 3)) })));
    expect(good[10].type).toBe('advance');
  });
});

describe('backtester', () => {
  let report: BacktestReport;
  let results: DeploymentResult[];
  beforeAll(() => {
    ({ report, results } = backtest({ scenario: loadScenario('default'), seed: 11, deployments: 250, policies: resolvePolicies('none,argo,flagger,kayenta,oracle') }));
  });
  it('oracle prevents every violation with no false rollback; none prevents nothing', () => {
    const { oracle, none } = report.policies;
    expect(oracle.violating).toBeGreaterThan(10);
    expect(oracle.prevented).toBe(oracle.violating);
    expect(oracle.preventionRate).toBe(1);
    expect(oracle.falseRollbacks).toBe(0);
    expect(none.prevented).toBe(0);
    expect(none.falseRollbacks).toBe(0);
    expect(none.meanTimeToFullRolloutMin).toBe(40);
    // Every policy faces the same violating deployments, and no real policy beats the oracle's blast radius.
    for (const p of Object.values(report.policies)) {
      expect(p.violating).toBe(none.violating);
      expect(p.blastRadius).toBeGreaterThanOrEqual(oracle.blastRadius);
      expect(p.blastRadius).toBeLessThanOrEqual(none.blastRadius);
    }
  });
  it('tenants impacted and customer-minutes: per deployment beside the blast radius, summed per policy; the oracle’s never above the unguarded run’s', () => {
    for (const [name, p] of Object.entries(report.policies)) {
      const mine = results.filter((r) => r.policy === name);
      expect(mine).toHaveLength(250);
      expect(p.tenantsImpacted).toBe(mine.reduce((a, r) => a + r.tenantsImpacted, 0));
      expect(p.customerMinutesExposed).toBe(mine.reduce((a, r) => a + r.customerMinutesExposed, 0));
      // No bad request, no tenant impacted; at most every tenant.
      for (const r of mine) {
        if (r.blastRadius === 0) expect(r.tenantsImpacted).toBe(0);
        expect(r.tenantsImpacted).toBeLessThanOrEqual(5);
      }
    }
    const byId = (name: string) => new Map(results.filter((r) => r.policy === name).map((r) => [r.deploymentId, r]));
    const none = byId('none');
    const oracle = byId('oracle');
    // The oracle rolls a material fault back before any traffic and runs everything else like `none`.
    for (const [id, o] of oracle) {
      const n = none.get(id)!;
      expect(o.tenantsImpacted).toBeLessThanOrEqual(n.tenantsImpacted);
      expect(o.customerMinutesExposed).toBeLessThanOrEqual(n.customerMinutesExposed);
      if (o.material) expect([o.tenantsImpacted, o.customerMinutesExposed]).toEqual([0, 0]);
    }
    expect(report.policies.none.tenantsImpacted).toBeGreaterThan(report.policies.oracle.tenantsImpacted);
    expect(report.policies.none.customerMinutesExposed).toBeGreaterThan(report.policies.oracle.customerMinutesExposed);
  });
  it('the --out tables carry both as new columns, after the existing ones, with their descriptions', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'rolloutlab-tenants-')), 'bt');
    const tables = [resultsTable(results), summaryTable(report)];
    for (const t of tables) {
      const names = t.columns.map((c) => c.name);
      expect(names.slice(-2)).toEqual(['tenants_impacted', 'customer_minutes_exposed']);
      for (const c of t.columns.slice(-2)) expect(c.description).toMatch(/tenant|customer/);
    }
    await writeDataset({ outDir: dir, tables, manifest: { kind: 'backtest', scenario: 'default', seed: 11, codeVersion: 'test' } });
    const ds = await readDataset(dir);
    try {
      const rows = await ds.query('SELECT policy, SUM(tenants_impacted) AS t, SUM(customer_minutes_exposed) AS m FROM results GROUP BY policy ORDER BY policy');
      for (const r of rows) expect([r.t, r.m]).toEqual([report.policies[r.policy as string].tenantsImpacted, report.policies[r.policy as string].customerMinutesExposed]);
      const sum = await ds.query("SELECT tenants_impacted AS t, customer_minutes_exposed AS m FROM summary WHERE policy = 'none'");
      expect([sum[0].t, sum[0].m]).toEqual([report.policies.none.tenantsImpacted, report.policies.none.customerMinutesExposed]);
    } finally {
      ds.close();
    }
  });
  it('the same seed gives the same results, in one thread or two', async () => {
    const strip = (r: BacktestReport) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'seconds' ? undefined : v)));
    const again = backtest({ scenario: loadScenario('default'), seed: 11, deployments: 250, policies: resolvePolicies('none,argo,flagger,kayenta,oracle') }).report;
    expect(strip(again)).toEqual(strip(report));
    const threaded = await backtestParallel({ threads: 2, scenario: loadScenario('default'), seed: 11, deployments: 250, policies: resolvePolicies('none,argo,flagger,kayenta,oracle') });
    expect(strip(threaded.report)).toEqual(strip(report));
    const other = backtest({ scenario: loadScenario('default'), seed: 12, deployments: 250, policies: resolvePolicies('none') }).report;
    expect(other.policies.none.blastRadius).not.toBe(report.policies.none.blastRadius);
  });
  // The command run in this process (its exit code and output; the process itself is tested in test/cli.test.ts).
  it('the CLI prints the documented JSON shape and rejects bad flags with a named field', async () => {
    const r = await inProcess(['backtest', '--scenario', 'default', '--seed', '3', '--deployments', '40', '--policies', 'none,oracle', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j).slice(0, 4)).toEqual(['scenario', 'seed', 'deployments', 'policies']);
    expect(j.deployments).toBe(40);
    expect(Object.keys(j.policies)).toEqual(['none', 'oracle']);
    for (const k of ['preventionRate', 'falseRollbackRate', 'medianLeadTimeMin', 'medianTimeToDetectS', 'medianTimeToRecoverS', 'blastRadius', 'meanTimeToFullRolloutMin', 'violating', 'prevented', 'falseRollbacks', 'tenantsImpacted', 'customerMinutesExposed']) {
      expect(j.policies.none).toHaveProperty(k);
    }
    const bad = await inProcess(['backtest', '--deployments', '10', '--policies', 'none,magic']);
    expect(bad.code).toBe(1); // a bad flag value is a usage error
    expect(bad.stderr).toMatch(/--policies: unknown policy "magic"/);
  });
  it('--replay re-judges recorded rollouts and reports verdict accuracy', async () => {
    const r = await inProcess(['backtest', '--replay', 'examples/replay-sample.csv', '--policies', 'kayenta,flagger', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j.judges)).toEqual(['kayenta', 'flagger']);
    expect(j.labelledWindows).toBeGreaterThan(0);
    expect(j.judges.kayenta.accuracy).toBeGreaterThan(0.5);
    expect(j.judges.kayenta.accuracy).toBeLessThanOrEqual(1);
    expect(j).not.toHaveProperty('rows');
  });
});
