// The scenario reference (docs/scenarios.md) generated from the schema, so the docs cannot drift.
import { ScenarioSchema } from './scenario-schema.ts';

interface Node {
  type?: string;
  description?: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Node>;
  items?: Node;
  anyOf?: Node[];
  /** An optional field without a default: what leaving it out means. */
  whenUnset?: unknown;
}

/** One row per leaf field: dotted path, type, default, range and meaning. */
export function scenarioFieldRows(): { path: string; type: string; def: string; range: string; description: string }[] {
  const rows: ReturnType<typeof scenarioFieldRows> = [];
  const walk = (n: Node, path: string) => {
    if (n.type === 'object' && n.properties && !(n.default !== undefined && Object.keys(n.default as object).length > 0)) {
      if (path && n.description) rows.push({ path, type: 'object', def: '', range: '', description: n.description });
      for (const [k, v] of Object.entries(n.properties)) walk(v, path ? `${path}.${k}` : k);
      return;
    }
    const type = n.anyOf ? n.anyOf.map((x) => x.type).join(' | ') : n.type === 'array' ? `${n.items?.type ?? 'any'}[]` : (n.type ?? 'any');
    const range = n.minimum !== undefined || n.maximum !== undefined ? `${n.minimum ?? ''}..${n.maximum ?? ''}` : '';
    rows.push({ path, type, def: n.default !== undefined ? '`' + JSON.stringify(n.default) + '`' : n.whenUnset !== undefined ? '`' + JSON.stringify(n.whenUnset) + '` (when unset)' : '(required in items)', range, description: n.description ?? '' });
  };
  walk(ScenarioSchema as unknown as Node, '');
  return rows;
}

export function scenarioDocsMarkdown(): string {
  const lines = [
    '# Scenario format',
    '',
    'A scenario is a JSON or YAML file. Every field has a default: a file holds only what it changes. Unknown',
    'fields are rejected (a typo is an error, not a silent default, with the closest known field as a suggestion), and',
    'every problem of a file is reported at once, each naming the field and the value:',
    '',
    '```',
    '$ npx rolloutlab scenario validate mine.yaml',
    'error [BAD_SCENARIO] mine.yaml: 2 problems:',
    '  - unknown field traffic.weekendFactr: did you mean traffic.weekendFactor? (check the spelling against docs/scenarios.md)',
    '  - traffic.dailyAmplitude = 2: expected number to be less or equal to 0.95',
    '```',
    '',
    'Built-ins live in `scenarios/`: `default`, `black-friday`, `low-traffic`, `large`. See one with every default',
    'filled in: `npx rolloutlab scenario show default`. Minute 0 is 00:00 UTC of `start`; times are UTC.',
    '',
    'Example (YAML):',
    '',
    '```yaml',
    'name: my-shop',
    'days: 21',
    'topology: { services: 80 }',
    'traffic: { edgeRequestsPerMinute: 20000, weekendFactor: 1.2 }',
    'calendar:',
    '  peakEvents: [{ date: "2026-03-13", multiplier: 3 }]',
    '  freezes: [{ start: "2026-03-12T18:00", end: "2026-03-14T06:00", reason: "sale freeze" }]',
    'rollout: { steps: [0.1, 1, 5, 25, 50, 100], stepMinutes: 5, bakeMinutes: 60 }',
    '```',
    '',
    '## Fields',
    '',
    '(This table is generated from `sim/scenario-schema.ts` by `npx rolloutlab scenario docs`; a test keeps it in sync.)',
    '',
    '| field | type | default | range | meaning |',
    '|---|---|---|---|---|',
    ...scenarioFieldRows().map((r) => `| \`${r.path}\` | ${r.type} | ${r.def.replace(/\|/g, '\\|')} | ${r.range} | ${r.description.replace(/\|/g, '\\|')} |`),
    '',
    '## Notes on the model',
    '',
    '- Pool-exhaustion faults come only from latent pool bugs (`changes.poolBugShare`) meeting high load: the',
    '  weight `faults.mix.pool_exhaustion` is not used for intrinsic faults.',
    '- The KPI guardrail compares expected conversions (noise-free) over its window; the burn-rate SLO uses the',
    '  realised request and bad-request counts, so very quiet services can breach on a single bad request.',
  ];
  return lines.join('\n') + '\n';
}
