// The record of one failed attempt: what a model sees (repository, step, attempt, exit code, log tail, history)
// and the truth (kind, category, transient or not, when the cause clears, what each retry or remediation would do).
import { Rng } from '../../lib/rng.ts';
import type { CiRepo } from './repos.ts';
import type { CiCategory, CiStep, CiSystem, Ecosystem, Remediation } from './types.ts';
import type { Hazard } from './hazards.ts';
import type { RetryOutcome } from './attempt.ts';
import type { CiHistoryView } from './history.ts';
import { ciKind, pickTemplate } from './catalogue.ts';
import { ParamBag, fillTemplate } from './params.ts';
import { buildLogTail } from './log-tail.ts';

export interface CiFailureTruth {
  kind: string;
  category: CiCategory;
  /** A rerun of the same pipeline can pass without any change (after a wait or a remediation). */
  transient: boolean;
  /** The cause: a window id, `lock:<pipeline>@<minute>` (another pipeline's deploy or migration), `flaky:<test>`, `chance:<kind>` or `fault:<id>`. */
  cause: string;
  /** Minutes from the end of this attempt until the cause is gone: 0 for a chance that does not last, null for persistent. */
  clearsInMin: number | null;
  /** A retry started right away (after the usual job set-up). Same as afterWait[0]. */
  retryNow: RetryOutcome;
  /** A retry after waiting each of RETRY_WAITS_MIN minutes. */
  afterWait: RetryOutcome[];
  /** Each named remediation followed by a retry. */
  remediation: Record<Remediation, RetryOutcome>;
  /** What a good one-line hint would say. */
  hint: string;
}

export interface CiFailure {
  id: string;
  pipelineId: string;
  repo: string;
  team: string;
  ecosystem: Ecosystem;
  ci: CiSystem;
  runner: string;
  branch: string;
  commit: string;
  step: CiStep;
  /** 1 for the first try of the step in this pipeline. */
  attempt: number;
  /** Minutes since the scenario's start. */
  startedAtMin: number;
  endedAtMin: number;
  /** ISO time of the failure (the attempt's end). */
  time: string;
  durationS: number;
  exitCode: number;
  /** The tail of the step's log, lines separated by \n. */
  log: string;
  /** First and last line (0-based, inclusive) of the error in the log. */
  errorSpan: [number, number];
  /** The failing test, when a test failed. */
  test: string | null;
  history: CiHistoryView;
  truth: CiFailureTruth;
  /** What the recorded world did next. */
  next: { action: 'auto-retry' | 'rerun' | 'none'; waitMin: number | null; passed: boolean | null };
}

export interface MessageInput {
  seed: number;
  id: string;
  repo: CiRepo;
  step: CiStep;
  hazard: Hazard;
  runner: string;
  branch: string;
  startMs: number;
  endMs: number;
}

/** The error message, exit code, hint and log tail of a failed attempt. */
export function renderFailure(x: MessageInput): { log: string; errorSpan: [number, number]; exitCode: number; hint: string } {
  const { repo, step, hazard } = x;
  const kind = ciKind(hazard.kind);
  // A persistent fault prints the same message on every attempt and every pipeline that carries it.
  const msgRng = hazard.fault ? new Rng(x.seed, 'ci', 'fault', hazard.fault.id) : new Rng(x.seed, 'ci', 'message', x.id);
  const logRng = new Rng(x.seed, 'ci', 'log', x.id);
  const presets: Record<string, string> = { runner: x.runner, branch: x.branch, ...hazard.presets };
  const bag = new ParamBag({ rng: msgRng, repo, step, atMs: x.endMs }, presets);
  // A flaky test tends to fail the same way each time: its wording is the test's, its values are the failure's.
  const tplRng = hazard.kind === 'flaky-test' && hazard.test ? new Rng(x.seed, 'ci', 'flake', repo.name, hazard.test.name) : msgRng;
  const tpl = kind.templates[pickTemplate(tplRng, kind, { ecosystem: repo.ecosystem, tools: repo.tools, step, ci: repo.ci, db: repo.db ?? 'postgres' })];
  const error = fillTemplate(tpl.text, bag);
  const exitCode = tpl.exit ?? msgRng.pick(kind.exitCodes);
  bag.set('exitcode', String(exitCode));
  const hint = fillTemplate(kind.hint, bag);
  const tail = buildLogTail({ rng: logRng, repo, step, bag, error, exitCode, system: !!tpl.system, startMs: x.startMs, endMs: x.endMs });
  return { ...tail, exitCode, hint };
}
