// Scenarios: built-ins load and mean what they say; bad files fail with the field and value named.
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadScenario, parseScenario, builtinScenarios } from '../sim/index.ts';
import { RolloutlabError } from '../lib/errors.ts';

const expectBad = (raw: unknown, field: string, text: RegExp) => {
  try {
    parseScenario(raw, 'x.json');
  } catch (e) {
    expect(e).toBeInstanceOf(RolloutlabError);
    expect((e as RolloutlabError).code).toBe('BAD_SCENARIO');
    expect((e as RolloutlabError).field).toBe(field);
    expect((e as Error).message).toMatch(text);
    return;
  }
  throw new Error(`no error for ${JSON.stringify(raw)}`);
};

describe('scenarios', () => {
  it('ships the four built-ins, each valid', () => {
    expect(builtinScenarios()).toEqual(expect.arrayContaining(['default', 'black-friday', 'low-traffic', 'large']));
    for (const name of builtinScenarios()) expect(loadScenario(name).name).toBe(name);
  });
  it('large has at least 500 services; black-friday a 5x peak; low-traffic few requests', () => {
    expect(loadScenario('large').topology.services).toBeGreaterThanOrEqual(500);
    expect(loadScenario('black-friday').calendar.peakEvents[0].multiplier).toBe(5);
    expect(loadScenario('low-traffic').traffic.edgeRequestsPerMinute).toBeLessThan(200);
  });
  it('fills a default for every field', () => {
    const s = parseScenario({});
    expect(s.days).toBe(14);
    expect(s.slo.objective).toBe(0.999);
    expect(s.rollout.steps).toEqual([1, 5, 25, 50, 100]);
    expect(s.faults.mix.error_step).toBe(1);
  });
  it('reads YAML files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rl-scn-'));
    const f = join(dir, 'mine.yaml');
    writeFileSync(f, 'name: mine\ndays: 3\ntopology:\n  services: 7\n');
    const s = loadScenario(f);
    expect([s.name, s.days, s.topology.services]).toEqual(['mine', 3, 7]);
  });
  it('names the bad field and value', () => {
    expectBad({ traffic: { dailyAmplitude: 2 } }, 'traffic.dailyAmplitude', /= 2: .*0\.95/);
    expectBad({ traffic: { dailyAmplitud: 0.3 } }, 'traffic.dailyAmplitud', /unknown field traffic\.dailyAmplitud/);
    expectBad({ days: 'ten' }, 'days', /days = "ten": expected integer/);
    expectBad({ topology: { services: 3 } }, 'topology.services', /= 3/);
    expectBad({ start: '2026-02-30' }, 'start', /not a real date/);
    expectBad({ rollout: { steps: [1, 50, 25, 100] } }, 'rollout.steps.2', /must increase/);
    expectBad({ rollout: { steps: [1, 50] } }, 'rollout.steps.1', /last step must be 100/);
    expectBad({ calendar: { freezes: [{ start: '2026-03-05', end: '2026-03-04' }] } }, 'calendar.freezes.0.end', /after start/);
    expectBad({ calendar: { peakEvents: [{ date: '2030-01-01' }] } }, 'calendar.peakEvents.0.date', /outside the simulated period/);
  });
  it('reports every problem at once, with the closest known field for a typo', () => {
    let err: RolloutlabError | undefined;
    try {
      parseScenario({ trafic: {}, traffic: { dailyAmplitud: 0.3, noiseSigma: -1 }, calendar: { freezes: [{ start: '2026-03-05', end: '2026-03-04', reson: 'x' }] } }, 'mine.yaml');
    } catch (e) {
      err = e as RolloutlabError;
    }
    expect(err?.code).toBe('BAD_SCENARIO');
    const lines = err!.message.split('\n');
    expect(lines[0]).toBe('mine.yaml: 4 problems:');
    expect(lines.slice(1).join('\n')).toMatch(/unknown field trafic: did you mean traffic\?/);
    expect(lines.slice(1).join('\n')).toMatch(/unknown field traffic\.dailyAmplitud: did you mean traffic\.dailyAmplitude\?/);
    expect(lines.slice(1).join('\n')).toMatch(/traffic\.noiseSigma = -1/);
    expect(lines.slice(1).join('\n')).toMatch(/unknown field calendar\.freezes\.0\.reson: did you mean calendar\.freezes\.0\.reason\?/);
    // Once the schema holds, every rule it cannot say is reported too.
    expect(() => parseScenario({ start: '2026-02-30', rollout: { steps: [1, 50, 25, 90] } })).toThrow(/3 problems:\n {2}- start = "2026-02-30": not a real date\n {2}- rollout\.steps\.2 = 25: steps must increase\n {2}- rollout\.steps\.3 = 90: the last step must be 100/);
    // A name far from every field gets no guess.
    expect(() => parseScenario({ zzzzzzzz: 1 })).toThrow(/^scenario: unknown field zzzzzzzz \(check the spelling/);
    // A missing file is named as such, not as an unknown built-in.
    expect(() => loadScenario('nowhere/mine.yaml')).toThrow(/scenario file .*nowhere\/mine\.yaml does not exist/);
  });
  it('rejects an unknown built-in and malformed files', () => {
    expect(() => loadScenario('nope')).toThrow(/neither a built-in/);
    const dir = mkdtempSync(join(tmpdir(), 'rl-scn-'));
    const f = join(dir, 'broken.json');
    writeFileSync(f, '{"days": 3,');
    expect(() => loadScenario(f)).toThrow(/not valid json/);
  });
});

describe('scenario docs', () => {
  it('docs/scenarios.md is the generated reference and lists every field', async () => {
    const { readFileSync } = await import('node:fs');
    const { scenarioDocsMarkdown, scenarioFieldRows } = await import('../sim/scenario-docs.ts');
    const doc = readFileSync(new URL('../docs/scenarios.md', import.meta.url), 'utf8');
    expect(doc).toBe(scenarioDocsMarkdown());
    for (const r of scenarioFieldRows()) expect(doc).toContain('`' + r.path + '`');
    expect(scenarioFieldRows().length).toBeGreaterThan(60);
  });
});
