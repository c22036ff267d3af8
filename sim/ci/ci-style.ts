// How each CI system frames a step's log: the lines that open a step, the footer after a failed command, the
// timestamp prefix of each line, and ANSI colours some runners keep in the raw log.
import type { Rng } from '../../lib/rng.ts';
import type { CiStep, CiSystem } from './types.ts';

const ESC = '\x1b';
export const RED = `${ESC}[31m`;
export const BOLD_RED = `${ESC}[1;31m`;
export const GREEN = `${ESC}[32m`;
export const RESET = `${ESC}[0m`;
const CLEAR = `${ESC}[0K`;

const EMOJI: Record<CiStep, string> = {
  checkout: ':git:', install: ':package:', lint: ':lint-roller:', build: ':hammer:', 'unit-tests': ':test_tube:',
  'integration-tests': ':test_tube:', 'image-build': ':docker:', 'image-push': ':docker:', migrate: ':card_file_box:', deploy: ':rocket:',
};

/** Lines that open the step (the command echo and the CI's grouping). */
export function stepHeader(ci: CiSystem, step: CiStep, cmd: string, epoch: number): string[] {
  switch (ci) {
    case 'github-actions':
      return [`##[group]Run ${cmd}`, cmd, 'shell: /usr/bin/bash -e {0}', '##[endgroup]'];
    case 'gitlab':
      return [`section_start:${epoch}:step_script\r${CLEAR}${ESC}[0;m${CLEAR}Executing "step_script" stage of the job script`, `${ESC}[32;1m$ ${cmd}${ESC}[0;m`];
    case 'buildkite':
      return [`--- ${EMOJI[step]} ${step}`, `$ ${cmd}`];
    case 'jenkins':
      return [`+ ${cmd}`];
  }
}

/** The CI system's own lines after a command that failed with `exit`. */
export function stepFooter(ci: CiSystem, exit: number, epoch: number, rng: Rng): string[] {
  switch (ci) {
    case 'github-actions':
      return [`##[error]Process completed with exit code ${exit}.`];
    case 'gitlab':
      return rng.bernoulli(0.6)
        ? [`section_end:${epoch}:step_script\r${CLEAR}section_start:${epoch}:cleanup_file_variables\r${CLEAR}${ESC}[0K${ESC}[36;1mCleaning up project directory and file based variables${ESC}[0;m`, `section_end:${epoch}:cleanup_file_variables\r${CLEAR}`, `${ESC}[31;1mERROR: Job failed: exit code ${exit}${ESC}[0;m`]
        : [`ERROR: Job failed: exit code ${exit}`];
    case 'buildkite':
      return rng.bernoulli(0.5) ? ['^^^ +++', `🚨 Error: The command exited with status ${exit}`, `user command error: exit status ${exit}`] : [`🚨 Error: The command exited with status ${exit}`];
    case 'jenkins':
      return rng.bernoulli(0.5)
        ? ['[Pipeline] }', '[Pipeline] // stage', '[Pipeline] }', '[Pipeline] End of Pipeline', `ERROR: script returned exit code ${exit}`, 'Finished: FAILURE']
        : [`ERROR: script returned exit code ${exit}`, 'Finished: FAILURE'];
  }
}

export type StampStyle = (ms: number) => string;

/** GitHub's seven-digit fractions: the milliseconds and four more digits. */
const iso7 = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}${String(ms % 7919).padStart(4, '0')}Z`;

/** The same stamp for the same millisecond, computed once (log lines share their times). */
function cached(f: StampStyle): StampStyle {
  let lastMs = NaN;
  let last = '';
  return (ms) => (ms === lastMs ? last : ((lastMs = ms), (last = f(ms))));
}

/** The per-line timestamp prefix of a log, or none. */
export function stampStyle(ci: CiSystem, rng: Rng): StampStyle {
  return cached(rawStampStyle(ci, rng));
}

function rawStampStyle(ci: CiSystem, rng: Rng): StampStyle {
  const u = rng.next();
  switch (ci) {
    case 'github-actions':
      return u < 0.75 ? (ms) => `${iso7(ms)} ` : () => '';
    case 'gitlab':
      return u < 0.35 ? (ms) => `${new Date(ms).toISOString().replace('Z', '').concat('123Z')} 00O ` : () => '';
    case 'buildkite':
      return u < 0.5 ? (ms) => `[${new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')}] ` : () => '';
    case 'jenkins':
      return u < 0.3 ? (ms) => `[${new Date(ms).toISOString()}] ` : u < 0.55 ? (ms) => `${new Date(ms).toISOString().slice(11, 19)}  ` : () => '';
  }
}
