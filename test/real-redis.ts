// A real Redis for integration tests (Debian's `redis-server` package; `.ci/run` installs it), on a free loopback port,
// with nothing written to disk (`--save '' --appendonly no`): the sweep-queue tests start one, and kill it to test a
// Redis that goes away mid-sweep. Modelled on test/real-prometheus.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './real-prometheus.ts';

const onPath = (bin: string) =>
  (process.env.PATH ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, bin), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

/** The binaries that are not on PATH (the tests skip, with a warning, or fail under CI=true). */
export const REDIS_MISSING = ['redis-server'].filter((b) => !onPath(b));
export const REDIS_MISSING_MSG = `redis-server not on PATH: the sweep-queue integration tests are SKIPPED. Install Debian's package (apt-get install -y redis-server); .ci/run installs it.`;

export interface RealRedis {
  url: string;
  port: number;
  child: ChildProcess;
}

/** Answers PING with PONG? */
function ping(port: number): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host: '127.0.0.1', port });
    let got = '';
    const end = (ok: boolean) => {
      s.destroy();
      done(ok);
    };
    s.setTimeout(1000, () => end(false));
    s.on('error', () => end(false));
    s.on('connect', () => s.write('PING\r\n'));
    s.on('data', (b) => {
      got += b.toString();
      if (got.includes('\r\n')) end(got.startsWith('+PONG'));
    });
  });
}

/** Starts redis-server on a free loopback port (or `port`), without persistence; resolves once it answers PING. */
export async function startRealRedis(port?: number): Promise<RealRedis> {
  const p = port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-redis-'));
  const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL')); // should the test process die before afterAll
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-4000)));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${log}`);
    if (await ping(p)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server not answering on 127.0.0.1:${p} within 10 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { url: `redis://127.0.0.1:${p}`, port: p, child };
}
