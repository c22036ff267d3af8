// The prevention ceiling (backtest/rollback-ceiling.ts, `rolloutlab bench rollback`): its prevention figures are the
// backtester's own, its buckets partition the violations, and its ceilings are ordered.
import { describe, expect, it } from 'vitest';
import { loadScenario } from '../sim/index.ts';
import { backtest } from '../backtest/run.ts';
import { resolvePolicies } from '../policies/index.ts';
import { preventionVisibility, formatPreventionVisibility } from '../backtest/rollback-ceiling.ts';

describe('prevention visibility', () => {
  const o = { scenario: 'default', seed: 7, deployments: 240 };
  const v = preventionVisibility(resolvePolicies('none,kayenta,oracle'), o);

  it('counts the same violations and preventions as the backtester', () => {
    const run = backtest({ scenario: loadScenario(o.scenario), seed: o.seed, deployments: o.deployments, policies: resolvePolicies('none,kayenta,oracle') });
    expect(v.deployments).toBe(o.deployments);
    expect(v.violating).toBe(run.report.policies.kayenta.violating);
    expect(v.violating).toBeGreaterThan(10);
    for (const p of ['none', 'kayenta', 'oracle']) expect(v.prevention[p]).toBeCloseTo(run.report.policies[p].preventionRate!, 12);
    expect(v.prevention.none).toBe(0);
    expect(v.prevention.oracle).toBe(1);
  });

  it('partitions the violations by expected z and orders the ceilings', () => {
    expect(v.buckets.reduce((a, b) => a + b.violating, 0)).toBe(v.violating);
    expect(v.kinds.reduce((a, k) => a + k.violating, 0)).toBe(v.violating);
    for (const k of v.kinds) expect(k.below2).toBeLessThanOrEqual(k.below3);
    const c = v.ceilings.map((x) => x.prevention);
    expect(c[0]).toBeGreaterThanOrEqual(c[1]);
    expect(c[1]).toBeGreaterThanOrEqual(c[2]);
    expect(c[0]).toBeLessThanOrEqual(1);
    // Most violations of the default scenario leave ample evidence before they breach.
    expect(v.buckets[v.buckets.length - 1].violating).toBeGreaterThan(v.violating / 2);
    expect(formatPreventionVisibility(v)).toContain('optimistic ceilings');
  });

  it('is deterministic', () => {
    expect(preventionVisibility(resolvePolicies('none,kayenta,oracle'), o)).toEqual(v);
  });
});
