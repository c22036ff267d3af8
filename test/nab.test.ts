// The NAB scorer port against NAB's official results, the streaming detectors, and `rolloutlab bench nab`.
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadNab, readNabScores, type NabData, type NabFile } from '../detectors/nab.ts';
import { NAB_PROFILE_NAMES, optimizeThreshold, scoreCorpus, scoreFile, sweepFile, scaledSigmoid, probationLength, type ThresholdScore } from '../detectors/nab-score.ts';
import { createDetector, restoreDetector, DETECTORS, DETECTOR_NAMES, DETECTOR_STATE_VERSION, DEFAULT_DETECTOR, nabFileOptions, scoreSeries } from '../detectors/registry.ts';
import { benchNab, windowStats } from '../bench/nab.ts';
import { inProcess } from './in-process.ts';

const ROOT = resolve(import.meta.dirname, '..');
const NAB = join(ROOT, 'datasets/real/nab');
const REF = join(NAB, 'reference/numenta');
// The command's answer (exit code, stdout, stderr) run in this process: these tests read what it prints, not the process.
const cli = (...args: string[]) => inProcess(args);

let nab: NabData;
beforeAll(async () => {
  nab = await loadNab(NAB);
});

/** A row of NAB's official per-file results: the file and its score at the profile's threshold. */
interface Official extends ThresholdScore {
  file: string;
}
const official = (profile: string): Official[] =>
  readFileSync(join(REF, `official_${profile}_scores_dev_files.csv`), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => {
      const c = l.split(',');
      return { file: c[2], threshold: +c[3], score: +c[4], tp: +c[5], tn: +c[6], fp: +c[7], fn: +c[8], total: +c[9] };
    });
const NUMENTA_FILES = ['ambient_temperature_system_failure', 'cpu_utilization_asg_misconfiguration', 'ec2_request_latency_system_failure', 'machine_temperature_system_failure', 'nyc_taxi', 'rogue_agent_key_hold', 'rogue_agent_key_updown'];

describe('NAB scorer port', () => {
  it('the corpus here: 34 labelled files, 72 windows, NAB profiles', () => {
    expect(nab.files.length).toBe(34);
    expect(nab.files.reduce((a, f) => a + f.windows.length, 0)).toBe(72);
    expect(nab.profiles.reward_low_FP_rate).toEqual({ tpWeight: 1, fpWeight: 0.22, fnWeight: 1 });
    expect(probationLength(4032)).toBe(604);
    expect(probationLength(22695)).toBe(750);
    expect(scaledSigmoid(3.5)).toBe(-1);
    expect(scaledSigmoid(0)).toBe(0);
  });

  for (const profile of NAB_PROFILE_NAMES) {
    it(`reproduces NAB's official Numenta HTM per-file score and counts (${profile})`, async () => {
      const rows = official(profile);
      let checked = 0;
      for (const name of NUMENTA_FILES) {
        const key = `realKnownCause/${name}.csv`;
        const o = rows.find((r) => r.file === key)!;
        const f = nab.files.find((x) => x.key === key)!;
        const ref = await readNabScores(join(REF, `numenta_${name}.csv`));
        expect(ref.scores.length).toBe(f.values.length);
        expect(Array.from(ref.timestamps)).toEqual(Array.from(f.timestamps));
        const r = scoreFile(sweepFile(f, nab.profiles[profile]), ref.scores, o.threshold);
        expect(Math.abs(r.score - o.score), `${profile} ${key} score ${r.score} vs ${o.score}`).toBeLessThan(1e-6);
        expect([r.tp, r.tn, r.fp, r.fn, r.total], key).toEqual([o.tp, o.tn, o.fp, o.fn, o.total]);
        checked++;
      }
      expect(checked).toBe(7);
    });
  }

  it('the corpus threshold sweep equals scoring every distinct threshold one by one', async () => {
    const files: NabFile[] = [];
    const scores: Float64Array[] = [];
    for (const name of ['rogue_agent_key_hold', 'ec2_request_latency_system_failure', 'rogue_agent_key_updown']) {
      files.push(nab.files.find((x) => x.key === `realKnownCause/${name}.csv`)!);
      scores.push((await readNabScores(join(REF, `numenta_${name}.csv`))).scores);
    }
    const cost = nab.profiles.standard;
    const sweeps = files.map((f) => sweepFile(f, cost));
    const best = optimizeThreshold(sweeps, scores);
    const distinct = [...new Set(scores.flatMap((s) => Array.from(s)))].sort((a, b) => b - a);
    let brute = { t: Infinity, s: -sweeps.reduce((a, s) => a + s.scorableWindows.length, 0) * cost.fnWeight };
    for (const t of distinct) {
      const s = sweeps.reduce((a, sw, k) => a + scoreFile(sw, scores[k], t).score, 0);
      if (s > brute.s + 1e-9) brute = { t, s };
    }
    expect(best.threshold).toBe(brute.t);
    expect(best.score).toBeCloseTo(brute.s, 9);
  });

  it('a detector that never fires scores exactly 0; one firing at the first row of each window scores exactly 100', () => {
    const never = nab.files.map((f) => new Float64Array(f.values.length));
    const perfect = nab.files.map((f) => {
      const s = new Float64Array(f.values.length);
      for (const w of sweepFile(f, nab.profiles.standard).windows) s[w.start] = 1;
      return s;
    });
    for (const p of NAB_PROFILE_NAMES) {
      expect(scoreCorpus(nab.files, never, p, nab.profiles).normalized).toBe(0);
      const r = scoreCorpus(nab.files, perfect, p, nab.profiles);
      expect(r.normalized).toBe(100);
      expect(r.threshold).toBe(1);
    }
    const ws = windowStats(nab.files, perfect, 1, nab.profiles);
    expect(ws).toMatchObject({ windowPrecision: 1, windowRecall: 1, detectedWindows: 72, countedDetections: 72 });
    expect(windowStats(nab.files, never, 1, nab.profiles)).toMatchObject({ windowPrecision: null, windowRecall: 0, medianLeadTimeRows: null });
  });
});

describe('streaming detectors', () => {
  const series = () => nab.files.find((f) => f.key === 'realKnownCause/ec2_request_latency_system_failure.csv')!;

  it('scores lie in [0, 1], are 0 in the warm-up and are deterministic', () => {
    const f = series();
    for (const name of DETECTOR_NAMES) {
      const a = scoreSeries(f.values, name);
      const b = scoreSeries(f.values, name);
      expect(Array.from(a)).toEqual(Array.from(b));
      for (const x of a) expect(x >= 0 && x <= 1, `${name} ${x}`).toBe(true);
      expect(Math.max(...a)).toBeGreaterThan(0);
    }
    expect(Math.max(...scoreSeries(f.values, DEFAULT_DETECTOR).subarray(0, 150))).toBe(0);
  });

  it('save and restore mid-stream (in and after the warm-up) continues with identical scores', () => {
    const f = series();
    for (const name of DETECTOR_NAMES) {
      for (const cut of [50, 1000, 2500]) {
        const a = createDetector(name, nabFileOptions(name, f.values));
        for (let i = 0; i < cut; i++) a.update(f.values[i], f.timestamps[i]);
        const b = restoreDetector(JSON.parse(JSON.stringify(a)));
        expect(b.name).toBe(name);
        for (let i = cut; i < f.values.length; i++) {
          const x = a.update(f.values[i], f.timestamps[i]);
          const y = b.update(f.values[i], f.timestamps[i]);
          if (x !== y) expect(`${name} cut ${cut} row ${i}: ${y}`).toBe(`${x}`);
        }
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
      }
    }
    // Across a grid coarsening (the level jumps 50x, far outside the warm-up range) too.
    const xs = Array.from({ length: 1500 }, (_, i) => (i < 800 ? 10 : 500) + ((i * 7919) % 13));
    const a = createDetector();
    for (let i = 0; i < 900; i++) a.update(xs[i]);
    expect((a.toJSON().state as { step: number }).step).toBeGreaterThan(13 / 8);
    const b = restoreDetector(JSON.parse(JSON.stringify(a)));
    for (let i = 900; i < xs.length; i++) expect(b.update(xs[i])).toBe(a.update(xs[i]));
  });

  it('a step change in a flat noisy series gets a high score within a few rows', () => {
    let s = 7;
    const rnd = () => (s = (s * 16807) % 2147483647) / 2147483647;
    const gauss = () => {
      let a = 0;
      for (let k = 0; k < 12; k++) a += rnd();
      return a - 6;
    };
    const d = createDetector();
    const sc: number[] = [];
    for (let i = 0; i < 2000; i++) sc.push(d.update(10 + gauss() + (i >= 1500 ? 5 : 0)));
    const before = Math.max(...sc.slice(0, 1500));
    const after = Math.max(...sc.slice(1500, 1510));
    expect(after).toBeGreaterThanOrEqual(0.5);
    expect(after).toBeGreaterThan(before);
  });

  it('rejects unknown detectors, options and state', () => {
    expect(() => createDetector('htm')).toThrow(/unknown detector "htm"/);
    expect(() => createDetector('contextual', { bogus: 1 })).toThrow(/unknown option "bogus"/);
    expect(() => createDetector('contextual', { bins: 2.5 })).toThrow(/bins must be an integer/);
    expect(() => restoreDetector({ detector: 'contextual', version: 99, options: {}, state: {} })).toThrow(/version/);
  });

  it('the registry has one entry per detector name, in order, and every detector saves the one state version', () => {
    expect(DETECTORS.map((d) => d.name)).toEqual([...DETECTOR_NAMES]);
    for (const name of DETECTOR_NAMES) expect(createDetector(name).toJSON().version, name).toBe(DETECTOR_STATE_VERSION);
  });
});

describe('rolloutlab bench nab', () => {
  it('--json on the NAB folder has exactly the agreed keys and sane figures', async () => {
    const r = await cli('bench', 'nab', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    for (const k of ['detector', 'files', 'windows', 'scores', 'windowPrecision', 'windowRecall', 'medianLeadTimeRows']) expect(o).toHaveProperty(k);
    expect(Object.keys(o.scores).sort()).toEqual(['reward_low_FN_rate', 'reward_low_FP_rate', 'standard']);
    expect(o).toMatchObject({ detector: 'contextual', files: 34, windows: 72 });
    for (const p of NAB_PROFILE_NAMES) expect(o.scores[p]).toBeGreaterThan(30);
    expect(o.windowPrecision).toBeGreaterThan(0);
    expect(o.windowRecall).toBeGreaterThan(0.5);
    expect(o.medianLeadTimeRows).toBeGreaterThan(0);
  });

  it('bad input names the file or field and exits non-zero', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'rl-nab-'));
    const r = await cli('bench', 'nab', '--data', join(tmp, 'nope'), '--json');
    expect(r.code).toBe(2);
    // Under --json the error is JSON on stdout.
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/nope: NAB folder not found/) });

    const noLabels = join(tmp, 'nolabels');
    mkdirSync(join(noLabels, 'data/x'), { recursive: true });
    writeFileSync(join(noLabels, 'data/x/a.csv'), 'timestamp,value\n2020-01-01 00:00:00,1\n');
    await expect(loadNab(noLabels)).rejects.toThrow(/combined_windows\.json: NAB label file not found/);

    const bad = join(tmp, 'bad');
    mkdirSync(join(bad, 'labels'), { recursive: true });
    cpSync(join(NAB, 'data/realAdExchange'), join(bad, 'data/realAdExchange'), { recursive: true });
    const key = 'realAdExchange/exchange-2_cpc_results.csv';
    writeFileSync(join(bad, 'labels/combined_windows.json'), JSON.stringify({ [key]: [] }));
    const file = join(bad, 'data', key);
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[5] = lines[5].replace(/,.*/, ',oops');
    writeFileSync(file, lines.join('\n'));
    await expect(loadNab(bad)).rejects.toMatchObject({ code: 'BAD_DATA', field: 'value', message: expect.stringMatching(/exchange-2_cpc_results\.csv: line 6, column "value": "oops" is not a number/) });
    await expect(benchNab(NAB, { detector: 'htm' })).rejects.toThrow(/--detector: unknown detector "htm"/);
  });

  it('bench detector --json reports points/s for the default and the windowed-Gaussian peer', async () => {
    const r = await cli('bench', 'detector', '--points', '20000', '--json');
    expect(r.code, r.stderr).toBe(0);
    const o = JSON.parse(r.stdout);
    expect(o.detectors.map((d: { detector: string }) => d.detector)).toEqual(['contextual', 'windowed-gaussian']);
    for (const d of o.detectors) expect(d.pointsPerSecond).toBeGreaterThan(0);
  });
});
