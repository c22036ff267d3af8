// The commands a plan's steps run, for the tools teams use: Argo Rollouts' kubectl plugin, Flagger (its load tester's
// rollback gate, and `skipAnalysis` to let a revert through), helm, kubectl, Atlas / Flyway / Liquibase, pgBackRest for
// a PostgreSQL point-in-time restore, Unleash for feature flags, Redis for caches, Prometheus for checks. Placeholders
// a team sets once are environment variables ($PROMETHEUS_URL, $UNLEASH_URL, $<DB>_URL…); a step a person must do has
// no command. docs/rollback-plans.md lists every template.
import type { Migration, ReleaseService } from '../../sim/release/index.ts';

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
/** Shell-safe environment-variable name of a database's URL: svc-orders-db → SVC_ORDERS_DB_URL. */
export const dbUrlVar = (db: string) => `$${db.replace(/[^A-Za-z0-9]/g, '_').toUpperCase()}_URL`;
const ctx = (s: ReleaseService, unit?: string) => (unit && s.unitKind === 'region' ? ` --context ${unit}` : '');

export function abortCommand(s: ReleaseService, unit?: string): string {
  switch (s.tool) {
    case 'argo-rollouts':
      return `kubectl argo rollouts abort ${s.name} -n ${s.namespace}${ctx(s, unit)}`;
    case 'flagger':
      return `curl -sf -H 'Content-Type: application/json' -d ${q(JSON.stringify({ name: s.name, namespace: s.namespace }))} http://flagger-loadtester.${s.namespace}/rollback/open`;
    default:
      return `kubectl rollout undo deployment/${s.name} -n ${s.namespace}${ctx(s, unit)}`;
  }
}

/** `fast`: skip the controller's steps and analysis (what a rollback needs); without it Argo and Flagger re-run the canary for the old version. */
export function revertCommand(s: ReleaseService, unit?: string, fast = true): string {
  if (unit && s.unitKind === 'tenant') {
    const route = { op: 'add', path: '/spec/http/0', value: { match: [{ headers: { 'x-tenant': { exact: unit } } }], route: [{ destination: { host: s.name, subset: 'stable' } }] } };
    return `kubectl -n ${s.namespace} patch virtualservice/${s.name} --type json -p ${q(JSON.stringify([route]))}`;
  }
  switch (s.tool) {
    case 'argo-rollouts':
      return `kubectl argo rollouts undo ${s.name} -n ${s.namespace}${ctx(s, unit)}${fast ? ` && kubectl argo rollouts promote ${s.name} --full -n ${s.namespace}${ctx(s, unit)}` : ''}`;
    case 'flagger':
      return fast
        ? `kubectl -n ${s.namespace}${ctx(s, unit)} patch canary/${s.name} --type merge -p '{"spec":{"skipAnalysis":true}}' && kubectl -n ${s.namespace}${ctx(s, unit)} rollout undo deployment/${s.name}`
        : `kubectl -n ${s.namespace}${ctx(s, unit)} rollout undo deployment/${s.name}`;
    case 'helm':
      return `helm rollback ${s.name} ${s.helmRevision ?? ''} -n ${s.namespace}${unit && s.unitKind === 'region' ? ` --kube-context ${unit}` : ''} --wait --timeout 5m`.replace('  ', ' ');
    case 'kubectl':
      return `kubectl rollout undo deployment/${s.name} -n ${s.namespace}${ctx(s, unit)}`;
  }
}

export function statusCommand(s: ReleaseService, unit?: string): string {
  return s.tool === 'argo-rollouts' ? `kubectl argo rollouts status ${s.name} -n ${s.namespace}${ctx(s, unit)} --timeout 5m` : `kubectl rollout status deployment/${s.name} -n ${s.namespace}${ctx(s, unit)} --timeout 5m`;
}

export function flagOffCommand(key: string): string {
  return `curl -sf -X POST -H "Authorization: $UNLEASH_TOKEN" "$UNLEASH_URL/api/admin/projects/default/features/${key}/environments/production/off"`;
}

/** The down migration to the schema version before `m`, or null when the tool has no down for it. */
export function migrationDownCommand(m: Migration): string | null {
  if (m.reversibility !== 'reversible') return null;
  switch (m.tool) {
    case 'atlas':
      return `atlas migrate down --url ${dbUrlVar(m.database)} --dir file://migrations/${m.database} --to-version ${m.fromVersion}`;
    case 'flyway':
      return `flyway -url=${dbUrlVar(m.database)} -locations=filesystem:migrations/${m.database} undo -target=${m.fromVersion}`;
    case 'liquibase':
      return `liquibase --url=${dbUrlVar(m.database)} --changelog-file=migrations/${m.database}/changelog.xml rollback-count --count=1`;
  }
}

export function migrationStatusCommand(m: Migration): string {
  switch (m.tool) {
    case 'atlas':
      return `atlas migrate status --url ${dbUrlVar(m.database)} --dir file://migrations/${m.database}`;
    case 'flyway':
      return `flyway -url=${dbUrlVar(m.database)} info`;
    case 'liquibase':
      return `liquibase --url=${dbUrlVar(m.database)} status`;
  }
}

export const freezeWritesCommand = (db: string) => `psql "${dbUrlVar(db)}" -c 'ALTER DATABASE "${db}" SET default_transaction_read_only = on'`;

/** Restore to a point in time (pitr) or to the latest snapshot, then open writes again. */
export function restoreCommand(db: string, target: string | null): string {
  const restore = target ? `pgbackrest --stanza=${db} --type=time --target=${q(target)} --target-action=promote --delta restore` : `pgbackrest --stanza=${db} --type=immediate --target-action=promote --delta restore`;
  return `${restore} && psql "${dbUrlVar(db)}" -c 'ALTER DATABASE "${db}" SET default_transaction_read_only = off'`;
}

export const invalidateCacheCommand = (svc: string) => `redis-cli -h ${svc}-cache --scan --pattern ${q(`${svc}:*`)} | xargs -r -n 500 redis-cli -h ${svc}-cache unlink`;

/** A PromQL ratio of bad to all requests of a service over the last 2 minutes, as a curl of Prometheus' query API. */
export function errorRatioQuery(svc: string, unit?: string): string {
  const sel = `service="${svc}"${unit ? `,unit="${unit}"` : ''}`;
  return `curl -sG "$PROMETHEUS_URL/api/v1/query" --data-urlencode ${q(`query=sum(rate(http_requests_total{${sel},code=~"5.."}[2m])) / sum(rate(http_requests_total{${sel}}[2m]))`)}`;
}

export const notifyCommand = (text: string) => `curl -sf -H 'Content-Type: application/json' -d ${q(JSON.stringify({ text }))} "$SLACK_WEBHOOK_URL"`;

export const approvalCommand = (deployment: string, step: string) =>
  `curl -sf -X POST "$ROLLOUTLAB_URL/v1/approvals" -H "Authorization: Bearer $ROLLOUTLAB_TOKEN" -H 'Content-Type: application/json' -d ${q(JSON.stringify({ deployment, step, by: '<you>', reason: '<why>' }))}`;
