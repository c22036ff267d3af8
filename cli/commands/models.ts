// `rolloutlab train` and `rolloutlab evaluate`: one code path for every model family of training/families.ts.
// `rolloutlab models list | show | diff | promote | rollback`: the registry itself (training/registry-view.ts reads
// it; ModelRegistry moves the champion pointer).
import { Argument, Command, Option } from 'commander';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { RolloutlabError } from '../../lib/errors.ts';
import { terminalProgress } from '../../lib/progress.ts';
import { FAMILIES, FAMILY_NAMES, FOLDER_FAMILIES, type Family } from '../../training/families.ts';
import type { PromotionResult } from '../../training/registry.ts';
import { int, out, usage } from '../flags.ts';

const MODELS_FLAG = 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)';

async function registryAt(models?: string) {
  const { ModelRegistry } = await import('../../training/registry.ts');
  return new ModelRegistry(models ? { root: resolve(models) } : {});
}

/** Who a promotion or rollback is logged as: --by, else the user running the command. */
function who(by?: string): string {
  if (by !== undefined) {
    if (by.trim() === '') throw usage('--by must name someone', 'by');
    return by.trim();
  }
  try {
    return process.env.USER || userInfo().username || 'unknown';
  } catch {
    return process.env.USER || 'unknown';
  }
}

/** The JSON and text of a promotion or rollback. */
function promotionOut(json: boolean, r: PromotionResult & { how: string; by: string; noop: boolean }): void {
  const text = r.noop
    ? `${r.family} ${r.candidate} is already the champion: nothing to do`
    : r.promoted
      ? `${r.family} ${r.champion} is now the champion (was ${r.previous ?? 'none'}; ${r.how === 'rollback' ? 'rollback' : r.how === 'manual' ? 'by hand' : 'champion rule'}, by ${r.by}): ${r.reason}`
      : `${r.family} champion stays ${r.champion}: ${r.candidate} is not at least as good by the family's rule (${r.reason})`;
  out(json, r, text);
}


/**
 * `--replay <file>` of train / evaluate: the family's replay commands and the file's labelled windows (read here: the
 * replay reader sits in backtest/, above the model families), or null without --replay. Only the judge learns from
 * recorded rollouts: the predictive-rollback model needs what a replay file does not hold (docs/judge.md).
 */
async function replayCommands(family: string, o: { data?: string; replay?: string; interval: number }, cmd: Command) {
  if (o.replay === undefined) {
    if (cmd.getOptionValueSource('interval') === 'cli') throw usage('--interval needs --replay', 'interval');
    return null;
  }
  if (o.data !== undefined) throw usage('--data and --replay cannot be combined: train or evaluate on data sets or on one recorded-rollout file', 'replay');
  const commands = await FAMILIES[family as Family].commands();
  if (!commands.trainReplay || !commands.evaluateReplay) {
    throw usage(
      `${family}: --replay: only the judge family learns from recorded rollouts${family === 'rollback' ? ' (the predictive-rollback model learns from whole trajectories with the simulator\'s per-minute truth — fault onset, breach ahead, the rollout\'s stage and traffic share — that a replay file does not record)' : ''}`,
      'replay',
    );
  }
  const { replayJudgeInput } = await import('../../backtest/replay.ts');
  return { commands, input: () => replayJudgeInput(o.replay!, { intervalTicks: o.interval }) };
}

/** `--set` collects its pairs in order. */
const collect = (v: string, prev: string[]) => [...prev, v];

/**
 * The hyper-parameters a `train` command was asked for, checked before any data set, recording or the registry is
 * read: the `--config` file whole, and the flags for every registry folder the command can train into (risk: risk or
 * risk-history, decided by the data; judge: judge, or judge-replay with --replay). A problem is an error naming the
 * key (exit 2).
 */
async function hyperParamRequest(family: string, o: { config?: string; set: string[]; epochs?: string; learningRate?: string; seed?: string; replay?: string }) {
  const { readHyperParamConfig, resolveHyperParamRequest } = await import('../../training/hyper-params.ts');
  const req = { config: o.config === undefined ? undefined : await readHyperParamConfig(o.config), sets: o.set, flags: { epochs: o.epochs, learningRate: o.learningRate, seed: o.seed } };
  const folders = family === 'risk' ? (['risk', 'risk-history'] as const) : family === 'judge' && o.replay !== undefined ? (['judge-replay'] as const) : ([family as Family] as const);
  for (const f of folders) resolveHyperParamRequest(f, req);
  return req;
}

/** The training's text with the line saying which hyper-parameters were set (every family's result carries `tuning`). */
async function withHyperParamLine(r: { json: unknown; text: string }): Promise<string> {
  const { hyperParamLine } = await import('../../training/hyper-params.ts');
  const t = (r.json as { tuning?: Parameters<typeof hyperParamLine>[0] }).tuning;
  return t ? `${r.text}\n${hyperParamLine(t)}` : r.text;
}

/** Registers the Models commands on the program. */
export function registerModels(program: Command): void {
  program
    .command('train')
    .description('Train a model family on a data set, register the version with its model card, and promote it if it is at least as good as the champion on the same held-out data.')
    .addArgument(new Argument('<family>', `model family: ${FAMILY_NAMES.join(', ')}`).choices(FAMILY_NAMES))
    .option('--data <dir[,dir...]>', 'data set(s) (required, unless judge --replay), separated by commas, each split on its own: risk — simulated data sets (rolloutlab simulate), or one imported deployment history (rolloutlab import history; its versions go to the registry folder risk-history); judge — backtest data sets (rolloutlab backtest --out); rollback — backtest data sets written with --trajectories; retry — simulated pipeline data sets (rolloutlab simulate-pipelines; three or more: the last is held out, a fifth of them before it validate)')
    .option('--replay <file>', 'judge: instead of --data, recorded rollouts with a label column (the replay file backtest --replay reads: CSV, JSON Lines or Parquet; docs/judge.md "Training the judge on your own rollouts"); the newest 20 % of deployments held out; versions go to the registry folder judge-replay, never the served judge champion')
    .option('--interval <ticks>', 'with --replay: ticks per analysis window', int('--interval', 1, 10_000), 5)
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--with-feedback <source>', 'risk and retry: add recorded outcomes to the training part (never the held-out part). risk — a serve --feedback DuckDB file (read-only; stop the server or copy the file), a server URL (http://host:port, reads GET /v1/feedback), or a JSON / JSONL export (docs/risk.md "Training with feedback"); retry — a serve --pipeline-outcomes DuckDB file, a server URL (reads GET /v1/pipeline/outcome), or the JSONL file of rolloutlab retry --record (docs/retry.md)')
    .option('--feedback-weight <w>', 'each feedback row enters the training part w times (a whole number)', int('--feedback-weight', 1, 1000), 1)
    .option('--strict', 'with --with-feedback: fail on a record that cannot be used instead of skipping it')
    .option('--token <t>', 'with a --with-feedback URL: the server\'s bearer token (default: $ROLLOUTLAB_TOKEN; GET /v1/feedback and GET /v1/pipeline/outcome need it)')
    .option('--config <file>', 'hyper-parameters from a YAML or JSON file with a section per registry folder (risk, risk-history, judge, judge-replay, rollback, retry), e.g. "risk: {maxEpochs: 300}"; the section of the folder trained applies (docs/models.md "Tuning")')
    .addOption(new Option('--set <key=value>', 'one hyper-parameter of the folder trained, over --config (repeatable), e.g. --set maxEpochs=300 --set hidden=32,32').argParser(collect).default([], 'none'))
    .option('--epochs <n>', 'the most epochs (passes for retry): --set maxEpochs=<n> (retry: epochs=<n>)')
    .option('--learning-rate <x>', 'the step size: --set learningRate=<x>')
    .option('--seed <n>', 'the training seed (judge, rollback, retry): --set seed=<n>')
    .option('--json', 'print the result as JSON')
    .action(async (family: string, o: { data?: string; replay?: string; interval: number; models?: string; json?: boolean; withFeedback?: string; feedbackWeight: number; strict?: boolean; token?: string; config?: string; set: string[]; epochs?: string; learningRate?: string; seed?: string }, cmd: Command) => {
      if (o.withFeedback === undefined && (o.strict || o.feedbackWeight !== 1)) throw usage('train: --strict and --feedback-weight need --with-feedback', o.strict ? 'strict' : 'feedback-weight');
      const row = FAMILIES[family as Family];
      const replay = await replayCommands(family, o, cmd);
      const hyperParams = await hyperParamRequest(family, o);
      if (replay) {
        if (o.withFeedback !== undefined) throw usage('train: --with-feedback cannot be combined with --replay', 'with-feedback');
        const progress = terminalProgress();
        const r = await replay.commands.trainReplay!(await replay.input(), { registry: await registryAt(o.models), onProgress: (stage, d, n) => progress.update(stage, d, n), hyperParams });
        progress.done();
        out(!!o.json, r.json, await withHyperParamLine(r));
        return;
      }
      if (o.data === undefined) throw usage(`train ${family}: give --data <dir[,dir...]>${family === 'judge' ? ' or --replay <file>' : ''}`, 'data');
      if (o.withFeedback !== undefined && !row.feedback) throw usage(`train ${family}: --with-feedback: recorded outcomes are used by the risk and retry families only`, 'with-feedback');
      const { ModelRegistry } = await import('../../training/registry.ts');
      const commands = await row.commands();
      const progress = terminalProgress();
      const feedback = o.withFeedback === undefined ? undefined : { source: o.withFeedback, weight: o.feedbackWeight, strict: !!o.strict, token: o.token ?? (process.env.ROLLOUTLAB_TOKEN || undefined) };
      const r = await commands.train(o.data, { registry: new ModelRegistry(o.models ? { root: resolve(o.models) } : {}), onProgress: (stage, d, n) => progress.update(stage, d, n), feedback, hyperParams });
      progress.done();
      out(!!o.json, r.json, await withHyperParamLine(r));
    });
  program
    .command('evaluate')
    .description('Evaluate a family’s champion: its model card, or (with --data) its scores on that data set’s held-out part.')
    .addArgument(new Argument('<family>', `model family: ${FAMILY_NAMES.join(', ')}`).choices(FAMILY_NAMES))
    .option('--data <dir[,dir...]>', 're-evaluate on the held-out (newest 20 %) part of this simulated data set, or of several separated by commas (each split on its own); risk on one imported deployment history: the risk-history champion (or --version of it)')
    .option('--replay <file>', 'judge: the judge-replay champion (or --version of it) on the held-out part (newest 20 % of deployments) of recorded rollouts with labels, beside the simulated judge champion and Kayenta\'s judge')
    .option('--interval <ticks>', 'with --replay: ticks per analysis window', int('--interval', 1, 10_000), 5)
    .option('--version <v>', 'a version instead of the champion')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'print the result as JSON')
    .action(async (family: string, o: { data?: string; replay?: string; interval: number; version?: string; models?: string; json?: boolean }, cmd: Command) => {
      const replay = await replayCommands(family, o, cmd);
      if (replay) {
        // The data first: a recording that cannot be scored is named as such whether or not the registry has a model.
        const input = await replay.input();
        const r = await replay.commands.evaluateReplay!(input, await registryAt(o.models), { version: o.version });
        out(!!o.json, r.json, r.text);
        return;
      }
      const { ModelRegistry } = await import('../../training/registry.ts');
      const commands = await FAMILIES[family as Family].commands();
      const r = await commands.evaluate(new ModelRegistry(o.models ? { root: resolve(o.models) } : {}), { data: o.data, version: o.version });
      out(!!o.json, r.json, r.text);
    });

  const models = program.command('models').description('Look at the model registry and move its champions: list, show, diff, promote, rollback.');
  models
    .command('list')
    .description('Every model family with its versions: created, data set, headline metrics, targets met / missed; the champion marked.')
    .option('--models <dir>', MODELS_FLAG)
    .option('--json', 'print the result as JSON')
    .action(async (o: { models?: string; json?: boolean }) => {
      const { listRegistry } = await import('../../training/registry-view.ts');
      const r = await listRegistry(await registryAt(o.models));
      out(!!o.json, r.json, r.text);
    });
  models
    .command('show')
    .description("One version's model card in readable form (default: the champion): data, seed, hyper-parameters, split, metrics against targets, the champion decision.")
    .argument('<family>', 'model family (a folder of the registry, e.g. risk, risk-history, judge)')
    .argument('[version]', 'a version like v0001 (default: the champion)')
    .option('--models <dir>', MODELS_FLAG)
    .option('--json', 'print the result as JSON')
    .action(async (family: string, version: string | undefined, o: { models?: string; json?: boolean }) => {
      const { showVersion } = await import('../../training/registry-view.ts');
      const r = await showVersion(await registryAt(o.models), family, version);
      out(!!o.json, r.json, r.text);
    });
  models
    .command('diff')
    .description('What changed between two versions of a family: metrics with deltas, hyper-parameters, data set (digest, path, rows), code version, targets met.')
    .argument('<family>', 'model family')
    .argument('<a>', 'the older version, like v0001')
    .argument('<b>', 'the newer version, like v0002')
    .option('--models <dir>', MODELS_FLAG)
    .option('--json', 'print the result as JSON')
    .action(async (family: string, a: string, b: string, o: { models?: string; json?: boolean }) => {
      const { diffVersions } = await import('../../training/registry-view.ts');
      const r = await diffVersions(await registryAt(o.models), family, a, b);
      out(!!o.json, r.json, r.text);
    });
  models
    .command('promote')
    .description("Make a version the champion by the family's champion rule (as training applies it, on the version's own held-out data; risk and risk-history), or by hand with --force --reason (any family). Logged in history.jsonl; champion.json is replaced atomically, so a running server reloads.")
    .argument('<family>', 'model family')
    .argument('<version>', 'the version to promote, like v0002')
    .option('--reason <text>', 'why (required with --force; with the rule, kept beside its reason)')
    .option('--force', 'promote by hand, without the rule (needs --reason)')
    .option('--by <name>', 'who is logged as deciding (default: $USER)')
    .option('--models <dir>', MODELS_FLAG)
    .option('--json', 'print the result as JSON')
    .action(async (family: string, version: string, o: { reason?: string; force?: boolean; by?: string; models?: string; json?: boolean }) => {
      if (o.force && (o.reason === undefined || o.reason.trim() === '')) throw usage('models promote --force needs --reason <text>: say why the champion rule is set aside', 'reason');
      const by = who(o.by);
      const registry = await registryAt(o.models);
      const { requireCard, requireFamily } = await import('../../training/registry-view.ts');
      await requireFamily(registry, family);
      await requireCard(registry, family, version);
      const how = o.force ? 'manual' : 'rule';
      if ((await registry.champion(family))?.version === version) {
        return promotionOut(!!o.json, { family, candidate: version, previous: version, champion: version, promoted: false, reason: `${version} is already the champion`, how, by, noop: true });
      }
      let r: PromotionResult;
      if (o.force) {
        r = await registry.setChampion(family, version, { by, how: 'manual', reason: o.reason! });
      } else {
        const rowName = Object.hasOwn(FAMILIES, family) ? (family as Family) : Object.hasOwn(FOLDER_FAMILIES, family) ? FOLDER_FAMILIES[family] : null;
        const row = rowName ? FAMILIES[rowName] : null;
        const commands = row ? await row.commands() : null;
        if (!commands?.promote) {
          throw new RolloutlabError('BAD_ARGUMENT', `models promote ${family}: the ${family} family's champion rule cannot be run again from the command line (training applies it); promote by hand with --force --reason <text>`, 'force');
        }
        r = await commands.promote(registry, family, version, { by, how: 'rule', ...(o.reason ? { note: o.reason } : {}) });
      }
      promotionOut(!!o.json, { ...r, how, by, noop: false });
    });
  models
    .command('rollback')
    .description('Back to the champion before the current one (from history.jsonl), logged; champion.json is replaced atomically.')
    .argument('<family>', 'model family')
    .option('--reason <text>', 'why (logged)')
    .option('--by <name>', 'who is logged as deciding (default: $USER)')
    .option('--models <dir>', MODELS_FLAG)
    .option('--json', 'print the result as JSON')
    .action(async (family: string, o: { reason?: string; by?: string; models?: string; json?: boolean }) => {
      const by = who(o.by);
      const registry = await registryAt(o.models);
      const { requireFamily } = await import('../../training/registry-view.ts');
      await requireFamily(registry, family);
      const r = await registry.rollback(family, { by, reason: o.reason?.trim() || 'no reason given' });
      promotionOut(!!o.json, { ...r, how: 'rollback', by, noop: false });
    });
}
