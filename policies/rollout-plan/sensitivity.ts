// Per-change rollback thresholds chosen by the rollout-plan optimiser (docs/rollout-plans.md "Per-change thresholds"):
// besides the canary plan, the change gets a rollback sensitivity, one of a short ordered list of levels. The first is
// the rollback champion's own thresholds; each next level caps P(material fault), P(breach ahead) and the hold
// threshold lower, so the `ml` policy holds and rolls back on less evidence. The level is read from a table learned by
// search in the simulator (scripts/search-rollout-thresholds.ts writes ./sensitivity-table.ts) over the same
// (traffic, risk) buckets as the plan table; a riskier change never gets a less sensitive level. A pure function.
// Fail closed: without a usable risk score, the most sensitive level.
import type { ThresholdCaps } from '../thresholds.ts';
import { THRESHOLD_KEYS } from '../thresholds.ts';
import { LEARNED_SENSITIVITY_TABLE } from './sensitivity-table.ts';

export interface SensitivityLevel {
  name: string;
  /** Caps on the champion's thresholds (none: the champion's as they are). */
  caps: ThresholdCaps;
}

/** From the champion's thresholds to the most sensitive: down the list every cap is lower or equal. */
export const SENSITIVITY_LEVELS: readonly SensitivityLevel[] = [
  { name: 'standard', caps: {} },
  { name: 'alert', caps: { fault: 0.95, breach: 0.8, hold: 0.4 } },
  { name: 'vigilant', caps: { fault: 0.9, breach: 0.7, hold: 0.3 } },
  { name: 'strict', caps: { fault: 0.8, breach: 0.6, hold: 0.2 } },
];

/**
 * Whether the optimiser's plan carries per-change thresholds by default (`--strategy optimised`, POST
 * /v1/rollout/plan, `plan rollout`). Set by the rule in docs/rollout-plans.md "Per-change thresholds": only if, on
 * the validation seed, they cut the blast radius and are no worse on false rollbacks and prevention.
 */
export const PER_CHANGE_THRESHOLDS = false;

export interface SensitivityTable {
  format: 'rolloutlab-sensitivity-table-1';
  /** Upper edges of the risk buckets (those of the plan table it was learned beside). */
  riskEdges: number[];
  /** Upper edges of the traffic buckets, requests per minute of the service at the start. */
  trafficEdges: number[];
  /** choice[trafficBucket][riskBucket] = index into SENSITIVITY_LEVELS. */
  choice: number[][];
  /** How it was learned. */
  trainedOn: { scenarios: string[]; seeds: number[]; deploymentsPerRun: number; note: string; [k: string]: unknown };
}

export const SENSITIVITY_TABLE = LEARNED_SENSITIVITY_TABLE as unknown as SensitivityTable;

export interface ChosenSensitivity {
  level: SensitivityLevel;
  index: number;
  reasons: string[];
}

const bucket = (x: number, edges: readonly number[]) => {
  let i = 0;
  while (i < edges.length && x > edges[i]) i++;
  return i;
};

/** A cap for every threshold a level lowers, as the plan answer gives it. */
export const capsText = (c: ThresholdCaps): string =>
  THRESHOLD_KEYS.filter((k) => c[k] !== undefined)
    .map((k) => `${k} ${c[k]}`)
    .join(', ') || "the rollback champion's thresholds";

/** The rollback sensitivity for a change from its risk score and its service's traffic (fail closed: the most sensitive). */
export function chooseSensitivity(input: { risk: number | null; rpm: number }, table: SensitivityTable = SENSITIVITY_TABLE): ChosenSensitivity {
  const rpm = Number.isFinite(input.rpm) && input.rpm > 0 ? input.rpm : 0;
  if (input.risk === null || !Number.isFinite(input.risk) || input.risk < 0 || input.risk > 1) {
    const index = SENSITIVITY_LEVELS.length - 1;
    const level = SENSITIVITY_LEVELS[index];
    return { level, index, reasons: [`no usable risk score: the most sensitive rollback thresholds, ${level.name} (${capsText(level.caps)})`] };
  }
  const t = bucket(rpm, table.trafficEdges);
  const r = bucket(input.risk, table.riskEdges);
  const index = table.choice[t][r];
  const level = SENSITIVITY_LEVELS[index];
  return { level, index, reasons: [`rollback thresholds ${level.name} (${capsText(level.caps)}) for risk bucket ${r + 1}, traffic bucket ${t + 1}`] };
}
