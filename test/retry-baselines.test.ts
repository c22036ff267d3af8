// The failed-step contract (datasets/failed-step.ts: what `retry classify --data` reads, one object per line) and the
// CI systems' own retry rules (policies/retry/baselines.ts), the peers of the learned retry policy.
import { describe, it, expect } from 'vitest';
import { parseFailedStep, parseFailedStepsJsonl, stepKindOf, MAX_LOG_CHARS, MAX_HISTORY } from '../datasets/failed-step.ts';
import { RETRY_BASELINES, alwaysTwice, exitStatusRetry, neverRetry, reasonsRetry } from '../policies/retry/baselines.ts';

const step = (o: Record<string, unknown>) => parseFailedStep({ step: 'unit-tests', exitCode: 1, log: 'FAIL', ...o });

describe('a failed step', () => {
  it('is read with its defaults: attempt 1, no history, the step kind from its name', () => {
    const s = parseFailedStep({ step: 'npm test', exitCode: 1, log: 'x' });
    expect(s).toMatchObject({ step: 'npm test', stepKind: 'unit-tests', attempt: 1, history: [], logTruncated: false, logBinary: false });
    expect(stepKindOf('docker push registry/app:1.2')).toBe('image-push');
    expect(stepKindOf('helm upgrade --install')).toBe('deploy');
    expect(stepKindOf('e2e-tests')).toBe('integration-tests');
    expect(stepKindOf('git clone')).toBe('checkout');
    expect(stepKindOf('notify slack')).toBe('other');
    expect(step({ history: ['pass', 'fail', true] }).history).toEqual([true, false, true]);
  });

  it('keeps the tail of a megabyte log and makes a binary one readable', () => {
    const big = 'noise line\n'.repeat(100_000) + 'Error: the real cause';
    const s = step({ log: big });
    expect(s.logTruncated).toBe(true);
    expect(s.log.length).toBe(MAX_LOG_CHARS);
    expect(s.log.endsWith('Error: the real cause')).toBe(true);
    const bin = step({ log: '\u0000\u0001\u0002PK\u0003\u0004 binary' });
    expect(bin.logBinary).toBe(true);
    expect(bin.log).not.toMatch(/[\u0000-\u0008]/);
    expect(step({ log: '' }).log).toBe('');
    expect(step({ history: Array.from({ length: 500 }, () => 'pass') }).history.length).toBe(MAX_HISTORY);
  });

  it('refuses bad fields, naming them; a bad JSON Lines line is named by its number', () => {
    expect(() => parseFailedStep({ exitCode: 1, log: '' })).toThrow(/step\.step must be a non-empty string/);
    expect(() => step({ exitCode: 1.5 })).toThrow(/step\.exitCode must be an integer/);
    expect(() => step({ exitCode: 2 ** 40 })).toThrow(/step\.exitCode must be an integer/);
    expect(() => step({ exitCode: '1' })).toThrow(/step\.exitCode/);
    expect(step({ exitCode: -1 }).exitCode).toBe(-1);
    expect(() => step({ log: null })).toThrow(/step\.log must be a string/);
    expect(() => step({ attempt: 0 })).toThrow(/step\.attempt must be an integer in \[1, 100\]/);
    expect(() => step({ history: ['ok'] })).toThrow(/step\.history\[0\] must be "pass" or "fail"/);
    expect(() => step({ exitcode: 1 })).toThrow(/step\.exitcode is not a field/);
    expect(() => parseFailedStep([1])).toThrow(/must be an object/);
    const jsonl = '{"step":"build","exitCode":2,"log":"error TS2345"}\n\n{"step":"build","exitCode":2,"log":"x"\n';
    expect(() => parseFailedStepsJsonl(jsonl, 'steps.jsonl')).toThrow(/steps\.jsonl: line 3: not JSON/);
    expect(() => parseFailedStepsJsonl('{"step":"b","exitCode":"x","log":""}', 'f')).toThrow(/f: line 1\.exitCode must be an integer/);
    expect(parseFailedStepsJsonl('{"step":"b","exitCode":1,"log":""}\n\n{"step":"c","exitCode":0,"log":"y"}\n')).toHaveLength(2);
  });
});

describe('the CI systems\' retry rules', () => {
  const registry503 = step({ step: 'image-push', log: 'pushing layer\nerror: received unexpected HTTP status: 503 Service Unavailable' });
  const compile = step({ step: 'build', exitCode: 2, log: "src/a.ts(3,1): error TS2345: Argument of type 'string' is not assignable" });
  const lost = step({ exitCode: -1, log: '' });

  it('never retries; always-2 retries everything twice, then stops', () => {
    for (const s of [registry503, compile, lost]) expect(neverRetry.decide(s).action).toBe('fail');
    expect(alwaysTwice.decide(compile).action).toBe('retry');
    expect(alwaysTwice.decide({ ...compile, attempt: 2 }).action).toBe('retry');
    expect(alwaysTwice.decide({ ...compile, attempt: 3 }).action).toBe('fail');
  });

  it('exit-status retries lost and killed agents only', () => {
    expect(exitStatusRetry.decide(lost)).toMatchObject({ action: 'retry', category: 'runner_system_failure' });
    expect(exitStatusRetry.decide({ ...lost, exitCode: 137 }).action).toBe('retry');
    expect(exitStatusRetry.decide(registry503).action).toBe('fail');
    expect(exitStatusRetry.decide({ ...lost, attempt: 3 }).action).toBe('fail');
  });

  it('reasons retries infrastructure reasons read from the log', () => {
    expect(reasonsRetry.decide(registry503)).toMatchObject({ action: 'retry', category: 'api_failure' });
    expect(reasonsRetry.decide(step({ log: 'E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (apt-get)' }))).toMatchObject({ action: 'retry', category: 'lock_contention' });
    expect(reasonsRetry.decide(compile).action).toBe('fail');
    // A keyword alone decides: a deterministic 504 from the app under test is retried too (why the learned policy exists).
    expect(reasonsRetry.decide(step({ log: 'expected status 200 but was 504 Gateway Timeout from /api/orders' })).action).toBe('retry');
  });

  it('every decision is well-formed', () => {
    for (const p of RETRY_BASELINES) {
      for (const s of [registry503, compile, lost]) {
        const d = p.decide(s);
        expect(['retry', 'fail']).toContain(d.action);
        expect(d.pRetrySucceeds).toBeGreaterThanOrEqual(0);
        expect(d.pRetrySucceeds).toBeLessThanOrEqual(1);
        expect(d.delaySeconds).toBeGreaterThanOrEqual(0);
        expect(d.reasons.length).toBeGreaterThan(0);
        expect(d.category).toMatch(/^[a-z_]+$/);
      }
    }
  });
});

describe('the held-out real-style CI messages (test/fixtures/ci-messages: never for training or tuning)', () => {
  it('score each baseline; none reaches precision and recall 0.9 together', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { scoreRetryPolicy } = await import('../backtest/retry-replay.ts');
    const rows = readFileSync(join(import.meta.dirname, 'fixtures', 'ci-messages', 'messages.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: string; exitCode: number; log: string; retry: boolean; category: string });
    const labelled = rows.map((r) => ({ step: parseFailedStep({ step: r.step, exitCode: r.exitCode, log: r.log }), retrySucceeds: r.retry, category: r.category }));
    const scores = Object.fromEntries(RETRY_BASELINES.map((p) => [p.name, scoreRetryPolicy(p, labelled)]));
    console.log(Object.values(scores).map((s) => `${s.policy}: precision ${s.retryPrecision?.toFixed(3) ?? '—'}, recall ${s.retryRecall?.toFixed(3)}`).join('; '));
    expect(scores.never.retried).toBe(0);
    expect(scores['always-2'].retryRecall).toBe(1);
    expect(scores['always-2'].retryPrecision).toBeCloseTo(rows.filter((r) => r.retry).length / rows.length, 10);
    for (const s of Object.values(scores)) expect((s.retryPrecision ?? 0) >= 0.9 && (s.retryRecall ?? 0) >= 0.9).toBe(false);
  });
});
