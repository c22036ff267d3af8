// A rollout plan in the deploy systems' own terms: the `steps:` of an Argo Rollouts canary, and the `analysis:` of a
// Flagger Canary. Both take whole-percent weights, so a step below 1 % is written as 1 % with a comment saying so;
// Flagger has one interval for every step, so per-step dwells become the interval their greatest common divisor
// allows, each weight held for as many intervals as its dwell.
// A plan over regions or tenants is refused: neither tool routes by unit, and their weights alone would run another plan.
import type { RolloutPlanAnswer } from './gate.ts';
import { RolloutlabError } from '../../lib/errors.ts';
import { unitPlanRefusal } from './units.ts';

/** Throws BAD_ARGUMENT (field `format`) for a unit plan: the tool cannot run it. */
function weightsOnly(a: RolloutPlanAnswer, tool: string, format: string): void {
  if (a.plan.units) throw new RolloutlabError('BAD_ARGUMENT', `--format ${format}: ${unitPlanRefusal(a.plan.units, tool)}`, 'format');
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The `strategy.canary.steps` of an Argo Rollout that runs the plan. */
export function argoSteps(a: RolloutPlanAnswer, title: string): string {
  weightsOnly(a, 'Argo Rollouts', 'argo');
  const lines = [`# ${title}: plan ${a.plan.name}, gate ${a.gate.decision}`, 'strategy:', '  canary:', '    steps:'];
  a.plan.steps.forEach((w, i) => {
    const whole = Math.max(1, Math.round(w));
    lines.push(`      - setWeight: ${whole}${whole !== w ? `   # ${w} % asked: Argo weights are whole percents (a finer split needs a traffic router that takes one)` : ''}`);
    if (i < a.plan.dwellMinutes.length) lines.push(`      - pause: {duration: ${a.plan.dwellMinutes[i]}m}`);
  });
  return lines.join('\n');
}

/** The `analysis` block of a Flagger Canary that runs the plan (weights before 100 %; Flagger promotes after the last). */
export function flaggerAnalysis(a: RolloutPlanAnswer, title: string): string {
  weightsOnly(a, 'Flagger', 'flagger');
  const interval = a.plan.dwellMinutes.reduce((g, d) => gcd(g, d), a.plan.dwellMinutes[0] ?? 1);
  const weights: number[] = [];
  a.plan.steps.slice(0, -1).forEach((w, i) => {
    for (let k = 0; k < a.plan.dwellMinutes[i] / interval; k++) weights.push(Math.max(1, Math.round(w)));
  });
  const rounded = a.plan.steps.slice(0, -1).some((w) => w < 1 || Math.round(w) !== w);
  return [
    `# ${title}: plan ${a.plan.name}, gate ${a.gate.decision}`,
    `# each weight is held for ${interval} min per entry (Flagger has one interval for every step)${rounded ? '; weights below 1 % are written as 1 % (whole percents only)' : ''}`,
    'analysis:',
    `  interval: ${interval}m`,
    '  threshold: 2',
    `  stepWeights: [${weights.join(', ')}]`,
  ].join('\n');
}
