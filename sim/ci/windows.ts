// Windows of time in which something outside the code fails jobs: registry outages, DNS and network trouble,
// rate limits until their reset, capacity crunches, cluster API trouble, preemption waves (world-wide); a corrupt
// cache or an outside lock holder (per repository); a full disk or a left-over process (per self-hosted runner);
// and repository states that break every pipeline started while they last (a stale lock, a revoked permission,
// a missing secret, a certificate that no longer verifies).
import type { Rng } from '../../lib/rng.ts';
import type { CiRepo, RunnerPool } from './repos.ts';
import type { CiStep } from './types.ts';
import { INCIDENTS, REPO_WINDOWS, RUNNER_WINDOWS, ENV_STATES } from './options.ts';

export interface CiWindow {
  id: string;
  /** The failure kind it causes. */
  kind: string;
  /**
   * What it hits: `res:<resource>` (a registry, index or Git host; see resourcesOf), `dns`, `net`, `cluster`,
   * `pool:<id>`, `repo:<name>`, `runner:<name>`.
   */
  scope: string;
  start: number;
  end: number;
  /** Chance that a job step it hits fails. */
  p: number;
  /** Steps it hits (repository and runner windows). */
  steps?: readonly CiStep[];
  /** Placeholder values it fixes in the messages (a reset time, a lock holder). */
  presets: Record<string, string>;
}

const iso = (startMs: number, min: number) => new Date(startMs + min * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Resources a step of a repository talks to (outages and rate limits hit them). */
export function resourcesOf(repo: CiRepo, step: CiStep): string[] {
  const gha = repo.ci === 'github-actions' ? ['res:github-api'] : [];
  switch (step) {
    case 'checkout':
      return [`res:git:${repo.gitHost}`, ...gha];
    case 'install':
      return [`res:index:${repo.packageIndex}`, ...gha];
    case 'build':
      return repo.ecosystem === 'go' || repo.ecosystem === 'jvm' || repo.ecosystem === 'rust' ? [`res:index:${repo.packageIndex}`] : [];
    case 'integration-tests':
      return repo.db ? ['res:dockerhub'] : [];
    case 'image-build':
      return ['res:dockerhub'];
    case 'image-push':
      return [`res:registry:${repo.registry}`];
    case 'deploy':
      return repo.deployTool === 'helm' ? ['res:charts'] : [];
    default:
      return [];
  }
}

/** Steps that go over the network at all (DNS and network trouble hit them). */
export const usesNetwork = (repo: CiRepo, step: CiStep): boolean =>
  resourcesOf(repo, step).length > 0 || step === 'deploy' || step === 'migrate' || step === 'image-push' || (step === 'integration-tests' && repo.db !== null);

function poissonWindows(rng: Rng, perWeek: number, days: number): number {
  return rng.poisson((perWeek * days) / 7);
}

const between = (rng: Rng, [lo, hi]: readonly number[]) => rng.uniform(lo, hi);

/** The world-wide incident windows. */
export function incidentWindows(rng: Rng, repos: readonly CiRepo[], pools: readonly RunnerPool[], days: number, scale: number, startMs: number): CiWindow[] {
  const total = days * 1440;
  const out: CiWindow[] = [];
  const add = (kind: string, scope: string, cfg: { minutes: readonly number[]; severity: readonly number[] }, presets: (w: CiWindow) => Record<string, string> = () => ({})) => {
    const start = rng.uniform(0, total);
    const w: CiWindow = { id: `${kind}#${out.length}`, kind, scope, start, end: start + between(rng, cfg.minutes), p: between(rng, cfg.severity), presets: {} };
    w.presets = presets(w);
    out.push(w);
    return w;
  };
  const resources = [...new Set(repos.flatMap((r) => ['checkout', 'install', 'image-build', 'image-push', 'deploy'].flatMap((s) => resourcesOf(r, s as CiStep))))].filter((r) => r !== 'res:github-api').sort();
  const weights = resources.map((r) => (r === 'res:dockerhub' ? 3 : r.startsWith('res:git:') ? 1.5 : 1));
  for (let i = poissonWindows(rng, INCIDENTS.registryOutage.perWeek * scale, days); i > 0; i--) add('registry-5xx', resources[rng.weighted(weights)], INCIDENTS.registryOutage);
  for (let i = poissonWindows(rng, INCIDENTS.dns.perWeek * scale, days); i > 0; i--) add('dns-failure', 'dns', INCIDENTS.dns);
  for (let i = poissonWindows(rng, INCIDENTS.networkDegradation.perWeek * scale, days); i > 0; i--) {
    const w = add('network-timeout', 'net', INCIDENTS.networkDegradation);
    out.push({ ...w, id: `tls-handshake-timeout#${out.length}`, kind: 'tls-handshake-timeout', p: w.p / 3 });
  }
  const limited = ['res:dockerhub', 'res:github-api', ...resources.filter((r) => r.startsWith('res:index:') && !r.includes('.internal'))];
  const limitWeights = limited.map((r) => (r === 'res:dockerhub' ? 3 : r === 'res:github-api' ? 2 : 0.5));
  for (let i = poissonWindows(rng, INCIDENTS.rateLimit.perWeek * scale, days); i > 0; i--) {
    const scope = limited[rng.weighted(limitWeights)];
    const w = add('registry-rate-limit', scope, INCIDENTS.rateLimit);
    // The GitHub API resets its hourly budget at a fixed time; the others count a rolling window.
    if (scope === 'res:github-api') w.end = Math.min(w.end, w.start + rng.uniform(5, 60));
    w.presets = { reset: String(Math.floor((startMs + w.end * 60_000) / 1000)), resetts: iso(startMs, w.end) };
  }
  const usedPools = pools.filter((p) => repos.some((r) => r.pool.id === p.id));
  for (let i = poissonWindows(rng, INCIDENTS.capacity.perWeek * scale, days); i > 0; i--) add('no-runner', `pool:${rng.pick(usedPools).id}`, INCIDENTS.capacity);
  for (let i = poissonWindows(rng, INCIDENTS.cluster.perWeek * scale, days); i > 0; i--) add('cluster-api-error', 'cluster', INCIDENTS.cluster);
  for (let i = poissonWindows(rng, INCIDENTS.preemption.perWeek * scale, days); i > 0; i--) add('runner-lost', `pool:${rng.pick(usedPools).id}`, INCIDENTS.preemption);
  return out.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
}

/** A repository's own windows: corrupt caches and outside lock holders (transient), and its broken states. */
export function repoWindows(rng: Rng, repo: CiRepo, days: number, startMs: number): { windows: CiWindow[]; states: CiWindow[] } {
  const total = days * 1440;
  const scope = `repo:${repo.name}`;
  const windows: CiWindow[] = [];
  const states: CiWindow[] = [];
  for (let i = poissonWindows(rng, REPO_WINDOWS.corruptCache.perWeek, days); i > 0; i--) {
    const start = rng.uniform(0, total);
    const len = Math.min(4320, Math.max(30, rng.lognormal(REPO_WINDOWS.corruptCache.medianMinutes, 0.8)));
    const steps = rng.bernoulli(0.6) ? (['install'] as const) : repo.containerised ? (['build', 'image-build'] as const) : (['build'] as const);
    windows.push({ id: `corrupt-cache@${repo.name}#${i}`, kind: 'corrupt-cache', scope, start, end: start + len, p: 1, steps, presets: {} });
  }
  const lockSteps: CiStep[] = repo.db === 'postgres' || repo.db === 'mysql' ? ['deploy', 'migrate'] : ['deploy'];
  for (let i = poissonWindows(rng, REPO_WINDOWS.externalLock.perWeek, days); i > 0; i--) {
    const start = rng.uniform(0, total);
    const len = Math.min(60, Math.max(1, rng.lognormal(REPO_WINDOWS.externalLock.medianMinutes, 0.7)));
    const who = rng.pick([`${rng.pick(['jane', 'omar', 'li', 'sam', 'ana'])}@laptop-${rng.int(1000, 9999)}`, 'nightly-drift-check@ci', `runner@ci-runner-${rng.int(1, 12)}`]);
    windows.push({ id: `lock@${repo.name}#${i}`, kind: 'lock-contention', scope, start, end: start + len, p: 1, steps: [rng.pick(lockSteps)], presets: { lockwho: who, lockcreated: iso(startMs, start) } });
  }
  const state = (kind: string, cfg: { perWeek: number; minutes: readonly number[] }, steps: CiStep[], presets: (start: number) => Record<string, string> = () => ({})) => {
    for (let i = poissonWindows(rng, cfg.perWeek, days); i > 0; i--) {
      const start = rng.uniform(0, total);
      states.push({ id: `${kind}@${repo.name}#${i}`, kind, scope, start, end: start + between(rng, cfg.minutes), p: 1, steps: [rng.pick(steps)], presets: presets(start) });
    }
  };
  // A stale lock was taken long before anyone notices it: its creation time lies hours or days back.
  state('stale-lock', ENV_STATES.staleLock, lockSteps, (start) => ({ lockcreated: iso(startMs, start - rng.uniform(60, 4000)), lockwho: `runner@${rng.pick(['ci-runner-0', 'gitlab-runner-0', 'agent-linux-0'])}${rng.int(1, 9)}` }));
  state('permission-denied', ENV_STATES.permissionDenied, repo.containerised ? ['image-push', 'deploy'] : ['deploy', 'checkout']);
  state('missing-secret', ENV_STATES.missingSecret, repo.db ? ['deploy', 'image-push', 'migrate'] : ['deploy', 'image-push']);
  if (repo.packageIndex.includes('.internal') || repo.registry.includes('.internal')) state('tls-cert-invalid', ENV_STATES.certInvalid, repo.registry.includes('.internal') ? ['image-push', 'image-build'] : ['install']);
  return { windows: windows.sort((a, b) => a.start - b.start), states: states.sort((a, b) => a.start - b.start) };
}

/** Windows of the self-hosted runners: a full disk until cleanup, a process left holding a port. */
export function runnerWindows(rng: Rng, pools: readonly RunnerPool[], days: number): Map<string, CiWindow[]> {
  const total = days * 1440;
  const out = new Map<string, CiWindow[]>();
  for (const pool of pools) {
    if (pool.ephemeral) continue;
    for (const runner of pool.runners) {
      const ws: CiWindow[] = [];
      const scope = `runner:${runner}`;
      for (let i = rng.poisson(RUNNER_WINDOWS.diskFull.perDay * days); i > 0; i--) {
        const start = rng.uniform(0, total);
        ws.push({ id: `disk-full@${runner}#${i}`, kind: 'disk-full', scope, start, end: start + between(rng, RUNNER_WINDOWS.diskFull.minutes), p: 0.9, steps: ['checkout', 'install', 'build', 'unit-tests', 'integration-tests', 'image-build'], presets: {} });
      }
      for (let i = rng.poisson(RUNNER_WINDOWS.portInUse.perDay * days); i > 0; i--) {
        const start = rng.uniform(0, total);
        const len = Math.min(120, Math.max(1, rng.lognormal(RUNNER_WINDOWS.portInUse.medianMinutes, 0.8)));
        ws.push({ id: `port@${runner}#${i}`, kind: 'port-in-use', scope, start, end: start + len, p: 0.85, steps: ['unit-tests', 'integration-tests'], presets: { pid: String(rng.int(300, 65000)) } });
      }
      out.set(runner, ws.sort((a, b) => a.start - b.start));
    }
  }
  return out;
}
