// The retry family's features (training/retry/features.ts): parameters become placeholders and the wording stays, so
// the same message with other hosts, versions, ids and numbers gives the same vector; status codes are kept apart.
import { describe, it, expect } from 'vitest';
import { normaliseLine, tokens, stepFeatures, cleanLines, canonicalLine, FEATURE_WIDTH, TEXT_BUCKETS } from '../training/retry/features.ts';
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
    expect(structured.length).toBe(8); // exit code, step kind, attempt, failure share, last failed, a run of failures, no test history, no branch history
    expect(stepFeatures(step("", { exitCode: 0 })).idx.length).toBe(6); // no text; exit code, step kind, attempt, no history of the step, the test or the branch
  });

  it('read the tool\'s output, not the CI system\'s wrapping: the same error under another CI gives the same vector', () => {
    const error = 'npm ERR! code E503\nnpm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/react';
    const gha = `2024-05-14T10:22:31.1234567Z ##[group]Run npm ci\n2024-05-14T10:22:31.1234567Z shell: /usr/bin/bash -e {0}\n2024-05-14T10:22:31.1234567Z ##[endgroup]\n${error.split('\n').map((l) => `2024-05-14T10:22:33.0000000Z ${l}`).join('\n')}\n2024-05-14T10:22:34.0000000Z ##[error]Process completed with exit code 1.`;
    const jenkins = `[Pipeline] sh\n${error}\n[Pipeline] }\n[Pipeline] // stage\nERROR: script returned exit code 1\nFinished: FAILURE`;
    const gitlab = `${error}\nCleaning up project directory and file based variables\nERROR: Job failed: exit code 1`;
    expect(cleanLines(gha)).toEqual(error.split('\n'));
    const [a, b, c] = [gha, jenkins, gitlab].map((log) => stepFeatures(parseFailedStep({ step: 'install', exitCode: 1, log })));
    expect(Array.from(b.idx)).toEqual(Array.from(a.idx));
    expect(Array.from(c.val)).toEqual(Array.from(a.val));
    // A CI system's message about the job itself is not wrapping.
    expect(cleanLines('ERROR: Job failed (system failure): pod "ci/runner-x" status is "Failed"')).toHaveLength(1);
  });

  it('host names, paths and scoped packages are placeholders too', () => {
    expect(tokens(canonicalLine("Could not resolve host: artifacts.acme.internal while reading /home/runner/work/app/app/config for @acme/ui-kit@^2.1.0")).join(' ')).toBe('could not resolve host hostname while reading fpath for pkgname vernum');
  });

  it('one feature for a concept however a tool words it: two tools\' 5xx share one a 404 lacks', () => {
    const f = (log: string) => new Set(Array.from(stepFeatures(parseFailedStep({ step: 'install', exitCode: 1, log })).idx).filter((i) => i < TEXT_BUCKETS));
    const npm503 = f('npm ERR! code E503\nnpm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/react');
    const gradle502 = f("> Could not GET 'https://repo.maven.apache.org/maven2/a/b/1.0/b-1.0.pom'. Received status code 502 from server: Bad Gateway");
    const npm404 = f('npm ERR! code E404\nnpm ERR! 404 Not Found - GET https://registry.npmjs.org/react');
    const shared = [...npm503].filter((i) => gradle502.has(i));
    expect(shared.some((i) => !npm404.has(i))).toBe(true);
  });
});
