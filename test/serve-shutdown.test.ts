// Stopping `rolloutlab serve` the way Kubernetes does (SIGTERM; docs/deploy.md, deploy/k8s/deployment.yaml): the
// real CLI runs as a child on a free loopback port (the port from $ROLLOUTLAB_LISTEN_PORT, as the container image gives it).
// A request is in flight when the signal arrives; the server must stop accepting connections, answer that request,
// write every decision record (the in-flight one included) and close its stores, and exit 0 well within the drain.
// The decision log is then read back from its file: nothing served is missing from the audit trail.
import { describe, it, expect, afterEach } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { exportDecisionLogFile, type DecisionRecord } from '../datasets/decision-log.ts';

const ROOT = resolve(import.meta.dirname, '..');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Starts `rolloutlab serve` with `env`; resolves with its URL once it listens, and a reader of its stderr. */
function serve(args: string[], env: Record<string, string>): Promise<{ child: ChildProcess; url: string; stderr: () => string }> {
  const child = spawn(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), 'serve', '--quiet', ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let err = '';
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not listen in 30 s: ${err}`)), 30_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving on (http:\/\/[^ ]+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        done({ child, url: m[1], stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited (${code}) before listening: ${err}`));
    });
  });
}

const exited = (c: ChildProcess) => new Promise<number | null>((done) => (c.exitCode !== null || c.signalCode !== null ? done(c.exitCode) : c.once('exit', (code) => done(code))));
const until = async (what: string, ok: () => boolean | Promise<boolean>, ms = 5000) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};
/** Whether a new TCP connection to the port is refused. */
const refused = (port: number) =>
  new Promise<boolean>((done) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), done(false)));
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'));
  });

describe('serve on SIGTERM', () => {
  it('stops accepting, answers the request in flight, records every decision, closes its stores and exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-shutdown-'));
    dirs.push(dir);
    const decisions = join(dir, 'decisions.duckdb');
    // No --port: the port comes from the environment (0: a free one), as in the container image.
    const s = await serve(['--models', join(dir, 'models'), '--feedback', join(dir, 'feedback.duckdb'), '--decisions', decisions], { ROLLOUTLAB_LISTEN_PORT: '0' });
    const port = Number(new URL(s.url).port);
    expect(port).toBeGreaterThan(0);

    // Three decisions answered before the signal (no champion, no Prometheus: inconclusive, still decisions).
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${s.url}/v1/argo/verdict?name=before-${i}&namespace=test`);
      expect(r.status).toBe(200);
      expect(((await r.json()) as { result: { verdict: string } }).result.verdict).toBe('inconclusive');
    }

    // A request in flight: its head and half of its body are sent before SIGTERM, the rest after.
    const body = JSON.stringify({ name: 'in-flight', namespace: 'test', minutes: 5 });
    const sock = net.connect(port, '127.0.0.1');
    let answer = '';
    sock.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise<void>((done) => sock.once('close', () => done()));
    await new Promise<void>((done) => sock.once('connect', () => done()));
    const half = Math.floor(body.length / 2);
    sock.write(`POST /v1/argo/verdict HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, half)}`);
    await new Promise((r) => setTimeout(r, 300)); // the server has read the head: the request has started

    const t0 = performance.now();
    s.child.kill('SIGTERM');
    await until('the closing line', () => s.stderr().includes('SIGTERM: closing'));
    // The listener is closed: a new connection is refused, while the request in flight goes on.
    await until('new connections refused', () => refused(port));
    expect(s.child.exitCode).toBeNull();
    sock.write(body.slice(half));
    await closed; // answered, then the server closes the connection
    const [head, payload] = answer.split('\r\n\r\n');
    expect(head, answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(head.toLowerCase()).toContain('connection: close');
    expect(JSON.parse(payload)).toMatchObject({ result: { verdict: 'inconclusive', name: 'in-flight', namespace: 'test' } });

    const code = await exited(s.child);
    const ms = performance.now() - t0;
    expect(code, s.stderr()).toBe(0);
    expect(s.stderr()).not.toMatch(/error while closing|still not closed|WARNING/);
    // Nothing waited for the drain deadline (5 s): every connection was done.
    expect(ms).toBeLessThan(4000);

    // The audit trail: all four decisions, the in-flight one last, read from the file the server closed cleanly.
    const records: DecisionRecord[] = [];
    const n = await exportDecisionLogFile(decisions, {}, (r) => void records.push(r));
    expect(n).toBe(4);
    expect(records.map((r) => r.kind)).toEqual(['argo', 'argo', 'argo', 'argo']);
    expect(records.map((r) => `${r.method} ${r.service}`)).toEqual(['GET test/before-0', 'GET test/before-1', 'GET test/before-2', 'POST test/in-flight']);
    expect(records[3].request).toEqual(JSON.parse(body));
    expect(records[3].answer).toMatchObject({ result: { verdict: 'inconclusive' } });
    // Checkpointed on close: no write-ahead log left to replay.
    const wal = `${decisions}.wal`;
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
  }, 60_000);
});
