// Kayenta's RemoteJudge wire contract (server/adapters/kayenta.ts): the request Kayenta sends to POST /judge and the
// judge-result shape it reads back. The payloads are Kayenta's own. Every object is closed: Kayenta's objects list the
// fields Kayenta sends (those not read are accepted and ignored), so a misspelt field is a 400, not a silent default.
// Only the provider-specific `query` of a metric and a pair's `attributes` are free-form (never read).
import { Type, type Static } from '@sinclair/typebox';
import { MAX_TICKS, Nullable } from '../common-schemas.ts';
import { DeploymentIdSchema } from '../routes/controls-schemas.ts';

const KValue = Type.Union([Type.Number(), Type.Null(), Type.Literal('NaN'), Type.Literal('Infinity'), Type.Literal('-Infinity')]);
// Epoch milliseconds as JavaScript dates hold them (±8.64e15): a larger value is no time.
const KScope = Type.Object({ startTimeIso: Type.Optional(Type.String()), startTimeMillis: Type.Optional(Type.Number({ minimum: -8.64e15, maximum: 8.64e15 })), stepMillis: Type.Optional(Type.Number({ minimum: 0, maximum: 8.64e15 })) }, { additionalProperties: false });
/** A field Kayenta sends and the judge does not read (any value). */
const KIgnored = Type.Optional(Type.Unknown());
const KFreeForm = (description: string) => Type.Optional(Nullable(Type.Object({}, { additionalProperties: true, description })));
const KDirection = Type.Union([Type.Literal('increase'), Type.Literal('decrease'), Type.Literal('either')]);

export const KayentaJudgeBodySchema = Type.Object(
  {
    canaryConfig: Type.Object(
      {
        metrics: Type.Array(
          Type.Object(
            {
              name: Type.String({ minLength: 1 }),
              groups: Type.Optional(Nullable(Type.Array(Type.String({ minLength: 1 })))),
              analysisConfigurations: Type.Optional(
                Nullable(
                  Type.Object(
                    {
                      canary: Type.Optional(
                        Nullable(
                          Type.Object(
                            {
                              direction: Type.Optional(Nullable(KDirection)),
                              critical: Type.Optional(Nullable(Type.Boolean())),
                              mustHaveData: Type.Optional(Nullable(Type.Boolean())),
                              allowNegative: Type.Optional(Nullable(Type.Boolean({ description: 'the metric may take negative values (default false: a negative value is a 400)' }))),
                              nanStrategy: Type.Optional(Nullable(Type.Union([Type.Literal('remove'), Type.Literal('replace')]))),
                              outliers: Type.Optional(Nullable(Type.Object({ strategy: KIgnored, outlierFactor: KIgnored }, { additionalProperties: false }))),
                              effectSize: Type.Optional(
                                Nullable(Type.Object({ allowedIncrease: KIgnored, allowedDecrease: KIgnored, criticalIncrease: KIgnored, criticalDecrease: KIgnored, measure: KIgnored }, { additionalProperties: false })),
                              ),
                            },
                            { additionalProperties: false },
                          ),
                        ),
                      ),
                    },
                    { additionalProperties: false },
                  ),
                ),
              ),
              id: KIgnored,
              query: KFreeForm("the metric's query (provider-specific; not read)"),
              scopeName: KIgnored,
            },
            { additionalProperties: false },
          ),
          { maxItems: 1000 },
        ),
        classifier: Type.Optional(
          Nullable(Type.Object({ groupWeights: Type.Optional(Nullable(Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 100, description: 'percent' })))), scoreThresholds: KIgnored }, { additionalProperties: false })),
        ),
        id: KIgnored,
        name: KIgnored,
        description: KIgnored,
        configVersion: KIgnored,
        applications: KIgnored,
        judge: KIgnored,
        templates: KIgnored,
        createdTimestamp: KIgnored,
        updatedTimestamp: KIgnored,
        createdTimestampIso: KIgnored,
        updatedTimestampIso: KIgnored,
      },
      { additionalProperties: false, description: "Kayenta's canary config (only metrics[].name, groups, analysisConfigurations.canary and classifier.groupWeights are read)" },
    ),
    scoreThresholds: Type.Object({ pass: Type.Number({ minimum: 0, maximum: 100 }), marginal: Type.Number({ minimum: 0, maximum: 100 }) }, { additionalProperties: false, description: 'summary-score thresholds on the 0-100 scale, marginal <= pass' }),
    metricSetPairList: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1 }),
          id: Type.Optional(Nullable(Type.String())),
          tags: Type.Optional(Nullable(Type.Record(Type.String(), Type.String()))),
          values: Type.Object({ control: Type.Array(KValue, { maxItems: MAX_TICKS }), experiment: Type.Array(KValue, { maxItems: MAX_TICKS }) }, { additionalProperties: false }),
          scopes: Type.Optional(Nullable(Type.Object({ control: Type.Optional(KScope), experiment: Type.Optional(KScope) }, { additionalProperties: false }))),
          attributes: KFreeForm('attributes of the pair (not read)'),
        },
        { additionalProperties: false },
      ),
      { maxItems: 1000 },
    ),
  },
  { additionalProperties: false, description: "Kayenta's RemoteJudge request" },
);
export type KayentaJudgeBody = Static<typeof KayentaJudgeBodySchema>;

export const KayentaJudgeQuerySchema = Type.Object(
  { deployment: Type.Optional(DeploymentIdSchema) },
  { additionalProperties: false, description: "the deployment whose human controls apply (default: each of the canary config's applications)" },
);

const KStats = Type.Object({ count: Type.Number(), mean: Nullable(Type.Number()), median: Nullable(Type.Number()), min: Nullable(Type.Number()), max: Nullable(Type.Number()) });
export const KayentaJudgeResponseSchema = Type.Object({
  judgeName: Type.String(),
  results: Type.Array(
    Type.Object({
      name: Type.String(),
      id: Type.Optional(Type.String()),
      tags: Type.Record(Type.String(), Type.String()),
      classification: Type.Union([Type.Literal('Pass'), Type.Literal('High'), Type.Literal('Low'), Type.Literal('Nodata')]),
      classificationReason: Nullable(Type.String()),
      groups: Type.Array(Type.String()),
      experimentMetadata: Type.Object({ stats: KStats }),
      controlMetadata: Type.Object({ stats: KStats }),
      resultMetadata: Type.Object({ ratio: Nullable(Type.Number()) }),
      critical: Type.Boolean(),
      muted: Type.Boolean(),
    }),
  ),
  groupScores: Type.Array(Type.Object({ name: Type.String(), score: Type.Number() })),
  score: Type.Object({ score: Type.Number(), classification: Type.Union([Type.Literal('Pass'), Type.Literal('Marginal'), Type.Literal('Fail')]), classificationReason: Type.String() }),
});
