// The metric set Spinnaker's canary analysis hands Kayenta's judge (judges/kayenta.ts) for one interval, with the
// judge's documented defaults. The `kayenta` rollout policy (policies/kayenta.ts) and the `kayenta` window
// judge (judges/window-judges.ts) both judge this set.
import type { KayentaMetric } from './kayenta.ts';
import type { CohortHistory } from './cohort-history.ts';

export interface KayentaConfig {
  pass: number;
  marginal: number;
  tolerance: number;
  confidence: number;
}

export const KAYENTA_DEFAULTS: KayentaConfig = { pass: 95, marginal: 75, tolerance: 0.25, confidence: 0.98 };

/** The metric set Kayenta judges for one interval of `minutes` minutes. */
export function kayentaMetrics(h: CohortHistory, minutes: number): KayentaMetric[] {
  const both = (get: Parameters<CohortHistory['series']>[2]) => ({ control: h.series('baseline', minutes, get), experiment: h.series('canary', minutes, get) });
  return [
    { name: 'error-ratio', direction: 'increase', critical: true, ...both((m) => (m.requests > 0 ? m.errors / m.requests : null)) },
    { name: 'latency-p99', direction: 'increase', ...both((m) => m.latencyP99) },
    { name: 'latency-p50', direction: 'increase', ...both((m) => m.latencyP50) },
    { name: 'conversion-rate', direction: 'decrease', ...both((m) => (m.requests > 0 ? m.conversions / m.requests : null)) },
  ];
}
