// Durability of outcome feedback (datasets/feedback.ts): a record acknowledged with a 2xx survives a kill -9 of the
// server right after. Runs the real CLI (`node bin/rolloutlab.mjs serve`) as a child process on an empty registry
// (the server starts without models; /readyz is 503), posts feedback, SIGKILLs the process on the last 2xx, restarts
// it on the same DuckDB file and reads the records back.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const TOKEN = 't';
const children: ChildProcess[] = [];

/** Starts `rolloutlab serve` on a free port (--port 0) and resolves with its base URL once /healthz answers. */
async function serve(models: string, feedback: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), 'serve', '--port', '0', '--models', models, '--feedback', feedback, '--token', TOKEN, '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let err = '';
  const url = await new Promise<string>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start in 20 s: ${err}`)), 20_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving on (http:\/\/[^ ]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        done(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}): ${err}`));
    });
  });
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  return { child, url };
}

const killed = (child: ChildProcess) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('feedback durability', () => {
  it('a 2xx-acknowledged record survives kill -9 right after the answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-feedback-'));
    const models = join(dir, 'models');
    const file = join(dir, 'feedback.duckdb');
    const first = await serve(models, file);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(503); // no models: still serving
    const post = (i: number) =>
      fetch(`${first.url}/v1/feedback`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` },
        body: JSON.stringify({ deploymentId: `dep-${i}`, service: 'checkout', outcome: i % 2 ? 'incident' : 'success', breached: i % 2 === 1, features: { lines_added: i } }),
      });
    const N = 10;
    for (let i = 0; i < N; i++) {
      const r = await post(i);
      const text = await r.text();
      if (i === N - 1) first.child.kill('SIGKILL'); // as soon as the last answer is in, before anything else runs
      expect(r.status, text).toBe(201);
    }
    await killed(first.child);
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await serve(models, file);
    const list = await fetch(`${second.url}/v1/feedback?limit=100`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(list.status).toBe(200);
    const body = (await list.json()) as { count: number; records: { deploymentId: string; outcome: string; features: Record<string, number> }[] };
    expect(body.count).toBe(N);
    expect(body.records.map((r) => r.deploymentId)).toEqual(Array.from({ length: N }, (_, i) => `dep-${N - 1 - i}`));
    expect(body.records[0]).toMatchObject({ outcome: 'incident', features: { lines_added: N - 1 } });
    second.child.kill('SIGTERM');
    await killed(second.child);
  }, 60_000);
});
