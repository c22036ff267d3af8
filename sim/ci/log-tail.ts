// The tail of a failed step's log: the last lines of ordinary output (see noise.ts), the error a few lines from the end, perhaps the tool's
// wrap-up and the CI system's footer; timestamps in the CI's style and, sometimes, raw ANSI colours.
import type { Rng } from '../../lib/rng.ts';
import type { CiRepo } from './repos.ts';
import type { CiStep } from './types.ts';
import type { ParamBag } from './params.ts';
import { NoiseCtx, noiseBefore, wrapUpLines } from './noise.ts';
import { stepFooter, stampStyle, RED, BOLD_RED, GREEN, RESET } from './ci-style.ts';

export interface LogInput {
  rng: Rng;
  repo: CiRepo;
  step: CiStep;
  bag: ParamBag;
  /** The filled error message (one or more lines). */
  error: string;
  exitCode: number;
  /** The message is the CI system's own (no "process exited" footer). */
  system: boolean;
  startMs: number;
  endMs: number;
}

export interface LogTail {
  log: string;
  /** First and last line (0-based, inclusive) of the error message in the log. */
  errorSpan: [number, number];
}

export const MIN_LOG_LINES = 10;
export const MAX_LOG_LINES = 60;

const colourError = (l: string) => (/^\s*$/.test(l) ? l : `${RED}${l}${RESET}`);

export function buildLogTail(x: LogInput): LogTail {
  const { rng, repo, step } = x;
  const g = new NoiseCtx(rng, repo, step, x.bag);
  const epoch = Math.floor(x.endMs / 1000);
  const err = x.error.split('\n');
  const footer = x.system ? [] : rng.bernoulli(0.8) ? stepFooter(repo.ci, x.exitCode, epoch, rng) : [];
  const wrap = wrapUpLines(g).flatMap((l) => l.split('\n'));
  const after = x.system ? [] : wrap.slice(0, rng.int(0, Math.min(7, wrap.length)));
  const target = Math.max(MIN_LOG_LINES, Math.min(MAX_LOG_LINES, Math.round(rng.uniform(MIN_LOG_LINES, MAX_LOG_LINES))));
  const room = Math.max(3, target - err.length - after.length - footer.length);
  const before = noiseBefore(g, room);
  // A GitHub problem matcher marks the first error line; some runners keep the tools' colours.
  const colour = rng.bernoulli(0.3);
  const errOut = err.map((l, i) => (i === 0 && repo.ci === 'github-actions' && rng.bernoulli(0.25) ? `##[error]${l}` : colour ? colourError(l) : l));
  const beforeOut = colour ? before.map((l) => (/^(PASS|ok |--- PASS| ✓)/.test(l) ? `${GREEN}${l}${RESET}` : l)) : before;
  const footOut = colour && repo.ci !== 'gitlab' ? footer.map((l) => `${BOLD_RED}${l}${RESET}`) : footer;
  const lines = [...beforeOut, ...errOut, ...after, ...footOut];
  const start = beforeOut.length;
  // Timestamps: the step's output spreads over its run; the error and what follows come at the end.
  const stamp = stampStyle(repo.ci, rng);
  const n = lines.length;
  const span = Math.max(1000, x.endMs - x.startMs);
  let t = x.startMs;
  const stamped = lines.map((l, i) => {
    const share = i < start ? (i + 1) / (start + 1) : 0.97 + (0.03 * (i - start)) / Math.max(1, n - start);
    t = Math.max(t, Math.round(x.startMs + span * share + rng.uniform(-0.005, 0.005) * span));
    return stamp(Math.min(t, x.endMs)) + l;
  });
  return { log: stamped.join('\n'), errorSpan: [start, start + err.length - 1] };
}
