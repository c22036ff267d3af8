// The retry model (training/retry/model.ts) learns from failed steps: on a toy world of registry 503s (a retry fixes
// them) and compile errors (it never does), with the same surrounding noise, it separates held-out steps it never saw,
// is deterministic for a seed, and scores the same after a JSON round trip.
import { describe, it, expect } from 'vitest';
import { Rng } from '../lib/rng.ts';
import { parseFailedStep } from '../datasets/failed-step.ts';
import { stepFeatures } from '../training/retry/features.ts';
import { fitRetryModel, RetryModel, type RetryRow } from '../training/retry/model.ts';
import { fitPlatt } from '../training/gam.ts';

function toyRows(seed: number, n: number): RetryRow[] {
  const rng = new Rng(seed, 'toy-retry');
  const noise = ['Downloading layer {h}', 'Step {n}/12 : RUN make', 'npm WARN deprecated pkg@{v}', 'Resolving deltas: 100% ({n}/{n})'];
  const fill = (s: string) => s.replace(/\{h\}/g, () => rng.int(1e6, 9e6).toString(16)).replace(/\{n\}/g, () => String(rng.int(1, 999))).replace(/\{v\}/g, () => `${rng.int(0, 9)}.${rng.int(0, 20)}.${rng.int(0, 9)}`);
  return Array.from({ length: n }, (_, i) => {
    const transient = i % 2 === 0;
    const lines = Array.from({ length: rng.int(3, 8) }, () => fill(noise[rng.int(0, noise.length - 1)]));
    lines.push(fill(transient ? 'error pushing image: received unexpected HTTP status: 503 Service Unavailable (after {n}ms)' : "src/app/mod{n}.ts({n},{n}): error TS2345: Argument of type 'string' is not assignable"));
    const step = parseFailedStep({ step: transient ? 'image-push' : 'build', exitCode: transient ? 1 : 2, log: lines.join('\n') });
    return { x: stepFeatures(step), retrySucceeds: transient, category: transient ? 'registry' : 'code' };
  });
}

describe('the retry model', () => {
  const train = toyRows(1, 400);
  const validation = toyRows(2, 100);
  const test = toyRows(3, 100);
  const m = fitRetryModel(train, validation);

  it('separates held-out steps and names their category', () => {
    for (const r of test) {
      const p = m.pRetry(r.x);
      expect(p > 0.5).toBe(r.retrySucceeds);
      expect(m.category(r.x).category).toBe(r.category);
    }
  });

  it('is deterministic for a seed and scores the same after a JSON round trip', () => {
    const again = fitRetryModel(train, validation);
    expect(again.json).toEqual(m.json);
    const copy = new RetryModel(JSON.parse(JSON.stringify(m.json)));
    for (const r of test.slice(0, 20)) expect(copy.pRetry(r.x)).toBe(m.pRetry(r.x));
    expect(() => new RetryModel({ ...m.json, format: 'old' as never })).toThrow(/retrain/);
  });

  it('Platt scaling maps logits to calibrated probabilities, and separable logits keep a positive slope', () => {
    const logits = Array.from({ length: 200 }, (_, i) => (i - 100) / 20);
    const y = logits.map((z, i) => ((i % 7 === 0 ? z < 0 : z > 0) ? 1 : 0));
    const { a, b } = fitPlatt(logits, y, { smooth: true });
    expect(a).toBeGreaterThan(0);
    expect(Math.abs(b)).toBeLessThan(0.5);
    // Perfectly separated logits: a full Newton step overshoots; the halved steps keep the slope positive.
    const sep = Array.from({ length: 100 }, (_, i) => (i < 50 ? -7.5 : 7.5));
    expect(fitPlatt(sep, sep.map((z) => (z > 0 ? 1 : 0)), { smooth: true }).a).toBeGreaterThan(0);
  });
});
