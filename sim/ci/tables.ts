// The CI/CD failure world as a data set table, and back: every failed step attempt is one row of `ci_failures`, the
// fields a CI system reports beside the truth (kind, category, transient, when the cause clears) and, as JSON, the
// step's history and what each wait and remediation would have done. `rolloutlab simulate-pipelines` writes it; the
// retry family (training/retry/data.ts) reads it back with `ciFailuresFromRows`.
import { tableFromRows, type Table } from '../../datasets/table.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import type { CiFailure } from './record.ts';
import type { CiWorld } from './world.ts';

export const CI_FAILURES_TABLE = 'ci_failures';

export function ciWorldToTables(world: CiWorld): Table[] {
  return [
    tableFromRows<CiFailure>(CI_FAILURES_TABLE, world.failures, [
      ['id', 'VARCHAR', (f) => f.id, 'pipeline/step/attempt'],
      ['pipeline_id', 'VARCHAR', (f) => f.pipelineId, 'the pipeline run'],
      ['repo', 'VARCHAR', (f) => f.repo, 'repository (one per service)'],
      ['team', 'VARCHAR', (f) => f.team, 'owning team'],
      ['ecosystem', 'VARCHAR', (f) => f.ecosystem, 'language tool chain'],
      ['ci', 'VARCHAR', (f) => f.ci, 'CI system'],
      ['runner', 'VARCHAR', (f) => f.runner, 'runner that ran the attempt'],
      ['branch', 'VARCHAR', (f) => f.branch, 'branch'],
      ['commit', 'VARCHAR', (f) => f.commit, 'commit'],
      ['step', 'VARCHAR', (f) => f.step, 'step name'],
      ['attempt', 'INTEGER', (f) => f.attempt, '1 for the first try of the step in this pipeline'],
      ['started_at_min', 'DOUBLE', (f) => f.startedAtMin, 'minutes since the scenario start'],
      ['ended_at_min', 'DOUBLE', (f) => f.endedAtMin, 'minutes since the scenario start'],
      ['time', 'VARCHAR', (f) => f.time, 'ISO time of the failure'],
      ['duration_s', 'INTEGER', (f) => f.durationS, 'seconds the attempt ran'],
      ['exit_code', 'INTEGER', (f) => f.exitCode, 'exit code'],
      ['log', 'VARCHAR', (f) => f.log, 'tail of the step log'],
      ['error_start', 'INTEGER', (f) => f.errorSpan[0], 'first line of the error in the log (0-based)'],
      ['error_end', 'INTEGER', (f) => f.errorSpan[1], 'last line of the error in the log (0-based, inclusive)'],
      ['test', 'VARCHAR', (f) => f.test, 'failing test (null: none)'],
      ['history_json', 'VARCHAR', (f) => JSON.stringify(f.history), 'recent outcomes of the step, on the branch, and of the failing test (JSON)'],
      ['kind', 'VARCHAR', (f) => f.truth.kind, 'truth: failure kind'],
      ['category', 'VARCHAR', (f) => f.truth.category, 'truth: failure category'],
      ['transient', 'BOOLEAN', (f) => f.truth.transient, 'truth: a rerun can pass without a change'],
      ['cause', 'VARCHAR', (f) => f.truth.cause, 'truth: the cause (window, lock, flaky test, chance or fault)'],
      ['clears_in_min', 'DOUBLE', (f) => f.truth.clearsInMin, 'truth: minutes until the cause is gone (null: persistent)'],
      ['hint', 'VARCHAR', (f) => f.truth.hint, 'truth: the one-line hint'],
      ['outcomes_json', 'VARCHAR', (f) => JSON.stringify({ afterWait: f.truth.afterWait, remediation: f.truth.remediation }), 'truth: what a retry after each wait and each remediation would do (JSON)'],
      ['next_json', 'VARCHAR', (f) => JSON.stringify(f.next), 'what the recorded world did next (JSON)'],
    ]),
  ];
}

const str = (r: Record<string, unknown>, k: string): string => {
  const v = r[k];
  if (typeof v !== 'string') throw new RolloutlabError('BAD_DATA', `${CI_FAILURES_TABLE}.${k} is ${v === null ? 'null' : typeof v}, expected text`, `${CI_FAILURES_TABLE}.${k}`);
  return v;
};
const num = (r: Record<string, unknown>, k: string): number => {
  const v = typeof r[k] === 'bigint' ? Number(r[k]) : r[k];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RolloutlabError('BAD_DATA', `${CI_FAILURES_TABLE}.${k} is not a finite number`, `${CI_FAILURES_TABLE}.${k}`);
  return v;
};
const json = (r: Record<string, unknown>, k: string): any => {
  try {
    return JSON.parse(str(r, k));
  } catch (e) {
    if (e instanceof RolloutlabError) throw e;
    throw new RolloutlabError('BAD_DATA', `${CI_FAILURES_TABLE}.${k} of ${String(r.id)} is not JSON: ${(e as Error).message}`, `${CI_FAILURES_TABLE}.${k}`);
  }
};

/** Rows of `ci_failures` (as readDataset's query returns them) back into failures. */
export function ciFailuresFromRows(rows: readonly Record<string, unknown>[]): CiFailure[] {
  return rows.map((r) => {
    const outcomes = json(r, 'outcomes_json');
    return {
      id: str(r, 'id'),
      pipelineId: str(r, 'pipeline_id'),
      repo: str(r, 'repo'),
      team: str(r, 'team'),
      ecosystem: str(r, 'ecosystem') as CiFailure['ecosystem'],
      ci: str(r, 'ci') as CiFailure['ci'],
      runner: str(r, 'runner'),
      branch: str(r, 'branch'),
      commit: str(r, 'commit'),
      step: str(r, 'step') as CiFailure['step'],
      attempt: num(r, 'attempt'),
      startedAtMin: num(r, 'started_at_min'),
      endedAtMin: num(r, 'ended_at_min'),
      time: str(r, 'time'),
      durationS: num(r, 'duration_s'),
      exitCode: num(r, 'exit_code'),
      log: str(r, 'log'),
      errorSpan: [num(r, 'error_start'), num(r, 'error_end')],
      test: r.test === null ? null : str(r, 'test'),
      history: json(r, 'history_json'),
      truth: {
        kind: str(r, 'kind'),
        category: str(r, 'category') as CiFailure['truth']['category'],
        transient: r.transient === true,
        cause: str(r, 'cause'),
        clearsInMin: r.clears_in_min === null ? null : num(r, 'clears_in_min'),
        retryNow: outcomes.afterWait[0],
        afterWait: outcomes.afterWait,
        remediation: outcomes.remediation,
        hint: str(r, 'hint'),
      },
      next: json(r, 'next_json'),
    };
  });
}
