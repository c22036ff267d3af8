// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//                                                                   ▲ replays deployments under policies and scores them; records training trajectories
//
// The backtester: the same deployments replayed under every policy, scored with the definitions of docs/definitions.md.
//
// Each deployment runs in the rollout environment once per policy with the same seed, so it sees the same traffic,
// the same fault and the same per-minute randomness whichever policy runs it. Its unguarded run (the `none`
// schedule) gives the truth every measure needs: violating or not, the breach minute for lead times.
import { RolloutEnv, scheduleAction, recordRows, TICK_SECONDS, type EpisodeOutcome, type Action, type Observation } from '../sim/env.ts';
import { scenarioStrategy, type Plan, type Strategy } from '../sim/strategy.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import type { Deployment, World } from '../sim/world.ts';
import type { Policy, PolicyContext } from '../policies/policy.ts';
import { periods, type Period } from './worlds.ts';
import { optimisedChooser, type DeploymentStrategy } from './optimised.ts';
import type { UnitKind } from '../policies/rollout-plan/units.ts';
import type { GamModel } from '../training/gam.ts';
import { judgeWindows, type JudgeWindow } from '../judges/labelled-windows.ts';
import type { StageRanges } from '../sim/whatif.ts';
import { predictedRanges } from './ranges.ts';
import type { ThresholdCaps } from '../policies/thresholds.ts';
import type { SensitivityTable } from '../policies/rollout-plan/sensitivity.ts';

export { TICK_SECONDS };

/** One deployment under one policy. Minutes are relative to the deployment's start. */
export interface DeploymentResult {
  policy: string;
  deploymentId: string;
  period: number;
  service: string;
  tier: string;
  faultKind: string | null;
  severe: boolean;
  material: boolean;
  /** The unguarded run breaches because of the change (docs/definitions.md#violating-deployment). */
  violating: boolean;
  /** The fault's effect showed in the unguarded run (the population of detection and recovery times). */
  faultShown: boolean;
  unguardedBreachMin: number | null;
  /** The unguarded run breaches for another reason (noise) — not preventable by a rollback. */
  noiseBreach: boolean;
  rolledBack: boolean;
  rollbackMin: number | null;
  rollbackReason: string | null;
  /** Breach caused by the fault in the policy's own run. */
  breached: boolean;
  breachMin: number | null;
  prevented: boolean;
  falseRollback: boolean;
  leadTimeMin: number | null;
  /** Fault onset to first rollback decision, seconds (null: onset never reached a user or mirror, or not detected). */
  timeToDetectS: number | null;
  detected: boolean;
  timeToRecoverS: number | null;
  blastRadius: number;
  promoted: boolean;
  timeToFullRolloutMin: number | null;
  endedBy: EpisodeOutcome['endedBy'];
  /** Ticks the policy held beyond the schedule. */
  minutes: number;
  ticks: number;
  /** TRUTH: the fault is confined to one unit of the progressive strategy (its scope is the strategy's region / tenant). */
  confinedFault: boolean;
  /** The region / tenant the first rollback took back alone (null: it took everything, or there was none). */
  rollbackUnit: string | null;
  /** Confined fault rolled back: traffic share of the healthy units on the new version at the first rollback decision. */
  healthyExposureAtRollback: number | null;
  /** Of that healthy exposure, the share still on the new version when the episode ended (docs/definitions.md#healthy-exposure-kept); null when there was none. */
  healthyExposureKept: number | null;
  /** Under `--strategy optimised`: the plan the optimiser chose, and whether it is an optimised one (not the fail-closed fallback). */
  plan?: string;
  optimisedPlan?: boolean;
  /** Under `--strategy optimised+thresholds`: the rollback sensitivity the optimiser chose (policies/rollout-plan/sensitivity.ts). */
  sensitivity?: string;
  /** Confined fault rolled back: minutes from the first rollback decision to the fault's traffic off the new version (0: as fast as a full rollback then; null: never). */
  recoveryAfterRollbackMin: number | null;
  /** Tenants with at least one of this run's fault-caused bad requests (docs/definitions.md#tenants-impacted). */
  tenantsImpacted: number;
  /** Tenant-minutes in which a tenant's user traffic reached the fault's effect (docs/definitions.md#customer-minutes-exposed). */
  customerMinutesExposed: number;
}

export interface PolicySummary {
  preventionRate: number | null;
  falseRollbackRate: number | null;
  medianLeadTimeMin: number | null;
  medianTimeToDetectS: number | null;
  medianTimeToRecoverS: number | null;
  blastRadius: number;
  meanTimeToFullRolloutMin: number | null;
  violating: number;
  prevented: number;
  falseRollbacks: number;
  // --- further keys, beyond the core measures above ---
  rollbacks: number;
  withoutMaterialFault: number;
  materialFaults: number;
  noiseBreaches: number;
  /** Share of severe material faults rolled back within one tick of onset. */
  severeDetectedWithinOneTick: number | null;
  truncated: number;
  seconds: number;
  // --- progressive strategies: rollbacks by region / tenant (docs/definitions.md#healthy-exposure-kept) ---
  /** Deployments whose first rollback took back one region / tenant. */
  unitRollbacks: number;
  /** Deployments whose fault is confined to one region / tenant of the strategy. */
  confinedFaults: number;
  /** Of those, rolled back while healthy units were on the new version: the population of the next two. */
  confinedRollbacks: number;
  /** Mean share of the healthy units' exposure at the rollback decision still on the new version at the end. */
  healthyExposureKept: number | null;
  /** Share of those whose fault was off the new version at the first rollback decision, as a full rollback would have had it. */
  confinedRecoveredAtRollback: number | null;
  // --- who the faults reached, beside the blast radius (docs/definitions.md#tenants-impacted) ---
  /** Tenants impacted, summed over deployments (a tenant two deployments impacted counts twice). */
  tenantsImpacted: number;
  /** Customer-minutes exposed, summed over deployments. */
  customerMinutesExposed: number;
}

export interface BacktestReport {
  scenario: string;
  seed: number;
  deployments: number;
  policies: Record<string, PolicySummary>;
  strategy: Strategy;
  periods: number;
  /** `--strategy optimised`: the share of deployments that got an optimised plan, and how many got each plan. */
  optimisedShare?: number;
  plans?: Record<string, number>;
  /** With per-change thresholds: deployments per rollback sensitivity. */
  sensitivities?: Record<string, number>;
}

export interface BacktestOptions {
  scenario: Scenario;
  scenarioName?: string;
  seed: number;
  deployments: number;
  policies: Policy[];
  strategy?: Strategy;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Also cut labelled canary analysis windows of this many minutes from every unguarded run. */
  windowMinutes?: number;
  /**
   * Roll each deployment out under the plan the optimiser chooses from this risk model's score (null: no risk model, the
   * most careful plan); `strategy` is then ignored. `thresholds`: the plan also sets the learned policy's rollback
   * thresholds per change (policies/rollout-plan/sensitivity.ts).
   */
  optimised?: { risk: GamModel | null; units?: UnitKind; thresholds?: boolean; sensitivityTable?: SensitivityTable };
}

export interface BacktestRun {
  report: BacktestReport;
  /** Every deployment under every policy. */
  results: DeploymentResult[];
  /** Labelled analysis windows (when `windowMinutes` was given). */
  windows: JudgeWindow[];
}

/** Where the new version stood at the first rollback decision and at the end (per unit of the plan). */
export interface EpisodeExposure {
  plan: Plan;
  /** The unit the first rollback took back alone, or null (everything, or no rollback). */
  rollbackUnit: string | null;
  /** Exposure per unit during the minute the first rollback was decided on (null: no rollback). */
  atRollback: number[] | null;
  /** Exposure per unit in the episode's last observed minute. */
  atEnd: number[];
}

/**
 * Run one deployment under one policy; returns the episode outcome, the first rollback reason and the exposures.
 * `onTick`, when given, sees each observation with the action taken on it (the report's timelines); it changes nothing.
 */
export function runEpisode(env: RolloutEnv, world: World, dep: Deployment, seed: number, strategy: Strategy, policy: Policy | null, truthOutcome: EpisodeOutcome | null, ranges?: readonly StageRanges[], onTick?: (observation: Observation, action: Action) => void, thresholds?: ThresholdCaps): { outcome: EpisodeOutcome; reason: string | null; exposure: EpisodeExposure } {
  let { observation } = env.reset({ seed, deployment: { id: dep.id, service: dep.service, start: dep.start, fault: dep.fault, material: dep.material }, strategy });
  const plan = env.plan;
  const ctx: PolicyContext = { deploymentId: dep.id, service: world.topology.services[dep.service], start: dep.start, plan, slo: world.scenario.slo, tickSeconds: TICK_SECONDS };
  if (ranges) ctx.ranges = ranges;
  if (thresholds) ctx.thresholds = thresholds;
  const run = policy ? policy.start(ctx, policy.needsTruth ? { fault: dep.fault, material: dep.material, unguarded: truthOutcome! } : undefined) : null;
  let reason: string | null = null;
  const exposure: EpisodeExposure = { plan, rollbackUnit: null, atRollback: null, atEnd: [] };
  for (;;) {
    const action: Action = run ? run.decide(observation) : scheduleAction(observation, plan);
    onTick?.(observation, action);
    if (action.type === 'rollback' && reason === null) {
      reason = action.reason ?? 'rollback';
      exposure.atRollback = [...observation.exposure];
      exposure.rollbackUnit = action.unit !== undefined && action.unit !== 'all' ? action.unit : null;
    }
    const r = env.step(action);
    observation = r.observation;
    if (r.terminated || r.truncated) break;
  }
  exposure.atEnd = [...observation.exposure];
  return { outcome: env.outcome(), reason, exposure };
}

/** The unit of `plan` a fault is confined to (its scope is the plan's unit kind), or -1. */
export function faultUnit(plan: Plan, dep: Deployment): number {
  const sc = dep.fault?.scope;
  if (!sc || sc.kind === 'all' || sc.kind !== plan.unitKind) return -1;
  return plan.units.indexOf(sc.kind === 'region' ? sc.region : sc.tenant);
}

export function scoreDeployment(policy: string, period: number, world: World, dep: Deployment, truth: EpisodeOutcome, own: EpisodeOutcome, reason: string | null, exposure?: EpisodeExposure): DeploymentResult {
  const rel = (m: number | null) => (m === null ? null : m - dep.start);
  const violating = truth.faultBreachMinute !== null;
  const rolledBack = own.rollbackMinute !== null;
  const breached = own.faultBreachMinute !== null;
  // Onset in the canary: the policy's own run, or (rolled back before the fault showed) the unguarded one.
  const onset = own.onsetMinute ?? (rolledBack ? truth.onsetMinute : null);
  const detected = dep.material && rolledBack && onset !== null;
  // Whole milliseconds: steps shorter than a minute put fractions of a minute into the marks.
  const secs = (minutes: number) => Math.round(minutes * TICK_SECONDS * 1000) / 1000;
  const ttd = detected ? secs(Math.max(0, own.rollbackMinute! - onset!)) : null;
  // Recovery: onset to all of the fault's traffic back on a healthy version (0 if that happened before onset).
  const ttr = dep.material && onset !== null && own.recoveredMinute !== null ? secs(Math.max(0, own.recoveredMinute - onset)) : null;
  const svc = world.topology.services[dep.service];
  // Rollbacks by region / tenant: the healthy units' exposure kept after a confined fault was rolled back.
  const fu = exposure ? faultUnit(exposure.plan, dep) : -1;
  let healthyAt: number | null = null;
  let kept: number | null = null;
  let recoveryAfter: number | null = null;
  if (exposure && fu >= 0 && rolledBack && exposure.atRollback) {
    const shares = exposure.plan.unitShares;
    const healthy = (xs: readonly number[]) => xs.reduce((a, x, u) => a + (u === fu ? 0 : shares[u] * x), 0);
    healthyAt = healthy(exposure.atRollback);
    kept = healthyAt > 0 ? healthy(exposure.atRollback.map((x, u) => Math.min(x, exposure.atEnd[u]))) / healthyAt : null;
    recoveryAfter = own.recoveredMinute === null ? null : Math.max(0, own.recoveredMinute - own.rollbackMinute!);
  }
  return {
    policy,
    deploymentId: dep.id,
    period,
    service: svc.name,
    tier: svc.tier,
    faultKind: dep.fault?.kind ?? null,
    severe: dep.fault?.severe ?? false,
    material: dep.material,
    violating,
    faultShown: dep.material && truth.onsetMinute !== null,
    unguardedBreachMin: rel(truth.faultBreachMinute),
    noiseBreach: truth.breachMinute !== null && truth.faultBreachMinute === null,
    rolledBack,
    rollbackMin: rel(own.rollbackMinute),
    rollbackReason: reason,
    breached,
    breachMin: rel(own.faultBreachMinute),
    prevented: violating && !breached,
    falseRollback: !dep.material && rolledBack,
    leadTimeMin: violating && rolledBack ? truth.faultBreachMinute! - own.rollbackMinute! : null,
    timeToDetectS: ttd,
    detected,
    timeToRecoverS: ttr,
    blastRadius: own.faultBadRequests,
    promoted: own.promotedMinute !== null,
    timeToFullRolloutMin: rel(own.promotedMinute),
    endedBy: own.endedBy,
    minutes: own.minutes,
    ticks: own.ticks,
    confinedFault: fu >= 0,
    rollbackUnit: exposure?.rollbackUnit ?? null,
    healthyExposureAtRollback: healthyAt,
    healthyExposureKept: kept,
    recoveryAfterRollbackMin: recoveryAfter,
    tenantsImpacted: own.tenantsImpacted,
    customerMinutesExposed: own.customerMinutesExposed,
  };
}

/** Median with undetected / unrecovered cases as +∞ (null when the median itself is +∞ or there is no case). */
export function medianWithMisses(xs: (number | null)[]): number | null {
  if (xs.length === 0) return null;
  const v = xs.map((x) => (x === null ? Infinity : x)).sort((a, b) => a - b);
  const m = v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  return Number.isFinite(m) ? m : null;
}

export function summarize(results: DeploymentResult[], seconds: number): PolicySummary {
  const violating = results.filter((r) => r.violating);
  const prevented = violating.filter((r) => r.prevented);
  const clean = results.filter((r) => !r.material);
  const falseRollbacks = clean.filter((r) => r.rolledBack);
  const material = results.filter((r) => r.material);
  // Detection and recovery over material faults that showed in the unguarded run.
  const shown = material.filter((r) => r.faultShown);
  const leads = violating.filter((r) => r.leadTimeMin !== null).map((r) => r.leadTimeMin!);
  const promoted = results.filter((r) => r.promoted);
  const severe = material.filter((r) => r.severe);
  // Confined faults rolled back while healthy units were on the new version.
  const confined = results.filter((r) => r.healthyExposureKept !== null);
  return {
    preventionRate: violating.length ? prevented.length / violating.length : null,
    falseRollbackRate: clean.length ? falseRollbacks.length / clean.length : null,
    medianLeadTimeMin: leads.length ? medianWithMisses(leads) : null,
    medianTimeToDetectS: medianWithMisses(shown.map((r) => r.timeToDetectS)),
    medianTimeToRecoverS: medianWithMisses(shown.map((r) => r.timeToRecoverS)),
    blastRadius: results.reduce((a, r) => a + r.blastRadius, 0),
    meanTimeToFullRolloutMin: promoted.length ? promoted.reduce((a, r) => a + r.timeToFullRolloutMin!, 0) / promoted.length : null,
    violating: violating.length,
    prevented: prevented.length,
    falseRollbacks: falseRollbacks.length,
    rollbacks: results.filter((r) => r.rolledBack).length,
    withoutMaterialFault: clean.length,
    materialFaults: material.length,
    noiseBreaches: results.filter((r) => r.noiseBreach).length,
    severeDetectedWithinOneTick: severe.length ? severe.filter((r) => r.timeToDetectS !== null && r.timeToDetectS <= TICK_SECONDS).length / severe.length : null,
    truncated: results.filter((r) => r.endedBy === 'truncated').length,
    seconds,
    unitRollbacks: results.filter((r) => r.rollbackUnit !== null).length,
    confinedFaults: results.filter((r) => r.confinedFault).length,
    confinedRollbacks: confined.length,
    healthyExposureKept: confined.length ? confined.reduce((a, r) => a + r.healthyExposureKept!, 0) / confined.length : null,
    confinedRecoveredAtRollback: confined.length ? confined.filter((r) => r.recoveryAfterRollbackMin === 0).length / confined.length : null,
    tenantsImpacted: results.reduce((a, r) => a + r.tenantsImpacted, 0),
    customerMinutesExposed: results.reduce((a, r) => a + r.customerMinutesExposed, 0),
  };
}

export interface PeriodWork {
  /** Per deployment (in order): one result per policy, in the order of the policies. */
  results: DeploymentResult[][];
  /** Per deployment: its labelled windows. */
  windows: JudgeWindow[][];
  /** Seconds spent per policy. */
  seconds: Record<string, number>;
}

/** Run the first `limit` deployments of one period under every policy. */
export function runPeriod(period: Period, policies: Policy[], strategy: Strategy, limit: number, windowMinutes?: number, onDeployment?: () => void, strategyFor?: (world: World) => (dep: Deployment) => DeploymentStrategy): PeriodWork {
  const env = new RolloutEnv(period.world);
  const worldStrategy = JSON.stringify(scenarioStrategy(period.world.scenario));
  const fixedSameAsWorld = JSON.stringify(strategy) === worldStrategy;
  const choose = strategyFor?.(period.world);
  const work: PeriodWork = { results: [], windows: [], seconds: Object.fromEntries(policies.map((p) => [p.name, 0])) };
  for (const p of policies) {
    const t0 = performance.now();
    p.prepare?.(period.world);
    work.seconds[p.name] += (performance.now() - t0) / 1000;
  }
  for (const dep of period.deployments.slice(0, limit)) {
    // The truth: the unguarded run of this deployment under this strategy. Under the scenario's own strategy the
    // world already ran it (same seed, same code path; a test checks they are equal), unless rows are needed.
    const chosen = choose?.(dep);
    const st = chosen?.strategy ?? strategy;
    const sameAsWorld = chosen ? JSON.stringify(st) === worldStrategy : fixedSameAsWorld;
    const recording = windowMinutes ? recordRows(env) : null;
    const truth = sameAsWorld && !windowMinutes ? dep.outcome : runEpisode(env, period.world, dep, period.seed, st, null, null).outcome;
    recording?.stop();
    work.windows.push(windowMinutes ? judgeWindows(period.world, dep, recording!.rows, windowMinutes, period.index) : []);
    const row: DeploymentResult[] = [];
    // The what-if's predicted ranges, once per deployment, for the policies that read them (their time counts as theirs).
    let ranges: StageRanges[] | undefined;
    for (const p of policies) {
      const t0 = performance.now();
      if (p.needsRanges) ranges ??= predictedRanges(period.world, dep, st, period.seed);
      const { outcome, reason, exposure } = runEpisode(env, period.world, dep, period.seed, st, p, truth, p.needsRanges ? ranges : undefined, undefined, chosen?.thresholds);
      work.seconds[p.name] += (performance.now() - t0) / 1000;
      const r = scoreDeployment(p.name, period.index, period.world, dep, truth, outcome, reason, exposure);
      if (chosen) {
        r.plan = chosen.plan;
        r.optimisedPlan = chosen.optimised;
        if (chosen.sensitivity !== undefined) r.sensitivity = chosen.sensitivity;
      }
      row.push(r);
    }
    work.results.push(row);
    onDeployment?.();
  }
  return work;
}

/** Put period results together in period order, cut at `n` deployments, and summarise per policy. */
export function assemble(o: { scenarioName: string; seed: number; n: number; policies: string[]; strategy: Strategy; optimised?: boolean }, works: PeriodWork[]): BacktestRun {
  const per = new Map<string, DeploymentResult[]>(o.policies.map((p) => [p, []]));
  const seconds = new Map<string, number>(o.policies.map((p) => [p, 0]));
  const windows: JudgeWindow[] = [];
  let done = 0;
  let used = 0;
  for (const w of works) {
    if (done >= o.n) break;
    used++;
    for (const p of o.policies) seconds.set(p, seconds.get(p)! + w.seconds[p]);
    for (let i = 0; i < w.results.length && done < o.n; i++, done++) {
      w.results[i].forEach((r, j) => per.get(o.policies[j])!.push(r));
      windows.push(...w.windows[i]);
    }
  }
  const policies: Record<string, PolicySummary> = {};
  for (const p of o.policies) policies[p] = summarize(per.get(p)!, seconds.get(p)!);
  const report: BacktestReport = { scenario: o.scenarioName, seed: o.seed, deployments: done, policies, strategy: o.strategy, periods: used };
  if (o.optimised) {
    const first = per.get(o.policies[0]) ?? [];
    report.optimisedShare = first.length ? first.filter((r) => r.optimisedPlan).length / first.length : 0;
    report.plans = {};
    for (const r of first) report.plans[r.plan ?? '?'] = (report.plans[r.plan ?? '?'] ?? 0) + 1;
    if (first.some((r) => r.sensitivity !== undefined)) {
      report.sensitivities = {};
      for (const r of first) report.sensitivities[r.sensitivity ?? '?'] = (report.sensitivities[r.sensitivity ?? '?'] ?? 0) + 1;
    }
  }
  return { report, results: [...per.values()].flat(), windows };
}

/** Run a backtest in this thread: the summaries per policy, every per-deployment result, and the windows if asked for. */
export function backtest(o: BacktestOptions): BacktestRun {
  return backtestArms(o, [o])[0];
}

/** One way of rolling the deployments out: a fixed strategy (default: the scenario's), or the optimiser's plan per deployment. */
export type BacktestArm = Pick<BacktestOptions, 'strategy' | 'optimised'>;

/**
 * The same deployments under several ways of rolling them out, in this thread: each period is simulated once and run
 * under every arm, so each arm's run is the one `backtest` gives for it alone. Progress counts deployments of all arms.
 */
export function backtestArms(o: Omit<BacktestOptions, 'strategy' | 'optimised'>, arms: readonly BacktestArm[]): BacktestRun[] {
  const setups = arms.map((a) => ({
    strategy: a.strategy ?? scenarioStrategy(o.scenario),
    strategyFor: a.optimised ? (w: World) => optimisedChooser(w, a.optimised!.risk, undefined, a.optimised!.units, a.optimised!.thresholds, a.optimised!.sensitivityTable) : undefined,
    optimised: !!a.optimised,
  }));
  const works: PeriodWork[][] = arms.map(() => []);
  const total = o.deployments * arms.length;
  let done = 0;
  let left = o.deployments;
  for (const period of periods(o.scenario, o.seed, o.deployments)) {
    for (const [k, a] of setups.entries()) {
      works[k].push(runPeriod(period, o.policies, a.strategy, left, o.windowMinutes, () => {
        done++;
        o.onProgress?.('backtest', done, total);
      }, a.strategyFor));
    }
    left -= works[0][works[0].length - 1].results.length;
  }
  return setups.map((a, k) => assemble({ scenarioName: o.scenarioName ?? o.scenario.name, seed: o.seed, n: o.deployments, policies: o.policies.map((p) => p.name), strategy: a.strategy, optimised: a.optimised }, works[k]));
}
