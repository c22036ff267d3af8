// One-line hints for a failed CI/CD step: what is wrong and what to do, with the specifics the log names — the secret
// that is not set, the package and version that do not exist, the file and line that do not compile and the error
// code, the failing test, the lint rule or the coverage against its threshold, the manifest and field, the host that
// does not resolve, the port nothing listens on, the permission denied, the conflicted file, the lock and its holder,
// the image, the process out of memory. The rules read the tools' own wording (npm, Yarn, pnpm, pip, Poetry, Maven,
// Gradle, go, cargo, tsc, ESLint, pytest, Jest, JUnit, docker / BuildKit, Helm, kubectl, Terraform, git and the CI
// systems' messages); where a log names nothing they know the hint is the kind's, or the category's, generic one.
//
//   hintFor('missing-secret', log, step) → "secret `DEPLOY_TOKEN` is not set: add it to the CI variables"
//
// A hint is one line of at most MAX_HINT_CHARS characters, lower-case first, the specifics in backticks, no final
// full stop. The same kind, log and step always give the same hint.
import type { FailedStep } from '../../datasets/failed-step.ts';
import { CI_FAILURE_KINDS, findCiKind } from '../../sim/ci/catalogue.ts';
import type { CiCategory } from '../../sim/ci/types.ts';
import { LogView, fitHint, MAX_HINT_CHARS } from './hint-log.ts';
import { compileErrorHint, flakyTest, lintGate, mergeConflict, testFailure, type HintRule } from './hint-rules-code.ts';
import { badHostname, corruptCache, dependencyMissing, dnsFailure, lockfileOutOfSync, networkTimeout, registry5xx, registryRateLimit, tlsCertInvalid, tlsHandshakeTimeout } from './hint-rules-deps.ts';
import {
  badManifest, buildOom, buildToolCrash, clusterApiError, diskFull, expiredToken, lockContention, misconfiguredPort, missingSecret, noRunner,
  permissionDenied, portInUse, runnerLost, serviceNotReady, staleLock,
} from './hint-rules-ops.ts';

export { MAX_HINT_CHARS };

interface KindHint {
  /** The hint when the log names nothing the rules know. */
  generic: string;
  /** Rules that read the specifics from the log, tried in order. */
  rules: HintRule[];
}

/** Per failure kind (sim/ci's catalogue ids). */
const KINDS: Record<string, KindHint> = {
  'flaky-test': { generic: 'a test fails now and then on a healthy commit: retry, and quarantine it if it keeps failing', rules: [flakyTest] },
  'test-failure': { generic: 'a test fails on every run of this commit: reproduce it locally, then fix the code or the test', rules: [testFailure] },
  'registry-5xx': { generic: 'the registry answers with server errors (5xx): retry once it recovers, with a few minutes of backoff', rules: [registry5xx] },
  'registry-rate-limit': { generic: 'the registry rate-limits the job: retry after the limit resets, or authenticate the requests', rules: [registryRateLimit] },
  'corrupt-cache': { generic: 'the restored dependency cache is corrupt: clear it (or change the cache key) and retry', rules: [corruptCache] },
  'dependency-missing': { generic: 'a dependency, version, image or chart the job asks for does not exist: fix the name or the version', rules: [dependencyMissing] },
  'lockfile-out-of-sync': { generic: 'the lock file does not match the manifest: regenerate it and commit it', rules: [lockfileOutOfSync] },
  'network-timeout': { generic: 'a network connection timed out or was reset: retry with backoff', rules: [networkTimeout] },
  'dns-failure': { generic: 'name resolution is failing right now: retry once it recovers', rules: [dnsFailure] },
  'tls-handshake-timeout': { generic: 'a TLS handshake timed out or was cut off: retry', rules: [tlsHandshakeTimeout] },
  'bad-hostname': { generic: 'a host name in the configuration does not resolve: fix it (a typo, or a retired endpoint?)', rules: [badHostname] },
  'tls-cert-invalid': { generic: 'a TLS certificate does not verify: renew it, or add its CA to the job\'s trust store', rules: [tlsCertInvalid] },
  'runner-lost': { generic: 'the runner was lost mid-job: retry on another runner', rules: [runnerLost] },
  'no-runner': { generic: 'no runner picked up the job: retry later, or check that runners for it are online', rules: [noRunner] },
  'disk-full': { generic: 'the runner\'s disk is full: retry on another runner, and clean this one', rules: [diskFull] },
  'build-oom': { generic: 'the build or test process runs out of memory on every run: raise its memory limit, or cut its memory use', rules: [buildOom] },
  'lock-contention': { generic: 'another job holds the lock: wait for it to finish, then retry', rules: [lockContention] },
  'stale-lock': { generic: 'the lock will not clear by itself: release it by hand (force-unlock, roll the release back) or fix the job', rules: [staleLock] },
  'service-not-ready': { generic: 'the service container was not ready yet: retry, and wait for its health check before the tests', rules: [serviceNotReady] },
  'port-in-use': { generic: 'a port the tests need is held by a left-over process on the runner: retry on another runner', rules: [portInUse] },
  'misconfigured-port': { generic: 'nothing listens on the port the job calls: fix the port in the test, probe or client configuration', rules: [misconfiguredPort] },
  'cluster-api-error': { generic: 'the cluster API is unavailable for the moment: retry', rules: [clusterApiError] },
  'bad-manifest': { generic: 'a manifest, chart, Dockerfile or pipeline file is invalid: fix what the error names and validate it locally', rules: [badManifest] },
  'expired-token': { generic: 'the job\'s short-lived credentials expired: rerun the job to get fresh ones', rules: [expiredToken] },
  'permission-denied': { generic: 'the job\'s identity lacks a permission: grant it, or run the job with the right identity', rules: [permissionDenied] },
  'missing-secret': { generic: 'a secret or variable the job needs is not set: add it to the CI variables', rules: [missingSecret] },
  'build-tool-crash': { generic: 'the build tool crashed for reasons outside the code: retry', rules: [buildToolCrash] },
  'compile-error': { generic: 'the code does not compile: fix the first error in the log and build locally before pushing', rules: [compileErrorHint] },
  'lint-gate': { generic: 'a lint, format or coverage gate rejects the change: fix what it names, or run the tool\'s autofix', rules: [lintGate] },
  'merge-conflict': { generic: 'the branch conflicts with its target: merge or rebase it and resolve the conflicts', rules: [mergeConflict] },
};

/** Per category, for a model that learned only categories. */
const CATEGORIES: Record<CiCategory, string> & Record<string, string> = {
  test: 'a test fails: find it in the log, reproduce it locally, then fix the code or the test',
  dependency: 'a dependency cannot be installed: check the names, versions and lock file against the registry',
  network: 'a host, certificate or connection the job uses fails: check the endpoint the error names',
  infra: 'the job does not fit its runner (memory, disk, capacity): raise the limits, or use a bigger runner',
  lock: 'a lock blocks the job: wait for its holder, or release it by hand if the holder is gone',
  service: 'a service the job talks to is not reachable where it calls it: check the host and port against the service',
  deploy: 'the deploy fails: fix the manifest or chart the error names, or retry if the cluster API was down',
  auth: 'the job lacks a credential or a permission: set the secret, or grant the permission the error names',
  code: 'the change does not build or pass its checks: fix the error the log names and run the check locally',
};

/** Persistent kinds first: a category-only label is hinted on a fail decision, where the likelier cause is in the change. */
const KIND_ORDER = [...CI_FAILURE_KINDS.filter((k) => !k.transient), ...CI_FAILURE_KINDS.filter((k) => k.transient)];

/** For a label that is neither a kind nor a category: the persistent kinds' rules, the most specific evidence first. */
const ANY_LABEL_ORDER = [
  'missing-secret', 'permission-denied', 'merge-conflict', 'lockfile-out-of-sync', 'dependency-missing', 'bad-hostname', 'tls-cert-invalid',
  'stale-lock', 'build-oom', 'bad-manifest', 'compile-error', 'lint-gate', 'misconfigured-port', 'test-failure',
];

const firstHint = (rules: HintRule[], g: LogView): string | null => {
  for (const r of rules) {
    const h = r(g);
    if (h) return fitHint(h);
  }
  return null;
};

/** A catalogue kind this module has no entry for: its own hint when it has no placeholders, else its category's. */
function catalogueGeneric(kind: string): string | null {
  const k = findCiKind(kind);
  if (!k) return null;
  return !k.hint.includes('{') ? k.hint : CATEGORIES[k.category] ?? null;
}

/** The generic hint of a kind or category label (no log read): null for a label that is neither. */
export function genericHint(label: string): string | null {
  return KINDS[label]?.generic ?? catalogueGeneric(label) ?? CATEGORIES[label] ?? null;
}

/**
 * The one-line hint for a failure of `kind` (a sim/ci failure kind, or a category for a model trained on labelled
 * categories) with this log: the specifics the log names, else the kind's or category's generic hint. For any other
 * label, a hint only when the log names something a rule knows; else null.
 */
export function hintFor(kind: string, log: string, step: FailedStep): string | null {
  const g = new LogView(log, step);
  const own = KINDS[kind];
  if (own) return firstHint(own.rules, g) ?? fitHint(own.generic);
  const generic = genericHint(kind);
  if (generic && !(kind in CATEGORIES)) return fitHint(generic);
  if (kind in CATEGORIES) {
    const rules = KIND_ORDER.filter((k) => k.category === kind).flatMap((k) => KINDS[k.id]?.rules ?? []);
    return firstHint(rules, g) ?? fitHint(CATEGORIES[kind]);
  }
  return firstHint(ANY_LABEL_ORDER.flatMap((k) => KINDS[k].rules), g);
}
