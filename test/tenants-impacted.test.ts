// Tenants impacted and customer-minutes exposed (docs/definitions.md#tenants-impacted): on a hand-built world of one
// service and three tenants (and one with a sync caller) where both are known, then on the simulated default world
// (the tenant split adds up to the blast radius; a rollback earlier never raises either).
import { describe, it, expect, beforeAll } from 'vitest';
import { loadScenario, simulateWorld, type World } from '../sim/index.ts';
import { RolloutEnv, scheduleAction, type EnvWorld, type EpisodeOutcome, type EnvState } from '../sim/env.ts';
import { planFor, parseStrategy, scenarioStrategy, type Strategy } from '../sim/strategy.ts';
import type { Fault } from '../sim/faults.ts';
import type { Service, Topology } from '../sim/topology.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import { RolloutlabError } from '../lib/errors.ts';

const TENANTS = ['acme', 'globex', 'initech'];
const SHARES = [0.5, 0.3, 0.2];
const MINUTES = 2000;

function service(id: number, name: string): Service {
  return {
    id, name, tier: 'api', team: 'team-001', teamTzOffset: 0, regions: ['us-east', 'eu-west'], regionShares: [0.6, 0.4], tenantShares: [...SHARES],
    externalRpm: 10_000, tzWeights: [1], phaseShiftHours: 0, baseErrorRate: 0.001, latencyMedianMs: 30, latencySigma: 0.5, latencyObjectiveMs: 200,
    baseSlowShare: 0.001, coverageBase: 0.8, conversionRate: 0.03,
  };
}

/** One service (or a caller and its callee) at a steady 10,000 requests a minute, no incidents, no scrape gaps. */
function tinyWorld(withCaller: boolean): EnvWorld {
  const scenario: Scenario = structuredClone(loadScenario('default'));
  scenario.topology.tenants = [...TENANTS];
  scenario.observability.scrapeGapRate = 0;
  scenario.observability.providerErrorRate = 0;
  const services = withCaller ? [service(0, 'gw-front'), service(1, 'api-orders')] : [service(0, 'api-orders')];
  const topology: Topology = withCaller
    ? { services, dependencies: [{ caller: 0, callee: 1, kind: 'sync', callsPerRequest: 1 }], teams: ['team-001'], callersOf: [[], [0]], calleesOf: [[0], []] }
    : { services, dependencies: [], teams: ['team-001'], callersOf: [[]], calleesOf: [[]] };
  const traffic = { requests: services.map(() => new Float32Array(MINUTES).fill(10_000)), meanRequests: Float64Array.from(services.map(() => 10_000)), bursts: [] };
  return { scenario, topology, traffic, incidents: [] };
}

const fault = (over: Partial<Fault> = {}): Fault => ({
  kind: 'error_step', onsetMinutes: 0, errorAdd: 0.3, latencyMult: 1, kpiDrop: 0, rampMinutes: 0, poolThreshold: Infinity,
  callerErrorRate: 0, scope: { kind: 'all', share: 1 }, severe: true, rollbackRestores: true, ...over,
});
const tenantScope = (j: number): Fault['scope'] => ({ kind: 'tenant', tenant: TENANTS[j], share: SHARES[j] });

/** Run a deployment of service `svc` on the schedule, rolling back (everything) at age `rollbackAt`; the outcome and the final state. */
function run(world: EnvWorld, f: Fault | null, strategy: Strategy, rollbackAt: number | null, at = { service: 0, start: 100, id: 'dep-x', seed: 3 }): { o: EpisodeOutcome; st: EnvState } {
  const env = new RolloutEnv(world);
  let { observation } = env.reset({ seed: at.seed, deployment: { id: at.id, service: at.service, start: at.start, fault: f }, strategy });
  const plan = env.plan;
  for (;;) {
    const r = env.step(rollbackAt !== null && observation.age === rollbackAt ? { type: 'rollback' } : scheduleAction(observation, plan));
    observation = r.observation;
    if (r.terminated || r.truncated) return { o: env.outcome(), st: env.getState() };
  }
}

describe('on a hand-built world of three tenants (shares 50 / 30 / 20 %)', () => {
  let one: EnvWorld;
  let canary: Strategy;
  beforeAll(() => {
    one = tinyWorld(false);
    canary = scenarioStrategy(one.scenario);
  });

  it('a tenant-confined fault rolled back at minute 12 impacts exactly its tenant, for 12 customer-minutes, and carries all the bad requests', () => {
    const { o, st } = run(one, fault({ scope: tenantScope(1) }), canary, 12);
    expect(o.faultBadRequests).toBeGreaterThan(50);
    expect(o.tenantsImpacted).toBe(1);
    expect(o.customerMinutesExposed).toBe(12);
    expect(st.tenantBad[1]).toBeCloseTo(o.faultBadRequests, 6);
    expect(st.tenantBad[0]).toBe(0);
    expect(st.tenantBad[2]).toBe(0);
  });

  it('a fault everywhere rolled back at minute k: every tenant, k × 3 customer-minutes, the bad requests split by the tenants’ shares', () => {
    for (const k of [1, 7, 25]) {
      const { o, st } = run(one, fault(), canary, k);
      expect(o.customerMinutesExposed).toBe(3 * k);
      expect(o.tenantsImpacted).toBe(3);
      st.tenantBad.forEach((b, j) => expect(b / o.faultBadRequests).toBeCloseTo(SHARES[j], 9));
    }
    // Rolled back before any traffic reached the new version: nobody.
    const none = run(one, fault(), canary, 0).o;
    expect([none.faultBadRequests, none.tenantsImpacted, none.customerMinutesExposed]).toEqual([0, 0, 0]);
  });

  it('a region-confined fault touches every tenant’s traffic in its region; unguarded, every minute of the run counts for every tenant', () => {
    const region = run(one, fault({ scope: { kind: 'region', region: 'eu-west', share: 0.4 } }), canary, 9).o;
    expect(region.tenantsImpacted).toBe(3);
    expect(region.customerMinutesExposed).toBe(27);
    const unguarded = run(one, fault(), canary, null).o;
    expect(unguarded.endedBy).toBe('promoted');
    expect(unguarded.customerMinutesExposed).toBe(3 * unguarded.minutes);
  });

  it('a fault that shows at minute 5 exposes nobody before it', () => {
    const o = run(one, fault({ onsetMinutes: 5 }), canary, 12).o;
    expect(o.customerMinutesExposed).toBe(3 * (12 - 5));
  });

  it('a KPI drop exposes its tenants but impacts none: it causes no bad request', () => {
    const o = run(one, fault({ kind: 'kpi_drop', errorAdd: 0, kpiDrop: 0.3 }), canary, 10).o;
    expect(o.faultBadRequests).toBe(0);
    expect(o.tenantsImpacted).toBe(0);
    expect(o.customerMinutesExposed).toBe(30);
  });

  it('progressive by tenant: only the tenants on the new version count, smallest first', () => {
    const st = parseStrategy('progressive:tenant', one.scenario);
    const plan = planFor(st, one.topology.services[0], TENANTS);
    // initech (20 %) for 10 minutes, then globex too for 10, then all three for the 30-minute bake.
    expect(plan.stages.map((s) => s.exposure)).toEqual([[0, 0, 1], [0, 1, 1], [1, 1, 1]]);
    const all = run(one, fault(), st, null).o;
    expect(all.customerMinutesExposed).toBe(10 * 1 + 10 * 2 + 30 * 3);
    expect(all.tenantsImpacted).toBe(3);
    // A fault confined to acme, the largest tenant, reaches it only once acme switches, at minute 20.
    const acme = run(one, fault({ scope: tenantScope(0) }), st, null).o;
    expect(acme.tenantsImpacted).toBe(1);
    expect(acme.customerMinutesExposed).toBe(30);
  });

  it('data corruption lingers after the rollback, but only for the tenants whose traffic the new version served', () => {
    const corrupt = fault({ kind: 'data_corruption', errorAdd: 0.05, kpiDrop: 0.05, rollbackRestores: false });
    const canaryRun = run(one, corrupt, canary, 12).o;
    expect(canaryRun.endedBy).toBe('rolled_back');
    // The written data keeps failing requests to the planned end (70 minutes): every tenant, every minute.
    expect(canaryRun.customerMinutesExposed).toBe(3 * canaryRun.minutes);
    expect(canaryRun.customerMinutesExposed).toBeGreaterThan(3 * 12);
    // Under progressive:tenant, rolled back while only initech was on the new version: initech alone, for the whole run.
    const prog = run(one, corrupt, parseStrategy('progressive:tenant', one.scenario), 5);
    expect(prog.o.customerMinutesExposed).toBe(prog.o.minutes);
    expect(prog.o.tenantsImpacted).toBe(1);
    expect(prog.st.tenantBad[2]).toBeCloseTo(prog.o.faultBadRequests, 6);
  });

  it('a contract break impacts the tenant of the callers’ failed calls to the new version', () => {
    const two = tinyWorld(true);
    const broken = fault({ kind: 'contract_break', errorAdd: 0, callerErrorRate: 0.5, scope: tenantScope(2) });
    const { o, st } = run(two, broken, scenarioStrategy(two.scenario), 15, { service: 1, start: 100, id: 'dep-x', seed: 3 });
    expect(o.faultBadRequests).toBeGreaterThan(0);
    expect(o.tenantsImpacted).toBe(1);
    expect(o.customerMinutesExposed).toBe(15);
    expect(st.tenantBad[2]).toBeCloseTo(o.faultBadRequests, 6);
  });

  it('a tenant-confined fault in a tenant the scenario does not have is refused, naming the field', () => {
    const env = new RolloutEnv(one);
    const bad = fault({ scope: { kind: 'tenant', tenant: 'hooli', share: 0.2 } });
    expect(() => env.reset({ seed: 1, deployment: { id: 'd', service: 0, start: 100, fault: bad }, strategy: canary })).toThrow(RolloutlabError);
    expect(() => env.reset({ seed: 1, deployment: { id: 'd', service: 0, start: 100, fault: bad }, strategy: canary })).toThrow(/deployment\.fault\.scope\.tenant/);
  });
});

describe('on the simulated default world', () => {
  let world: World;
  beforeAll(() => {
    world = simulateWorld(loadScenario('default'), 1);
  });

  it('the tenants’ shares of the bad requests add up to the blast radius of every unguarded run', () => {
    const withFault = world.deployments.filter((d) => d.fault);
    expect(withFault.length).toBeGreaterThan(10);
    let impacted = 0;
    for (const d of withFault) {
      const { o, st } = run(world, d.fault, scenarioStrategy(world.scenario), null, { ...d, seed: world.seed });
      expect(o).toEqual(d.outcome);
      expect(st.tenantBad.reduce((a, b) => a + b, 0)).toBeCloseTo(o.faultBadRequests, 6);
      expect(o.tenantsImpacted).toBe(st.tenantBad.filter((b) => b >= 1 - 1e-9).length);
      expect(o.customerMinutesExposed).toBeLessThanOrEqual(world.scenario.topology.tenants.length * o.minutes);
      impacted += o.tenantsImpacted;
    }
    expect(impacted).toBeGreaterThan(0);
  });

  it('a rollback earlier never raises the tenants impacted or the customer-minutes of the same deployment', () => {
    const ages = [0, 1, 3, 7, 12, 20, 30, 45, null];
    let compared = 0;
    for (const spec of ['canary', 'progressive:tenant', 'progressive:region']) {
      const st = spec === 'canary' ? scenarioStrategy(world.scenario) : parseStrategy(spec, world.scenario);
      for (const d of world.deployments.filter((x) => x.fault)) {
        let prev: EpisodeOutcome | null = null;
        for (const k of ages) {
          const o = run(world, d.fault, st, k, { ...d, seed: world.seed }).o;
          // Data corruption rolled back late is simulated to the end of its lingering, past the planned end where a
          // promoted run stops (its blast radius grows the same way): compare it only with runs that rolled back too.
          const comparable = d.fault!.rollbackRestores || o.endedBy === 'rolled_back';
          if (prev && comparable) {
            expect(o.tenantsImpacted, `${spec} ${d.id} rollback at ${k}`).toBeGreaterThanOrEqual(prev.tenantsImpacted);
            expect(o.customerMinutesExposed, `${spec} ${d.id} rollback at ${k}`).toBeGreaterThanOrEqual(prev.customerMinutesExposed);
            compared++;
          }
          prev = o;
        }
      }
    }
    expect(compared).toBeGreaterThan(300);
  });
});
