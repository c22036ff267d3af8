// Tests for the window judges (judges/window-judges.ts) and the replay re-judging runner (backtest/replay.ts).
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { isRolloutlabError, type ErrorCode } from '../lib/errors.ts';
import type { CohortMetrics } from '../sim/env.ts';
import { parseCsv } from '../datasets/csv.ts';
import { formatReplay, judgeReplay, MAX_DEPLOYMENT_TICKS, readReplay, replayRowsCsv, runReplay, type ReplayReport } from '../backtest/replay.ts';
import { argoWindowJudge, flaggerWindowJudge, kayentaWindowJudge, resolveWindowJudges, windowJudges, type AnalysisWindow } from '../judges/window-judges.ts';
import { makeReplaySample } from '../scripts/make-replay-sample.ts';

const SAMPLE = join(import.meta.dirname, '..', 'examples', 'replay-sample.csv');

const tmpDirs: string[] = [];
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});
async function tmpFile(name: string, text: string): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'rolloutlab-replay-'));
  tmpDirs.push(d);
  const p = join(d, name);
  await writeFile(p, text);
  return p;
}

/** Awaits a rejection and checks its code, field and that the message contains every fragment. */
async function expectError(p: Promise<unknown>, code: ErrorCode, fragments: string[], field?: string) {
  const e = await p.then(() => undefined, (x: unknown) => x);
  expect(isRolloutlabError(e), `expected a RolloutlabError, got ${String(e)}`).toBe(true);
  if (!isRolloutlabError(e)) return;
  expect(e.code).toBe(code);
  for (const f of fragments) expect(e.message).toContain(f);
  if (field !== undefined) expect(e.field).toBe(field);
}

function syncError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** One tick of one cohort's metrics. */
const m = (requests: number, errors: number, o: { p50?: number | null; p99?: number | null; conversions?: number } = {}): CohortMetrics => ({
  requests,
  errors,
  slow: 0,
  latencyP50: o.p50 === undefined ? 40 : o.p50,
  latencyP95: null,
  latencyP99: o.p99 === undefined ? 100 : o.p99,
  cpu: 0.3,
  memory: 0.5,
  pool: 0.2,
  conversions: o.conversions ?? Math.round(requests * 0.03),
  callerRequests: 0,
  callerErrors: 0,
});
const times = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

const HEAD = 'deployment_id,tick,cohort,requests,errors,latency_p50_ms,latency_p99_ms,kpi,latency_objective_ms,label';

describe('replay file: parsing', () => {
  it('reads CSV: aliases, gaps as missing samples, labels, the objective, what is recorded, unknown columns', async () => {
    const p = await tmpFile(
      'ok.csv',
      [
        HEAD + ',service,timestamp,colour',
        'd1,3,control,100,1,40,120,3,250,pass,svc-a,2026-01-01T00:00:00Z,red',
        'd1,3,experiment,10,0,41,130,,,0,,,blue',
        'd1,5,primary,90,0,39,110,2,,FAIL,,,',
        'd1,5,Canary,11,1,,,1,250,true,,,',
        'd2,0,baseline,5,0,,,,,,,,',
        'd2,1,canary,0,0,,,,,,svc-b,,',
      ].join('\n') + '\n',
    );
    const data = await readReplay(p);
    expect(data.format).toBe('csv');
    expect(data.rows).toBe(6);
    expect(data.warnings).toEqual([`${p}: unknown column "colour" ignored`]);
    expect(data.deployments.map((d) => d.id)).toEqual(['d1', 'd2']);
    const [d1, d2] = data.deployments;
    expect(d1.firstTick).toBe(3);
    expect(d1.service).toBe('svc-a');
    expect(d1.latencyObjectiveMs).toBe(250);
    // ticks 3, 4 (missing: null, not an error), 5
    expect(d1.baseline.map((x) => x?.requests ?? null)).toEqual([100, null, 90]);
    expect(d1.canary.map((x) => x?.requests ?? null)).toEqual([10, null, 11]);
    expect(d1.canary[2]!.latencyP99).toBeNull();
    expect(d1.canary[0]!.conversions).toBeNaN();
    expect(d1.labels).toEqual(['pass', null, 'fail']);
    expect(d1.recorded).toEqual({ latencyP50: true, latencyP99: true, kpi: true });
    expect(d2.firstTick).toBe(0);
    expect(d2.service).toBe('svc-b');
    expect(d2.latencyObjectiveMs).toBeNull();
    expect(d2.recorded).toEqual({ latencyP50: false, latencyP99: false, kpi: false });
    expect(d2.labels).toEqual([null, null]);
  });

  it('reads JSON Lines to the same data as the equivalent CSV', async () => {
    const csvPath = await tmpFile('a.csv', [HEAD + ',provider_error', 'd1,0,baseline,100,1,40,120,3,250,pass,false', 'd1,0,canary,10,0,41,130,,250,pass,', 'd1,1,baseline,,,,,,,fail,1', 'd1,1,canary,,,,,,,fail,true'].join('\r\n'));
    const jsonl = [
      '{"deployment_id":"d1","tick":0,"cohort":"baseline","requests":100,"errors":1,"latency_p50_ms":40,"latency_p99_ms":120,"kpi":3,"latency_objective_ms":250,"label":"pass","provider_error":false}',
      '',
      '{"deployment_id":"d1","tick":0,"cohort":"canary","requests":10,"errors":0,"latency_p50_ms":41,"latency_p99_ms":130,"kpi":null,"latency_objective_ms":250,"label":0}',
      '{"deployment_id":"d1","tick":1,"cohort":"baseline","label":true,"provider_error":1}',
      '{"deployment_id":"d1","tick":1,"cohort":"canary","label":"fail","provider_error":true}',
    ].join('\n');
    const jsonlPath = await tmpFile('a.jsonl', jsonl);
    const a = await readReplay(csvPath);
    const b = await readReplay(jsonlPath);
    expect(b.format).toBe('jsonl');
    expect(b.deployments).toEqual(a.deployments);
    expect(a.deployments[0].providerError).toEqual([false, true]);
    expect(a.deployments[0].canary[1]).toBeNull();
    expect(a.deployments[0].labels).toEqual(['pass', 'fail']);
  });

  const row = 'd1,0,baseline,100,1,40,120,3,250,pass';
  const cases: [string, string, string[], string | undefined][] = [
    ['missing required column', 'deployment_id,tick,cohort,requests\nd1,0,canary,5\n', ['line 1', 'missing required column "errors"'], 'errors'],
    ['header only', HEAD + '\n', ['no data rows'], undefined],
    ['row with too few fields', `${HEAD}\n${row}\nd1,1,canary,5\n`, ['line 3', '4 fields, expected 10'], undefined],
    ['fractional tick', `${HEAD}\n${row}\nd1,1.5,canary,5,0,,,,,\n`, ['line 3', 'column "tick"', '"1.5"', 'is not a non-negative integer'], 'tick'],
    ['negative tick', `${HEAD}\nd1,-1,canary,5,0,,,,,\n`, ['line 2', 'column "tick"', '"-1"', 'is not a non-negative integer'], 'tick'],
    ['unknown cohort', `${HEAD}\n${row}\nd1,0,canery,5,0,,,,,\n`, ['line 3', 'column "cohort"', '"canery"', 'is not a cohort'], 'cohort'],
    ['cohort named like an Object member', `${HEAD}\nd1,0,constructor,5,0,,,,,\n`, ['line 2', 'column "cohort"', '"constructor"', 'is not a cohort'], 'cohort'],
    ['empty deployment_id', `${HEAD}\n,0,canary,5,0,,,,,\n`, ['line 2', 'column "deployment_id"', 'is empty; the column is required'], 'deployment_id'],
    ['empty requests', `${HEAD}\n${row}\nd1,0,canary,,0,,,,,\n`, ['line 3', 'column "requests"', 'is empty; the column is required'], 'requests'],
    ['non-integer requests', `${HEAD}\nd1,0,canary,5.5,0,,,,,\n`, ['line 2', 'column "requests"', '"5.5"', 'is not a non-negative integer'], 'requests'],
    ['errors above requests', `${HEAD}\nd1,0,canary,10,11,,,,,\n`, ['line 2', 'column "errors"', '"11"', 'is more than requests (10)'], 'errors'],
    ['negative errors', `${HEAD}\nd1,0,canary,10,-1,,,,,\n`, ['line 2', 'column "errors"', '"-1"', 'is not a non-negative integer'], 'errors'],
    ['latency not a number', `${HEAD}\nd1,0,canary,10,0,fast,,,,\n`, ['line 2', 'column "latency_p50_ms"', '"fast"', 'is not a number'], 'latency_p50_ms'],
    ['negative latency', `${HEAD}\nd1,0,canary,10,0,,-3,,,\n`, ['line 2', 'column "latency_p99_ms"', '"-3"', 'is negative'], 'latency_p99_ms'],
    ['NaN kpi', `${HEAD}\nd1,0,canary,10,0,,,NaN,,\n`, ['line 2', 'column "kpi"', '"NaN"', 'is not a number'], 'kpi'],
    ['zero objective', `${HEAD}\nd1,0,canary,10,0,,,,0,\n`, ['line 2', 'column "latency_objective_ms"', '"0"', 'is not positive'], 'latency_objective_ms'],
    ['two objectives in one deployment', `${HEAD}\n${row}\nd1,0,canary,10,0,,,,300,\n`, ['line 3', 'column "latency_objective_ms"', '"300"', 'differs from 250 on line 2'], 'latency_objective_ms'],
    ['bad label', `${HEAD}\nd1,0,canary,10,0,,,,,bad\n`, ['line 2', 'column "label"', '"bad"', 'is not a label'], 'label'],
    ['bad provider_error', `${HEAD},provider_error\nd1,0,canary,10,0,,,,,,maybe\n`, ['line 2', 'column "provider_error"', '"maybe"', 'is not a boolean'], 'provider_error'],
    ['duplicate row (after aliases)', `${HEAD}\n${row}\nd1,1,canary,10,0,,,,,\nd1,0,control,10,0,,,,,\n`, ['line 4', 'duplicate row', 'deployment_id "d1", tick 0, cohort baseline', 'first given on line 2'], 'cohort'],
    ['ticks too far apart', `${HEAD}\n${row}\nd1,${MAX_DEPLOYMENT_TICKS},canary,10,0,,,,,\n`, ['line 3', 'column "tick"', `at most ${MAX_DEPLOYMENT_TICKS} ticks per deployment`, '(line 2)'], 'tick'],
  ];
  for (const [name, text, fragments, field] of cases) {
    it(`rejects CSV: ${name}`, async () => {
      const p = await tmpFile('bad.csv', text);
      await expectError(readReplay(p), 'BAD_DATA', [p, ...fragments], field);
    });
  }

  const jsonCases: [string, string, string[], string | undefined][] = [
    ['invalid JSON', '{"deployment_id":"d1","tick":0,"cohort":"canary","requests":1,"errors":0}\n{"deployment_id":', ['line 2', 'not valid JSON'], undefined],
    ['not an object', '\n[1,2,3]\n', ['line 2', 'is not a JSON object'], undefined],
    ['nested value', '{"deployment_id":"d1","tick":0,"cohort":"canary","requests":{"n":1},"errors":0}', ['line 1', 'column "requests"', 'is not a scalar'], 'requests'],
    ['missing key', '{"deployment_id":"d1","tick":0,"cohort":"canary","requests":1}', ['line 1', 'column "errors"', 'is empty; the column is required'], 'errors'],
    ['string tick', '{"deployment_id":"d1","tick":"three","cohort":"canary","requests":1,"errors":0}', ['line 1', 'column "tick"', '"three"', 'is not a non-negative integer'], 'tick'],
    ['empty file', '\n\n', ['no data rows'], undefined],
  ];
  for (const [name, text, fragments, field] of jsonCases) {
    it(`rejects JSON Lines: ${name}`, async () => {
      const p = await tmpFile('bad.jsonl', text);
      await expectError(readReplay(p), 'BAD_DATA', [p, ...fragments], field);
    });
  }

  it('rejects an unknown extension (BAD_ARGUMENT) and a missing file (NOT_FOUND)', async () => {
    await expectError(readReplay(await tmpFile('x.tsv', 'a\tb\n')), 'BAD_ARGUMENT', ['unknown replay file type ".tsv"']);
    await expectError(readReplay(join(tmpdir(), 'no-such-dir-rolloutlab', 'x.csv')), 'NOT_FOUND', ['file not found']);
  });
});

describe('window judges', () => {
  const healthy = (n: number): AnalysisWindow => ({ canary: times(n, () => m(200, 0)), baseline: times(n, () => m(1800, 2)), latencyObjectiveMs: 300 });

  it('registry: the three baselines by name; unknown and repeated names are BAD_ARGUMENT', () => {
    expect([...windowJudges().keys()]).toEqual(['kayenta', 'argo', 'flagger']);
    expect(resolveWindowJudges('flagger, argo').map((j) => j.name)).toEqual(['flagger', 'argo']);
    for (const [names, frag] of [[['argo', 'nope'], 'unknown window judge "nope" (known: kayenta, argo, flagger)'], [['argo', 'argo'], 'argo is listed twice'], [[], 'at least one']] as const) {
      const e = syncError(() => resolveWindowJudges(names));
      expect(isRolloutlabError(e) && e.code).toBe('BAD_ARGUMENT');
      expect((e as Error).message).toContain(frag);
    }
  });

  it('all three pass a healthy window and fail a clear error-rate step', () => {
    const bad: AnalysisWindow = { canary: times(5, () => m(200, 30, { p99: 180 })), baseline: times(5, () => m(1800, 2)), latencyObjectiveMs: 300 };
    for (const j of windowJudges().values()) {
      expect(j.judge(healthy(5)).verdict, j.name).toBe('pass');
      expect(j.judge(bad).verdict, j.name).toBe('fail');
    }
    const k = kayentaWindowJudge().judge(bad);
    expect(k.score).toBe(0);
    expect(k.reasons.join('\n')).toContain('error-ratio High');
    expect(argoWindowJudge().judge(bad).reasons.join('\n')).toContain('1 failed measurement(s) > failureLimit 0');
  });

  it('rejects cohorts of different lengths', () => {
    for (const j of windowJudges().values()) {
      const e = syncError(() => j.judge({ canary: [m(1, 0)], baseline: [] }));
      expect(isRolloutlabError(e) && e.code, j.name).toBe('BAD_ARGUMENT');
    }
  });

  it('flagger: no data is a failed check; threshold (5) failed checks in the window → fail, fewer → pass', () => {
    const none: AnalysisWindow = { canary: [null, m(0, 0, { p50: null, p99: null }), null, null, null], baseline: times(5, () => m(30, 0)), latencyObjectiveMs: 300 };
    const v = flaggerWindowJudge().judge(none);
    expect(v.verdict).toBe('fail');
    expect(v.reasons[0]).toBe('5 failed checks >= threshold 5: rollback');
    expect(v.reasons.filter((r) => r.includes('canary not receiving traffic'))).toHaveLength(5);
    // Four failed checks are fewer than the threshold, but three minutes without a sample leave too little for a pass.
    const four = { ...none, canary: [...none.canary.slice(0, 4), m(30, 0)] };
    const p = flaggerWindowJudge().judge(four);
    expect(p.verdict).toBe('inconclusive');
    expect(p.reasons[0]).toContain('insufficient evidence: 2 of 5 minute(s) usable, at least 3 needed');
    expect(p.reasons).toContain('5 check(s), 4 failed < threshold 5');
    // With enough minutes of data, fewer failed checks than the threshold pass.
    const two = { ...none, canary: [null, m(0, 0, { p50: null, p99: null }), m(30, 0), m(30, 0), m(30, 0)] };
    expect(flaggerWindowJudge().judge(two).reasons[0]).toBe('5 check(s), 2 failed < threshold 5');
    expect(flaggerWindowJudge().judge(two).verdict).toBe('pass');
    // A provider error is a failed check too.
    const pe = flaggerWindowJudge().judge({ ...healthy(5), providerError: [true, true, true, true, true] });
    expect(pe.verdict).toBe('fail');
    expect(pe.reasons).toContain('tick 0: metrics provider error');
    // A window shorter than the threshold cannot fail, and without data it does not pass either.
    expect(flaggerWindowJudge().judge({ canary: [null, null, null], baseline: [null, null, null] }).verdict).toBe('inconclusive');
  });

  it('argo: no data → inconclusive (the rollout pauses), not fail', () => {
    const v = argoWindowJudge().judge({ canary: times(5, () => null), baseline: times(5, () => m(30, 0)), latencyObjectiveMs: 300 });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons[0]).toBe('tick 0: 1 inconclusive measurement(s) > inconclusiveLimit 0: rollout paused');
    expect(v.reasons).toContain('no data: the canary has no samples or no requests in the lookback');
    // A success rate between the failure and success conditions is Inconclusive as well.
    expect(argoWindowJudge().judge({ ...healthy(5), canary: times(5, () => m(200, 4)) }).verdict).toBe('inconclusive');
  });

  it('argo: provider errors fail only after more than consecutiveErrorLimit errored measurements in a row', () => {
    const w = (flags: boolean[], tickSeconds?: number): AnalysisWindow => ({ ...healthy(flags.length), providerError: flags, tickSeconds });
    // 10-second ticks: one errored measurement per tick. (Healthy ticks first, so that the errored ones leave enough
    // usable minutes for a pass.)
    const ok = (k: number) => times(k, () => false);
    expect(argoWindowJudge().judge(w([...ok(6), true, true, true, true, false, false], 10)).verdict).toBe('pass');
    // Too few usable minutes: not a pass.
    const short = argoWindowJudge().judge(w([true, true, true, true, false, false], 10));
    expect(short.verdict).toBe('inconclusive');
    expect(short.reasons).toContain('metrics provider error in 4 minute(s)');
    const five = argoWindowJudge().judge(w([true, true, true, true, true, false], 10));
    expect(five.verdict).toBe('fail');
    expect(five.reasons[0]).toBe('tick 4: 5 consecutive errored measurements > consecutiveErrorLimit 4: Error, rollout aborted');
    // A successful measurement resets the count.
    expect(argoWindowJudge().judge(w([...ok(9), true, true, true, true, false, true, true, true, true], 10)).verdict).toBe('pass');
    // One-minute ticks: a minute of outage is 6 retries 10 s apart → abort, as in the argo policy.
    const minute = argoWindowJudge().judge(w([false, true, false, false, false]));
    expect(minute.verdict).toBe('fail');
    expect(minute.reasons[0]).toContain('6 consecutive errored measurements');
    expect(argoWindowJudge({ consecutiveErrorLimit: 6 }).judge(w([false, true, false, false, false])).verdict).toBe('pass');
  });

  it('argo and flagger: unknown latency objective falls back to 2 × the baseline p99, and say so', () => {
    const base = times(5, () => m(1800, 2, { p99: 100 }));
    const slow = (p99: number): AnalysisWindow => ({ canary: times(5, () => m(200, 0, { p99 })), baseline: base });
    const note = "latency objective unknown: using 2 × the baseline's p99 in the window (100.0 ms) = 200.0 ms";
    const a = argoWindowJudge().judge(slow(450));
    expect(a.verdict).toBe('fail'); // > 2 × 200 ms
    expect(a.reasons).toContain(note);
    expect(argoWindowJudge().judge(slow(300)).verdict).toBe('inconclusive'); // between 200 and 400 ms
    expect(argoWindowJudge().judge(slow(150)).verdict).toBe('pass');
    const f = flaggerWindowJudge().judge(slow(250));
    expect(f.verdict).toBe('fail'); // > 200 ms every tick
    expect(f.reasons).toContain(note);
    expect(flaggerWindowJudge().judge(slow(190)).verdict).toBe('pass');
    // A given objective wins over the fallback.
    expect(flaggerWindowJudge().judge({ ...slow(250), latencyObjectiveMs: 300 }).verdict).toBe('pass');
  });

  it('an unrecorded metric is left out of the analysis instead of counting as no data', () => {
    const w: AnalysisWindow = { canary: times(5, () => m(200, 0, { p99: null, p50: null })), baseline: times(5, () => m(1800, 2)), latencyObjectiveMs: 300 };
    expect(argoWindowJudge().judge(w).verdict).toBe('inconclusive'); // p99 expected but missing
    expect(flaggerWindowJudge().judge(w).verdict).toBe('fail'); // "no values found for request-duration" every tick
    const rec = { ...w, recorded: { latencyP50: false, latencyP99: false } };
    expect(argoWindowJudge().judge(rec).verdict).toBe('pass');
    expect(flaggerWindowJudge().judge(rec).verdict).toBe('pass');
    const k = kayentaWindowJudge().judge(rec);
    expect(k.verdict).toBe('pass');
    expect(k.reasons).toContain('not recorded, left out: latency-p99, latency-p50');
  });
});

describe('replay runner', () => {
  it('the committed sample is exactly what scripts/make-replay-sample.ts generates', async () => {
    expect(await readFile(SAMPLE, 'utf8')).toBe(makeReplaySample());
  });

  let samplePromise: Promise<ReplayReport> | undefined;
  const getSample = () => (samplePromise ??= runReplay(SAMPLE, { judges: ['kayenta', 'argo', 'flagger'], intervalTicks: 5 }));
  const verdictsOf = (sample: ReplayReport, dep: string, judge: string) => sample.rows.filter((r) => r.deploymentId === dep).map((r) => r.verdicts[judge].verdict);

  it('judges the sample: the bad canary fails once the fault is on, the healthy deployment passes', async () => {
    const sample = await getSample();
    expect(sample.deployments).toBe(3);
    expect(sample.windows).toBe(6 + 5 + 5);
    expect(sample.partialWindows).toBe(1);
    expect(sample.labelledWindows).toBe(16);
    expect(sample.failWindows).toBe(3);
    const pay = sample.rows.filter((r) => r.deploymentId === 'payments-91c2');
    expect(pay.map((r) => r.label)).toEqual(['pass', 'pass', 'fail', 'fail', 'fail']);
    for (const j of ['kayenta', 'argo', 'flagger']) {
      expect(verdictsOf(sample, 'payments-91c2', j), j).toEqual(['pass', 'pass', 'fail', 'fail', 'fail']);
      expect(verdictsOf(sample, 'checkout-7f3a', j), j).toEqual(times(6, () => 'pass'));
      expect(sample.judges[j].failRecall, j).toBe(1);
    }
    expect(pay[2].verdicts.kayenta.reasons.join('\n')).toContain('error-ratio High');
  });

  it('the sample: low traffic with gaps trips the fixed-threshold judges as documented', async () => {
    const sample = await getSample();
    const billing = sample.rows.filter((r) => r.deploymentId === 'billing-03de');
    expect(billing.map((r) => [r.startTick, r.endTick, r.partial])).toEqual([[0, 5, false], [5, 10, false], [10, 15, false], [15, 20, false], [20, 23, true]]);
    expect(billing.map((r) => r.latencyObjectiveMs)).toEqual(times(5, () => null));
    // Tick 5's canary row is missing: Argo's first measurement of the window has no data → paused.
    expect(billing[1].verdicts.argo.verdict).toBe('inconclusive');
    // The metrics backend failed for tick 17: six errored retries → Argo aborts; Flagger counts one failed check.
    expect(billing[3].providerErrorTicks).toBe(1);
    expect(billing[3].verdicts.argo.verdict).toBe('fail');
    expect(billing[3].verdicts.flagger.reasons).toContain('tick 17: metrics provider error');
    for (const r of billing) expect(r.verdicts.argo.reasons.some((x) => x.startsWith('latency objective unknown'))).toBe(true);
    expect(billing[0].verdicts.flagger.reasons).toContain('tick 3: no values found for request-success-rate: canary not receiving traffic');
  });

  it('accuracy arithmetic: inconclusive counts as wrong; precision, recall, confusion', async () => {
    // argo only, 2-tick windows, no latency columns (latency left out). Canary 20 % errors = Failed measurement.
    const lines = ['deployment_id,tick,cohort,requests,errors,label'];
    const tick = (t: number, canary: [number, number] | null, label: string) => {
      lines.push(`d,${t},baseline,900,1,${label}`);
      if (canary) lines.push(`d,${t},canary,${canary[0]},${canary[1]},${label}`);
    };
    tick(0, [100, 20], 'pass'); // window 0: labels pass + fail → fail; judged fail (right)
    tick(1, [100, 20], 'fail');
    tick(2, [100, 20], 'pass'); // window 1: pass; judged fail (wrong: false alarm)
    tick(3, [100, 20], 'pass');
    tick(4, null, 'fail'); // window 2: fail; no canary data → inconclusive (wrong)
    tick(5, null, '');
    tick(6, [100, 0], 'pass'); // window 3: pass; judged pass (right)
    tick(7, [100, 0], 'pass');
    tick(8, [100, 0], ''); // window 4: unlabelled; judged pass (not scored)
    tick(9, [100, 0], '');
    const p = await tmpFile('tiny.csv', lines.join('\n'));
    const r = await runReplay(p, { judges: ['argo'], intervalTicks: 2 });
    expect(r.rows.map((x) => [x.label, x.verdicts.argo.verdict])).toEqual([['fail', 'fail'], ['pass', 'fail'], ['fail', 'inconclusive'], ['pass', 'pass'], [null, 'pass']]);
    expect(r.windows).toBe(5);
    expect(r.labelledWindows).toBe(4);
    expect(r.failWindows).toBe(2);
    expect(r.judges.argo).toEqual({
      windows: 5,
      verdicts: { pass: 2, fail: 2, inconclusive: 1 },
      accuracy: 0.5,
      inconclusiveRate: 0.2,
      failPrecision: 0.5,
      failRecall: 0.5,
      confusion: { fail: { pass: 0, fail: 1, inconclusive: 1 }, pass: { pass: 1, fail: 1, inconclusive: 0 } },
    });
    expect(Object.keys(r.judges)).toEqual(['argo']);
    // Without labels nothing label-based is computable.
    const unl = await runReplay(await tmpFile('unl.csv', lines.map((l) => l.replace(/,(pass|fail)$/, ',')).join('\n')), { judges: ['argo'], intervalTicks: 2 });
    expect(unl.judges.argo).toMatchObject({ accuracy: null, failPrecision: null, failRecall: null, inconclusiveRate: 0.2 });
  });

  it('options are checked before the file is read', async () => {
    await expectError(runReplay('/nonexistent/x.csv', { judges: ['argo', 'nope'] }), 'BAD_ARGUMENT', ['unknown window judge "nope"'], 'judges');
    await expectError(runReplay('/nonexistent/x.csv', { intervalTicks: 0 }), 'BAD_ARGUMENT', ['intervalTicks: 0 is not a positive integer'], 'intervalTicks');
    await expectError(runReplay('/nonexistent/x.csv', {}), 'NOT_FOUND', ['file not found']);
  });

  it('Parquet round trip: the sample written by DuckDB is judged exactly as the CSV', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rolloutlab-replay-pq-'));
    tmpDirs.push(dir);
    const pq = join(dir, 'sample.parquet');
    const bad = join(dir, 'bad.parquet');
    const inst = await DuckDBInstance.create(':memory:');
    const con = await inst.connect();
    try {
      await con.run(`COPY (SELECT * FROM read_csv('${SAMPLE}', header = true)) TO '${pq}' (FORMAT parquet)`);
      await con.run(
        `COPY (SELECT * FROM (VALUES ('d', 0, 'canary', 10, 0), ('d', 1, 'canary', 10, 12)) t(deployment_id, tick, cohort, requests, errors)) TO '${bad}' (FORMAT parquet)`,
      );
    } finally {
      con.closeSync();
      inst.closeSync();
    }
    const fromPq = await runReplay(pq, { intervalTicks: 5 });
    const fromCsv = await getSample();
    expect(fromPq.format).toBe('parquet');
    expect(fromPq.rows).toEqual(fromCsv.rows);
    expect(fromPq.judges).toEqual(fromCsv.judges);
    await expectError(runReplay(bad), 'BAD_DATA', [bad, 'row 2', 'column "errors"', '"12"', 'is more than requests (10)'], 'errors');
  });

  it('JSON Lines of the sample is judged exactly as the CSV', async () => {
    const csv = parseCsv(await readFile(SAMPLE, 'utf8'), SAMPLE);
    const numeric = new Set(['tick', 'requests', 'errors', 'latency_p50_ms', 'latency_p99_ms', 'kpi', 'latency_objective_ms']);
    const text = csv.rows
      .map((r) => JSON.stringify(Object.fromEntries(csv.header.map((h, k) => [h, r[k] === '' ? null : numeric.has(h) ? Number(r[k]) : h === 'provider_error' ? r[k] === 'true' : r[k]]))))
      .join('\n');
    const r = await runReplay(await tmpFile('sample.ndjson', text), { intervalTicks: 5 });
    const fromCsv = await getSample();
    expect(r.rows).toEqual(fromCsv.rows);
  });

  it('re-cuts windows by intervalTicks; the report formats as text and CSV', async () => {
    const sample = await getSample();
    const data = await readReplay(SAMPLE);
    const r = judgeReplay(data, { judges: ['flagger'], intervalTicks: 10 });
    expect(r.rows.filter((x) => x.deploymentId === 'billing-03de').map((x) => [x.startTick, x.endTick, x.partial])).toEqual([[0, 10, false], [10, 20, false], [20, 23, true]]);
    expect(r.rows.filter((x) => x.deploymentId === 'payments-91c2').map((x) => x.label)).toEqual(['pass', 'fail', 'fail']);
    const text = formatReplay(sample, { windows: true });
    expect(text).toContain('3 deployment(s), 16 window(s) of 5 ticks (1 partial), 16 labelled (3 fail)');
    expect(text).toMatch(/kayenta\s+16\s+\d+\s+\d+\s+\d+\s+[\d.]+ %/);
    expect(text).toContain('20-22*');
    const rowsCsv = parseCsv(replayRowsCsv(sample), 'rows.csv');
    expect(rowsCsv.rows).toHaveLength(16);
    expect(rowsCsv.header).toContain('argo_verdict');
    expect(rowsCsv.header).toContain('kayenta_score');
  });
});
