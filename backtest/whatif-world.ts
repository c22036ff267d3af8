// The what-if of a change in a simulated world (docs/whatif.md): the change is a deployment of the world (by id), or
// a proposed change (a service of the world, its change features, the minute it would start). Its risk is the risk
// champion's score of the change as the world knows it; its plan is the one asked for (the optimiser's, the
// scenario's, or any strategy `backtest --strategy` takes); then the what-if engine (sim/whatif.ts) runs it.
//
// One code path for `rolloutlab whatif` (cli/commands/whatif.ts) and POST /v1/whatif (server/whatif-task.ts): both
// call `whatIfInWorld`, and only the names of the fields in error messages differ (`--deployment`, `body.deployment`).
import { RolloutlabError, isRolloutlabError, show } from '../lib/errors.ts';
import { closestName } from '../lib/names.ts';
import { rangeProblem, VALUE_RANGE_TEXT } from '../lib/value-range.ts';
import { onCallCover } from '../sim/calendar.ts';
import type { Cell } from '../datasets/table.ts';
import { CHANGE_FEATURES, RISK_MODEL_FEATURES, riskFeatureCells, riskFeatureCellsOf } from '../sim/risk-features.ts';
import type { Scenario } from '../sim/scenario-schema.ts';
import { parseStrategy, scenarioStrategy, type Strategy } from '../sim/strategy.ts';
import { whatIf, type WhatIfResult } from '../sim/whatif.ts';
import { historyFeatures, type World } from '../sim/world.ts';
import type { GamModel } from '../training/gam.ts';
import { riskDataFromRows } from '../training/risk/sim.ts';
import { worldRiskRow } from '../training/risk/world.ts';
import { candidateStrategy, choosePlan } from '../policies/rollout-plan/choose.ts';
import { periodOfDeployment, simulatePeriod, type Period } from './worlds.ts';

/** A feature value of a proposed change, as POST /v1/risk/score takes it (null: unknown). */
export type ChangeFeatureValue = number | boolean | string | null;

/** The change a what-if simulates: a deployment of the world, or a proposed change on one of its services. */
export type WhatIfChange =
  | { deployment: string }
  | {
      /** A service of the world, by name. */
      service: string;
      /** The minute of the world the rollout would start. */
      start: number;
      /** The change's own features by name (the `change` features of sim/risk-features.ts); left out or null: unknown. */
      features?: Record<string, ChangeFeatureValue | undefined>;
      /** A name for the change: it labels the runs' random streams (default `<service>@<start>`). */
      id?: string;
    };

export interface WhatIfWorldRequest {
  scenario: Scenario;
  /** The scenario's name, for messages. */
  scenarioName: string;
  /** The world's seed, which also seeds the what-if's runs. */
  seed: number;
  change: WhatIfChange;
  /** The risk champion (null: none; the risk is unknown and `optimised` falls back to the careful plan). */
  risk: { model: GamModel; version: string } | null;
  /** `optimised` (the rollout-plan optimiser's plan for the change), `scenario`, or a strategy as `backtest --strategy` takes it. */
  strategy: string;
  runs: number;
  stress: boolean;
}

export interface WhatIfWorldOptions {
  /** How a request field is named in messages and errors: `--deployment` on the command line, `body.deployment` over HTTP (default: as is). */
  field?: (name: string) => string;
  /** Period `k` of the world (default: simulated afresh; the server keeps the last few). */
  period?: (scenario: Scenario, seed: number, k: number) => Period;
}

/** What `rolloutlab whatif --json` prints: the what-if and the name of the plan it simulated. */
export type WhatIfWorldResult = WhatIfResult & { planName: string };

export interface WhatIfWorldAnswer {
  result: WhatIfWorldResult;
  /** The risk champion's score of the change, or null (no champion, or none usable: `notes` says why). */
  risk: { probability: number; modelVersion: string; imputed: string[] } | null;
  /** What the answer assumed, in words (an unknown risk, a contract flag not given). */
  notes: string[];
}

// A proposed change gives its own features (CHANGE_FEATURES); the world knows the service's, the start's and the history's.
const CHANGE_FEATURE_NAMES = CHANGE_FEATURES.map((f) => f.name);
const WORLD_FEATURE_NAMES = new Set(RISK_MODEL_FEATURES.filter((f) => f.from !== 'change').map((f) => f.name));

const bad = (field: string, message: string) => new RolloutlabError('BAD_ARGUMENT', `${field}: ${message}`, field);

/** Runs `f`, naming the fields of the engine's and the strategy parser's bad input (`runs`, `strategy`, …) as the caller names them. */
function named<T>(field: (n: string) => string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (isRolloutlabError(e) && e.code === 'BAD_ARGUMENT' && e.field) {
      const own = new RegExp(`^(--)?${e.field.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:?\\s*`);
      throw bad(field(e.field), e.message.replace(own, ''));
    }
    throw e;
  }
}

/** A proposed change's feature cells, checked (an unknown or world-known name, a value of the wrong kind or range: bad input naming it). */
function changeCells(features: Record<string, ChangeFeatureValue | undefined>, field: (n: string) => string): Map<string, Cell> {
  const cells = new Map<string, Cell>();
  for (const name of Object.keys(features).sort()) {
    const at = field(`features.${name}`);
    if (WORLD_FEATURE_NAMES.has(name)) throw bad(at, 'is computed from the world (the service, the start and the service’s history): leave it out');
    const f = CHANGE_FEATURES.find((x) => x.name === name);
    if (!f) {
      const near = closestName(name, CHANGE_FEATURE_NAMES);
      throw bad(at, `is not a feature of a change${near ? ` (did you mean ${near}?)` : ''}; the features are ${CHANGE_FEATURE_NAMES.join(', ')}`);
    }
    const v = features[name];
    if (v === null || v === undefined) continue;
    if (f.kind === 'binary') {
      if (typeof v === 'boolean') cells.set(name, v);
      else if (v === 0 || v === 1) cells.set(name, v === 1);
      else throw bad(at, `must be a boolean (or 0 / 1), got ${show(v)}`);
    } else if (f.kind === 'category') {
      if (typeof v !== 'string' || !f.levels.includes(v)) throw bad(at, `must be one of ${f.levels.map((l) => JSON.stringify(l)).join(', ')}, got ${show(v)}`);
      cells.set(name, v);
    } else {
      if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(at, `must be a number, got ${show(v)}`);
      const problem = rangeProblem(f.range, v);
      if (problem) throw bad(at, `${problem} (got ${v}): it must be ${VALUE_RANGE_TEXT[f.range]}`);
      cells.set(name, v);
    }
  }
  return cells;
}

/**
 * The champion's score of one row of the world (riskDataFromRows, as the risk data of the whole world has it);
 * `unknown` are features to score at their training median (a proposed change's features not given). Null, with the
 * reason, when the champion reads features the simulated world does not have (one trained on an imported history) or
 * gives no finite score.
 */
function score(champion: NonNullable<WhatIfWorldRequest['risk']>, row: Record<string, unknown>, unknown: readonly string[]): { probability: number; imputed: string[] } | string {
  const cols: Record<string, ArrayLike<number>> = { ...riskDataFromRows([row]).cols };
  for (const name of unknown) cols[name] = Float64Array.of(NaN);
  const absent = champion.model.specs.filter((s) => !(s.name in cols)).map((s) => s.name);
  if (absent.length) return `risk unknown: risk model ${champion.version} reads features a simulated world does not have (${absent.slice(0, 5).join(', ')}${absent.length > 5 ? ', …' : ''})`;
  const p = champion.model.predict(cols, 1)[0];
  if (!(Number.isFinite(p) && p >= 0 && p <= 1)) return `risk unknown: risk model ${champion.version} gives no finite score for this change`;
  return { probability: p, imputed: champion.model.specs.filter((s) => unknown.includes(s.name)).map((s) => s.name) };
}

/** The what-if of a change in a simulated world, with the change's risk score: what `whatif --json` prints and POST /v1/whatif answers. */
export function whatIfInWorld(req: WhatIfWorldRequest, opts: WhatIfWorldOptions = {}): WhatIfWorldAnswer {
  const field = opts.field ?? ((n: string) => n);
  const period = opts.period ?? simulatePeriod;
  const where = `scenario ${req.scenarioName}, seed ${req.seed}`;
  const notes: string[] = [];
  let world: World;
  let target: { id: string; service: number; start: number; apiContractChange: boolean };
  let risk: WhatIfWorldAnswer['risk'] = null;
  let scored: ReturnType<typeof score> | null = null;

  if ('deployment' in req.change) {
    const id = req.change.deployment;
    const k = periodOfDeployment(id);
    if (k === null) {
      const near = closestName(id, period(req.scenario, req.seed, 0).deployments.map((d) => d.id));
      throw bad(field('deployment'), `not a deployment id (dep-000123, or p2-dep-000045 of a later period): ${JSON.stringify(id)}${near ? ` (did you mean ${near}?)` : ''}`);
    }
    const p = period(req.scenario, req.seed, k);
    const dep = p.deployments.find((d) => d.id === id);
    if (!dep) {
      const ids = p.deployments.map((d) => d.id);
      const span = ids.length ? `: its ${k === 0 ? '' : `period ${k} `}deployments are ${ids[0]} … ${ids[ids.length - 1]}` : '';
      // A number of another width is likely a typo of one of them (a well-formed id past the last is not).
      const near = /^(p\d+-)?dep-\d{6}$/.test(id) ? undefined : closestName(id, ids);
      throw new RolloutlabError('NOT_FOUND', `${field('deployment')}: ${id} is not a deployment of ${where}${span}${near ? ` (did you mean ${near}?)` : ''}`, field('deployment'));
    }
    world = p.world;
    const change = world.changes.find((c) => c.id === dep.changeId);
    target = { id: dep.id, service: dep.service, start: dep.start, apiContractChange: change?.features.apiContractChange ?? false };
    if (req.risk && change) scored = score(req.risk, worldRiskRow(world, dep, riskFeatureCells(world, dep, change.features)), []);
  } else {
    const c = req.change;
    world = period(req.scenario, req.seed, 0).world;
    const names = world.topology.services.map((s) => s.name);
    const svc = world.topology.services.find((s) => s.name === c.service);
    if (!svc) {
      const near = closestName(c.service, names);
      throw bad(field('service'), `${JSON.stringify(c.service)} is not a service of ${where}${near ? ` (did you mean ${JSON.stringify(near)}?)` : ''}; its services are ${names.join(', ')}`);
    }
    const T = world.calendar.minutes;
    if (!(Number.isInteger(c.start) && c.start >= 0 && c.start < T)) throw bad(field('start'), `must be a whole minute of the world, in [0, ${T - 1}] (${T / 1440} days), got ${c.start}`);
    const given = changeCells(c.features ?? {}, field);
    const contract = given.get('api_contract_change');
    if (contract === undefined) notes.push('api_contract_change not given: simulated as a change that does not alter an API its callers use');
    target = { id: c.id ?? `${svc.name}@${c.start}`, service: svc.id, start: c.start, apiContractChange: contract === true };
    if (req.risk) {
      // The service's history at the start: its rollouts in the world that started before it.
      const past = world.deployments.filter((d) => d.service === svc.id && d.start < c.start).map((d) => ({ end: d.end, failed: d.material }));
      const series = world.traffic.requests[svc.id];
      const facts = { history: historyFeatures(past, c.start), onCallCover: onCallCover(world.calendar, c.start, svc.teamTzOffset), loadAtStart: series[c.start] / Math.max(1e-9, world.traffic.meanRequests[svc.id]) };
      const cells = riskFeatureCellsOf(world, svc.id, facts, (f) => given.get(f.name) ?? null);
      scored = score(req.risk, worldRiskRow(world, { id: target.id, service: svc.id, start: c.start }, cells), CHANGE_FEATURE_NAMES.filter((n) => !given.has(n)));
    }
  }
  if (!req.risk) notes.push('risk unknown: no risk champion is loaded');
  else if (typeof scored === 'string') notes.push(scored);
  else if (scored) risk = { probability: scored.probability, modelVersion: req.risk.version, imputed: scored.imputed };

  let strategy: Strategy;
  let planName: string;
  if (req.strategy === 'optimised') {
    const chosen = choosePlan({ risk: risk?.probability ?? null, rpm: world.traffic.requests[target.service][target.start] });
    strategy = candidateStrategy(chosen.candidate, req.scenario.rollout.bakeMinutes);
    planName = chosen.candidate.name;
  } else if (req.strategy === 'scenario') {
    strategy = scenarioStrategy(req.scenario);
    planName = 'scenario';
  } else {
    strategy = named(field, () => parseStrategy(req.strategy, req.scenario));
    planName = req.strategy;
  }
  const r = named(field, () =>
    whatIf({ scenario: req.scenario, topology: world.topology, traffic: world.traffic, service: target.service, start: target.start, id: target.id, apiContractChange: target.apiContractChange, risk: risk?.probability ?? null, strategy, runs: req.runs, seed: req.seed, stress: req.stress }),
  );
  return { result: { ...r, planName }, risk, notes };
}
