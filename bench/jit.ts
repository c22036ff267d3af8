// Real-data benchmark of the change-risk pipeline on a JIT change history (datasets/README protocol): the first
// floor(0.8 N) commits by date train, the rest test; ROC AUC on the test part. Same pipeline and settings as on
// simulated deployments; no per-project tuning.
//
//   npx rolloutlab bench jit --data datasets/real/jit/qt.csv [--json]
//
// With `peers: true`, scikit-learn's RandomForest (300 trees) and HistGradientBoosting run on the same split in
// the same run (bench/jit_sklearn.py under Debian's /usr/bin/python3, after the TypeScript fit, never at the same
// time). Without python3-sklearn the TypeScript figures still come out, with `peerError` saying why.
import { spawn } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importJit } from '../datasets/import-jit.ts';
import { initBackend } from '../training/backend.ts';
import { fitRisk } from '../training/risk/pipeline.ts';
import { jitRiskData } from '../training/risk/jit.ts';
import { RolloutlabError } from '../lib/errors.ts';

/** Debian's interpreter: python3-sklearn installs there (the python3 first on a pyenv PATH may lack it). */
export const DEFAULT_PEER_PYTHON = '/usr/bin/python3';
/** The scikit-learn peer script, next to this file. */
export const SKLEARN_PEER_SCRIPT = fileURLToPath(new URL('./jit_sklearn.py', import.meta.url));

export interface PeerFigures {
  auc: number;
  /** Wall seconds of `fit` alone (all cores: n_jobs=-1 / OpenMP). */
  trainSeconds: number;
}
export interface JitPeers {
  randomForest: PeerFigures;
  histGradientBoosting: PeerFigures;
}

export interface JitBenchOptions {
  /** Also run the scikit-learn peers on the same split (default false). */
  peers?: boolean;
  /** Interpreter for the peers (default /usr/bin/python3). */
  python?: string;
}

export interface JitBenchResult {
  project: string;
  nTrain: number;
  nTest: number;
  auc: number;
  baselines: { lapredict: number; logistic: number };
  // --- extensions ---
  prAuc: number;
  brier: number;
  ece: number;
  backend: string;
  /** Wall seconds of fitRisk: the additive model and both baselines (one thread). */
  trainSeconds: number;
  published: Record<string, number> | null;
  /** scikit-learn peers on the same split; null when not requested or when they could not run. */
  peers: JitPeers | null;
  /** Why the peers did not run (requested but python/sklearn missing, or the script failed). */
  peerError?: string;
  /** scikit-learn version of the peers, when they ran. */
  sklearn?: string;
}

/** Published test AUCs (ISSTA 2021, datasets/README.md). */
const PUBLISHED: Record<string, Record<string, number>> = {
  qt: { lapredict: 0.744, lr: 0.665, deepjit: 0.693, cc2vec: 0.694 },
  openstack: { lapredict: 0.749, lr: 0.725, deepjit: 0.713, cc2vec: 0.723 },
};

export async function benchJit(csv: string, opts: JitBenchOptions = {}): Promise<JitBenchResult> {
  const backend = await initBackend();
  const h = await importJit(csv);
  const t0 = performance.now();
  const fit = await fitRisk(jitRiskData(h));
  const trainSeconds = (performance.now() - t0) / 1000;
  const e = fit.evaluation;
  const project = h.project || basename(csv, '.csv');
  const r: JitBenchResult = {
    project,
    nTrain: fit.split.train.length + fit.split.validation.length,
    nTest: fit.split.test.length,
    auc: e.model.rocAuc,
    // JIT data always have `la`, so LApredict always runs.
    baselines: { lapredict: e.lapredict!.rocAuc, logistic: e.logistic.rocAuc },
    prAuc: e.model.prAuc,
    brier: e.model.brier,
    ece: e.model.ece,
    backend: backend.name,
    trainSeconds,
    published: PUBLISHED[project] ?? null,
    peers: null,
  };
  if (opts.peers) {
    const p = await runSklearnPeers(csv, opts.python ?? DEFAULT_PEER_PYTHON);
    if ('error' in p) r.peerError = p.error;
    else if (p.nTrain !== r.nTrain || p.nTest !== r.nTest) {
      r.peerError = `peer split differs: sklearn ${p.nTrain}/${p.nTest} train/test rows, rolloutlab ${r.nTrain}/${r.nTest}`;
    } else {
      r.peers = p.peers;
      r.sklearn = p.sklearn;
    }
  }
  return r;
}

interface SklearnOutput {
  project: string;
  nTrain: number;
  nTest: number;
  peers: JitPeers;
  sklearn: string;
}

/** Runs bench/jit_sklearn.py; never throws: a missing interpreter, library or a failed run becomes `{ error }`. */
export function runSklearnPeers(csv: string, python: string = DEFAULT_PEER_PYTHON): Promise<SklearnOutput | { error: string }> {
  const hint = `install Debian's python3-sklearn (apt-get install python3-sklearn) for ${python}`;
  return new Promise((resolve) => {
    const child = spawn(python, [SKLEARN_PEER_SCRIPT, csv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', (e) => resolve({ error: `scikit-learn peers not run: cannot start ${python} (${e.message}); ${hint}` }));
    child.on('close', (code) => {
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(out.trim().split('\n').pop() ?? '');
      } catch {
        parsed = null;
      }
      const o = parsed as (Partial<SklearnOutput> & { error?: string; message?: string }) | null;
      if (o?.error === 'sklearn-missing') return resolve({ error: `scikit-learn peers not run: ${python} has no sklearn; ${hint}` });
      if (o?.error) return resolve({ error: `scikit-learn peers failed: ${o.message ?? o.error}` });
      const ok = (f: unknown): f is PeerFigures =>
        typeof f === 'object' && f !== null && typeof (f as PeerFigures).auc === 'number' && typeof (f as PeerFigures).trainSeconds === 'number';
      if (code !== 0 || !o || !o.peers || !ok(o.peers.randomForest) || !ok(o.peers.histGradientBoosting)) {
        const tail = (err.trim() || out.trim()).split('\n').slice(-3).join(' | ');
        return resolve({ error: `scikit-learn peers failed: ${python} ${SKLEARN_PEER_SCRIPT} exited ${code}${tail ? `: ${tail}` : ''}` });
      }
      resolve(o as SklearnOutput);
    });
  });
}

export function formatJit(r: JitBenchResult): string {
  const f = (x: number) => x.toFixed(4);
  const s = (x: number) => `${x.toFixed(1)} s`;
  const lines = [
    `JIT risk benchmark — ${r.project}: ${r.nTrain} commits train (by date), ${r.nTest} test; backend ${r.backend}, trained in ${r.trainSeconds.toFixed(1)} s`,
    `  rolloutlab (additive model)  AUC ${f(r.auc)}   PR AUC ${f(r.prAuc)}   Brier ${f(r.brier)}   ECE ${f(r.ece)}   train ${s(r.trainSeconds)} (with both baselines, 1 thread)`,
    `  LApredict (LR on la)         AUC ${f(r.baselines.lapredict)}`,
    `  logistic regression (14)     AUC ${f(r.baselines.logistic)}`,
  ];
  if (r.peers) {
    const v = r.sklearn ? ` ${r.sklearn}` : '';
    lines.push(
      `  RandomForest 300 (sklearn${v}) AUC ${f(r.peers.randomForest.auc)}   train ${s(r.peers.randomForest.trainSeconds)} (all cores)`,
      `  HistGradientBoosting (sklearn) AUC ${f(r.peers.histGradientBoosting.auc)}   train ${s(r.peers.histGradientBoosting.trainSeconds)} (all cores)`,
    );
  } else if (r.peerError) {
    lines.push(`  ${r.peerError}`);
  }
  if (r.published) lines.push(`  published (same split): ${Object.entries(r.published).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(', ')}`);
  return lines.join('\n');
}

export interface JitBenchAll {
  projects: JitBenchResult[];
  /** Mean test AUC over the projects; a peer's mean is null unless it ran on every project. */
  meanAuc: {
    rolloutlab: number;
    lapredict: number;
    logistic: number;
    randomForest: number | null;
    histGradientBoosting: number | null;
  };
}

/** The JIT CSVs to run: the file itself, or every `*.csv` directly inside a folder, sorted by name. */
export async function listJitCsvs(path: string): Promise<string[]> {
  const st = await stat(path).catch(() => null);
  if (!st?.isDirectory()) return [path];
  const names = (await readdir(path)).filter((n) => n.toLowerCase().endsWith('.csv')).sort();
  // A mean over no projects is no figure: say what was expected instead of printing NaN.
  if (names.length === 0) throw new RolloutlabError('NOT_FOUND', `--data ${path}: the folder holds no .csv file (expected a JIT change-history CSV such as datasets/real/jit/qt.csv, or a folder of them)`, 'data');
  return names.map((n) => join(path, n));
}

/** benchJit on each file in turn (never concurrently), plus the mean AUC of ours, the baselines and each peer. */
export async function benchJitAll(csvs: string[], opts: JitBenchOptions = {}): Promise<JitBenchAll> {
  if (csvs.length === 0) throw new RolloutlabError('NOT_FOUND', '--data: no JIT CSV to run (expected a JIT change-history CSV, or a folder of them)', 'data');
  const projects: JitBenchResult[] = [];
  for (const csv of csvs) projects.push(await benchJit(csv, opts));
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const peerMean = (k: keyof JitPeers) => (projects.length > 0 && projects.every((p) => p.peers) ? mean(projects.map((p) => p.peers![k].auc)) : null);
  return {
    projects,
    meanAuc: {
      rolloutlab: mean(projects.map((p) => p.auc)),
      lapredict: mean(projects.map((p) => p.baselines.lapredict)),
      logistic: mean(projects.map((p) => p.baselines.logistic)),
      randomForest: peerMean('randomForest'),
      histGradientBoosting: peerMean('histGradientBoosting'),
    },
  };
}

export function formatJitAll(r: JitBenchAll): string {
  const f = (x: number | null) => (x === null ? 'n/a' : x.toFixed(4));
  const m = r.meanAuc;
  return [
    ...r.projects.map(formatJit),
    `Mean AUC over ${r.projects.length} project(s): rolloutlab ${f(m.rolloutlab)}, LApredict ${f(m.lapredict)}, logistic ${f(m.logistic)}, RandomForest-300 ${f(m.randomForest)}, HistGradientBoosting ${f(m.histGradientBoosting)}`,
  ].join('\n');
}
