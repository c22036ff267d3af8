// The rollout environment (docs/backtest.md): a Gymnasium-style contract over one deployment of the simulated world.
//
//   const env = new RolloutEnv(world);
//   let { observation } = env.reset({ seed, deployment, strategy });
//   for (;;) { const r = env.step(policy.decide(observation)); observation = r.observation; if (r.terminated || r.truncated) break; }
//   env.outcome()  // breach, blast radius, detection and recovery times of this run
//
// One step is one simulated minute (a tick). The action applies at the start of the tick, then the minute is
// simulated and observed. Observations per cohort carry sampling noise (error counts drawn from request counts),
// scrape gaps, and minutes where the metrics backend itself errs.
//
// Randomness: minute `age` draws from `base.at(4 age + k)`, one stream each for the traffic split, the baseline,
// the canary and the callers, and gaps and backend errors are drawn once per deployment. So a minute's randomness depends only on the
// deployment, the seed and the minute, never on what a policy did before: two policies that expose the same
// weights see the same numbers, and the traffic and the fault (from the world) are identical for every policy.
//
// State is plain data (`getState()` / `setState()`; `structuredClone` works on it), so a backtest can copy it and
// try both branches.
import { Rng } from './rng.ts';
import type { Scenario } from './scenario-schema.ts';
import type { Topology, Service } from './topology.ts';
import type { Traffic } from './traffic.ts';
import { type Fault, type Effect, NO_EFFECT, faultEffect, badRatio, slowShare, isMaterial, callerBaseline } from './faults.ts';
import { type Incident, type Cohort } from './noise.ts';
import { sampleCohort, type CohortSample } from './observe.ts';
import { planFor, userWeight, validateStrategy, type Plan, type Strategy } from './strategy.ts';
import { RolloutlabError } from '../lib/errors.ts';

/** Seconds per step of the environment: one observation per minute. */
export const TICK_SECONDS = 60;

export const COHORTS = ['baseline', 'canary'] as const;

/** What the environment needs from a world. */
export interface EnvWorld {
  scenario: Scenario;
  topology: Topology;
  traffic: Traffic;
  incidents: readonly Incident[];
}

/** The deployment to roll out: where, when, and (hidden from policies) the fault its change carries. */
export interface EnvDeployment {
  id: string;
  service: number;
  start: number;
  fault: Fault | null;
  /** Whether the fault is material (docs/definitions.md#material-fault), if the caller knows; only the reward uses it. */
  material?: boolean;
}

export type Action =
  | { type: 'advance'; reason?: string }
  | { type: 'hold'; reason?: string }
  | { type: 'promote'; reason?: string }
  /** Roll back everything, or (progressive strategies) one region / tenant. */
  | { type: 'rollback'; unit?: string; reason?: string };

export const ACTION_TYPES = ['advance', 'hold', 'promote', 'rollback'] as const;

export type Phase = 'progressing' | 'baking' | 'rolled_back' | 'done' | 'truncated';

/** One cohort's metrics for one tick, as a metrics backend would return them: the sample without its truth, plus the
 *  requests of sync callers that reached this cohort and how many of them failed. */
export interface CohortMetrics extends Omit<CohortSample, 'badNoFault'> {
  callerRequests: number;
  callerErrors: number;
}

export interface Observation {
  deploymentId: string;
  /** Minutes since the rollout started; the metrics below are of minute `age - 1` (none at reset). */
  age: number;
  /** Absolute minute of the world at `age`. */
  minute: number;
  phase: Phase;
  stage: number;
  stages: number;
  /** Share of user traffic on the new version during the observed minute. */
  weight: number;
  /** Mirrored share (blue-green preview): observed on the new version, not served to users. */
  mirror: number;
  exposure: number[];
  units: string[];
  /** Minutes spent at the current stage (or in the bake, once promoted). */
  timeAtStage: number;
  /** The metrics backend erred for this minute: both cohorts are null. */
  providerError: boolean;
  /** null when the cohort was not scraped (gap or backend error), or before the first tick. */
  baseline: CohortMetrics | null;
  canary: CohortMetrics | null;
}

/** A row of the per-cohort, per-minute record (what `simulate` writes to the observations table). */
export interface ObservationRow extends CohortSample {
  minute: number;
  age: number;
  cohort: Cohort;
  weight: number;
  callerRequests: number;
  callerErrors: number;
  /** False when the cohort was not scraped or the metrics backend erred: the metric values are then missing. */
  scraped: boolean;
  /** The metrics backend erred this minute (both cohorts unscraped). */
  providerError: boolean;
  /** Unrelated incidents active on this cohort (truth). */
  incidents: string[];
}

/** Result of a run, computed by the environment from the truth (docs/definitions.md). Minutes are absolute. */
export interface EpisodeOutcome {
  endedBy: 'promoted' | 'rolled_back' | 'truncated';
  /** First minute with a breach of any cause: trailing bad ratio >= burn threshold on the service or a caller, or the KPI guardrail. */
  breachMinute: number | null;
  breachService: number | null;
  breachKind: 'slo' | 'kpi' | null;
  /** 'noise' when the same minute without the change's fault breaches too. */
  breachCause: 'fault' | 'noise' | null;
  /** First minute with a breach the fault causes (the no-fault twin of the same draws is not in breach). */
  faultBreachMinute: number | null;
  faultBreachService: number | null;
  faultBreachKind: 'slo' | 'kpi' | null;
  /** Bad requests attributable to the fault that users saw, on the service and on callers: the blast radius. */
  faultBadRequests: number;
  peakBadRatio: number;
  /** First minute the fault's effect reached traffic of the new version (users or mirror). */
  onsetMinute: number | null;
  /** Minute of the first rollback decision (any scope), and of the full rollback. */
  rollbackMinute: number | null;
  fullRollbackMinute: number | null;
  /** First minute the fault hurt users (mirrored traffic does not count). */
  impactMinute: number | null;
  /**
   * Minute all of the fault's traffic was back on a healthy version: the full rollback, or the rollback of the
   * region / tenant a confined fault lives in. Traffic shifts take effect within the tick of the decision.
   */
  recoveredMinute: number | null;
  /** Minute the new version reached full exposure. */
  promotedMinute: number | null;
  /** Ticks the policy acted on, and minutes simulated in total (ticks + drain after a rollback). */
  ticks: number;
  minutes: number;
  maxWeight: number;
}

export interface StepResult {
  observation: Observation;
  /** Minus the fault's bad requests of the minute per 1,000 mean requests, minus 0.01 per minute not fully rolled out, minus 50 for rolling back a change without a material fault. */
  reward: number;
  terminated: boolean;
  truncated: boolean;
  info: { breach: boolean; outcome?: EpisodeOutcome };
}

export interface ResetOptions {
  seed: number;
  deployment: EnvDeployment;
  strategy: Strategy;
  /** Episode cap in minutes (default 3 × the planned length): a run that holds that long is truncated. */
  maxMinutes?: number;
  /** Keep the per-cohort rows of every minute (for data sets). */
  record?: boolean;
}

/** Plain, copyable state of a running episode. */
export interface EnvState {
  deploymentId: string;
  seed: number;
  age: number;
  phase: Phase;
  stage: number;
  exposure: number[];
  /** Units rolled back one by one (progressive strategies): kept at 0 from then on. */
  unitRolledBack: boolean[];
  timeAtStage: number;
  maxWeight: number;
  /** Trailing windows (rings of the window's width, `n` minutes pushed) per watched service — the service, then its sync callers: bad, bad without fault, total requests. */
  burn: { bad: number[]; badNoFault: number[]; total: number[]; n: number }[];
  kpi: { lost: number[]; base: number[]; n: number };
  outcome: EpisodeOutcome;
  lastObservation: Observation;
  done: boolean;
}

interface Ctx {
  dep: EnvDeployment;
  svc: Service;
  plan: Plan;
  callers: { caller: number; callsPerRequest: number }[];
  near: Map<number, Incident[]>;
  gaps: Record<Cohort, Uint8Array>;
  providerDown: Uint8Array;
  base: Rng;
  maxMinutes: number;
  threshold: number;
  material: boolean;
  record: boolean;
  /** Scratch: this minute's [bad ratio, bad ratio without the fault] per watched service. */
  ratios: [number, number][];
}

const SAMPLE_STREAMS = { split: 0, baseline: 1, canary: 2, callers: 3 } as const;

export class RolloutEnv {
  private ctx: Ctx | null = null;
  private st: EnvState | null = null;
  /** Rows of the current episode when `record` is on. */
  rows: ObservationRow[] = [];

  constructor(private readonly world: EnvWorld) {}

  reset(opts: ResetOptions): { observation: Observation; info: { plan: Plan } } {
    const { scenario: s, topology: topo, traffic, incidents } = this.world;
    const dep = opts.deployment;
    const svc = topo.services[dep.service];
    if (!svc) throw new RolloutlabError('BAD_ARGUMENT', `deployment.service: no service ${dep.service} in this world`, 'deployment.service');
    const T = traffic.requests[0].length;
    if (!(Number.isInteger(dep.start) && dep.start >= 0 && dep.start < T)) throw new RolloutlabError('BAD_ARGUMENT', `deployment.start: ${dep.start} is outside the world's ${T} minutes`, 'deployment.start');
    const plan = planFor(validateStrategy(opts.strategy), svc, s.topology.tenants);
    const maxMinutes = opts.maxMinutes ?? plan.plannedMinutes * 3;
    const horizon = maxMinutes + Math.max(s.slo.windowMinutes, s.slo.kpiGuardrail?.windowMinutes ?? 0) + plan.plannedMinutes;
    const callers = topo.callersOf[svc.id].map((di) => topo.dependencies[di]).filter((d) => d.kind === 'sync').map((d) => ({ caller: d.caller, callsPerRequest: d.callsPerRequest }));
    const overlapping = incidents.filter((i) => i.end > dep.start && i.start < dep.start + horizon);
    const near = new Map<number, Incident[]>();
    for (const id of [svc.id, ...callers.map((c) => c.caller)]) near.set(id, overlapping.filter((i) => i.affected.includes(id)));
    const base = new Rng(opts.seed, 'env', dep.id);
    const o = s.observability;
    const bursts = (rng: Rng, rate: number, burst: number): Uint8Array => {
      // Bursts start at a rate that makes the missing share ≈ rate.
      const out = new Uint8Array(horizon);
      let left = 0;
      for (let i = 0; i < horizon; i++) {
        if (left > 0) left--;
        else if (rng.bernoulli(rate / burst)) left = Math.max(1, Math.round(rng.exponential(burst)));
        out[i] = left > 0 ? 1 : 0;
      }
      return out;
    };
    const material = dep.material ?? (dep.fault !== null && isMaterial(svc, peakFaultEffect(dep.fault, plan.plannedMinutes), callerBaseline(topo, svc.id)));
    this.ctx = {
      dep,
      svc,
      plan,
      callers,
      near,
      gaps: { baseline: bursts(base.fork('gaps', 'baseline'), o.scrapeGapRate, o.gapBurstMinutes), canary: bursts(base.fork('gaps', 'canary'), o.scrapeGapRate, o.gapBurstMinutes) },
      providerDown: bursts(base.fork('provider'), o.providerErrorRate, o.providerErrorBurstMinutes),
      base,
      maxMinutes,
      threshold: s.slo.burnRate * (1 - s.slo.objective),
      material,
      record: opts.record ?? false,
      ratios: [svc.id, ...callers.map((c) => c.caller)].map((): [number, number] => [0, 0]),
    };
    this.rows = [];
    const first = plan.stages[0];
    const observation: Observation = {
      deploymentId: dep.id,
      age: 0,
      minute: dep.start,
      phase: 'progressing',
      stage: 0,
      stages: plan.stages.length,
      weight: userWeight(plan, first.exposure),
      mirror: first.mirror,
      exposure: [...first.exposure],
      units: plan.units,
      timeAtStage: 0,
      providerError: false,
      baseline: null,
      canary: null,
    };
    this.st = {
      deploymentId: dep.id,
      seed: opts.seed,
      age: 0,
      phase: plan.stages.length === 1 ? 'baking' : 'progressing',
      stage: 0,
      exposure: [...first.exposure],
      unitRolledBack: plan.units.map(() => false),
      timeAtStage: 0,
      maxWeight: 0,
      burn: [svc.id, ...callers.map((c) => c.caller)].map(() => ({ bad: zeros(s.slo.windowMinutes), badNoFault: zeros(s.slo.windowMinutes), total: zeros(s.slo.windowMinutes), n: 0 })),
      kpi: { lost: zeros(s.slo.kpiGuardrail?.windowMinutes ?? 1), base: zeros(s.slo.kpiGuardrail?.windowMinutes ?? 1), n: 0 },
      outcome: {
        endedBy: 'truncated',
        breachMinute: null,
        breachService: null,
        breachKind: null,
        breachCause: null,
        faultBreachMinute: null,
        faultBreachService: null,
        faultBreachKind: null,
        faultBadRequests: 0,
        peakBadRatio: 0,
        onsetMinute: null,
        rollbackMinute: null,
        fullRollbackMinute: null,
        impactMinute: null,
        recoveredMinute: null,
        promotedMinute: plan.stages.length === 1 ? dep.start : null,
        ticks: 0,
        minutes: 0,
        maxWeight: 0,
      },
      lastObservation: observation,
      done: false,
    };
    observation.phase = this.st.phase;
    return { observation, info: { plan } };
  }

  get plan(): Plan {
    return this.need().ctx.plan;
  }

  getState(): EnvState {
    return structuredClone(this.need().st);
  }

  /** Restore a state taken from this environment after a `reset` of the same deployment, seed and strategy. */
  setState(state: EnvState): void {
    const { ctx } = this.need();
    if (state.deploymentId !== ctx.dep.id) throw new RolloutlabError('BAD_ARGUMENT', `state.deploymentId: ${state.deploymentId} is not the deployment this environment was reset with (${ctx.dep.id})`, 'state.deploymentId');
    this.st = structuredClone(state);
  }

  outcome(): EpisodeOutcome {
    return { ...this.need().st.outcome };
  }

  step(action: Action): StepResult {
    const { ctx, st } = this.need();
    if (st.done) throw new RolloutlabError('BAD_ARGUMENT', 'step() after the episode ended: call reset() first', 'action');
    this.apply(action, ctx, st);
    const s = this.world.scenario;
    let reward = 0;
    if (action.type === 'rollback' && !ctx.material) reward -= 50;
    const m = this.simulateMinute(ctx, st, true);
    st.outcome.ticks++;
    reward -= (m.faultBad / Math.max(1, this.world.traffic.meanRequests[ctx.svc.id])) * 1000;
    if (st.phase === 'progressing') reward -= 0.01;
    st.age++;
    st.timeAtStage++;
    let terminated = false;
    let truncated = false;
    if (st.phase === 'baking' && st.timeAtStage >= ctx.plan.bakeMinutes) {
      st.phase = 'done';
      st.outcome.endedBy = 'promoted';
      terminated = true;
    } else if (st.phase === 'rolled_back') {
      // Keep simulating (no policy in the loop) until the trailing windows can no longer breach because of the
      // fault: its last bad minutes must leave the windows, and data corruption lingers to the planned end.
      const lingers = ctx.dep.fault !== null && !ctx.dep.fault.rollbackRestores;
      const tail = Math.max(s.slo.windowMinutes, s.slo.kpiGuardrail?.windowMinutes ?? 0);
      const until = ctx.dep.fault === null ? st.age : lingers ? Math.max(ctx.plan.plannedMinutes, st.age + tail) : st.age + tail;
      const T = this.world.traffic.requests[0].length;
      while (st.age < until && ctx.dep.start + st.age < T) {
        this.simulateMinute(ctx, st, false);
        st.age++;
      }
      st.outcome.endedBy = 'rolled_back';
      terminated = true;
    } else if (st.age >= ctx.maxMinutes || ctx.dep.start + st.age >= this.world.traffic.requests[0].length) {
      st.phase = 'truncated';
      st.outcome.endedBy = 'truncated';
      truncated = true;
    }
    st.outcome.minutes = st.age;
    st.outcome.maxWeight = st.maxWeight;
    st.done = terminated || truncated;
    const observation = m.observation;
    observation.phase = st.phase;
    observation.age = st.age;
    observation.minute = ctx.dep.start + st.age;
    observation.timeAtStage = st.timeAtStage;
    st.lastObservation = observation;
    return { observation, reward, terminated, truncated, info: { breach: m.breach, ...(st.done ? { outcome: { ...st.outcome } } : {}) } };
  }

  private need(): { ctx: Ctx; st: EnvState } {
    if (!this.ctx || !this.st) throw new RolloutlabError('BAD_ARGUMENT', 'the environment must be reset() before step()', 'action');
    return { ctx: this.ctx, st: this.st };
  }

  private apply(action: Action, ctx: Ctx, st: EnvState): void {
    if (!action || typeof action !== 'object' || !ACTION_TYPES.includes(action.type)) badAction(`type must be one of ${ACTION_TYPES.join(', ')}, got ${JSON.stringify((action as { type?: unknown })?.type)}`);
    const { plan } = ctx;
    const last = plan.stages.length - 1;
    switch (action.type) {
      case 'hold':
        return;
      case 'advance':
        // In the bake there is nothing left to advance to: advancing means carrying on.
        if (st.phase === 'progressing') goToStage(ctx, st, st.stage + 1);
        return;
      case 'promote':
        if (st.phase !== 'progressing') badAction(`cannot promote in phase ${st.phase}`);
        goToStage(ctx, st, last);
        return;
      case 'rollback': {
        if (st.outcome.rollbackMinute === null) st.outcome.rollbackMinute = ctx.dep.start + st.age;
        if (action.unit !== undefined && action.unit !== 'all') {
          if (plan.unitKind === 'all') badAction(`unit ${JSON.stringify(action.unit)}: the ${plan.strategy.kind} strategy rolls back as a whole`);
          const u = plan.units.indexOf(action.unit);
          if (u < 0) badAction(`unit ${JSON.stringify(action.unit)} is not one of ${plan.units.join(', ')}`);
          st.unitRolledBack[u] = true;
          st.exposure[u] = 0;
          const scope = ctx.dep.fault?.scope;
          if (scope && scope.kind === plan.unitKind && (scope.kind === 'region' ? scope.region : scope.kind === 'tenant' ? scope.tenant : '') === action.unit) st.outcome.recoveredMinute ??= ctx.dep.start + st.age;
          if (!st.unitRolledBack.every((x, i) => x || plan.unitShares[i] === 0)) return;
        }
        st.exposure.fill(0);
        st.phase = 'rolled_back';
        st.outcome.fullRollbackMinute = ctx.dep.start + st.age;
        st.outcome.recoveredMinute ??= ctx.dep.start + st.age;
        return;
      }
    }
  }

  /** Simulate minute `st.age` at the current exposure; update the outcome; return the observation of the minute. */
  private simulateMinute(ctx: Ctx, st: EnvState, observe: boolean): { observation: Observation; faultBad: number; breach: boolean } {
    const { scenario: s, topology: topo, traffic } = this.world;
    const { svc, plan, dep } = ctx;
    const age = st.age;
    const t = dep.start + age;
    const n = traffic.requests[svc.id][t];
    const load = n / Math.max(1e-9, traffic.meanRequests[svc.id]);
    const stage = plan.stages[st.stage];
    const mirrorShare = st.phase === 'rolled_back' ? 0 : stage.mirror;
    const w = userWeight(plan, st.exposure);
    if (w > st.maxWeight) st.maxWeight = w;
    const rSplit = ctx.base.at(age * 4 + SAMPLE_STREAMS.split);
    const nCanary = w >= 1 ? n : w <= 0 ? 0 : rSplit.binomial(n, w);
    const nMirror = mirrorShare > 0 ? rSplit.binomial(n, mirrorShare) : 0;
    const raw: Effect = dep.fault ? faultEffect(dep.fault, age, load) : NO_EFFECT;
    const active = raw !== NO_EFFECT && (raw.errorAdd > 0 || raw.latencyMult !== 1 || raw.kpiMult !== 1 || raw.callerErrorAdd > 0);
    // Share of the new version's requests the fault touches: a region/tenant fault under a progressive rollout by
    // that dimension touches exactly the exposed traffic of its unit.
    let share = raw.share;
    const scope = dep.fault?.scope;
    if (active && scope && scope.kind !== 'all' && scope.kind === plan.unitKind) {
      const u = plan.units.indexOf(scope.kind === 'region' ? scope.region : scope.tenant);
      share = w > 0 && u >= 0 ? (plan.unitShares[u] * st.exposure[u]) / w : 0;
    }
    const eff: Effect = share === raw.share ? raw : { ...raw, share };
    const exposedNow = nCanary + nMirror > 0 || w > 0 || mirrorShare > 0;
    if (active && exposedNow && st.outcome.onsetMinute === null && (share > 0 || mirrorShare > 0)) st.outcome.onsetMinute = t;
    // Data corruption is not repaired by a rollback: the data the new version wrote keeps failing requests.
    const linger = dep.fault && !dep.fault.rollbackRestores && st.phase === 'rolled_back' && active ? st.maxWeight : 0;

    let bad = 0;
    let badNoFault = 0;
    let kpiExp = 0;
    let kpiBase = 0;
    let faultBad = 0;
    const reqBy: Record<Cohort, number> = { baseline: n - nCanary, canary: nCanary + nMirror };
    const userReqBy: Record<Cohort, number> = { baseline: n - nCanary, canary: nCanary };
    const samples: Record<Cohort, CohortSample | null> = { baseline: null, canary: null };
    const incBy: Record<Cohort, { errorAdd: number; latencyMult: number; active: string[] }> = { baseline: NO_INC, canary: NO_INC };
    for (const cohort of COHORTS) {
      const req = reqBy[cohort];
      const inc = incidentsAt(ctx.near.get(svc.id)!, cohort, t, ctx.record && observe);
      incBy[cohort] = inc;
      const e = cohort === 'canary' ? eff : linger > 0 ? { ...eff, share: eff.share * linger, latencyMult: 1 } : NO_EFFECT;
      const sample = sampleCohort(svc, req, {
        errorRate: Math.min(1, svc.baseErrorRate + inc.errorAdd + e.share * e.errorAdd),
        errorRateNoFault: Math.min(1, svc.baseErrorRate + inc.errorAdd),
        latencyMult: inc.latencyMult * e.latencyMult,
        latencyMultNoFault: inc.latencyMult,
        affectedShare: e.latencyMult !== 1 ? e.share : 1,
        kpiMult: 1 - e.share * (1 - e.kpiMult),
        load,
        memoryExtra: e.memory,
        poolExtra: e.pool,
      }, ctx.base.at(age * 4 + SAMPLE_STREAMS[cohort]));
      samples[cohort] = sample;
      if (cohort === 'canary' && nMirror > 0) continue; // mirrored requests never reach users
      bad += sample.errors + sample.slow;
      badNoFault += sample.badNoFault;
      const uReq = userReqBy[cohort];
      kpiExp += uReq * svc.conversionRate * (1 - e.share * (1 - e.kpiMult));
      kpiBase += uReq * svc.conversionRate;
    }
    faultBad += bad - badNoFault;

    // Callers of a broken contract fail on the calls that reach the new version (mirrored calls never return).
    const rCall = ctx.base.at(age * 4 + SAMPLE_STREAMS.callers);
    const callerRows = { baseline: { req: 0, err: 0 }, canary: { req: 0, err: 0 } };
    const ratios = ctx.ratios;
    pushBurn(st.burn[0], bad, badNoFault, n, ratios[0]);
    for (let k = 0; k < ctx.callers.length; k++) {
      const d = ctx.callers[k];
      const c = topo.services[d.caller];
      const nc = traffic.requests[c.id][t];
      let cBad = 0;
      let cBadNoFault = 0;
      let reached = 0;
      for (const cohort of COHORTS) {
        const reach = Math.min(1, d.callsPerRequest) * (n > 0 ? userReqBy[cohort] / n : 0);
        const req = Math.round(nc * reach);
        const inc = incidentsAt(ctx.near.get(c.id)!, cohort, t, false);
        const base = badRatio(Math.min(1, c.baseErrorRate + inc.errorAdd), slowShare(c, inc.latencyMult));
        const extra = cohort === 'canary' ? eff.share * eff.callerErrorAdd : 0;
        const b0 = rCall.binomial(req, base);
        const b1 = extra > 0 ? b0 + rCall.binomial(req - b0, Math.min(1, extra)) : b0;
        callerRows[cohort].req += req;
        callerRows[cohort].err += b1;
        reached += req;
        cBad += b1;
        cBadNoFault += b0;
      }
      const rest = Math.max(0, nc - reached);
      const restBad = rCall.binomial(Math.round(rest), badRatio(c.baseErrorRate, c.baseSlowShare));
      faultBad += cBad - cBadNoFault;
      pushBurn(st.burn[k + 1], cBad + restBad, cBadNoFault + restBad, nc, ratios[k + 1]);
    }
    st.outcome.faultBadRequests += faultBad;

    // Breach check (docs/definitions.md#slo-breach), with attribution to the fault by the no-fault twin of the same draws.
    let breach = false;
    let anyAt = -1;
    let faultAt = -1;
    for (let k = 0; k < ratios.length; k++) {
      const [rt, r0] = ratios[k];
      if (rt > st.outcome.peakBadRatio) st.outcome.peakBadRatio = rt;
      if (rt >= ctx.threshold) {
        if (anyAt < 0) anyAt = k;
        if (r0 < ctx.threshold && faultAt < 0) faultAt = k;
      }
    }
    const guard = s.slo.kpiGuardrail;
    const kpiHit = guard !== null && pushKpi(st.kpi, kpiBase - kpiExp, kpiBase) >= guard.drop;
    if (anyAt >= 0 || kpiHit) {
      breach = true;
      const o = st.outcome;
      if (o.breachMinute === null) {
        o.breachMinute = t;
        o.breachService = anyAt > 0 ? ctx.callers[anyAt - 1].caller : svc.id;
        o.breachKind = anyAt >= 0 ? 'slo' : 'kpi';
        // The KPI guardrail compares expected conversions, so a KPI breach is always the fault's.
        o.breachCause = faultAt >= 0 || (anyAt < 0 && kpiHit) ? 'fault' : 'noise';
      }
      if (o.faultBreachMinute === null && (faultAt >= 0 || kpiHit)) {
        o.faultBreachMinute = t;
        o.faultBreachService = faultAt > 0 ? ctx.callers[faultAt - 1].caller : svc.id;
        o.faultBreachKind = faultAt >= 0 ? 'slo' : 'kpi';
      }
    }
    // Recovered once the fault has shown and no user traffic reaches its affected part of the new version.
    if (active && w > 0 && share > 0 && st.outcome.impactMinute === null) st.outcome.impactMinute = t;

    const down = ctx.providerDown[age] === 1;
    if (ctx.record && observe) {
      for (const cohort of COHORTS) {
        const x = samples[cohort]!;
        this.rows.push({
          ...x,
          minute: t,
          age,
          cohort,
          weight: cohort === 'canary' ? (nMirror > 0 ? mirrorShare : w) : 1 - w,
          callerRequests: callerRows[cohort].req,
          callerErrors: callerRows[cohort].err,
          scraped: ctx.gaps[cohort][age] === 0 && !down,
          providerError: down,
          incidents: incBy[cohort].active,
        });
      }
    }
    const observation: Observation = {
      deploymentId: dep.id,
      age,
      minute: t,
      phase: st.phase,
      stage: st.stage,
      stages: plan.stages.length,
      weight: w,
      mirror: mirrorShare,
      exposure: [...st.exposure],
      units: plan.units,
      timeAtStage: st.timeAtStage,
      providerError: down,
      baseline: observe && !down && ctx.gaps.baseline[age] === 0 ? toMetrics(samples.baseline!, callerRows.baseline.req, callerRows.baseline.err) : null,
      canary: observe && !down && ctx.gaps.canary[age] === 0 ? toMetrics(samples.canary!, callerRows.canary.req, callerRows.canary.err) : null,
    };
    return { observation, faultBad, breach };
  }
}

function badAction(msg: string): never {
  throw new RolloutlabError('BAD_ARGUMENT', `action: ${msg}`, 'action');
}

function goToStage(ctx: Ctx, st: EnvState, k: number): void {
  const stage = ctx.plan.stages[k];
  for (let u = 0; u < st.exposure.length; u++) st.exposure[u] = st.unitRolledBack[u] ? 0 : stage.exposure[u];
  st.stage = k;
  st.timeAtStage = 0;
  if (k === ctx.plan.stages.length - 1) {
    st.phase = 'baking';
    st.outcome.promotedMinute = ctx.dep.start + st.age;
  }
}

/** A cohort's sample as the metrics a backend returns. */
export function toMetrics(x: CohortSample, callerReq: number, callerErr: number): CohortMetrics {
  return {
    requests: x.requests,
    errors: x.errors,
    slow: x.slow,
    latencyP50: x.latencyP50,
    latencyP95: x.latencyP95,
    latencyP99: x.latencyP99,
    cpu: x.cpu,
    memory: x.memory,
    pool: x.pool,
    conversions: x.conversions,
    callerRequests: callerReq,
    callerErrors: callerErr,
  };
}

const zeros = (n: number): number[] => new Array<number>(n).fill(0);

const NO_INC = { errorAdd: 0, latencyMult: 1, active: [] as string[] };

/** Incidents' degradation of a service's cohort at minute t (ids only when `withIds`, to spare allocations). */
function incidentsAt(list: readonly Incident[], cohort: Cohort, t: number, withIds: boolean): { errorAdd: number; latencyMult: number; active: string[] } {
  if (list.length === 0) return NO_INC;
  let errorAdd = 0;
  let latencyMult = 1;
  let active: string[] | null = null;
  for (const inc of list) {
    if (inc.start > t) break;
    if (t >= inc.end || (inc.cohorts !== 'both' && inc.cohorts !== cohort)) continue;
    errorAdd += inc.errorAdd;
    latencyMult *= inc.latencyMult;
    if (withIds) (active ??= []).push(inc.id);
  }
  if (errorAdd === 0 && latencyMult === 1 && !active) return NO_INC;
  return { errorAdd, latencyMult, active: active ?? [] };
}

/** Push one minute into a service's trailing burn window (a ring); returns [bad ratio, bad ratio without the fault]. */
function pushBurn(b: EnvState['burn'][number], bad: number, badNoFault: number, total: number, out: [number, number]): [number, number] {
  const i = b.n++ % b.total.length;
  b.total[i] = total;
  b.bad[i] = bad;
  b.badNoFault[i] = badNoFault;
  let T = 0;
  let B = 0;
  let B0 = 0;
  for (let k = 0; k < b.total.length; k++) {
    T += b.total[k];
    B += b.bad[k];
    B0 += b.badNoFault[k];
  }
  out[0] = T > 0 ? B / T : 0;
  out[1] = T > 0 ? B0 / T : 0;
  return out;
}

function pushKpi(k: EnvState['kpi'], lost: number, base: number): number {
  const i = k.n++ % k.lost.length;
  k.lost[i] = lost;
  k.base[i] = base;
  let L = 0;
  let B = 0;
  for (let j = 0; j < k.lost.length; j++) {
    L += k.lost[j];
    B += k.base[j];
  }
  return B > 0 ? L / B : 0;
}

/** The strongest effect a fault reaches within `window` minutes at the mean load (materiality of the run). */
function peakFaultEffect(f: Fault, window: number): Effect {
  const age = f.kind === 'memory_leak' ? Math.max(f.onsetMinutes, Math.min(window, f.onsetMinutes + f.rampMinutes)) : f.onsetMinutes;
  return faultEffect(f, age, Number.isFinite(f.poolThreshold) ? f.poolThreshold + 1 : 1);
}

/** A policy that follows the plan's schedule and never rolls back: the unguarded run. */
export function scheduleAction(obs: Observation, plan: Plan): Action {
  return obs.phase === 'progressing' && obs.timeAtStage >= plan.stages[obs.stage].dwellMinutes ? { type: 'advance' } : { type: 'hold' };
}
