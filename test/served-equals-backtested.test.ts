// One decision, one place: what POST /v1/rollout/decision answers is what the backtester replays. Rollouts of every
// built-in scenario are run by the backtester under each served policy (none, kayenta, argo, flagger, ml) while a
// wrapper records every observation the policy received and every decision it made; then each rollout is sent to the
// server minute by minute (`inject`, every observation so far, as a deploy system would send them), and each answer's
// action and reasons must equal the backtester's for that minute. Tiny champions are trained into a temp registry.
// Progressive rollouts (by region and by tenant) are replayed too, the canary's breakdown by unit sent with each minute,
// among them rollouts where ml rolls back one unit: the server must name the same unit at the same minute. And
// ml-adaptive, with the what-if's predicted ranges sent in the request and steps shorter than a minute (the server must
// ask for the same next step: tickSeconds). And ml with per-change thresholds, the plan's caps sent in the request.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { trainTinyModels } from './tiny-models.ts';
import { buildApp } from '../server/app.ts';
import { backtest, runEpisode } from '../backtest/run.ts';
import { simulatePeriod } from '../backtest/worlds.ts';
import { loadScenario } from '../sim/index.ts';
import { RolloutEnv, type Observation } from '../sim/env.ts';
import { parseStrategy, planFor } from '../sim/strategy.ts';
import type { Deployment, World } from '../sim/world.ts';
import { resolvePolicies } from '../policies/index.ts';
import type { Decision, Policy, PolicyContext } from '../policies/policy.ts';
import { loadRolloutChampionsSync } from '../training/load.ts';
import { riskPriors } from '../training/predictive-rollback/prior.ts';
import { toAnalysisWindow, type JudgeWindow } from '../judges/labelled-windows.ts';
import { resolveWindowJudges, type AnalysisWindow } from '../judges/window-judges.ts';
import { evidenceFor } from '../judges/evidence.ts';
import { registerMlWindowJudge } from '../training/judge/model.ts';
import { SENSITIVITY_LEVELS, SENSITIVITY_TABLE } from '../policies/rollout-plan/sensitivity.ts';

const SCENARIOS = ['default', 'low-traffic', 'black-friday', 'large'] as const;
const POLICIES = ['none', 'kayenta', 'argo', 'flagger', 'ml'] as const;
const PER_SCENARIO = 25;
/** Progressive rollouts of the default scenario, by region and by tenant: policies replayed on them. */
const PROGRESSIVE_POLICIES = ['kayenta', 'ml'] as const;
/** Deployments of the default scenario replayed under ml-adaptive (each needs a what-if run for its ranges). */
const ADAPTIVE_DEPLOYMENTS = 20;
/** Deployments of the default scenario replayed under ml with per-change thresholds (the plan's, sent as `thresholds`). */
const THRESHOLD_DEPLOYMENTS = 12;

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
    needsRanges: p.needsRanges,
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
  return { ...o, canary: orderedCohort(o.canary), baseline: orderedCohort(o.baseline) };
}

function orderedCohort(m: Observation['canary']): Observation['canary'] {
  {
    if (m === null) return null;
    const ps = [m.latencyP50, m.latencyP95, m.latencyP99];
    const known = ps.filter((x): x is number => x !== null).sort((x, y) => x - y);
    let i = 0;
    const [p50, p95, p99] = ps.map((x) => (x === null ? null : known[i++]));
    if (p50 === m.latencyP50 && p95 === m.latencyP95 && p99 === m.latencyP99) return m;
    reordered++;
    return { ...m, latencyP50: p50, latencyP95: p95, latencyP99: p99 };
  }
}
let reordered = 0;

/** The request a deploy system sends at minute `k` of a recorded rollout. */
function body(r: Recorded, k: number) {
  const { plan, slo, service } = r.ctx;
  return {
    policy: r.policy,
    plan: { stages: plan.stages.map((s) => ({ exposure: s.exposure, mirror: s.mirror, dwellMinutes: s.dwellMinutes })), unitShares: plan.unitShares, bakeMinutes: plan.bakeMinutes, ...(plan.units.length > 1 ? { units: plan.units } : {}) },
    slo: { objective: slo.objective, burnRate: slo.burnRate },
    ...(r.riskPrior !== undefined && Number.isFinite(r.riskPrior) ? { riskPrior: r.riskPrior } : {}),
    ...(r.ctx.ranges ? { ranges: r.ctx.ranges } : {}),
    ...(r.ctx.thresholds ? { thresholds: r.ctx.thresholds } : {}),
    latencyObjectiveMs: service.latencyObjectiveMs,
    observations: r.observations.slice(0, k + 1).map((o) => ({ age: o.age, phase: o.phase, stage: o.stage, weight: o.weight, mirror: o.mirror, timeAtStage: o.timeAtStage, providerError: o.providerError, canary: o.canary, baseline: o.baseline, ...(o.canaryUnits ? { canaryUnits: o.canaryUnits } : {}), ...(o.tickSeconds !== undefined ? { tickSeconds: o.tickSeconds } : {}) })),
  };
}

let app: FastifyInstance;
const recorded: Recorded[] = [];
const windows: JudgeWindow[] = [];

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'rolloutlab-served-'));
  const models = await trainTinyModels(root);
  app = buildApp({ modelsRoot: models, rateLimit: false });
  await app.ready();
  const champions = loadRolloutChampionsSync(models);
  const prior = (world: World) => (champions.risk ? riskPriors(world, champions.risk.model) : new Map<string, number>());
  for (const name of SCENARIOS) {
    const policies = resolvePolicies([...POLICIES], { models: () => champions }).map((p) => recording(p, name, recorded, prior));
    windows.push(...backtest({ scenario: loadScenario(name), seed: 21, deployments: PER_SCENARIO, policies, windowMinutes: 5 }).windows);
  }
  // Progressive rollouts of the same world: its deployments whose fault is confined to a region (a tenant), a few
  // others, and one whose severe fault lives in the second unit to go out (a unit rollback for certain).
  const scenario = loadScenario('default');
  const period = simulatePeriod(scenario, 21, 0);
  for (const by of ['region', 'tenant'] as const) {
    const strategy = parseStrategy(`progressive:${by}`, scenario);
    const policies = resolvePolicies([...PROGRESSIVE_POLICIES], { models: () => champions }).map((p) => recording(p, `default progressive:${by}`, recorded, prior));
    for (const p of policies) p.prepare?.(period.world);
    const busy = [...period.world.topology.services].sort((a, b) => period.world.traffic.meanRequests[b.id] - period.world.traffic.meanRequests[a.id])[0];
    const plan = planFor(strategy, busy, scenario.topology.tenants);
    const second = plan.units.map((_, i) => i).sort((a, b) => plan.unitShares[a] - plan.unitShares[b] || a - b)[1];
    const scope = by === 'region' ? { kind: 'region' as const, region: plan.units[second], share: plan.unitShares[second] } : { kind: 'tenant' as const, tenant: plan.units[second], share: plan.unitShares[second] };
    const made: Deployment = { ...period.deployments[0], id: `confined-${by}`, service: busy.id, material: true, fault: { kind: 'error_step', onsetMinutes: 0, errorAdd: 0.3, latencyMult: 1, kpiDrop: 0, rampMinutes: 0, poolThreshold: Infinity, callerErrorRate: 0, scope, severe: true, rollbackRestores: true } };
    const deps = [...period.deployments.filter((d) => d.fault?.scope.kind === by).slice(0, 8), ...period.deployments.slice(0, 6), made];
    const env = new RolloutEnv(period.world);
    for (const dep of deps) {
      const truth = runEpisode(env, period.world, dep, period.seed, strategy, null, null).outcome;
      for (const p of policies) runEpisode(env, period.world, dep, period.seed, strategy, p, truth);
    }
  }
  // ml-adaptive on the default scenario: the backtester computes each deployment's ranges; the request carries them.
  const adaptive = resolvePolicies(['ml-adaptive'], { models: () => champions }).map((p) => recording(p, 'default adaptive', recorded, prior));
  backtest({ scenario: loadScenario('default'), seed: 21, deployments: ADAPTIVE_DEPLOYMENTS, policies: adaptive });
  // ml with per-change thresholds: every deployment under its optimised plan and the sensitive levels a table gives it.
  const sensitive = resolvePolicies(['ml'], { models: () => champions }).map((p) => recording(p, 'default thresholds', recorded, prior));
  const spread = { ...SENSITIVITY_TABLE, choice: SENSITIVITY_TABLE.choice.map((row) => row.map((_, r) => Math.min(SENSITIVITY_LEVELS.length - 1, 1 + r))) };
  backtest({ scenario: loadScenario('default'), seed: 21, deployments: THRESHOLD_DEPLOYMENTS, policies: sensitive, optimised: { risk: champions.risk?.model ?? null, thresholds: true, sensitivityTable: spread } });
  if (champions.judge) registerMlWindowJudge(champions.judge.model);
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
        const got = res.json() as { action: string; unit?: string; reasons: string[]; policy: string; tickSeconds?: number };
        const wantUnit = want.type === 'rollback' ? want.unit : undefined;
        const wantTick = want.tickSeconds !== undefined && want.tickSeconds !== 60 ? want.tickSeconds : undefined;
        expect({ where, action: got.action, unit: got.unit, reasons: got.reasons, tickSeconds: got.tickSeconds }).toEqual({ where, action: want.type, unit: wantUnit, reasons: want.reasons, tickSeconds: wantTick });
        const kind = `${r.policy} ${want.type}${wantUnit !== undefined ? ' unit' : ''}`;
        actions.set(kind, (actions.get(kind) ?? 0) + 1);
        if (wantUnit === undefined) actions.set(`${r.policy} ${want.type}`, (actions.get(`${r.policy} ${want.type}`) ?? 0) + 1);
        minutes++;
      }
    }
    // The replay covered every policy and the decisions that matter: rollbacks and holds as well as advances.
    expect(recorded.filter((r) => !r.scenario.includes('progressive') && !r.scenario.includes('adaptive') && !r.scenario.includes('thresholds')).length).toBe(SCENARIOS.length * PER_SCENARIO * POLICIES.length);
    // Per-change thresholds: every such rollout was replayed with its plan's caps in the request.
    const th = recorded.filter((r) => r.scenario === 'default thresholds');
    expect(th.length).toBe(THRESHOLD_DEPLOYMENTS);
    expect(th.every((r) => r.ctx.thresholds && Object.keys(r.ctx.thresholds).length > 0)).toBe(true);
    for (const p of POLICIES) expect(actions.get(`${p} advance`) ?? 0, `${p} advances`).toBeGreaterThan(0);
    for (const p of ['kayenta', 'argo', 'flagger', 'ml']) expect(actions.get(`${p} rollback`) ?? 0, `${p} rollbacks`).toBeGreaterThan(0);
    // Progressive rollouts by region and by tenant, with their breakdown by unit, and ml rolling back one unit in both.
    for (const by of ['region', 'tenant']) {
      const prog = recorded.filter((r) => r.scenario === `default progressive:${by}`);
      expect(prog.length, by).toBeGreaterThan(PROGRESSIVE_POLICIES.length * 6);
      expect(prog.some((r) => r.observations.some((o) => o.canaryUnits !== undefined)), by).toBe(true);
      expect(prog.filter((r) => r.policy === 'ml' && r.decisions.some((d) => d.type === 'rollback' && d.unit !== undefined)).length, `${by}: ml unit rollbacks`).toBeGreaterThan(0);
    }
    expect(actions.get('ml rollback unit') ?? 0).toBeGreaterThanOrEqual(2);
    // ml-adaptive: every rollout had its ranges, and steps shorter than a minute were asked for and replayed.
    const ad = recorded.filter((r) => r.scenario === 'default adaptive');
    expect(ad.length).toBe(ADAPTIVE_DEPLOYMENTS);
    expect(ad.every((r) => r.ctx.ranges && r.ctx.ranges.length === r.ctx.plan.stages.length)).toBe(true);
    expect(ad.some((r) => r.observations.some((o) => o.tickSeconds !== undefined))).toBe(true);
    expect(actions.get('ml-adaptive advance') ?? 0).toBeGreaterThan(0);
    expect(minutes).toBeGreaterThan(5_000);
    console.log(`${recorded.length} rollouts, ${minutes} minutes compared (${actions.get('ml rollback unit')} ml rollbacks of one unit); ${reordered} cohort-minutes had their latency percentiles put in order`);
  }, 900_000);
});

describe('the served canary verdict is the replayed one', () => {
  it('judges the labelled windows of those rollouts through POST /v1/canary/verdict and through the window judges the replay uses: identical verdicts and reasons wherever the evidence suffices; inconclusive, never a pass, where it does not', async () => {
    const counts: Record<string, number> = {};
    const bump = (k: string) => (counts[k] = (counts[k] ?? 0) + 1);
    for (const name of ['kayenta', 'ml'] as const) {
      const [judge] = resolveWindowJudges([name]);
      for (const lw of windows) {
        const raw = toAnalysisWindow(lw);
        const full: AnalysisWindow = { ...raw, canary: raw.canary.map(orderedCohort), baseline: raw.baseline.map(orderedCohort) };
        // And the same window with its canary unscraped in 3 of 5 minutes: too little evidence for any pass.
        const thin: AnalysisWindow = { ...full, canary: full.canary.map((m, i) => (i % 2 === 0 ? null : m)) };
        for (const w of [full, thin]) {
        const replayed = judge.judge(w);
          const res = await app.inject({ method: 'POST', url: `/v1/canary/verdict?judge=${name}`, payload: { canary: w.canary, baseline: w.baseline, ...(w.providerError ? { providerError: w.providerError } : {}), ...(w.latencyObjectiveMs !== undefined ? { latencyObjectiveMs: w.latencyObjectiveMs } : {}) } });
        expect(res.statusCode, res.body).toBe(200);
        const served = res.json() as { verdict: string; reasons: string[] };
        if (evidenceFor(name, w).sufficient) {
          expect({ verdict: served.verdict, reasons: served.reasons }).toEqual({ verdict: replayed.verdict, reasons: replayed.reasons });
          bump(`${name} same`);
        } else {
          expect(served.verdict).toBe('inconclusive');
          expect(replayed.verdict).not.toBe('pass');
          bump(`${name} thin evidence: served inconclusive, replayed ${replayed.verdict}`);
        }
        }
      }
    }
    console.log(`${windows.length} windows per judge:`, counts);
    expect(counts['kayenta same'] ?? 0).toBeGreaterThan(windows.length / 2);
    expect(counts['ml same'] ?? 0).toBeGreaterThan(windows.length / 2);
  }, 600_000);
});
