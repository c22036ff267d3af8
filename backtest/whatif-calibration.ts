// How well the what-if engine's predictions hold on deployments it never saw (docs/whatif.md "Calibration"): for
// held-out deployments of a simulated world, the share of the healthy ones' canary observations that fall inside the
// predicted p10-p90 range of their stage and metric (target 80 % ± 5), and the failure points' recall and precision
// against the services the real fault breached in its unguarded run.
//
// Coverage is counted two ways. `closed`: the observation lies in [p10, p90]. `pit`: where the metric is a count
// ratio with ties (an error ratio of exactly 0 at a 1 % canary), an observation equal to many predicted values is
// credited with the part of its predictive-probability step that lies between 0.1 and 0.9 — the usual way to judge
// a predictive distribution of a discrete quantity; for continuous values the two agree.
import type { Scenario } from '../sim/scenario-schema.ts';
import { simulateWorld } from '../sim/world.ts';
import { scenarioStrategy } from '../sim/strategy.ts';
import { whatIfDetailed, observedCanary, faultBreachedServices, WHATIF_METRICS, type WhatIfMetric } from '../sim/whatif.ts';

export interface CoverageCell {
  observations: number;
  closed: number;
  pit: number;
}

export interface WhatIfCalibration {
  scenario: string;
  seed: number;
  runs: number;
  healthyDeployments: number;
  faultyDeployments: number;
  coverage: CoverageCell & { byMetric: Record<WhatIfMetric, CoverageCell> };
  failurePoints: {
    threshold: number;
    truePositives: number;
    falsePositives: number;
    falseNegatives: number;
    recall: number | null;
    precision: number | null;
    byRelation: Record<'self' | 'caller', { truePositives: number; falsePositives: number; falseNegatives: number; recall: number | null; precision: number | null }>;
  };
}

/** Where x falls in the sorted sample: the share below it and the share at or below it. */
function cdfStep(sorted: Float64Array, x: number): [number, number] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  const below = lo;
  hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return [below / sorted.length, lo / sorted.length];
}

/** Credit of one observation: the share of its step [F(x-), F(x)] inside [0.1, 0.9] (1 or 0 without a tie). */
export function pitCredit(sorted: Float64Array, x: number): number {
  const [a, b] = cdfStep(sorted, x);
  if (b - a <= 0) return a >= 0.1 && a <= 0.9 ? 1 : 0;
  return Math.max(0, Math.min(b, 0.9) - Math.max(a, 0.1)) / (b - a);
}

export function calibrateWhatIf(o: { scenario: Scenario; scenarioName: string; seed: number; deployments: number; runs: number; threshold?: number; onProgress?: (done: number, total: number) => void }): WhatIfCalibration {
  const world = simulateWorld(o.scenario, o.seed);
  const strategy = scenarioStrategy(o.scenario);
  const threshold = o.threshold ?? 0.5;
  // A forecast needs a day of history: deployments of the first day are left out.
  const deps = world.deployments.filter((d) => d.start >= 1440).slice(0, o.deployments);
  const changes = new Map(world.changes.map((c) => [c.id, c]));
  const cell = (): CoverageCell => ({ observations: 0, closed: 0, pit: 0 });
  const byMetric = Object.fromEntries(WHATIF_METRICS.map((m) => [m, cell()])) as Record<WhatIfMetric, CoverageCell>;
  const rel = () => ({ truePositives: 0, falsePositives: 0, falseNegatives: 0 });
  const byRelation = { self: rel(), caller: rel() };
  let healthy = 0;
  let faulty = 0;
  deps.forEach((d, i) => {
    o.onProgress?.(i, deps.length);
    const { result, healthySamples } = whatIfDetailed({ scenario: o.scenario, topology: world.topology, traffic: world.traffic, service: d.service, start: d.start, id: d.id, apiContractChange: changes.get(d.changeId)?.features.apiContractChange ?? false, risk: null, strategy, runs: o.runs, seed: o.seed, stress: false });
    if (!d.material) {
      healthy++;
      for (const ob of observedCanary(world, d, world.seed, strategy)) {
        for (const m of WHATIF_METRICS) {
          const x = ob.values[m];
          const sample = healthySamples[ob.stage][m];
          const range = result.stages[ob.stage].healthy[m];
          if (x === undefined || !range) continue;
          const c = byMetric[m];
          c.observations++;
          if (x >= range.p10 && x <= range.p90) c.closed++;
          c.pit += pitCredit(sample, x);
        }
      }
    } else {
      faulty++;
      const truth = new Set(faultBreachedServices(world, d, world.seed, strategy));
      const predicted = new Set(result.failurePoints.filter((f) => f.probabilityIfFaulty >= threshold).map((f) => f.service));
      for (const s of new Set([...truth, ...predicted])) {
        const r = byRelation[s === d.service ? 'self' : 'caller'];
        if (truth.has(s) && predicted.has(s)) r.truePositives++;
        else if (predicted.has(s)) r.falsePositives++;
        else r.falseNegatives++;
      }
    }
  });
  o.onProgress?.(deps.length, deps.length);
  const all = Object.values(byMetric).reduce((a, c) => ({ observations: a.observations + c.observations, closed: a.closed + c.closed, pit: a.pit + c.pit }), cell());
  const share = (c: CoverageCell): CoverageCell => ({ observations: c.observations, closed: c.observations ? c.closed / c.observations : NaN, pit: c.observations ? c.pit / c.observations : NaN });
  const rates = (r: { truePositives: number; falsePositives: number; falseNegatives: number }) => ({ ...r, recall: r.truePositives + r.falseNegatives ? r.truePositives / (r.truePositives + r.falseNegatives) : null, precision: r.truePositives + r.falsePositives ? r.truePositives / (r.truePositives + r.falsePositives) : null });
  const tot = { truePositives: byRelation.self.truePositives + byRelation.caller.truePositives, falsePositives: byRelation.self.falsePositives + byRelation.caller.falsePositives, falseNegatives: byRelation.self.falseNegatives + byRelation.caller.falseNegatives };
  return {
    scenario: o.scenarioName,
    seed: o.seed,
    runs: o.runs,
    healthyDeployments: healthy,
    faultyDeployments: faulty,
    coverage: { ...share(all), byMetric: Object.fromEntries(WHATIF_METRICS.map((m) => [m, share(byMetric[m])])) as Record<WhatIfMetric, CoverageCell> },
    failurePoints: { threshold, ...rates(tot), byRelation: { self: rates(byRelation.self), caller: rates(byRelation.caller) } },
  };
}
