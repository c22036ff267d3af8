// What can fail a step attempt at a given minute: every hazard with its chance, in the order a job would meet
// it (no runner before a lost runner, a lock before the network, the network before the compiler, the compiler
// before the tests). An attempt fails with the first hazard that fires.
import type { CiRepo, CiTest } from './repos.ts';
import type { CiStep } from './types.ts';
import type { CiWindow } from './windows.ts';
import { resourcesOf, usesNetwork } from './windows.ts';
import { BACKGROUND } from './options.ts';

/** A persistent fault of one pipeline at one step: every attempt of that step in that pipeline meets it. */
export interface PersistentFault {
  id: string;
  kind: string;
  step: CiStep;
  test?: CiTest;
  presets: Record<string, string>;
}

export interface Hazard {
  kind: string;
  /** The identity of the cause: a window id, `lock:<pipeline>@<minute>`, `flaky:<test>`, `chance:<kind>`, `fault:<id>`. */
  key: string;
  p: number;
  /** Minute the cause stops; null = never for this pipeline (persistent); 0 for a memoryless chance (gone once drawn). */
  until: number | null;
  /** Bound to the runner the attempt runs on (a full disk, a left-over process). */
  runnerBound: boolean;
  /** A lock another job holds (waiting for it is a remediation). */
  lock: boolean;
  /** A corrupt cache (clearing it is a remediation). */
  cache: boolean;
  phase: number;
  presets: Record<string, string>;
  test?: CiTest;
  fault?: PersistentFault;
}

/** The order a job meets causes in; lower first. */
const PHASE: Record<string, number> = {
  'no-runner': 0,
  'merge-conflict': 1,
  'missing-secret': 1.5,
  'expired-token': 1.6,
  'stale-lock': 2,
  'lock-contention': 2.1,
  'permission-denied': 2.5,
  'bad-hostname': 3,
  'tls-cert-invalid': 3.1,
  'dns-failure': 3.2,
  'tls-handshake-timeout': 3.3,
  'network-timeout': 3.4,
  'registry-rate-limit': 3.5,
  'registry-5xx': 3.6,
  'disk-full': 4,
  'corrupt-cache': 4.1,
  'runner-lost': 4.5,
  'lockfile-out-of-sync': 5,
  'dependency-missing': 5.1,
  'bad-manifest': 5.2,
  'compile-error': 5.3,
  'lint-gate': 5.4,
  'cluster-api-error': 5.5,
  'service-not-ready': 6,
  'port-in-use': 6.1,
  'misconfigured-port': 6.2,
  'build-tool-crash': 6.5,
  'build-oom': 6.8,
  'flaky-test': 7,
  'test-failure': 7,
};
export const phaseOf = (kind: string): number => PHASE[kind] ?? 5;

/** Everything the hazards of one step of one pipeline depend on. */
export interface StepCtx {
  repo: CiRepo;
  step: CiStep;
  pipelineId: string;
  /** World-wide windows. */
  incidents: readonly CiWindow[];
  /** The repository's transient windows (corrupt caches, outside lock holders, other pipelines' deploys). */
  repoWindows: readonly CiWindow[];
  runnerWindows: ReadonlyMap<string, readonly CiWindow[]>;
  fault: PersistentFault | null;
  /** Kinds that can show in this step for this repository's tool chain and CI system (see canShow). */
  allowed: ReadonlySet<string>;
  /** The hazards that do not change with time (background chances, flaky tests, the fault), in phase order. */
  fixed: Hazard[];
  /** resourcesOf(repo, step) and usesNetwork(repo, step). */
  resources: readonly string[];
  network: boolean;
  /** Set while a step is being deployed by another pipeline of the repository: its lock. */
  locksHeld: readonly { pipelineId: string; step: CiStep; start: number; end: number; presets: Record<string, string> }[];
}

export interface HazardOpts {
  /** The restored cache was cleared (the clear-cache remediation). */
  cacheCleared?: boolean;
}

const inside = (w: { start: number; end: number }, t: number) => t >= w.start && t < w.end;

function windowHits(w: CiWindow, c: StepCtx): boolean {
  const { repo, step } = c;
  if (w.scope.startsWith('res:')) return c.resources.includes(w.scope);
  if (w.scope === 'dns' || w.scope === 'net') return c.network;
  if (w.scope === 'cluster') return step === 'deploy' || (step === 'migrate' && repo.deployTool !== 'terraform');
  if (w.scope.startsWith('pool:')) return w.scope === `pool:${repo.pool.id}`;
  return !w.steps || w.steps.includes(step);
}

function fromWindow(w: CiWindow, t: number): Hazard {
  const presets = { ...w.presets };
  if (w.kind === 'registry-rate-limit') presets.resetin = String(Math.max(1, Math.round((w.end - t) * 60)));
  return { kind: w.kind, key: w.id, p: w.p, until: w.end, runnerBound: w.scope.startsWith('runner:'), lock: w.kind === 'lock-contention', cache: w.kind === 'corrupt-cache', phase: phaseOf(w.kind), presets };
}

const NO_PRESETS: Record<string, string> = {};
const chance = (kind: string, p: number): Hazard => ({
  kind, key: `chance:${kind}`, p, until: 0, runnerBound: false, lock: false, cache: false, phase: phaseOf(kind), presets: NO_PRESETS,
});
const byPhase = (hz: Hazard[]) => hz.map((h, i) => [h, i] as const).sort((a, b) => a[0].phase - b[0].phase || a[1] - b[1]).map((x) => x[0]);

/** The hazards of an attempt starting at minute `t` that do not depend on which runner runs it, in phase order. */
export function hazardsAt(c: StepCtx, t: number, opts: HazardOpts = {}): Hazard[] {
  const fixed = c.fixed;
  const timed: Hazard[] = [];
  for (const w of c.incidents) {
    if (w.start > t) break;
    if (t < w.end && windowHits(w, c) && c.allowed.has(w.kind)) timed.push(fromWindow(w, t));
  }
  for (const w of c.repoWindows) {
    if (w.start > t) break;
    if (t < w.end && windowHits(w, c) && c.allowed.has(w.kind) && !(opts.cacheCleared && w.kind === 'corrupt-cache')) timed.push(fromWindow(w, t));
  }
  for (const l of c.locksHeld) {
    if (l.step === c.step && l.pipelineId !== c.pipelineId && inside(l, t) && c.allowed.has('lock-contention')) {
      timed.push({ kind: 'lock-contention', key: `lock:${l.pipelineId}@${l.start.toFixed(2)}`, p: 1, until: l.end, runnerBound: false, lock: true, cache: false, phase: phaseOf('lock-contention'), presets: l.presets });
    }
  }
  // Windows come before the steady hazards of the same phase.
  return timed.length ? byPhase(timed.concat(fixed)) : fixed;
}

/**
 * The hazards of a repository's step that do not change with time: background chances and flaky tests, in phase
 * order, for the kinds in `allowed`. A pipeline's fault is added by withFault.
 */
export function steadyHazards(repo: CiRepo, step: CiStep, allowed: ReadonlySet<string>): Hazard[] {
  const out: Hazard[] = [];
  const res = resourcesOf(repo, step);
  const net = usesNetwork(repo, step);
  const selfHosted = !repo.pool.ephemeral;
  if (res.length) out.push(chance('registry-5xx', BACKGROUND.registry5xx));
  if (res.includes('res:dockerhub') || res.includes('res:github-api')) out.push(chance('registry-rate-limit', BACKGROUND.rateLimit));
  if (net) {
    out.push(chance('network-timeout', BACKGROUND.networkTimeout));
    out.push(chance('tls-handshake-timeout', BACKGROUND.tlsHandshake));
    out.push(chance('dns-failure', BACKGROUND.dns));
  }
  out.push(chance('runner-lost', selfHosted ? BACKGROUND.runnerLostSelfHosted : BACKGROUND.runnerLostHosted));
  out.push(chance('no-runner', BACKGROUND.noRunner));
  if (step === 'build' || step === 'lint' || step === 'unit-tests') out.push(chance('build-tool-crash', BACKGROUND.buildToolCrash * (repo.ecosystem === 'jvm' ? 2 : 1)));
  if (step === 'image-push' || step === 'deploy' || (step === 'migrate' && repo.deployTool !== 'terraform') || (step === 'checkout' && repo.ci === 'gitlab') || (step === 'install' && repo.packageIndex.includes('.internal'))) {
    out.push(chance('expired-token', BACKGROUND.expiredToken));
  }
  if (step === 'deploy' || step === 'migrate') out.push(chance('cluster-api-error', BACKGROUND.clusterApi));
  if (step === 'install' && repo.usesApt) out.push(chance('lock-contention', BACKGROUND.aptLock));
  if (step === 'checkout' && selfHosted) out.push(chance('lock-contention', BACKGROUND.gitIndexLock));
  if (step === 'build' && selfHosted && (repo.tool === 'gradle' || repo.tool === 'cargo')) out.push(chance('lock-contention', BACKGROUND.cacheLock));
  if ((step === 'integration-tests' || step === 'migrate') && repo.db && repo.serviceRaceRate > 0) out.push(chance('service-not-ready', repo.serviceRaceRate));
  if (step === 'unit-tests' || step === 'integration-tests') {
    for (const test of step === 'unit-tests' ? repo.unitTests : repo.integrationTests) {
      if (test.flakeRate > 0) {
        out.push({ kind: 'flaky-test', key: `flaky:${test.name}`, p: test.flakeRate, until: 0, runnerBound: false, lock: false, cache: false, phase: phaseOf('flaky-test'), presets: { test: test.name, testfile: test.file, testshort: test.short }, test });
      }
    }
  }
  // Only causes that can show in this step for this tool chain (the catalogue says where each kind happens).
  return byPhase(out.filter((h) => allowed.has(h.kind)));
}

/** The steady hazards of a step with the pipeline's persistent fault at it (whose test no longer merely flakes). */
export function withFault(steady: Hazard[], f: PersistentFault | null, step: CiStep): Hazard[] {
  if (!f || f.step !== step) return steady;
  const h: Hazard = { kind: f.kind, key: `fault:${f.id}`, p: 1, until: null, runnerBound: false, lock: false, cache: false, phase: phaseOf(f.kind), presets: f.presets, test: f.test, fault: f };
  return byPhase([...steady.filter((x) => !f.test || x.test !== f.test), h]);
}

/** The hazards of the runner `runner` at minute `t` for this step. */
export function runnerHazardsAt(c: StepCtx, runner: string, t: number): Hazard[] {
  const ws = c.runnerWindows.get(runner);
  if (!ws) return [];
  const out: Hazard[] = [];
  for (const w of ws) {
    if (w.start > t) break;
    if (t < w.end && (!w.steps || w.steps.includes(c.step)) && c.allowed.has(w.kind)) out.push(fromWindow(w, t));
  }
  return out;
}
