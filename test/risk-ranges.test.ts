// The valid range of each risk feature, defined once (lib/value-range.ts, carried by the feature specs): the
// deployment-history importer, the feedback rows used for training and the server (test/server.test.ts,
// test/server-extensions.test.ts) all refuse the same values.
import { describe, it, expect } from 'vitest';
import { SIM_RISK_SPECS } from '../training/risk/sim.ts';
import { feedbackRows } from '../training/risk/feedback.ts';
import { rangeProblem, VALUE_RANGES } from '../lib/value-range.ts';
import { GamModel, GAM_DEFAULTS } from '../training/gam.ts';
import { NoAnswer, riskScore } from '../server/decide.ts';

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

describe('risk score of a hand-made model (server/decide.ts riskScore)', () => {
  // logit = 0.5 * z(lines_added) + 1.0 * z(test_coverage); encoders without hinges.
  const model = (withRanges: boolean) =>
    GamModel.fromJSON({
      format: 'rolloutlab-gam-1',
      specs: [
        { name: 'lines_added', kind: 'numeric', transform: 'none', range: 'count' },
        { name: 'test_coverage', kind: 'numeric', transform: 'none', range: 'fraction' },
      ],
      interactions: [],
      encoders: [
        { mean: 100, sd: 50, knots: [], median: 80, offset: 0, width: 1, colMeans: [0], ...(withRanges ? { min: 1, max: 400 } : {}) },
        { mean: 0.5, sd: 0.2, knots: [], median: 0.5, offset: 1, width: 1, colMeans: [0], ...(withRanges ? { min: 0.1, max: 0.9 } : {}) },
      ],
      interactionMeans: [],
      weights: [0.5, 1],
      bias: 0,
      platt: { a: 1, b: 0 },
      options: GAM_DEFAULTS,
      training: { epochs: 1, bestEpoch: 0, trainLoss: 0, validationLoss: 0, nTrain: 1, nValidation: 1 },
    });
  const risk = { model: model(true), version: 'v0001' };

  it('an imputed feature is listed, enters the score at its median, and is never a reason', () => {
    const r = riskScore({ features: { lines_added: 300 } }, risk);
    expect(r.imputed).toEqual(['test_coverage']);
    expect(r.reasons.map((x) => x.feature)).toEqual(['lines_added']);
    expect(r.complete).toBe(false);
    expect(r.probability).toBeCloseTo(1 / (1 + Math.exp(-0.5 * (300 - 100) / 50)), 12);
  });

  it('complete only with every feature given inside the training range; a model without recorded ranges is never complete', () => {
    expect(riskScore({ features: { lines_added: 300, test_coverage: 0.5 } }, risk)).toMatchObject({ complete: true, outsideTraining: [], imputed: [] });
    expect(riskScore({ features: { lines_added: 4000, test_coverage: 0.5 } }, risk)).toMatchObject({ complete: false, outsideTraining: [{ feature: 'lines_added', value: 4000, min: 1, max: 400 }] });
    expect(riskScore({ features: { lines_added: 300, test_coverage: 0.5 } }, { model: model(false), version: 'v0000' })).toMatchObject({ complete: false, outsideTraining: [] });
    expect(() => riskScore({ features: { lines_added: -5 } }, risk)).toThrow(/body\.features\.lines_added is not a non-negative integer \(got -5\)/);
    expect(() => riskScore({ features: { test_coverage: 1.5 } }, risk)).toThrow(/body\.features\.test_coverage is outside \[0, 1\]/);
  });

  it('a score that is not a number is no answer (422), not a probability', () => {
    // An infinite weight (a corrupt model) makes the logit infinite or NaN.
    expect(() => riskScore({ features: { lines_added: 2 ** 31 - 1, test_coverage: 0 } }, { model: GamModel.fromJSON({ ...risk.model.toJSON(), weights: [Infinity, 1] }), version: 'v0001' })).toThrow(NoAnswer);
  });
});
