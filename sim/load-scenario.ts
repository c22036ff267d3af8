// Loading a scenario: a built-in name or a JSON/YAML file, defaults filled from the schema, then validated
// with errors that name the bad field and value. Built-ins live as files in `scenarios/`.
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { RolloutlabError, show } from '../lib/errors.ts';
import { closestName } from '../lib/names.ts';
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
    // A name that looks like a file (an extension or a folder in it) is a file that is not there.
    if (/\.(json|ya?ml)$/i.test(nameOrPath) || /[\\/]/.test(nameOrPath)) {
      throw new RolloutlabError('NOT_FOUND', `scenario file ${resolve(nameOrPath)} does not exist${/\.(json|ya?ml)$/i.test(nameOrPath) ? '' : ' (a scenario file ends in .json, .yaml or .yml)'}`, 'scenario');
    }
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

/** One problem of a scenario: the dotted field and what is wrong with it. */
export interface ScenarioProblem {
  field: string;
  message: string;
}

/**
 * Fill defaults into a plain object and validate it. `source` names the file in error messages. Every problem is
 * reported at once (schema first; the rules the schema cannot say once the schema holds), each naming its field;
 * an unknown field gets the closest known one as a suggestion.
 */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new RolloutlabError('BAD_SCENARIO', `${source}: a scenario must be an object, got ${show(raw)}`);
  }
  const filled = Value.Default(ScenarioSchema, structuredClone(raw)) as unknown;
  const problems: ScenarioProblem[] = [];
  const seen = new Set<string>();
  for (const e of Value.Errors(ScenarioSchema, filled)) {
    const segments = e.path.split('/').slice(1);
    const field = segments.join('.') || '(root)';
    if (seen.has(field)) continue; // one problem per field (a union reports each branch)
    seen.add(field);
    if (/unexpected property|additional propert/i.test(e.message)) {
      const known = knownFields(segments.slice(0, -1));
      const guess = closestName(segments[segments.length - 1], known);
      const parent = segments.slice(0, -1).join('.');
      problems.push({ field, message: `unknown field ${field}${guess ? `: did you mean ${parent ? parent + '.' : ''}${guess}?` : ''} (check the spelling against docs/scenarios.md)` });
    } else {
      problems.push({ field, message: `${field} = ${show(field === '(root)' ? undefined : e.value)}: ${e.message.toLowerCase()}` });
    }
  }
  if (problems.length === 0) checkSemantics(filled as Scenario, problems);
  if (problems.length === 1) throw new RolloutlabError('BAD_SCENARIO', `${source}: ${problems[0].message}`, problems[0].field);
  if (problems.length > 1) throw new RolloutlabError('BAD_SCENARIO', `${source}: ${problems.length} problems:\n  - ${problems.map((p) => p.message).join('\n  - ')}`, problems[0].field);
  return filled as Scenario;
}

type SchemaNode = { properties?: Record<string, SchemaNode>; items?: SchemaNode; anyOf?: SchemaNode[] };

/** The field names the schema knows at a path of property names and array indices. */
function knownFields(path: readonly string[]): string[] {
  let node: SchemaNode | undefined = ScenarioSchema as unknown as SchemaNode;
  for (const seg of path) {
    if (!node) return [];
    node = /^\d+$/.test(seg) && node.items ? node.items : node.properties?.[seg];
  }
  return Object.keys(node?.properties ?? {});
}

/** Rules the schema cannot say: dates that exist, ordered windows, a rollout that ends at 100 %. */
function checkSemantics(s: Scenario, problems: ScenarioProblem[]): void {
  const bad = (field: string, value: unknown, why: string) => {
    problems.push({ field, message: `${field} = ${show(value)}: ${why}` });
  };
  const start = parseUtc(s.start);
  if (Number.isNaN(start)) bad('start', s.start, 'not a real date');
  const end = start + s.days * 86_400_000;
  s.calendar.holidays.forEach((d, i) => {
    if (Number.isNaN(parseUtc(d))) bad(`calendar.holidays.${i}`, d, 'not a real date');
  });
  s.calendar.peakEvents.forEach((p, i) => {
    const t = parseUtc(p.date);
    if (Number.isNaN(t)) bad(`calendar.peakEvents.${i}.date`, p.date, 'not a real date');
    else if (!Number.isNaN(start) && (t < start || t >= end)) bad(`calendar.peakEvents.${i}.date`, p.date, `outside the simulated period ${s.start} + ${s.days} days`);
  });
  s.calendar.freezes.forEach((f, i) => {
    const a = parseUtc(f.start);
    const b = parseUtc(f.end);
    if (Number.isNaN(a)) bad(`calendar.freezes.${i}.start`, f.start, 'not a real date/time');
    if (Number.isNaN(b)) bad(`calendar.freezes.${i}.end`, f.end, 'not a real date/time');
    if (!Number.isNaN(a) && !Number.isNaN(b) && b <= a) bad(`calendar.freezes.${i}.end`, f.end, `must be after start ${f.start}`);
  });
  const steps = s.rollout.steps;
  for (let i = 1; i < steps.length; i++) {
    if (steps[i] <= steps[i - 1]) bad(`rollout.steps.${i}`, steps[i], 'steps must increase');
  }
  if (steps[steps.length - 1] !== 100) bad(`rollout.steps.${steps.length - 1}`, steps[steps.length - 1], 'the last step must be 100');
  const crit = s.topology.tenantCriticality;
  if (crit !== undefined && crit.length !== s.topology.tenants.length) bad('topology.tenantCriticality', crit, `must give one number per tenant (${s.topology.tenants.length}: ${s.topology.tenants.join(', ')})`);
  const mix = s.topology.tierMix;
  if (mix.edge <= 0) bad('topology.tierMix.edge', mix.edge, 'at least some edge services are needed to receive traffic');
  if (Object.values(s.faults.mix).every((w) => w === 0)) bad('faults.mix', s.faults.mix, 'at least one fault kind needs a positive weight');
  if (s.traffic.timeZones.every((z) => z.weight === 0)) bad('traffic.timeZones', s.traffic.timeZones, 'at least one weight must be positive');
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
