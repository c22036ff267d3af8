// The fail-closed bench (bench/fail-closed.ts) in process, on small champions trained into a temp registry, with a short
// fuzz stage: the server never answers 5xx and every 4xx names its field; no replayed case and no fuzzed bad body gets
// a go (pass / advance / 2xx on a gate / Kayenta Pass). The child-process cases (shutdown, port in use, locked
// feedback file, open writes) are left out here: they start `rolloutlab serve` processes and take about a minute
// (`rolloutlab bench failclosed` runs them).
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainTinyModels } from './tiny-models.ts';
import { benchFailClosed, formatFailClosed, type FailClosedReport } from '../bench/fail-closed.ts';

let r: FailClosedReport;

beforeAll(async () => {
  const models = await trainTinyModels(mkdtempSync(join(tmpdir(), 'rolloutlab-failclosed-test-')));
  r = await benchFailClosed({ modelsRoot: models, seed: 7, fuzz: 300, loadSeconds: 1, events: 5, processes: false });
}, 600_000);

describe('bench failclosed', () => {
  it('runs every case against the running server with every champion loaded, and prints the table', () => {
    expect(Object.values(r.models).every((v) => v !== null), JSON.stringify(r.models)).toBe(true);
    expect(r.totals.errors, formatFailClosed(r)).toBe(0);
    expect(r.totals.skipped).toBe(3); // the child-process items, off in this test
    expect(r.cases.length).toBeGreaterThan(40);
    expect(r.fuzz.requests).toBe(300);
    expect(r.fuzz.byRoute.length).toBeGreaterThanOrEqual(19);
    // The pre-deploy gates are fuzzed, and their unmutated bodies pass (so a no on a mutant is the gate's, not a dead route).
    expect(r.fuzz.byRoute.map((x) => x.route)).toEqual(expect.arrayContaining(['POST /v1/rollout/plan', 'POST /v1/argo/gate']));
    const gates = r.references.filter((x) => /^(rollout plan|Argo gate),/.test(x.name));
    expect(gates.map((x) => [x.name, x.ok])).toEqual([['rollout plan, every feature as trained on', true], ['Argo gate, every feature as trained on', true]]);
    // The oracle sees bad bodies on every route (the fuzz is not just valid variants).
    for (const x of r.fuzz.byRoute) expect(x.invalidOrMissing, x.route).toBeGreaterThan(0);
    const text = formatFailClosed(r);
    expect(text).toMatch(/cases fail-closed \d+ of \d+/);
    expect(text).toMatch(/fuzz: 300 requests, \d+ × 5xx, \d+ fail-open, \d+ × 4xx without a named field/);
  });

  it('never answers 5xx, and every 4xx names the field', () => {
    expect(r.fuzz.fiveXX, formatFailClosed(r)).toBe(0);
    expect(r.fuzz.fourXXWithoutField, formatFailClosed(r)).toBe(0);
    expect(r.cases.filter((c) => c.status === '5xx')).toEqual([]);
  });

  it('fails closed: no replayed case and no fuzzed bad body gets a go', () => {
    const open = r.cases.filter((c) => c.status === 'FAIL-OPEN').map((c) => `${c.group}: ${c.name}: got ${c.got}`);
    expect(open).toEqual([]);
    expect(r.fuzz.failOpen, JSON.stringify(r.fuzz.examples, null, 1)).toBe(0);
    expect(r.fuzz.imputedReasons).toBe(0);
  });
});
