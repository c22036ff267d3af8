// How visible is each fail window at all? From the simulator's TRUTH (the change's fault, the service's base rates),
// the expected z of the fault's effect at the window's end given the canary's actual requests in the window — on
// the bad-request ratio, the conversion rate and the callers' error ratio, whichever is largest:
//
//   z_bad    = N (bad_fault − bad_base) / sqrt(N bad_base (1 − bad_base))       N = canary requests in the window
//   z_kpi    = share × kpiDrop × conv × N_ok / sqrt(conv × N_ok)                 N_ok = canary requests that did not fail
//   z_caller = share × callerErrorAdd × N_c / sqrt(N_c × callers' base ratio)    N_c = callers' requests on the canary
//
// A fail window whose expected z is below 1 is one whose fault moves the canary by less than its own sampling noise:
// no judge can tell it from a healthy window. This is an analysis of the accuracy ceiling, never a feature.
import { loadScenario } from '../sim/index.ts';
import { scenarioStrategy } from '../sim/strategy.ts';
import { badRatio, baseBadRatio, faultEffect, slowShare, type Effect } from '../sim/faults.ts';
import type { Service } from '../sim/topology.ts';
import { periods } from './worlds.ts';
import { runPeriod } from './run.ts';
import { toAnalysisWindow } from '../judges/labelled-windows.ts';
import { kayentaWindowJudge, type WindowVerdict } from '../judges/window-judges.ts';
import { capPass } from '../judges/evidence.ts';
import type { JudgeModel } from '../training/judge/model.ts';

/** A fault's expected excess over the null and the null's variance, per measure, summed over stretches of canary traffic. */
export interface FaultEvidence {
  badNum: number;
  badVar: number;
  kpiNum: number;
  kpiVar: number;
  callNum: number;
  callVar: number;
}

export const noEvidence = (): FaultEvidence => ({ badNum: 0, badVar: 0, kpiNum: 0, kpiVar: 0, callNum: 0, callVar: 0 });

/**
 * Add one stretch of canary traffic under fault effect `e`: `n` requests, `ok` of them not failed, `callerRequests`
 * callers' requests into the canary, `callerBase` the callers' base error ratio (the formulas at the top of this file).
 */
export function addFaultEvidence(acc: FaultEvidence, svc: Service, e: Effect, n: number, ok: number, callerRequests: number, callerBase: number): void {
  const base = baseBadRatio(svc);
  const bad = (1 - e.share) * base + e.share * badRatio(Math.min(1, svc.baseErrorRate + e.errorAdd), slowShare(svc, e.latencyMult));
  const conv = svc.conversionRate;
  acc.badNum += n * (bad - base);
  acc.badVar += n * base * (1 - base);
  acc.kpiNum += e.share * (1 - e.kpiMult) * conv * ok;
  acc.kpiVar += conv * ok;
  acc.callNum += e.share * e.callerErrorAdd * callerRequests;
  acc.callVar += callerRequests * callerBase;
}

/** The largest expected z of the three measures (0 for a measure without traffic). */
export function evidenceZ(a: FaultEvidence): number {
  const z = (num: number, v: number) => (v > 0 ? num / Math.sqrt(v) : 0);
  return Math.max(z(a.badNum, a.badVar), z(a.kpiNum, a.kpiVar), z(a.callNum, a.callVar));
}

export const VISIBILITY_BUCKETS: readonly [number, number][] = [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 5],
  [5, Infinity],
];

export interface VisibilityRow {
  /** Expected z range [from, to) of the fault at the window's end. */
  from: number;
  to: number;
  failWindows: number;
  /** Share of all windows. */
  share: number;
  /** Fail verdicts / fail windows, per judge. */
  recall: Record<string, number | null>;
}

export interface VisibilityReport {
  scenario: string;
  seed: number;
  deployments: number;
  windows: number;
  failWindows: number;
  passWindows: number;
  accuracy: Record<string, number>;
  /** Pass windows not judged pass (false fails + inconclusive), per judge. */
  passNotPassed: Record<string, number>;
  buckets: VisibilityRow[];
  /** Per fault kind: fail windows, those below z 1 and 2, and the ML judge's misses. */
  kinds: { kind: string; failWindows: number; below1: number; below2: number; mlMissed: number }[];
  /**
   * Accuracy of a judge that catches every fail window with expected z >= c, misses the rest and never errs on a
   * pass window, for c = 1, 2 and 3: an optimistic ceiling (real judges also raise false alarms).
   */
  ceilings: { minZ: number; accuracy: number }[];
}

/** Backtest `deployments` deployments of a scenario (unguarded runs only) and grade every window's visibility. */
export function judgeVisibility(model: JudgeModel, o: { scenario: string; seed: number; deployments: number; onProgress?: (d: number, n: number) => void }): VisibilityReport {
  const scenario = loadScenario(o.scenario);
  const strategy = scenarioStrategy(scenario);
  const kayenta = kayentaWindowJudge();
  const judges = ['ml', 'kayenta'];
  const right: Record<string, number> = { ml: 0, kayenta: 0 };
  const passNot: Record<string, number> = { ml: 0, kayenta: 0 };
  const fails: { z: number; kind: string; v: Record<string, WindowVerdict> }[] = [];
  let windows = 0;
  let done = 0;
  for (const p of periods(scenario, o.seed, o.deployments)) {
    const deps = p.deployments.slice(0, o.deployments - done);
    const work = runPeriod(p, [], strategy, deps.length, 5);
    work.windows.forEach((ws, di) => {
      const dep = deps[di];
      const svc = p.world.topology.services[dep.service];
      const series = p.world.traffic.requests[svc.id];
      const mean = Math.max(1e-9, p.world.traffic.meanRequests[svc.id]);
      for (const w of ws) {
        windows++;
        const aw = toAnalysisWindow(w);
        const v: Record<string, WindowVerdict> = { ml: capPass('ml', aw, model.judge(aw, { reasons: false })).verdict, kayenta: kayenta.judge(aw).verdict };
        for (const j of judges) {
          if (v[j] === w.label) right[j]++;
          if (w.label === 'pass' && v[j] !== 'pass') passNot[j]++;
        }
        if (w.label === 'pass') continue;
        let maxLoad = 0;
        for (let a = w.startAge; a < w.endAge; a++) maxLoad = Math.max(maxLoad, series[dep.start + a] / mean);
        const cb = Math.max(1e-4, w.baseline.callerRequests > 0 ? w.baseline.callerErrors / w.baseline.callerRequests : 0);
        const ev = noEvidence();
        addFaultEvidence(ev, svc, faultEffect(dep.fault!, w.endAge - 1, maxLoad), w.canary.requests, w.canary.requests - w.canary.errors, w.canary.callerRequests, cb);
        fails.push({ z: evidenceZ(ev), kind: dep.fault!.kind, v });
      }
      done++;
      o.onProgress?.(done, o.deployments);
    });
    if (done >= o.deployments) break;
  }
  const recall = (rows: typeof fails) => Object.fromEntries(judges.map((j) => [j, rows.length ? rows.filter((r) => r.v[j] === 'fail').length / rows.length : null]));
  const kinds = [...new Set(fails.map((f) => f.kind))].sort();
  return {
    scenario: o.scenario,
    seed: o.seed,
    deployments: done,
    windows,
    failWindows: fails.length,
    passWindows: windows - fails.length,
    accuracy: Object.fromEntries(judges.map((j) => [j, right[j] / windows])),
    passNotPassed: passNot,
    buckets: VISIBILITY_BUCKETS.map(([from, to]) => {
      const rows = fails.filter((f) => f.z >= from && f.z < to);
      return { from, to, failWindows: rows.length, share: rows.length / windows, recall: recall(rows) };
    }),
    kinds: kinds.map((kind) => {
      const rows = fails.filter((f) => f.kind === kind);
      return { kind, failWindows: rows.length, below1: rows.filter((r) => r.z < 1).length, below2: rows.filter((r) => r.z < 2).length, mlMissed: rows.filter((r) => r.v.ml !== 'fail').length };
    }),
    ceilings: [1, 2, 3].map((c) => ({ minZ: c, accuracy: 1 - fails.filter((f) => f.z < c).length / windows })),
  };
}

export function formatVisibility(r: VisibilityReport): string {
  const pc = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
  return [
    `fail-window visibility — ${r.scenario} seed ${r.seed}, ${r.deployments} deployments: ${r.windows.toLocaleString('en-US')} windows, ${r.failWindows.toLocaleString('en-US')} fail`,
    `  accuracy: ml ${pc(r.accuracy.ml)}, kayenta ${pc(r.accuracy.kayenta)}; pass windows not passed: ml ${r.passNotPassed.ml}, kayenta ${r.passNotPassed.kayenta} of ${r.passWindows.toLocaleString('en-US')}`,
    '',
    '  expected z of the fault at the window end   fail windows   share of all   ml recall   kayenta recall',
    ...r.buckets.map((b) => `  [${b.from}, ${b.to === Infinity ? '∞' : b.to})`.padEnd(45) + `${String(b.failWindows).padStart(12)}   ${pc(b.share).padStart(12)}   ${pc(b.recall.ml).padStart(9)}   ${pc(b.recall.kayenta).padStart(14)}`),
    '',
    '  fault kind            fail windows   z < 1   z < 2   ml missed',
    ...r.kinds.map((k) => `  ${k.kind.padEnd(20)} ${String(k.failWindows).padStart(13)} ${String(k.below1).padStart(7)} ${String(k.below2).padStart(7)} ${String(k.mlMissed).padStart(11)}`),
    '',
    `  optimistic ceilings (catch every fail window with expected z >= c, miss the rest, no false alarm): ${r.ceilings.map((c) => `c = ${c.minZ}: ${pc(c.accuracy)}`).join(', ')}`,
  ].join('\n');
}
