// Rollback plans and drills: the plan's closed schema, the order across services, granular reverts, plans that never
// invent a command, bad requests, the route answering what the planner plans, and the drill's measures.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { loadScenario } from '../sim/index.ts';
import { RollbackRequestSchema, type RollbackRequest } from '../sim/release/index.ts';
import { planRollback, RollbackPlanSchema, ROLLBACK_PLANNERS } from '../policies/rollback-plan/index.ts';
import { drillReleases, executePlan, runDrill } from '../backtest/drill.ts';
import { buildApp } from '../server/app.ts';
import { inProcess } from './in-process.ts';

const base = (): RollbackRequest => ({
  deployment: 'dep-1',
  at: '2026-03-04T10:00:00Z',
  services: [
    { name: 'svc-orders', tool: 'argo-rollouts', namespace: 'shop', fromVersion: 'v1.2.0', toVersion: 'v1.3.0', state: 'promoted', unitKind: 'all', exposure: { all: 1 }, usesNewApiOf: [] },
    { name: 'api-cart', tool: 'helm', namespace: 'shop', fromVersion: 'v2.0.0', toVersion: 'v2.1.0', helmRevision: 7, state: 'promoted', unitKind: 'all', exposure: { all: 1 }, usesNewApiOf: ['svc-orders'] },
    { name: 'gw-web', tool: 'kubectl', namespace: 'edge', fromVersion: 'v9', toVersion: 'v10', state: 'rolling', unitKind: 'region', exposure: { 'eu-west': 1, 'us-east': 0.2 }, usesNewApiOf: [] },
  ],
  migrations: [],
  flags: [],
  backups: [],
  failing: [{ service: 'svc-orders', signal: 'errors' }],
  graph: {
    services: ['gw-web', 'api-cart', 'svc-orders', 'db-orders'],
    dependencies: [
      { caller: 'gw-web', callee: 'api-cart', kind: 'sync' },
      { caller: 'api-cart', callee: 'svc-orders', kind: 'sync' },
      { caller: 'svc-orders', callee: 'db-orders', kind: 'sync' },
    ],
  },
});

describe('the planner', () => {
  it('reverts a caller of the suspect’s new API before the suspect, and leaves unrelated services alone', () => {
    const p = planRollback(base());
    expect(Value.Check(RollbackPlanSchema, p)).toBe(true);
    expect(p.suspects.map((s) => s.service)).toEqual(['svc-orders']);
    const rev = (svc: string) => p.steps.find((s) => s.kind === 'revert' && s.service === svc);
    const cart = rev('api-cart')!;
    const orders = rev('svc-orders')!;
    expect(cart).toBeDefined();
    expect(orders.after).toContain(cart.id);
    expect(p.steps.some((s) => s.service === 'gw-web')).toBe(false);
    expect(cart.command).toBe('helm rollback api-cart 7 -n shop --wait --timeout 5m');
    expect(cart.onFailure.fallback?.command).toContain('kubectl rollout undo deployment/api-cart');
    expect(orders.command).toContain('kubectl argo rollouts undo svc-orders -n shop');
  });

  it('revert-all reverts everything at once (and so breaks the contract order in the drill)', () => {
    const p = planRollback(base(), 'revert-all');
    expect(p.steps.filter((s) => s.kind === 'revert').every((s) => s.after.length === 0)).toBe(true);
    expect(p.steps.filter((s) => s.kind === 'revert').map((s) => s.service).sort()).toEqual(['api-cart', 'gw-web', 'svc-orders']);
  });

  it('rolls back only the region at fault, with a whole-service fallback when the check still fails', () => {
    const r = base();
    r.failing = [{ service: 'gw-web', unit: 'eu-west', signal: 'errors' }];
    const p = planRollback(r);
    const rev = p.steps.find((s) => s.kind === 'revert' && s.service === 'gw-web')!;
    expect(rev.unit).toBe('eu-west');
    expect(rev.command).toContain('--context eu-west');
    const verify = p.steps.find((s) => s.kind === 'verify' && s.service === 'gw-web')!;
    expect(verify.onFailure.action).toBe('fallback');
    expect(verify.onFailure.fallback?.unit).toBeUndefined();
  });

  it('never invents a command: an irreversible migration the old version cannot read, without a backup, is a roll forward by hand and an escalation', () => {
    const r = base();
    r.migrations = [{ id: 'm1', service: 'svc-orders', database: 'db-orders', phase: 'contract', reversibility: 'irreversible', tool: 'atlas', backwardCompatible: false, ran: true, fromVersion: '10', toVersion: '11' }];
    const p = planRollback(r);
    expect(p.steps.some((s) => s.kind === 'revert' && s.service === 'svc-orders')).toBe(false);
    const rf = p.steps.find((s) => s.kind === 'roll-forward')!;
    expect(rf.command).toBeNull();
    expect(rf.manual).toBe(true);
    expect(rf.needsApproval).toBe(true);
    expect(p.escalations.join(' ')).toMatch(/no backup/);
  });

  it('adds the down of a reversible migration once the code is back, and a restore after a freeze for corrupt data', () => {
    const r = base();
    r.migrations = [{ id: 'm2', service: 'svc-orders', database: 'db-orders', phase: 'expand', reversibility: 'reversible', tool: 'flyway', backwardCompatible: true, ran: true, fromVersion: '10', toVersion: '11' }];
    r.backups = [{ database: 'db-orders', pitr: true }];
    r.failing.push({ service: 'svc-orders', signal: 'data-integrity', since: '2026-03-04T09:40:00Z' });
    const p = planRollback(r);
    const down = p.steps.find((s) => s.kind === 'migration-down')!;
    expect(down.command).toContain('undo -target=10');
    const verify = p.steps.find((s) => s.kind === 'verify' && s.service === 'svc-orders')!;
    expect(down.after).toContain(verify.id);
    const freeze = p.steps.find((s) => s.kind === 'freeze-writes')!;
    const restore = p.steps.find((s) => s.kind === 'restore')!;
    expect(restore.after).toContain(freeze.id);
    expect(restore.restoreTo).toBe('2026-03-04T09:35:00.000Z');
    expect(restore.needsApproval).toBe(true);
    expect(p.steps.some((s) => s.kind === 'invalidate-cache' && s.after.includes(restore.id))).toBe(true);
    // The same state, before the migration ran, has no down.
    r.migrations[0].ran = false;
    expect(planRollback(r).steps.some((s) => s.kind === 'migration-down')).toBe(false);
  });

  it('before the deploy, prepares the worst-case plan and says what the release needs', () => {
    const r = base();
    for (const s of r.services) {
      s.state = 'pending';
      s.exposure = Object.fromEntries(Object.keys(s.exposure).map((u) => [u, 0]));
    }
    r.failing = [];
    r.migrations = [{ id: 'm3', service: 'svc-orders', database: 'db-orders', phase: 'contract', reversibility: 'irreversible', tool: 'liquibase', backwardCompatible: false, ran: false, fromVersion: '10', toVersion: '11' }];
    const p = planRollback(r);
    expect(p.prepared).toBe(true);
    expect(p.steps.filter((s) => s.kind === 'revert' || s.kind === 'roll-forward').map((s) => s.service).sort()).toEqual(['api-cart', 'gw-web', 'svc-orders']);
    expect(p.requirements.join('\n')).toMatch(/db-orders: no backup/);
    expect(p.requirements.join('\n')).toMatch(/m3 .* own contract release/);
    expect(planRollback(base()).prepared).toBe(false);
  });

  it('refuses an unknown service, a cyclic contract dependency and a promoted rollout that is not at 100 %, naming the field', () => {
    const unknown = base();
    unknown.failing = [{ service: 'svc-nope', signal: 'errors' }];
    expect(() => planRollback(unknown)).toThrow(/failing\[0\]\.service: unknown service "svc-nope"/);
    const cyc = base();
    cyc.services[0].usesNewApiOf = ['api-cart'];
    expect(() => planRollback(cyc)).toThrow(/cyclic contract dependency/);
    const half = base();
    half.services[0].exposure = { all: 0.5 };
    expect(() => planRollback(half)).toThrow(/services\[0\]\.exposure/);
  });
});

describe('the drill', () => {
  const s = loadScenario('default');
  it('gives plans and requests that fit their closed schemas, and is deterministic', () => {
    const rels = drillReleases(s, 3, 150);
    expect(rels.length).toBeGreaterThan(10);
    for (const { release } of rels) {
      expect(Value.Check(RollbackRequestSchema, release.request)).toBe(true);
      for (const p of ROLLBACK_PLANNERS) expect(Value.Check(RollbackPlanSchema, planRollback(release.request, p))).toBe(true);
    }
    const { release, seed } = rels[0];
    const plan = planRollback(release.request);
    expect(executePlan(plan, release, seed)).toEqual(executePlan(plan, release, seed));
  });

  it('planned recovers at least what the baselines do, without order violations, and mitigates corruption revert-all leaves', () => {
    const r = runDrill({ scenario: s, scenarioName: 'default', seed: 3, deployments: 300 });
    const p = r.planners.planned;
    expect(p.orderViolations).toBe(0);
    expect(p.recovered).toBeGreaterThanOrEqual(r.planners['revert-all'].recovered);
    expect(p.recovered).toBeGreaterThanOrEqual(r.planners.abort.recovered);
    expect(p.residualBadRequests).toBeLessThan(r.planners['revert-all'].residualBadRequests);
    if (r.dataCorruptions > 0) expect(r.planners['revert-all'].dataCorruptionMitigated ?? 0).toBe(0);
  });
});

describe('where teams use it', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rollback-plan-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('POST /v1/rollback/plan answers the planner’s plan; bad bodies are 400 naming the field', async () => {
    const app = buildApp({ rateLimit: false, planThreads: 0, modelsRoot: dir });
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/rollback/plan', payload: base() });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual(JSON.parse(JSON.stringify(planRollback(base()))));
      const all = await app.inject({ method: 'POST', url: '/v1/rollback/plan?planner=revert-all', payload: base() });
      expect(all.json().planner).toBe('revert-all');
      const extra = await app.inject({ method: 'POST', url: '/v1/rollback/plan', payload: { ...base(), surprise: 1 } });
      expect(extra.statusCode).toBe(400);
      const cyc = base();
      cyc.services[0].usesNewApiOf = ['api-cart'];
      const bad = await app.inject({ method: 'POST', url: '/v1/rollback/plan', payload: cyc });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.field).toBe('body.services[0].usesNewApiOf');
    } finally {
      await app.close();
    }
  });

  it('steps needing approval wait for POST /v1/approvals: the plan registers them, and says when they are approved', async () => {
    const app = buildApp({ rateLimit: false, planThreads: 0, modelsRoot: dir, token: 't0k3n' });
    try {
      const r = base();
      r.offHours = true;
      r.backups = [{ database: 'db-orders', pitr: true }];
      r.failing.push({ service: 'svc-orders', signal: 'data-integrity', since: '2026-03-04T09:40:00Z' });
      const first = (await app.inject({ method: 'POST', url: '/v1/rollback/plan', payload: r })).json();
      const restore = first.steps.find((s: { kind: string }) => s.kind === 'restore');
      expect(restore.approvalKey).toBe('restore:db-orders');
      expect(first.approvals).toContainEqual({ step: restore.id, key: 'restore:db-orders', status: 'pending' });
      const pending = (await app.inject({ method: 'GET', url: '/v1/approvals?deployment=dep-1' })).json().pending;
      expect(pending.map((p: { step: string }) => p.step)).toContain('restore:db-orders');
      const ok = await app.inject({ method: 'POST', url: '/v1/approvals', headers: { authorization: 'Bearer t0k3n' }, payload: { deployment: 'dep-1', step: 'restore:db-orders', by: 'dba-on-call', reason: 'restore reviewed' } });
      expect(ok.statusCode).toBe(201);
      const again = (await app.inject({ method: 'POST', url: '/v1/rollback/plan', payload: r })).json();
      expect(again.approvals).toContainEqual(expect.objectContaining({ key: 'restore:db-orders', status: 'granted', by: 'dba-on-call' }));
    } finally {
      await app.close();
    }
  });

  it('plan rollback reads a deployment description file; a bad one exits 2 naming the field', async () => {
    const f = join(dir, 'req.json');
    writeFileSync(f, JSON.stringify(base()));
    const ok = await inProcess(['plan', 'rollback', '--from', f, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual(JSON.parse(JSON.stringify(planRollback(base()))));
    const text = await inProcess(['plan', 'rollback', '--from', f]);
    expect(text.stdout).toMatch(/ 1\. notify/);
    expect(text.stdout).toMatch(/run: +helm rollback api-cart 7/);
    writeFileSync(f, JSON.stringify({ ...base(), services: [{ ...base().services[0], tool: 'ansible' }] }));
    const bad = await inProcess(['plan', 'rollback', '--from', f]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/services\[0\]\.tool/);
    const none = await inProcess(['plan', 'rollback']);
    expect(none.code).toBe(1);
  });

  it('drill --json prints the eight measures per planner', async () => {
    const r = await inProcess(['drill', '--seed', '5', '--deployments', '120', '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j.planners)).toEqual(['planned', 'revert-all', 'abort']);
    for (const p of Object.values(j.planners) as Record<string, unknown>[]) {
      for (const k of ['recovered', 'dataCorruptionMitigated', 'orderViolations', 'medianTimeToRecoverMin', 'residualBadRequests', 'dataLossMinutes', 'stepsFailed', 'escalations']) expect(p).toHaveProperty(k);
      expect(p.recovered as number).toBeGreaterThanOrEqual(0);
      expect(p.recovered as number).toBeLessThanOrEqual(1);
    }
  });
});
