// A rollback plan for a person: numbered steps, each with its command, check, timeout and what to do if it fails.
import type { RollbackPlan } from './schema.ts';
import { approvalCommand } from './commands.ts';

export function formatPlan(p: RollbackPlan): string {
  const out = [`rollback plan for ${p.deployment} (${p.planner}, state at ${p.at})`, `  ${p.summary}`];
  if (p.suspects.length) out.push('  suspects:', ...p.suspects.map((s) => `    - ${s.service}${s.unit ? ` in ${s.unit}` : ''}: ${s.why}`));
  out.push('');
  const num = new Map(p.steps.map((s, i) => [s.id, i + 1]));
  for (const [i, s] of p.steps.entries()) {
    const what = [s.service, s.unit && `unit ${s.unit}`, s.database && `db ${s.database}`, s.migration && `migration ${s.migration}`, s.flag && `flag ${s.flag}`].filter(Boolean).join(', ');
    const tags = [s.needsApproval ? 'NEEDS APPROVAL' : '', s.manual ? 'BY HAND' : '', s.critical ? '' : 'clean-up'].filter(Boolean).join(', ');
    out.push(`${String(i + 1).padStart(2)}. ${s.kind}${what ? ` — ${what}` : ''}  (~${s.expectedMinutes} min${s.after.length ? `, after ${s.after.map((a) => num.get(a)).join(', ')}` : ''}${tags ? `; ${tags}` : ''})`);
    out.push(`    why:   ${s.why}`);
    if (s.needsApproval) {
      const a = p.approvals?.find((x) => x.step === s.id);
      out.push(`    approval: ${a ? (a.status === 'granted' ? `granted by ${a.by ?? '?'} until ${a.until ?? '?'}` : 'pending') : 'needed'} — ${approvalCommand(p.deployment, s.approvalKey ?? s.id)}`);
    }
    if (s.command) out.push(`    run:   ${s.command}`);
    out.push(`    check: ${s.check.description} — ${s.check.success} (within ${s.check.timeoutMinutes} min)${s.check.command ? `\n           ${s.check.command}` : ''}`);
    const fb = s.onFailure.fallback;
    out.push(`    if it fails: ${s.onFailure.action}${fb ? ` → ${fb.kind}${fb.command ? `: ${fb.command}` : ''}` : ''} (${s.onFailure.note})`);
  }
  out.push('', `expected time (critical steps): ${p.expectedMinutes} min`);
  if (p.escalations.length) out.push('for a person:', ...p.escalations.map((e) => `  - ${e}`));
  if (p.requirements.length) out.push('before the deploy:', ...p.requirements.map((e) => `  - ${e}`));
  if (p.warnings.length) out.push('warnings:', ...p.warnings.map((w) => `  - ${w}`));
  return out.join('\n');
}
