// The anomaly route (POST /v1/anomaly/score): a monitoring job posts a metric series (or the next points of one, with
// the signed state of its previous answer) and gets an anomaly score and flag per point, by the bench nab detector's
// settings (training/anomaly/).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DEFAULT_DETECTOR, createDetector, restoreDetector, type AnomalyDetector } from '../../detectors/registry.ts';
import { NAB_THRESHOLDS } from '../../detectors/thresholds.ts';
import type { StateSealer } from '../anomaly-state.ts';
import { BadInput, NoAnswer } from '../decide.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { AnomalyBodySchema, AnomalyResponseSchema } from './anomaly-schemas.ts';

export interface AnomalyOptions {
  /** Signs and opens the streaming states (server/anomaly-state.ts). */
  sealer: StateSealer;
}

export const anomalyRoutes: FastifyPluginAsyncTypebox<AnomalyOptions> = async (app, { sealer }) => {
  app.post(
    '/v1/anomaly/score',
    { schema: { summary: "anomaly score in [0, 1] and an anomaly flag (score >= the detector's NAB threshold) for every point of a series (the bench nab detector's settings); streaming with the returned state; 422 when the detector gives no finite score", body: AnomalyBodySchema, response: { 200: AnomalyResponseSchema, 400: ErrorResponseSchema, 422: ErrorResponseSchema } } },
    async (req) => {
      const b = req.body;
      let d: AnomalyDetector;
      let seen = 0;
      if (b.state !== undefined) {
        const st = sealer.open(b.state);
        if (b.detector !== undefined && b.detector !== st.detector.detector) throw new BadInput('body.detector', `conflicts with the state's detector (${b.detector} vs ${st.detector.detector}); leave it out when sending a state`);
        try {
          d = restoreDetector(st.detector);
        } catch (e) {
          throw new BadInput('body.state', `cannot be restored by this server version (${(e as Error).message}): send the series from its start without a state`);
        }
        seen = st.seen;
      } else d = createDetector(b.detector ?? DEFAULT_DETECTOR);
      const profile = b.profile ?? 'standard';
      const threshold = NAB_THRESHOLDS[d.name]?.[profile];
      if (threshold === undefined) throw new BadInput('body.detector', `${d.name} has no NAB threshold: use one of ${Object.keys(NAB_THRESHOLDS).join(', ')}`);
      // A score that is not a number is no evidence either way: no answer (and no state), never a silent "not an anomaly".
      const scores = b.values.map((v, i) => {
        const x = d.update(v);
        if (!Number.isFinite(x)) throw new NoAnswer('NON_FINITE_SCORE', `body.values[${i}]`, `gets no finite anomaly score from ${d.name} (values this large overflow its arithmetic, ${seen + i} points in): no flag can be given; rescale the series and send it from its start`);
        return Math.min(1, Math.max(0, x));
      });
      const isAnomaly = scores.map((x) => x >= threshold);
      seen += b.values.length;
      const flagged = { detector: d.name, scores, isAnomaly, threshold, profile };
      if (!(b.returnState ?? b.state !== undefined)) return flagged;
      return { ...flagged, state: sealer.seal({ seen, detector: d.toJSON() }), pointsSeen: seen };
    },
  );
};
