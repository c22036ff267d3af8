// `rolloutlab train` and `rolloutlab evaluate`: one code path for every model family of training/families.ts.
import { Argument, Command } from 'commander';
import { resolve } from 'node:path';
import { terminalProgress } from '../../lib/progress.ts';
import { FAMILIES, FAMILY_NAMES, type Family } from '../../training/families.ts';
import { int, out, usage } from '../flags.ts';


/** Registers the Models commands on the program. */
export function registerModels(program: Command): void {
  program
    .command('train')
    .description('Train a model family on a data set, register the version with its model card, and promote it if it is at least as good as the champion on the same held-out data.')
    .addArgument(new Argument('<family>', `model family: ${FAMILY_NAMES.join(', ')}`).choices(FAMILY_NAMES))
    .requiredOption('--data <dir[,dir...]>', 'data set(s), separated by commas, each split on its own: risk — simulated data sets (rolloutlab simulate), or one imported deployment history (rolloutlab import history; its versions go to the registry folder risk-history); judge — backtest data sets (rolloutlab backtest --out); rollback — backtest data sets written with --trajectories; retry — simulated pipeline data sets (rolloutlab simulate-pipelines; three or more: the last is held out, a fifth of them before it validate)')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--with-feedback <source>', 'risk and retry: add recorded outcomes to the training part (never the held-out part). risk — a serve --feedback DuckDB file (read-only; stop the server or copy the file), a server URL (http://host:port, reads GET /v1/feedback), or a JSON / JSONL export (docs/risk.md "Training with feedback"); retry — a serve --pipeline-outcomes DuckDB file, a server URL (reads GET /v1/pipeline/outcome), or the JSONL file of rolloutlab retry --record (docs/retry.md)')
    .option('--feedback-weight <w>', 'each feedback row enters the training part w times (a whole number)', int('--feedback-weight', 1, 1000), 1)
    .option('--strict', 'with --with-feedback: fail on a record that cannot be used instead of skipping it')
    .option('--token <t>', 'with a --with-feedback URL: the server\'s bearer token (default: $ROLLOUTLAB_TOKEN; GET /v1/feedback and GET /v1/pipeline/outcome need it)')
    .option('--json', 'print the result as JSON')
    .action(async (family: string, o: { data: string; models?: string; json?: boolean; withFeedback?: string; feedbackWeight: number; strict?: boolean; token?: string }) => {
      if (o.withFeedback === undefined && (o.strict || o.feedbackWeight !== 1)) throw usage('train: --strict and --feedback-weight need --with-feedback', o.strict ? 'strict' : 'feedback-weight');
      const row = FAMILIES[family as Family];
      if (o.withFeedback !== undefined && !row.feedback) throw usage(`train ${family}: --with-feedback: recorded outcomes are used by the risk and retry families only`, 'with-feedback');
      const { ModelRegistry } = await import('../../training/registry.ts');
      const commands = await row.commands();
      const progress = terminalProgress();
      const feedback = o.withFeedback === undefined ? undefined : { source: o.withFeedback, weight: o.feedbackWeight, strict: !!o.strict, token: o.token ?? (process.env.ROLLOUTLAB_TOKEN || undefined) };
      const r = await commands.train(o.data, { registry: new ModelRegistry(o.models ? { root: resolve(o.models) } : {}), onProgress: (stage, d, n) => progress.update(stage, d, n), feedback });
      progress.done();
      out(!!o.json, r.json, r.text);
    });
  program
    .command('evaluate')
    .description('Evaluate a family’s champion: its model card, or (with --data) its scores on that data set’s held-out part.')
    .addArgument(new Argument('<family>', `model family: ${FAMILY_NAMES.join(', ')}`).choices(FAMILY_NAMES))
    .option('--data <dir[,dir...]>', 're-evaluate on the held-out (newest 20 %) part of this simulated data set, or of several separated by commas (each split on its own); risk on one imported deployment history: the risk-history champion (or --version of it)')
    .option('--version <v>', 'a version instead of the champion')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'print the result as JSON')
    .action(async (family: string, o: { data?: string; version?: string; models?: string; json?: boolean }) => {
      const { ModelRegistry } = await import('../../training/registry.ts');
      const commands = await FAMILIES[family as Family].commands();
      const r = await commands.evaluate(new ModelRegistry(o.models ? { root: resolve(o.models) } : {}), { data: o.data, version: o.version });
      out(!!o.json, r.json, r.text);
    });
}
