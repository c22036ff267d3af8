// lib → datasets → sim → judges → detectors → training → policies → backtest → server → cli
//                                                                                       ▲ parses arguments and calls each stage's door
//
// The `rolloutlab` command line: the program, its command groups (cli/commands/<group>.ts, each registering its
// commands) and the exit codes. Only cli/ parses arguments; every command calls a stage's door.
import { Command, CommanderError } from 'commander';
import { isRolloutlabError, UsageError } from '../lib/errors.ts';
import { codeVersion } from '../lib/version.ts';
import { registerMain } from './commands/main.ts';
import { registerSimulate, registerSimulatePipelines, registerDataTools } from './commands/data.ts';
import { registerBacktest } from './commands/backtest.ts';
import { registerSweep } from './commands/sweep.ts';
import { registerModels } from './commands/models.ts';
import { registerWindows } from './commands/windows.ts';
import { registerServe } from './commands/serve.ts';
import { registerDecisions } from './commands/decisions.ts';
import { registerBench } from './commands/bench.ts';
import { registerRetry, protectWrappedCommand } from './commands/retry.ts';
import { registerRollback } from './commands/rollback.ts';
import { registerWhatIf } from './commands/whatif.ts';
import { registerReport } from './commands/report.ts';
import { CommandExit } from './flags.ts';

export function buildProgram(): Command {
  const program = new Command('rolloutlab')
    .description('Seeded deployment-safety workbench: simulate worlds, build data sets, train and backtest models.')
    .version(codeVersion())
    // Program options (--version, --help) only before the command: a command's own --version is its own.
    .enablePositionalOptions()
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  // In the order `rolloutlab --help` lists them.
  registerMain(program);
  registerSimulate(program);
  registerSimulatePipelines(program);
  registerBacktest(program);
  registerSweep(program);
  registerModels(program);
  registerWindows(program);
  registerDataTools(program);
  registerServe(program);
  registerDecisions(program);
  registerRetry(program);
  registerRollback(program);
  registerWhatIf(program);
  registerReport(program);
  registerBench(program);
  return program;
}

/** `--json` among the arguments (before a `--`): errors are then printed as JSON too. */
function wantsJson(argv: readonly string[]): boolean {
  const args = argv.slice(2);
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).includes('--json');
}

/** The JSON form of an error, the shape the server uses: `{"error": {"code", "message", "field"}}`. */
function errorJson(code: string, message: string, field: string | null): string {
  return JSON.stringify({ error: { code, message, field } }, null, 2) + '\n';
}

/** A commander error as code, message and field (the flag or argument it names, without dashes). */
function commanderErrorParts(e: CommanderError): { code: string; message: string; field: string | null } {
  const message = e.message.replace(/^error: /, '');
  const flag = /option '(-[^ ',]+, )?--([a-z0-9-]+)/i.exec(message)?.[2] ?? /for argument '([^']+)'/.exec(message)?.[1] ?? /argument '([^']+)'/.exec(message)?.[1] ?? null;
  return { code: e.code === 'commander.invalidArgument' ? 'BAD_ARGUMENT' : 'USAGE', message, field: flag };
}

/**
 * Run the CLI; returns the process exit code: 0 ok; 1 usage error (unknown command or flag, a missing or bad flag or
 * argument value); 2 bad input (a file, data set, scenario or registry that is missing or wrong, or an output that
 * exists); 3 internal error. With --json, errors are one JSON object on stdout: {"error": {"code", "message", "field"}}.
 * `retry -- <command>` exits with its command's last exit status instead, once the command has run.
 */
export async function run(argv: string[]): Promise<number> {
  argv = protectWrappedCommand(argv);
  const json = wantsJson(argv);
  const program = buildProgram();
  if (json) {
    // Commander prints its own errors; under --json they are printed as JSON below instead.
    const walk = (c: Command) => {
      c.configureOutput({ outputError: () => {} }).showHelpAfterError(false);
      c.commands.forEach(walk);
    };
    walk(program);
  }
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommandExit) return e.code;
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0;
      if (json) {
        const p = commanderErrorParts(e);
        process.stdout.write(errorJson(p.code, p.message, p.field));
      }
      return 1;
    }
    if (isRolloutlabError(e)) {
      if (json) process.stdout.write(errorJson(e.code, e.message, e.field ?? null));
      else process.stderr.write(`error [${e.code}] ${e.message}\n`);
      return e instanceof UsageError ? 1 : 2;
    }
    if (json) process.stdout.write(errorJson('INTERNAL', (e as Error).message ?? String(e), null));
    process.stderr.write(`internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 3;
  }
}
