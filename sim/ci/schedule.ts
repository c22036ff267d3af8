// When each repository runs pipelines, on which branch, with which steps, and which persistent faults the
// commits carry: a fault on a branch stays for a few pushes until someone fixes it; a broken repository state
// (a stale lock, a revoked permission, a missing secret, a bad certificate) breaks every pipeline started inside it.
import type { Rng } from '../../lib/rng.ts';
import type { CiRepo, CiTest } from './repos.ts';
import type { CiStep } from './types.ts';
import type { PersistentFault } from './hazards.ts';
import type { CiWindow } from './windows.ts';
import { ciKind, canShow } from './catalogue.ts';
import { NOUNS, hex } from './vocab.ts';

export interface PlannedPipeline {
  id: string;
  start: number;
  branch: string;
  commit: string;
  main: boolean;
  steps: CiStep[];
  faults: Map<CiStep, PersistentFault>;
}

/** Persistent faults a commit can carry, with relative weights; merge conflicts only on feature branches. */
const COMMIT_FAULTS: [string, number][] = [
  ['compile-error', 3], ['test-failure', 5], ['lint-gate', 2.5], ['dependency-missing', 1.2], ['lockfile-out-of-sync', 1],
  ['bad-manifest', 1.2], ['misconfigured-port', 0.7], ['build-oom', 0.5], ['bad-hostname', 0.4], ['merge-conflict', 1.2],
  ['missing-secret', 0.4], ['permission-denied', 0.15], ['tls-cert-invalid', 0.1], ['stale-lock', 0.2],
];

export function pipelineSteps(repo: CiRepo, main: boolean, rng: Rng): CiStep[] {
  const s: CiStep[] = ['checkout', 'install'];
  if (repo.hasLint) s.push('lint');
  s.push('build', 'unit-tests');
  if (repo.integrationTests.length) s.push('integration-tests');
  if (repo.containerised) s.push('image-build');
  if (repo.containerised && (main || rng.bernoulli(0.3))) s.push('image-push');
  if (main && (repo.db === 'postgres' || repo.db === 'mysql')) s.push('migrate');
  if (main) s.push('deploy');
  return s;
}

interface Branch {
  name: string;
  fault: PersistentFault | null;
}

function drawFault(rng: Rng, repo: CiRepo, pipelineId: string, steps: CiStep[], main: boolean): PersistentFault | null {
  const candidates = COMMIT_FAULTS.filter(([k]) => !(main && k === 'merge-conflict'));
  const [kind] = candidates[rng.weighted(candidates.map((c) => c[1]))];
  const possible = ciKind(kind).steps.filter((s) => steps.includes(s) && canShow(kind, s, repo.ecosystem, repo.tools, repo.ci));
  if (!possible.length) return null;
  const step = rng.pick(possible);
  let test: CiTest | undefined;
  if (kind === 'test-failure') {
    const suite = step === 'integration-tests' ? repo.integrationTests : repo.unitTests;
    // A real bug sometimes lands in a test that is known to flake: its history then looks like a flake's.
    const flaky = suite.filter((t) => t.flakeRate > 0);
    test = flaky.length && rng.bernoulli(0.25) ? rng.pick(flaky) : rng.pick(suite);
  }
  const presets: Record<string, string> = test ? { test: test.name, testfile: test.file, testshort: test.short } : {};
  return { id: `${pipelineId}:${kind}`, kind, step, test, presets };
}

/** The pipelines of one repository over the period, in start order. */
export function schedulePipelines(
  rng: Rng,
  repo: CiRepo,
  o: { days: number; startWeekday: number; holidays: ReadonlySet<number>; perWorkday: number; weekendFactor: number; faultRate: number },
  states: readonly CiWindow[],
): PlannedPipeline[] {
  const starts: number[] = [];
  for (let d = 0; d < o.days; d++) {
    const weekday = (o.startWeekday + d) % 7;
    const quiet = weekday >= 5 || o.holidays.has(d);
    const n = rng.poisson(o.perWorkday * repo.pipelinesPerWorkday * (quiet ? o.weekendFactor : 1));
    for (let i = 0; i < n; i++) {
      const localHour = Math.min(22, Math.max(6.5, rng.gauss(13.5, 2.6)));
      const t = d * 1440 + (localHour - repo.tzOffset) * 60;
      starts.push(Math.min(o.days * 1440 - 1, Math.max(0, t)));
    }
  }
  starts.sort((a, b) => a - b);
  const main: Branch = { name: 'main', fault: null };
  const branches: Branch[] = [];
  return starts.map((start, k) => {
    const id = `${repo.name}#${String(k + 1).padStart(4, '0')}`;
    let b: Branch;
    if (rng.bernoulli(0.25)) b = main;
    else if (!branches.length || rng.bernoulli(0.3)) {
      b = { name: `${rng.pick(['feature', 'fix', 'chore'])}/${rng.pick(NOUNS)}-${rng.int(100, 9999)}`, fault: null };
      branches.push(b);
      if (branches.length > 6) branches.shift();
    } else b = rng.pick(branches);
    const steps = pipelineSteps(repo, b === main, rng);
    // A push: an existing fault is fixed with some chance; a healthy branch may get a new one.
    if (b.fault && rng.bernoulli(b === main ? 0.7 : 0.5)) b.fault = null;
    else if (!b.fault && rng.bernoulli(o.faultRate * (b === main ? 0.2 : 1))) b.fault = drawFault(rng, repo, id, steps, b === main);
    const faults = new Map<CiStep, PersistentFault>();
    if (b.fault && steps.includes(b.fault.step)) faults.set(b.fault.step, b.fault);
    for (const w of states) {
      if (w.start > start) break;
      const step = w.steps?.[0];
      if (start < w.end && step && steps.includes(step) && !faults.has(step) && canShow(w.kind, step, repo.ecosystem, repo.tools, repo.ci)) faults.set(step, { id: w.id, kind: w.kind, step, presets: w.presets });
    }
    return { id, start, branch: b.name, commit: hex(rng, 40), main: b === main, steps, faults };
  });
}
