// The release world (docs/rollback-plans.md "The world a plan must handle"): for a deployment of a simulated world whose
// change carries a material fault, the release around it at the moment the fault is detected. A release may change
// several services (callees first), with contract dependencies between them (a caller calling a callee's new API), schema
// migrations in expand / contract phases (reversible, irreversible, or safe to leave in place; a linter's verdict on
// whether the previous version still works on the new schema), feature flags, database backups (point-in-time or
// snapshots), region or tenant units, and data corruption. `releaseFor` returns what a deploy system would send a planner
// (`request`, the closed schema of ./schema.ts) and the truth a drill needs to execute a plan (`truth`), which no
// planner sees.
import { Rng } from '../../lib/rng.ts';
import type { World, Deployment } from '../world.ts';
import type { Service } from '../topology.ts';
import type { FaultKind } from '../scenario-schema.ts';
import { badRatio, baseBadRatio, peakEffect, slowShare } from '../faults.ts';
import { localTime, minuteToMs } from '../calendar.ts';
import { rolloutWindow } from '../unguarded.ts';
import { DEPLOY_TOOLS, MIGRATION_TOOLS, type Backup, type Failing, type Flag, type Migration, type ReleaseService, type RollbackRequest } from './schema.ts';

/** What a drill needs to know and a planner never sees. Minutes are relative to the plan's start (the request's `at`). */
export interface ReleaseTruth {
  deployment: string;
  kind: FaultKind;
  /** The service whose new version carries the fault. */
  faultService: string;
  /** The unit the fault is confined to (a region or tenant), or null: everywhere. */
  faultUnit: string | null;
  /** The fault sits in the code path the service's feature flag guards: turning the flag off removes it. */
  flagGuarded: boolean;
  /** Requests per minute the fault spoils (errors, slow responses, lost conversions, failed callers' calls) at full exposure of its scope. */
  faultBadPerMin: number;
  /** Traffic share of each unit of each changed service (sums to 1 per service). */
  unitShares: Record<string, Record<string, number>>;
  /** Mean requests per minute of each changed service. */
  rpm: Record<string, number>;
  /** Data the faulty version wrote wrong: reads of it fail until the database is restored or repaired. */
  corruption: { database: string; startedAtMin: number; badPerMin: number } | null;
  /** For each migration that ran: rows written into what it added since it ran (a down migration then refuses or fails). */
  newDataWritten: Record<string, boolean>;
  /** The previous version of a migration's service fails on the migrated schema (the linter's `backwardCompatible: false`, made true). */
  breaksPrevious: Record<string, boolean>;
  /** The release changes more than one service. */
  multiService: boolean;
  /** Epoch ms of minute 0 (the request's `at`). */
  atMs: number;
}

export interface Release {
  request: RollbackRequest;
  truth: ReleaseTruth;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** Minutes a service's rollout takes through its canary steps (without the bake). */
const stepsMinutes = (w: World) => (w.scenario.rollout.steps.length - 1) * w.scenario.rollout.stepMinutes;

/** The canary weight at `age` minutes into a rollout of the scenario's steps (1 once past the last step). */
function weightAt(w: World, age: number): number {
  const { steps, stepMinutes } = w.scenario.rollout;
  if (age < 0) return 0;
  const k = Math.min(steps.length - 1, Math.floor(age / stepMinutes));
  return steps[k] / 100;
}

/** The datastore a service writes to: its first datastore callee, or its own database. */
function databaseOf(w: World, svc: Service): string {
  if (svc.tier === 'datastore') return svc.name;
  for (const di of w.topology.calleesOf[svc.id]) {
    const c = w.topology.services[w.topology.dependencies[di].callee];
    if (c.tier === 'datastore') return c.name;
  }
  return `${svc.name}-db`;
}

/** Requests per minute the fault spoils at full exposure of its scope. */
function faultBadPerMin(w: World, dep: Deployment): number {
  const f = dep.fault!;
  const svc = w.topology.services[dep.service];
  const rpm = w.traffic.meanRequests[svc.id];
  const e = peakEffect(f, rolloutWindow(w.scenario.rollout), dep.maxLoad);
  const err = Math.min(1, svc.baseErrorRate + e.errorAdd);
  let bad = rpm * (Math.max(0, badRatio(err, slowShare(svc, e.latencyMult)) - baseBadRatio(svc)) + (1 - e.kpiMult));
  if (e.callerErrorAdd > 0) {
    for (const di of w.topology.callersOf[svc.id]) {
      const d = w.topology.dependencies[di];
      if (d.kind === 'sync') bad += w.traffic.meanRequests[d.caller] * Math.min(1, d.callsPerRequest * e.callerErrorAdd);
    }
  }
  return Math.max(bad, 0.5);
}

/** The release around `dep` when its material fault is detected; null when the deployment has no material fault. */
export function releaseFor(w: World, dep: Deployment): Release | null {
  const f = dep.fault;
  if (!f || !dep.material) return null;
  const rng = new Rng(w.seed, 'release', dep.id);
  const topo = w.topology;
  const svc = topo.services[dep.service];
  const slow = f.kind === 'data_corruption' || f.kind === 'kpi_drop' || f.kind === 'memory_leak';
  const onset = dep.outcome.onsetMinute ?? dep.start + f.onsetMinutes;
  const at = Math.round(onset + (slow ? rng.uniform(5, 40) : rng.uniform(2, 8)));
  const atMs = minuteToMs(w.calendar, at);

  // Partners: services the same release changes, next to the faulty one in the graph (no queues or datastores: their
  // changes are migrations). A contract change nearly always ships with the callers that use it.
  const multi = rng.bernoulli(f.kind === 'contract_break' || hasContractChange(w, dep) ? 0.9 : 0.45);
  const partners: { id: number; role: 'caller' | 'callee' }[] = [];
  if (multi) {
    const near: { id: number; role: 'caller' | 'callee' }[] = [];
    for (const di of topo.callersOf[svc.id]) if (topo.dependencies[di].kind === 'sync') near.push({ id: topo.dependencies[di].caller, role: 'caller' });
    for (const di of topo.calleesOf[svc.id]) {
      const c = topo.services[topo.dependencies[di].callee];
      if (c.tier !== 'queue' && c.tier !== 'datastore') near.push({ id: c.id, role: 'callee' });
    }
    const k = Math.min(near.length, 1 + Math.min(2, rng.poisson(0.7)));
    for (const i of rng.sample(near.length, k)) partners.push(near[i]);
  }
  // Rollout order: callees first (a higher index is deeper in the graph), so a new API exists before its callers use it.
  const ids = [svc.id, ...partners.map((p) => p.id)].sort((a, b) => b - a);
  const k = ids.indexOf(svc.id);
  const window = stepsMinutes(w) + w.scenario.rollout.bakeMinutes;
  const uses = new Map<number, number[]>(ids.map((i) => [i, []]));
  for (const p of partners) {
    if (p.role === 'caller' && (hasContractChange(w, dep) || f.kind === 'contract_break' || rng.bernoulli(0.5))) uses.get(p.id)!.push(svc.id);
    if (p.role === 'callee' && rng.bernoulli(0.5)) uses.get(svc.id)!.push(p.id);
  }

  const unitShares: Record<string, Record<string, number>> = {};
  const rpm: Record<string, number> = {};
  const services: ReleaseService[] = ids.map((id, j) => {
    const s = topo.services[id];
    rpm[s.name] = w.traffic.meanRequests[id];
    // The faulty service's rollout started at dep.start; the others one rollout window apart, in order.
    const start = dep.start + (j - k) * window;
    const age = at - start;
    const byRegion = s.regions.length > 1 && rng.bernoulli(0.5);
    const byTenant = !byRegion && f.scope.kind === 'tenant' && id === svc.id && rng.bernoulli(0.4);
    const unitKind = byRegion ? 'region' : byTenant ? 'tenant' : 'all';
    const units = byRegion ? s.regions.slice() : byTenant ? w.scenario.topology.tenants.slice() : ['all'];
    const shares = byRegion ? s.regionShares.slice() : byTenant ? s.tenantShares.slice() : [1];
    // Smallest unit first, as progressive rollouts go; the faulty service's fault showed, so its unit was among the first.
    const faultUnitIdx = id === svc.id ? units.indexOf(f.scope.kind === 'region' ? f.scope.region : f.scope.kind === 'tenant' ? f.scope.tenant : '') : -1;
    const order = units.map((_, i) => i).sort((a, b) => Number(b === faultUnitIdx) - Number(a === faultUnitIdx) || shares[a] - shares[b] || a - b);
    unitShares[s.name] = Object.fromEntries(order.map((i) => [units[i], shares[i]]));
    const weight = age < 0 ? 0 : weightAt(w, age);
    const state = age < 0 ? 'pending' : age >= stepsMinutes(w) ? 'promoted' : 'rolling';
    const exposure: Record<string, number> = {};
    order.forEach((i, r) => (exposure[units[i]] = state === 'promoted' ? 1 : Math.min(1, Math.max(0, weight * units.length - r))));
    if (state === 'rolling' && Object.values(exposure).every((x) => x === 0)) exposure[units[order[0]]] = weight;
    const tool = DEPLOY_TOOLS[rng.weighted([0.4, 0.2, 0.25, 0.15])];
    const ns = s.team.replace(/^team-/, 'team');
    const flagged = (id === svc.id && changeOf(w, dep).features.featureFlagged) || (id !== svc.id && rng.bernoulli(0.25));
    return {
      name: s.name,
      tool,
      namespace: ns,
      fromVersion: `v1.${40 + (id % 50)}.${rng.int(0, 9)}`,
      toVersion: `v1.${41 + (id % 50)}.0`,
      ...(tool === 'helm' ? { helmRevision: 1 + rng.int(3, 40) } : {}),
      state,
      unitKind,
      exposure,
      usesNewApiOf: uses.get(id)!.map((c) => topo.services[c].name),
      ...(flagged ? { flag: `${s.name}.new-path` } : {}),
    } satisfies ReleaseService;
  });

  const migrations: Migration[] = [];
  const newDataWritten: Record<string, boolean> = {};
  const breaksPrevious: Record<string, boolean> = {};
  const databases = new Set<string>();
  for (const [j, id] of ids.entries()) {
    const s = topo.services[id];
    const mine = id === svc.id ? changeOf(w, dep).features.schemaMigration : rng.bernoulli(0.15) ? 'reversible' : 'none';
    if (mine === 'none') continue;
    const db = databaseOf(w, s);
    databases.add(db);
    const mid = `${s.name}-${String(1000 + rng.int(0, 8999))}`;
    const irreversible = mine === 'irreversible';
    // Expand steps run before the new code; a contract step only once the new version serves everything.
    const ran = irreversible ? services[j].state === 'promoted' : services[j].state !== 'pending';
    const breaks = irreversible && rng.bernoulli(0.6);
    migrations.push({
      id: mid,
      service: s.name,
      database: db,
      phase: irreversible ? 'contract' : 'expand',
      reversibility: irreversible ? 'irreversible' : rng.bernoulli(0.35) ? 'leave-in-place' : 'reversible',
      tool: MIGRATION_TOOLS[rng.weighted([0.4, 0.35, 0.25])],
      backwardCompatible: !breaks,
      ran,
      fromVersion: `${200 + rng.int(0, 99)}`,
      toVersion: `${300 + rng.int(0, 99)}`,
    });
    breaksPrevious[mid] = breaks;
    // Rows land in the added columns as the new version writes: the longer it ran, the likelier a down meets them.
    const ranFor = Math.max(0, at - (dep.start + (j - k) * window));
    newDataWritten[mid] = ran && rng.bernoulli(1 - Math.exp(-ranFor / 45));
  }

  let corruption: ReleaseTruth['corruption'] = null;
  if (f.kind === 'data_corruption') {
    const db = databaseOf(w, svc);
    databases.add(db);
    corruption = { database: db, startedAtMin: onset - at, badPerMin: Math.max(0.5, rpm[svc.name] * Math.max(f.errorAdd, 0.002)) };
  }
  const backups: Backup[] = [...databases].sort().map((db) => {
    const pitr = rng.bernoulli(0.8);
    const snap = !pitr && rng.bernoulli(0.7);
    return { database: db, pitr, ...(pitr || snap ? { lastSnapshotAt: iso(atMs - Math.round(rng.uniform(60, 1440)) * 60_000) } : {}) };
  });
  const flags: Flag[] = services.filter((s) => s.flag).map((s) => ({ key: s.flag!, service: s.name, on: s.state !== 'pending' }));
  const flagGuarded = changeOf(w, dep).features.featureFlagged && rng.bernoulli(0.7);

  // What monitoring sees: the faulty service's symptom, or its callers' errors for a contract break; the unit when the
  // fault is confined and the dashboards split by it; now and then an unrelated service that is slow anyway.
  const faultUnit = f.scope.kind === 'region' ? f.scope.region : f.scope.kind === 'tenant' ? f.scope.tenant : null;
  const unitSeen = faultUnit !== null && rng.bernoulli(0.85) ? faultUnit : null;
  const since = iso(minuteToMs(w.calendar, Math.min(at, Math.round(onset))));
  const failing: Failing[] = [];
  const sig = (service: string, signal: Failing['signal']) => failing.push({ service, signal, since, ...(unitSeen ? { unit: unitSeen } : {}) });
  switch (f.kind) {
    case 'contract_break':
      for (const di of topo.callersOf[svc.id]) if (topo.dependencies[di].kind === 'sync') sig(topo.services[topo.dependencies[di].caller].name, 'errors');
      break;
    case 'latency_regression':
      sig(svc.name, 'latency');
      break;
    case 'kpi_drop':
      sig(svc.name, 'kpi');
      break;
    case 'data_corruption':
      sig(svc.name, 'data-integrity');
      sig(svc.name, 'errors');
      break;
    case 'memory_leak':
    case 'pool_exhaustion':
      sig(svc.name, 'saturation');
      sig(svc.name, 'errors');
      break;
    default:
      sig(svc.name, 'errors');
  }
  if (rng.bernoulli(0.1)) {
    const other = topo.services[rng.int(0, topo.services.length - 1)];
    if (!ids.includes(other.id)) failing.push({ service: other.name, signal: 'latency', since: iso(atMs - 3 * 60_000) });
  }

  const lt = localTime(w.calendar, at, svc.teamTzOffset);
  const offHours = lt.weekday >= 5 || w.calendar.holidayDays.has(lt.day) || lt.hour < 9 || lt.hour >= 18;
  const request: RollbackRequest = {
    deployment: dep.id,
    release: `rel-${dep.changeId}`,
    at: iso(atMs),
    offHours,
    services,
    migrations,
    flags,
    backups,
    failing,
    graph: {
      services: topo.services.map((s) => s.name),
      dependencies: topo.dependencies.map((d) => ({ caller: topo.services[d.caller].name, callee: topo.services[d.callee].name, kind: d.kind })),
    },
  };
  return {
    request,
    truth: {
      deployment: dep.id,
      kind: f.kind,
      faultService: svc.name,
      faultUnit,
      flagGuarded,
      faultBadPerMin: faultBadPerMin(w, dep),
      unitShares,
      rpm,
      corruption,
      newDataWritten,
      breaksPrevious,
      multiService: ids.length > 1,
      atMs,
    },
  };
}

function changeOf(w: World, dep: Deployment) {
  const c = w.changes.find((x) => x.id === dep.changeId);
  if (!c) throw new Error(`bug: deployment ${dep.id} has no change ${dep.changeId}`);
  return c;
}

const hasContractChange = (w: World, dep: Deployment) => changeOf(w, dep).features.apiContractChange;

/** The releases of every deployment of a world with a material fault, in deployment order. */
export function releasesOf(w: World, deployments: readonly Deployment[] = w.deployments): Release[] {
  const out: Release[] = [];
  for (const d of deployments) {
    const r = releaseFor(w, d);
    if (r) out.push(r);
  }
  return out;
}

/** The release as it stands before its deploy: nothing rolled out, no migration run, flags off, nothing failing. */
export function beforeDeploy(req: RollbackRequest): RollbackRequest {
  return {
    ...req,
    services: req.services.map((s) => ({ ...s, state: 'pending', exposure: Object.fromEntries(Object.keys(s.exposure).map((u) => [u, 0])) })),
    migrations: req.migrations.map((m) => ({ ...m, ran: false })),
    flags: req.flags.map((f) => ({ ...f, on: false })),
    failing: [],
  };
}
