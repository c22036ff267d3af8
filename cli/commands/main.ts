// `rolloutlab main` (npm start): the main job — simulate, train and evaluate every family, backtest ml beside the baselines, compare rollout plans, heal pipelines, drill rollback plans, print each measure against its target.
import { Command } from 'commander';
import { dirname, resolve } from 'node:path';
import { codeVersion } from '../../lib/version.ts';
import { loadScenario } from '../../sim/index.ts';
import { formatSummary } from '../format.ts';
import { formatBacktest } from '../../backtest/report.ts';
import { int, out } from '../flags.ts';
import { simulateToDataset } from './data.ts';
import type { PlanComparison } from '../../backtest/plan-compare.ts';
import type { ReportPartResult } from '../main-job-worker.ts';
import { MAIN_BACKTEST_DEPLOYMENTS, MAIN_DRILL_DEPLOYMENTS, MAIN_PLAN_DEPLOYMENTS } from '../main-job-settings.ts';

/** A target printed under a section's table: met or MISSED, the figure, the target. */
const targetLine = (x: { name: string; value: string; target: string; met: boolean }) => `  ${x.met ? 'met   ' : 'MISSED'}  ${x.name}: ${x.value} (target ${x.target})\n`;

/** Registers the Main commands on the program. */
export function registerMain(program: Command): void {
  program
    .command('main', { isDefault: false })
    .description('The main job (npm start): simulate the default scenario, write its data set, train and evaluate the pre-deploy models (risk, deploy windows, traffic forecast), train the in-rollout models (canary judge, predictive rollback), backtest the learned ml policy beside every baseline on default, low-traffic and black-friday, compare the rollout-plan optimiser’s plans with the fixed plan under ml, train the retry model on simulated CI/CD failure worlds and replay an unseen one under every retry policy, drill rollback plans beside the revert-all and abort baselines, and print each measure against its target.')
    .option('--out <dir>', 'where to write the data set', 'out/default-seed-1')
    .option('--json', 'print the summary as JSON')
    .option('--backtest-out <dir>', 'where to write the default scenario’s backtest results and labelled judge windows (low-traffic and black-friday go beside it, as backtest-<scenario>-seed-1)', 'out/backtest-default-seed-1')
    .option('--deployments <n>', 'deployments in each backtest of ml beside the baseline policies', int('--deployments', 1, 1_000_000), MAIN_BACKTEST_DEPLOYMENTS)
    .option('--train-out <dir>', 'folder for the risk model’s training data sets (one per world)', 'out/train-default')
    .option('--rollout-train-out <dir>', 'folder for the recorded training rollouts of the judge and rollback models (one data set per scenario and seed)', 'out/train-rollouts')
    .option('--pipelines-out <dir>', 'folder for the retry model\'s simulated CI/CD failure worlds (one data set per seed)', 'out/train-pipelines')
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--drill-out <dir>', 'where to write the rollback drill (runs, step attempts, bad-request rates) the report draws', 'out/drill-default-seed-1')
    .option('--report <file.html>', 'the run’s report: the default backtest, the champions and the drill as charts on one self-contained page', 'out/report.html')
    .action(async (o: { out: string; backtestOut: string; deployments: number; trainOut: string; rolloutTrainOut: string; pipelinesOut: string; models?: string; drillOut: string; report: string; json?: boolean }) => {
      const scenario = loadScenario('default');
      const say = (msg: string) => {
        if (!o.json) process.stderr.write(msg);
      };
      say(`rolloutlab ${codeVersion()} — simulating scenario "default" (seed 1)...\n`);
      const r = await simulateToDataset(scenario, 1, resolve(o.out), true);
      if (!o.json) process.stdout.write(formatSummary(r.summary, { dataset: resolve(o.out), seconds: r.seconds }) + '\n\n');
      const { runPreDeploy, formatPreDeploy } = await import('../predeploy.ts');
      const pre = await runPreDeploy({ trainOut: o.trainOut, models: o.models, quiet: !!o.json });
      if (!o.json) process.stdout.write(formatPreDeploy(pre) + '\n\n');
      const { runInRollout, formatInRollout } = await import('../inrollout.ts');
      const rollout = await runInRollout({
        trainOut: o.rolloutTrainOut,
        backtestDir: (name) => (name === 'default' ? resolve(o.backtestOut) : resolve(dirname(resolve(o.backtestOut)), `backtest-${name}-seed-1`)),
        models: o.models,
        deployments: o.deployments,
        quiet: !!o.json,
        onBacktest: (b) => {
          if (!o.json) process.stdout.write(formatBacktest(b.report) + `\n\n  ${b.seconds.toFixed(1)} s; results and ${b.windows.toLocaleString('en-US')} labelled judge windows written to ${b.dir}\n\n`);
        },
      });
      if (!o.json) process.stdout.write(formatInRollout(rollout) + '\n\n');
      // Rollout plans: the optimiser's plan per deployment beside the fixed plan, with the champions just trained and
      // `ml`'s rollback decisions in both. Single-threaded, as most of the self-healing stage is, and neither needs the
      // other: it runs on a worker thread beside that stage, and prints before it.
      const { runInWorkers } = await import('../main-job-workers.ts');
      const { formatPlanComparison, planTargets } = await import('../../backtest/plan-compare.ts');
      const { defaultModelsRoot } = await import('../../training/registry.ts');
      // The same thread then draws the report's part on the default backtest, which needs nothing of the self-healing
      // stage. An --report that cannot be written fails here, before the work.
      const tImport = performance.now();
      const { checkOut } = await import('../../report/index.ts');
      const importSeconds = (performance.now() - tImport) / 1000;
      const modelsRoot = resolve(o.models ?? defaultModelsRoot());
      await checkOut(o.report, 'report');
      say(`rollout plans: ml under the optimiser's plans and under the fixed plan on ${MAIN_PLAN_DEPLOYMENTS.toLocaleString('en-US')} deployments of "default" (seed 1), on a thread beside the self-healing stage...\n`);
      const plansJob = runInWorkers([{ kind: 'plans', scenario: 'default', seed: 1, deployments: MAIN_PLAN_DEPLOYMENTS, root: modelsRoot }, { kind: 'report-backtest', dir: resolve(o.backtestOut), root: modelsRoot }], { modelsRoot: null, units: () => 0, onProgress: () => {}, threads: 1 });
      plansJob.catch(() => {}); // a failure is thrown where it is awaited, below
      const { runHealing, formatHealing } = await import('../healing.ts');
      const healing = await runHealing({ trainOut: o.pipelinesOut, models: o.models, quiet: !!o.json });
      const tWait = performance.now();
      const [plansResult, backtestPart] = await plansJob;
      const waited = (performance.now() - tWait) / 1000;
      const rolloutPlans = plansResult as PlanComparison;
      if (!o.json) process.stdout.write(formatPlanComparison(rolloutPlans) + '\n' + planTargets(rolloutPlans).map(targetLine).join('') + `  ${rolloutPlans.seconds.toFixed(1)} s on its own thread; reproduce: npx rolloutlab backtest --scenario default --seed 1 --deployments ${MAIN_PLAN_DEPLOYMENTS} --policies ml --strategy optimised (then --strategy canary:1,5,10,25,50,100)\n\n`);
      if (!o.json) process.stdout.write(formatHealing(healing) + '\n\n');
      // Rollback drills: plans executed in the release world for the material faults of 500 deployments of the default
      // scenario; traced (the measures are the same) and written for the report.
      const { runDrill, formatDrill, drillTargets } = await import('../../backtest/drill.ts');
      const { drillJson, writeDrill } = await import('./rollback.ts');
      say('rollback drills: planned, revert-all and abort on 500 deployments of "default" (seed 1)...\n');
      const t = performance.now();
      const drill = runDrill({ scenario, scenarioName: 'default', seed: 1, deployments: MAIN_DRILL_DEPLOYMENTS, trace: true });
      const targets = drillTargets(drill);
      const drillSeconds = (performance.now() - t) / 1000;
      const t1 = performance.now();
      await writeDrill(drill, scenario, o.drillOut, true);
      if (!o.json) {
        process.stdout.write(formatDrill(drill) + '\n\n');
        for (const x of targets) process.stdout.write(targetLine(x));
        process.stdout.write(`  ${drillSeconds.toFixed(1)} s; written to ${resolve(o.drillOut)}; plan one yourself: npx rolloutlab plan rollback --deployment <id>  (ids: npx rolloutlab drill --json)\n\n`);
      }
      // The run's report: the default backtest (drawn on the plans' thread), the champions, the drill.
      say('report: the champions and the drill...\n');
      const { writeMainReport } = await import('../../report/index.ts');
      const part = backtestPart as ReportPartResult;
      const report = await writeMainReport({ backtest: part, registry: modelsRoot, drill: resolve(o.drillOut), out: o.report });
      // What the report adds to the job: loading its modules here, writing the drill, drawing the rest here, and any wait
      // for the backtest's part. The wait counts for at most the part's own seconds: the rest of it is the plans' (they
      // ran first on that thread).
      const added = importSeconds + (performance.now() - t1) / 1000 + Math.min(waited, part.seconds);
      if (o.json) out(true, { summary: r.summary, dataset: resolve(o.out), models: pre, inRollout: rollout, rolloutPlans: { ...rolloutPlans, targets: planTargets(rolloutPlans) }, healing, drill: { ...drillJson(drill), targets }, report: { ...report, seconds: added } }, '');
      else process.stdout.write(`report: ${report.out}\n  ${report.charts} charts in ${report.sections.length} sections, ${report.bytes.toLocaleString('en-US')} bytes; ${added.toFixed(1)} s added to the job (the backtest's part, ${part.seconds.toFixed(1)} s, drawn on the plans' thread during the self-healing stage${Math.min(waited, part.seconds) >= 0.05 ? `, ${Math.min(waited, part.seconds).toFixed(1)} s of it waited for` : ''}); open it in a browser (no network, no script needed)\n`);
    });
}
