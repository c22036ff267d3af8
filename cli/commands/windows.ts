// `rolloutlab windows`: deployment-window recommendation and its evaluation against the simulator's true expectations.
import { Command } from 'commander';
import { resolve } from 'node:path';
import { RolloutlabError } from '../../lib/errors.ts';
import { terminalProgress } from '../../lib/progress.ts';
import { loadScenario, parseScenario, simulateWorld } from '../../sim/index.ts';
import { allowedMinutesOf, WINDOW_DEFAULTS, type HourRange } from '../../training/deploy-window/recommend.ts';
import { TYPICAL_FAULT_BAD_RATIO } from '../../sim/world.ts';
import { formatTargets } from '../../training/targets.ts';
import { int, num, out, hourRanges, usage } from '../flags.ts';

/** Flags of the simulated world, which a history replaces. */
const SIMULATED_FLAGS = ['scenario', 'seed', 'days', 'fitDays', 'deployment'] as const;
/** Flags that only mean something with --history. */
const HISTORY_FLAGS = ['service', 'ready', 'change', 'traffic', 'utcOffset', 'evaluate', 'schedule'] as const;
const flagName = (f: string) => f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
const collect = (v: string, prev: string[] = []) => [...prev, v];


/** Registers the Windows commands on the program. */
export function registerWindows(program: Command): void {
  program
    .command('windows')
    .description('Deployment-window recommendation with the risk champion and the traffic forecaster: ranked start windows for one deployment, or (default) regret and expected-cost cut over every change of a simulated period, against the simulator’s true expectations.')
    .option('--scenario <name|file>', 'scenario of the evaluated world', 'default')
    .option('--seed <n>', 'seed of the evaluated world (use one the risk model was not trained on)', int('--seed', 0, 2 ** 32 - 1), 7)
    .option('--days <n>', 'length of the evaluated world', int('--days', 15, 400), 42)
    .option('--fit-days <n>', 'days of traffic the forecasters are fitted on; changes ready later are evaluated', int('--fit-days', 7, 399), 28)
    .option('--horizon <hours>', 'hours after readiness within which the change must start', int('--horizon', 1, 720), 72)
    .option('--deployment <id>', 'print the ranked windows of this deployment instead of the evaluation')
    .option('--history <dir>', 'an imported deployment history (rolloutlab import history): rank the windows of one change of --service on its real timing with the risk-history champion, or --evaluate on its held-out period (docs/window.md, "On your own history")')
    .option('--service <name>', 'with --history: the service the change ships to')
    .option('--ready <time>', "with --history: when the change is ready (ISO-8601, no zone = UTC, or epoch seconds; default: the history's last started_at + 1 min)")
    .option('--change <file|key=value>', "with --history: the change's own features, a JSON file of feature → value or feature=value (repeatable, e.g. --change lines_added=120 --change schema_migration=none); left out: scored at the model's training median", collect)
    .option('--traffic <csv>', "with --history: the service's request counts (time,requests; minute or hourly) to forecast the exposure from; without it the cost is the failure probability alone")
    .option('--utc-offset <hours>', "with --history: the team's UTC offset for --allowed-hours and --forbid-hours (a history records no time zone; default 0, UTC)", num('--utc-offset', -14, 14))
    .option('--evaluate', 'with --history: evaluate the recommender on the held-out period (calibration by start time, predicted risk cut, observed failures in the low-risk hours)')
    .option('--schedule <batch.json>', 'with --history: start times for several changes across the history\'s services with the multi-service scheduler (a JSON file: changes with id, service, readyAt, features, apiContractChange; dependencies; traffic files per service)')
    .option('--allowed-hours <ranges>', 'with --deployment or --history: hours of the owning team\'s local day (its on-call time zone; with --history UTC + --utc-offset) a rollout may run in, start to end of bake, e.g. 9-17 or 9-12,13-17 (end exclusive; 22-6 wraps past midnight); other starts are never offered', hourRanges('--allowed-hours'))
    .option('--forbid-hours <ranges>', 'with --deployment or --history: hours of the team\'s local day no rollout may touch, e.g. 0-7 (same form; applied after --allowed-hours)', hourRanges('--forbid-hours'))
    .option('--approval-below-cover <x>', 'with --deployment: flag windows whose on-call cover at the start is below x (0-1) as needing a human\'s approval', num('--approval-below-cover', 0, 1), WINDOW_DEFAULTS.approvalBelowCover)
    .option('--models <dir>', 'model registry root (default: ./models, or $ROLLOUTLAB_MODELS)')
    .option('--json', 'print the result as JSON')
    .action(async (o: { scenario: string; seed: number; days: number; fitDays: number; horizon: number; deployment?: string; allowedHours?: HourRange[]; forbidHours?: HourRange[]; approvalBelowCover: number; models?: string; json?: boolean; history?: string; service?: string; ready?: string; change?: string[]; traffic?: string; utcOffset?: number; evaluate?: boolean; schedule?: string }, cmd: Command) => {
      const given = (f: string) => cmd.getOptionValueSource(f) === 'cli';
      if (o.history !== undefined) {
        for (const f of SIMULATED_FLAGS) if (given(f)) throw usage(`--${flagName(f)} is a simulated world's; with --history the deployments are the history's`, flagName(f));
        // The approval flag reads the on-call cover, which a history does not hold: it is never made up.
        if (given('approvalBelowCover')) throw usage('--approval-below-cover needs on-call cover, which a deployment history does not hold: with --history no window is flagged for approval (use --allowed-hours to keep rollouts in working hours)', 'approval-below-cover');
        if (o.evaluate && given('schedule')) throw usage('--schedule plans a batch of changes; --evaluate scores the held-out deployments: give one of them', 'schedule');
        if (o.evaluate || o.schedule !== undefined) {
          const why = o.evaluate ? '--evaluate scores every held-out deployment of the history at its own start and service, ranked by risk' : "--schedule reads each change's service, readiness, features and traffic from its file";
          for (const f of ['service', 'ready', 'change', 'traffic'] as const) if (given(f)) throw usage(`--${f} is for one change; ${why}`, f);
        } else if (o.service === undefined) throw usage('--history needs --service <name> (the service the change ships to), --schedule <batch.json> or --evaluate', 'service');
        const { runHistoryWindows } = await import('../windows-history.ts');
        const utcOffsetMinutes = Math.round((o.utcOffset ?? 0) * 60);
        await runHistoryWindows({ history: o.history, service: o.service, ready: o.ready, change: o.change, traffic: o.traffic, evaluate: o.evaluate, schedule: o.schedule, models: o.models, json: o.json }, { horizonHours: o.horizon, allowedMinutes: allowedMinutesOf(o.allowedHours, o.forbidHours), utcOffsetMinutes });
        return;
      }
      for (const f of HISTORY_FLAGS) if (given(f)) throw usage(`--${flagName(f)} needs --history <imported folder>`, flagName(f));
      if (o.fitDays >= o.days) throw usage(`--fit-days (${o.fitDays}) must be less than --days (${o.days})`, 'fit-days');
      if (!o.deployment) {
        for (const f of ['allowedHours', 'forbidHours', 'approvalBelowCover'] as const) {
          const flag = f.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
          if (cmd.getOptionValueSource(f) === 'cli') throw usage(`--${flag} needs --deployment (the evaluation over every change compares against the unconstrained oracle)`, flag);
        }
      }
      const { loadRisk } = await import('../../training/risk/family.ts');
      const { ModelRegistry } = await import('../../training/registry.ts');
      const { evaluateWindows } = await import('../../training/deploy-window/evaluate.ts');
      const { recommendWindows } = await import('../../training/deploy-window/recommend.ts');
      const { fitForecaster } = await import('../../training/forecast/index.ts');
      const { checkTargets } = await import('../../training/targets.ts');
      const risk = () => loadRisk(new ModelRegistry(o.models ? { root: resolve(o.models) } : {}));
      // The evaluation needs the model first (fail fast); one deployment is checked against its world first.
      const loaded = o.deployment ? null : await risk();
      const world = simulateWorld(parseScenario({ ...loadScenario(o.scenario), days: o.days }, `${o.scenario} with ${o.days} days`), o.seed);
      if (o.deployment) {
        const dep = world.deployments.find((d) => d.id === o.deployment);
        if (!dep) throw new RolloutlabError('NOT_FOUND', `--deployment: no deployment ${JSON.stringify(o.deployment)} in ${o.scenario} seed ${o.seed} (${world.deployments[0]?.id} … ${world.deployments.at(-1)?.id})`, 'deployment');
        // The traffic forecaster needs two days of the service's traffic before the change is ready.
        const minHistory = 2 * 1440;
        if (Math.min(dep.readyAt, o.fitDays * 1440) < minHistory) {
          const first = world.deployments.find((d) => d.readyAt >= minHistory);
          const at = new Date(world.calendar.startMs + dep.readyAt * 60_000).toISOString();
          throw usage(`--deployment ${dep.id} is too early in the world: it is ready at ${at} (minute ${dep.readyAt}), but the traffic forecaster needs 2 days of its service's traffic before that; ${first ? `the first deployment late enough is ${first.id}` : 'no deployment of this world is late enough'}`, 'deployment');
        }
        const { model, card } = await risk();
        const fc = fitForecaster(world.traffic.requests[dep.service].subarray(0, Math.min(dep.readyAt, o.fitDays * 1440)), { period: 1440 });
        const r = recommendWindows(world, dep, model, fc, { horizonHours: o.horizon, allowedMinutes: allowedMinutesOf(o.allowedHours, o.forbidHours), approvalBelowCover: o.approvalBelowCover });
        const readyTime = new Date(world.calendar.startMs + dep.readyAt * 60_000).toISOString();
        if (r.ranked.length === 0) {
          throw new RolloutlabError('NOT_FOUND', `--deployment ${dep.id}: no start within --horizon ${o.horizon} h of ${readyTime} is free of freezes${r.allowedHours ? ` with its whole rollout inside the allowed hours (${r.allowedHours})` : ''} (${r.candidates} candidate starts: ${r.frozenCandidates} touch a freeze, ${r.outsideAllowedCandidates} leave the allowed hours): ${r.allowedHours ? 'allow more hours or ' : ''}raise --horizon`, r.allowedHours ? 'allowed-hours' : 'horizon');
        }
        const cost = (c: { expectedCost: number }) => `expected cost ${Math.round(c.expectedCost).toLocaleString('en-US')} bad requests`;
        const thin = r.ranked.filter((c) => c.needsApproval).length;
        const text = [
          `${dep.id} (${world.topology.services[dep.service].name}), ready ${readyTime} (minute ${dep.readyAt} of ${o.scenario} seed ${o.seed}); risk model ${card.version}`,
          `  ${r.candidates} candidate starts within ${o.horizon} h, every ${WINDOW_DEFAULTS.stepMinutes} min; never offered: ${r.frozenCandidates} whose rollout touches a freeze${r.allowedHours ? `, ${r.outsideAllowedCandidates} whose rollout leaves the allowed hours ${r.allowedHours}` : ''}`,
          `  expected cost = P(failure) × requests over the rollout × ${(100 * TYPICAL_FAULT_BAD_RATIO).toFixed(0)} % bad × (2 − on-call cover): the bad requests the rollout is expected to cause, up to doubled when nobody is on call`,
          ...r.ranked.map((c, i) => `  ${i + 1}. ${c.explanation}; ${cost(c)}`),
          `  when ready: ${r.whenReady.explanation}; ${cost(r.whenReady)}`,
          ...(thin ? [`  ${thin} of the ${r.ranked.length} windows above start with thin on-call cover (below ${o.approvalBelowCover.toFixed(2)}): a human must approve them${r.allowedHours ? '' : '; --allowed-hours 9-17 keeps rollouts within working hours'}`] : []),
        ].join('\n');
        out(!!o.json, { ...r, readyTime, riskModel: card.version }, text);
        return;
      }
      const { model, card } = loaded!;
      const progress = terminalProgress();
      const e = evaluateWindows(world, model, { fitDays: o.fitDays, horizonHours: o.horizon, onProgress: (d, n) => progress.update('windows', d, n) });
      progress.done();
      // A mean over no changes is no figure (it would read as regret 0, target met).
      if (e.changes === 0) throw usage(`no change of ${o.scenario} seed ${o.seed} is ready after --fit-days ${o.fitDays} with --horizon ${o.horizon} h left before the world ends at day ${o.days}: nothing to evaluate (raise --days, or lower --fit-days or --horizon)`, 'days');
      const metrics = { regret: e.meanRegret, costCut: e.costCut };
      const targets = checkTargets('timing', metrics);
      out(!!o.json, { ...e, riskModel: card.version, targets }, formatTargets(`windows: ${e.changes} changes of ${o.scenario} seed ${o.seed} ready after day ${e.fitDays}, ${e.horizonHours} h horizon, risk model ${card.version}`, { medianRegret: e.medianRegret, oracleCostCut: e.oracleCostCut, oracleHitRate: e.oracleHitRate, frozenRecommended: e.frozenRecommended }, targets));
    });
}
