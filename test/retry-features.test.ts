// The retry family's features (training/retry/features.ts): parameters become placeholders and the wording stays, so
// the same message with other hosts, versions, ids and numbers gives the same vector; status codes are kept apart.
import { describe, it, expect } from 'vitest';
import { normaliseLine, tokens, stepFeatures, FEATURE_WIDTH, TEXT_BUCKETS } from '../training/retry/features.ts';
import { parseFailedStep } from '../datasets/failed-step.ts';

const words = (l: string) => tokens(normaliseLine(l)).join(' ');
const step = (log: string, o: Record<string, unknown> = {}) => parseFailedStep({ step: 'image-push', exitCode: 1, log, ...o });

describe('retry features', () => {
  it('replace parameters by placeholders and keep the wording and the status code', () => {
    expect(words('2024-05-01T12:03:44Z pushing registry.example.com/app:1.4.2: received unexpected HTTP status: 503 Service Unavailable')).toBe('tstamp pushing registry example com app vernum received unexpected http status http503 service unavailable');
    expect(words('dial tcp 10.0.3.17:5432: connect: connection refused')).toBe('dial tcp ipaddr connect connection refused');
    expect(words('\u001b[31mFAIL\u001b[0m after 2.5s, id 3f2a9b1c0d4e, 12345 rows')).toBe('fail after duration id hexid num rows');
    expect(words('npm ERR! 404 Not Found - GET https://registry.npmjs.org/pkg')).toBe('npm err http404 not found get url');
  });

  it('the same message with other parameters gives the same vector; another status code another one', () => {
    const a = stepFeatures(step('Pulling layer 1/3\nerror: received unexpected HTTP status: 503 from 10.1.2.3:5000 after 30s'));
    const b = stepFeatures(step('Pulling layer 7/9\nerror: received unexpected HTTP status: 503 from 192.168.0.9:443 after 12s'));
    const c = stepFeatures(step('Pulling layer 1/3\nerror: received unexpected HTTP status: 404 from 10.1.2.3:5000 after 30s'));
    expect(Array.from(a.idx)).toEqual(Array.from(b.idx));
    expect(Array.from(a.val)).toEqual(Array.from(b.val));
    expect(Array.from(a.idx)).not.toEqual(Array.from(c.idx));
  });

  it('is a sorted sparse vector inside its width, with exit code, step kind, attempt and history', () => {
    const f = stepFeatures(step('Killed', { exitCode: 137, attempt: 3, history: ['pass', 'fail', 'fail', 'fail'] }));
    expect(f.idx.length).toBe(f.val.length);
    for (let i = 1; i < f.idx.length; i++) expect(f.idx[i]).toBeGreaterThan(f.idx[i - 1]);
    expect(f.idx[f.idx.length - 1]).toBeLessThan(FEATURE_WIDTH);
    const structured = Array.from(f.idx).filter((i) => i >= TEXT_BUCKETS);
    expect(structured.length).toBe(6); // exit code, step kind, attempt, failure share, last failed, a run of failures
    expect(stepFeatures(step('', { exitCode: 0 })).idx.length).toBe(4); // no text; exit code, step kind, attempt, no history
  });
});
