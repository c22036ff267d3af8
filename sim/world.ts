// simulateWorld: scenario + seed → the whole simulated world, with the ground truth of every deployment.
//
//   topology ─▶ calendar ─▶ traffic ─▶ incidents ─▶ changes ─▶ pipelines ─▶ deployments ─▶ unguarded runs
//
// Each stage draws from its own seeded stream, so the same (scenario, seed) always gives the same world.
import { Rng } from '../lib/rng.ts';
import type { Scenario } from './scenario-schema.ts';
import { generateTopology, type Topology } from './topology.ts';
import { buildCalendar, nextUnfrozen, onCallCover, freezeAt, type Calendar } from './calendar.ts';
import { generateTraffic, type Traffic } from './traffic.ts';
import { generateIncidents, type Incident } from './noise.ts';
import {
  generateChanges,
  intrinsicFailureProbability,
  poolBugProbability,
  trueFailureProbability,
  type Change,
  type HistoryFeatures,
} from './changes.ts';
import { simulatePipeline, type PipelineRun } from './pipeline.ts';
import { drawFault, poolFault, immaterialFault, isMaterial, peakEffect, callerBaseline, type Fault } from './faults.ts';
import { runUnguarded, rolloutWindow } from './unguarded.ts';
import type { EpisodeOutcome, ObservationRow } from './env.ts';

export interface Deployment {
  id: string;
  changeId: string;
  service: number;
  /** Minute the pipeline finished: the change was ready to deploy. */
  readyAt: number;
  /** Minute the rollout started (after waiting for a freeze or a rollout in progress). */
  start: number;
  end: number;
  waitedForFreezeMin: number;
  history: HistoryFeatures;
  onCallCover: number;
  /** Traffic at the start and the peak over the window, relative to the service's mean. */
  loadAtStart: number;
  maxLoad: number;
  // --- ground truth (hidden from policies and models) ---
  pIntrinsic: number;
  pPoolBug: number;
  /** P(the change carries a material fault | change, deploy time): the oracle risk. */
  trueFailureProb: number;
  fault: Fault | null;
  /** True iff the fault is material (docs/definitions.md#material-fault); this is the "deployment failed" label. */
  material: boolean;
  /** Expected fault-attributable bad requests of an unguarded run at this time, weighted by on-call cover. */
  expectedIncidentCost: number;
  /** The unguarded run (the scenario's canary, never rolled back): breach, its cause, the blast radius. */
  outcome: EpisodeOutcome;
}

export interface World {
  scenario: Scenario;
  seed: number;
  topology: Topology;
  calendar: Calendar;
  traffic: Traffic;
  incidents: Incident[];
  changes: Change[];
  pipelines: PipelineRun[];
  deployments: Deployment[];
  /** Unguarded-run observations, parallel to `deployments`. */
  observations: ObservationRow[][];
}

export type Progress = (stage: string, done: number, total: number) => void;

/** Mean fault-attributable bad ratio of a material fault, used for the expected incident cost. */
export const TYPICAL_FAULT_BAD_RATIO = 0.05;

/**
 * Expected incident cost of a rollout (docs/definitions.md#timing-quality-and-regret): failure probability × requests exposed over
 * the rollout window × the typical bad ratio of a fault, doubled when no one is on call (thin cover stretches
 * recovery). Deploy-window recommendation minimises it; its regret is measured with the true inputs.
 */
export const expectedIncidentCost = (p: number, exposedRequests: number, onCallCover: number): number => p * exposedRequests * TYPICAL_FAULT_BAD_RATIO * (2 - onCallCover);

/**
 * A service's deploy-time history features at `start`, from its earlier rollouts in start order (their end minute and
 * whether they failed): what a deployment of the world carries, and what the what-if computes for a proposed change.
 */
export function historyFeatures(past: readonly { end: number; failed: boolean }[], start: number): HistoryFeatures {
  const lastEnd = past.length ? past[past.length - 1].end : -Infinity;
  const recent = past.slice(-10);
  return {
    // A rollout still running at `start` (a proposed change's start may fall inside one) counts as just ended.
    hoursSinceLastDeploy: Number.isFinite(lastEnd) ? Math.max(0, start - lastEnd) / 60 : 24 * 14,
    // Smoothed toward a 15 % prior so a service's first deploys are not 0 % or 100 %.
    serviceRecentFailureRate: (recent.filter((h) => h.failed).length + 0.3) / (recent.length + 2),
    serviceDeploysSoFar: past.length,
  };
}

export interface WorldOptions {
  /** Keep the per-cohort, per-minute rows of every unguarded run (default true; backtests turn it off). */
  observations?: boolean;
  /** Seed of the topology, when it must stay fixed across worlds of other seeds (consecutive backtest periods). */
  topologySeed?: number;
  /** Prefix of deployment ids, to keep them unique across several worlds. */
  idPrefix?: string;
}

/** Simulate a scenario. `onProgress` is called as stages advance (for terminal progress). */
export function simulateWorld(s: Scenario, seed: number, onProgress?: Progress, opts: WorldOptions = {}): World {
  const topology = generateTopology(s, new Rng(opts.topologySeed ?? seed, 'topology'));
  const calendar = buildCalendar(s);
  const traffic = generateTraffic(s, topology, calendar, seed, (d, n) => onProgress?.('traffic', d, n));
  const incidents = generateIncidents(s, topology, calendar.minutes, seed);
  const changes = generateChanges(s, topology, calendar, seed);
  const window = rolloutWindow(s.rollout);

  const pipelines: PipelineRun[] = [];
  const ready: { change: Change; readyAt: number }[] = [];
  changes.forEach((c) => {
    const run = simulatePipeline(s, c.id, c.features, c.mergedAt, new Rng(seed, 'pipeline', c.id));
    pipelines.push(run);
    if (run.status === 'success') ready.push({ change: c, readyAt: run.finishedAt });
  });
  ready.sort((a, b) => a.readyAt - b.readyAt || a.change.seq - b.change.seq);

  const busyUntil = new Map<number, number>();
  const past = new Map<number, { end: number; failed: boolean }[]>();
  const deployments: Deployment[] = [];
  const observations: ObservationRow[][] = [];
  for (const [i, { change, readyAt }] of ready.entries()) {
    onProgress?.('deployments', i + 1, ready.length);
    const svc = topology.services[change.service];
    // One rollout per service at a time, and never a start inside a freeze.
    let start = Math.max(readyAt, busyUntil.get(svc.id) ?? 0);
    const unfrozen = nextUnfrozen(calendar, start);
    const waitedForFreezeMin = unfrozen - start;
    start = unfrozen;
    if (start + window > calendar.minutes) continue;
    busyUntil.set(svc.id, start + window);

    const hist = past.get(svc.id) ?? [];
    const history = historyFeatures(hist, start);
    const series = traffic.requests[svc.id];
    const mean = Math.max(1e-9, traffic.meanRequests[svc.id]);
    let maxLoad = 0;
    let exposed = 0;
    for (let t = start; t < start + window; t++) {
      maxLoad = Math.max(maxLoad, series[t] / mean);
      exposed += series[t];
    }
    const pIntrinsic = intrinsicFailureProbability(s, svc, change.features, history);
    const pPoolBug = poolBugProbability(s, svc, change.features);
    const trueFailureProb = trueFailureProbability(pIntrinsic, pPoolBug, maxLoad);

    const rng = new Rng(seed, 'deploy', change.id);
    let fault: Fault | null = null;
    const intrinsic = rng.next() < pIntrinsic;
    const immaterial = rng.next() < s.changes.immaterialFaultRate;
    if (intrinsic) fault = drawFault(s, svc, topology, rng.fork('fault'), window, change.features.apiContractChange);
    else if (change.poolBug && maxLoad > change.poolThreshold) fault = poolFault(svc, change.poolThreshold, rng.fork('pool'));
    else if (immaterial) fault = immaterialFault(svc, rng.fork('immaterial'));
    const material = fault !== null && isMaterial(svc, peakEffect(fault, window, maxLoad), callerBaseline(topology, svc.id));

    const id = `${opts.idPrefix ?? ''}dep-${String(deployments.length + 1).padStart(6, '0')}`;
    const { outcome, rows } = runUnguarded({ scenario: s, topology, traffic, incidents }, { id, service: svc.id, start, fault, material }, seed, { record: opts.observations ?? true });
    const cover = onCallCover(calendar, start, svc.teamTzOffset);
    // Thin on-call cover stretches recovery; the cost doubles with no one awake.
    const cost = expectedIncidentCost(trueFailureProb, exposed, cover);
    deployments.push({
      id,
      changeId: change.id,
      service: svc.id,
      readyAt,
      start,
      end: start + window,
      waitedForFreezeMin,
      history,
      onCallCover: cover,
      loadAtStart: series[start] / mean,
      maxLoad,
      pIntrinsic,
      pPoolBug,
      trueFailureProb,
      fault,
      material,
      expectedIncidentCost: cost,
      outcome,
    });
    observations.push(rows);
    hist.push({ end: start + window, failed: material });
    past.set(svc.id, hist);
  }
  if (deployments.some((d) => freezeAt(calendar, d.start))) throw new Error('bug: a deployment starts inside a freeze');
  return { scenario: s, seed, topology, calendar, traffic, incidents, changes, pipelines, deployments, observations };
}
