// Rollback drills (docs/rollback-plans.md "Drills"): every deployment of a simulated world whose change carries a
// material fault gets its release (sim/release/), each planner plans its rollback from what a deploy system would see,
// and the plan is executed in the release world against the truth: steps take the time the world gives them and fail
// where it says, fallbacks, retries and escalations run as the plan says, and what users see is integrated over time.
// The measures come from the world, never from what a plan claims.
import { stepFate, releasesOf, releaseFor, type Release, type StepKind } from '../sim/release/index.ts';
import { planRollback, ROLLBACK_PLANNERS, type PlanStep, type FallbackStep, type RollbackPlan, type RollbackPlannerName } from '../policies/rollback-plan/index.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import { periodOfDeployment, periods, simulatePeriod } from './worlds.ts';
import { tableFromRows, type Table } from '../datasets/table.ts';

/** Minutes a drill runs before what is still broken counts as not recovered. */
export const DRILL_HORIZON_MIN = 720;
/** Minutes caches keep serving corrupt rows after a restore when nobody flushes them. */
const CACHE_TTL_MIN = 30;
/** Share of a broken caller's requests that fail when the API it calls is gone, or old code meets a schema it cannot read. */
const BROKEN_SHARE = 0.5;

export interface DrillRun {
  deployment: string;
  planner: string;
  kind: string;
  multiService: boolean;
  recovered: boolean;
  /** Minutes from the plan's start until nothing the fault or the rollback broke hurts users (null: not within the horizon). */
  timeToRecoverMin: number | null;
  residualBadRequests: number;
  /** null when the release has no data corruption. */
  corruptionMitigated: boolean | null;
  hasBackup: boolean | null;
  dataLossMinutes: number;
  orderViolations: number;
  stepsFailed: number;
  escalations: number;
  steps: number;
}

type Exposure = Record<string, number>;

/** What became of one attempt at a step (or its fallback, approval or escalation), as the drill's timeline shows it. */
export const DRILL_STEP_RESULTS = ['done', 'failed', 'check held', 'check failed', 'fallback done', 'fallback failed', 'approval', 'escalated'] as const;
export type DrillStepResult = (typeof DRILL_STEP_RESULTS)[number];

/** One attempt at a step, in plan minutes. `target` is the service, database, migration or flag it acts on ('' for none). */
export interface DrillStepEvent {
  step: string;
  kind: string;
  target: string;
  unit: string | null;
  attempt: number;
  start: number;
  end: number;
  result: DrillStepResult;
}

/**
 * What one drill run did, for the report's timeline: every step attempt with its minutes and result, and users' bad
 * requests per minute from each event on (a step function of plan minutes, starting at 0). Recording it changes nothing
 * the run measures.
 */
export interface DrillTrace {
  steps: DrillStepEvent[];
  rate: { t: number; bad: number }[];
}

/** Executes `plan` in the release world of `rel`; `trace`, when given, receives what each step did and the bad-request rate over time. */
export function executePlan(plan: RollbackPlan, rel: Release, seed: number, trace?: DrillTrace): DrillRun {
  const { request: req, truth } = rel;
  const t0 = Date.parse(req.at);
  const svcs = new Map(req.services.map((s) => [s.name, { ...s, exposure: { ...s.exposure } as Exposure, fixed: false }]));
  const flags = new Map(req.flags.map((f) => [f.key, f.on]));
  const applied = new Map(req.migrations.map((m) => [m.id, m.ran]));
  const migs = new Map(req.migrations.map((m) => [m.id, m]));
  const backups = new Map(req.backups.map((b) => [b.database, b]));
  const corr = truth.corruption;
  let mitigated = false;
  let restoredAt: number | null = null;
  let cacheClearedAt: number | null = null;
  let frozenAt: number | null = null;
  let dataLoss = 0;
  let stepsFailed = 0;
  let escalations = 0;
  let violations = 0;
  const violating = new Set<string>();

  // Exposure of the new version of `s` where users of unit `u` land.
  const expIn = (s: { unitKind: string; exposure: Exposure }, u: string): number => (s.unitKind === 'all' ? s.exposure.all : (s.exposure[u] ?? Math.max(...Object.values(s.exposure))));
  const units = (s: { exposure: Exposure }) => Object.keys(s.exposure);
  const share = (name: string) => {
    const s = svcs.get(name)!;
    const w = truth.unitShares[name];
    return units(s).reduce((a, u) => a + (w[u] ?? 0) * s.exposure[u], 0);
  };

  /** Share of the fault's scope that the faulty code still serves (0 once it is reverted there, fixed, or its flag is off). */
  const faultExposure = (): number => {
    const f = svcs.get(truth.faultService);
    if (!f || f.fixed || (truth.flagGuarded && f.flag && flags.get(f.flag) === false)) return 0;
    if (truth.faultUnit !== null && truth.faultUnit in f.exposure) return f.exposure[truth.faultUnit];
    return truth.faultUnit !== null && f.unitKind === 'all' ? f.exposure.all : share(f.name);
  };

  /** Users' bad requests per minute at plan minute `t`, and the violating conditions now. */
  const rate = (t: number): { bad: number; now: Set<string> } => {
    let bad = 0;
    const now = new Set<string>();
    bad += truth.faultBadPerMin * faultExposure();
    if (corr && !mitigated && t >= corr.startedAtMin) bad += corr.badPerMin;
    if (corr && mitigated && restoredAt !== null && cacheClearedAt === null && t < restoredAt + CACHE_TTL_MIN) bad += corr.badPerMin * 0.5;
    for (const c of svcs.values()) {
      for (const x of c.usesNewApiOf) {
        const callee = svcs.get(x)!;
        let worst = 0;
        for (const u of new Set([...units(c), ...units(callee)])) if (expIn(c, u) > 0 && expIn(callee, u) === 0) worst = Math.max(worst, expIn(c, u));
        if (worst > 0) {
          now.add(`api:${c.name}>${x}`);
          bad += truth.rpm[c.name] * BROKEN_SHARE * worst;
        }
      }
    }
    for (const m of req.migrations) {
      const s = svcs.get(m.service)!;
      if (applied.get(m.id) && truth.breaksPrevious[m.id] && units(s).some((u) => s.exposure[u] < 1)) {
        now.add(`schema-old:${m.id}`);
        bad += truth.rpm[s.name] * BROKEN_SHARE * (1 - share(s.name));
      }
      if (!applied.get(m.id) && m.ran && share(s.name) > 0) {
        now.add(`schema-new:${m.id}`);
        bad += truth.rpm[s.name] * BROKEN_SHARE * share(s.name);
      }
    }
    return { bad, now };
  };

  type Act = PlanStep | FallbackStep;
  /** Applies the effect of a step that worked, at minute t. False when the world leaves nothing for it to do. */
  const apply = (s: Act, t: number): void => {
    const svc = s.service ? svcs.get(s.service) : undefined;
    const back = (unit?: string) => {
      if (!svc) return;
      for (const u of unit && unit in svc.exposure ? [unit] : units(svc)) svc.exposure[u] = 0;
    };
    switch (s.kind) {
      case 'flag-off':
        if (s.flag && flags.has(s.flag)) flags.set(s.flag, false);
        return;
      case 'abort':
      case 'scale-down-canary':
        if (svc && (svc.tool === 'helm' || svc.tool === 'kubectl' || svc.state === 'rolling')) back(s.unit);
        return;
      case 'revert':
        back(s.unit);
        return;
      case 'migration-down':
        if (s.migration && migs.get(s.migration)?.reversibility === 'reversible') applied.set(s.migration, false);
        return;
      case 'roll-forward':
        if (svc) svc.fixed = true;
        return;
      case 'freeze-writes':
        if (s.database) frozenAt ??= t;
        return;
      case 'restore': {
        if (!corr || s.database !== corr.database) return;
        const b = backups.get(s.database);
        const point = s.restoreTo ? Date.parse(s.restoreTo) : b?.lastSnapshotAt ? Date.parse(b.lastSnapshotAt) : NaN;
        if (!b || !Number.isFinite(point) || (s.restoreTo && !b.pitr)) return;
        const pointMin = (point - t0) / 60_000;
        // Writes since the restore point are lost: up to the freeze, or to the end of the restore when nobody froze them.
        dataLoss += Math.max(0, (frozenAt ?? t) - pointMin);
        // A restore while the faulty version still writes, or to a point after the corruption began, does not mitigate.
        if (pointMin <= corr.startedAtMin && faultExposure() === 0) {
          mitigated = true;
          restoredAt = t;
        }
        return;
      }
      case 'invalidate-cache':
        if (restoredAt !== null) cacheClearedAt = t;
        return;
      case 'repair-data':
        if (corr && (!s.database || s.database === corr.database)) {
          mitigated = true;
          restoredAt = t;
          cacheClearedAt = t;
        }
        return;
      default:
        return;
    }
  };

  /** Whether a verify's condition holds at minute t. */
  const holds = (s: PlanStep, t: number): boolean => {
    const r = rate(t);
    if (!s.service) return r.bad === 0 && (!corr || mitigated);
    const faultHere = s.service === truth.faultService || (truth.kind === 'contract_break' && req.failing.some((x) => x.service === s.service));
    if (faultHere && faultExposure() > 0) return false;
    return ![...r.now].some((k) => k.includes(s.service!));
  };

  // Discrete events in time order.
  interface Ev {
    t: number;
    seq: number;
    run: () => void;
  }
  const queue: Ev[] = [];
  let seq = 0;
  const at = (t: number, run: () => void) => {
    queue.push({ t, seq: seq++, run });
  };
  const ctxOf = (s: Act) => {
    const svc = s.service ? svcs.get(s.service) : undefined;
    const m = s.migration ? migs.get(s.migration) : undefined;
    const b = s.database ? backups.get(s.database) : undefined;
    return { tool: svc?.tool, fastTrack: s.fastTrack === true, migrationTool: m?.tool, newDataWritten: m ? truth.newDataWritten[m.id] : undefined, pitr: !!(b?.pitr && s.restoreTo), offHours: !!req.offHours };
  };
  const log = (s: Act, kind: string, attempt: number, start: number, end: number, result: DrillStepResult) => {
    trace?.steps.push({ step: s.id, kind, target: s.service ?? s.database ?? s.migration ?? s.flag ?? '', unit: s.unit ?? null, attempt, start, end, result });
  };
  const fateOf = (s: Act, kind: StepKind, attempt: number) => stepFate({ deployment: truth.deployment, kind, target: s.service ?? s.database ?? s.migration ?? s.flag ?? '', unit: s.unit, attempt, seed }, ctxOf(s));
  /** A step that cannot work in this world whatever its luck (nothing to restore from, no down migration). */
  const impossible = (s: Act): boolean =>
    (s.kind === 'restore' && !(s.database && backups.has(s.database) && (backups.get(s.database)!.pitr || backups.get(s.database)!.lastSnapshotAt))) ||
    (s.kind === 'migration-down' && !(s.migration && migs.get(s.migration)?.reversibility === 'reversible')) ||
    (s.kind === 'flag-off' && !(s.flag && flags.has(s.flag)));

  const resolved = new Map<string, number>();
  const started = new Set<string>();
  const ready = (now: number) => {
    for (const s of plan.steps) {
      if (started.has(s.id) || !s.after.every((a) => resolved.has(a))) continue;
      started.add(s.id);
      let t = now;
      if (s.needsApproval) {
        t += fateOf(s, 'approval', 0).minutes;
        log(s, 'approval', 0, now, t, 'approval');
      }
      attempt(s, t, 0);
    }
  };
  const resolve = (s: PlanStep, t: number) => {
    resolved.set(s.id, t);
    ready(t);
  };
  const human = (s: PlanStep, t: number, act: Act | null) => {
    escalations++;
    const delay = fateOf(s, 'escalate', 9).minutes;
    if (!act || impossible(act) || act.kind === 'verify' || act.kind === 'escalate')
      return at(t + delay, () => {
        log(s, 'escalate', 0, t, t + delay, 'escalated');
        resolve(s, t + delay);
      });
    const tEnd = t + delay + fateOf(act, act.kind, 0).minutes * 2;
    at(tEnd, () => {
      log(s, 'escalate', 0, t, tEnd, 'escalated');
      apply(act, tEnd);
      resolve(s, tEnd);
    });
  };
  const fail = (s: PlanStep, t: number, n: number): void => {
    const of = s.onFailure;
    switch (of.action) {
      case 'retry':
        if (n === 0) return attempt(s, t, 1);
        return human(s, t, s);
      case 'fallback': {
        const fb = of.fallback;
        if (!fb) return human(s, t, s);
        const fate = fateOf(fb, fb.kind, 0);
        if (impossible(fb) || fate.fails) {
          stepsFailed++;
          log(fb, fb.kind, 0, t, t + fate.minutes, 'fallback failed');
          return human(s, t + fate.minutes, fb);
        }
        const tEnd = t + fate.minutes;
        return at(tEnd, () => {
          log(fb, fb.kind, 0, t, tEnd, 'fallback done');
          apply(fb, tEnd);
          resolve(s, tEnd);
        });
      }
      case 'escalate':
        return human(s, t, s.kind === 'verify' ? null : s);
      case 'continue':
        return resolve(s, t);
    }
  };
  const attempt = (s: PlanStep, t: number, n: number): void => {
    if (s.kind === 'verify') {
      const tEnd = t + fateOf(s, 'verify', n).minutes;
      return at(tEnd, () => {
        const ok = holds(s, tEnd);
        log(s, s.kind, n, t, tEnd, ok ? 'check held' : 'check failed');
        return ok ? resolve(s, tEnd) : fail(s, tEnd, n);
      });
    }
    if (s.kind === 'escalate') {
      escalations++;
      const tEnd = t + fateOf(s, 'escalate', 0).minutes;
      return at(tEnd, () => {
        log(s, s.kind, n, t, tEnd, 'escalated');
        resolve(s, tEnd);
      });
    }
    const fate = fateOf(s, s.kind, n);
    const tEnd = t + fate.minutes;
    if (s.kind === 'repair-data' || s.kind === 'roll-forward') escalations++;
    at(tEnd, () => {
      if (fate.fails || impossible(s)) {
        stepsFailed++;
        log(s, s.kind, n, t, tEnd, 'failed');
        return fail(s, tEnd, n);
      }
      log(s, s.kind, n, t, tEnd, 'done');
      apply(s, tEnd);
      resolve(s, tEnd);
    });
  };

  // Run: integrate the bad rate between events; recovery is the last minute the rate fell to zero and stayed there.
  let now = 0;
  let cur = rate(0);
  let residual = 0;
  let recoveredAt: number | null = cur.bad === 0 && (!corr || mitigated) ? 0 : null;
  const point = (t: number, bad: number) => {
    const last = trace?.rate[trace.rate.length - 1];
    if (!trace || (last && last.bad === bad)) return;
    if (last && last.t === t) last.bad = bad;
    else trace.rate.push({ t, bad });
  };
  point(0, cur.bad);
  const note = (r: { now: Set<string> }) => {
    for (const k of r.now) if (!violating.has(k)) violations++;
    violating.clear();
    for (const k of r.now) violating.add(k);
  };
  note(cur);
  ready(0);
  while (queue.length) {
    queue.sort((a, b) => a.t - b.t || a.seq - b.seq);
    const ev = queue.shift()!;
    if (ev.t > DRILL_HORIZON_MIN) break;
    // The cache TTL ends on its own: count the minutes before and after it apart.
    const ttlEnd = restoredAt !== null && cacheClearedAt === null ? restoredAt + CACHE_TTL_MIN : null;
    if (ttlEnd !== null && ttlEnd > now && ttlEnd < ev.t) {
      residual += cur.bad * (ttlEnd - now);
      now = ttlEnd;
      cur = rate(now);
      point(now, cur.bad);
      if (cur.bad === 0 && recoveredAt === null && (!corr || mitigated)) recoveredAt = now;
    }
    residual += cur.bad * (ev.t - now);
    now = ev.t;
    ev.run();
    const next = rate(now);
    point(now, next.bad);
    note(next);
    const ok = next.bad === 0 && (!corr || mitigated);
    if (ok && recoveredAt === null) recoveredAt = now;
    if (!ok) recoveredAt = null;
    cur = next;
  }
  const end = Math.max(now, DRILL_HORIZON_MIN);
  if (recoveredAt === null) residual += cur.bad * (end - now);
  return {
    deployment: truth.deployment,
    planner: plan.planner,
    kind: truth.kind,
    multiService: truth.multiService,
    recovered: recoveredAt !== null,
    timeToRecoverMin: recoveredAt === null ? null : Math.round(recoveredAt * 10) / 10,
    residualBadRequests: Math.round(residual),
    corruptionMitigated: corr ? mitigated : null,
    hasBackup: corr ? !!(backups.get(corr.database) && (backups.get(corr.database)!.pitr || backups.get(corr.database)!.lastSnapshotAt)) : null,
    dataLossMinutes: Math.round(dataLoss * 10) / 10,
    orderViolations: violations,
    stepsFailed,
    escalations,
    steps: plan.steps.length,
  };
}

export interface PlannerSummary {
  /** Share of material faults recovered within the horizon. */
  recovered: number;
  /** Share of data corruptions with a backup that were restored (null: none in the drill). */
  dataCorruptionMitigated: number | null;
  orderViolations: number;
  medianTimeToRecoverMin: number | null;
  /** The same, over multi-service releases only. */
  medianTimeToRecoverMultiMin: number | null;
  residualBadRequests: number;
  dataLossMinutes: number;
  stepsFailed: number;
  escalations: number;
  runs: number;
}

export interface DrillReport {
  scenario: string;
  seed: number;
  deployments: number;
  materialFaults: number;
  multiService: number;
  dataCorruptions: number;
  planners: Record<string, PlannerSummary>;
  /** Paired: multi-service releases every planner recovered, median minutes per planner. */
  pairedMulti: { releases: number; medianMin: Record<string, number | null> };
  runs: DrillRun[];
  /** With `trace`: what each run did, parallel to `runs` (`drill --out` writes it for `rolloutlab report`). */
  traces?: DrillTrace[];
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null;
  const s = xs.slice().sort((a, b) => a - b);
  const m = s.length >> 1;
  return Math.round((s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) * 10) / 10;
};

export function summarizeRuns(runs: DrillRun[]): PlannerSummary {
  const corr = runs.filter((r) => r.corruptionMitigated !== null && r.hasBackup);
  const times = runs.filter((r) => r.recovered).map((r) => r.timeToRecoverMin!);
  const multi = runs.filter((r) => r.recovered && r.multiService).map((r) => r.timeToRecoverMin!);
  const sum = (f: (r: DrillRun) => number) => runs.reduce((a, r) => a + f(r), 0);
  return {
    recovered: runs.length ? runs.filter((r) => r.recovered).length / runs.length : 0,
    dataCorruptionMitigated: corr.length ? corr.filter((r) => r.corruptionMitigated).length / corr.length : null,
    orderViolations: sum((r) => r.orderViolations),
    medianTimeToRecoverMin: median(times),
    medianTimeToRecoverMultiMin: median(multi),
    residualBadRequests: sum((r) => r.residualBadRequests),
    dataLossMinutes: Math.round(sum((r) => r.dataLossMinutes) * 10) / 10,
    stepsFailed: sum((r) => r.stepsFailed),
    escalations: sum((r) => r.escalations),
    runs: runs.length,
  };
}

export interface DrillOptions {
  scenario: Scenario;
  scenarioName: string;
  seed: number;
  deployments: number;
  planners?: readonly RollbackPlannerName[];
  onProgress?: (done: number, total: number) => void;
  /** Record every run's steps and bad-request rate (`DrillReport.traces`); the measures are the same either way. */
  trace?: boolean;
}

/** The releases of the first `n` deployments of the scenario's periods (with their world seed for step fates). */
export function drillReleases(s: Scenario, seed: number, n: number): { release: Release; seed: number }[] {
  const out: { release: Release; seed: number }[] = [];
  let left = n;
  for (const p of periods(s, seed, n)) {
    const deps = p.deployments.slice(0, left);
    left -= deps.length;
    for (const r of releasesOf(p.world, deps)) out.push({ release: r, seed: p.seed });
  }
  return out;
}

/** The release of one deployment (`dep-000123`, or `p2-dep-000045` of a later period), or null when it has no material fault or does not exist. */
export function findRelease(s: Scenario, seed: number, deployment: string): { release: Release; seed: number } | null {
  const k = periodOfDeployment(deployment);
  if (k === null) return null;
  const p = simulatePeriod(s, seed, k);
  const d = p.deployments.find((x) => x.id === deployment);
  const r = d ? releaseFor(p.world, d) : null;
  return r ? { release: r, seed: p.seed } : null;
}

export function runDrill(o: DrillOptions): DrillReport {
  const planners = o.planners ?? ROLLBACK_PLANNERS;
  const rels = drillReleases(o.scenario, o.seed, o.deployments);
  const runs: DrillRun[] = [];
  const traces: DrillTrace[] = [];
  rels.forEach(({ release, seed }, i) => {
    for (const p of planners) {
      const trace: DrillTrace | undefined = o.trace ? { steps: [], rate: [] } : undefined;
      runs.push(executePlan(planRollback(release.request, p), release, seed, trace));
      if (trace) traces.push(trace);
    }
    o.onProgress?.(i + 1, rels.length);
  });
  const by = Object.fromEntries(planners.map((p) => [p, summarizeRuns(runs.filter((r) => r.planner === p))]));
  const multi = rels.filter((r) => r.release.truth.multiService).map((r) => r.release.truth.deployment);
  const paired = multi.filter((d) => planners.every((p) => runs.find((r) => r.deployment === d && r.planner === p)!.recovered));
  return {
    scenario: o.scenarioName,
    seed: o.seed,
    deployments: o.deployments,
    materialFaults: rels.length,
    multiService: multi.length,
    dataCorruptions: rels.filter((r) => r.release.truth.corruption).length,
    planners: by,
    pairedMulti: { releases: paired.length, medianMin: Object.fromEntries(planners.map((p) => [p, median(paired.map((d) => runs.find((r) => r.deployment === d && r.planner === p)!.timeToRecoverMin!))])) },
    runs,
    ...(o.trace ? { traces } : {}),
  };
}

/**
 * A drill as tables (`drill --out`, what `rolloutlab report` reads): one row per run, and with traces one row per step
 * attempt and one per change of users' bad-request rate.
 */
export function drillTables(r: DrillReport): Table[] {
  const tables = [
    tableFromRows('drill_runs', r.runs, [
      ['deployment_id', 'VARCHAR', (x) => x.deployment, 'deployment whose change carries a material fault'],
      ['planner', 'VARCHAR', (x) => x.planner, 'planned / revert-all / abort'],
      ['fault_kind', 'VARCHAR', (x) => x.kind, 'TRUTH: the fault'],
      ['multi_service', 'BOOLEAN', (x) => x.multiService, 'the release changes more than one service'],
      ['recovered', 'BOOLEAN', (x) => x.recovered, `nothing the fault or the rollback broke hurts users within ${DRILL_HORIZON_MIN} min`],
      ['time_to_recover_min', 'DOUBLE', (x) => x.timeToRecoverMin, 'plan start to recovery (null: not recovered)'],
      ['residual_bad_requests', 'BIGINT', (x) => x.residualBadRequests, 'bad requests users saw while the plan ran'],
      ['corruption_mitigated', 'BOOLEAN', (x) => x.corruptionMitigated, 'corrupt data restored or repaired (null: no corruption)'],
      ['has_backup', 'BOOLEAN', (x) => x.hasBackup, 'the corrupt database has a backup (null: no corruption)'],
      ['data_loss_min', 'DOUBLE', (x) => x.dataLossMinutes, 'minutes of writes lost to a restore'],
      ['order_violations', 'INTEGER', (x) => x.orderViolations, 'conditions the rollback order broke (old callers on a gone API, schema mismatches)'],
      ['steps_failed', 'INTEGER', (x) => x.stepsFailed, 'step attempts that failed'],
      ['escalations', 'INTEGER', (x) => x.escalations, 'times a person was paged or had to act'],
      ['steps', 'INTEGER', (x) => x.steps, 'steps in the plan'],
    ]),
  ];
  if (r.traces) {
    const steps = r.traces.flatMap((t, i) => t.steps.map((e) => ({ ...e, run: r.runs[i] })));
    const rate = r.traces.flatMap((t, i) => t.rate.map((e) => ({ ...e, run: r.runs[i] })));
    tables.push(
      tableFromRows('drill_steps', steps, [
        ['deployment_id', 'VARCHAR', (x) => x.run.deployment, 'deployment'],
        ['planner', 'VARCHAR', (x) => x.run.planner, 'planner'],
        ['step', 'VARCHAR', (x) => x.step, 'step id of the plan (s1, s2, …; a fallback: s4f)'],
        ['kind', 'VARCHAR', (x) => x.kind, 'what the step does (approval, escalate: the wait for a person)'],
        ['target', 'VARCHAR', (x) => x.target, 'service, database, migration or flag it acts on'],
        ['unit', 'VARCHAR', (x) => x.unit, 'region or tenant it is confined to'],
        ['attempt', 'INTEGER', (x) => x.attempt, 'attempt (0: the first)'],
        ['start_min', 'DOUBLE', (x) => x.start, 'plan minute it started'],
        ['end_min', 'DOUBLE', (x) => x.end, 'plan minute it ended'],
        ['result', 'VARCHAR', (x) => x.result, DRILL_STEP_RESULTS.join(' / ')],
      ]),
      tableFromRows('drill_rate', rate, [
        ['deployment_id', 'VARCHAR', (x) => x.run.deployment, 'deployment'],
        ['planner', 'VARCHAR', (x) => x.run.planner, 'planner'],
        ['t_min', 'DOUBLE', (x) => x.t, 'plan minute from which the rate holds'],
        ['bad_per_min', 'DOUBLE', (x) => x.bad, 'bad requests per minute users see from then on'],
      ]),
    );
  }
  return tables;
}

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
const mins = (x: number | null) => (x === null ? '—' : `${x.toFixed(1)} min`);

/** The drill table: one row per planner. */
export function formatDrill(r: DrillReport): string {
  const names = Object.keys(r.planners);
  const cols: [string, (p: PlannerSummary) => string][] = [
    ['recovered', (p) => pct(p.recovered)],
    ['corruption mitigated', (p) => pct(p.dataCorruptionMitigated)],
    ['order violations', (p) => String(p.orderViolations)],
    ['median recovery', (p) => mins(p.medianTimeToRecoverMin)],
    ['multi-service', (p) => mins(p.medianTimeToRecoverMultiMin)],
    ['residual bad requests', (p) => Math.round(p.residualBadRequests).toLocaleString('en-US')],
    ['data loss', (p) => `${Math.round(p.dataLossMinutes)} min`],
    ['steps failed', (p) => String(p.stepsFailed)],
    ['escalations', (p) => String(p.escalations)],
  ];
  const rows = [['planner', ...cols.map((c) => c[0])], ...names.map((n) => [n, ...cols.map((c) => c[1](r.planners[n]))])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const paired = names.map((n) => `${n} ${mins(r.pairedMulti.medianMin[n])}`).join(', ');
  return [
    `drill  scenario ${r.scenario}, seed ${r.seed}, ${r.deployments} deployments: ${r.materialFaults} with a material fault (${r.multiService} multi-service releases, ${r.dataCorruptions} data corruptions)`,
    '',
    line(rows[0]),
    ...rows.slice(1).map(line),
    '',
    `multi-service releases every planner recovered (${r.pairedMulti.releases}): median recovery ${paired}`,
  ].join('\n');
}

/** The drill's targets for the `planned` planner, each with its figure and whether it is met. */
export function drillTargets(r: DrillReport): { name: string; value: string; target: string; met: boolean }[] {
  const p = r.planners.planned;
  const ra = r.planners['revert-all'];
  if (!p) return [];
  const out = [
    { name: 'material faults recovered', value: pct(p.recovered), target: '100 %', met: p.recovered === 1 },
    { name: 'order violations', value: String(p.orderViolations), target: '0', met: p.orderViolations === 0 },
    { name: 'data corruptions with a backup mitigated', value: pct(p.dataCorruptionMitigated), target: '100 %', met: p.dataCorruptionMitigated === null || p.dataCorruptionMitigated === 1 },
  ];
  const a = r.pairedMulti.medianMin.planned;
  const b = r.pairedMulti.medianMin['revert-all'];
  if (ra && a !== null && a !== undefined && b !== null && b !== undefined && b > 0) {
    out.push({ name: 'median recovery of multi-service releases vs revert-all (releases both recover)', value: `${mins(a)} vs ${mins(b)} (${(100 * (1 - a / b)).toFixed(0)} % below)`, target: '>= 50 % below', met: a <= 0.5 * b });
  }
  return out;
}
