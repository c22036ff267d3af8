// Generates examples/history-sample.csv, the deployment history the README's worked example and docs/risk.md
// ("Training on your own history") train the risk model on, in the format `rolloutlab import history` reads:
//
//   node --import tsx scripts/make-history-sample.ts            # writes examples/history-sample.csv
//   node --import tsx scripts/make-history-sample.ts out.csv    # somewhere else
//
// One quarter (from 2026-07-01) of 800 deployments of eight services, minutes to hours apart, every draw from a seeded
// `Rng` (the same seed always gives the same bytes; test/risk-history.test.ts checks the committed file against this).
// Changes have a log-normal size; test coverage (empty in about one row in ten), config-only changes and schema
// migrations vary. The label has a real signal: P(failed) rises with lines added and files touched and with an
// irreversible migration, and falls with coverage and for config-only changes. Columns lines_deleted,
// author_experience, feature_flagged and api_contract_change are left out, as a team's export might.
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { Rng } from '../lib/rng.ts';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

export interface HistorySampleOptions {
  /** Rows (default 800). */
  n?: number;
  seed?: number;
  /** The first deployment starts a few hours after this (epoch ms; default 2026-07-01T00:00Z). */
  start?: number;
  /** Overrides the label of row i, given the signal's probability p and the row's stream (tests: no signal, one-sided parts). */
  label?: (i: number, p: number, rng: Rng) => boolean;
}

/** The sample as CSV text, rows in start order. */
export function historySampleCsv(o: HistorySampleOptions = {}): string {
  const n = o.n ?? 800;
  const rng = new Rng(o.seed ?? 1, 'history-sample');
  const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
  const lines = ['deployment_id,service,started_at,finished_at,failed,lines_added,files_changed,test_coverage,config_only,schema_migration,team,ticket'];
  let t = o.start ?? Date.UTC(2026, 6, 1);
  for (let i = 0; i < n; i++) {
    t += Math.round(rng.uniform(0.2, 5.2) * 60) * 60_000;
    const la = Math.round(Math.exp(rng.normal() * 1.4 + 4));
    const files = 1 + Math.round(la / rng.uniform(20, 80));
    const coverage = rng.uniform(0.2, 0.95);
    const config = rng.bernoulli(0.15);
    const migration = rng.bernoulli(0.1) ? (rng.bernoulli(0.4) ? 'irreversible' : 'reversible') : 'none';
    const p = sigmoid(-3.2 + 0.55 * Math.log1p(la) + 0.25 * Math.log1p(files) - 1.5 * coverage + (migration === 'irreversible' ? 1.2 : 0) - (config ? 0.8 : 0));
    const failed = o.label ? o.label(i, p, rng) : rng.bernoulli(p);
    const service = `svc-${rng.int(0, 7)}`;
    const cov = rng.bernoulli(0.1) ? '' : coverage.toFixed(3);
    const finished = t + 25 * 60_000;
    lines.push([`d-${String(i).padStart(5, '0')}`, service, iso(t), iso(finished), failed ? 1 : 0, la, files, cov, config, migration, 'core', `OPS-${1000 + i}`].join(','));
  }
  return lines.join('\n') + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? join(import.meta.dirname, '..', 'examples', 'history-sample.csv');
  writeFileSync(out, historySampleCsv());
  process.stdout.write(`wrote ${out}\n`);
}
