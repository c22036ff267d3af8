// Word lists and small name generators for CI logs: package names per ecosystem, source files, test names,
// versions, hashes, addresses. Everything draws from the Rng it is given.
import type { Rng } from '../../lib/rng.ts';
import type { Ecosystem } from './types.ts';

export const PACKAGES: Record<Ecosystem, readonly string[]> = {
  node: [
    'lodash', 'express', 'react', 'react-dom', 'axios', 'webpack', 'typescript', 'jest', 'eslint', '@babel/core', 'pg',
    'ioredis', 'zod', 'fastify', 'prisma', 'date-fns', 'uuid', 'dotenv', 'vite', '@aws-sdk/client-s3', 'sharp', 'esbuild',
    'node-gyp', 'bcrypt', 'kafkajs', '@grpc/grpc-js', 'pino', 'yargs', 'semver', 'ws',
  ],
  python: [
    'requests', 'numpy', 'pandas', 'django', 'flask', 'fastapi', 'sqlalchemy', 'pydantic', 'boto3', 'psycopg2-binary',
    'celery', 'pytest', 'uvicorn', 'cryptography', 'grpcio', 'protobuf', 'redis', 'httpx', 'orjson', 'alembic', 'lxml',
    'pyyaml', 'structlog', 'tenacity',
  ],
  jvm: [
    'org.springframework.boot:spring-boot-starter-web', 'com.fasterxml.jackson.core:jackson-databind', 'org.postgresql:postgresql',
    'io.grpc:grpc-netty-shaded', 'org.apache.kafka:kafka-clients', 'com.google.guava:guava', 'org.junit.jupiter:junit-jupiter',
    'io.micrometer:micrometer-core', 'org.projectlombok:lombok', 'org.testcontainers:postgresql', 'org.flywaydb:flyway-core',
    'io.netty:netty-handler', 'org.slf4j:slf4j-api', 'software.amazon.awssdk:s3', 'org.mockito:mockito-core',
  ],
  go: [
    'github.com/stretchr/testify', 'google.golang.org/grpc', 'github.com/jackc/pgx/v5', 'go.uber.org/zap', 'github.com/spf13/cobra',
    'github.com/prometheus/client_golang', 'golang.org/x/sync', 'github.com/redis/go-redis/v9', 'go.opentelemetry.io/otel',
    'github.com/aws/aws-sdk-go-v2', 'github.com/google/uuid', 'golang.org/x/net', 'github.com/gorilla/mux', 'k8s.io/client-go',
  ],
  rust: [
    'serde', 'tokio', 'reqwest', 'hyper', 'axum', 'sqlx', 'tracing', 'anyhow', 'clap', 'rustls', 'prost', 'tonic', 'serde_json',
    'thiserror', 'futures', 'bytes', 'chrono', 'uuid', 'openssl-sys', 'ring',
  ],
};

export const AREAS = [
  'handlers', 'service', 'store', 'client', 'api', 'model', 'util', 'config', 'worker', 'cache', 'auth', 'billing', 'events',
  'export', 'search', 'routing', 'queue', 'session', 'payments', 'inventory', 'pricing', 'metrics', 'webhooks', 'orders',
];
export const NOUNS = [
  'order', 'invoice', 'coupon', 'user', 'session', 'cart', 'refund', 'payment', 'token', 'webhook', 'report', 'shipment',
  'account', 'price', 'discount', 'subscription', 'message', 'batch', 'export', 'tenant', 'quota', 'address', 'ledger', 'event',
];
const VERBS = [
  'creates', 'updates', 'deletes', 'retries', 'expires', 'paginates', 'rejects', 'accepts', 'merges', 'rounds', 'renders',
  'validates', 'caches', 'publishes', 'consumes', 'reconciles', 'schedules', 'cancels', 'refreshes', 'imports',
];
const CONDITIONS = [
  'on timeout', 'after ttl', 'with coupon', 'when empty', 'under load', 'for partial refund', 'with unicode name', 'on retry',
  'when upstream returns 503', 'with stale cache', 'across tenants', 'in parallel', 'at midnight utc', 'with missing field',
  'after restart', 'for large batch', 'with expired token', 'on conflict',
];

export const hex = (rng: Rng, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += '0123456789abcdef'[rng.int(0, 15)];
  return s;
};
export const uuid = (rng: Rng): string => `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${'89ab'[rng.int(0, 3)]}${hex(rng, 3)}-${hex(rng, 12)}`;
export const semver = (rng: Rng): string => `${rng.int(0, 6)}.${rng.int(0, 40)}.${rng.int(0, 20)}`;
export const privateIp = (rng: Rng): string =>
  rng.bernoulli(0.7) ? `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(2, 254)}` : `172.${rng.int(16, 31)}.${rng.int(0, 255)}.${rng.int(2, 254)}`;
export const publicIp = (rng: Rng): string => `${rng.pick([3, 13, 18, 34, 35, 44, 52, 54, 104, 140, 151, 185])}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;

const camel = (s: string) => s.replace(/(^|[-_ ])(\w)/g, (_, __, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[^a-z0-9]+/gi, '_').toLowerCase();

/** A test: its display name, the file or class that holds it, and the short name used in CLI filters. */
export interface TestName {
  name: string;
  file: string;
  short: string;
}

/** A plausible test name for a test runner of the ecosystem. */
export function testName(rng: Rng, eco: Ecosystem, integration: boolean): TestName {
  const area = rng.pick(AREAS);
  const noun = rng.pick(NOUNS);
  const phrase = `${rng.pick(VERBS)} ${noun} ${rng.pick(CONDITIONS)}`;
  switch (eco) {
    case 'node': {
      const file = `${integration ? 'test/integration' : 'src'}/${area}/${noun}${integration ? '.int' : ''}.test.ts`;
      return { name: `${camel(noun)} › ${phrase}`, file, short: phrase };
    }
    case 'python': {
      const file = `tests/${integration ? 'integration/' : ''}test_${area}_${noun}.py`;
      const fn = `test_${snake(phrase)}`;
      return { name: `${file}::${fn}`, file, short: fn };
    }
    case 'jvm': {
      const cls = `com.acme.${area}.${camel(noun)}${integration ? 'IT' : 'Test'}`;
      const m = `${phrase.split(' ')[0]}${camel(phrase.split(' ').slice(1).join(' '))}`.replace(/[^A-Za-z0-9]/g, '');
      return { name: `${cls}.${m}`, file: cls, short: m };
    }
    case 'go': {
      const fn = `Test${camel(noun)}${camel(rng.pick(VERBS))}/${snake(rng.pick(CONDITIONS))}`;
      return { name: fn, file: `internal/${area}`, short: fn };
    }
    case 'rust': {
      const fn = `${area}::tests::${snake(phrase)}`;
      return { name: fn, file: `src/${area}/mod.rs`, short: fn };
    }
  }
}

/** A source file path of the ecosystem. */
export function sourceFile(rng: Rng, eco: Ecosystem): string {
  const area = rng.pick(AREAS);
  const noun = rng.pick(NOUNS);
  switch (eco) {
    case 'node':
      return `src/${area}/${noun}${rng.pick(['', 'Service', 'Repository', 'Handler'])}.ts`;
    case 'python':
      return `app/${area}/${noun}${rng.pick(['', '_service', '_repo', '_views'])}.py`;
    case 'jvm':
      return `src/main/java/com/acme/${area}/${camel(noun)}${rng.pick(['', 'Service', 'Repository', 'Controller'])}.java`;
    case 'go':
      return `internal/${area}/${noun}${rng.pick(['', '_service', '_store', '_handler'])}.go`;
    case 'rust':
      return `src/${area}/${noun}.rs`;
  }
}

export const javaClassOf = (path: string): string => path.replace(/^.*\/java\//, '').replace(/\.java$/, '').replaceAll('/', '.');
