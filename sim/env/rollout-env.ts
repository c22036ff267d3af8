// The rollout environment (docs/backtest.md): a Gymnasium-style contract over one deployment of the simulated world.
//
//   const env = new RolloutEnv(world);
//   let { observation } = env.reset({ seed, deployment, strategy });
//   for (;;) { const r = env.step(policy.decide(observation)); observation = r.observation; if (r.terminated || r.truncated) break; }
//   env.outcome()  // breach, blast radius, detection and recovery times of this run
//
// One step is one simulated minute (a tick) unless the action asks for a shorter one (`tickSeconds`, down to 5 s:
// sim/env/minute.ts says how a minute is simulated in parts). The action applies at the start of the tick (sim/env/actions.ts), then
// the minute is simulated and observed (sim/env/minute.ts). Observations per cohort carry sampling noise (error
// counts drawn from request counts), scrape gaps, and minutes where the metrics backend itself errs.
//
// State is plain data (`getState()` / `setState()`; `structuredClone` works on it), so a backtest can copy it and
// try both branches. The per-cohort rows of each observed minute go to `onRows`, the hook a recorder installs
// (`recordRows(env)`, sim/env/record.ts); without one, no row is built.
import type { Plan } from '../strategy.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { TICK_SECONDS, type Action, type EnvWorld, type EnvState, type EpisodeOutcome, type Observation, type ResetOptions, type RowSink, type StepResult } from './contract.ts';
import { startEpisode, type EpisodeCtx } from './episode.ts';
import { simulateMinute } from './minute.ts';
import { applyAction } from './actions.ts';

export class RolloutEnv {
  private ctx: EpisodeCtx | null = null;
  private st: EnvState | null = null;
  /** Observer of the rows of every observed minute, kept across resets (installed by `recordRows`). */
  onRows: RowSink | null = null;

  constructor(private readonly world: EnvWorld) {}

  reset(opts: ResetOptions): { observation: Observation; info: { plan: Plan } } {
    const { ctx, st, observation } = startEpisode(this.world, opts);
    this.ctx = ctx;
    this.st = st;
    return { observation, info: { plan: ctx.plan } };
  }

  get plan(): Plan {
    return this.need().ctx.plan;
  }

  getState(): EnvState {
    return structuredClone(this.need().st);
  }

  /** Restore a state taken from this environment after a `reset` of the same deployment, seed and strategy. */
  setState(state: EnvState): void {
    const { ctx } = this.need();
    if (state.deploymentId !== ctx.dep.id) throw new RolloutlabError('BAD_ARGUMENT', `state.deploymentId: ${state.deploymentId} is not the deployment this environment was reset with (${ctx.dep.id})`, 'state.deploymentId');
    this.st = structuredClone(state);
  }

  outcome(): EpisodeOutcome {
    return { ...this.need().st.outcome };
  }

  /**
   * The watched services (the deployed one, then its sync callers) whose trailing bad ratio is at or above the burn
   * threshold after the last step while the same minute without the fault is not: where the fault breaches the SLO
   * now (docs/definitions.md#slo-breach). Read-only; the what-if engine collects it minute by minute.
   */
  faultBreaching(): number[] {
    const { ctx } = this.need();
    const out: number[] = [];
    for (let k = 0; k < ctx.watched.length; k++) if (ctx.ratios[k][0] >= ctx.threshold && ctx.ratios[k][1] < ctx.threshold) out.push(ctx.watched[k]);
    return out;
  }

  step(action: Action): StepResult {
    const { ctx, st } = this.need();
    if (st.done) throw new RolloutlabError('BAD_ARGUMENT', 'step() after the episode ended: call reset() first', 'action');
    applyAction(action, ctx, st);
    const s = this.world.scenario;
    // The step's seconds within minute `age`: a whole minute unless the action asked for less; never past the minute.
    const from = st.second;
    const to = Math.min(60, from + (action.tickSeconds ?? TICK_SECONDS));
    let reward = 0;
    if (action.type === 'rollback' && !ctx.material) reward -= 50;
    const m = simulateMinute(this.world, ctx, st, true, this.onRows, from, to);
    st.outcome.ticks++;
    reward -= (m.faultBad / Math.max(1, this.world.traffic.meanRequests[ctx.svc.id])) * 1000;
    if (st.phase === 'progressing') reward -= to - from === 60 ? 0.01 : (0.01 * (to - from)) / 60;
    if (to === 60) {
      st.age++;
      st.second = 0;
    } else st.second = to;
    // Counted in whole seconds, so that twelve 5-second steps make exactly one minute.
    st.timeAtStage = Math.round(st.timeAtStage * 60 + (to - from)) / 60;
    let terminated = false;
    let truncated = false;
    if (st.phase === 'baking' && st.timeAtStage >= ctx.plan.bakeMinutes) {
      st.phase = 'done';
      st.outcome.endedBy = 'promoted';
      terminated = true;
    } else if (st.phase === 'rolled_back') {
      const T = this.world.traffic.requests[0].length;
      // A rollback in the middle of a minute: the rest of that minute runs (unobserved) on the old version first.
      if (st.second > 0) {
        simulateMinute(this.world, ctx, st, false, null, st.second, 60);
        st.age++;
        st.second = 0;
      }
      // Keep simulating (no policy in the loop) until the trailing windows can no longer breach because of the
      // fault: its last bad minutes must leave the windows, and data corruption lingers to the planned end.
      const lingers = ctx.dep.fault !== null && !ctx.dep.fault.rollbackRestores;
      const tail = Math.max(s.slo.windowMinutes, s.slo.kpiGuardrail?.windowMinutes ?? 0);
      const until = ctx.dep.fault === null ? st.age : lingers ? Math.max(ctx.plan.plannedMinutes, st.age + tail) : st.age + tail;
      while (st.age < until && ctx.dep.start + st.age < T) {
        simulateMinute(this.world, ctx, st, false, null);
        st.age++;
      }
      st.outcome.endedBy = 'rolled_back';
      terminated = true;
    } else if (st.second === 0 && (st.age >= ctx.maxMinutes || ctx.dep.start + st.age >= this.world.traffic.requests[0].length)) {
      st.phase = 'truncated';
      st.outcome.endedBy = 'truncated';
      truncated = true;
    }
    // Whole seconds over 60, as timeAtStage is counted, so that the two compare exactly.
    const elapsed = (st.age * 60 + st.second) / 60;
    st.outcome.minutes = elapsed;
    st.outcome.maxWeight = st.maxWeight;
    st.done = terminated || truncated;
    const observation = m.observation;
    observation.phase = st.phase;
    observation.age = elapsed;
    observation.minute = ctx.dep.start + elapsed;
    observation.timeAtStage = st.timeAtStage;
    st.lastObservation = observation;
    return { observation, reward, terminated, truncated, info: { breach: m.breach, ...(st.done ? { outcome: { ...st.outcome } } : {}) } };
  }

  private need(): { ctx: EpisodeCtx; st: EnvState } {
    if (!this.ctx || !this.st) throw new RolloutlabError('BAD_ARGUMENT', 'the environment must be reset() before step()', 'action');
    return { ctx: this.ctx, st: this.st };
  }
}
