// What happened after a failed CI/CD step: the step (as datasets/failed-step.ts reads it), whether it was retried and
// whether the retry passed. One definition for POST /v1/pipeline/outcome, the wrapper's `--record <file>` and
// `rolloutlab train retry --with-feedback`, which adds the outcomes of retried steps to the training part.
import { RolloutlabError, show } from '../lib/errors.ts';
import { parseFailedStep, type FailedStep } from './failed-step.ts';
import { parseJsonLines } from './jsonl.ts';

/** One recorded outcome (the wire and file shape; a repeated `id` replaces the earlier record). */
export interface RetryOutcomeRecord {
  /** The failed attempt this is about, unique per pipeline, step and attempt (e.g. `<pipeline id>/<step>/<attempt>`). */
  id: string;
  step: string;
  exitCode: number;
  log: string;
  attempt?: number;
  history?: ('pass' | 'fail')[];
  /** The step was retried (by a policy or a person). */
  retried: boolean;
  /** The retry passed (null: not retried, or not known yet). */
  retrySucceeded: boolean | null;
  /** The failure's category or kind as a person or the retry later found it (optional). */
  category?: string;
  /** A test that failed and then passed on retry: flaky, never healthy. */
  flaky?: boolean;
  /** The decision that was served (action and category), for review. */
  decision?: { action: 'retry' | 'fail'; category: string; policy: string };
}

const FIELDS = ['id', 'step', 'exitCode', 'log', 'attempt', 'history', 'retried', 'retrySucceeded', 'category', 'flaky', 'decision'];
const bad = (field: string, problem: string, got: unknown) => new RolloutlabError('BAD_DATA', `${field} ${problem} (got ${show(got)})`, field);

/** A recorded outcome from a parsed JSON object, checked field by field (BAD_DATA naming `<where>.<field>`); unknown fields are refused. */
export function parseRetryOutcome(x: unknown, where = 'outcome'): { record: RetryOutcomeRecord; step: FailedStep } {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw bad(where, 'must be an object', x);
  const o = x as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!FIELDS.includes(k)) throw bad(`${where}.${k}`, `is not a field of a retry outcome (${FIELDS.join(', ')})`, o[k]);
  if (typeof o.id !== 'string' || o.id.trim() === '' || o.id.length > 256) throw bad(`${where}.id`, 'must be a non-empty string of at most 256 characters', o.id);
  const step = parseFailedStep({ step: o.step, exitCode: o.exitCode, log: o.log, ...(o.attempt !== undefined ? { attempt: o.attempt } : {}), ...(o.history !== undefined ? { history: o.history } : {}) }, where);
  if (typeof o.retried !== 'boolean') throw bad(`${where}.retried`, 'must be true or false', o.retried);
  if (o.retrySucceeded !== null && typeof o.retrySucceeded !== 'boolean') throw bad(`${where}.retrySucceeded`, 'must be true, false or null', o.retrySucceeded);
  if (!o.retried && o.retrySucceeded !== null) throw bad(`${where}.retrySucceeded`, 'must be null when the step was not retried', o.retrySucceeded);
  if (o.category !== undefined && (typeof o.category !== 'string' || !/^[a-z0-9_-]{1,64}$/.test(o.category))) throw bad(`${where}.category`, 'must be a snake_case or kebab-case name of at most 64 characters', o.category);
  if (o.flaky !== undefined && typeof o.flaky !== 'boolean') throw bad(`${where}.flaky`, 'must be true or false', o.flaky);
  let decision: RetryOutcomeRecord['decision'];
  if (o.decision !== undefined) {
    const d = o.decision as Record<string, unknown>;
    if (typeof d !== 'object' || d === null || Array.isArray(d)) throw bad(`${where}.decision`, 'must be an object {action, category, policy}', d);
    for (const k of Object.keys(d)) if (!['action', 'category', 'policy'].includes(k)) throw bad(`${where}.decision.${k}`, 'is not a field of a decision (action, category, policy)', d[k]);
    if (d.action !== 'retry' && d.action !== 'fail') throw bad(`${where}.decision.action`, 'must be "retry" or "fail"', d.action);
    if (typeof d.category !== 'string' || d.category.length > 64) throw bad(`${where}.decision.category`, 'must be a string of at most 64 characters', d.category);
    if (typeof d.policy !== 'string' || d.policy.length > 64) throw bad(`${where}.decision.policy`, 'must be a string of at most 64 characters', d.policy);
    decision = { action: d.action, category: d.category, policy: d.policy };
  }
  const record: RetryOutcomeRecord = {
    id: o.id,
    step: step.step,
    exitCode: step.exitCode,
    log: step.log,
    attempt: step.attempt,
    history: step.history.map((h) => (h ? 'pass' : 'fail')),
    retried: o.retried,
    retrySucceeded: o.retrySucceeded as boolean | null,
    ...(o.category !== undefined ? { category: o.category as string } : {}),
    ...(o.flaky !== undefined ? { flaky: o.flaky as boolean } : {}),
    ...(decision ? { decision } : {}),
  };
  return { record, step };
}

/** Recorded outcomes from JSON Lines text; a bad line is BAD_DATA naming `<file>: line <n>`; a repeated id keeps the last. */
export function parseRetryOutcomesJsonl(text: string, file = 'input'): RetryOutcomeRecord[] {
  const byId = new Map<string, RetryOutcomeRecord>();
  for (const record of parseJsonLines(text, file, (x, where) => parseRetryOutcome(x, where).record)) {
    byId.delete(record.id);
    byId.set(record.id, record);
  }
  return [...byId.values()];
}
