// Deployment windows and multi-service schedules over HTTP (server/routes/deploy-windows.ts) through `app.inject`: ranked windows
// sorted by expected cost that never touch a freeze, a forecast that follows the traffic sent, determinism, schedules
// that respect contract order and coupling (checked by the independent checker), bad graphs named, and a property
// test of malformed bodies. A small risk champion is trained into a temp registry (the risk part of tiny-models.ts).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { throwMalformed } from './malformed.ts';
import { trainTinyModels } from './tiny-models.ts';
import { buildApp } from '../server/app.ts';
import { DEFAULT_PLAN_DEFAULTS } from '../server/deploy-planners.ts';
import { servePlanDefaults } from '../cli/serve-defaults.ts';

let app: FastifyInstance;

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), 'rolloutlab-server-windows-'));
  // The risk family on a 30-day world (test/tiny-models.ts, trained once per run).
  const models = await trainTinyModels(root, ['risk']);
  app = buildApp({ modelsRoot: models, rateLimit: false });
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object });

const HOUR = 3_600_000;
const READY = '2026-03-03T13:00:00Z'; // a Tuesday afternoon
/** Hourly request counts for `days` days ending at `end`, busiest at `peakHour` UTC, quietest 12 hours later. */
const hourly = (end: string, days: number, peakHour: number, base = 60_000): number[] => {
  const e = Date.parse(end);
  return Array.from({ length: days * 24 }, (_, i) => {
    const h = new Date(e - (days * 24 - i) * HOUR).getUTCHours();
    return Math.round(base * (1 + 0.9 * Math.cos((2 * Math.PI * (h - peakHour)) / 24)));
  });
};
const FEATURES = { lines_added: 120, lines_deleted: 30, files_changed: 4, tier: 'api', is_fix: false };
const windowsBody = (over: Record<string, unknown> = {}) => ({ service: 'checkout', readyAt: READY, horizonHours: 24, top: 10, features: FEATURES, traffic: { stepMinutes: 60, values: hourly(READY, 14, 15) }, ...over });
const hourOf = (iso: string) => new Date(iso).getUTCHours();
const W = 70; // the default scenario's rollout with bake, in minutes
const touches = (start: string, f: { start: string; end: string }) => Date.parse(start) < Date.parse(f.end) && Date.parse(start) + W * 60_000 > Date.parse(f.start);

describe('POST /v1/deploy/windows', () => {
  it('ranks windows by expected cost: a quiet night beats a busy afternoon, and the forecast follows the traffic sent', async () => {
    const r = await post('/v1/deploy/windows', windowsBody());
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json();
    expect(b.modelVersion).toBe('v0001');
    expect(b.readyAt).toBe('2026-03-03T13:00:00.000Z');
    expect(b.rolloutMinutes).toBe(W);
    expect(b.candidates).toBe(24 * 4 + 1);
    expect(b.frozenCandidates).toBe(0);
    expect(b.ranked).toHaveLength(10);
    for (let i = 1; i < b.ranked.length; i++) expect(b.ranked[i].expectedCost).toBeGreaterThanOrEqual(b.ranked[i - 1].expectedCost);
    expect(b.whenReady.start).toBe('2026-03-03T13:00:00.000Z');
    expect(b.ranked[0].expectedCost).toBeLessThan(b.whenReady.expectedCost / 3);
    expect(b.ranked[0].reasons).toHaveLength(3);
    expect(b.ranked[0].explanation).toMatch(/^Deploy \w{3} \d{4}-\d\d-\d\d \d\d:\d\d UTC \(risk 0\.\d\d/);
    expect(b.imputed).toContain('hours_since_last_deploy');
    // Traffic busiest at 15:00 UTC: the best start is in the night (rollout in the quiet hours).
    expect([22, 23, 0, 1, 2, 3, 4, 5]).toContain(hourOf(b.ranked[0].start));
    // The same change with the traffic turned around (busiest at 03:00 UTC): the best start moves into the day.
    const inv = (await post('/v1/deploy/windows', windowsBody({ traffic: { stepMinutes: 60, values: hourly(READY, 14, 3) } }))).json();
    expect([10, 11, 12, 13, 14, 15, 16, 17, 18]).toContain(hourOf(inv.ranked[0].start));
    expect(inv.ranked[0].forecastRequests).toBeLessThan(b.whenReady.forecastRequests);
  });

  it('a team can limit the hours: every offered rollout lies inside allowedHours (team local time) and outside forbiddenHours; thin on-call cover is flagged for approval', async () => {
    // Unconstrained, the cheapest starts are in the night, where the cover is thin: each says it needs approval.
    const free = (await post('/v1/deploy/windows', windowsBody({ top: 40 }))).json();
    expect(free.allowedHours).toBeNull();
    expect(free.outsideAllowedCandidates).toBe(0);
    expect(free.approvalBelowCover).toBe(0.5);
    expect(free.ranked.some((w: { needsApproval: boolean }) => w.needsApproval)).toBe(true);
    for (const w of [...free.ranked, free.whenReady]) {
      expect(w.needsApproval, w.start).toBe(w.onCallCover < 0.5);
      expect(/needs a human's approval/.test(w.explanation), w.start).toBe(w.needsApproval);
      expect(Date.parse(w.end) - Date.parse(w.start)).toBe(W * 60_000);
      // Plain words for what the timing changes, never the model's feature names.
      expect(w.explanation).not.toMatch(/hour_sin|hour_cos|oncall_cover|load_at_start|forecast_peak_load|hours_since_last_deploy/);
      for (const f of w.factors) expect(['time of day', 'weekend', 'on-call cover', 'traffic at the start', "last week's peak traffic at this time", "time since the service's last deploy"]).toContain(f.factor);
    }
    // Allowed 09-17 in the team's time zone (UTC+2): start and end of every offered rollout inside, the same day.
    const r = await post('/v1/deploy/windows', windowsBody({ top: 100, allowedHours: [{ from: 9, to: 17 }], onCall: { utcOffsetHours: 2 } }));
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json();
    expect(b.allowedHours).toBe('09:00-17:00 team local time (UTC+2)');
    expect(b.outsideAllowedCandidates).toBeGreaterThan(50);
    expect(b.ranked.length).toBe(b.candidates - b.frozenCandidates - b.outsideAllowedCandidates);
    const local = (iso: string) => new Date(Date.parse(iso) + 2 * HOUR);
    for (const w of [...b.ranked, b.whenReady]) {
      const [s, e] = [local(w.start), local(w.end)];
      expect(s.getUTCHours(), w.start).toBeGreaterThanOrEqual(9);
      expect(e.getUTCHours() * 60 + e.getUTCMinutes(), w.end).toBeLessThanOrEqual(17 * 60);
      expect(e.getUTCDate()).toBe(s.getUTCDate());
      expect(w.needsApproval).toBe(w.onCallCover < 0.5);
    }
    // Forbidden 22-7 UTC, and a stricter approval threshold.
    const n = (await post('/v1/deploy/windows', windowsBody({ top: 100, forbiddenHours: [{ from: 22, to: 7 }], approvalBelowCover: 0.9 }))).json();
    for (const w of n.ranked) {
      for (let t = Date.parse(w.start); t < Date.parse(w.end); t += 60_000) expect([22, 23, 0, 1, 2, 3, 4, 5, 6], w.start).not.toContain(new Date(t).getUTCHours());
      expect(w.needsApproval).toBe(w.onCallCover < 0.9);
    }
    // No allowed start within the horizon: 422 naming allowedHours; a bad hour range: 400 naming the field.
    const none = await post('/v1/deploy/windows', windowsBody({ horizonHours: 2, allowedHours: [{ from: 2, to: 3 }] }));
    expect(none.statusCode, none.body).toBe(422);
    expect(none.json().error).toMatchObject({ code: 'NO_FEASIBLE_WINDOW', field: 'body.allowedHours' });
    for (const bad of [[{ from: 9, to: 25 }], [{ from: 9, to: 17, tz: 'CET' }], [{ from: 9 }], []]) {
      const x = await post('/v1/deploy/windows', windowsBody({ allowedHours: bad }));
      expect(x.statusCode, JSON.stringify(bad)).toBe(400);
      expect(x.json().error.field, JSON.stringify(bad)).toMatch(/allowedHours/);
    }
  });

  it('never offers a start whose rollout touches a freeze: a freeze over the cheapest night is skipped', async () => {
    const b = (await post('/v1/deploy/windows', windowsBody())).json();
    const best = Date.parse(b.ranked[0].start);
    const freeze = { start: new Date(best - 2 * HOUR).toISOString(), end: new Date(best + 2 * HOUR).toISOString(), reason: 'night maintenance' };
    const r = await post('/v1/deploy/windows', windowsBody({ freezes: [freeze], top: 100 }));
    expect(r.statusCode, r.body).toBe(200);
    const f = r.json();
    expect(f.frozenCandidates).toBeGreaterThan(16);
    expect(f.ranked.length).toBe(f.candidates - f.frozenCandidates);
    for (const w of f.ranked) expect(touches(w.start, freeze), w.start).toBe(false);
    expect(f.ranked[0].start).not.toBe(b.ranked[0].start);
    expect(f.ranked[0].expectedCost).toBeGreaterThanOrEqual(b.ranked[0].expectedCost);
    // A freeze over readyAt: "when ready" is the first start after it.
    const now = { start: '2026-03-03T12:00:00Z', end: '2026-03-03T15:00:00Z' };
    const g = (await post('/v1/deploy/windows', windowsBody({ freezes: [now] }))).json();
    expect(g.whenReady.start).toBe('2026-03-03T15:00:00.000Z');
    // Every start frozen: 422 naming the freezes.
    const all = await post('/v1/deploy/windows', windowsBody({ freezes: [{ start: '2026-03-03T00:00:00Z', end: '2026-03-05T00:00:00Z' }] }));
    expect(all.statusCode).toBe(422);
    expect(all.json().error).toMatchObject({ code: 'NO_FEASIBLE_WINDOW', field: 'body.freezes' });
  });

  it('is deterministic, takes per-minute traffic too, and uses the on-call cover and the last deploy sent', async () => {
    const a = await post('/v1/deploy/windows', windowsBody());
    const b = await post('/v1/deploy/windows', windowsBody());
    expect(a.body).toBe(b.body);
    // The same traffic per minute (each hour spread evenly): the same ranking.
    const perMinute = hourly(READY, 7, 15).flatMap((v) => Array.from({ length: 60 }, () => v / 60));
    const m = (await post('/v1/deploy/windows', windowsBody({ traffic: { stepMinutes: 1, values: perMinute } }))).json();
    const h = (await post('/v1/deploy/windows', windowsBody({ traffic: { stepMinutes: 60, values: hourly(READY, 7, 15) } }))).json();
    expect(m.ranked.map((x: { start: string }) => x.start)).toEqual(h.ranked.map((x: { start: string }) => x.start));
    // Full cover around the clock, in a team 9 hours ahead of UTC, and a known last deploy.
    const c = (await post('/v1/deploy/windows', windowsBody({ onCall: { utcOffsetHours: 9, night: 1, evening: 1, weekend: 1, holiday: 1 }, lastDeployAt: '2026-03-02T10:00:00Z' }))).json();
    for (const w of c.ranked) expect(w.onCallCover).toBe(1);
    expect(c.imputed).not.toContain('hours_since_last_deploy');
    // Traffic that ends before readyAt is forecast forward.
    const early = await post('/v1/deploy/windows', windowsBody({ traffic: { stepMinutes: 60, values: hourly('2026-03-03T09:00:00Z', 8, 15), endsAt: '2026-03-03T09:00:00Z' } }));
    expect(early.statusCode, early.body).toBe(200);
  });

  it('names the field of bad input: short traffic, time features, unknown features, bad freezes; 503 without a risk champion', async () => {
    const short = (await post('/v1/deploy/windows', windowsBody({ traffic: { stepMinutes: 60, values: hourly(READY, 6, 15) } }))).json().error;
    expect(short.field).toBe('body.traffic.values');
    expect(short.message).toMatch(/at least 7 days/);
    expect((await post('/v1/deploy/windows', windowsBody({ features: { ...FEATURES, hour_sin: 0.5 } }))).json().error).toMatchObject({ field: 'body.features.hour_sin' });
    expect((await post('/v1/deploy/windows', windowsBody({ features: { linez: 1 } }))).json().error.field).toBe('body.features.linez');
    expect((await post('/v1/deploy/windows', windowsBody({ features: { tier: 'gold' } }))).json().error.field).toBe('body.features.tier');
    expect((await post('/v1/deploy/windows', windowsBody({ freezes: [{ start: '2026-03-04T00:00:00Z', end: '2026-03-03T00:00:00Z' }] }))).json().error.field).toBe('body.freezes[0].end');
    expect((await post('/v1/deploy/windows', windowsBody({ readyAt: 'tomorrow' }))).json().error.field).toBe('body.readyAt');
    const late = (await post('/v1/deploy/windows', windowsBody({ traffic: { stepMinutes: 60, values: hourly(READY, 7, 15), endsAt: '2026-03-03T14:00:00Z' } }))).json().error;
    expect(late.field).toBe('body.traffic.endsAt');
    const empty = buildApp({ modelsRoot: mkdtempSync(join(tmpdir(), 'rolloutlab-empty-')), rateLimit: false });
    const r = await empty.inject({ method: 'POST', url: '/v1/deploy/windows', payload: windowsBody() });
    expect(r.statusCode).toBe(503);
    expect(r.json().error).toMatchObject({ code: 'MODEL_UNAVAILABLE' });
    expect(r.json().error.message).toMatch(/no risk champion/);
    await empty.close();
  });
});

const svc = (peakHour: number) => ({ traffic: { stepMinutes: 60, values: hourly(READY, 14, peakHour) } });
const scheduleBody = (over: Record<string, unknown> = {}) => ({
  services: { users: svc(15), orders: svc(15), billing: svc(14) },
  changes: [
    { id: 'o1', service: 'orders', readyAt: READY, features: FEATURES },
    { id: 'u1', service: 'users', readyAt: READY, features: { ...FEATURES, lines_added: 800 }, apiContractChange: true },
    { id: 'o2', service: 'orders', readyAt: READY, features: { ...FEATURES, lines_added: 10 } },
    { id: 'b1', service: 'billing', readyAt: READY, features: FEATURES },
  ],
  dependencies: [
    { caller: 'orders', callee: 'users' },
    { caller: 'orders', callee: 'billing' },
  ],
  horizonHours: 48,
  ...over,
});

describe('POST /v1/deploy/schedule', () => {
  it('a callee with an API contract change finishes before its caller starts; coupled services never overlap; no violations', async () => {
    const r = await post('/v1/deploy/schedule', scheduleBody());
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json();
    expect(b.violations).toEqual([]);
    expect(b.changes.map((c: { id: string }) => c.id)).toEqual(['o1', 'u1', 'o2', 'b1']);
    const at = Object.fromEntries(b.changes.map((c: { id: string; start: string; end: string }) => [c.id, { s: Date.parse(c.start), e: Date.parse(c.end) }]));
    for (const c of Object.values(at) as { s: number; e: number }[]) expect(c.e - c.s).toBe(W * 60_000);
    // Contract order: users' change is done before either orders change starts.
    expect(at.u1.e).toBeLessThanOrEqual(at.o1.s);
    expect(at.u1.e).toBeLessThanOrEqual(at.o2.s);
    // Coupled pairs never overlap: the two orders changes, and orders with billing.
    const apart = (x: { s: number; e: number }, y: { s: number; e: number }) => x.e <= y.s || y.e <= x.s;
    for (const [x, y] of [['o1', 'o2'], ['o1', 'b1'], ['o2', 'b1'], ['o1', 'u1'], ['o2', 'u1']]) expect(apart(at[x], at[y]), `${x} ${y}`).toBe(true);
    expect(b.totalExpectedCost).toBeCloseTo(b.changes.reduce((a: number, c: { expectedCost: number }) => a + c.expectedCost, 0), 6);
    expect(b.totalExpectedCost).toBeLessThan(b.whenReadyCost);
    expect(b.order).toHaveLength(4);
    const rank = (id: string) => b.order.findIndex((l: string) => new RegExp(`^\\d+\\. ${id} on `).test(l));
    expect(rank('u1')).toBeLessThan(rank('o1'));
    expect(rank('u1')).toBeLessThan(rank('o2'));
    expect(b.changes.find((c: { id: string }) => c.id === 'o1').explanation).toMatch(/after u1 \(API contract change on users, which orders calls\)/);
    // Deterministic.
    expect((await post('/v1/deploy/schedule', scheduleBody())).body).toBe(r.body);
  });

  it('allowedHours holds for every change of a batch (each in its team\'s time zone), and each change says whether it needs approval', async () => {
    const r = await post('/v1/deploy/schedule', scheduleBody({ allowedHours: [{ from: 9, to: 17 }] }));
    expect(r.statusCode, r.body).toBe(200);
    const b = r.json();
    expect(b.violations).toEqual([]);
    for (const c of b.changes) {
      const [s, e] = [new Date(c.start), new Date(c.end)];
      expect(s.getUTCHours(), c.id).toBeGreaterThanOrEqual(9);
      expect(e.getUTCHours() * 60 + e.getUTCMinutes(), c.id).toBeLessThanOrEqual(17 * 60);
      expect(typeof c.needsApproval).toBe('boolean');
    }
    const none = await post('/v1/deploy/schedule', scheduleBody({ horizonHours: 1, allowedHours: [{ from: 3, to: 4 }] }));
    expect(none.statusCode, none.body).toBe(422);
    expect(none.json().error.field).toBe('body.allowedHours');
  });

  it('rejects cycles, unknown services, duplicate ids and conflicting contract flags, naming the field', async () => {
    const cyc = await post('/v1/deploy/schedule', scheduleBody({ dependencies: [{ caller: 'orders', callee: 'users' }, { caller: 'users', callee: 'billing' }, { caller: 'billing', callee: 'orders' }] }));
    expect(cyc.statusCode).toBe(400);
    expect(cyc.json().error.field).toBe('body.dependencies');
    expect(cyc.json().error.message).toMatch(/cycle: .* → .* → .* → /);
    expect((await post('/v1/deploy/schedule', scheduleBody({ dependencies: [{ caller: 'orders', callee: 'orders' }] }))).json().error.field).toBe('body.dependencies');
    expect((await post('/v1/deploy/schedule', scheduleBody({ dependencies: [{ caller: 'orders', callee: 'payments' }] }))).json().error.field).toBe('body.dependencies[0].callee');
    const b = scheduleBody();
    expect((await post('/v1/deploy/schedule', { ...b, changes: [...b.changes, { id: 'p1', service: 'payments', readyAt: READY, features: FEATURES }] })).json().error.field).toBe('body.changes[4].service');
    expect((await post('/v1/deploy/schedule', { ...b, changes: [...b.changes, { ...b.changes[0] }] })).json().error.field).toBe('body.changes[4].id');
    const conflict = { ...b, changes: [{ ...b.changes[1], features: { ...FEATURES, api_contract_change: false } }] };
    expect((await post('/v1/deploy/schedule', conflict)).json().error.field).toBe('body.changes[0].apiContractChange');
    const short = { ...b, services: { ...b.services, billing: { traffic: { stepMinutes: 60, values: [1, 2, 3] } } } };
    expect((await post('/v1/deploy/schedule', short)).json().error.field).toBe('body.services.billing.traffic.values');
  });
});

describe('malformed bodies (property)', () => {
  // Daily values (the fewest a week allows), so that most mutations hit the other fields.
  const small = (peak: number) => ({ stepMinutes: 1440, values: [9, 8, 9, 10, 9, 4, 3].map((v) => v * 1000 + peak) });
  const valid: Record<string, unknown> = {
    '/v1/deploy/windows': { service: 'api', readyAt: READY, horizonHours: 12, stepMinutes: 30, top: 3, rolloutMinutes: 60, features: { lines_added: 10, is_fix: true, tier: 'api' }, traffic: small(15), freezes: [{ start: '2026-03-03T20:00:00Z', end: '2026-03-03T22:00:00Z' }], onCall: { utcOffsetHours: 1, night: 0.2, holidays: ['2026-03-04'] }, lastDeployAt: '2026-03-02T10:00:00Z' },
    '/v1/deploy/schedule': {
      services: { a: { traffic: small(15), lastDeployAt: '2026-03-02T10:00:00Z' }, b: { traffic: small(3), onCall: { night: 0.5 } } },
      changes: [{ id: 'x', service: 'a', readyAt: READY, features: { lines_added: 10 }, apiContractChange: true }, { id: 'y', service: 'b', readyAt: READY, features: { tier: 'api' } }],
      dependencies: [{ caller: 'b', callee: 'a' }],
      horizonHours: 12,
      stepMinutes: 30,
      freezes: [{ start: '2026-03-03T20:00:00Z', end: '2026-03-03T22:00:00Z' }],
    },
  };

  it.each(Object.keys(valid))('%s: zero 5xx over 400 malformed bodies; every 4xx names a field and the problem', async (url) => {
    expect((await post(url, valid[url])).statusCode).toBe(200);
    const { runs, rejected } = await throwMalformed(app, url, valid[url], 400, 9);
    expect(runs).toBeGreaterThanOrEqual(400);
    expect(rejected).toBeGreaterThan(300);
  }, 120_000);

  it('risk features outside their range are refused as POST /v1/risk/score refuses them, naming the field', async () => {
    for (const url of Object.keys(valid)) {
      const body = JSON.parse(JSON.stringify(valid[url]));
      const features = url === '/v1/deploy/windows' ? body.features : body.changes[0].features;
      features.lines_added = -5;
      const r = await post(url, body);
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().error.field).toMatch(/(^body|changes\[0\])\.features\.lines_added$/);
      expect(r.json().error.message).toMatch(/not a non-negative integer/);
    }
  });

  it('well-formed bodies with extreme traffic, features and freezes get 200 (or 422 when every start is frozen), never 5xx, and never a frozen start', async () => {
    const t0 = Date.parse(READY);
    const at = (min: number) => new Date(t0 + min * 60_000).toISOString();
    const value = fc.oneof(fc.constant(0), fc.constant(null), fc.integer({ min: 0, max: 1e6 }), fc.double({ min: 0, max: 1e12, noNaN: true }));
    const freeze = fc.tuple(fc.integer({ min: -600, max: 3000 }), fc.integer({ min: 1, max: 1500 })).map(([s, d]) => ({ start: at(s), end: at(s + d) }));
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          step: fc.constantFrom(60, 120, 1440),
          extra: fc.integer({ min: 0, max: 48 }),
          values: fc.array(value, { minLength: 1, maxLength: 30 }),
          freezes: fc.array(freeze, { maxLength: 3 }),
          lines: fc.integer({ min: 0, max: 1e9 }), // a count: a fractional one is a 400 (docs/risk.md "Feature ranges")
          coverage: fc.double({ min: 0, max: 1, noNaN: true }),
          rollout: fc.integer({ min: 1, max: 2880 }),
          horizon: fc.integer({ min: 1, max: 96 }),
        }),
        async (x) => {
          const n = Math.ceil((7 * 1440) / x.step) + x.extra;
          // Gaps (null) anywhere but the last days, which the forecaster's level needs.
          const values = Array.from({ length: n }, (_, i) => x.values[i % x.values.length] ?? (i < n / 2 ? null : 0));
          const r = await post('/v1/deploy/windows', { service: 's', readyAt: READY, horizonHours: x.horizon, stepMinutes: 60, rolloutMinutes: x.rollout, features: { lines_added: x.lines, test_coverage: x.coverage }, traffic: { stepMinutes: x.step, values }, freezes: x.freezes });
          expect([200, 422], r.body).toContain(r.statusCode);
          if (r.statusCode === 422) return;
          for (const w of r.json().ranked) for (const f of x.freezes) expect(Date.parse(w.start) < Date.parse(f.end) && Date.parse(w.start) + x.rollout * 60_000 > Date.parse(f.start)).toBe(false);
        },
      ),
      { numRuns: 150, seed: 10 },
    );
  }, 120_000);
});

describe('planning defaults', () => {
  it('the defaults an app gets without planDefaults are the default scenario\'s, which rolloutlab serve passes', () => {
    expect(DEFAULT_PLAN_DEFAULTS).toEqual(servePlanDefaults());
  });
});
