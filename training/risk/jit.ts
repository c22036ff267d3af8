// JIT change histories (ISSTA21-JIT-DP layout) as risk-pipeline input: Kamei's 14 change metrics, counts on a
// log scale, in commit-date order. No per-project settings.
import type { JitHistory } from '../../datasets/import-jit.ts';
import { JIT_FEATURES, JIT_FEATURE_DESCRIPTIONS } from '../../datasets/import-jit.ts';
import type { FeatureSpec } from '../gam.ts';
import type { RiskData } from './pipeline.ts';

/** The additive model's features on a JIT history: Kamei's 14 metrics, counts through log1p. */
export const JIT_SPECS: FeatureSpec[] = JIT_FEATURES.map((f) =>
  f === 'fix' ? { name: f, kind: 'binary', description: JIT_FEATURE_DESCRIPTIONS[f] } : { name: f, kind: 'numeric', transform: f === 'entrophy' ? 'none' : 'log1p', range: 'nonneg', description: JIT_FEATURE_DESCRIPTIONS[f] },
);

export function jitRiskData(h: JitHistory): RiskData {
  const specs = JIT_SPECS;
  const cols: Record<string, Float64Array> = {};
  for (const f of JIT_FEATURES) cols[f] = h.columns[f];
  return { cols, labels: h.columns.bug, n: h.rows, specs, interactions: [], linesAdded: 'la' };
}
