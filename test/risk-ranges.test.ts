// The valid range of each risk feature, defined once (lib/value-range.ts, carried by the feature specs): the
// deployment-history importer, the feedback rows used for training and the server (test/server.test.ts,
// test/server-extensions.test.ts) all refuse the same values.
import { describe, it, expect } from 'vitest';
import { SIM_RISK_SPECS } from '../training/risk/sim.ts';
import { feedbackRows } from '../training/risk/feedback.ts';
import { rangeProblem, VALUE_RANGES } from '../lib/value-range.ts';

const numeric = SIM_RISK_SPECS.flatMap((s) => (s.kind === 'numeric' ? [s] : []));

/** A record every feature of which is valid (all numbers 1 or a share of 0.5, categories their first level). */
function validFeatures(): Record<string, number | string> {
  const f: Record<string, number | string> = {};
  for (const s of SIM_RISK_SPECS) {
    if (s.kind === 'category') f[s.name] = s.levels[0];
    else if (s.kind === 'binary') f[s.name] = 0;
    else f[s.name] = s.kind === 'numeric' && (s.range === 'fraction' || s.range === 'signed-unit') ? 0.5 : 1;
  }
  return f;
}

describe('risk feature ranges', () => {
  it('every numeric built-in risk feature carries a range: counts, non-negative numbers, shares in [0, 1], the hour in [-1, 1]', () => {
    for (const s of numeric) expect(VALUE_RANGES, s.name).toContain(s.range);
    const range = (n: string) => numeric.find((s) => s.name === n)?.range;
    expect(range('lines_added')).toBe('count');
    expect(range('test_coverage')).toBe('fraction');
    expect(range('service_recent_failure_rate')).toBe('fraction');
    expect(range('oncall_cover')).toBe('fraction');
    expect(range('load_at_start')).toBe('nonneg');
    expect(range('hour_sin')).toBe('signed-unit');
  });

  it('the ranges say what the importer said: a negative or fractional count, a share above 1', () => {
    expect(rangeProblem('count', -5)).toBe('is not a non-negative integer');
    expect(rangeProblem('count', 2.5)).toBe('is not a non-negative integer');
    expect(rangeProblem('count', 1e308)).toBe('is not a non-negative integer');
    expect(rangeProblem('count', 12)).toBeNull();
    expect(rangeProblem('nonneg', -0.1)).toBe('is not a non-negative number');
    expect(rangeProblem('fraction', 1.5)).toBe('is outside [0, 1]');
    expect(rangeProblem('fraction', NaN)).toBe('is not a number');
    expect(rangeProblem('signed-unit', -1)).toBeNull();
  });

  it('feedback rows skip a negative count or a share above 1 as invalid values, like the server refuses them', () => {
    const ok = { deploymentId: 'ok', outcome: 'success', startedAt: '2026-03-02T10:00:00Z', features: validFeatures() };
    expect(feedbackRows([ok], SIM_RISK_SPECS).n).toBe(1);
    const rows = feedbackRows(
      [
        ok,
        { ...ok, deploymentId: 'neg', features: { ...validFeatures(), lines_added: -5 } },
        { ...ok, deploymentId: 'share', features: { ...validFeatures(), test_coverage: 1.5 } },
        { ...ok, deploymentId: 'frac', features: { ...validFeatures(), files_changed: 2.5 } },
      ],
      SIM_RISK_SPECS,
    );
    expect(rows.n).toBe(1);
    expect(rows.skippedReasons.invalid_values).toBe(3);
    expect(rows.invalidFeatures).toEqual({ files_changed: 1, lines_added: 1, test_coverage: 1 });
  });
});
