// Export the inputs of the traffic generator (sim/traffic.ts) for one (scenario, services, days, seed), so that
// bench/traffic_numpy.py generates exactly the same workload with NumPy: same services, base rates, weekly-shape
// parameters, calendar factors, noise and burst parameters and dependency edges. Only the random streams differ.
//
//   npx tsx bench/export-topology.ts [--scenario default] [--services 200] [--days 365] [--seed 1] [--out FILE]
//
// Without --out the JSON goes to stdout.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { Rng } from '../lib/rng.ts';
import { loadScenario, parseScenario, parseUtc } from '../sim/load-scenario.ts';
import { generateTopology, type Topology } from '../sim/topology.ts';
import { buildCalendar, type Calendar } from '../sim/calendar.ts';
import type { Scenario } from '../sim/scenario-schema.ts';

export const TRAFFIC_INPUTS_FORMAT = 'rolloutlab-traffic-inputs/1';

export interface TrafficInputs {
  format: typeof TRAFFIC_INPUTS_FORMAT;
  scenario: string;
  seed: number;
  services: number;
  days: number;
  minutes: number;
  /** Weekday (0 = Monday) of minute 0 in UTC. */
  startWeekday: number;
  traffic: {
    dailyAmplitude: number;
    peakHourLocal: number;
    weekendFactor: number;
    trendPerYear: number;
    timeZoneOffsetsHours: number[];
    noiseSigma: number;
    noiseCorrelation: number;
    burstsPerServicePerDay: number;
    burstMultiplier: number;
    burstMinutes: number;
  };
  /** Parameters of the calendar's per-minute event factor (sim/calendar.ts `eventFactor`). */
  calendar: {
    holidayFactor: number;
    /** Day indices (0 = first simulated day) that are holidays. */
    holidayDays: number[];
    peakEvents: { day: number; multiplier: number; rampDays: number }[];
  };
  /** Per service, index = service id (a topological order: every edge goes from a lower to a higher id). */
  service: {
    externalRpm: number[];
    /** Weights of the time-zone populations (same order as `traffic.timeZoneOffsetsHours`). */
    tzWeights: number[][];
    phaseShiftHours: number[];
  };
  edges: { caller: number[]; callee: number[]; async: boolean[]; callsPerRequest: number[] };
}

/** The scenario used for a (scenario name or path, services, days) triple: built-in or file, sizes overridden. */
export function benchScenario(nameOrPath: string, services?: number, days?: number): Scenario {
  const base = loadScenario(nameOrPath);
  if (services === undefined && days === undefined) return base;
  const raw = structuredClone(base) as Scenario;
  if (services !== undefined) raw.topology.services = services;
  if (days !== undefined) {
    raw.days = days;
    // Peak events must fall inside the simulated period; drop those a shorter period no longer holds.
    const end = parseUtc(raw.start) + days * 86_400_000;
    raw.calendar.peakEvents = raw.calendar.peakEvents.filter((p) => parseUtc(p.date) < end);
  }
  return parseScenario(raw, `${nameOrPath} (bench: services=${services ?? base.topology.services}, days=${days ?? base.days})`);
}

/** Everything generateTraffic reads, as plain JSON. */
export function exportTrafficInputs(s: Scenario, topo: Topology, cal: Calendar, seed: number): TrafficInputs {
  const dayOf = (iso: string) => Math.floor((parseUtc(iso) - cal.startMs) / 86_400_000);
  const t = s.traffic;
  return {
    format: TRAFFIC_INPUTS_FORMAT,
    scenario: s.name,
    seed,
    services: topo.services.length,
    days: cal.days,
    minutes: cal.minutes,
    startWeekday: cal.startWeekday,
    traffic: {
      dailyAmplitude: t.dailyAmplitude,
      peakHourLocal: t.peakHourLocal,
      weekendFactor: t.weekendFactor,
      trendPerYear: t.trendPerYear,
      timeZoneOffsetsHours: t.timeZones.map((z) => z.offsetHours),
      noiseSigma: t.noiseSigma,
      noiseCorrelation: t.noiseCorrelation,
      burstsPerServicePerDay: t.burstsPerServicePerDay,
      burstMultiplier: t.burstMultiplier,
      burstMinutes: t.burstMinutes,
    },
    calendar: {
      holidayFactor: t.holidayFactor,
      holidayDays: [...cal.holidayDays].sort((a, b) => a - b),
      peakEvents: s.calendar.peakEvents.map((p) => ({ day: dayOf(p.date), multiplier: p.multiplier, rampDays: p.rampDays })),
    },
    service: {
      externalRpm: topo.services.map((x) => x.externalRpm),
      tzWeights: topo.services.map((x) => x.tzWeights),
      phaseShiftHours: topo.services.map((x) => x.phaseShiftHours),
    },
    edges: {
      caller: topo.dependencies.map((d) => d.caller),
      callee: topo.dependencies.map((d) => d.callee),
      async: topo.dependencies.map((d) => d.kind === 'async'),
      callsPerRequest: topo.dependencies.map((d) => d.callsPerRequest),
    },
  };
}

/** Topology and calendar exactly as simulateWorld builds them for (scenario, seed). */
export function buildInputs(s: Scenario, seed: number): { topology: Topology; calendar: Calendar } {
  return { topology: generateTopology(s, new Rng(seed, 'topology')), calendar: buildCalendar(s) };
}

function main(argv: string[]): void {
  const opt = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write('usage: npx tsx bench/export-topology.ts [--scenario NAME|FILE] [--services N] [--days N] [--seed N] [--out FILE]\n');
      return;
    }
    if (!/^--(scenario|services|days|seed|out)$/.test(a) || i + 1 >= argv.length) throw new Error(`export-topology: bad argument ${a}`);
    opt.set(a.slice(2), argv[++i]);
  }
  const num = (k: string): number | undefined => {
    const v = opt.get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new Error(`export-topology: --${k} must be an integer, got ${v}`);
    return n;
  };
  const seed = num('seed') ?? 1;
  const s = benchScenario(opt.get('scenario') ?? 'default', num('services'), num('days'));
  const { topology, calendar } = buildInputs(s, seed);
  const json = JSON.stringify(exportTrafficInputs(s, topology, calendar, seed));
  const out = opt.get('out');
  if (out) writeFileSync(out, json);
  else process.stdout.write(json + '\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
}
