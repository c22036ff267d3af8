// Backtest output: the comparison table for a terminal, and the per-deployment results as tables for a data set.
import { tableFromRows, type Table } from '../datasets/table.ts';
import type { BacktestReport, DeploymentResult, PolicySummary } from './run.ts';
import type { Strategy } from '../sim/strategy.ts';

const pct = (x: number | null) => (x === null ? '—' : `${(100 * x).toFixed(1)} %`);
const num = (x: number | null, unit = '', digits = 1) => (x === null ? '—' : `${x.toFixed(digits)}${unit}`);
const int = (x: number) => Math.round(x).toLocaleString('en-US');

export function describeStrategy(s: Strategy): string {
  switch (s.kind) {
    case 'canary':
      return `canary ${s.steps.join('-')} %, ${s.dwellMinutes ? `${s.dwellMinutes.join('-')} min at the steps` : `${s.stepMinutes} min per step`}, ${s.bakeMinutes} min bake`;
    case 'blue-green':
      return `blue-green, ${s.previewMinutes} min preview on ${s.mirrorPercent} % mirrored traffic, ${s.bakeMinutes} min bake`;
    case 'rolling':
      return `rolling in ${s.batches} batches, ${s.batchMinutes} min each, ${s.bakeMinutes} min bake`;
    case 'progressive':
      return `progressive by ${s.by}, ${s.stepMinutes} min per ${s.by}, ${s.bakeMinutes} min bake`;
  }
}

/** The comparison table: one row per policy with the measures of docs/definitions.md. */
export function formatBacktest(r: BacktestReport): string {
  const names = Object.keys(r.policies);
  const any = r.policies[names[0]];
  const head = [
    `backtest  scenario ${r.scenario}, seed ${r.seed}, ${int(r.deployments)} deployments (${r.periods} replayed period${r.periods === 1 ? '' : 's'})`,
    r.optimisedShare !== undefined
      ? `          strategy optimised: ${(100 * r.optimisedShare).toFixed(1)} % of deployments under an optimised plan (${Object.entries(r.plans ?? {}).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')})`
      : `          strategy ${describeStrategy(r.strategy)}`,
    ...(r.sensitivities ? [`          rollback thresholds per change (ml): ${Object.entries(r.sensitivities).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ')}`] : []),
    `          violating ${int(any.violating)} (the unguarded run breaches because of the change); material faults ${int(any.materialFaults)}; ` +
      `without one ${int(any.withoutMaterialFault)}; breaches from noise alone ${int(any.noiseBreaches)} (not preventable, not counted)`,
    '',
  ];
  // Progressive strategies: what rolling back by region / tenant kept (docs/definitions.md#healthy-exposure-kept).
  const byUnit = r.strategy.kind === 'progressive';
  if (byUnit) {
    const by = r.strategy.kind === 'progressive' ? r.strategy.by : 'unit';
    head.splice(head.length - 1, 0, `          faults confined to one ${by} ${int(any.confinedFaults)} (the rest hit every ${by}, or another dimension)`);
  }
  const sameDetectRecover = names.every((n) => r.policies[n].medianTimeToDetectS === r.policies[n].medianTimeToRecoverS);
  const cols: [string, (p: PolicySummary) => string][] = [
    ['prevention', (p) => `${pct(p.preventionRate)} (${p.prevented})`],
    ['false rollback', (p) => `${pct(p.falseRollbackRate)} (${p.falseRollbacks})`],
    ['lead time', (p) => num(p.medianLeadTimeMin, ' min')],
    // Computed separately (backtest/run.ts); a rollback moves traffic within the tick of its decision, so they are
    // equal unless a policy first rolls back a unit the fault is not in: then one column says so instead of two copies.
    ...((sameDetectRecover
      ? [['detect = recover', (p) => num(p.medianTimeToDetectS, ' s', 0)]]
      : [
          ['detect', (p) => num(p.medianTimeToDetectS, ' s', 0)],
          ['recover', (p) => num(p.medianTimeToRecoverS, ' s', 0)],
        ]) as [string, (p: PolicySummary) => string][]),
    ['blast radius', (p) => int(p.blastRadius)],
    ['tenants impacted', (p) => int(p.tenantsImpacted)],
    ['customer-min', (p) => int(p.customerMinutesExposed)],
    ['to full rollout', (p) => num(p.meanTimeToFullRolloutMin, ' min')],
    ['severe ≤1 tick', (p) => pct(p.severeDetectedWithinOneTick)],
    ['stalled', (p) => String(p.truncated)],
    ...((byUnit
      ? [
          ['unit rollbacks', (p) => String(p.unitRollbacks)],
          ['healthy kept', (p) => `${pct(p.healthyExposureKept)} (${p.confinedRollbacks})`],
          ['recovered at decision', (p) => pct(p.confinedRecoveredAtRollback)],
        ]
      : []) as [string, (p: PolicySummary) => string][]),
  ];
  const rows = names.map((n) => [n, ...cols.map(([, f]) => f(r.policies[n]))]);
  const header = ['policy', ...cols.map(([h]) => h)];
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => '  ' + cells.map((c, i) => (i === 0 ? c.padEnd(width[i]) : c.padStart(width[i]))).join('  ');
  const foot = [
    '',
    '  prevention = violating deployments with no fault-caused breach in the policy’s own run; lead time = unguarded breach − rollback decision;',
    '  detect / recover = median seconds from the fault’s onset to the rollback decision / to all its traffic back on a healthy version, over material faults that showed',
    '  (misses count as never; — = more than half never); blast radius = bad requests the fault caused.',
    '  tenants impacted = tenants with at least one of those bad requests, per deployment, summed; customer-min = tenant-minutes in which a tenant’s',
    '  traffic reached the fault’s effect, summed over deployments.',
    ...(sameDetectRecover ? ['  detect = recover: a rollback moves the traffic within the tick of its decision, so recovery takes no longer than detection here.'] : []),
    ...(byUnit
      ? [
          '  unit rollbacks = deployments whose first rollback took back one unit only; healthy kept = over confined faults rolled back while healthy units were',
          '  on the new version (how many in brackets), the mean share of that healthy exposure still on it at the end; recovered at decision = of those, the share',
          '  whose fault was off the new version at the first rollback decision, as a full rollback would have had it.',
        ]
      : []),
    '  definitions: docs/definitions.md',
  ];
  return [...head, line(header), line(width.map((w) => '─'.repeat(w))), ...rows.map(line), ...foot].join('\n');
}

/** Per-deployment results (one row per deployment and policy). */
export function resultsTable(results: readonly DeploymentResult[]): Table {
  return tableFromRows('results', results, [
    ['policy', 'VARCHAR', (r) => r.policy, 'policy'],
    ['deployment_id', 'VARCHAR', (r) => r.deploymentId, 'deployment'],
    ['period', 'INTEGER', (r) => r.period, 'replayed period of the scenario (0 = the simulated data set)'],
    ['service', 'VARCHAR', (r) => r.service, 'service'],
    ['tier', 'VARCHAR', (r) => r.tier, 'tier'],
    ['fault_kind', 'VARCHAR', (r) => r.faultKind, 'TRUTH: the change’s fault, or null'],
    ['severe', 'BOOLEAN', (r) => r.severe, 'TRUTH: severe fault'],
    ['material', 'BOOLEAN', (r) => r.material, 'TRUTH: material fault (docs/definitions.md#material-fault)'],
    ['violating', 'BOOLEAN', (r) => r.violating, 'TRUTH: the unguarded run breaches because of the change'],
    ['noise_breach', 'BOOLEAN', (r) => r.noiseBreach, 'TRUTH: the unguarded run breaches from noise alone'],
    ['unguarded_breach_min', 'INTEGER', (r) => r.unguardedBreachMin, 'TRUTH: minutes from start to the unguarded fault breach'],
    ['rolled_back', 'BOOLEAN', (r) => r.rolledBack, 'the policy rolled back (any scope)'],
    ['rollback_min', 'INTEGER', (r) => r.rollbackMin, 'minutes from start to the rollback decision'],
    ['rollback_reason', 'VARCHAR', (r) => r.rollbackReason, 'the policy’s reason'],
    ['breached', 'BOOLEAN', (r) => r.breached, 'fault-caused breach in the policy’s own run'],
    ['breach_min', 'INTEGER', (r) => r.breachMin, 'minutes from start to that breach'],
    ['prevented', 'BOOLEAN', (r) => r.prevented, 'violating and no breach in its own run'],
    ['false_rollback', 'BOOLEAN', (r) => r.falseRollback, 'rolled back without a material fault'],
    ['lead_time_min', 'INTEGER', (r) => r.leadTimeMin, 'unguarded breach minus rollback decision (violating, rolled back)'],
    ['time_to_detect_s', 'DOUBLE', (r) => r.timeToDetectS, 'fault onset to rollback decision'],
    ['time_to_recover_s', 'DOUBLE', (r) => r.timeToRecoverS, 'fault onset to all traffic back on a healthy version'],
    ['blast_radius', 'DOUBLE', (r) => r.blastRadius, 'bad requests the fault caused in this run'],
    ['promoted', 'BOOLEAN', (r) => r.promoted, 'the new version reached full exposure'],
    ['time_to_full_rollout_min', 'INTEGER', (r) => r.timeToFullRolloutMin, 'minutes from start to full exposure'],
    ['ended_by', 'VARCHAR', (r) => r.endedBy, 'promoted / rolled_back / truncated'],
    ['minutes', 'INTEGER', (r) => r.minutes, 'simulated minutes'],
    ['confined_fault', 'BOOLEAN', (r) => r.confinedFault, 'TRUTH: the fault is confined to one region / tenant of the progressive strategy'],
    ['rollback_unit', 'VARCHAR', (r) => r.rollbackUnit, 'the region / tenant the first rollback took back alone (null: everything, or none)'],
    ['healthy_exposure_at_rollback', 'DOUBLE', (r) => r.healthyExposureAtRollback, 'confined fault rolled back: healthy units’ traffic share on the new version at the first rollback decision'],
    ['healthy_exposure_kept', 'DOUBLE', (r) => r.healthyExposureKept, 'of that, the share still on the new version at the end'],
    ['recovery_after_rollback_min', 'INTEGER', (r) => r.recoveryAfterRollbackMin, 'confined fault rolled back: first rollback decision to the fault’s traffic off the new version (0 = as fast as a full rollback)'],
    ['tenants_impacted', 'INTEGER', (r) => r.tenantsImpacted, 'tenants with at least one of the fault’s bad requests of this run attributed to them (docs/definitions.md#tenants-impacted)'],
    ['customer_minutes_exposed', 'INTEGER', (r) => r.customerMinutesExposed, 'tenant-minutes in which a tenant’s user traffic reached the fault’s effect while it was active (docs/definitions.md#customer-minutes-exposed)'],
  ]);
}

/** The summaries as a table (one row per policy). */
export function summaryTable(r: BacktestReport): Table {
  const rows = Object.entries(r.policies).map(([policy, p]) => ({ policy, ...p }));
  return tableFromRows('summary', rows, [
    ['policy', 'VARCHAR', (x) => x.policy, 'policy'],
    ['prevention_rate', 'DOUBLE', (x) => x.preventionRate, 'prevented / violating'],
    ['false_rollback_rate', 'DOUBLE', (x) => x.falseRollbackRate, 'false rollbacks / deployments without a material fault'],
    ['median_lead_time_min', 'DOUBLE', (x) => x.medianLeadTimeMin, 'median lead time'],
    ['median_time_to_detect_s', 'DOUBLE', (x) => x.medianTimeToDetectS, 'median time to detect'],
    ['median_time_to_recover_s', 'DOUBLE', (x) => x.medianTimeToRecoverS, 'median time to recover'],
    ['blast_radius', 'DOUBLE', (x) => x.blastRadius, 'bad requests caused by faults, all deployments'],
    ['mean_time_to_full_rollout_min', 'DOUBLE', (x) => x.meanTimeToFullRolloutMin, 'mean time to full exposure of promoted deployments'],
    ['violating', 'INTEGER', (x) => x.violating, 'violating deployments'],
    ['prevented', 'INTEGER', (x) => x.prevented, 'prevented violations'],
    ['false_rollbacks', 'INTEGER', (x) => x.falseRollbacks, 'false rollbacks'],
    ['rollbacks', 'INTEGER', (x) => x.rollbacks, 'all rollbacks'],
    ['severe_detected_within_one_tick', 'DOUBLE', (x) => x.severeDetectedWithinOneTick, 'share of severe material faults rolled back within one tick of onset'],
    ['stalled', 'INTEGER', (x) => x.truncated, 'runs cut at the episode cap while holding'],
    ['unit_rollbacks', 'INTEGER', (x) => x.unitRollbacks, 'deployments whose first rollback took back one region / tenant'],
    ['confined_faults', 'INTEGER', (x) => x.confinedFaults, 'deployments whose fault is confined to one region / tenant of the strategy'],
    ['confined_rollbacks', 'INTEGER', (x) => x.confinedRollbacks, 'confined faults rolled back while healthy units were on the new version'],
    ['healthy_exposure_kept', 'DOUBLE', (x) => x.healthyExposureKept, 'mean share of the healthy exposure at the rollback decision still on the new version at the end'],
    ['confined_recovered_at_rollback', 'DOUBLE', (x) => x.confinedRecoveredAtRollback, 'share of those whose fault was off the new version at the first rollback decision'],
    ['tenants_impacted', 'INTEGER', (x) => x.tenantsImpacted, 'tenants impacted, summed over deployments (a tenant two deployments impacted counts twice)'],
    ['customer_minutes_exposed', 'BIGINT', (x) => x.customerMinutesExposed, 'customer-minutes exposed, summed over deployments'],
  ]);
}
