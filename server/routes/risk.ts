// The risk routes: a pre-deploy gate or a change-review tool posts a change's features to POST /v1/risk/score and gets
// its failure probability with the main reasons (server/decide.ts riskScore); GET /v1/risk/features lists what the
// risk champion reads, for the callers that assemble those features.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { featureRange, riskChampion, riskScore } from '../decide.ts';
import type { ModelStore } from '../models.ts';
import { ErrorResponseSchema } from '../common-schemas.ts';
import { RiskBodySchema, RiskFeaturesResponseSchema, RiskResponseSchema } from './risk-schemas.ts';

export interface RiskOptions {
  store: ModelStore;
}

export const riskRoutes: FastifyPluginAsyncTypebox<RiskOptions> = async (app, { store }) => {
  const riskModel = () => riskChampion(store.snapshot);

  app.post(
    '/v1/risk/score',
    { schema: { summary: "a change's failure probability with its main reasons (the risk champion); 422 when the model gives no finite score", body: RiskBodySchema, response: { 200: RiskResponseSchema, 400: ErrorResponseSchema, 422: ErrorResponseSchema, 503: ErrorResponseSchema } } },
    async (req) => riskScore(req.body, riskModel()),
  );

  app.get('/v1/risk/features', { schema: { summary: "the risk champion's input features", response: { 200: RiskFeaturesResponseSchema, 503: ErrorResponseSchema } } }, async () => {
    const r = riskModel();
    return {
      modelVersion: r.version,
      features: r.model.specs.map((s) => {
        const range = featureRange(s);
        const seen = r.model.trainingRange(s.name);
        return { name: s.name, kind: s.kind, ...(s.kind === 'category' ? { levels: s.levels } : {}), ...(range ? { range } : {}), ...(seen ? { trainingMin: seen.min, trainingMax: seen.max } : {}), ...(s.description ? { description: s.description } : {}) };
      }),
    };
  });
};
