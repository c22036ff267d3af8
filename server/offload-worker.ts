// A worker thread of server/offload.ts: runs the jobs it is sent — server/deploy-planners.ts PLANNERS, or a what-if
// (server/whatif-task.ts, loaded on the first one, so a planning worker never loads the simulator) — with the risk
// champion it was given (kept by version), the planners' defaults and the what-if's worlds it was started with, and
// answers each job's value or its error by kind.
import { parentPort, workerData } from 'node:worker_threads';
import { GamModel, type GamJSON } from '../training/gam.ts';
import { isRolloutlabError } from '../lib/errors.ts';
import { BadInput, NoAnswer } from './decide.ts';
import { PLANNERS } from './deploy-planners.ts';
import { NO_RISK, type JobMessage, type JobReply, type WorkerStart } from './offload.ts';

const { planDefaults, whatif } = workerData as WorkerStart;
const models = new Map<string, GamModel>();
// A what-if worker loads the simulator and the default world as it starts (a failure there shows in the first job).
if (whatif) void import('./whatif-task.ts').then((t) => t.prepareWhatIf(whatif)).catch(() => undefined);

async function value(m: JobMessage): Promise<unknown> {
  if (m.riskJson !== undefined) {
    models.clear(); // one champion at a time: a new version replaces the old one
    models.set(m.riskKey, GamModel.fromJSON(m.riskJson as GamJSON));
  }
  const model = m.riskKey === NO_RISK ? null : models.get(m.riskKey);
  if (model === undefined) throw new Error(`worker has no risk model ${m.riskKey}`);
  const risk = model ? { model, version: m.riskVersion } : null;
  if (m.task === 'whatif') {
    if (!whatif) throw new Error('this worker was started without the what-if worlds');
    const { runWhatIf } = await import('./whatif-task.ts');
    return runWhatIf(m.body, risk, whatif);
  }
  if (!risk) throw new Error(`planner ${m.task} was sent without a risk champion`);
  return PLANNERS[m.task](m.body, risk, planDefaults);
}

// One job at a time: the pool sends a worker its next job only after it answered the last.
parentPort!.on('message', async (m: JobMessage) => {
  let reply: JobReply;
  try {
    reply = { id: m.id, ok: true, value: await value(m) };
  } catch (e) {
    const err = e as Error;
    if (e instanceof BadInput) reply = { id: m.id, ok: false, error: { kind: 'BadInput', message: err.message, field: e.field } };
    else if (e instanceof NoAnswer) reply = { id: m.id, ok: false, error: { kind: 'NoAnswer', message: err.message, field: e.field, code: e.code } };
    else if (isRolloutlabError(e)) reply = { id: m.id, ok: false, error: { kind: 'RolloutlabError', message: err.message, field: e.field, code: e.code } };
    else reply = { id: m.id, ok: false, error: { kind: 'Error', message: err?.stack ?? String(e) } };
  }
  parentPort!.postMessage(reply);
});
