// One decision, one place: what POST /v1/rollout/decision answers is what the backtester replays. Rollouts of every
// built-in scenario are run by the backtester under each served policy (none, kayenta, argo, flagger, ml) while a
// wrapper records every observation the policy received and every decision it made; then each rollout is sent to the
// server minute by minute (`inject`, every observation so far, as a deploy system would send them), and each answer's
// action and reasons must equal the backtester's for that minute. Tiny champions are trained into a temp registry.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { trainTinyModels } from './tiny-models.ts';
import { buildApp } from '../server/app.ts';
import { backtest } from '../backtest/run.ts';
import { loadScenario } from '../sim/index.ts';
import type { Observation } from '../sim/env.ts';
import type { World } from '../sim/world.ts';
import { resolvePolicies } from '../policies/index.ts';
import type { Decision, Policy, PolicyContext } from '../policies/policy.ts';
import { loadRolloutChampionsSync } from '../training/load.ts';
import { riskPriors } from '../training/rollback/prior.ts';

const SCENARIOS = ['default', 'low-traffic', 'black-friday', 'large'] as const;
const POLICIES = ['none', 'kayenta', 'argo', 'flagger', 'ml'] as const;
const PER_SCENARIO = 25;

interface Recorded {
  scenario: string;
  policy: string;
  ctx: PolicyContext;
  riskPrior: number | undefined;
  observations: Observation[];
  decisions: Decision[];
}

/** The policy, recording what it saw and said; the ml policy's risk prior (scored at `prepare`) is computed beside it. */
function recording(p: Policy, scenario: string, log: Recorded[], prior: (world: World) => Map<string, number>): Policy {
  let priors = new Map<string, number>();
  return {
    name: p.name,
    needsTruth: p.needsTruth,
    prepare(world) {
      p.prepare?.(world);
      priors = prior(world);
    },
    start(ctx, truth) {
      const run = p.start(ctx, truth);
      const r: Recorded = { scenario, policy: p.name, ctx, riskPrior: priors.get(ctx.deploymentId), observations: [], decisions: [] };
      log.push(r);
      return {
        decide(raw) {
          const o = ordered(raw);
          const d = run.decide(o);
          r.observations.push(structuredClone(o));
          r.decisions.push(structuredClone(d));
          return d;
        },
      };
    },
  };
}

/**
 * The simulator draws each latency percentile's noise on its own, so in a quiet minute p95 can come out above p99 (or
 * p99 below p50), which no metrics backend reports and the route refuses (400). The policies are handed each minute
 * with its percentiles in order (sorted), in the backtest and in the request alike; the count is printed.
 */
function ordered(o: Observation): Observation {
  const fix = (m: Observation['canary']) => {
    if (m === null) return null;
    const ps = [m.latencyP50, m.latencyP95, m.latencyP99];
    const known = ps.filter((x): x is number => x !== null).sort((x, y) => x - y);
    let i = 0;
    const [p50, p95, p99] = ps.map((x) => (x === null ? null : known[i++]));
    if (p50 === m.latencyP50 && p95 === m.latencyP95 && p99 === m.latencyP99) return m;
    reordered++;
    return { ...m, latencyP50: p50, latencyP95: p95, latencyP99: p99 };
  };
  return { ...o, canary: fix(o.canary), baseline: fix(o.baseline) };
}
let reordered = 0;

/** The request a deploy system sends at minute `k` of a recorded rollout. */
function body(r: Recorded, k: number) {
  const { plan, slo, service } = r.ctx;
  return {
    policy: r.policy,
    plan: { stages: plan.stages.map((s) => ({ exposure: s.exposure, mirror: s.mirror, dwellMinutes: s.dwellMinutes })), unitShares: plan.unitShares, bakeMinutes: plan.bakeMinutes },
    slo: { objective: slo.objective, burnRate: slo.burnRate },
    ...(r.riskPrior !== undefined && Number.isFinite(r.riskPrior) ? { riskPrior: r.riskPrior } : {}),
    latencyObjectiveMs: service.latencyObjectiveMs,
    observations: r.observations.slice(0, k + 1).map((o) => ({ age: o.age, phase: o.phase, stage: o.stage, weight: o.weight, mirror: o.mirror, timeAtStage: o.timeAtStage, providerError: o.providerError, canary: o.canary, baseline: o.baseline })),
  };
}

let app: FastifyInstance;
const recorded: Recorded[] = [];

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'rolloutlab-served-'));
  const models = await trainTinyModels(root);
  app = buildApp({ modelsRoot: models, rateLimit: false });
  await app.ready();
  const champions = loadRolloutChampionsSync(models);
  const prior = (world: World) => (champions.risk ? riskPriors(world, champions.risk.model) : new Map<string, number>());
  for (const name of SCENARIOS) {
    const policies = resolvePolicies([...POLICIES], { models: () => champions }).map((p) => recording(p, name, recorded, prior));
    backtest({ scenario: loadScenario(name), seed: 21, deployments: PER_SCENARIO, policies });
  }
}, 600_000);

afterAll(async () => {
  await app?.close();
});

describe('the served decision is the backtested one', () => {
  it(`replays ${SCENARIOS.length * PER_SCENARIO} rollouts per policy minute by minute through POST /v1/rollout/decision: identical actions and reasons`, async () => {
    let minutes = 0;
    const actions = new Map<string, number>();
    for (const r of recorded) {
      for (let k = 0; k < r.observations.length; k++) {
        const res = await app.inject({ method: 'POST', url: '/v1/rollout/decision', payload: body(r, k) });
        const want = r.decisions[k];
        const where = `${r.scenario} ${r.ctx.deploymentId} policy ${r.policy} minute ${r.observations[k].age}`;
        expect(res.statusCode, `${where}: ${res.body}`).toBe(200);
        const got = res.json() as { action: string; reasons: string[]; policy: string };
        expect({ where, action: got.action, reasons: got.reasons }).toEqual({ where, action: want.type, reasons: want.reasons });
        actions.set(`${r.policy} ${want.type}`, (actions.get(`${r.policy} ${want.type}`) ?? 0) + 1);
        minutes++;
      }
    }
    // The replay covered every policy and the decisions that matter: rollbacks and holds as well as advances.
    expect(recorded.length).toBe(SCENARIOS.length * PER_SCENARIO * POLICIES.length);
    for (const p of POLICIES) expect(actions.get(`${p} advance`) ?? 0, `${p} advances`).toBeGreaterThan(0);
    for (const p of ['kayenta', 'argo', 'flagger', 'ml']) expect(actions.get(`${p} rollback`) ?? 0, `${p} rollbacks`).toBeGreaterThan(0);
    expect(minutes).toBeGreaterThan(5_000);
    console.log(`${recorded.length} rollouts, ${minutes} minutes compared; ${reordered} cohort-minutes had their latency percentiles put in order`);
  }, 900_000);
});
