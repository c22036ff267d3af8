// Loading a scenario: a built-in name or a JSON/YAML file, defaults filled from the schema, then validated
// with errors that name the bad field and value. Built-ins live as files in `scenarios/`.
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { RolloutlabError, show } from '../lib/errors.ts';
import { ScenarioSchema, type Scenario } from './scenario-schema.ts';

export const SCENARIO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

/** Names of the built-in scenarios (files in `scenarios/`). */
export function builtinScenarios(): string[] {
  return readdirSync(SCENARIO_DIR)
    .filter((f) => /\.(json|ya?ml)$/.test(f))
    .map((f) => f.replace(/\.(json|ya?ml)$/, ''))
    .sort();
}

/** Load a built-in by name, or a file by path; throws RolloutlabError naming the bad field. */
export function loadScenario(nameOrPath: string): Scenario {
  let path: string | undefined;
  if (existsSync(nameOrPath) && /\.(json|ya?ml)$/i.test(nameOrPath)) path = nameOrPath;
  else {
    for (const ext of ['.json', '.yaml', '.yml']) {
      const p = join(SCENARIO_DIR, nameOrPath + ext);
      if (existsSync(p)) path = p;
    }
  }
  if (!path) {
    throw new RolloutlabError(
      'NOT_FOUND',
      `scenario ${show(nameOrPath)} is neither a built-in (${builtinScenarios().join(', ')}) nor a .json/.yaml file`,
      'scenario',
    );
  }
  const text = readFileSync(path, 'utf8');
  let raw: unknown;
  try {
    raw = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new RolloutlabError('BAD_SCENARIO', `${path}: not valid ${extname(path).slice(1)}: ${(e as Error).message}`);
  }
  return parseScenario(raw ?? {}, path);
}

/** Fill defaults into a plain object and validate it. `source` names the file in error messages. */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RolloutlabError('BAD_SCENARIO', `${source}: a scenario must be an object, got ${show(raw)}`);
  }
  const filled = Value.Default(ScenarioSchema, structuredClone(raw)) as unknown;
  const first = Value.Errors(ScenarioSchema, filled).First();
  if (first) {
    const field = first.path.replace(/^\//, '').replace(/\//g, '.') || '(root)';
    const value = field === '(root)' ? undefined : first.value;
    const what = /unexpected property|additional propert/i.test(first.message)
      ? `unknown field ${field} (check the spelling against docs/scenarios.md)`
      : `${field} = ${show(value)}: ${first.message.toLowerCase()}`;
    throw new RolloutlabError('BAD_SCENARIO', `${source}: ${what}`, field);
  }
  const s = filled as Scenario;
  checkSemantics(s, source);
  return s;
}

const bad = (source: string, field: string, value: unknown, why: string) =>
  new RolloutlabError('BAD_SCENARIO', `${source}: ${field} = ${show(value)}: ${why}`, field);

/** Rules the schema cannot say: dates that exist, ordered windows, a rollout that ends at 100 %. */
function checkSemantics(s: Scenario, source: string): void {
  const start = parseUtc(s.start);
  if (Number.isNaN(start)) throw bad(source, 'start', s.start, 'not a real date');
  const end = start + s.days * 86_400_000;
  s.calendar.holidays.forEach((d, i) => {
    if (Number.isNaN(parseUtc(d))) throw bad(source, `calendar.holidays.${i}`, d, 'not a real date');
  });
  s.calendar.peakEvents.forEach((p, i) => {
    const t = parseUtc(p.date);
    if (Number.isNaN(t)) throw bad(source, `calendar.peakEvents.${i}.date`, p.date, 'not a real date');
    if (t < start || t >= end) throw bad(source, `calendar.peakEvents.${i}.date`, p.date, `outside the simulated period ${s.start} + ${s.days} days`);
  });
  s.calendar.freezes.forEach((f, i) => {
    const a = parseUtc(f.start);
    const b = parseUtc(f.end);
    if (Number.isNaN(a)) throw bad(source, `calendar.freezes.${i}.start`, f.start, 'not a real date/time');
    if (Number.isNaN(b)) throw bad(source, `calendar.freezes.${i}.end`, f.end, 'not a real date/time');
    if (b <= a) throw bad(source, `calendar.freezes.${i}.end`, f.end, `must be after start ${f.start}`);
  });
  const steps = s.rollout.steps;
  for (let i = 1; i < steps.length; i++) {
    if (steps[i] <= steps[i - 1]) throw bad(source, `rollout.steps.${i}`, steps[i], 'steps must increase');
  }
  if (steps[steps.length - 1] !== 100) throw bad(source, `rollout.steps.${steps.length - 1}`, steps[steps.length - 1], 'the last step must be 100');
  const mix = s.topology.tierMix;
  if (mix.edge <= 0) throw bad(source, 'topology.tierMix.edge', mix.edge, 'at least some edge services are needed to receive traffic');
  if (Object.values(s.faults.mix).every((w) => w === 0)) throw bad(source, 'faults.mix', s.faults.mix, 'at least one fault kind needs a positive weight');
  if (s.traffic.timeZones.every((z) => z.weight === 0)) throw bad(source, 'traffic.timeZones', s.traffic.timeZones, 'at least one weight must be positive');
}

/** Epoch ms of `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS][Z]`, always UTC; NaN if it is not a real date. */
export function parseUtc(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?Z?)?$/.exec(s);
  if (!m) return NaN;
  const [y, mo, d, h = '0', mi = '0', se = '0'] = m.slice(1);
  const t = Date.UTC(+y, +mo - 1, +d, +h, +mi, +se);
  const back = new Date(t);
  if (back.getUTCFullYear() !== +y || back.getUTCMonth() !== +mo - 1 || back.getUTCDate() !== +d || +h > 23 || +mi > 59 || +se > 59) return NaN;
  return t;
}

/** A short stable digest of a filled scenario, recorded in data-set manifests. */
export function scenarioDigest(s: Scenario): string {
  return createHash('sha256').update(stableJson(s)).digest('hex').slice(0, 16);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(stableJson).join(',') + ']';
  if (v && typeof v === 'object') {
    return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + stableJson((v as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}
