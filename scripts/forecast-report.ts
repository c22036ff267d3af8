// Prints the forecast-quality report (docs/forecast.md): MASE of the traffic forecaster against the seasonal-naive
// forecast on the held-out tail, on simulated traffic (every service of a six-week default world) and NAB's nyc_taxi.
//
//   node --import tsx scripts/forecast-report.ts                 # a table
//   node --import tsx scripts/forecast-report.ts --json          # the report object as JSON
//   node --import tsx scripts/forecast-report.ts --seed 2 --days 56 --scenario black-friday
//
// Exit code 0 whether or not the target is met (the report says which); 1 on a bad flag.
import { parseArgs } from 'node:util';
import { forecastReport, type ForecastReport } from '../bench/forecast.ts';

function table(r: ForecastReport): string {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : String(v));
  const s = r.simulated;
  const lines: string[] = [];
  const { testFraction, horizonHours } = r.protocol;
  lines.push(`Forecast quality: MASE on the held-out tail (last ${testFraction * 100} %), ${horizonHours} h ahead from rolling origins`);
  lines.push(`scale: ${r.protocol.scale}`);
  lines.push('');
  const split = `train ${s.trainDays.toFixed(1)} d, test ${s.testDays.toFixed(1)} d`;
  lines.push(`Simulated: scenario ${s.scenario}, seed ${s.seed}, ${s.days} days (${split}), ${s.origins} origins, ${s.resolution}`);
  lines.push(`  ${'service'.padEnd(22)} ${'mean rpm'.padStart(9)} ${'MASE'.padStart(7)} ${'naive'.padStart(7)} ${'ratio'.padStart(7)}`);
  for (const x of s.services) {
    const cells = [x.meanRpm.toFixed(0).padStart(9), f(x.mase).padStart(7), f(x.naiveMase).padStart(7), f(x.ratio).padStart(7)];
    lines.push(`  ${x.name.slice(0, 22).padEnd(22)} ${cells.join(' ')}`);
  }
  lines.push('');
  const rows: [string, string, string, string, string][] = [
    ['part', 'MASE', 'naive MASE', 'ratio', 'met'],
    [
      `simulated, median of ${s.services.length} services`,
      f(s.medianMase),
      f(s.medianNaiveMase),
      f(s.medianRatio),
      s.verdict.met ? 'met' : 'missed',
    ],
    ['simulated, all services summed', f(s.total.mase), f(s.total.naiveMase), f(s.total.ratio), ''],
  ];
  const longH = r.protocol.longHorizonHours;
  if (s.long) {
    const { medianMase: m, medianNaiveMase: nm } = s.long;
    rows.push([`simulated, median, ${longH} h ahead`, f(m), f(nm), f(m / nm), '']);
  }
  if (r.nycTaxi) {
    const t = r.nycTaxi;
    rows.push([`nyc_taxi (test from ${t.testStart})`, f(t.mase), f(t.naiveMase), f(t.ratio), t.verdict.met ? 'met' : 'missed']);
    if (t.long) rows.push([`nyc_taxi, ${longH} h ahead`, f(t.long.mase), f(t.long.naiveMase), f(t.long.mase / t.long.naiveMase), '']);
  }
  const w = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  for (const row of rows) lines.push('  ' + row.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
  lines.push('');
  lines.push(`target: MASE < ${r.target} and below the seasonal naive's → ${r.met ? 'met' : 'missed'}`);
  lines.push(`fit time per simulated service (median): ${s.medianFitMs.toFixed(1)} ms`);
  lines.push(`services beating seasonal naive: ${s.servicesBeatingNaive}/${s.services.length}`);
  return lines.join('\n');
}

function main(): void {
  let values: { json?: boolean; seed?: string; days?: string; scenario?: string };
  try {
    ({ values } = parseArgs({
      options: {
        json: { type: 'boolean' },
        seed: { type: 'string' },
        days: { type: 'string' },
        scenario: { type: 'string' },
      },
      strict: true,
    }));
  } catch (e) {
    const usage = 'usage: forecast-report.ts [--seed <n>] [--days <n>] [--scenario <name|file>] [--json]';
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    process.exit(1);
  }
  const num = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) {
      process.stderr.write(`--${name}: expected a non-negative integer, got ${JSON.stringify(v)}\n`);
      process.exit(1);
    }
    return n;
  };
  const report = forecastReport({
    seed: num('seed', values.seed),
    days: num('days', values.days),
    scenario: values.scenario,
  });
  process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : table(report) + '\n');
}

main();
