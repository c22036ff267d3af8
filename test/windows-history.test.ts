// `rolloutlab windows --history`: the window recommender and its evaluation on a team's own imported history, scored
// by the risk-history champion. Seeded synthetic histories where deployments in some hours of the day fail more show
// that the ranking follows the history's timing (both ways: it must be able to fail), that --traffic turns the cost
// into expected bad requests, that bad inputs exit with codes and messages naming the flag or field, and that the
// held-out evaluation reports what it claims with consistent counts.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../lib/rng.ts';
import { wilsonInterval } from '../lib/stats.ts';
import { initBackend } from '../training/backend.ts';
import { GamModel, type GamJSON } from '../training/gam.ts';
import { historyModelInputs } from '../training/deploy-window/history.ts';
import { parseTrafficCsv } from '../datasets/traffic-csv.ts';
import { inProcess } from './in-process.ts';
import { historySampleCsv } from '../scripts/make-history-sample.ts';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const HOUR = 3_600_000;

/**
 * A seeded history of four services whose failures depend on the change's size and coverage and, by `boost` in the
 * log-odds, on starting in the UTC hours `risky` picks. Starts 0.5 to 3.5 h apart, so every hour of the day is seen.
 */
function timedHistoryCsv(o: { n: number; seed: number; risky: (hourUtc: number) => boolean; boost: number }): string {
  const rng = new Rng(o.seed, 'windows-history-test');
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const lines = ['deployment_id,service,started_at,finished_at,failed,lines_added,files_changed,test_coverage'];
  let t = Date.UTC(2026, 6, 1);
  for (let i = 0; i < o.n; i++) {
    t += Math.round(rng.uniform(0.5, 3.5) * 60) * 60_000;
    const la = Math.round(Math.exp(rng.normal() * 1.2 + 4));
    const files = 1 + Math.round(la / 40);
    const cov = rng.uniform(0.3, 0.9);
    const z = -2.6 + 0.4 * Math.log1p(la) - 1.2 * cov + (o.risky(new Date(t).getUTCHours()) ? o.boost : 0);
    const failed = rng.bernoulli(sigmoid(z));
    lines.push([`d-${String(i).padStart(5, '0')}`, `svc-${rng.int(0, 3)}`, iso(t), iso(t + 30 * 60_000), failed ? 1 : 0, la, files, cov.toFixed(3)].join(','));
  }
  return lines.join('\n') + '\n';
}

let dir: string;
const night = (h: number) => h < 6;
const afternoon = (h: number) => h >= 12 && h < 18;

/** Import a CSV and train a risk-history model on it into its own registry; the imported folder and the registry. */
async function trained(name: string, csv: string): Promise<{ data: string; models: string; lastStart: number }> {
  const file = join(dir, `${name}.csv`);
  writeFileSync(file, csv);
  const data = join(dir, name);
  const models = join(dir, `models-${name}`);
  const imp = await inProcess(['import', 'history', '--data', file, '--out', data]);
  expect(imp.code, imp.stderr).toBe(0);
  const tr = await inProcess(['train', 'risk', '--data', data, '--models', models, '--json']);
  expect(tr.code, tr.stdout + tr.stderr).toBe(0);
  const rows = csv.trim().split('\n');
  return { data, models, lastStart: Date.parse(rows[rows.length - 1].split(',')[2]) };
}

async function json(args: string[]): Promise<any> {
  const r = await inProcess([...args, '--json']);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

/** The next `hour`:00 UTC after `ms`. */
const nextHour = (ms: number, hour: number) => {
  const d = new Date(ms);
  let t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), hour);
  while (t <= ms) t += 24 * HOUR;
  return t;
};
const utcHour = (iso: string) => new Date(iso).getUTCHours();

let nightly: Awaited<ReturnType<typeof trained>>;
let daily: Awaited<ReturnType<typeof trained>>;

beforeAll(async () => {
  await initBackend('wasm');
  dir = mkdtempSync(join(tmpdir(), 'rolloutlab-windows-history-'));
  nightly = await trained('nightly', timedHistoryCsv({ n: 700, seed: 1, risky: night, boost: 2 }));
  daily = await trained('daily', timedHistoryCsv({ n: 700, seed: 2, risky: afternoon, boost: 2 }));
}, 180_000);

describe('ranked windows on a history with a time-of-day effect', () => {
  it('night deploys fail more: a change ready at 01:00 UTC is moved out of the night', async () => {
    const ready = new Date(nextHour(nightly.lastStart, 1)).toISOString();
    const r = await json(['windows', '--history', nightly.data, '--service', 'svc-1', '--ready', ready, '--models', nightly.models, '--change', 'lines_added=80', '--change', 'files_changed=3']);
    expect(r.readyAt).toBe(ready);
    expect(r.riskModel).toEqual({ family: 'risk-history', version: 'v0001' });
    expect(r.costBasis).toBe('risk');
    expect(r.ranked[0].expectedCost).toBeNull();
    expect(r.onCallCover).toBeNull();
    expect(r.notes.join(' ')).toMatch(/holds none/);
    // Every ranked start, not just the first, avoids the night, and the best is much less risky than 01:00.
    for (const w of r.ranked) expect(night(utcHour(w.start))).toBe(false);
    expect(night(utcHour(r.whenReady.start))).toBe(true);
    expect(r.ranked[0].risk).toBeLessThan(0.6 * r.whenReady.risk);
    expect(r.ranked[0].factors.map((f: any) => f.factor)).toContain('time of day');
    // The rollout length is the service's median finished_at − started_at; the change's own values are used.
    expect(r.rollout).toMatchObject({ minutes: 30, source: 'service' });
    expect(r.change.imputed).toEqual(['test_coverage']);
    // Ranked by risk, lowest first.
    for (let i = 1; i < r.ranked.length; i++) expect(r.ranked[i].risk).toBeGreaterThanOrEqual(r.ranked[i - 1].risk);
  });

  it('afternoon deploys fail more: the same change ready at 13:00 UTC is moved out of the afternoon (the ranking follows the data)', async () => {
    const ready = new Date(nextHour(daily.lastStart, 13)).toISOString();
    const r = await json(['windows', '--history', daily.data, '--service', 'svc-1', '--ready', ready, '--models', daily.models, '--change', 'lines_added=80']);
    for (const w of r.ranked) expect(afternoon(utcHour(w.start))).toBe(false);
    expect(afternoon(utcHour(r.whenReady.start))).toBe(true);
    expect(r.ranked[0].risk).toBeLessThan(0.6 * r.whenReady.risk);
  });

  it('the default ready time is the history\'s last start + 1 min; the service state is its rows before then', async () => {
    const r = await json(['windows', '--history', nightly.data, '--service', 'svc-2', '--models', nightly.models]);
    expect(r.readyAt).toBe(new Date(nightly.lastStart + 60_000).toISOString());
    const csv = readFileSync(join(dir, 'nightly.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const own = csv.filter((c) => c[1] === 'svc-2');
    expect(r.serviceHistory.deploysSoFar).toBe(own.length);
    expect(r.serviceHistory.lastDeployEnd).toBe(new Date(own[own.length - 1][3]).toISOString());
    expect(r.serviceHistory.laterRowsIgnored).toBe(0);
    expect(r.change.imputed).toEqual(['lines_added', 'files_changed', 'test_coverage']);
  });

  it('--allowed-hours keeps every offered rollout inside them (UTC + --utc-offset), and counts the starts left out', async () => {
    const ready = new Date(nextHour(nightly.lastStart, 1)).toISOString();
    const r = await json(['windows', '--history', nightly.data, '--service', 'svc-1', '--ready', ready, '--models', nightly.models, '--allowed-hours', '2-4', '--utc-offset', '1']);
    expect(r.allowedHours).toBe('02:00-04:00 team local time (UTC+1)');
    expect(r.outsideAllowedCandidates).toBeGreaterThan(0);
    for (const w of r.ranked) {
      const local = (utcHour(w.start) + 1) % 24;
      expect(local >= 2 && local < 4).toBe(true);
    }
  });

  it('--traffic turns the cost into expected bad requests: a night with almost no traffic beats a risky-but-busy day', async () => {
    const readyMs = nextHour(nightly.lastStart, 9);
    // 14 days of hourly counts before readiness: 100,000 requests an hour by day, 10 at night (UTC).
    const lines = ['time,requests'];
    for (let t = readyMs - 14 * 24 * HOUR; t < readyMs; t += HOUR) lines.push(`${new Date(t).toISOString()},${night(new Date(t).getUTCHours()) ? 10 : 100000}`);
    const file = join(dir, 'traffic.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const args = ['windows', '--history', nightly.data, '--service', 'svc-1', '--ready', new Date(readyMs).toISOString(), '--models', nightly.models];
    const without = await json(args);
    const withTraffic = await json([...args, '--traffic', file]);
    expect(night(utcHour(without.ranked[0].start))).toBe(false);
    expect(withTraffic.costBasis).toBe('expected-bad-requests');
    expect(withTraffic.traffic).toMatchObject({ file, stepMinutes: 60, to: new Date(readyMs).toISOString() });
    const best = withTraffic.ranked[0];
    expect(night(utcHour(best.start))).toBe(true);
    expect(best.expectedCost).toBeCloseTo(best.risk * best.forecastRequests * 0.05, 6);
    // The rollout (30 min) at night sees about 10 requests an hour, by day about 50,000 per half hour.
    expect(best.forecastRequests).toBeLessThan(100);
    expect(withTraffic.whenReady.forecastRequests).toBeGreaterThan(10_000);
    expect(best.expectedCost).toBeLessThan(withTraffic.whenReady.expectedCost);
  });
});

describe('bad inputs exit with a code and name the flag or field', () => {
  const fails = async (args: string[], code: number, field: string, pattern: RegExp) => {
    const r = await inProcess([...args, '--json']);
    expect(r.code, r.stdout + r.stderr).toBe(code);
    const err = JSON.parse(r.stdout).error;
    expect(err.field).toBe(field);
    expect(err.message).toMatch(pattern);
  };
  const base = () => ['windows', '--history', nightly.data, '--models', nightly.models];

  it('an unknown service: exit 2 naming --service and the known ones', async () => {
    await fails([...base(), '--service', 'svc-9'], 2, 'service', /--service: no service "svc-9" .*its services: svc-0, svc-1, svc-2, svc-3/);
  });

  it('no risk-history champion: exit 2 saying how to train one', async () => {
    await fails(['windows', '--history', nightly.data, '--service', 'svc-1', '--models', join(dir, 'no-models')], 2, 'models', /no risk-history champion in .*rolloutlab train risk --data <imported history>/);
    await fails(['windows', '--history', nightly.data, '--evaluate', '--models', join(dir, 'no-models')], 2, 'models', /no risk-history champion/);
  });

  it('--change: an unknown feature, a per-start feature, a value out of range, not feature=value (exit 1); a file of the wrong shape (exit 2)', async () => {
    await fails([...base(), '--service', 'svc-1', '--change', 'tier=api'], 1, 'change', /--change tier: is not a change feature of risk-history v0001 \(its change features: lines_added, files_changed, test_coverage\)/);
    await fails([...base(), '--service', 'svc-1', '--change', 'hour_sin=0'], 1, 'change', /--change hour_sin: is computed for each candidate start/);
    await fails([...base(), '--service', 'svc-1', '--change', 'service_deploys_so_far=3'], 1, 'change', /computed for each candidate start/);
    await fails([...base(), '--service', 'svc-1', '--change', 'lines_added=-3'], 1, 'change', /--change lines_added: "-3" is not a non-negative integer/);
    await fails([...base(), '--service', 'svc-1', '--change', 'test_coverage=1.5'], 1, 'change', /is outside \[0, 1\]/);
    await fails([...base(), '--service', 'svc-1', '--change', 'no-such-file.json'], 2, 'change', /neither a file nor feature=value/);
    const file = join(dir, 'change.json');
    writeFileSync(file, '[1, 2]');
    await fails([...base(), '--service', 'svc-1', '--change', file], 2, 'change', /one JSON object of feature → value/);
    writeFileSync(file, JSON.stringify({ lines_added: 40, files_changed: 'many' }));
    await fails([...base(), '--service', 'svc-1', '--change', file], 2, 'change', /--change files_changed: "many" is not a non-negative integer/);
    writeFileSync(file, JSON.stringify({ lines_added: 40, test_coverage: 0.7 }));
    const ok = await json([...base(), '--service', 'svc-1', '--change', file]);
    expect(ok.change.values).toMatchObject({ lines_added: 40, test_coverage: 0.7 });
  });

  it('--traffic: a bad count, a bad time, an irregular step, too little before --ready (exit 2 naming file, line and column)', async () => {
    const readyMs = nextHour(nightly.lastStart, 9);
    const hourly = (n: number, bad?: (k: number) => string | null) => {
      const lines = ['time,requests'];
      for (let k = 0; k < n; k++) lines.push(bad?.(k) ?? `${new Date(readyMs - (n - k) * HOUR).toISOString()},${100 + k}`);
      return lines.join('\n') + '\n';
    };
    const write = (name: string, text: string) => {
      const f = join(dir, name);
      writeFileSync(f, text);
      return f;
    };
    const args = (f: string) => [...base(), '--service', 'svc-1', '--ready', new Date(readyMs).toISOString(), '--traffic', f];
    const neg = write('neg.csv', hourly(72, (k) => (k === 3 ? `${new Date(readyMs - 69 * HOUR).toISOString()},-5` : null)));
    await fails(args(neg), 2, 'requests', new RegExp(`${neg.replaceAll('.', '\\.')}: line 5, column "requests": "-5" is not a request count`));
    const inf = write('inf.csv', hourly(72, (k) => (k === 10 ? `${new Date(readyMs - 62 * HOUR).toISOString()},Infinity` : null)));
    await fails(args(inf), 2, 'requests', /line 12, column "requests": "Infinity" is not a request count/);
    const time = write('time.csv', hourly(72, (k) => (k === 6 ? 'yesterday,100' : null)));
    await fails(args(time), 2, 'time', /line 8, column "time": "yesterday" is not a timestamp/);
    const step = write('step.csv', hourly(72, (k) => (k === 20 ? `${new Date(readyMs - 52 * HOUR + 30 * 60_000).toISOString()},100` : null)));
    await fails(args(step), 2, 'time', /line 22, column "time": .* not a whole number of 60-minute steps/);
    const short = write('short.csv', hourly(30));
    await fails(args(short), 2, 'traffic', /1\.25 days of traffic before the change is ready .* needs at least 2 days/);
    await fails(args(join(dir, 'none.csv')), 2, 'traffic', /--traffic: .*none\.csv: file not found/);
    expect(() => parseTrafficCsv('time,requests\n2026-01-01T00:00Z,1\n2026-01-01T00:05Z,1\n', 'five.csv')).toThrow(/five\.csv: line 3, column "time": .* the step must be 1 minute or 1 hour/);
  });

  it('flags that do not fit: simulated-world flags or --approval-below-cover with --history, history flags without it (exit 1)', async () => {
    await fails([...base(), '--service', 'svc-1', '--seed', '3'], 1, 'seed', /--seed is a simulated world's/);
    await fails([...base(), '--service', 'svc-1', '--deployment', 'dep-000001'], 1, 'deployment', /--deployment is a simulated world's/);
    await fails([...base(), '--service', 'svc-1', '--approval-below-cover', '0.5'], 1, 'approval-below-cover', /needs on-call cover, which a deployment history does not hold/);
    await fails(base(), 1, 'service', /--history needs --service <name>/);
    await fails(['windows', '--service', 'svc-1'], 1, 'service', /--service needs --history/);
    await fails(['windows', '--evaluate'], 1, 'evaluate', /--evaluate needs --history/);
    await fails([...base(), '--evaluate', '--traffic', 'x.csv'], 1, 'traffic', /--evaluate scores every held-out deployment/);
    await fails([...base(), '--service', 'svc-1', '--ready', 'soon'], 1, 'ready', /--ready: "soon" is not a time/);
    await fails([...base(), '--schedule', 'b.json', '--service', 'svc-1'], 1, 'service', /--schedule reads each change's service/);
    await fails([...base(), '--schedule', 'b.json', '--evaluate'], 1, 'schedule', /give one of them/);
    await fails(['windows', '--schedule', 'b.json'], 1, 'schedule', /--schedule needs --history/);
  });

  it('a data set that is not a deployment history, and a missing folder (exit 2 naming --history)', async () => {
    const jit = join(dir, 'jit');
    expect((await inProcess(['import', 'jit', '--data', join(import.meta.dirname, 'fixtures', 'importers', 'jit-mini.csv'), '--out', jit])).code).toBe(0);
    await fails(['windows', '--history', jit, '--service', 'svc-1', '--models', nightly.models], 2, 'history', /not an imported deployment history/);
    await fails(['windows', '--history', join(dir, 'missing'), '--evaluate', '--models', nightly.models], 2, 'history', /--history: data set folder .* does not exist/);
  });

  it('a model feature the history cannot give for a start is an error naming it; so is a service with no row before --ready', async () => {
    const gam = JSON.parse(readFileSync(join(nightly.models, 'risk-history', 'v0001', 'gam.json'), 'utf8')) as GamJSON;
    const withCover = GamModel.fromJSON({ ...gam, specs: [...gam.specs, { name: 'oncall_cover', kind: 'numeric' }] });
    expect(() => historyModelInputs(withCover, 'v0009')).toThrow(/risk-history v0009 needs oncall_cover, which a deployment history cannot give for a candidate start/);
    expect(historyModelInputs(GamModel.fromJSON(gam), 'v0001')).toEqual({
      change: ['lines_added', 'files_changed', 'test_coverage'],
      clock: ['hour_sin', 'hour_cos', 'weekend'],
      service: ['hours_since_last_deploy', 'service_recent_failure_rate', 'service_deploys_so_far'],
    });
    await fails([...base(), '--service', 'svc-1', '--ready', '2026-06-01T00:00Z'], 2, 'hours_since_last_deploy', /needs hours_since_last_deploy, but svc-1 has no deployment in the history before the change is ready/);
  });
});

describe('windows --history --evaluate: the held-out period', () => {
  let e: any;
  beforeAll(async () => {
    e = await json(['windows', '--history', nightly.data, '--evaluate', '--models', nightly.models]);
  });

  it('scores the newest 20 % by started_at, the split the model used, and says the champion never saw them', () => {
    expect(e.heldOut).toMatchObject({ n: 140, championRows: 'held out from it' });
    expect(e.riskModel.version).toBe('v0001');
    expect(e.imputedFeatures).toEqual([]);
  });

  it('(a) calibration buckets partition the held-out rows, with intervals around the observed shares', () => {
    const by = new Map(e.calibration.map((c: any) => [c.bucket, c]));
    const sum = (names: string[]) => names.reduce((a, k) => a + (by.get(k) as any).n, 0);
    expect(sum(['00-06 UTC', '06-12 UTC', '12-18 UTC', '18-24 UTC'])).toBe(140);
    expect(sum(['weekday (UTC)', 'weekend (UTC)'])).toBe(140);
    const all = by.get('all held out') as any;
    expect(all).toMatchObject({ n: 140, failed: e.heldOut.failed });
    for (const c of e.calibration) {
      if (c.n === 0) continue;
      expect(c.observed).toBeCloseTo(c.failed / c.n, 12);
      expect(c.interval).toEqual(wilsonInterval(c.failed, c.n));
      expect(c.interval[0]).toBeLessThanOrEqual(c.observed);
      expect(c.interval[1]).toBeGreaterThanOrEqual(c.observed);
    }
    // The night band fails more, and the model says so.
    const n0 = by.get('00-06 UTC') as any;
    const n2 = by.get('12-18 UTC') as any;
    expect(n0.observed).toBeGreaterThan(n2.observed);
    expect(n0.predicted).toBeGreaterThan(n2.predicted);
  });

  it('(b) the risk at the real start is the model\'s held-out score, and the recommended start is predicted to cut it (a model estimate)', () => {
    const all = e.calibration.find((c: any) => c.bucket === 'all held out');
    expect(e.timing.meanRiskAtStart).toBeCloseTo(all.predicted, 12);
    expect(e.timing.deployments).toBe(140);
    expect(e.timing.estimate).toMatch(/not an observed outcome/);
    expect(e.timing.relativeRiskCut).toBeGreaterThan(0.2);
    expect(e.timing.meanRiskAtRecommended).toBeLessThan(e.timing.meanRiskAtStart);
    expect(e.timing.moved).toBeGreaterThan(0);
    expect(e.timing.moved).toBeLessThanOrEqual(140);
  });

  it('(c) the model\'s low-risk hours (42 of the week) avoid the night, and held-out deployments there failed less', () => {
    const l = e.lowRiskHours;
    expect(l.hoursOfWeek).toHaveLength(42);
    for (const h of l.hoursOfWeek) expect(night(h % 24)).toBe(false);
    expect(l.recommendedLike.n + l.others.n).toBe(140);
    expect(l.recommendedLike.failed + l.others.failed).toBe(e.heldOut.failed);
    expect(l.recommendedLike.observed).toBeLessThan(l.others.observed);
    expect(l.recommendedLike.interval).toEqual(wilsonInterval(l.recommendedLike.failed, l.recommendedLike.n));
  });

  it('--allowed-hours applies to the recommended starts of the evaluation', async () => {
    const a = await json(['windows', '--history', nightly.data, '--evaluate', '--models', nightly.models, '--allowed-hours', '0-6']);
    // Only night starts allowed: the recommender cannot leave the risky hours, so it cuts far less.
    expect(a.allowedHours).toMatch(/^00:00-06:00/);
    expect(a.timing.relativeRiskCut).toBeLessThan(e.timing.relativeRiskCut);
  });

  it('on a history without any time effect the low-risk hours show no observed difference (the check above can fail)', async () => {
    const flat = await trained('flat', historySampleCsv({ n: 500, seed: 21 }));
    const f = await json(['windows', '--history', flat.data, '--evaluate', '--models', flat.models]);
    expect(f.lowRiskHours.intervalsOverlap).toBe(true);
    expect(f.lowRiskHoursNote).toMatch(/cannot be told apart/);
  }, 60_000);
});

describe('windows --history --schedule: several changes across the history\'s services', () => {
  const batchFile = (name: string, batch: unknown) => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(batch));
    return f;
  };
  const run = (file: string, more: string[] = []) => ['windows', '--history', nightly.data, '--schedule', file, '--models', nightly.models, ...more];

  it('a contract-changing callee finishes before its caller starts, the same service never rolls out twice at once, and the night is avoided', async () => {
    const ready = new Date(nextHour(nightly.lastStart, 1)).toISOString();
    const f = batchFile('batch.json', {
      changes: [
        { id: 'api', service: 'svc-1', readyAt: ready, features: { lines_added: 200 }, apiContractChange: true },
        { id: 'client', service: 'svc-2', readyAt: ready, features: { lines_added: 20 } },
        { id: 'again', service: 'svc-1', readyAt: ready, features: { lines_added: 10 } },
      ],
      dependencies: [{ caller: 'svc-2', callee: 'svc-1' }],
    });
    const s = await json(run(f));
    expect(s.violations).toEqual([]);
    expect(s.costBasis).toBe('risk');
    expect(s.rolloutMinutes).toBe(30);
    const by = Object.fromEntries(s.changes.map((c: any) => [c.id, c]));
    expect(Date.parse(by.api.end)).toBeLessThanOrEqual(Date.parse(by.client.start));
    const [a, b] = [by.api, by.again].sort((x, y) => Date.parse(x.start) - Date.parse(y.start));
    expect(Date.parse(a.end)).toBeLessThanOrEqual(Date.parse(b.start));
    for (const c of s.changes) expect(night(utcHour(c.start))).toBe(false);
    expect(s.totalCost).toBeCloseTo(s.changes.reduce((x: number, c: any) => x + c.risk, 0), 9);
    expect(s.totalCost).toBeLessThan(s.whenReadyCost);
    expect(by.client.explanation).toMatch(/after api \(API contract change on svc-1, which svc-2 calls\)/);
    expect(s.order).toHaveLength(3);
  });

  it('traffic for every changed service makes the costs expected bad requests; for only some it is refused', async () => {
    const readyMs = nextHour(nightly.lastStart, 9);
    const lines = ['time,requests'];
    for (let t = readyMs - 7 * 24 * HOUR; t < readyMs; t += HOUR) lines.push(`${new Date(t).toISOString()},${night(new Date(t).getUTCHours()) ? 10 : 100000}`);
    writeFileSync(join(dir, 'svc-traffic.csv'), lines.join('\n') + '\n');
    const changes = [
      { id: 'a', service: 'svc-1', readyAt: new Date(readyMs).toISOString() },
      { id: 'b', service: 'svc-3', readyAt: new Date(readyMs).toISOString() },
    ];
    const s = await json(run(batchFile('traffic-batch.json', { changes, traffic: { 'svc-1': 'svc-traffic.csv', 'svc-3': 'svc-traffic.csv' } })));
    expect(s.costBasis).toBe('expected-bad-requests');
    for (const c of s.changes) {
      expect(c.expectedCost).toBeGreaterThan(0);
      expect(night(utcHour(c.start))).toBe(true);
    }
    const r = await inProcess([...run(batchFile('half-traffic.json', { changes, traffic: { 'svc-1': 'svc-traffic.csv' } })), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ field: 'traffic.svc-3' });
  });

  it('a bad batch exits 2 naming the field', async () => {
    const fails = async (batch: unknown, field: string, pattern: RegExp) => {
      const r = await inProcess([...run(batchFile('bad.json', batch)), '--json']);
      expect(r.code, r.stdout).toBe(2);
      const err = JSON.parse(r.stdout).error;
      expect(err.field).toBe(field);
      expect(err.message).toMatch(pattern);
    };
    await fails({ changes: [{ id: 'a', service: 'svc-9' }] }, 'changes[0].service', /no service "svc-9" .*its services: svc-0, svc-1, svc-2, svc-3/);
    await fails({ changes: [{ id: 'a', service: 'svc-1' }, { id: 'a', service: 'svc-2' }] }, 'changes[1].id', /duplicates changes\[0\]\.id/);
    await fails({ changes: [{ id: 'a', service: 'svc-1', colour: 'red' }] }, 'changes[0].colour', /is not a field of a change/);
    await fails({ changes: [{ id: 'a', service: 'svc-1', features: { lines_added: -1 } }] }, 'changes[0].features', /changes\[0\]\.features lines_added: -1 is not a non-negative integer/);
    await fails({ changes: [{ id: 'a', service: 'svc-1', readyAt: 'later' }] }, 'changes[0].readyAt', /is not a time/);
    await fails({ changes: [] }, 'changes', /non-empty list/);
    await fails({ changes: [{ id: 'a', service: 'svc-1' }], dependencies: [{ caller: 'svc-1', callee: 'svc-2' }, { caller: 'svc-2', callee: 'svc-1' }] }, 'dependencies', /contain a cycle: svc-1 → svc-2 → svc-1/);
  });
});
