// Placeholder values for message templates. A `ParamBag` fills `{name}` from the failure's repository, step and
// time, drawing anything else (hosts, ports, versions, line numbers, request ids) once per failure, so one name
// has one value throughout a log. `{name2}` is a second, independent value of the same kind; `{=a|b|c}` is one
// of several wordings, chosen per failure.
import type { Rng } from '../../lib/rng.ts';
import type { CiRepo } from './repos.ts';
import type { CiStep } from './types.ts';
import { PACKAGES, AREAS, NOUNS, hex, uuid, semver, privateIp, publicIp, testName, sourceFile, javaClassOf } from './vocab.ts';

export interface ParamCtx {
  rng: Rng;
  repo: CiRepo;
  step: CiStep;
  /** Epoch milliseconds of the moment the error is printed. */
  atMs: number;
}

const iso = (ms: number) => new Date(ms).toISOString();
const DB_PORT = { postgres: 5432, mysql: 3306, redis: 6379, kafka: 9092 } as const;
const DB_IMAGE = { postgres: 'postgres:16-alpine', mysql: 'mysql:8.0', redis: 'redis:7-alpine', kafka: 'bitnami/kafka:3.7' } as const;
const BASE_IMAGE = {
  node: ['node:20-alpine', 'node:22-bookworm-slim', 'node:18'],
  python: ['python:3.12-slim', 'python:3.11-bookworm', 'python:3.12-alpine'],
  jvm: ['eclipse-temurin:21-jre', 'eclipse-temurin:17-jdk', 'gradle:8.7-jdk21', 'maven:3.9-eclipse-temurin-21'],
  go: ['golang:1.22-alpine', 'golang:1.23', 'gcr.io/distroless/static-debian12'],
  rust: ['rust:1.79-slim', 'rust:1.77-bookworm', 'debian:bookworm-slim'],
} as const;
const CACHE = { npm: '~/.npm/_cacache', yarn: '/usr/local/share/.cache/yarn/v6', pnpm: '~/.local/share/pnpm/store/v3', pip: '~/.cache/pip', poetry: '~/.cache/pypoetry', maven: '~/.m2/repository', gradle: '~/.gradle/caches/modules-2', go: '~/go/pkg/mod', cargo: '~/.cargo/registry' } as const;
const SECRETS = ['DATABASE_URL', 'NPM_TOKEN', 'REGISTRY_PASSWORD', 'AWS_ROLE_ARN', 'SENTRY_AUTH_TOKEN', 'STRIPE_API_KEY', 'SONAR_TOKEN', 'KUBE_CONFIG', 'DOCKERHUB_TOKEN', 'GH_PAT', 'VAULT_ROLE_ID', 'SLACK_WEBHOOK_URL'];
const K8S_SECRETS = ['db-credentials', 'api-keys', 'tls-cert', 'registry-pull-secret', 'stripe', 'oauth-client', 'redis-auth', 'kafka-sasl'];
const LINT = {
  node: ['@typescript-eslint/no-unused-vars', 'no-console', 'eqeqeq', 'prefer-const', '@typescript-eslint/no-explicit-any', 'import/order', 'react-hooks/exhaustive-deps'],
  python: ['F401', 'E501', 'F841', 'B006', 'I001', 'UP007', 'E711'],
  jvm: ['UnusedImports', 'LineLength', 'MagicNumber', 'FinalParameters', 'AvoidStarImport', 'NeedBraces'],
  go: ['errcheck', 'unused', 'ineffassign', 'staticcheck', 'govet', 'gofmt', 'revive'],
  rust: ['clippy::needless_return', 'clippy::redundant_clone', 'unused_imports', 'clippy::unwrap_used', 'dead_code'],
} as const;
const FIELDS = ['replica', 'contianers', 'imagePullPolicy: Allways', 'resource', 'livenessprobe', 'port', 'env.valueFrom.secretRef', 'strategy.rollingupdate'];
const TF = ['aws_s3_bucket.artifacts', 'aws_iam_role.deployer', 'google_sql_database_instance.main', 'aws_ecs_service.app', 'kubernetes_namespace.this', 'aws_route53_record.api', 'module.vpc.aws_subnet.private[1]'];

/** A misspelt host name: one letter dropped or two neighbours swapped. */
function typo(rng: Rng, host: string): string {
  const name = host.split('.');
  const i = rng.int(0, Math.max(0, name.length - 2));
  const w = name[i];
  if (w.length < 4) name[i] = w + w[w.length - 1];
  else {
    const j = rng.int(1, w.length - 2);
    name[i] = rng.bernoulli(0.5) ? w.slice(0, j) + w.slice(j + 1) : w.slice(0, j) + w[j + 1] + w[j] + w.slice(j + 2);
  }
  return name.join('.');
}

const COMMANDS: Record<string, Partial<Record<CiStep, string[]>>> = {
  npm: { install: ['npm ci'], lint: ['npm run lint', 'npx eslint .'], build: ['npm run build'], 'unit-tests': ['npm test', 'npx jest --ci'], 'integration-tests': ['npm run test:integration'] },
  yarn: { install: ['yarn install --frozen-lockfile'], lint: ['yarn lint'], build: ['yarn build'], 'unit-tests': ['yarn test --ci'], 'integration-tests': ['yarn test:int'] },
  pnpm: { install: ['pnpm install --frozen-lockfile'], lint: ['pnpm lint'], build: ['pnpm build'], 'unit-tests': ['pnpm vitest run'], 'integration-tests': ['pnpm test:integration'] },
  pip: { install: ['pip install -r requirements.txt'], lint: ['ruff check .', 'black --check .'], build: ['python -m build'], 'unit-tests': ['pytest -q'], 'integration-tests': ['pytest -q tests/integration'] },
  poetry: { install: ['poetry install --no-interaction'], lint: ['poetry run ruff check .'], build: ['poetry build'], 'unit-tests': ['poetry run pytest'], 'integration-tests': ['poetry run pytest tests/integration'] },
  maven: { install: ['mvn -B dependency:go-offline'], lint: ['mvn -B checkstyle:check'], build: ['mvn -B -DskipTests package'], 'unit-tests': ['mvn -B test'], 'integration-tests': ['mvn -B verify -Pintegration'] },
  gradle: { install: ['./gradlew dependencies'], lint: ['./gradlew spotlessCheck'], build: ['./gradlew assemble'], 'unit-tests': ['./gradlew test'], 'integration-tests': ['./gradlew integrationTest'] },
  go: { install: ['go mod download'], lint: ['golangci-lint run'], build: ['go build ./...'], 'unit-tests': ['go test -race ./...'], 'integration-tests': ['go test -tags=integration ./...'] },
  cargo: { install: ['cargo fetch --locked'], lint: ['cargo clippy -- -D warnings'], build: ['cargo build --release --locked'], 'unit-tests': ['cargo test --locked'], 'integration-tests': ['cargo test --test integration'] },
};
const STEP_COMMANDS: Partial<Record<CiStep, string[]>> = {
  checkout: ['git fetch --depth=50 origin', 'git checkout -f'],
  'image-build': ['docker buildx build --cache-from type=gha -t {image}:{tag} .', 'docker build -t {image}:{tag} .'],
  'image-push': ['docker push {registry}/{image}:{tag}'],
  migrate: ['./scripts/migrate.sh', 'alembic upgrade head', 'flyway migrate', 'npx prisma migrate deploy'],
};
const DEPLOY_COMMANDS: Record<string, string> = {
  helm: 'helm upgrade --install {repo} ./chart --atomic --wait',
  kubectl: 'kubectl apply -f k8s/',
  terraform: 'terraform apply -auto-approve',
  pulumi: 'pulumi up --yes --stack staging',
};

type Gen = (c: ParamCtx, bag: ParamBag) => string;

const GEN: Record<string, Gen> = {
  org: (c) => c.repo.org,
  repo: (c) => c.repo.name,
  team: (c) => c.repo.team,
  ns: (c) => c.repo.namespace,
  image: (c) => c.repo.image,
  registry: (c) => c.repo.registry,
  pkgindex: (c) => c.repo.packageIndex,
  githost: (c) => c.repo.gitHost,
  branch: (c) => c.rng.pick(['main', `feature/${c.rng.pick(NOUNS)}-${c.rng.int(100, 9999)}`]),
  sha: (c) => hex(c.rng, 7),
  longsha: (c) => hex(c.rng, 40),
  host: (c) => (c.rng.bernoulli(0.5) ? `${c.rng.pick(NOUNS)}.${c.repo.namespace}.svc.cluster.local` : `${c.rng.pick(NOUNS)}-${c.rng.pick(['api', 'db', 'cache', 'gw'])}.${c.repo.org}.internal`),
  ip: (c) => privateIp(c.rng),
  pubip: (c) => publicIp(c.rng),
  port: (c) => String(c.rng.pick([443, 5432, 6379, 8080, 9092, 3306, 2376, 8443])),
  ephemeral: (c) => String(c.rng.int(32768, 60999)),
  appport: (c) => String(c.repo.appPort),
  wrongport: (c) => String(c.rng.pick([3000, 8000, 8080, 8081, 9000, 5000, 80].filter((p) => p !== c.repo.appPort))),
  db: (c) => c.repo.db ?? 'postgres',
  dbhost: (c) => (c.rng.bernoulli(0.6) ? (c.repo.db ?? 'postgres') : c.rng.pick(['localhost', '127.0.0.1'])),
  dbport: (c) => String(DB_PORT[c.repo.db ?? 'postgres']),
  svcimage: (c) => DB_IMAGE[c.repo.db ?? 'postgres'],
  resolver: (c) => c.rng.pick(['10.96.0.10', '127.0.0.53', '168.63.129.16', '169.254.169.253', '10.0.0.2', '8.8.8.8']),
  tag: (c) => c.rng.pick([`v${semver(c.rng)}`, hex(c.rng, 7), `main-${hex(c.rng, 7)}`, `${c.rng.int(1000, 9999)}`]),
  digest: (c) => `sha256:${hex(c.rng, 64)}`,
  layer: (c) => hex(c.rng, 12),
  baseimage: (c) => c.rng.pick(BASE_IMAGE[c.repo.ecosystem]),
  pkg: (c) => c.rng.pick(PACKAGES[c.repo.ecosystem]),
  npmpkg: (c) => c.rng.pick(PACKAGES.node),
  pypkg: (c) => c.rng.pick(PACKAGES.python),
  gopkg: (c) => c.rng.pick(PACKAGES.go),
  jvmpkg: (c) => c.rng.pick(PACKAGES.jvm),
  crate: (c) => c.rng.pick(PACKAGES.rust),
  internalpkg: (c) => c.rng.pick([`@${c.repo.org}/${c.rng.pick(AREAS)}-client`, `${c.repo.org}-${c.rng.pick(AREAS)}`, `${c.repo.org}-common`]),
  ver: (c) => semver(c.rng),
  badver: (c) => `${c.rng.int(7, 30)}.${c.rng.int(0, 9)}.${c.rng.int(0, 9)}`,
  aptpkg: (c) => c.rng.pick(['libpq-dev', 'build-essential', 'ca-certificates', 'curl', 'git', 'libssl-dev', 'pkg-config', 'postgresql-client', 'tzdata', 'jq']),
  file: (c) => sourceFile(c.rng, c.repo.ecosystem),
  javaclass: (c, b) => javaClassOf(b.get('file').endsWith('.java') ? b.get('file') : `src/main/java/com/acme/${c.rng.pick(AREAS)}/Order.java`),
  line: (c) => String(c.rng.int(3, 900)),
  col: (c) => String(c.rng.int(1, 80)),
  test: (_c, b) => b.test().name,
  testfile: (_c, b) => b.test().file,
  testshort: (_c, b) => b.test().short,
  testcount: (c) => String(c.rng.int(40, 400)),
  ident: (c) => c.rng.pick(['orderId', 'total', 'ctx', 'tenantId', 'client', 'items', 'cfg', 'retries', 'amount', 'user']),
  type: (c) => c.rng.pick(['string', 'number', 'OrderId', 'Money', 'Option<u64>', 'int64', 'Long', 'Decimal', 'Tenant']),
  type2: (c) => c.rng.pick(['undefined', 'null', 'i64', 'int', 'Integer', 'float', 'str', 'Uuid']),
  ms: (c) => String(c.rng.pick([2000, 5000, 5000, 10000, 15000, 30000, 60000])),
  sec: (c) => (c.rng.uniform(0.5, 600)).toFixed(2),
  secs: (c) => String(c.rng.int(5, 900)),
  min: (c) => String(c.rng.int(2, 60)),
  n: (c) => String(c.rng.int(2, 999)),
  count: (c) => String(c.rng.int(1, 12)),
  pct: (c) => (c.rng.uniform(60, 79.9)).toFixed(1),
  covmin: (c) => String(c.rng.pick([80, 80, 85, 90])),
  reqid: (c) => uuid(c.rng),
  hexid: (c) => hex(c.rng, c.rng.pick([16, 24, 32])),
  addr: (c) => hex(c.rng, c.rng.pick([6, 8, 10])),
  ts: (c) => iso(c.atMs),
  epoch: (c) => String(Math.floor(c.atMs / 1000)),
  hms: (c) => iso(c.atMs).slice(11, 19),
  // The rate-limit reset and the lock's creation time are usually set by the world (see the hazards); these are fallbacks.
  resetin: (c) => String(c.rng.int(60, 3600)),
  reset: (c, b) => String(Math.floor(c.atMs / 1000) + Number(b.get('resetin'))),
  resetts: (_c, b) => iso(Number(b.get('reset')) * 1000),
  lockcreated: (c) => iso(c.atMs - c.rng.int(20, 900) * 1000),
  lockid: (c) => uuid(c.rng),
  lockwho: (c) => c.rng.pick([`runner@${c.rng.pick(['ci-runner-03', 'gitlab-runner-07', 'buildkite-agent'])}`, 'deploy-bot@ci', `${c.rng.pick(['jane', 'omar', 'li', 'sam'])}@laptop-${hex(c.rng, 4)}`]),
  pid: (c) => String(c.rng.int(300, 65000)),
  node: (c) => c.rng.pick([`ip-10-${c.rng.int(0, 255)}-${c.rng.int(0, 255)}-${c.rng.int(2, 254)}.ec2.internal`, `gke-ci-pool-${hex(c.rng, 8)}-${hex(c.rng, 4)}`, `aks-ci-${c.rng.int(10000000, 99999999)}-vmss00000${c.rng.int(0, 9)}`]),
  pod: (c) => `${c.repo.name}-${hex(c.rng, 10)}-${hex(c.rng, 5)}`,
  runnerpod: (c) => `runner-${hex(c.rng, 8)}-project-${c.rng.int(100, 9999)}-concurrent-${c.rng.int(0, 9)}-${hex(c.rng, 8)}`,
  release: (c) => c.repo.name,
  chart: (c) => c.rng.pick([c.repo.name, 'common', `${c.repo.org}-service`]),
  chartver: (c) => semver(c.rng),
  secret: (c) => c.rng.pick(SECRETS),
  k8ssecret: (c) => c.rng.pick(K8S_SECRETS),
  sa: (c) => `system:serviceaccount:${c.repo.namespace}:${c.rng.pick(['deployer', 'ci-deployer', 'gitlab-runner', 'default'])}`,
  bot: (c) => c.rng.pick([`${c.repo.org}-ci-bot`, 'deploy-bot', `svc-${c.repo.name}-ci`, 'github-actions[bot]']),
  runner: (c) => c.repo.pool.runners[0],
  memmb: (c) => String(c.rng.pick([2048, 4096, 4096, 8192])),
  heapmb: (c) => String(c.rng.pick([2030, 2048, 4043, 4096])),
  gib: (c) => c.rng.pick(['3.75', '7', '7.6', '15.6', '16']),
  lintrule: (c) => c.rng.pick(LINT[c.repo.ecosystem]),
  field: (c) => c.rng.pick(FIELDS),
  tfres: (c) => c.rng.pick(TF),
  jobid: (c) => String(c.rng.int(1000000, 9999999)),
  workdir: (c) =>
    ({
      'github-actions': `/home/runner/work/${c.repo.name}/${c.repo.name}`,
      gitlab: `/builds/${c.repo.org}/${c.repo.name}`,
      buildkite: `/var/lib/buildkite-agent/builds/agent-${c.rng.int(1, 9)}/${c.repo.org}/${c.repo.name}`,
      jenkins: `/var/jenkins_home/workspace/${c.repo.name}_main`,
    })[c.repo.ci],
  cachedir: (c) => CACHE[c.repo.tool as keyof typeof CACHE] ?? '~/.cache',
  region: (c) => c.rng.pick(['us-east-1', 'eu-west-1', 'us-west-2', 'ap-southeast-1']),
  acct: (c) => String(c.rng.int(100000000000, 999999999999)),
  word: (c) => c.rng.pick(NOUNS),
  typoindex: (c) => typo(c.rng, c.repo.packageIndex),
  typoregistry: (c) => typo(c.rng, c.repo.registry),
  typogit: (c) => typo(c.rng, c.repo.gitHost),
  typohost: (c, b) => typo(c.rng, b.get('host')),
  certstart: (c) => new Date(c.atMs + c.rng.int(1, 40) * 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  certend: (c) => new Date(c.atMs - c.rng.int(1, 40) * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'),
  buildcmd: (c) => COMMANDS[c.repo.tool]?.build?.[0] ?? 'make build',
  cmd: (c, b) => fillTemplate(c.step === 'deploy' ? DEPLOY_COMMANDS[c.repo.deployTool] : c.rng.pick(COMMANDS[c.repo.tool]?.[c.step] ?? STEP_COMMANDS[c.step] ?? ['make ci']), b),
  area: (c) => c.rng.pick(AREAS),
};

/** The values of one failure's placeholders. */
export class ParamBag {
  private values = new Map<string, string>();
  private drawnTest: { name: string; file: string; short: string } | undefined;

  constructor(
    private readonly ctx: ParamCtx,
    presets: Record<string, string> = {},
  ) {
    for (const [k, v] of Object.entries(presets)) this.values.set(k, v);
  }

  /** The stream the values are drawn from. */
  get rng(): Rng {
    return this.ctx.rng;
  }

  get(name: string): string {
    let v = this.values.get(name);
    if (v !== undefined) return v;
    const base = name.replace(/\d+$/, '');
    const gen = GEN[base];
    if (!gen) throw new Error(`no value for template placeholder {${name}}`);
    v = gen(this.ctx, this);
    this.values.set(name, v);
    return v;
  }

  /** Fix a value (one the failure decided after the bag was made, such as its exit code). */
  set(name: string, value: string): void {
    this.values.set(name, value);
  }

  /** The test a test-step message names, when the world did not name one. */
  test(): { name: string; file: string; short: string } {
    this.drawnTest ??= testName(this.ctx.rng, this.ctx.repo.ecosystem, this.ctx.step === 'integration-tests');
    return this.drawnTest;
  }
}

/** Replace every `{=a|b|c}` by one of its options (options may hold placeholders and further choices). */
function choose(text: string, rng: Rng): string {
  let out = '';
  let i = 0;
  for (let at = text.indexOf('{=', i); at >= 0; at = text.indexOf('{=', i)) {
    out += text.slice(i, at);
    const options: string[] = [];
    let depth = 0;
    let start = at + 2;
    let j = start;
    for (; j < text.length; j++) {
      const ch = text[j];
      if (ch === '{') depth++;
      else if (ch === '}' && depth-- === 0) break;
      else if (ch === '|' && depth === 0) {
        options.push(text.slice(start, j));
        start = j + 1;
      }
    }
    options.push(text.slice(start, j));
    out += choose(rng.pick(options), rng);
    i = j + 1;
  }
  return out + text.slice(i);
}

/** Resolve a template's `{=a|b}` choices, then replace every `{name}` by the failure's value. */
export const fillTemplate = (text: string, bag: ParamBag): string =>
  (text.includes('{=') ? choose(text, bag.rng) : text).replace(/\{([a-z][a-z0-9]*)\}/g, (_, name: string) => bag.get(name));
