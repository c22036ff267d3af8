// `oracle`: knows the truth. It rolls back a change with a material fault before any user traffic reaches it and
// lets every other change run its schedule: the ceiling no real policy can pass.
import type { Policy } from './policy.ts';
import { decision, onSchedule } from './policy.ts';

export const oraclePolicy: Policy = {
  name: 'oracle',
  needsTruth: true,
  start(ctx, truth) {
    if (!truth) throw new Error('bug: the oracle policy needs the truth');
    return {
      decide: (obs) => (truth.material ? decision('rollback', [`oracle: material ${truth.fault!.kind}`]) : onSchedule(obs, ctx.plan)),
    };
  },
};
