// The optimiser's plan over regions or tenants (docs/rollout-plans.md "Plans over units"): the canary plan chosen for a
// change, run inside the service's units instead of across all of its traffic. A rule on top of the learned choice, not
// a second table:
//
//   - order: the least critical tenant first when criticality is known (tenants only), then the least traffic first;
//   - the first unit's ramp: the canary's steps that fit inside it, as the same share of the service's traffic (a 1 %
//     step in a unit with 20 % of the traffic is 5 % of that unit), each with the canary's dwell (never the canary's
//     last step before 100 %);
//   - a ramp inside every later unit: UNIT_RAMP_PERCENT of its traffic for UNIT_RAMP_MINUTES, the units before it
//     whole, then the unit whole for UNIT_WHOLE_MINUTES before the next one starts. The first unit has earned
//     confidence, so the later units get the shortest dwells; a fault confined to one of them reaches a tenth of it
//     first, not all of it at once (and the last unit's is still compared with the old version's traffic);
//   - the exposure cap: at most UNIT_CAP_PERCENT of the service's traffic, the first unit at the highest exposure the
//     cap allows it, for the canary's minutes the ramps leave, so the plan takes the canary's minutes before full
//     exposure. It takes longer only when the later units' ramps do not fit in them (at least 2 minutes per unit after
//     the first) or a first unit with more traffic than the cap needs its stage at the cap (a minute at least).
//
// Down the candidates' list the unit plans keep the list's order of caution over the same units: the first exposure
// never grows, and a plan that the ramps would make reach full exposure sooner than the faster plan before it is held
// under the cap longer. A service with one unit gets the canary. Pure and deterministic.
import { progressiveStages, unitOrder, type Strategy } from '../../sim/strategy.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { PLAN_CANDIDATES, dwellSum, type PlanCandidate } from './candidates.ts';

/** The cap on the new version's share of the service's traffic until the first unit has earned confidence. */
export const UNIT_CAP_PERCENT = 25;

export type UnitKind = 'region' | 'tenant';

/** The units of the service a plan can run over: their names, traffic shares and (tenants) criticality. */
export interface UnitsInput {
  by: UnitKind;
  names: string[];
  /** Share of the service's traffic per unit (non-negative, summing to 1 within 1e-6). */
  shares: number[];
  /** Higher is more critical, one per unit (tenants only; ignored for regions). */
  criticality?: number[];
}

/** A unit plan as served and run: where each stage puts the new version, and for how long. */
export interface UnitPlan {
  by: UnitKind;
  /** The units in the order they go out. */
  order: string[];
  /** Their traffic shares, in that order. */
  shares: number[];
  /** Percent of the first unit's traffic at each ramp step, the last 100 (absent: the first unit switches whole). */
  firstUnitSteps?: number[];
  firstUnitDwellMinutes?: number[];
  /** Percent of each later unit's traffic at each of its ramp steps, the last 100 (absent: later units switch whole). */
  unitSteps?: number[];
  unitDwellMinutes?: number[];
  /** Minutes each unit runs whole before the next one starts. */
  stepMinutes: number;
  exposureCap: { percent: number; minutes: number };
  /** Every stage: percent of each unit's traffic on the new version, the percent of the service's, and its dwell (the last 0). */
  stages: { unitPercent: Record<string, number>; percent: number; dwellMinutes: number }[];
  minutesToFull: number;
  /** What a deploy system needs to run it, in words. */
  note: string;
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

/** Check the units a caller sends (BAD_ARGUMENT naming `<field>.…`). */
export function checkUnits(u: UnitsInput, field = 'units'): UnitsInput {
  const bad = (f: string, msg: string): never => {
    throw new RolloutlabError('BAD_ARGUMENT', `${field}.${f}: ${msg}`, `${field}.${f}`);
  };
  if (u.by !== 'region' && u.by !== 'tenant') bad('by', `must be region or tenant, got ${JSON.stringify(u.by)}`);
  if (!Array.isArray(u.names) || u.names.length === 0) bad('shares', 'must name at least one unit');
  if (new Set(u.names).size !== u.names.length) bad('shares', 'names a unit twice');
  u.shares.forEach((s, i) => {
    if (!(Number.isFinite(s) && s >= 0 && s <= 1)) bad(`shares.${u.names[i]}`, `must be a share of the service's traffic in [0, 1], got ${JSON.stringify(s)}`);
  });
  const sum = u.shares.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) bad('shares', `must add up to 1 (the service's whole traffic), they add up to ${round(sum, 6)}`);
  if (u.criticality !== undefined) {
    if (u.criticality.length !== u.names.length) bad('criticality', 'must give one number per unit');
    u.criticality.forEach((c, i) => {
      if (!Number.isFinite(c)) bad(`criticality.${u.names[i]}`, `must be a finite number, got ${JSON.stringify(c)}`);
    });
  }
  return u;
}

/**
 * The ramp inside every unit after the first: UNIT_RAMP_PERCENT of that unit's traffic for UNIT_RAMP_MINUTES, then the
 * unit whole for UNIT_WHOLE_MINUTES before the next one starts. A fault confined to a later unit reaches that share of
 * it first, not all of it at once; a severe one shows within the minute. The first unit has earned confidence by then,
 * so the later units take the shortest dwells, and the canary's minutes go to the first unit and the cap.
 */
export const UNIT_RAMP_PERCENT = 10;
export const UNIT_RAMP_MINUTES = 1;
export const UNIT_WHOLE_MINUTES = 1;

/** The rule's strategy for one canary plan alone, reaching full exposure no sooner than `target` minutes when it can. */
function ruleStrategy(c: PlanCandidate, u: UnitsInput, bakeMinutes: number, target = dwellSum(c)): Extract<Strategy, { kind: 'progressive' }> {
  const order = unitOrder(u.names, u.shares, undefined, u.by === 'tenant' ? u.criticality : undefined);
  const s0 = u.shares[order[0]];
  // The canary's steps that fit inside the first unit, as the same share of the service's traffic — all but its last
  // step before 100 %, whose minutes go to the cap and the units that follow.
  const pre = c.steps.slice(0, -2);
  const ramp = pre.map((p, i) => ({ q: round(p / s0), d: c.dwellMinutes[i] })).filter((x) => x.q < 100);
  const st = (capMinutes: number): Extract<Strategy, { kind: 'progressive' }> => ({
    kind: 'progressive',
    by: u.by,
    stepMinutes: UNIT_WHOLE_MINUTES,
    bakeMinutes,
    order: order.map((i) => u.names[i]),
    ...(ramp.length ? { firstUnitSteps: [...ramp.map((x) => x.q), 100], firstUnitDwellMinutes: ramp.map((x) => x.d) } : {}),
    ...(order.length > 1 ? { unitSteps: [UNIT_RAMP_PERCENT, 100], unitDwellMinutes: [UNIT_RAMP_MINUTES] } : {}),
    exposureCap: { percent: UNIT_CAP_PERCENT, minutes: capMinutes },
  });
  // The canary's minutes the ramps leave go to the cap: the service stays at most UNIT_CAP_PERCENT on the new version,
  // the first unit at the highest exposure the cap allows it, until the plan has spent `target` minutes (the canary's,
  // unless the list's order asks for more). A plan over it already (many units) keeps a one-minute cap.
  let cap = 1;
  let m = toFull(st(cap), u);
  while (m < target) {
    cap += target - m;
    m = toFull(st(cap), u);
  }
  // The cap's minutes as they run: the first unit's time at the highest exposure the cap allows it before the plan
  // goes above the cap (never less than the cap asked, so the stages do not change).
  return st(capHeld(st(cap), u));
}

/** Minutes the first unit of `st` runs at the highest exposure its cap allows it before a stage goes above the cap. */
function capHeld(st: Extract<Strategy, { kind: 'progressive' }>, u: UnitsInput): number {
  const stages = progressiveStages(st, u.names, u.shares, u.by === 'tenant' ? u.criticality : undefined);
  const first = u.names.indexOf(st.order![0]);
  const c = st.exposureCap!.percent / 100;
  const top = u.shares[first] > 0 ? Math.min(1, c / u.shares[first]) : 1;
  const weight = (x: (typeof stages)[number]) => x.exposure.reduce((a, e, i) => a + e * u.shares[i], 0);
  let held = 0;
  for (const x of stages) {
    if (weight(x) > c + 1e-12) break;
    if (x.exposure[first] >= top - 1e-12) held += x.dwellMinutes;
  }
  return Math.max(st.exposureCap!.minutes, held);
}

/** Minutes before full exposure of a progressive strategy over the units. */
const toFull = (st: Extract<Strategy, { kind: 'progressive' }>, u: UnitsInput) => {
  const stages = progressiveStages(st, u.names, u.shares, u.by === 'tenant' ? u.criticality : undefined);
  return stages.slice(0, -1).reduce((a, x) => a + x.dwellMinutes, 0);
};

/**
 * The progressive strategy the rule makes of canary plan `c` over the units `u`. Down the candidates' list it keeps
 * their order: a more careful plan over the same units never reaches full exposure sooner than a faster one (a plan the
 * cap or the rounding made longer than the one after it holds that one under the cap longer until it is not).
 */
export function unitStrategy(c: PlanCandidate, u: UnitsInput, bakeMinutes: number): Extract<Strategy, { kind: 'progressive' }> {
  const k = PLAN_CANDIDATES.findIndex((x) => x.name === c.name);
  if (k < 0) return ruleStrategy(c, u, bakeMinutes);
  let floor = 0;
  let st = ruleStrategy(PLAN_CANDIDATES[0], u, bakeMinutes);
  for (let j = 0; j <= k; j++) {
    st = ruleStrategy(PLAN_CANDIDATES[j], u, bakeMinutes, Math.max(floor, dwellSum(PLAN_CANDIDATES[j])));
    floor = toFull(st, u);
  }
  return st;
}

/** The unit plan for canary plan `c`: its strategy's stages in the deploy systems' terms. */
export function unitPlan(c: PlanCandidate, u: UnitsInput): UnitPlan {
  const st = unitStrategy(c, u, 0);
  const stages = progressiveStages(st, u.names, u.shares);
  stages[stages.length - 1].dwellMinutes = 0;
  const order = st.order!;
  const idx = order.map((n) => u.names.indexOf(n));
  const minutesToFull = stages.reduce((a, x) => a + x.dwellMinutes, 0);
  return {
    by: u.by,
    order,
    shares: idx.map((i) => u.shares[i]),
    ...(st.firstUnitSteps ? { firstUnitSteps: st.firstUnitSteps, firstUnitDwellMinutes: st.firstUnitDwellMinutes } : {}),
    ...(st.unitSteps ? { unitSteps: st.unitSteps, unitDwellMinutes: st.unitDwellMinutes } : {}),
    stepMinutes: st.stepMinutes,
    exposureCap: st.exposureCap!,
    stages: stages.map((x) => ({
      unitPercent: Object.fromEntries(idx.map((i) => [u.names[i], round(100 * x.exposure[i])])),
      percent: round(100 * x.exposure.reduce((a, e, i) => a + e * u.shares[i], 0)),
      dwellMinutes: x.dwellMinutes,
    })),
    minutesToFull,
    note: `routes by ${u.by}: ${order[0]} first${st.firstUnitSteps ? ` (ramped ${st.firstUnitSteps.join('-')} % of its traffic)` : ''}, then ${order.length > 1 ? order.slice(1).join(', then ') : 'nothing else'}, ${st.unitSteps ? `each ramped ${st.unitSteps.slice(0, -1).join('-')} % of its traffic for ${st.unitDwellMinutes!.join('-')} min before it is whole, the next one starting ${st.stepMinutes} min after that` : `one more every ${st.stepMinutes} min`}, at most ${UNIT_CAP_PERCENT} % of the service until ${order[0]} has run ${st.exposureCap!.minutes} min; needs a traffic router that splits by ${u.by}`,
  };
}

/** The progressive strategy a served unit plan is (what the what-if and the environment run). */
export function unitPlanStrategy(p: UnitPlan, bakeMinutes: number): Extract<Strategy, { kind: 'progressive' }> {
  return {
    kind: 'progressive',
    by: p.by,
    stepMinutes: p.stepMinutes,
    bakeMinutes,
    order: [...p.order],
    ...(p.firstUnitSteps ? { firstUnitSteps: [...p.firstUnitSteps], firstUnitDwellMinutes: [...(p.firstUnitDwellMinutes ?? [])] } : {}),
    ...(p.unitSteps ? { unitSteps: [...p.unitSteps], unitDwellMinutes: [...(p.unitDwellMinutes ?? [])] } : {}),
    exposureCap: { ...p.exposureCap },
  };
}

/**
 * Why a deploy system that splits traffic by weight alone (Argo Rollouts, Flagger) cannot run a unit plan, and what it
 * can run instead: one rollout per unit, in the plan's order.
 */
export function unitPlanRefusal(p: UnitPlan, tool: string): string {
  const [first, ...rest] = p.order;
  const canary = (steps: number[] | undefined, dwells: number[] | undefined) => (steps ? `a canary at ${steps.join('-')} % with ${dwells!.join('-')} min at the steps` : 'a switch to 100 %');
  return (
    `the plan routes by ${p.by} and ${tool} splits traffic by weight only, so its steps would run another plan (the same weights over every ${p.by}); ` +
    `what it can run: one ${tool} rollout per ${p.by}, started in this order — ${first} (${canary(p.firstUnitSteps, p.firstUnitDwellMinutes)}), then ${rest.length ? rest.join(', then ') : 'nothing else'}` +
    `${rest.length ? ` (each ${canary(p.unitSteps, p.unitDwellMinutes)})` : ''}, each started ${p.stepMinutes} min after the one before is at 100 %, and no ${p.by} after ${first} until it has run ${p.exposureCap.minutes} min at the cap of ${p.exposureCap.percent} % of the service — or take --format json`
  );
}
