// The anomaly threshold of each detector: the corpus-wide threshold the NAB scorer optimises for each profile over the
// 34 NAB files in datasets/real/nab, one detector with its default settings on every file. These are exactly the
// `thresholds` that `npx rolloutlab bench nab --detector <name> --json` prints (test/nab.test.ts recomputes them);
// a point is an anomaly when its score is >= the threshold, as in NAB. They were optimised on the same files they
// are reported on (docs/anomaly.md: "Measured figures"), so they are the bench's operating points, not thresholds
// tuned on held-out data. Change a detector's defaults and these must be recomputed.
import type { DetectorName } from './types.ts';
import type { NabProfileName } from './nab-score.ts';

export const NAB_THRESHOLDS: Readonly<Partial<Record<DetectorName, Readonly<Record<NabProfileName, number>>>>> = {
  contextual: { standard: 0.5660952381986747, reward_low_FP_rate: 0.5660952381986747, reward_low_FN_rate: 0.5660952381986747 },
  'robust-z': { standard: 0.5474210458819795, reward_low_FP_rate: 0.5474210458819795, reward_low_FN_rate: 0.4494176678179444 },
  'windowed-gaussian': { standard: 0.9999999999999962, reward_low_FP_rate: 0.9999999999999962, reward_low_FN_rate: 0.999999999999962 },
  art: { standard: 0.5602207523151782, reward_low_FP_rate: 0.566400874778848, reward_low_FN_rate: 0.5602207523151782 },
  'artime-online': { standard: 0.455869, reward_low_FP_rate: 0.455869, reward_low_FN_rate: 0.455869 },
};
