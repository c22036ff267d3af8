// What `rolloutlab train rollback` and `rolloutlab evaluate rollback` print (the command line only parses the arguments).
import type { FamilyCommands } from '../family-commands.ts';
import { formatTargets } from '../targets.ts';
import { ROLLBACK_FAMILY } from '../load.ts';
import { resolveHyperParamRequest } from '../hyper-params.ts';
import { evaluateRollback, formatRollbackTrain, formatThresholdEvaluation, trainRollback } from './family.ts';

export const rollbackCommands: FamilyCommands = {
  async train(data, c) {
    const tuning = resolveHyperParamRequest(ROLLBACK_FAMILY, c.hyperParams);
    const r = await trainRollback(data, { registry: c.registry, onEpoch: (m, e) => c.onProgress(`train rollback ${m} (epochs)`, e + 1, tuning.values.maxEpochs), tuning });
    return { json: r, text: formatRollbackTrain(r) };
  },
  async evaluate(registry, o) {
    if (o.data) {
      const r = await evaluateRollback(o.data, { registry, version: o.version });
      return { json: r, text: formatThresholdEvaluation(`rollback ${r.version} on the held-out deployments of ${o.data}`, r.test, r.targets) };
    }
    const card = await registry.readCard(ROLLBACK_FAMILY, o.version ?? 'champion');
    return { json: card, text: formatTargets(`rollback ${card.version} (${card.champion.decision}: ${card.champion.reason})`, card.metrics, card.targets) };
  },
};
