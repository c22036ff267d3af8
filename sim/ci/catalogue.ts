// The catalogue of CI/CD failure kinds, and the choice of a message template for a failure: the templates of its
// kind that its ecosystem, step, CI system and database would print.
import type { Rng } from '../../lib/rng.ts';
import type { CiCategory, CiDb, CiStep, CiSystem, Ecosystem, FailureKind, Template } from './types.ts';
import { FLAKY_TEST, TEST_FAILURE } from './kinds/test.ts';
import { REGISTRY_5XX, REGISTRY_RATE_LIMIT, CORRUPT_CACHE, DEPENDENCY_MISSING, LOCKFILE_OUT_OF_SYNC } from './kinds/dependency.ts';
import { NETWORK_TIMEOUT, DNS_FAILURE, TLS_HANDSHAKE_TIMEOUT, BAD_HOSTNAME, TLS_CERT_INVALID } from './kinds/network.ts';
import { RUNNER_LOST, NO_RUNNER, DISK_FULL, BUILD_OOM } from './kinds/infra.ts';
import { LOCK_CONTENTION, STALE_LOCK } from './kinds/lock.ts';
import { SERVICE_NOT_READY, PORT_IN_USE, MISCONFIGURED_PORT } from './kinds/service.ts';
import { CLUSTER_API_ERROR, BAD_MANIFEST } from './kinds/deploy.ts';
import { EXPIRED_TOKEN, PERMISSION_DENIED, MISSING_SECRET } from './kinds/auth.ts';
import { BUILD_TOOL_CRASH, COMPILE_ERROR, LINT_GATE, MERGE_CONFLICT } from './kinds/code.ts';

export const CI_FAILURE_KINDS: readonly FailureKind[] = [
  FLAKY_TEST, TEST_FAILURE,
  REGISTRY_5XX, REGISTRY_RATE_LIMIT, CORRUPT_CACHE, DEPENDENCY_MISSING, LOCKFILE_OUT_OF_SYNC,
  NETWORK_TIMEOUT, DNS_FAILURE, TLS_HANDSHAKE_TIMEOUT, BAD_HOSTNAME, TLS_CERT_INVALID,
  RUNNER_LOST, NO_RUNNER, DISK_FULL, BUILD_OOM,
  LOCK_CONTENTION, STALE_LOCK,
  SERVICE_NOT_READY, PORT_IN_USE, MISCONFIGURED_PORT,
  CLUSTER_API_ERROR, BAD_MANIFEST,
  EXPIRED_TOKEN, PERMISSION_DENIED, MISSING_SECRET,
  BUILD_TOOL_CRASH, COMPILE_ERROR, LINT_GATE, MERGE_CONFLICT,
];

const BY_ID = new Map(CI_FAILURE_KINDS.map((k) => [k.id, k]));

/** The kind with this id, or undefined (a label that is not one of the catalogue's kinds). */
export const findCiKind = (id: string): FailureKind | undefined => BY_ID.get(id);

export function ciKind(id: string): FailureKind {
  const k = BY_ID.get(id);
  if (!k) throw new Error(`unknown CI failure kind ${id}`);
  return k;
}

export const kindsOfCategory = (c: CiCategory): FailureKind[] => CI_FAILURE_KINDS.filter((k) => k.category === c);

/** What decides which templates fit a failure. */
export interface TemplateContext {
  ecosystem: Ecosystem;
  /** The repository's package manager or build tool, and its deploy tool. */
  tools: readonly string[];
  step: CiStep;
  ci: CiSystem;
  db: CiDb;
}

const fits = (t: Template, c: TemplateContext, strict: { eco: boolean; db: boolean }) =>
  (!t.steps || t.steps.includes(c.step)) &&
  (!t.ci || t.ci.includes(c.ci)) &&
  (!strict.eco || ((!t.eco || t.eco.includes(c.ecosystem)) && (!t.tool || t.tool.some((x) => c.tools.includes(x))))) &&
  (!strict.db || !t.db || t.db.includes(c.db));

/** Indices of the templates of `kind` that fit, loosening the database and then the tool chain when none does. */
export function fittingTemplates(kind: FailureKind, c: TemplateContext): number[] {
  for (const strict of [{ eco: true, db: true }, { eco: true, db: false }, { eco: false, db: true }, { eco: false, db: false }]) {
    const idx = kind.templates.flatMap((t, i) => (fits(t, c, strict) ? [i] : []));
    if (idx.length) return idx;
  }
  return kind.templates.flatMap((t, i) => (!t.steps || t.steps.includes(c.step) ? [i] : []));
}

const showable = new Map<string, boolean>();

/** Whether a failure of `kind` can show in this step for this tool chain and CI system (some template is theirs). */
export function canShow(kindId: string, step: CiStep, ecosystem: Ecosystem, tools: readonly string[], ci: CiSystem): boolean {
  const key = `${kindId}|${step}|${ecosystem}|${tools.join(',')}|${ci}`;
  let v = showable.get(key);
  if (v === undefined) {
    const k = ciKind(kindId);
    v = k.steps.includes(step) && k.templates.some((t) => fits(t, { ecosystem, tools, step, ci, db: 'postgres' }, { eco: true, db: false }));
    showable.set(key, v);
  }
  return v;
}

/** Draw a template index for a failure of `kind` in context `c`. */
export function pickTemplate(rng: Rng, kind: FailureKind, c: TemplateContext): number {
  const idx = fittingTemplates(kind, c);
  if (!idx.length) throw new Error(`no template of ${kind.id} fits step ${c.step}`);
  return idx[rng.weighted(idx.map((i) => kind.templates[i].weight ?? 1))];
}
