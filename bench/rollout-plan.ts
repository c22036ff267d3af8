// How fast a rollout plan is made for one change: the risk champion's score with its reasons, then the optimiser's
// plan and the risk gate (what POST /v1/rollout/plan computes), per deployment of simulated systems of 100 (and more)
// services; beside the risk score alone, measured in the same run. p50 / p99 over every call.
//
//   npx rolloutlab bench rollout-plan [--services 100,1000] [--models <dir>] [--json]
import { loadScenario } from '../sim/index.ts';
import { benchScenario } from './rollback-plan.ts';
import { simulatePeriod } from '../backtest/worlds.ts';
import { riskDataFromWorld, riskRow } from '../training/risk/world.ts';
import type { GamModel } from '../training/gam.ts';
import { rolloutPlanDecision } from '../policies/rollout-plan/gate.ts';
import { terminalProgress } from '../lib/progress.ts';

export interface RolloutPlanBench {
  model: string | null;
  sizes: { services: number; changes: number; calls: number; planMs: { p50: number; p99: number }; riskOnlyMs: { p50: number; p99: number } }[];
}

const q = (xs: number[], p: number) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))];

export function benchRolloutPlan(o: { services: number[]; risk: { model: GamModel; version: string } | null; progress?: boolean }): RolloutPlanBench {
  const progress = o.progress ? terminalProgress() : null;
  const base = loadScenario('default');
  const sizes: RolloutPlanBench['sizes'] = [];
  for (const n of o.services) {
    progress?.update(`world of ${n}`, 0, 1);
    const s = benchScenario(base, n, 'rollout-plan-bench');
    const p = simulatePeriod(s, 1, 0);
    const data = riskDataFromWorld(p.world);
    const rows = data.deploymentIds.map((_, i) => riskRow(data, i));
    // Risk rows are in start order; deployments by id for the traffic at their start.
    const deps = new Map(p.deployments.map((d) => [d.id, d]));
    const plan: number[] = [];
    const only: number[] = [];
    const rounds = Math.max(3, Math.ceil(3000 / Math.max(1, rows.length)));
    for (let r = 0; r < rounds; r++) {
      rows.forEach((row, i) => {
        const dep = deps.get(data.deploymentIds[i])!;
        let t = performance.now();
        const pr = o.risk ? o.risk.model.predict(row, 1)[0] : NaN;
        const reasons = o.risk ? o.risk.model.reasons(row, 0) : [];
        only.push(performance.now() - t);
        t = performance.now();
        rolloutPlanDecision({ risk: o.risk ? { probability: pr, complete: true, reasons } : null, rpm: p.world.traffic.requests[dep.service][dep.start], bakeMinutes: 30 });
        plan.push(only[only.length - 1] + performance.now() - t);
      });
      progress?.update(`plans at ${n} services`, r + 1, rounds);
    }
    progress?.done();
    sizes.push({ services: n, changes: rows.length, calls: plan.length, planMs: { p50: q(plan, 0.5), p99: q(plan, 0.99) }, riskOnlyMs: { p50: q(only, 0.5), p99: q(only, 0.99) } });
  }
  return { model: o.risk?.version ?? null, sizes };
}

export function formatRolloutPlanBench(b: RolloutPlanBench): string {
  const f = (x: number) => `${x.toFixed(3)} ms`;
  return [
    `rollout plan per change (risk score + plan + gate; risk model ${b.model ?? 'none: the careful plan'}); target p99 <= 100 ms at 100 services`,
    ...b.sizes.map((s) => `  ${String(s.services).padStart(5)} services, ${s.changes} changes, ${s.calls} plans: p50 ${f(s.planMs.p50)}, p99 ${f(s.planMs.p99)}   (risk score alone: p50 ${f(s.riskOnlyMs.p50)}, p99 ${f(s.riskOnlyMs.p99)})`),
  ].join('\n');
}
