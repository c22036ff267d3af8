// A real Prometheus for integration tests (Debian's `prometheus` package; `.ci/run` installs it): seeded samples
// written as OpenMetrics text become TSDB blocks with `promtool tsdb create-blocks-from openmetrics`, and `prometheus`
// serves them on a free loopback port, with no scrape jobs (the blocks are all there is). Used by
// test/server-prometheus.test.ts and test/import-prometheus.test.ts.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

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
export const PROMETHEUS_MISSING = ['prometheus', 'promtool'].filter((b) => !onPath(b));
export const PROMETHEUS_MISSING_MSG = `${PROMETHEUS_MISSING.join(' and ')} not on PATH: the real-Prometheus integration tests are SKIPPED. Install Debian's package (apt-get install -y prometheus); .ci/run installs it.`;

export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((done) => s.listen(0, '127.0.0.1', done));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((done) => s.close(() => done()));
  return port;
}

const exited = (child: ChildProcess) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));

/** SIGTERM, then SIGKILL after 5 s; resolves once the child has exited. */
export async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited(child);
  clearTimeout(t);
}

export interface RealPrometheus {
  url: string;
  child: ChildProcess;
  /** Milliseconds to write the blocks, and from the call until Prometheus answered ready. */
  blocksMs: number;
  readyMs: number;
}

/** Writes `openMetrics` (ending in `# EOF`) as blocks under `work` and starts Prometheus over them. */
export async function startRealPrometheus(work: string, openMetrics: string): Promise<RealPrometheus> {
  const t0 = performance.now();
  const om = join(work, 'data.om.txt');
  writeFileSync(om, openMetrics);
  const tsdb = join(work, 'tsdb');
  const created = spawnSync('promtool', ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', om, tsdb], { encoding: 'utf8', timeout: 60_000 });
  if (created.status !== 0) throw new Error(`promtool tsdb create-blocks-from openmetrics failed (${created.status}): ${created.stderr}${created.stdout}`);
  const blocksMs = performance.now() - t0;
  const config = join(work, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 15s\n'); // no scrape jobs: the blocks are all there is
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('prometheus', [`--config.file=${config}`, `--storage.tsdb.path=${tsdb}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=100y', '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
  process.once('exit', () => child.kill('SIGKILL')); // should the test process die before afterAll
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (log = (log + s).slice(-4000)));
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${log}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`prometheus not ready on ${url} within 15 s: ${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, child, blocksMs, readyMs: performance.now() - t0 };
}
