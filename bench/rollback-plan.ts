// How fast a rollback plan is made: plan generation time for releases of simulated systems of 100 and 1,000 services
// (the whole dependency graph is in every request), for the `planned` planner beside the `revert-all` baseline measured
// in the same run. Each release is planned many times; p50 and p99 are over every call.
//
//   npx rolloutlab bench rollback-plan [--services 100,1000] [--seed 1] [--json]
import { loadScenario, parseScenario, type Scenario } from '../sim/index.ts';
import { simulatePeriod } from '../backtest/worlds.ts';
import { releasesOf } from '../sim/release/index.ts';
import { planRollback, type RollbackPlannerName } from '../policies/rollback-plan/index.ts';
import { terminalProgress } from '../lib/progress.ts';

export interface RollbackPlanBench {
  seed: number;
  sizes: { services: number; dependencies: number; releases: number; calls: number; planners: Record<string, { p50Ms: number; p99Ms: number; meanMs: number; maxMs: number }> }[];
}

const quantile = (xs: number[], q: number) => {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** A short (3-day) period of the default scenario's system grown to `n` services, for timing plans. */
export function benchScenario(base: Scenario, n: number, name: string): Scenario {
  return parseScenario({ ...structuredClone(base), name: `${name}-${n}`, days: 3, topology: { ...base.topology, services: n, teams: Math.max(2, Math.round(n / 5)) } }, `bench ${n}`);
}

export function benchRollbackPlan(o: { services: number[]; seed: number; progress?: boolean }): RollbackPlanBench {
  const progress = o.progress ? terminalProgress() : null;
  const base = loadScenario('default');
  const sizes: RollbackPlanBench['sizes'] = [];
  for (const n of o.services) {
    progress?.update(`world of ${n}`, 0, 1);
    // A short period of a system of n services, with enough releases to time.
    const s = benchScenario(base, n, 'rollback-plan-bench');
    const rels = [];
    for (let k = 0; rels.length < 20 && k < 20; k++) rels.push(...releasesOf(simulatePeriod(s, o.seed, k).world));
    const planners: RollbackPlannerName[] = ['planned', 'revert-all'];
    const times: Record<string, number[]> = { planned: [], 'revert-all': [] };
    const rounds = Math.max(5, Math.ceil(2000 / Math.max(1, rels.length)));
    for (let round = 0; round < rounds; round++) {
      for (const r of rels) {
        for (const p of planners) {
          const t = performance.now();
          planRollback(r.request, p);
          times[p].push(performance.now() - t);
        }
      }
      progress?.update(`plan at ${n} services`, round + 1, rounds);
    }
    progress?.done();
    const stat = (xs: number[]) => ({ p50Ms: quantile(xs, 0.5), p99Ms: quantile(xs, 0.99), meanMs: xs.reduce((a, b) => a + b, 0) / xs.length, maxMs: Math.max(...xs) });
    sizes.push({ services: n, dependencies: rels[0]?.request.graph.dependencies.length ?? 0, releases: rels.length, calls: times.planned.length, planners: Object.fromEntries(planners.map((p) => [p, stat(times[p])])) });
  }
  return { seed: o.seed, sizes };
}

export function formatRollbackPlanBench(b: RollbackPlanBench): string {
  const f = (x: number) => `${x.toFixed(2)} ms`;
  const lines = [`rollback plan generation (seed ${b.seed}); target p99 <= 50 ms at 100 services`, ''];
  for (const s of b.sizes) {
    lines.push(`${s.services} services, ${s.dependencies} dependencies, ${s.releases} releases, ${s.calls} plans each:`);
    for (const [p, x] of Object.entries(s.planners)) lines.push(`  ${p.padEnd(10)}  p50 ${f(x.p50Ms).padStart(9)}  p99 ${f(x.p99Ms).padStart(9)}  max ${f(x.maxMs).padStart(9)}`);
  }
  return lines.join('\n');
}
