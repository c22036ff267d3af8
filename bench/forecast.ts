// The traffic forecaster's quality report (docs/forecast.md): MASE against the seasonal-naive forecast on the
// held-out tail, on every service of a simulated world and on NAB's nyc_taxi, against the target.
//
//   forecastReport({ seed, days }) ─▶ simulated traffic (per service, median) + NAB nyc_taxi, against the target
//
// The main job's pre-deploy stage (cli/predeploy.ts) reads its figures; scripts/forecast-report.ts prints it as a table
// or JSON. The forecaster and its evaluation (`evaluateSeries`) are the family's code, in training/forecast/.
import { RolloutlabError } from '../lib/errors.ts';
import { loadScenario, parseScenario, simulateWorld } from '../sim/index.ts';
import { NYC_TAXI_CSV, readNabSeries } from '../datasets/nab-series.ts';
import { evaluateSeries, type ForecasterOptions, type SeriesEvaluation } from '../training/forecast/index.ts';

/** The forecast target (docs/definitions.md#targets): MASE below 1 (better than seasonal naive). */
export const FORECAST_MASE_TARGET = 1;

export interface ForecastReportOptions {
  /** Simulation seed (default 1). */
  seed?: number;
  /** Days of simulated traffic (default 42: six weeks, so the training part holds several weeks). */
  days?: number;
  /** Built-in scenario name or file (default 'default'). */
  scenario?: string;
  /** Forecast horizon from each origin, hours (default 24). */
  horizonHours?: number;
  /** A second, longer horizon reported beside it (default 72, the recommender's; 0 = none). */
  longHorizonHours?: number;
  /** Held-out share at the end of each series (default 0.2). */
  testFraction?: number;
  /** Rolling origins in the tail (default 14 for the simulated series, 20 for nyc_taxi). */
  simOrigins?: number;
  taxiOrigins?: number;
  /** Forecaster options (the same for every series; `period` comes from the data). */
  forecaster?: Omit<ForecasterOptions, 'period'>;
  /** nyc_taxi CSV (default: the repo's copy); null skips that part. */
  nycTaxiPath?: string | null;
}

export interface ServiceForecastResult {
  service: number;
  name: string;
  meanRpm: number;
  mase: number;
  naiveMase: number;
  ratio: number;
  /** The same at the long horizon (when asked for). */
  long?: { mase: number; naiveMase: number };
  fitMs: number;
}

export interface Verdict {
  /** forecaster MASE < target (1). */
  belowTarget: boolean;
  /** forecaster MASE < seasonal-naive MASE on the same origins and steps. */
  beatsNaive: boolean;
  met: boolean;
}

export interface ForecastReport {
  protocol: {
    metric: 'MASE';
    scale: string;
    naive: string;
    heldOut: string;
    testFraction: number;
    horizonHours: number;
    longHorizonHours: number;
    criterion: string;
  };
  simulated: {
    scenario: string;
    seed: number;
    days: number;
    resolution: string;
    period: number;
    horizon: number;
    origins: number;
    trainDays: number;
    testDays: number;
    services: ServiceForecastResult[];
    medianMase: number;
    medianNaiveMase: number;
    /** Median over services of mase / naiveMase. */
    medianRatio: number;
    worstRatio: number;
    servicesBeatingNaive: number;
    /** The sum of every service's traffic as one series. */
    total: { mase: number; naiveMase: number; ratio: number };
    long?: { horizon: number; medianMase: number; medianNaiveMase: number };
    medianFitMs: number;
    verdict: Verdict;
  };
  nycTaxi: null | {
    file: string;
    n: number;
    stepMinutes: number;
    period: number;
    horizon: number;
    origins: number;
    trainLength: number;
    testLength: number;
    testStart: string;
    mase: number;
    naiveMase: number;
    ratio: number;
    scale: number;
    long?: { horizon: number; mase: number; naiveMase: number };
    fitMs: number;
    verdict: Verdict;
  };
  target: number;
  /** Every part below target and better than seasonal naive. */
  met: boolean;
}

function medianOf(a: number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

const verdict = (m: number, naive: number): Verdict => {
  const belowTarget = m < FORECAST_MASE_TARGET;
  const beatsNaive = m < naive;
  return { belowTarget, beatsNaive, met: belowTarget && beatsNaive };
};

/**
 * Runs both evaluations: every service of a simulated world (one-minute requests; the forecaster works on
 * 15-minute buckets internally and interpolates back to minutes, the MASE is on the minutes), and NAB's
 * nyc_taxi (30-minute steps). JSON-friendly.
 */
export function forecastReport(opts: ForecastReportOptions = {}): ForecastReport {
  const seed = opts.seed ?? 1;
  const days = opts.days ?? 42;
  const scenarioName = opts.scenario ?? 'default';
  const horizonHours = opts.horizonHours ?? 24;
  const longHours = opts.longHorizonHours ?? 72;
  const testFraction = opts.testFraction ?? 0.2;
  const fopts = opts.forecaster ?? {};

  // --- simulated traffic: one-minute steps, period 1440.
  const scenario = parseScenario({ ...loadScenario(scenarioName), days }, scenarioName);
  const world = simulateWorld(scenario, seed, undefined, { observations: false });
  const period = 1440;
  const horizon = Math.round(horizonHours * 60);
  const longHorizon = Math.round(longHours * 60);
  const simOrigins = opts.simOrigins ?? 14;
  const T = world.calendar.minutes;
  const total = new Float64Array(T);
  const services: ServiceForecastResult[] = [];
  let first: SeriesEvaluation | undefined;
  world.traffic.requests.forEach((series, j) => {
    for (let t = 0; t < T; t++) total[t] += series[t];
    const e = evaluateSeries(series, { period, horizon, testFraction, origins: simOrigins, forecaster: fopts });
    first ??= e;
    let long: ServiceForecastResult['long'];
    if (longHorizon > 0) {
      const l = evaluateSeries(series, { period, horizon: longHorizon, testFraction, origins: simOrigins, forecaster: fopts });
      long = { mase: l.mase, naiveMase: l.naiveMase };
    }
    services.push({
      service: j,
      name: world.topology.services[j].name,
      meanRpm: world.traffic.meanRequests[j],
      mase: e.mase,
      naiveMase: e.naiveMase,
      ratio: e.ratio,
      long,
      fitMs: e.fitMs,
    });
  });
  const tot = evaluateSeries(total, { period, horizon, testFraction, origins: simOrigins, forecaster: fopts });
  const medianMase = medianOf(services.map((s) => s.mase));
  const medianNaiveMase = medianOf(services.map((s) => s.naiveMase));
  const simulated: ForecastReport['simulated'] = {
    scenario: scenario.name,
    seed,
    days,
    resolution: '1 minute (forecaster buckets: 15 minutes, interpolated)',
    period,
    horizon,
    origins: first?.origins.length ?? 0,
    trainDays: (first?.trainLength ?? 0) / period,
    testDays: (first?.testLength ?? 0) / period,
    services,
    medianMase,
    medianNaiveMase,
    medianRatio: medianOf(services.map((s) => s.ratio)),
    worstRatio: Math.max(...services.map((s) => s.ratio)),
    servicesBeatingNaive: services.filter((s) => s.mase < s.naiveMase).length,
    total: { mase: tot.mase, naiveMase: tot.naiveMase, ratio: tot.ratio },
    long:
      longHorizon > 0
        ? {
            horizon: longHorizon,
            medianMase: medianOf(services.map((s) => s.long!.mase)),
            medianNaiveMase: medianOf(services.map((s) => s.long!.naiveMase)),
          }
        : undefined,
    medianFitMs: medianOf(services.map((s) => s.fitMs)),
    verdict: verdict(medianMase, medianNaiveMase),
  };

  // --- NAB nyc_taxi: 30-minute steps, period 48.
  let nycTaxi: ForecastReport['nycTaxi'] = null;
  const path = opts.nycTaxiPath === undefined ? NYC_TAXI_CSV : opts.nycTaxiPath;
  if (path !== null) {
    const { values, stepMinutes, start } = readNabSeries(path);
    if (1440 % stepMinutes !== 0) throw new RolloutlabError('BAD_DATA', `${path}: a ${stepMinutes}-minute step does not divide a day`);
    const p = 1440 / stepMinutes;
    const h = Math.round((horizonHours * 60) / stepMinutes);
    const e = evaluateSeries(values, { period: p, horizon: h, testFraction, origins: opts.taxiOrigins ?? 20, forecaster: fopts });
    let long: { horizon: number; mase: number; naiveMase: number } | undefined;
    if (longHours > 0) {
      const lh = Math.round((longHours * 60) / stepMinutes);
      const l = evaluateSeries(values, { period: p, horizon: lh, testFraction, origins: opts.taxiOrigins ?? 20, forecaster: fopts });
      long = { horizon: lh, mase: l.mase, naiveMase: l.naiveMase };
    }
    const startMs = Date.parse(start.replace(' ', 'T') + 'Z');
    nycTaxi = {
      file: 'datasets/real/nab/data/realKnownCause/nyc_taxi.csv',
      n: values.length,
      stepMinutes,
      period: p,
      horizon: h,
      origins: e.origins.length,
      trainLength: e.trainLength,
      testLength: e.testLength,
      testStart: new Date(startMs + e.trainLength * stepMinutes * 60000).toISOString().slice(0, 16).replace('T', ' '),
      mase: e.mase,
      naiveMase: e.naiveMase,
      ratio: e.ratio,
      scale: e.scale,
      long,
      fitMs: e.fitMs,
      verdict: verdict(e.mase, e.naiveMase),
    };
    if (path !== NYC_TAXI_CSV) nycTaxi.file = path;
  }

  return {
    protocol: {
      metric: 'MASE',
      scale: 'mean absolute seasonal-naive (lag one day) error over the training part (Hyndman & Koehler 2006)',
      naive: 'seasonal naive: the value one day earlier (the last observed day repeated beyond 24 h)',
      heldOut:
        `the last ${testFraction * 100} % of each series; the forecaster is fitted on the rest; ` +
        'rolling origins in the tail, each forecast sees the series up to its origin',
      testFraction,
      horizonHours,
      longHorizonHours: longHours,
      criterion:
        'met = forecaster MASE < 1 AND forecaster MASE < seasonal-naive MASE (same origins and steps), ' +
        'for the simulated median over services and for nyc_taxi, at the main horizon',
    },
    simulated,
    nycTaxi,
    target: FORECAST_MASE_TARGET,
    met: simulated.verdict.met && (nycTaxi === null || nycTaxi.verdict.met),
  };
}
