// Plain-text rendering of a world summary for the terminal.
import type { WorldSummary } from '../sim/index.ts';

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const num = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 0 });

export function formatSummary(s: WorldSummary, o: { dataset?: string; seconds?: number } = {}): string {
  const tiers = Object.entries(s.servicesByTier).map(([t, n]) => `${n} ${t}`).join(', ');
  const mix = Object.entries(s.faultMix).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const failed = mix.reduce((a, [, n]) => a + n, 0);
  const b = s.unguardedBreaches;
  const lines = [
    '',
    `Scenario "${s.scenario}", seed ${s.seed}: ${s.days} days${o.seconds !== undefined ? ` (simulated and written in ${o.seconds.toFixed(1)} s)` : ''}`,
    '',
    `  services             ${s.services} (${tiers}); ${s.dependencies} dependencies; ${s.teams} teams`,
    `  traffic              ${num(s.requests)} requests`,
    `  changes              ${s.changes}; pipelines failed ${s.pipelines.failed} of ${s.pipelines.runs} (first-try failures: ${s.pipelines.transientFailures} transient, ${s.pipelines.persistentFailures} persistent)`,
    `  deployments          ${s.deployments} (${s.freezeDelayedDeployments} held back by a freeze)`,
    `  change failure rate  ${pct(s.changeFailureRate)} (${failed} with a material fault; mean true risk ${pct(s.meanTrueFailureProb)}; DORA range 5-30 %)`,
    `  immaterial faults    ${s.immaterialFaults} (small regressions a judge should pass)`,
    '',
    '  fault mix (material faults)',
    ...mix.map(([k, n]) => `    ${k.padEnd(20)} ${String(n).padStart(5)}  ${'#'.repeat(Math.round((30 * n) / Math.max(1, failed)))}`),
    '',
    '  unguarded counterfactual (never roll back)',
    `    SLO breaches       ${b.total} of ${s.deployments} deployments: ${b.byFault} caused by the change, ${b.byNoise} by unrelated noise; ${b.slo} burn-rate, ${b.kpi} KPI guardrail`,
    `    failed deploys that breach  ${pct(b.shareOfFailed)}`,
    `    bad requests from faults    ${num(s.faultBadRequests)}`,
    `    unrelated incidents         ${s.incidents}`,
  ];
  if (o.dataset) lines.push('', `  data set written to ${o.dataset}`);
  return lines.join('\n');
}
