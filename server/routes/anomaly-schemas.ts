// Schemas of the anomaly route (server/routes/anomaly.ts): a series (and a streaming state) in, scores and flags out.
import { Type, type Static } from '@sinclair/typebox';
import { DETECTOR_NAMES } from '../../detectors/registry.ts';
import { NAB_PROFILE_NAMES } from '../../detectors/nab-score.ts';

/** Longest series the anomaly route scores in one call. */
export const MAX_SERIES = 100_000;
/**
 * Detectors the anomaly route runs: all but `cad`, whose context memory (and so its streaming state) may grow to
 * megabytes, `forecast`, whose season comes from timestamps the route does not take, and `cad-ose`, the faithful
 * CAD OSE port, and `artime`, the ARTime port (both need the whole series' min and max, and its length, in advance).
 */
export const SERVED_DETECTORS = DETECTOR_NAMES.filter((n) => n !== 'cad' && n !== 'forecast' && n !== 'cad-ose' && n !== 'artime');
/** Largest streaming state accepted (characters; a contextual detector's state is about 50 kB, an artime-online one at most about 0.5 MB sealed). */
export const MAX_ANOMALY_STATE = 900_000;

export const AnomalyBodySchema = Type.Object(
  {
    values: Type.Array(Type.Number(), { minItems: 1, maxItems: MAX_SERIES, description: 'the series, oldest first, one value per step' }),
    detector: Type.Optional(Type.Union(SERVED_DETECTORS.map((n) => Type.Literal(n)), { description: 'default contextual (the bench nab detector with its default settings); cad, forecast, cad-ose and artime are NAB peers only (cad: its streaming state can grow to megabytes; forecast: its season needs timestamps; cad-ose and artime: ports of NAB detectors, they need the min and max of the whole series; artime-online is the online variant of artime)' })),
    state: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: MAX_ANOMALY_STATE,
        description: "streaming: the `state` of this series' previous answer; `values` are then the points that came after it, and the scores are those the detector would give scoring the whole series at once (the state is signed by the server and opaque)",
      }),
    ),
    returnState: Type.Optional(Type.Boolean({ description: 'answer with the detector state after the last value, to send back with the next points (default: true when `state` is given, else false)' })),
    profile: Type.Optional(Type.Union(NAB_PROFILE_NAMES.map((n) => Type.Literal(n)), { description: "the NAB profile whose threshold flags the anomalies (default standard; reward_low_FP_rate flags less, reward_low_FN_rate more for detectors where they differ)" })),
  },
  { additionalProperties: false },
);
export type AnomalyBody = Static<typeof AnomalyBodySchema>;

export const AnomalyResponseSchema = Type.Object({
  detector: Type.String(),
  scores: Type.Array(Type.Number({ minimum: 0, maximum: 1 }), { description: 'one anomaly score in [0, 1] per input value' }),
  isAnomaly: Type.Array(Type.Boolean(), { description: 'one flag per input value: its score is >= threshold' }),
  threshold: Type.Number({ description: "the detector's NAB threshold for the profile: the corpus-wide threshold bench nab optimises over the 34 NAB files (docs/anomaly.md)" }),
  profile: Type.Union(NAB_PROFILE_NAMES.map((n) => Type.Literal(n))),
  state: Type.Optional(Type.String({ description: 'the detector state after the last value (streaming; send it back as `state` with the next points)' })),
  pointsSeen: Type.Optional(Type.Integer({ description: 'values the detector has seen on this series in total (streaming)' })),
}, { additionalProperties: false });
export type AnomalyResponse = Static<typeof AnomalyResponseSchema>;
