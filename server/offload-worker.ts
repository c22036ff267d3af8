// A planning worker thread (server/offload.ts): runs server/deploy-planners.ts PLANNERS on the jobs it is sent, with the
// risk champion it was given (kept by version) and the planners' defaults it was started with, and answers each job's
// value or its error by kind.
import { parentPort, workerData } from 'node:worker_threads';
import { GamModel, type GamJSON } from '../training/gam.ts';
import { isRolloutlabError } from '../lib/errors.ts';
import { BadInput, NoAnswer } from './decide.ts';
import { PLANNERS } from './deploy-planners.ts';
import type { JobMessage, JobReply, WorkerStart } from './offload.ts';

const { planDefaults } = workerData as WorkerStart;
const models = new Map<string, GamModel>();

parentPort!.on('message', (m: JobMessage) => {
  let reply: JobReply;
  try {
    if (m.riskJson !== undefined) {
      models.clear(); // one champion at a time: a new version replaces the old one
      models.set(m.riskKey, GamModel.fromJSON(m.riskJson as GamJSON));
    }
    const model = models.get(m.riskKey);
    if (!model) throw new Error(`worker has no risk model ${m.riskKey}`);
    reply = { id: m.id, ok: true, value: PLANNERS[m.planner](m.body, { model, version: m.riskVersion }, planDefaults) };
  } catch (e) {
    const err = e as Error;
    if (e instanceof BadInput) reply = { id: m.id, ok: false, error: { kind: 'BadInput', message: err.message, field: e.field } };
    else if (e instanceof NoAnswer) reply = { id: m.id, ok: false, error: { kind: 'NoAnswer', message: err.message, field: e.field, code: e.code } };
    else if (isRolloutlabError(e)) reply = { id: m.id, ok: false, error: { kind: 'RolloutlabError', message: err.message, field: e.field, code: e.code } };
    else reply = { id: m.id, ok: false, error: { kind: 'Error', message: err?.stack ?? String(e) } };
  }
  parentPort!.postMessage(reply);
});
