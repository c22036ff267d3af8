// `rolloutlab retry -- <command>` (run a CI step's command, retrying it as the retry decision says) and
// `rolloutlab retry classify --data <file.jsonl>` (the decision for failed steps in a file). Both ask
// policies/retry/index.ts decideRetry with the registry's retry champion, or the reasons rules when it has none.
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { RolloutlabError } from '../../lib/errors.ts';
import type { RetryDecision } from '../../policies/retry/index.ts';
import { CommandExit, int, num, out, usage } from '../flags.ts';

/** The subcommands of `retry`; a wrapped command of the same name needs protecting (protectWrappedCommand). */
const RETRY_SUBCOMMANDS = ['classify'];

/**
 * `rolloutlab retry [options] -- classify …` runs a command named `classify`, not the subcommand: commander drops the
 * `--` before it looks for a subcommand, so a second `--` is put in front of such a name (the wrapper drops it).
 */
export function protectWrappedCommand(argv: string[]): string[] {
  if (argv[2] !== 'retry') return argv;
  const i = argv.indexOf('--', 3);
  if (i < 0 || !RETRY_SUBCOMMANDS.includes(argv[i + 1])) return argv;
  return [...argv.slice(0, i + 1), '--', ...argv.slice(i + 1)];
}

const MODELS_HELP = 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS); without a retry champion the reasons rules decide';

async function loadChampion(models: string | undefined): Promise<{ champion: { model: import('../../training/retry/model.ts').RetryModel; version: string } | null; root: string }> {
  const { defaultModelsRoot } = await import('../../training/registry.ts');
  const { loadRetrySync } = await import('../../training/load.ts');
  const root = resolve(models ?? defaultModelsRoot());
  return { champion: loadRetrySync(root), root };
}

/** One decision of `classify --json`: the four contract keys first, then the rest. */
function decisionJson(d: RetryDecision, policy: string, line: number) {
  return { action: d.action, pRetrySucceeds: d.pRetrySucceeds, category: d.category, delaySeconds: d.delaySeconds, remediation: d.remediation, hint: d.hint, reasons: d.reasons, policy, line };
}

/** Line numbers of the non-blank lines of JSON Lines text (the lines parseFailedStepsJsonl reads). */
function dataLines(text: string): number[] {
  const lines: number[] = [];
  text.split('\n').forEach((l, i) => {
    if (l.trim() !== '') lines.push(i + 1);
  });
  return lines;
}

/** Registers `retry` and `retry classify` on the program. */
export function registerRetry(program: Command): void {
  const retry = program
    .command('retry')
    .description(
      'Run a CI step’s command and retry it while the retry decision says a retry will pass: rolloutlab retry [options] -- <command> [args...]. ' +
        'Output passes through unchanged; the wrapper’s own lines go to stderr, prefixed "rolloutlab retry:". Exits with the command’s last exit status ' +
        '(127 when it cannot start, 128 + n when signal n ended it). `retry classify` gives the decision for failed steps in a file.',
    )
    .usage('[options] -- <command> [args...]  |  retry classify --data <file.jsonl> [--json]')
    .argument('[command...]', 'the command and its arguments, after -- (run without a shell; pass sh -c "..." for one)')
    .option('--max <n>', 'retries at most (the reasons rules used without a retry model stop at 2)', int('--max', 0, 99), 3)
    .option('--max-minutes <m>', 'time budget from the start: no retry starts after it, and a wait that would pass it stops instead (a running attempt is never cut)', num('--max-minutes', 0, 100_000))
    .option('--step <name>', 'the step’s name given to the decision (default: the command line; its kind comes from it: unit-tests, build, image-push, ...)')
    .option('--models <dir>', MODELS_HELP)
    .option('--record <file.jsonl>', 'append one retry-outcome record per failed attempt to this file (never truncated): retried, whether the retry passed, flaky')
    .option('--run-id <id>', 'run id of the recorded outcomes, whose ids are <run-id>/<step>/<attempt> (default: the CI job: GITHUB_RUN_ID, CI_JOB_ID or BUILDKITE_JOB_ID, else local-<time>-<pid>)')
    .option('--summary <file.json>', 'write what happened (attempts, decisions, waits, outcome, exit status) as JSON to this file')
    .option('--clear-cache <cmd>', 'a shell command run before a retry whose decision names the remediation clear-cache, e.g. "npm cache clean --force" (default: $ROLLOUTLAB_RETRY_CLEAR_CACHE)')
    .helpCommand(false)
    .passThroughOptions()
    .action(async (command: string[], o: { max: number; maxMinutes?: number; step?: string; models?: string; record?: string; runId?: string; summary?: string; clearCache?: string }) => {
      if (command[0] === '--') command = command.slice(1);
      if (command.length === 0) throw usage('retry: the command to run is missing: rolloutlab retry [options] -- <command> [args...]', 'command');
      if (command[0] === '') throw usage('retry: the command is an empty string', 'command');
      if (o.step !== undefined && (o.step.trim() === '' || o.step.length > 256)) throw usage(`--step must be 1-256 characters, got ${o.step.length}`, 'step');
      if (o.runId !== undefined && (o.runId.trim() === '' || o.runId.length > 200)) throw usage(`--run-id must be 1-200 characters, got ${o.runId.length}`, 'run-id');
      const { decideRetry } = await import('../../policies/retry/index.ts');
      const w = await import('../retry-wrapper.ts');
      const { champion } = await loadChampion(o.models);
      const record = o.record === undefined ? null : resolve(o.record);
      if (record) w.checkAppendable(record);
      const clearCache = o.clearCache ?? (process.env.ROLLOUTLAB_RETRY_CLEAR_CACHE || null);
      const io = new w.ProcessIO(command[0], command.slice(1));
      let summary: import('../retry-wrapper.ts').RetryRunSummary;
      try {
        summary = await w.runWithRetries(
          {
            command,
            step: o.step ?? w.commandLine(command),
            maxRetries: o.max,
            maxMinutes: o.maxMinutes ?? null,
            decide: (step) => decideRetry(step, champion, { maxRetries: o.max }),
            clearCache,
            record,
            runId: o.runId ?? w.defaultRunId(process.env, Date.now(), process.pid),
          },
          io,
        );
      } finally {
        io.dispose();
      }
      if (o.summary !== undefined) {
        try {
          writeFileSync(o.summary, JSON.stringify(summary, null, 2) + '\n');
        } catch (e) {
          // The command's exit status matters more than the summary: say so, and keep it.
          process.stderr.write(`${w.PREFIX} could not write --summary ${o.summary}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
        }
      }
      throw new CommandExit(summary.exitCode);
    });

  retry
    .command('classify')
    .description('The retry decision for each failed CI step of a JSON Lines file (one {"step", "exitCode", "log"[, "attempt", "history"]} per line), in input order.')
    .requiredOption('--data <file.jsonl>', 'failed steps, one JSON object per line (docs/retry.md "A failed step")')
    .option('--models <dir>', MODELS_HELP)
    .option('--json', 'print {"decisions": [{action, pRetrySucceeds, category, delaySeconds, remediation, hint, reasons, policy, line}, ...]}')
    .action(async (o: { data: string; models?: string; json?: boolean }) => {
      const { parseFailedStepsJsonl } = await import('../../datasets/failed-step.ts');
      const { decideRetry } = await import('../../policies/retry/index.ts');
      let text: string;
      try {
        text = readFileSync(o.data, 'utf8');
      } catch (e) {
        throw new RolloutlabError('NOT_FOUND', `${o.data}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, 'data');
      }
      const steps = parseFailedStepsJsonl(text, o.data);
      const lines = dataLines(text);
      const { champion, root } = await loadChampion(o.models);
      const rows = steps.map((s, i) => ({ ...decideRetry(s, champion), line: lines[i], step: s }));
      const json = { decisions: rows.map((r) => decisionJson(r.decision, r.policy, r.line)) };
      const who = champion ? `policy ml: the retry model ${champion.version} of ${root}` : `policy reasons: no retry model in ${root}, the CI reasons rules decide`;
      const retries = rows.filter((r) => r.decision.action === 'retry').length;
      const table = [
        `${o.data}: ${rows.length} failed step${rows.length === 1 ? '' : 's'}, ${retries} to retry (${who})`,
        ...(rows.length === 0
          ? []
          : [
              '',
              `${'line'.padStart(6)}  ${'action'.padEnd(6)}  ${'p'.padStart(4)}  ${'category'.padEnd(24)}  ${'delay'.padStart(7)}  remediation / hint`,
              ...rows.map((r) => {
                const d = r.decision;
                const note = [d.remediation ? `remediation: ${d.remediation}` : null, d.hint ? `hint: ${d.hint}` : null].filter(Boolean).join('; ') || '—';
                return `${String(r.line).padStart(6)}  ${d.action.padEnd(6)}  ${d.pRetrySucceeds.toFixed(2)}  ${d.category.padEnd(24)}  ${`${d.delaySeconds} s`.padStart(7)}  ${note}`;
              }),
            ]),
      ];
      out(!!o.json, json, table.join('\n'));
    });
}
