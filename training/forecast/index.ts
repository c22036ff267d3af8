// training/forecast — the traffic forecaster of the deployment-window recommender and its evaluation
// (docs/definitions.md#forecast-quality: MASE against the seasonal-naive forecast, one day back, on the held-out tail).
//
//   fitForecaster(series, { period }) ─▶ Forecaster ─▶ forecast(history, horizon) / toJSON() ─▶ forecasterFromJSON
//   evaluateSeries(series, { period, horizon, testFraction, origins }) ─▶ { mase, naiveMase, ratio, ... }
//
// The report over simulated traffic and NAB's nyc_taxi is bench/forecast.ts. docs/forecast.md describes the model,
// the protocol and the measured figures.
export {
  fitForecaster,
  forecasterFromJSON,
  seasonalNaive,
  type Forecaster,
  type ForecasterJSON,
  type ForecasterOptions,
  type ForecastOptions,
} from './forecaster.ts';
export {
  mase,
  maseScale,
  meanAbsoluteError,
  evaluateSeries,
  evaluationOrigins,
  resample,
  type EvaluateOptions,
  type SeriesEvaluation,
} from './evaluate.ts';
