// The evidence rule (judges/evidence.ts): no window judge passes a window in which too few minutes were observed.
import { describe, it, expect } from 'vitest';
import type { CohortMetrics } from '../sim/env.ts';
import { MIN_EVIDENCE_MINUTES, evidenceFor, judgeNeeds, minEvidenceMinutes, windowEvidence } from '../judges/evidence.ts';
import { argoWindowJudge, flaggerWindowJudge, kayentaWindowJudge, windowJudges, type AnalysisWindow } from '../judges/window-judges.ts';

const m = (requests: number, errors: number, o: { p50?: number | null; p99?: number | null } = {}): CohortMetrics => ({
  requests,
  errors,
  slow: 0,
  latencyP50: o.p50 === undefined ? 40 : o.p50,
  latencyP95: null,
  latencyP99: o.p99 === undefined ? 120 : o.p99,
  cpu: 0.3,
  memory: 0.4,
  pool: 0.1,
  conversions: Math.floor(requests / 50),
  callerRequests: 0,
  callerErrors: 0,
});
/** Healthy minutes at `keep`, nothing at the others. */
const sparse = (n: number, keep: number[]): AnalysisWindow => ({
  canary: Array.from({ length: n }, (_, i) => (keep.includes(i) ? m(1200, 2) : null)),
  baseline: Array.from({ length: n }, (_, i) => (keep.includes(i) ? m(1200, 2) : null)),
  latencyObjectiveMs: 300,
});

describe('evidence rule', () => {
  it('a window needs more than half its minutes usable, and at least 3 (every minute when shorter)', () => {
    expect(MIN_EVIDENCE_MINUTES).toBe(3);
    expect([1, 2, 3, 4, 5, 6, 10, 20, 60].map(minEvidenceMinutes)).toEqual([1, 2, 3, 3, 3, 4, 6, 11, 31]);
  });

  it('counts usable minutes per cause: missing samples, missing latency with requests, provider errors', () => {
    const w: AnalysisWindow = {
      canary: [null, m(0, 0, { p50: null, p99: null }), m(1200, 2, { p99: null }), m(1200, 2), m(1200, 2), m(1200, 2)],
      baseline: [m(1200, 2), m(1200, 2), m(1200, 2), m(1200, 2), null, m(1200, 2, { p50: Number.NaN })],
      providerError: [false, false, false, true, false, false],
    };
    const e = windowEvidence(w, judgeNeeds('kayenta', w));
    // Minute 1 is usable: the canary served no requests (observed, nothing to time).
    expect(e).toMatchObject({ sufficient: false, minutes: 6, usable: 1, needed: 4 });
    expect(e.reasons[0]).toBe(
      'insufficient evidence: 1 of 6 minute(s) usable, at least 4 needed (a usable minute has a sample of the canary and the baseline with request and error counts and, when it served requests, p99 latency and p50 latency)',
    );
    expect(e.reasons.slice(1)).toEqual(['canary: no sample in 1 minute(s)', 'canary: no p99 latency in 1 minute(s)', 'metrics provider error in 1 minute(s)', 'baseline: no sample in 1 minute(s)', 'baseline: no p50 latency in 1 minute(s)']);
    // The fixed-threshold judges read the canary alone, and p99 only; a latency the source does not record is not needed.
    expect(judgeNeeds('argo', {})).toEqual({ baseline: false, latency: ['latencyP99'] });
    expect(judgeNeeds('ml', { recorded: { latencyP50: false } })).toEqual({ baseline: true, latency: ['latencyP99'] });
    expect(evidenceFor('flagger', w).usable).toBe(3);
    expect(evidenceFor('flagger', { ...w, recorded: { latencyP99: false } }).usable).toBe(4);
  });

  it('counts whose window total overflows are no evidence: no judge passes 1e308 requests a minute (the learned judge passed them)', () => {
    const huge = () => ({ ...m(1e308, 0), conversions: 0 });
    const w: AnalysisWindow = { canary: Array.from({ length: 5 }, huge), baseline: Array.from({ length: 5 }, huge), latencyObjectiveMs: 300 };
    const e = evidenceFor('ml', w);
    expect(e.sufficient).toBe(false);
    expect(e.reasons[0]).toMatch(/^insufficient evidence: the window's canary requests, baseline requests do not add up to a finite total/);
    // The fixed-threshold judges read the canary alone; its sum overflows too.
    expect(evidenceFor('argo', w).sufficient).toBe(false);
    for (const j of windowJudges().values()) expect(j.judge(w).verdict, j.name).not.toBe('pass');
    // One such minute among ordinary ones adds up: that is the judges' own business (outliers), not an evidence gap.
    expect(evidenceFor('ml', { ...w, canary: [huge(), m(1200, 2), m(1200, 2), m(1200, 2), m(1200, 2)], baseline: Array.from({ length: 5 }, () => m(1200, 2)) }).sufficient).toBe(true);
  });

  it('no window judge passes 1 of 5 minutes of data (each did before): inconclusive, with the shortfall first', () => {
    const w = sparse(5, [0]);
    for (const j of windowJudges().values()) {
      const v = j.judge(w);
      expect(v.verdict, j.name).toBe('inconclusive');
      expect(v.reasons[0], j.name).toMatch(/^insufficient evidence: 1 of 5 minute\(s\) usable, at least 3 needed/);
    }
    // Two of five: still too few; three of five: the judges decide.
    for (const j of windowJudges().values()) expect(j.judge(sparse(5, [0, 4])).verdict, j.name).toBe('inconclusive');
    for (const j of windowJudges().values()) expect(j.judge(sparse(5, [0, 2, 4])).verdict, j.name).toBe('pass');
  });

  it("a judge's own fail on little data stands (the rule only blocks a pass)", () => {
    const w: AnalysisWindow = { ...sparse(5, [0]), canary: [m(1200, 600), null, null, null, null] };
    expect(argoWindowJudge().judge(w).verdict).toBe('fail');
    // Flagger: one bad minute and four minutes without values are five failed checks.
    expect(flaggerWindowJudge().judge(w).verdict).toBe('fail');
    expect(kayentaWindowJudge().judge(w).verdict).toBe('fail');
  });

  it('a window without p99 values on the canary is not evidence for a judge that reads p99', () => {
    const w: AnalysisWindow = {
      canary: Array.from({ length: 5 }, () => m(1200, 2, { p99: null, p50: null })),
      baseline: Array.from({ length: 5 }, () => m(1200, 2)),
      latencyObjectiveMs: 300,
    };
    // Flagger counts the missing duration as failed checks (fail); Argo and Kayenta would not fail, and do not pass.
    expect(argoWindowJudge().judge(w).verdict).not.toBe('pass');
    expect(kayentaWindowJudge().judge(w).verdict).not.toBe('pass');
    // Recorded as not measured at all, the latency is left out and the window is evidence again.
    expect(argoWindowJudge().judge({ ...w, recorded: { latencyP99: false, latencyP50: false } }).verdict).toBe('pass');
  });
});
