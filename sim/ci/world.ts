// simulateCiFailures: scenario + seed → a CI/CD world over the scenario's days and every failed step attempt in it,
// with the truth of what a retry, a wait or a remediation would have done.
//
//   repos (one per service) ─▶ incident, repository and runner windows ─▶ pipelines per repository
//     ─▶ steps ─▶ attempts (hazards at that minute) ─▶ failed attempt: log tail + truth ─▶ the recorded retry habit
//
// Every stage draws from its own stream, new Rng(seed, 'ci', ...), so the rest of the simulator is untouched.
import { Rng } from '../../lib/rng.ts';
import type { Scenario } from '../scenario-schema.ts';
import { parseUtc } from '../load-scenario.ts';
import { generateTopology } from '../topology.ts';
import { makePools, makeRepos, type CiRepo, type RunnerPool } from './repos.ts';
import { incidentWindows, repoWindows, runnerWindows, resourcesOf, usesNetwork, type CiWindow } from './windows.ts';
import { schedulePipelines } from './schedule.ts';
import { steadyHazards, withFault, type StepCtx } from './hazards.ts';
import { runAttempt, optionOutcome, OPTION_INDEX, type RetryOutcome } from './attempt.ts';
import { CiHistory } from './history.ts';
import { renderFailure, type CiFailure } from './record.ts';
import { ciKind, canShow, CI_FAILURE_KINDS } from './catalogue.ts';
import { CI_STEPS, RETRY_WAITS_MIN, REMEDIATIONS, type Remediation } from './types.ts';
import { DEFAULT_CI_OPTIONS, type CiWorldOptions } from './options.ts';

export interface CiWorld {
  scenario: string;
  seed: number;
  days: number;
  options: CiWorldOptions;
  repos: CiRepo[];
  pools: RunnerPool[];
  /** World-wide incident windows (outages, DNS, network, rate limits, capacity, cluster, preemption). */
  incidents: CiWindow[];
  pipelines: number;
  failedPipelines: number;
  attempts: number;
  failures: CiFailure[];
}

/** Waits a person picks before rerunning a failed job (indices into RETRY_WAITS_MIN, without 0) and how often. */
const RERUN_WAIT_WEIGHTS = [0, 0.5, 1, 1.2, 1, 1.2, 0.8, 0.4, 0.2];

const isoMin = (startMs: number, min: number) => new Date(startMs + min * 60_000).toISOString();
const round2 = (x: number) => Math.round(x * 100) / 100;
const round4 = (x: number) => Math.round(x * 1e4) / 1e4;
const clean = (o: RetryOutcome): RetryOutcome => ({ waitMin: o.waitMin, p: round4(o.p), causeP: round4(o.causeP), succeeds: o.succeeds });

/** Simulate the CI world of a scenario. Deterministic in (scenario, seed, options). */
export function simulateCiFailures(s: Scenario, seed: number, options: Partial<CiWorldOptions> = {}): CiWorld {
  const o: CiWorldOptions = { ...DEFAULT_CI_OPTIONS, ...options };
  const days = o.days ?? s.days;
  const startMs = parseUtc(s.start);
  const startWeekday = (new Date(startMs).getUTCDay() + 6) % 7;
  const holidays = new Set(s.calendar.holidays.map((h) => Math.floor((parseUtc(h) - startMs) / 86_400_000)));
  // The same services as the rest of the simulator: the topology's own stream.
  const topology = generateTopology(s, new Rng(seed, 'topology'));
  const setup = new Rng(seed, 'ci', 'repos');
  const pools = makePools(setup);
  const repos = makeRepos(setup, topology.services, pools);
  const incidents = incidentWindows(new Rng(seed, 'ci', 'incidents'), repos, pools, days, o.incidentScale, startMs);
  const runners = runnerWindows(new Rng(seed, 'ci', 'runners'), pools, days);
  const history = new CiHistory(o.historyLength);
  const failures: CiFailure[] = [];
  let pipelines = 0;
  let failedPipelines = 0;
  let attempts = 0;

  for (const repo of repos) {
    const { windows, states } = repoWindows(new Rng(seed, 'ci', 'repo', repo.name), repo, days, startMs);
    const planned = schedulePipelines(
      new Rng(seed, 'ci', 'pipelines', repo.name),
      repo,
      { days, startWeekday, holidays, perWorkday: o.pipelinesPerRepoPerWorkday, weekendFactor: o.weekendFactor, faultRate: o.persistentFaultRate },
      states,
    );
    const locksHeld: StepCtx['locksHeld'][number][] = [];
    const allowed = new Map(CI_STEPS.map((st) => [st, new Set(CI_FAILURE_KINDS.filter((k) => canShow(k.id, st, repo.ecosystem, repo.tools, repo.ci)).map((k) => k.id))]));
    const steady = new Map(CI_STEPS.map((st) => [st, steadyHazards(repo, st, allowed.get(st)!)]));
    const resources = new Map(CI_STEPS.map((st) => [st, resourcesOf(repo, st)]));
    for (const p of planned) {
      pipelines++;
      const base = new Rng(seed, 'ci', 'run', p.id);
      const policy = new Rng(seed, 'ci', 'policy', p.id);
      let clock = p.start;
      let failed = false;
      for (const [i, step] of p.steps.entries()) {
        const fault = p.faults.get(step) ?? null;
        const ctx: StepCtx = {
          repo, step, pipelineId: p.id, incidents, repoWindows: windows, runnerWindows: runners, fault, allowed: allowed.get(step)!, locksHeld,
          fixed: withFault(steady.get(step)!, fault, step), resources: resources.get(step)!, network: usesNetwork(repo, step),
        };
        let rng = base.at(i);
        let t = clock + policy.uniform(0, 0.5);
        let out = runAttempt(rng, ctx, t, 'first', null);
        let auto = 0;
        let reruns = 0;
        for (let attempt = 1; ; attempt++) {
          attempts++;
          const testName = out.hazard?.test?.name ?? null;
          const hist = out.ok ? null : history.view(repo.name, p.branch, step, testName);
          history.recordStep(repo.name, p.branch, step, out.ok ? 'pass' : 'fail');
          if (out.suiteRan && (step === 'unit-tests' || step === 'integration-tests')) history.recordSuite(repo.name, step, out.failedTests);
          const end = t + out.minutes;
          // Deploys and migrations hold the environment's lock while they run (kubectl apply takes none).
          if ((step === 'deploy' && repo.deployTool !== 'kubectl') || step === 'migrate') {
            locksHeld.push({ pipelineId: p.id, step, start: t, end, presets: { lockwho: `runner@${out.runner.replace(/ /g, '-').toLowerCase()}`, lockcreated: isoMin(startMs, t).replace(/\.\d{3}Z$/, 'Z') } });
          }
          if (out.ok || !out.hazard) {
            clock = end + 0.2;
            break;
          }
          const hazard = out.hazard;
          const kind = ciKind(hazard.kind);
          const id = `${p.id}/${step}/${attempt}`;
          // The truth: every wait and remediation, each with its own sub-stream of this attempt's stream.
          const waits = RETRY_WAITS_MIN.map((_, k) => optionOutcome(rng, ctx, end, out.runner, hazard, k));
          const rems = Object.fromEntries(REMEDIATIONS.map((r) => [r, optionOutcome(rng, ctx, end, out.runner, hazard, OPTION_INDEX[r])])) as Record<Remediation, ReturnType<typeof optionOutcome>>;
          const msg = renderFailure({ seed, id, repo, step, hazard, runner: out.runner, branch: p.branch, startMs: startMs + t * 60_000, endMs: startMs + end * 60_000 });
          // The recorded habit: automatic retries right away, then perhaps a person reruns after a while.
          let opt = -1;
          let action: CiFailure['next']['action'] = 'none';
          if (auto < repo.autoRetries) {
            opt = 0;
            action = 'auto-retry';
            auto++;
          } else if (reruns < 2 && policy.bernoulli(repo.rerunShare * (reruns ? 0.4 : 1))) {
            opt = policy.weighted(RERUN_WAIT_WEIGHTS);
            action = 'rerun';
            reruns++;
          }
          failures.push({
            id,
            pipelineId: p.id,
            repo: repo.name,
            team: repo.team,
            ecosystem: repo.ecosystem,
            ci: repo.ci,
            runner: out.runner,
            branch: p.branch,
            commit: p.commit,
            step,
            attempt,
            startedAtMin: round2(t),
            endedAtMin: round2(end),
            time: isoMin(startMs, end),
            durationS: Math.max(1, Math.round(out.minutes * 60)),
            exitCode: msg.exitCode,
            log: msg.log,
            errorSpan: msg.errorSpan,
            test: testName,
            history: hist!,
            truth: {
              kind: kind.id,
              category: kind.category,
              transient: kind.transient,
              cause: hazard.key,
              clearsInMin: hazard.until === null ? null : round2(Math.max(0, hazard.until - end)),
              retryNow: clean(waits[0]),
              afterWait: waits.map(clean),
              remediation: Object.fromEntries(REMEDIATIONS.map((r) => [r, clean(rems[r])])) as Record<Remediation, RetryOutcome>,
              hint: msg.hint,
            },
            next: { action, waitMin: opt < 0 ? null : RETRY_WAITS_MIN[opt], passed: opt < 0 ? null : waits[opt].succeeds },
          });
          if (opt < 0) {
            failed = true;
            clock = end;
            break;
          }
          // The next attempt is exactly the counterfactual the truth recorded for this option.
          t = waits[opt].startMin;
          rng = rng.at(opt);
          out = waits[opt].outcome;
        }
        if (failed) break;
      }
      if (failed) failedPipelines++;
    }
  }
  return { scenario: s.name, seed, days, options: o, repos, pools, incidents, pipelines, failedPipelines, attempts, failures };
}
