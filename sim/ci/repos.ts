// The repositories of the CI world (one per simulated service), their tool chains, test suites with per-test flake
// rates, and the runner pools their jobs run on.
import type { Rng } from '../../lib/rng.ts';
import type { Service } from '../topology.ts';
import type { CiDb, CiSystem, Ecosystem } from './types.ts';
import { testName } from './vocab.ts';

export interface CiTest {
  name: string;
  file: string;
  short: string;
  integration: boolean;
  /** Chance the test fails on a run of a healthy commit (0 for most tests). */
  flakeRate: number;
}

export interface RunnerPool {
  id: string;
  ci: CiSystem;
  /** A fresh machine per job (hosted runners): nothing a previous job left behind can reach the next. */
  ephemeral: boolean;
  /** Chance a retry lands on the runner that ran the failed attempt. */
  stickiness: number;
  runners: string[];
}

export interface CiRepo {
  name: string;
  org: string;
  team: string;
  tzOffset: number;
  ecosystem: Ecosystem;
  ci: CiSystem;
  pool: RunnerPool;
  /** Package-manager flavour: npm/yarn/pnpm, pip/poetry, maven/gradle, go, cargo. */
  tool: string;
  image: string;
  /** Container registry host the image goes to. */
  registry: string;
  /** Package index or mirror the install step talks to. */
  packageIndex: string;
  /** The Git host the checkout step fetches from. */
  gitHost: string;
  db: CiDb | null;
  hasLint: boolean;
  containerised: boolean;
  deployTool: 'helm' | 'kubectl' | 'terraform' | 'pulumi';
  namespace: string;
  /** Port the application is meant to listen on. */
  appPort: number;
  /** The install or image step runs apt-get. */
  usesApt: boolean;
  unitTests: CiTest[];
  integrationTests: CiTest[];
  /** The package manager or build tool and the deploy tool, for choosing messages. */
  tools: string[];
  /** Chance an integration or migrate step starts before its database container is ready. */
  serviceRaceRate: number;
  /** Automatic retries of a failed step (immediately), before a person may rerun it. */
  autoRetries: number;
  /** Chance a person reruns a pipeline that still failed after the automatic retries. */
  rerunShare: number;
  pipelinesPerWorkday: number;
}

const TOOLS: Record<Ecosystem, [string, number][]> = {
  node: [['npm', 0.5], ['yarn', 0.25], ['pnpm', 0.25]],
  python: [['pip', 0.6], ['poetry', 0.4]],
  jvm: [['maven', 0.5], ['gradle', 0.5]],
  go: [['go', 1]],
  rust: [['cargo', 1]],
};
const PACKAGE_INDEX: Record<string, string[]> = {
  npm: ['registry.npmjs.org', 'npm.pkg.github.com', 'nexus.{org}.internal'],
  yarn: ['registry.yarnpkg.com', 'registry.npmjs.org', 'artifactory.{org}.internal'],
  pnpm: ['registry.npmjs.org', 'nexus.{org}.internal'],
  pip: ['pypi.org', 'files.pythonhosted.org', 'artifactory.{org}.internal'],
  poetry: ['pypi.org', 'nexus.{org}.internal'],
  maven: ['repo.maven.apache.org', 'nexus.{org}.internal', 'repo1.maven.org'],
  gradle: ['repo.maven.apache.org', 'plugins.gradle.org', 'artifactory.{org}.internal'],
  go: ['proxy.golang.org', 'goproxy.{org}.internal'],
  cargo: ['index.crates.io', 'static.crates.io'],
};
const REGISTRIES = ['ghcr.io', '{acct}.dkr.ecr.us-east-1.amazonaws.com', 'registry.gitlab.com', 'harbor.{org}.internal', 'europe-docker.pkg.dev', 'docker.io'];
const ORGS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'vandelay', 'wonka', 'stark'];

/** The pools for one world; repos of a CI system share its pools. */
export function makePools(rng: Rng): RunnerPool[] {
  const named = (prefix: string, n: number, pad = 2) => Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(pad, '0')}`);
  return [
    { id: 'gha-hosted', ci: 'github-actions', ephemeral: true, stickiness: 0, runners: named('GitHub Actions ', 60, 1) },
    { id: 'gha-self', ci: 'github-actions', ephemeral: false, stickiness: 0.4, runners: named('ci-runner-', rng.int(6, 14)) },
    { id: 'gitlab', ci: 'gitlab', ephemeral: false, stickiness: 0.5, runners: named('gitlab-runner-', rng.int(6, 12)) },
    { id: 'buildkite', ci: 'buildkite', ephemeral: false, stickiness: 0.3, runners: Array.from({ length: rng.int(8, 16) }, () => `i-0${Array.from({ length: 16 }, () => '0123456789abcdef'[rng.int(0, 15)]).join('')}`) },
    { id: 'jenkins', ci: 'jenkins', ephemeral: false, stickiness: 0.6, runners: named('agent-linux-', rng.int(4, 9)) },
  ];
}

function suite(rng: Rng, eco: Ecosystem, n: number, integration: boolean): CiTest[] {
  const seen = new Set<string>();
  const tests: CiTest[] = [];
  for (let i = 0; tests.length < n && i < n * 4; i++) {
    const t = testName(rng, eco, integration);
    if (seen.has(t.name)) continue;
    seen.add(t.name);
    tests.push({ ...t, integration, flakeRate: 0 });
  }
  // Most tests never flake; a few do, at 1-30 % (log-uniform), more of them among integration tests.
  const flaky = Math.min(tests.length, rng.poisson(integration ? 1.3 : 0.9));
  for (const i of rng.sample(tests.length, flaky)) tests[i].flakeRate = Math.exp(rng.uniform(Math.log(0.01), Math.log(0.3)));
  return tests;
}

/** One repository per service, with its tool chain, tests and CI habits. */
export function makeRepos(rng: Rng, services: readonly Service[], pools: readonly RunnerPool[]): CiRepo[] {
  const org = rng.pick(ORGS);
  const acct = String(rng.int(100000000000, 999999999999));
  return services.map((svc) => {
    const ecosystem = (['node', 'python', 'jvm', 'go', 'rust'] as const)[rng.weighted([0.32, 0.24, 0.2, 0.17, 0.07])];
    const ci = (['github-actions', 'gitlab', 'buildkite', 'jenkins'] as const)[rng.weighted([0.45, 0.3, 0.15, 0.1])];
    const poolId = ci === 'github-actions' ? (rng.bernoulli(0.3) ? 'gha-self' : 'gha-hosted') : ci;
    const pool = pools.find((p) => p.id === poolId)!;
    const tools = TOOLS[ecosystem];
    const tool = tools[rng.weighted(tools.map((x) => x[1]))][0];
    const fill = (s: string) => s.replace('{org}', org).replace('{acct}', acct);
    const registry = fill(ci === 'gitlab' && rng.bernoulli(0.6) ? 'registry.gitlab.com' : rng.pick(REGISTRIES));
    const db = svc.tier === 'datastore' || rng.bernoulli(0.45) ? rng.pick(['postgres', 'postgres', 'mysql', 'redis', 'kafka'] as const) : null;
    const nInt = rng.bernoulli(0.65) ? rng.int(8, 70) : 0;
    const deployTool = (['helm', 'kubectl', 'terraform', 'pulumi'] as const)[rng.weighted([0.52, 0.28, 0.14, 0.06])];
    return {
      name: svc.name,
      org,
      team: svc.team,
      tzOffset: svc.teamTzOffset,
      ecosystem,
      ci,
      pool,
      tool,
      image: `${org}/${svc.name}`,
      registry,
      packageIndex: fill(rng.pick(PACKAGE_INDEX[tool])),
      gitHost: ci === 'github-actions' ? 'github.com' : ci === 'gitlab' ? `gitlab.${org}.com` : rng.pick(['github.com', `git.${org}.internal`]),
      db,
      hasLint: rng.bernoulli(0.85),
      containerised: rng.bernoulli(0.9),
      deployTool,
      tools: [tool, deployTool],
      namespace: rng.pick([svc.name, svc.team.replace('team-', 'team'), 'apps', 'staging']),
      appPort: rng.pick([3000, 8000, 8080, 8080, 8443, 9000, 5000]),
      usesApt: rng.bernoulli(ecosystem === 'python' || ecosystem === 'rust' ? 0.6 : 0.3),
      unitTests: suite(rng, ecosystem, rng.int(40, 400), false),
      integrationTests: nInt ? suite(rng, ecosystem, nInt, true) : [],
      serviceRaceRate: db ? rng.uniform(0, 0.1) : 0,
      autoRetries: [0, 1, 2][rng.weighted([0.4, 0.4, 0.2])],
      rerunShare: rng.uniform(0.3, 0.8),
      pipelinesPerWorkday: rng.lognormal(1, 0.45),
    };
  });
}
