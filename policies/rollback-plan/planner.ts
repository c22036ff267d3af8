// The rollback planners (docs/rollback-plans.md): `planned`, which works out from the state what is at fault and the
// least it must undo, in an order the contracts allow, and two baselines, `revert-all` (undo every deployed service at
// once) and `abort` (shift traffic back on the rollouts in progress, nothing else). A planner is a pure function of the
// request: the same request gives the same plan.
import { RolloutlabError } from '../../lib/errors.ts';
import type { Failing, Migration, ReleaseService, RollbackRequest, StepKind } from '../../sim/release/index.ts';
import type { Check, FallbackStep, PlanStep, RollbackPlan } from './schema.ts';
import * as cmd from './commands.ts';

export const ROLLBACK_PLANNERS = ['planned', 'revert-all', 'abort'] as const;
export type RollbackPlannerName = (typeof ROLLBACK_PLANNERS)[number];

/** Expected minutes of a step, for the plan's estimate (the drill measures the real ones). */
function expected(kind: StepKind, s?: ReleaseService): number {
  switch (kind) {
    case 'notify':
      return 0.1;
    case 'approval':
      return 10;
    case 'flag-off':
      return 1;
    case 'abort':
    case 'scale-down-canary':
      return s?.tool === 'argo-rollouts' ? 1 : 2;
    case 'revert':
      return s?.tool === 'kubectl' ? 3 : s?.tool === 'flagger' ? 6 : 4;
    case 'migration-down':
      return 5;
    case 'roll-forward':
      return 45;
    case 'freeze-writes':
      return 1;
    case 'restore':
      return 45;
    case 'invalidate-cache':
      return 1;
    case 'verify':
      return 3;
    case 'escalate':
      return 20;
    case 'repair-data':
      return 240;
  }
}

const bad = (field: string, msg: string): never => {
  throw new RolloutlabError('BAD_DATA', `${field}: ${msg}`, field);
};

/**
 * Checks a request beyond its schema: every service named exists in the graph, the release names each service once, a
 * rollout's exposure names its units, contract dependencies point at changed services and have no cycle, migrations
 * and flags belong to changed services. Throws a BAD_DATA error naming the field.
 */
export function checkRollbackRequest(req: RollbackRequest): void {
  const known = new Set(req.graph.services);
  if (known.size !== req.graph.services.length) {
    const seen = new Set<string>();
    req.graph.services.forEach((s, i) => (seen.has(s) ? bad(`graph.services[${i}]`, `${JSON.stringify(s)} is listed twice`) : seen.add(s)));
  }
  req.graph.dependencies.forEach((d, i) => {
    if (!known.has(d.caller)) bad(`graph.dependencies[${i}].caller`, `unknown service ${JSON.stringify(d.caller)} (not in graph.services)`);
    if (!known.has(d.callee)) bad(`graph.dependencies[${i}].callee`, `unknown service ${JSON.stringify(d.callee)} (not in graph.services)`);
  });
  const changed = new Map<string, number>();
  req.services.forEach((s, i) => {
    if (!known.has(s.name)) bad(`services[${i}].name`, `unknown service ${JSON.stringify(s.name)} (not in graph.services)`);
    if (changed.has(s.name)) bad(`services[${i}].name`, `${JSON.stringify(s.name)} is listed twice`);
    changed.set(s.name, i);
    const units = Object.keys(s.exposure);
    if (units.length === 0) bad(`services[${i}].exposure`, 'names no unit');
    if (s.unitKind === 'all' && (units.length !== 1 || units[0] !== 'all')) bad(`services[${i}].exposure`, `unitKind all takes exactly {"all": <share>}, got units ${units.join(', ')}`);
    if (s.unitKind !== 'all' && units.includes('all')) bad(`services[${i}].exposure`, `unitKind ${s.unitKind} names its ${s.unitKind}s, not "all"`);
    if (s.state === 'pending' && units.some((u) => s.exposure[u] > 0)) bad(`services[${i}].exposure`, 'a pending rollout exposes nothing');
    if (s.state === 'promoted' && units.some((u) => s.exposure[u] < 1)) bad(`services[${i}].exposure`, 'a promoted rollout has all traffic (1) in every unit');
  });
  req.services.forEach((s, i) =>
    s.usesNewApiOf.forEach((c, j) => {
      if (!changed.has(c)) bad(`services[${i}].usesNewApiOf[${j}]`, `${JSON.stringify(c)} is not a service this release changes`);
      if (c === s.name) bad(`services[${i}].usesNewApiOf[${j}]`, 'a service cannot depend on its own new API');
    }),
  );
  // A cycle of "uses the new API of" leaves no order to revert in.
  const state = new Map<string, 0 | 1 | 2>();
  const visit = (n: string, path: string[]): void => {
    const st = state.get(n) ?? 0;
    if (st === 2) return;
    if (st === 1) bad(`services[${changed.get(n)}].usesNewApiOf`, `cyclic contract dependency: ${[...path.slice(path.indexOf(n)), n].join(' → ')}`);
    state.set(n, 1);
    for (const c of req.services[changed.get(n)!].usesNewApiOf) visit(c, [...path, n]);
    state.set(n, 2);
  };
  for (const s of req.services) visit(s.name, []);
  req.migrations.forEach((m, i) => {
    if (!changed.has(m.service)) bad(`migrations[${i}].service`, `${JSON.stringify(m.service)} is not a service this release changes`);
  });
  req.flags.forEach((f, i) => {
    if (!changed.has(f.service)) bad(`flags[${i}].service`, `${JSON.stringify(f.service)} is not a service this release changes`);
  });
  req.failing.forEach((f, i) => {
    if (!known.has(f.service)) bad(`failing[${i}].service`, `unknown service ${JSON.stringify(f.service)} (not in graph.services)`);
  });
  const dbs = new Set<string>();
  req.backups.forEach((b, i) => (dbs.has(b.database) ? bad(`backups[${i}].database`, `${JSON.stringify(b.database)} is listed twice`) : dbs.add(b.database)));
  const at = Date.parse(req.at);
  if (!Number.isFinite(at)) bad('at', `not a time: ${JSON.stringify(req.at)}`);
  req.backups.forEach((b, i) => {
    if (b.lastSnapshotAt !== undefined && !(Date.parse(b.lastSnapshotAt) <= at)) bad(`backups[${i}].lastSnapshotAt`, 'is after `at` (or not a time)');
  });
}

/** Builds a plan step by step: ids in order, dependencies, the critical-path estimate. */
class PlanBuilder {
  steps: PlanStep[] = [];
  constructor(readonly req: RollbackRequest) {}
  add(p: Omit<PlanStep, 'id' | 'expectedMinutes' | 'manual' | 'needsApproval' | 'critical' | 'onFailure'> & Partial<Pick<PlanStep, 'manual' | 'needsApproval' | 'critical' | 'onFailure' | 'expectedMinutes'>>, svc?: ReleaseService): string {
    const id = `s${this.steps.length + 1}`;
    this.steps.push({
      id,
      kind: p.kind,
      ...(p.service !== undefined ? { service: p.service } : {}),
      ...(p.unit !== undefined ? { unit: p.unit } : {}),
      ...(p.database !== undefined ? { database: p.database } : {}),
      ...(p.migration !== undefined ? { migration: p.migration } : {}),
      ...(p.flag !== undefined ? { flag: p.flag } : {}),
      ...(p.restoreTo !== undefined ? { restoreTo: p.restoreTo } : {}),
      ...(p.kind === 'revert' && (svc?.tool === 'argo-rollouts' || svc?.tool === 'flagger') ? { fastTrack: p.fastTrack ?? true } : {}),
      command: p.command,
      manual: p.manual ?? p.command === null,
      needsApproval: p.needsApproval ?? false,
      critical: p.critical ?? true,
      precondition: p.precondition,
      check: p.check,
      expectedMinutes: p.expectedMinutes ?? expected(p.kind, svc),
      why: p.why,
      after: [...new Set(p.after)],
      onFailure: p.onFailure ?? { action: 'escalate', note: 'page the on-call: the step did not work' },
    });
    return id;
  }
  /** Expected minutes of the longest chain of critical steps. */
  criticalPath(): number {
    const end = new Map<string, number>();
    let longest = 0;
    for (const s of this.steps) {
      const start = Math.max(0, ...s.after.map((a) => end.get(a) ?? 0));
      const e = start + s.expectedMinutes + (s.needsApproval ? expected('approval') : 0);
      end.set(s.id, e);
      if (s.critical) longest = Math.max(longest, e);
    }
    return Math.round(longest * 10) / 10;
  }
}

const errorCheck = (svc: string, unit?: string, timeoutMinutes = 5): Check => ({
  description: `error ratio of ${svc}${unit ? ` in ${unit}` : ''}`,
  command: cmd.errorRatioQuery(svc, unit),
  success: `at or below its value before the deployment, for 2 consecutive minutes`,
  timeoutMinutes,
});

const rolloutCheck = (s: ReleaseService, unit?: string): Check => ({
  description: `${s.name}${unit ? ` in ${unit}` : ''} serves ${s.fromVersion} and takes traffic`,
  command: cmd.statusCommand(s, unit),
  success: `the rollout reports Healthy on ${s.fromVersion} and its request rate is back to its usual level`,
  timeoutMinutes: 10,
});

interface Suspect {
  svc: ReleaseService;
  unit?: string;
  why: string;
}

/** The changed services the failures point at (docs/rollback-plans.md "Suspects"). */
export function suspectsOf(req: RollbackRequest): Suspect[] {
  const deployed = req.services.filter((s) => s.state !== 'pending');
  const bySvc = new Map<string, Failing[]>();
  for (const f of req.failing) bySvc.set(f.service, [...(bySvc.get(f.service) ?? []), f]);
  const changed = new Map(deployed.map((s) => [s.name, s]));
  const found = new Map<string, { why: string[]; signals: Failing[] }>();
  const mark = (name: string, why: string, signals: Failing[]) => {
    const e = found.get(name) ?? { why: [], signals: [] };
    e.why.push(why);
    e.signals.push(...signals);
    found.set(name, e);
  };
  for (const s of deployed) {
    const own = bySvc.get(s.name);
    if (own) mark(s.name, `its own ${[...new Set(own.map((f) => f.signal))].join(', ')} fail`, own);
  }
  // A failing caller of a changed callee: the callee's change (a contract break, a slower dependency) is suspect.
  for (const d of req.graph.dependencies) {
    if (d.kind !== 'sync') continue;
    const callee = changed.get(d.callee);
    const sig = bySvc.get(d.caller)?.filter((f) => f.signal === 'errors' || f.signal === 'latency');
    if (!callee || !sig?.length || changed.has(d.caller)) continue;
    mark(callee.name, `its caller ${d.caller} fails (${sig[0].signal}) and did not change`, sig);
  }
  const out: Suspect[] = [];
  for (const s of deployed) {
    const e = found.get(s.name);
    if (!e) continue;
    const units = new Set(e.signals.map((f) => f.unit ?? '*'));
    const unit = units.size === 1 && !units.has('*') && s.unitKind !== 'all' ? [...units][0] : undefined;
    out.push({ svc: s, ...(unit !== undefined && unit in s.exposure ? { unit } : {}), why: e.why.join('; ') });
  }
  if (out.length === 0) for (const s of deployed) out.push({ svc: s, why: 'nothing failing points at one changed service: every deployed one is suspect' });
  return out;
}

/** The databases a failing data check points at: the service's migrations' databases, then its datastore callees with a backup. */
function databasesOf(req: RollbackRequest, service: string): string[] {
  const dbs = new Set(req.migrations.filter((m) => m.service === service).map((m) => m.database));
  const backed = new Set(req.backups.map((b) => b.database));
  for (const d of req.graph.dependencies) if (d.caller === service && backed.has(d.callee)) dbs.add(d.callee);
  for (const b of req.backups) if (b.database === service || b.database === `${service}-db`) dbs.add(b.database);
  return [...dbs].sort();
}

/**
 * What the release needs before it ships so that it can be undone: a point-in-time backup of every database it
 * migrates or writes, a contract migration the previous version cannot read kept out of the code's release, a down for
 * every expand step, a fallback for helm's timeouts.
 */
export function requirementsOf(req: RollbackRequest): string[] {
  const out: string[] = [];
  const backups = new Map(req.backups.map((b) => [b.database, b]));
  for (const db of [...new Set(req.migrations.map((m) => m.database))].sort()) {
    const b = backups.get(db);
    if (!b) out.push(`${db}: no backup — take a snapshot and enable point-in-time recovery (WAL archiving) before the migrations run; without one, corrupt data can only be repaired by hand`);
    else if (!b.pitr) out.push(`${db}: snapshots only — a restore loses everything written since ${b.lastSnapshotAt ?? 'the last snapshot'}; enable point-in-time recovery`);
  }
  for (const m of req.migrations) {
    if (m.reversibility === 'irreversible' && !m.backwardCompatible) out.push(`${m.id} (${m.database}) cannot be undone and the previous version of ${m.service} cannot read its schema: once it runs, going back means a restore (losing writes) or a fix forward — ship it as its own contract release after ${m.service} is promoted and baked`);
    if (m.reversibility === 'reversible' && m.phase === 'expand') out.push(`${m.id}: keep its down migration tested (${m.tool === 'atlas' ? 'atlas migrate lint flags destructive downs' : `${m.tool} runs it in staging`}); it fails once rows land in what it added, and the plan then leaves it in place`);
  }
  for (const s of req.services) if (s.tool === 'helm') out.push(`${s.name}: helm rollback can time out waiting for pods; the plan falls back to kubectl rollout undo, so the Deployment's revision history must be kept (revisionHistoryLimit > 0)`);
  return out;
}

/** The request as if every changed service were promoted, its migrations run, and failing: the worst case a prepared plan covers. */
function worstCase(req: RollbackRequest): RollbackRequest {
  const services = req.services.map((s) => ({ ...s, state: 'promoted' as const, exposure: Object.fromEntries(Object.keys(s.exposure).map((u) => [u, 1])) }));
  return {
    ...req,
    services,
    migrations: req.migrations.map((m) => ({ ...m, ran: true })),
    flags: req.flags.map((f) => ({ ...f, on: true })),
    failing: req.failing.length ? req.failing : services.map((s) => ({ service: s.name, signal: 'errors' as const })),
  };
}

export function plannedRollback(req: RollbackRequest): RollbackPlan {
  // Before the deploy nothing is deployed: plan for the worst case, and say what the release needs.
  const prepared = req.services.every((s) => s.state === 'pending');
  if (prepared) req = worstCase(req);
  const b = new PlanBuilder(req);
  const byName = new Map(req.services.map((s) => [s.name, s]));
  const suspects = suspectsOf(req);
  const warnings: string[] = [];
  const escalations: string[] = [];
  const names = suspects.map((s) => s.svc.name + (s.unit ? ` (${s.unit})` : '')).join(', ');
  const start = b.add({ kind: 'notify', command: cmd.notifyCommand(`rollback of ${req.deployment} started: ${names}`), precondition: 'none', check: { description: 'the message was accepted', command: null, success: 'HTTP 2xx', timeoutMinutes: 1 }, why: 'tell the owners and the incident channel before anything changes', after: [], critical: false, onFailure: { action: 'continue', note: 'a notification never holds up a rollback' } });

  // Who must go back before whom: a deployed caller that uses a callee's new API reverts first.
  const callersUsing = (name: string) => req.services.filter((c) => c.state !== 'pending' && c.usesNewApiOf.includes(name));
  const trafficDone = new Map<string, string[]>(); // service → step ids after which its new version serves no faulty traffic
  const reverted = new Map<string, string>(); // service → its revert step
  const blocked = (s: ReleaseService) => req.migrations.find((m) => m.service === s.name && m.ran && !m.backwardCompatible);

  const revert = (s: ReleaseService, unit: string | undefined, why: string, after: string[]): string => {
    const key = s.name + (unit ? `@${unit}` : '');
    if (reverted.has(key)) return reverted.get(key)!;
    // Callers of its new API first, whole (they call it in every unit).
    const first = callersUsing(s.name).map((c) => revert(c, undefined, `calls ${s.name}'s new API: it goes back before ${s.name} does`, after));
    const deps = [...after, ...first];
    const steps: string[] = [];
    if (s.state === 'rolling' && (s.tool === 'argo-rollouts' || s.tool === 'flagger')) {
      const fallback: FallbackStep = { id: `s${b.steps.length + 1}f`, kind: 'revert', service: s.name, ...(unit ? { unit } : {}), fastTrack: true, command: cmd.revertCommand(s, unit), manual: false, needsApproval: false, critical: true, precondition: 'the abort did not take', check: rolloutCheck(s, unit), expectedMinutes: expected('revert', s), why: 'put the previous version back when the traffic shift fails' };
      steps.push(b.add({ kind: 'abort', service: s.name, ...(unit ? { unit } : {}), command: cmd.abortCommand(s, unit), precondition: `${s.name} is mid-rollout (${Object.entries(s.exposure).map(([u, x]) => `${u} ${Math.round(x * 100)} %`).join(', ')})`, check: errorCheck(s.name, unit, 3), why: `${why}: stop its canary now — traffic goes back to the stable version within a minute`, after: deps, onFailure: { action: 'fallback', fallback, note: 'the controller did not shift traffic back' } }, s));
      steps.push(b.add({ kind: 'revert', service: s.name, ...(unit ? { unit } : {}), command: cmd.revertCommand(s, unit), precondition: 'the canary is aborted', check: rolloutCheck(s, unit), why: `set ${s.name}'s desired version back to ${s.fromVersion} so the controller does not try the new one again`, after: [steps[0]], critical: false, onFailure: { action: 'retry', note: 'the stable version still serves: retry, then leave it to the owners' } }, s));
    } else {
      const fallback: FallbackStep | undefined =
        s.tool === 'helm'
          ? { id: `s${b.steps.length + 1}f`, kind: 'revert', service: s.name, ...(unit ? { unit } : {}), command: `kubectl rollout undo deployment/${s.name} -n ${s.namespace}${unit && s.unitKind === 'region' ? ` --context ${unit}` : ''}`, manual: false, needsApproval: false, critical: true, precondition: 'helm rollback timed out', check: rolloutCheck(s, unit), expectedMinutes: expected('revert', { ...s, tool: 'kubectl' }), why: 'undo the Deployment directly when helm times out waiting' }
          : undefined;
      steps.push(b.add({ kind: 'revert', service: s.name, ...(unit ? { unit } : {}), command: cmd.revertCommand(s, unit), precondition: `${s.name} runs ${s.toVersion}${unit ? ` in ${unit}` : ''}`, check: rolloutCheck(s, unit), why: `${why}: put ${s.fromVersion} back${unit ? ` in ${unit} only, the other ${s.unitKind}s keep the new version` : ''}`, after: deps, onFailure: fallback ? { action: 'fallback', fallback, note: 'helm rollback timed out' } : { action: 'retry', note: 'retry once, then page the on-call' } }, s));
    }
    trafficDone.set(s.name, [...(trafficDone.get(s.name) ?? []), steps[0]]);
    reverted.set(key, steps[0]);
    return steps[0];
  };

  const verifies: string[] = [];
  for (const sp of suspects) {
    const s = sp.svc;
    const first: string[] = [];
    const flag = req.flags.find((f) => f.service === s.name && f.on);
    if (flag) first.push(b.add({ kind: 'flag-off', service: s.name, flag: flag.key, command: cmd.flagOffCommand(flag.key), precondition: `flag ${flag.key} is on`, check: errorCheck(s.name, sp.unit, 3), why: `the fastest stop: ${s.name}'s new code path is behind ${flag.key} (the traffic step runs beside it)`, after: [start], onFailure: { action: 'continue', note: 'the traffic step beside it removes the new code anyway' } }, s));
    const stop = blocked(s);
    let traffic: string;
    if (stop) {
      const back = req.backups.find((x) => x.database === stop.database);
      traffic = b.add({ kind: 'roll-forward', service: s.name, migration: stop.id, command: null, manual: true, needsApproval: true, precondition: `migration ${stop.id} ran and ${s.fromVersion} does not work on its schema`, check: errorCheck(s.name, sp.unit, 60), why: `${s.name} cannot go back: ${stop.id} (${stop.tool}, ${stop.phase}) changed ${stop.database} in a way ${s.fromVersion} cannot read — ship a fix on top of ${s.toVersion} instead`, after: [start, ...first], expectedMinutes: expected('roll-forward'), onFailure: { action: 'escalate', note: back ? `last resort: restore ${stop.database} from its backup and revert (loses what was written since)` : `${stop.database} has no backup: only a fix forward is left` } }, s);
      escalations.push(`${s.name}: roll forward — ${stop.id} cannot be undone and ${s.fromVersion} breaks on the new schema${back ? '' : `; ${stop.database} has no backup`}`);
      trafficDone.set(s.name, [traffic]);
    } else traffic = revert(s, sp.unit, `${s.name} is suspect (${sp.why})`, [start]);
    const fallback: FallbackStep | undefined = sp.unit
      ? { id: `s${b.steps.length + 1}f`, kind: 'revert', service: s.name, ...(s.tool === 'argo-rollouts' || s.tool === 'flagger' ? { fastTrack: true } : {}), command: cmd.revertCommand(s), manual: false, needsApproval: false, critical: true, precondition: `${s.name} still fails after the rollback of ${sp.unit}`, check: rolloutCheck(s), expectedMinutes: expected('revert', s), why: `the fault was not confined to ${sp.unit}: take the new version out everywhere` }
      : undefined;
    verifies.push(b.add({ kind: 'verify', service: s.name, ...(sp.unit ? { unit: sp.unit } : {}), command: null, manual: false, precondition: 'the steps before it finished', check: errorCheck(s.name, sp.unit), why: `confirm ${s.name} is healthy again${sp.unit ? ` in ${sp.unit}` : ''} before touching its data`, after: [...first, ...(trafficDone.get(s.name) ?? [traffic])], onFailure: fallback ? { action: 'fallback', fallback, note: `the fault is not confined to ${sp.unit}` } : { action: 'escalate', note: `${s.name} still fails with its previous version: the cause is elsewhere — page the on-call` } }, s));
  }

  // Migrations of the reverted services: downs after the code is back, and only where one exists.
  for (const m of req.migrations) {
    if (!m.ran || !trafficDone.has(m.service) || blocked(byName.get(m.service)!)) continue;
    const owner = byName.get(m.service)!;
    if (m.reversibility === 'leave-in-place') {
      warnings.push(`${m.id} (${m.database}) stays: it only adds, and ${owner.fromVersion} works on it`);
      continue;
    }
    if (m.reversibility === 'irreversible') {
      warnings.push(`${m.id} (${m.database}) cannot be undone and stays: ${owner.fromVersion} works on the migrated schema`);
      continue;
    }
    const verify = verifies[suspects.findIndex((x) => x.svc.name === m.service)];
    b.add({ kind: 'migration-down', service: m.service, migration: m.id, database: m.database, command: cmd.migrationDownCommand(m as Migration), precondition: `no version of ${m.service} that needs ${m.toVersion} serves traffic`, check: { description: `${m.database} is at schema version ${m.fromVersion}`, command: cmd.migrationStatusCommand(m), success: `current version ${m.fromVersion}, nothing pending`, timeoutMinutes: 15 }, why: `${m.id} came with the new version; take the schema back once nothing uses it`, after: verify ? [verify] : trafficDone.get(m.service)!, critical: false, needsApproval: !!req.offHours, onFailure: { action: 'continue', note: `leave ${m.id} in place: it is an expand step, ${owner.fromVersion} works on it (${m.tool === 'atlas' ? 'Atlas refuses a down that would drop data written since' : 'the down fails on rows written since'})` } });
  }

  // Corrupt data: stop the writes, restore to before the corruption, flush what caches kept, check the data.
  for (const f of req.failing.filter((x) => x.signal === 'data-integrity')) {
    const s = byName.get(f.service);
    const before = s ? (trafficDone.get(s.name) ?? []) : [start];
    const dbs = databasesOf(req, f.service);
    if (dbs.length === 0) {
      escalations.push(`${f.service}: a data check fails and no database with a backup is known for it — find the corrupt rows by hand`);
      b.add({ kind: 'escalate', service: f.service, command: null, manual: true, precondition: 'a data check fails', check: { description: 'an owner acknowledged', command: null, success: 'acknowledged', timeoutMinutes: 30 }, why: 'no backup or database is known: a person must find and repair the data', after: before, critical: true });
      continue;
    }
    for (const db of dbs) {
      const back = req.backups.find((x) => x.database === db);
      if (!back || (!back.pitr && !back.lastSnapshotAt)) {
        escalations.push(`${db}: corrupt data and no backup — repair by hand (no restore command is possible)`);
        b.add({ kind: 'repair-data', service: f.service, database: db, command: null, manual: true, needsApproval: false, precondition: 'the faulty version no longer writes', check: { description: `the data check of ${db}`, command: null, success: 'no corrupt rows left', timeoutMinutes: 480 }, why: `${db} has no backup to restore from: the corrupt rows must be found and fixed by hand`, after: before, onFailure: { action: 'escalate', note: 'page the data owners' } });
        continue;
      }
      const sinceMs = f.since ? Date.parse(f.since) : Date.parse(req.at) - 60 * 60_000;
      const target = back.pitr ? new Date(sinceMs - 5 * 60_000).toISOString() : null;
      const freeze = b.add({ kind: 'freeze-writes', service: f.service, database: db, command: cmd.freezeWritesCommand(db), precondition: 'the faulty version no longer serves', check: { description: `${db} refuses writes`, command: `psql "${cmd.dbUrlVar(db)}" -c 'SHOW default_transaction_read_only'`, success: 'on', timeoutMinutes: 3 }, why: `nothing may write to ${db} while it is restored`, after: before });
      const restore = b.add({ kind: 'restore', service: f.service, database: db, ...(target ? { restoreTo: target } : {}), command: cmd.restoreCommand(db, target), needsApproval: true, precondition: `writes to ${db} are frozen`, check: { description: `the data check of ${db}`, command: null, success: 'the integrity check passes and the row counts match the restore point', timeoutMinutes: 120 }, why: back.pitr ? `restore ${db} to ${target}, 5 minutes before the first failed data check; what was written since is lost and must be replayed from the application's log` : `no point-in-time recovery: restore ${db}'s last snapshot (${back.lastSnapshotAt}); everything written since is lost`, after: [freeze], onFailure: { action: 'escalate', note: `the restore of ${db} failed: page the database owners` } });
      b.add({ kind: 'invalidate-cache', service: f.service, database: db, command: cmd.invalidateCacheCommand(f.service), precondition: `${db} is restored`, check: { description: `${f.service}'s cache holds no keys older than the restore`, command: null, success: 'no stale keys', timeoutMinutes: 5 }, why: 'caches still serve the corrupt rows', after: [restore] });
      warnings.push(`${db}: restoring loses what was written since the restore point`);
    }
  }

  const all = b.steps.filter((s) => s.critical).map((s) => s.id);
  const verifyAll = b.add({ kind: 'verify', command: null, manual: false, precondition: 'every step before it finished', check: { description: 'every failing signal of the request', command: null, success: `${req.failing.map((f) => `${f.service} ${f.signal}`).join(', ') || 'nothing'} back to normal for 5 minutes`, timeoutMinutes: 15 }, why: 'the rollback is over only when what failed is healthy', after: all, onFailure: { action: 'escalate', note: 'something still fails: page the on-call with this plan' } });
  b.add({ kind: 'notify', command: cmd.notifyCommand(`rollback of ${req.deployment} finished`), precondition: 'none', check: { description: 'the message was accepted', command: null, success: 'HTTP 2xx', timeoutMinutes: 1 }, why: 'close the loop with the owners', after: [verifyAll], critical: false, onFailure: { action: 'continue', note: 'a notification never holds up a rollback' } });
  if (req.offHours) for (const s of b.steps) if (s.kind === 'restore' || s.kind === 'roll-forward' || s.kind === 'migration-down') s.needsApproval = true;
  // An approval names what the step does, not its position, so it still holds when the plan is made again for a later state.
  for (const s of b.steps) if (s.needsApproval) s.approvalKey = `${s.kind}:${s.migration ?? s.database ?? s.service ?? s.id}`;
  return {
    deployment: req.deployment,
    planner: 'planned',
    at: req.at,
    summary: `${prepared ? 'prepared before the deploy, for the worst case (every changed service promoted and failing): ' : ''}${suspects.length === 1 ? 'suspect' : 'suspects'} ${names}: ${b.steps.length} steps, about ${b.criticalPath()} min${escalations.length ? `, ${escalations.length} for a person` : ''}`,
    prepared,
    requirements: requirementsOf(req),
    suspects: suspects.map((s) => ({ service: s.svc.name, ...(s.unit ? { unit: s.unit } : {}), why: s.why })),
    steps: b.steps,
    expectedMinutes: b.criticalPath(),
    escalations,
    warnings,
  };
}

/** Baseline: undo every deployed service of the release at once, then check. */
export function revertAllRollback(req: RollbackRequest): RollbackPlan {
  const b = new PlanBuilder(req);
  const deployed = req.services.filter((s) => s.state !== 'pending');
  const ids = deployed.map((s) => b.add({ kind: 'revert', service: s.name, fastTrack: false, command: cmd.revertCommand(s, undefined, false), precondition: `${s.name} runs ${s.toVersion}`, check: rolloutCheck(s), why: 'revert-all: every changed service goes back at once', after: [], onFailure: { action: 'retry', note: 'retry once, then page the on-call' } }, s));
  const v = b.add({ kind: 'verify', command: null, precondition: 'every revert finished', check: { description: 'every failing signal', command: null, success: 'back to normal', timeoutMinutes: 15 }, why: 'check the release is healthy', after: ids, onFailure: { action: 'escalate', note: 'page the on-call' } });
  void v;
  return { deployment: req.deployment, planner: 'revert-all', at: req.at, summary: `revert ${deployed.map((s) => s.name).join(', ')} at once`, suspects: deployed.map((s) => ({ service: s.name, why: 'changed by the release' })), steps: b.steps, expectedMinutes: b.criticalPath(), prepared: false, requirements: [], escalations: [], warnings: [] };
}

/** Baseline: shift traffic back on the rollouts in progress (what a progressive-delivery controller's abort does), nothing else. */
export function abortRollback(req: RollbackRequest): RollbackPlan {
  const b = new PlanBuilder(req);
  const rolling = req.services.filter((s) => s.state === 'rolling');
  const ids = rolling.map((s) => b.add({ kind: 'abort', service: s.name, command: cmd.abortCommand(s), precondition: `${s.name} is mid-rollout`, check: errorCheck(s.name), why: 'abort: traffic back to the stable version', after: [], onFailure: { action: 'retry', note: 'retry once, then page the on-call' } }, s));
  b.add({ kind: 'verify', command: null, precondition: 'the aborts finished', check: { description: 'every failing signal', command: null, success: 'back to normal', timeoutMinutes: 15 }, why: 'check the release is healthy', after: ids, onFailure: { action: 'escalate', note: 'page the on-call' } });
  return { deployment: req.deployment, planner: 'abort', at: req.at, summary: rolling.length ? `abort ${rolling.map((s) => s.name).join(', ')}` : 'nothing is mid-rollout: nothing to abort', suspects: rolling.map((s) => ({ service: s.name, why: 'mid-rollout' })), steps: b.steps, expectedMinutes: b.criticalPath(), prepared: false, requirements: [], escalations: [], warnings: [] };
}
