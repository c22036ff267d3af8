// The command line, end to end: help everywhere, `simulate` determinism, bad input and stored data safety.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../cli/main.ts';
import { inProcess } from './in-process.ts';
import { readDataset, validateManifest } from '../datasets/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/rolloutlab.mjs'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const tmp = mkdtempSync(join(tmpdir(), 'rl-cli-'));

describe('help', () => {
  it('every command and subcommand has --help', () => {
    const all: Command[] = [];
    const walk = (c: Command) => {
      all.push(c);
      c.commands.forEach(walk);
    };
    walk(buildProgram());
    expect(all.length).toBeGreaterThanOrEqual(12);
    for (const c of all) {
      const h = c.helpInformation();
      expect(h).toMatch(/Usage:/);
      expect(h).toMatch(/-h, --help/);
      expect(c.description().length).toBeGreaterThan(5);
    }
    const r = cli('simulate', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--scenario <name\|file>/);
    expect(r.stdout).toMatch(/--seed <n>/);
    expect(r.stdout).toMatch(/--days <n>/);
  });
});

describe('simulate', () => {
  const a = join(tmp, 'a');
  const b = join(tmp, 'b');
  const c = join(tmp, 'c');
  let json: { summary: { deployments: number; changeFailureRate: number }; manifest: { tables: Record<string, { rows: number; sha256: string; file: string }> } };
  beforeAll(async () => {
    const r = cli('simulate', '--scenario', 'default', '--seed', '5', '--days', '5', '--out', a, '--json');
    expect(r.code, r.stderr).toBe(0);
    json = JSON.parse(r.stdout);
    // The same command again, and with another seed, run in this process: the files must not depend on which.
    expect((await inProcess(['simulate', '--scenario', 'default', '--seed', '5', '--days', '5', '--out', b])).code).toBe(0);
    expect((await inProcess(['simulate', '--scenario', 'default', '--seed', '6', '--days', '5', '--out', c])).code).toBe(0);
  }, 180_000);

  it('writes every table as Parquet plus a DuckDB file and a valid manifest', async () => {
    const m = validateManifest(JSON.parse(readFileSync(join(a, 'manifest.json'), 'utf8')));
    expect(m.scenario).toBe('default');
    expect(m.seed).toBe(5);
    expect(m.codeVersion).toMatch(/^0\.1\.0\+/);
    for (const t of ['services', 'dependencies', 'traffic', 'deployments', 'pipeline_runs', 'calendar', 'changes', 'observations', 'incidents', 'oncall']) {
      expect(m.tables[t], t).toBeDefined();
      expect(existsSync(join(a, m.tables[t].file))).toBe(true);
    }
    expect(existsSync(join(a, 'dataset.duckdb'))).toBe(true);
    expect(m.tables.traffic.rows).toBe(24 * 5 * 1440);
    const ds = await readDataset(a);
    const [row] = await ds.query('SELECT count(*)::INTEGER AS n, avg(truth_failed::INTEGER) AS cfr FROM deployments');
    ds.close();
    expect(row.n).toBe(json.summary.deployments);
    expect(row.cfr).toBeCloseTo(json.summary.changeFailureRate, 10);
  });
  it('same seed and scenario give byte-identical data files; a different seed different data', async () => {
    for (const f of readdirSync(a).filter((x) => x.endsWith('.parquet'))) expect(sha(join(b, f)), f).toBe(sha(join(a, f)));
    // The DuckDB file is derived storage whose page layout DuckDB does not promise to repeat: same content.
    const [da, db] = [await readDataset(a), await readDataset(b)];
    for (const t of ['deployments', 'observations', 'pipeline_runs']) {
      const sql = `SELECT * FROM ${t} ORDER BY ALL`;
      expect(JSON.stringify(await db.query(sql)), t).toBe(JSON.stringify(await da.query(sql)));
    }
    da.close();
    db.close();
    expect(readFileSync(join(b, 'manifest.json'), 'utf8')).toBe(readFileSync(join(a, 'manifest.json'), 'utf8'));
    expect(sha(join(c, 'deployments.parquet'))).not.toBe(sha(join(a, 'deployments.parquet')));
    expect(sha(join(c, 'traffic.parquet'))).not.toBe(sha(join(a, 'traffic.parquet')));
  });
  it('refuses to overwrite a data set without --force and leaves it intact', async () => {
    const before = sha(join(a, 'deployments.parquet'));
    const r = await inProcess(['simulate', '--scenario', 'default', '--seed', '9', '--days', '2', '--out', a]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/OUTPUT_EXISTS.*already exists and is not empty \(pass --force to replace it\)/);
    expect(sha(join(a, 'deployments.parquet'))).toBe(before);
    expect(readdirSync(tmp).filter((x) => x.includes('.tmp-'))).toEqual([]);
  });
});

// The commands below run in this process (their exit code and output are what is tested; the real process is above).
describe('bad input', () => {
  it('names the bad flag, scenario field or file', async () => {
    let r = await inProcess(['simulate', '--scenario', 'default', '--seed', 'abc', '--out', join(tmp, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--seed must be an integer, got "abc"/);
    r = await inProcess(['simulate', '--scenario', 'nosuch', '--seed', '1', '--out', join(tmp, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NOT_FOUND.*"nosuch"/);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ traffic: { noiseSigma: -1 } }));
    r = await inProcess(['simulate', '--scenario', bad, '--seed', '1', '--out', join(tmp, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BAD_SCENARIO.*traffic\.noiseSigma = -1/);
    r = await inProcess(['simulate', '--scenario', 'default', '--seed', '1', '--days', '0', '--out', join(tmp, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--days must be between 1 and 400/);
    expect(existsSync(join(tmp, 'x'))).toBe(false);
    r = await inProcess(['import', 'jit', '--data', join(tmp, 'missing.csv'), '--out', join(tmp, 'y')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing\.csv/);
  });
  it('imports real data through the CLI', async () => {
    const r = await inProcess(['import', 'jit', '--data', 'datasets/real/jit/qt.csv', '--out', join(tmp, 'qt'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables.jit_changes.rows).toBe(23912);
  });
});

describe('exit codes and messages (0 ok, 1 usage, 2 bad input; --json errors as JSON on stdout)', () => {
  const empty = join(tmp, 'empty');
  mkdirSync(empty, { recursive: true });
  const twoBad = join(tmp, 'two-bad.yaml');
  writeFileSync(twoBad, 'dayz: 3\ntraffic:\n  noiseSigmaa: 1\n  noiseSigma: -1\n');
  // [arguments, exit code, stderr (or, with --json, the error message) must match]
  const cases: [string[], number, RegExp][] = [
    [['--version'], 0, /^$/],
    [['evaluate', 'risk', '--version', 'v0001', '--models', empty], 2, /NOT_FOUND/],
    [['backtest', '--strategy', 'bluegreen'], 1, /--strategy: unknown strategy "bluegreen"/],
    [['backtest', '--strategy', 'canary:abc'], 1, /--strategy "canary:abc": step 1 "abc" is not a number/],
    [['backtest', '--strategy', 'canary:'], 1, /--strategy "canary:": nothing after "canary:"/],
    [['backtest', '--strategy', 'rolling:x'], 1, /batches "x" is not a number/],
    [['backtest', '--policies', 'argoo'], 1, /--policies: unknown policy "argoo"/],
    [['train', 'foo', '--data', empty], 1, /'foo' is invalid for argument 'family'/],
    [['bench', 'nab', '--detector', 'foo'], 1, /--detector <name>' argument 'foo' is invalid/],
    [['bench', 'jit', '--data', empty], 2, /--data .*empty: the folder holds no \.csv file \(expected a JIT/],
    [['scenario', 'validate', 'missing.yaml'], 2, /scenario file .*missing\.yaml does not exist/],
    [['scenario', 'validate', twoBad], 2, /3 problems:\n {2}- unknown field dayz: did you mean days\?.*\n {2}- unknown field traffic\.noiseSigmaa: did you mean traffic\.noiseSigma\?.*\n {2}- traffic\.noiseSigma = -1/],
    [['windows', '--allowed-hours', '9-17', '--models', empty], 1, /--allowed-hours needs --deployment/],
    [['windows', '--deployment', 'dep-000050', '--allowed-hours', '9-25'], 1, /--allowed-hours: "9-25": hours run from 0 to 24/],
    [['windows', '--deployment', 'dep-000001', '--days', '15', '--fit-days', '7', '--models', empty], 1, /--deployment dep-000001 is too early in the world: it is ready at 20\d\d-\d\d-\d\dT.*Z .*the first deployment late enough is dep-\d+/],
  ];
  it.each(cases)('rolloutlab %j exits %i', async (args, code, message) => {
    const r = await inProcess(args);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(message);
    if (args[0] === '--version') expect(r.stdout).toMatch(/^0\.1\.0/);
  }, 60_000);
  it.each([
    [['backtest', '--policies', 'argoo', '--json'], 1, { code: 'BAD_ARGUMENT', field: 'policies' }],
    [['simulate', '--scenario', 'default', '--seed', 'abc', '--out', join(tmp, 'j'), '--json'], 1, { code: 'BAD_ARGUMENT', field: 'seed' }],
    [['simulate', '--json'], 1, { code: 'USAGE', field: 'scenario' }],
    [['bench', 'jit', '--data', empty, '--json'], 2, { code: 'NOT_FOUND', field: 'data' }],
  ] as const)('rolloutlab %j prints its error as JSON on stdout and exits %i', async (args, code, error) => {
    // The first row through the real command, the rest in this process.
    const r = args[1] === '--policies' ? cli(...args) : await inProcess(args);
    expect(r.code, r.stderr).toBe(code);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['error']);
    expect(j.error).toMatchObject(error);
    expect(j.error.message.length).toBeGreaterThan(10);
  }, 60_000);
  it('backtest --help lists every policy, ml included', () => {
    const r = { stdout: buildProgram().commands.find((c) => c.name() === 'backtest')!.helpInformation() };
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/policies to compare \(none, argo, flagger, kayenta, oracle, ml/);
  });
});
