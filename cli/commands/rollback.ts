// `rolloutlab drill` (execute rollback plans in the release world for every deployment with a material fault, beside
// the revert-all and abort baselines) and `rolloutlab plan rollback` (the plan for one deployment of a simulated world,
// or for a deployment described in a file). Both ask policies/rollback-plan planRollback, like POST /v1/rollback/plan.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Static, TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { RolloutlabError } from '../../lib/errors.ts';
import { terminalProgress } from '../../lib/progress.ts';
import { loadScenario } from '../../sim/index.ts';
import { RollbackRequestSchema, beforeDeploy, type RollbackRequest } from '../../sim/release/index.ts';
import { planRollback, formatPlan, ROLLBACK_PLANNERS, type RollbackPlannerName } from '../../policies/rollback-plan/index.ts';
import { runDrill, formatDrill, findRelease, drillTables, drillTargets, DRILL_HORIZON_MIN, type DrillReport } from '../../backtest/drill.ts';
import { writeDataset } from '../../datasets/index.ts';
import { codeVersion } from '../../lib/version.ts';
import { scenarioDigest } from '../../sim/index.ts';
import type { Scenario } from '../../sim/scenario-schema.ts';
import { periodOfDeployment } from '../../backtest/worlds.ts';
import { RolloutPlanFileSchema, type RolloutPlanFile } from '../../server/routes/rollout-plan-schemas.ts';
import { int, num, out, usage } from '../flags.ts';
import { whatIf, type WhatIfResult } from '../../sim/whatif.ts';
import { candidateStrategy } from '../../policies/rollout-plan/choose.ts';
import { unitPlanStrategy } from '../../policies/rollout-plan/units.ts';
import { simulatedDeployment } from '../simulated-deployment.ts';
import { formatWhatIf, runsFlag, checkRuns } from './whatif.ts';

const planners = (v: string): RollbackPlannerName[] => {
  const xs = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const x of xs) if (!(ROLLBACK_PLANNERS as readonly string[]).includes(x)) throw usage(`--planners: unknown planner ${JSON.stringify(x)} (one of ${ROLLBACK_PLANNERS.join(', ')})`, '--planners');
  if (xs.length === 0) throw usage('--planners: name at least one planner', '--planners');
  return xs as RollbackPlannerName[];
};

/** The public JSON of a drill: per planner, the contract's eight measures first. */
export function drillJson(r: DrillReport) {
  return {
    scenario: r.scenario,
    seed: r.seed,
    deployments: r.deployments,
    materialFaults: r.materialFaults,
    multiServiceReleases: r.multiService,
    dataCorruptions: r.dataCorruptions,
    planners: Object.fromEntries(
      Object.entries(r.planners).map(([n, p]) => [
        n,
        {
          recovered: p.recovered,
          dataCorruptionMitigated: p.dataCorruptionMitigated,
          orderViolations: p.orderViolations,
          medianTimeToRecoverMin: p.medianTimeToRecoverMin,
          residualBadRequests: p.residualBadRequests,
          dataLossMinutes: p.dataLossMinutes,
          stepsFailed: p.stepsFailed,
          escalations: p.escalations,
          medianTimeToRecoverMultiMin: p.medianTimeToRecoverMultiMin,
          runs: p.runs,
        },
      ]),
    ),
    pairedMultiService: r.pairedMulti,
    runs: r.runs,
  };
}

/**
 * A drill as a data set (`drill --out`, and the main job's drill): every run, every step attempt and the bad-request
 * rate over time, with the summary and targets in the manifest. What `rolloutlab report <dir>` draws the drill from.
 */
export async function writeDrill(r: DrillReport, scenario: Scenario, dir: string, force: boolean): Promise<void> {
  await writeDataset({
    outDir: resolve(dir),
    tables: drillTables(r),
    force,
    manifest: { kind: 'backtest', scenario: scenario.name, seed: r.seed, codeVersion: codeVersion(), extra: { drill: drillJson(r), targets: drillTargets(r), horizonMin: DRILL_HORIZON_MIN, scenarioDigest: scenarioDigest(scenario) } },
  });
}

/** A JSON file checked against a closed schema: exit 2 naming the file (`--from`) or the field. */
function readJsonFile<T extends TSchema>(file: string, schema: T): Static<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(resolve(file), 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new RolloutlabError(code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_DATA', code === 'ENOENT' ? `--from: no file ${file}` : `--from: ${file} is not JSON: ${(e as Error).message}`, '--from');
  }
  const err = Value.Errors(schema, raw).First();
  if (err) {
    const field = err.path.replace(/^\//, '').replace(/\/(\d+)/g, '[$1]').replace(/\//g, '.') || '(root)';
    throw new RolloutlabError('BAD_DATA', `${field}: ${err.message}${err.value !== undefined && typeof err.value !== 'object' ? ` (got ${JSON.stringify(err.value)})` : ''}`, field);
  }
  return raw as Static<T>;
}

/** A rollback request read from a JSON file, checked against the closed schema (exit 2 naming the field). */
export function readRollbackRequest(file: string): RollbackRequest {
  return readJsonFile(file, RollbackRequestSchema);
}

/** A change described in a JSON file for `plan rollout --from`, checked against its closed schema (exit 2 naming the field). */
export function readRolloutPlanFile(file: string): RolloutPlanFile {
  return readJsonFile(file, RolloutPlanFileSchema);
}

export function registerRollback(program: Command): void {
  program
    .command('drill')
    .description('Execute rollback plans in the simulated release world for every deployment with a material fault, beside the revert-all and abort baselines, and print the recovery measures per planner')
    .option('--scenario <name|file>', 'scenario: a built-in name or a JSON/YAML file', 'default')
    .option('--seed <n>', 'world seed', int('--seed', 0, 2 ** 31 - 1), 1)
    .option('--deployments <n>', 'deployments to simulate (the material faults among them are drilled)', int('--deployments', 1, 100_000), 500)
    .option('--planners <list>', `comma-separated planners (${ROLLBACK_PLANNERS.join(', ')})`, planners, [...ROLLBACK_PLANNERS])
    .option('--json', 'print {"planners": {"<name>": {recovered, dataCorruptionMitigated, orderViolations, medianTimeToRecoverMin, residualBadRequests, dataLossMinutes, stepsFailed, escalations, …}}, …}')
    .option('--out <dir>', 'also write the drill as a data set: every run, every step attempt with its minutes and result, and users\' bad requests per minute over time (what `rolloutlab report <dir>` draws)')
    .option('--force', 'replace an existing data set at --out')
    .action(async (o: { scenario: string; seed: number; deployments: number; planners: RollbackPlannerName[]; json?: boolean; out?: string; force?: boolean }) => {
      const scenario = loadScenario(o.scenario);
      const progress = terminalProgress();
      const r = runDrill({ scenario, scenarioName: o.scenario, seed: o.seed, deployments: o.deployments, planners: o.planners, trace: o.out !== undefined, onProgress: (d, n) => progress.update('drill', d, n) });
      progress.done();
      if (o.out !== undefined) await writeDrill(r, scenario, o.out, !!o.force);
      out(!!o.json, drillJson(r), formatDrill(r) + (o.out !== undefined ? `\n\n  runs, step attempts and bad-request rates written to ${resolve(o.out)}` : ''));
    });

  const plan = program.command('plan').description('Plans for a deployment: `plan rollback`, `plan rollout`');
  plan
    .command('rollout')
    .description('The rollout plan the optimiser chooses for a change (from the risk champion’s score and its service’s traffic), fitted to the constraints given, with the risk gate: for a deployment of a simulated world (--deployment), or a change described in a JSON file (--from); as JSON, or as the Argo Rollouts steps or Flagger analysis that run it')
    .option('--scenario <name|file>', 'scenario of the simulated world', 'default')
    .option('--seed <n>', 'world seed', int('--seed', 0, 2 ** 31 - 1), 1)
    .option('--deployment <id>', 'a deployment of that world (dep-000123, or p2-dep-000045 of a later period)')
    .option('--from <file>', 'a change described in JSON: {service?, features, rpm, bakeMinutes?, blockAbove?, constraints?, units?, perChangeThresholds?} (features as for POST /v1/risk/score; rpm the service’s requests per minute; constraints as for POST /v1/rollout/plan)')
    .option('--models <dir>', 'model registry (default: ./models, or $ROLLOUTLAB_MODELS); without a risk champion the plan is the most careful one and the gate waits')
    .option('--format <f>', 'json | argo | flagger (default: text)')
    .option('--block-above <p>', 'the risk gate: block above this risk (default 0.85, or the file’s blockAbove)', num('--block-above', 0, 1))
    .option('--max-first-step <pct>', 'the first step exposes at most this percent of traffic: the nearest more careful plan whose first step fits; below every plan’s first step: exit 2 with the closest feasible plan on stderr', num('--max-first-step', -1e9, 100))
    .option('--deadline <min>', 'full exposure within this many minutes: the most careful plan that fits (the reasons say when that is less careful than the risk asked); shorter than every plan: exit 2 with the closest feasible plan on stderr', num('--deadline', -1e9, 10_080))
    .option('--units <by>', 'with --deployment: run the plan over the service’s regions or tenants (region | tenant): the least traffic (least critical tenant) first, a ramp inside every unit, capped; --from takes the file’s units. argo and flagger refuse such a plan, naming what they can run')
    .option('--thresholds', 'the plan also carries the change’s rollback sensitivity and the thresholds to send to POST /v1/rollout/decision (per-change thresholds; or the file’s perChangeThresholds)')
    .option('--json', 'the same as --format json')
    .option('--runs <n>', 'with --deployment: runs of the what-if that predicts the plan\'s canary ranges and failure points (healthy and faulty, each)', runsFlag, 100)
    .action(async (o: { scenario: string; seed: number; deployment?: string; from?: string; models?: string; format?: string; blockAbove?: number; maxFirstStep?: number; deadline?: number; json?: boolean; runs: number; units?: string; thresholds?: boolean }) => {
      checkRuns(o.runs);
      if (o.units !== undefined && o.units !== 'region' && o.units !== 'tenant') throw usage(`--units: region or tenant, got ${JSON.stringify(o.units)}`, '--units');
      if (o.units !== undefined && o.from !== undefined) throw usage('--units goes with --deployment (a file gives its own units)', '--units');
      const format = o.json ? 'json' : (o.format ?? 'text');
      if (!['json', 'argo', 'flagger', 'text'].includes(format)) throw usage(`--format: json, argo or flagger, got ${JSON.stringify(o.format)}`, '--format');
      if ((o.from === undefined) === (o.deployment === undefined)) throw usage('give either --deployment <id> (with --scenario and --seed) or --from <file>', o.from === undefined ? '--deployment' : '--from');
      const { DEFAULT_BLOCK_ABOVE, NoFeasiblePlan, rolloutPlanDecision } = await import('../../policies/rollout-plan/gate.ts');
      const { argoSteps, flaggerAnalysis } = await import('../../policies/rollout-plan/formats.ts');
      const { capsText } = await import('../../policies/rollout-plan/sensitivity.ts');
      const file = o.from === undefined ? null : readRolloutPlanFile(o.from);
      // The flags win over the file, constraint by constraint; an impossible one is named as it was given.
      const constraints = { ...file?.constraints, ...(o.maxFirstStep !== undefined ? { maxFirstStepPercent: o.maxFirstStep } : {}), ...(o.deadline !== undefined ? { deadlineMinutes: o.deadline } : {}) };
      const given = file?.constraints !== undefined || o.maxFirstStep !== undefined || o.deadline !== undefined;
      const flagOf: Record<string, string | undefined> = { 'constraints.maxFirstStepPercent': o.maxFirstStep !== undefined ? '--max-first-step' : undefined, 'constraints.deadlineMinutes': o.deadline !== undefined ? '--deadline' : undefined };
      const blockAbove = o.blockAbove ?? file?.blockAbove ?? DEFAULT_BLOCK_ABOVE;
      const perChangeThresholds = o.thresholds || file?.perChangeThresholds || undefined;
      let a: ReturnType<typeof rolloutPlanDecision>;
      let risk: { probability: number; complete?: boolean; modelVersion: string } | null = null;
      let title: string;
      let head: Record<string, unknown>;
      // The what-if of the chosen plan (ranges per stage, failure points, stress): only where a world model exists.
      let wi: WhatIfResult | null = null;
      try {
        if (file) {
          const { defaultModelsRoot } = await import('../../training/registry.ts');
          const { loadRiskSync } = await import('../../training/load.ts');
          const champion = loadRiskSync(resolve(o.models ?? defaultModelsRoot()));
          const { gateChange } = await import('../../server/rollout-gate.ts');
          const { BadInput, NoAnswer } = await import('../../server/decide.ts');
          try {
            const g = gateChange({ features: file.features, rpm: file.rpm, bakeMinutes: file.bakeMinutes, blockAbove, constraints: given ? constraints : undefined, units: file.units, unitsField: 'units', perChangeThresholds }, champion, { championError: `no risk champion in ${resolve(o.models ?? defaultModelsRoot())}` });
            a = g.answer;
            risk = g.risk;
          } catch (e) {
            if (e instanceof BadInput || e instanceof NoAnswer) throw new RolloutlabError('BAD_DATA', `${o.from}: ${e.message.replace(/^body\./, '')}`, e.field.replace(/^body\./, ''));
            throw e;
          }
          title = `rolloutlab plan for ${file.service ?? o.from}`;
          head = { service: file.service ?? null, risk };
        } else {
          const { scenario, world, dep, risk: scored, apiContractChange } = await simulatedDeployment({ scenario: o.scenario, seed: o.seed, deployment: o.deployment!, models: o.models });
          const view = scored ? { probability: scored.probability, complete: true, reasons: scored.reasons } : null;
          if (scored) risk = { probability: scored.probability, modelVersion: scored.modelVersion };
          const { serviceUnits } = await import('../../backtest/optimised.ts');
          const units = o.units ? serviceUnits(world, dep.service, o.units as 'region' | 'tenant') : undefined;
          a = rolloutPlanDecision({ risk: view, rpm: world.traffic.requests[dep.service][dep.start], bakeMinutes: scenario.rollout.bakeMinutes, blockAbove, constraints: given ? constraints : undefined, units, thresholds: perChangeThresholds });
          const svc = world.topology.services[dep.service].name;
          title = `rolloutlab plan for ${dep.id} (${svc})`;
          head = { deployment: dep.id, service: svc, risk };
          if (format === 'json' || format === 'text') wi = whatIf({ scenario, topology: world.topology, traffic: world.traffic, service: dep.service, start: dep.start, id: dep.id, apiContractChange, risk: risk?.probability ?? null, strategy: a.plan.units ? unitPlanStrategy(a.plan.units, a.plan.bakeMinutes) : candidateStrategy(a.plan, a.plan.bakeMinutes), runs: o.runs, seed: o.seed });
        }
      } catch (e) {
        if (!(e instanceof NoFeasiblePlan)) throw e;
        const c = e.closestFeasible;
        if (c) process.stderr.write(`closest feasible plan: ${c.plan.name}, ${c.plan.steps.join('-')} %, ${c.plan.dwellMinutes.join('-')} min at the steps (${c.plan.minutesToFull} min to full) — ${c.reasons.join('; ')}\n`);
        const flag = flagOf[e.field];
        throw new RolloutlabError('BAD_ARGUMENT', flag ? `${flag}: ${e.message.slice(e.field.length + 1)}` : `${o.from ?? '--deployment'}: ${e.message}`, flag ?? e.field);
      }
      const json = { ...head, ...a, whatif: wi };
      if (format === 'json') out(true, json, '');
      else if (format === 'argo') process.stdout.write(argoSteps(a, title) + '\n');
      else if (format === 'flagger') process.stdout.write(flaggerAnalysis(a, title) + '\n');
      else
        process.stdout.write(
          [
            `${title}: ${a.plan.name}, ${a.plan.steps.join('-')} %, ${a.plan.dwellMinutes.join('-')} min at the steps (${a.plan.minutesToFull} min to full, then ${a.plan.bakeMinutes} min bake)`,
            ...(a.plan.units ? [`  over ${a.plan.units.by}s: ${a.plan.units.stages.map((x) => Object.entries(x.unitPercent).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v} %`).join(' + ')).join(' → ')}`] : []),
            ...(a.plan.sensitivity ? [`  rollback thresholds: ${a.plan.sensitivity} (${capsText(a.plan.thresholds ?? {})}); send {"thresholds": ${JSON.stringify(a.plan.thresholds ?? {})}} to POST /v1/rollout/decision`] : []),
            `  risk ${risk ? risk.probability.toFixed(3) : 'unknown'}; ${a.reasons.join('; ')}`,
            `  gate: ${a.gate.decision} — ${a.gate.reasons.join('; ')}`,
            ...a.gate.recommendations.map((r) => `    - ${r}`),
            ...(wi ? ['', formatWhatIf(wi, 'what-if of this plan')] : []),
          ].join('\n') + '\n',
        );
    });

  plan
    .command('rollback')
    .description('The rollback plan for a deployment: of a simulated world (--scenario, --seed, --deployment) or described in a JSON file (--from, the request of POST /v1/rollback/plan)')
    .option('--scenario <name|file>', 'scenario of the simulated world', 'default')
    .option('--seed <n>', 'world seed', int('--seed', 0, 2 ** 31 - 1), 1)
    .option('--deployment <id>', 'a deployment of that world whose change carries a material fault (see `drill --json` or the data set of `simulate`)')
    .option('--from <file>', 'a deployment description (JSON): the request body of POST /v1/rollback/plan')
    .option('--before', 'with --deployment: the plan prepared before the deploy (nothing rolled out yet), with what the release needs to be undone')
    .option('--planner <name>', `${ROLLBACK_PLANNERS.join(', ')}`, 'planned')
    .option('--json', 'print the plan as JSON (the schema of POST /v1/rollback/plan)')
    .action((o: { scenario: string; seed: number; deployment?: string; from?: string; before?: boolean; planner: string; json?: boolean }) => {
      if (!(ROLLBACK_PLANNERS as readonly string[]).includes(o.planner)) throw usage(`--planner: one of ${ROLLBACK_PLANNERS.join(', ')}, got ${JSON.stringify(o.planner)}`, '--planner');
      if (o.before && o.from !== undefined) throw usage('--before goes with --deployment (a file describes its own state: mark its services pending)', '--before');
      if ((o.from === undefined) === (o.deployment === undefined)) throw usage('give either --deployment <id> (with --scenario and --seed) or --from <file>', o.from === undefined ? '--deployment' : '--from');
      let req: RollbackRequest;
      if (o.from !== undefined) req = readRollbackRequest(o.from);
      else {
        const scenario = loadScenario(o.scenario);
        if (periodOfDeployment(o.deployment!) === null) throw new RolloutlabError('BAD_ARGUMENT', `--deployment: not a deployment id (dep-000123, or p2-dep-000045 of a later period): ${JSON.stringify(o.deployment)}`, '--deployment');
        const found = findRelease(scenario, o.seed, o.deployment!);
        if (!found) throw new RolloutlabError('NOT_FOUND', `--deployment: ${o.deployment} is not a deployment of scenario ${o.scenario}, seed ${o.seed}, whose change carries a material fault (drill --json lists them)`, '--deployment');
        req = o.before ? beforeDeploy(found.release.request) : found.release.request;
      }
      const p = planRollback(req, o.planner as RollbackPlannerName);
      out(!!o.json, p, formatPlan(p));
    });
}
