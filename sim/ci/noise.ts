// The ordinary output around an error in a CI log, in the order a job prints it: the CI system's job preamble,
// then the step's tool at work (fetch progress, downloads, compiler and test-runner chatter, image layers, rollout
// waits), and the tool's own wrap-up after a failure. A log tail keeps the last lines of it. Values that belong to
// the failure (work directory, index host, image) come from its ParamBag; the rest is drawn per line.
import type { Rng } from '../../lib/rng.ts';
import type { CiRepo } from './repos.ts';
import type { CiStep } from './types.ts';
import type { ParamBag } from './params.ts';
import { PACKAGES, AREAS, NOUNS, hex, semver, testName, sourceFile } from './vocab.ts';
import { stepHeader } from './ci-style.ts';

/** Helpers for one log's noise lines. */
export class NoiseCtx {
  constructor(
    readonly rng: Rng,
    readonly repo: CiRepo,
    readonly step: CiStep,
    readonly bag: ParamBag,
  ) {}
  n(lo: number, hi: number): number {
    return this.rng.int(lo, hi);
  }
  f(lo: number, hi: number, d = 2): string {
    return this.rng.uniform(lo, hi).toFixed(d);
  }
  pick<T>(xs: readonly T[]): T {
    return this.rng.pick(xs);
  }
  pkg(): string {
    return this.rng.pick(PACKAGES[this.repo.ecosystem]);
  }
  ver(): string {
    return semver(this.rng);
  }
  hex(n: number): string {
    return hex(this.rng, n);
  }
  /** A test of the repository's suite for this step (a passing neighbour of the failing one). */
  test(): { name: string; file: string; short: string } {
    const suite = this.step === 'integration-tests' && this.repo.integrationTests.length ? this.repo.integrationTests : this.repo.unitTests;
    return suite.length ? this.rng.pick(suite) : testName(this.rng, this.repo.ecosystem, false);
  }
  file(): string {
    return sourceFile(this.rng, this.repo.ecosystem);
  }
  get(name: string): string {
    return this.bag.get(name);
  }
}

/** A line (or a few, separated by \n); `j` counts the repetitions of the part it belongs to. */
type Line = (g: NoiseCtx, j: number) => string;

/** A stretch of output: lines printed once, then lines repeated a few times, then lines printed once. */
interface Part {
  once?: Line[];
  each?: Line[];
  /** How often `each` repeats; the last part of a script repeats as often as the tail needs. */
  times?: [number, number];
  end?: Line[];
}

const mmdd = (g: NoiseCtx) => `${String(g.n(1, 12)).padStart(2, '0')}${String(g.n(1, 28)).padStart(2, '0')}`;

/** The CI system's job preamble: runner, image, source checkout. */
function preamble(g: NoiseCtx): Part[] {
  switch (g.repo.ci) {
    case 'github-actions':
      return [{ once: [
        () => `Current runner version: '2.${g.n(315, 321)}.0'`,
        () => `Runner name: '${g.get('runner')}'`,
        () => 'Operating System\n  Ubuntu\n  22.04.4\n  LTS',
        () => `Runner Image\n  Image: ubuntu-22.04\n  Version: 2024${mmdd(g)}.1.0`,
        () => 'GITHUB_TOKEN Permissions\n  Contents: read\n  Metadata: read\n  Packages: write',
        () => 'Secret source: Actions',
        () => 'Prepare workflow directory\nPrepare all required actions\nGetting action download info',
        () => `Download action repository 'actions/checkout@v4' (SHA:${g.hex(40)})`,
        () => `Download action repository 'actions/setup-${{ node: 'node', python: 'python', jvm: 'java', go: 'go', rust: 'rust' }[g.repo.ecosystem]}@v${g.n(3, 5)}' (SHA:${g.hex(40)})`,
        () => `Complete job name: ${g.step}`,
        () => `Syncing repository: ${g.get('org')}/${g.get('repo')}`,
        () => `/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +${g.hex(40)}:refs/remotes/origin/${g.get('branch')}`,
        () => `HEAD is now at ${g.hex(7)} ${g.pick(['fix', 'feat', 'chore', 'refactor'])}(${g.pick(AREAS)}): ${g.pick(['handle', 'add', 'bump', 'drop'])} ${g.pick(NOUNS)} ${g.pick(['retries', 'limits', 'ids', 'fields'])}`,
      ] }];
    case 'gitlab':
      return [{ once: [
        () => `Running with gitlab-runner 17.${g.n(0, 6)}.${g.n(0, 3)} (${g.hex(8)})`,
        () => `  on ${g.get('runner')} ${g.hex(8)}, system ID: s_${g.hex(12)}`,
        () => 'Preparing the "docker" executor',
        () => `Using Docker executor with image ${g.get('baseimage')} ...`,
        () => `Pulling docker image ${g.get('baseimage')} ...`,
        () => `Using docker image sha256:${g.hex(64)} for ${g.get('baseimage')} with digest ${g.get('baseimage').split(':')[0]}@sha256:${g.hex(64)} ...`,
        () => 'Preparing environment',
        () => `Running on runner-${g.hex(8)}-project-${g.n(100, 9999)}-concurrent-0 via ${g.get('runner')}...`,
        () => 'Getting source from Git repository',
        () => 'Fetching changes with git depth set to 20...',
        () => `Reinitialized existing Git repository in ${g.get('workdir')}/.git/`,
        () => `Checking out ${g.hex(8)} as detached HEAD (ref is ${g.get('branch')})...`,
        () => 'Skipping Git submodules setup',
        () => 'Restoring cache',
        () => `Checking cache for ${g.get('repo')}-${g.get('branch').replace(/\//g, '-')}-${g.n(1, 9)}-protected...`,
        () => 'Successfully extracted cache',
      ] }];
    case 'buildkite':
      return [{ once: [
        () => '~~~ Running global environment hook',
        () => '~~~ Preparing working directory',
        () => `$ cd ${g.get('workdir')}`,
        () => `$ git remote set-url origin git@${g.get('githost')}:${g.get('org')}/${g.get('repo')}.git`,
        () => '$ git clean -ffxdq',
        () => `$ git fetch -v --prune -- origin ${g.get('branch')}`,
        () => `From ${g.get('githost')}:${g.get('org')}/${g.get('repo')}\n * branch            ${g.get('branch')} -> FETCH_HEAD`,
        () => `$ git checkout -f ${g.hex(40)}`,
        () => `HEAD is now at ${g.hex(7)} Merge pull request #${g.n(100, 9999)} from ${g.get('org')}/${g.get('branch')}`,
        () => '~~~ Running commands',
      ] }];
    case 'jenkins':
      return [{ once: [
        () => `Started by ${g.pick(['an SCM change', 'GitHub push by ' + g.get('bot'), 'user deploy-bot'])}`,
        () => `Obtained Jenkinsfile from git https://${g.get('githost')}/${g.get('org')}/${g.get('repo')}.git`,
        () => '[Pipeline] Start of Pipeline\n[Pipeline] node',
        () => `Running on ${g.get('runner')} in ${g.get('workdir')}`,
        () => '[Pipeline] {\n[Pipeline] stage\n[Pipeline] { (Declarative: Checkout SCM)\n[Pipeline] checkout',
        () => 'The recommended git tool is: NONE',
        () => 'Fetching changes from the remote Git repository',
        () => `Checking out Revision ${g.hex(40)} (origin/${g.get('branch')})`,
        () => `Commit message: "${g.pick(['fix', 'feat', 'chore'])}: ${g.pick(['handle', 'add', 'bump'])} ${g.pick(NOUNS)} ${g.pick(['retries', 'limits', 'ids'])}"`,
        () => `[Pipeline] }\n[Pipeline] // stage\n[Pipeline] stage\n[Pipeline] { (${g.step})\n[Pipeline] sh`,
      ] }];
  }
}

const APT: Part = {
  once: [
    (g) => `+ apt-get update -qq && apt-get install -y --no-install-recommends ${g.get('aptpkg')}`,
    (g) => `Hit:1 http://deb.debian.org/debian bookworm InRelease\nGet:2 http://deb.debian.org/debian bookworm-updates InRelease [${g.n(40, 60)}.${g.n(1, 9)} kB]`,
    (g) => `Fetched ${g.n(1, 30)}.${g.n(1, 9)} MB in ${g.n(1, 6)}s (${g.n(1, 9)} MB/s)`,
    () => 'Reading package lists...\nBuilding dependency tree...\nReading state information...',
    (g) => `The following NEW packages will be installed:\n  ${g.get('aptpkg')} ${g.get('aptpkg2')}`,
  ],
  each: [(g, j) => `Get:${j + 1} http://deb.debian.org/debian bookworm/main amd64 ${g.get('aptpkg')} amd64 ${g.ver()}-1 [${g.n(10, 3000)} kB]`],
  times: [1, 5],
};

function install(g: NoiseCtx): Part[] {
  const pre = g.repo.usesApt ? [APT] : [];
  switch (g.repo.tool) {
    case 'npm':
      return [...pre, { each: [(g) => `npm WARN deprecated ${g.pkg()}@${g.ver()}: ${g.pick(['This version is no longer supported.', 'Please upgrade to a maintained version.', 'Use the native API instead.', 'Rimraf versions prior to v4 are no longer supported'])}`, (g) => `npm http fetch GET 200 https://${g.get('pkgindex')}/${g.pkg()} ${g.n(20, 900)}ms (cache ${g.pick(['revalidated', 'miss', 'hit'])})`] }];
    case 'yarn':
      return [...pre, { once: [() => `yarn install v1.22.${19 + (g.n(0, 3))}`, () => '[1/4] Resolving packages...', () => '[2/4] Fetching packages...'], each: [(g) => `warning ${g.pkg()} > ${g.pkg()}@${g.ver()}: ${g.pick(['This version is no longer supported.', 'Package no longer supported.', 'has unmet peer dependency'])}`] }];
    case 'pnpm':
      return [...pre, { once: [() => 'Lockfile is up to date, resolution step is skipped', (g) => `Packages: +${g.n(200, 1500)}`], each: [(_g, j) => `Progress: resolved ${40 * (j + 1)}, reused ${38 * (j + 1)}, downloaded ${2 * j}, added ${30 * j}`] }];
    case 'pip':
      return [...pre, { each: [(g) => { const p = g.pkg(); return `Collecting ${p}==${g.ver()}\n  Downloading ${p.replace(/-/g, '_')}-${g.ver()}-py3-none-any.whl (${g.n(8, 900)} kB)\n     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ ${g.f(0.1, 9, 1)}/${g.f(0.1, 9, 1)} MB ${g.f(5, 90, 1)} MB/s eta 0:00:00`; }] }];
    case 'poetry':
      return [...pre, { once: [() => 'Installing dependencies from lock file', (g) => `\nPackage operations: ${g.n(20, 180)} installs, 0 updates, 0 removals\n`], each: [(g) => `  - Installing ${g.pkg()} (${g.ver()})`] }];
    case 'maven':
      return [{ once: [() => '[INFO] Scanning for projects...', (g) => `[INFO] \n[INFO] -----------------------< com.${g.get('org')}:${g.get('repo')} >-----------------------\n[INFO] Building ${g.get('repo')} 1.0.0-SNAPSHOT\n[INFO]   from pom.xml\n[INFO] --------------------------------[ jar ]---------------------------------`], each: [(g) => { const a = g.pkg().split(':'); const v = g.ver(); const path = `${a[0].replace(/\./g, '/')}/${a[1]}/${v}/${a[1]}-${v}`; return `[INFO] Downloading from central: https://${g.get('pkgindex')}/maven2/${path}.pom\n[INFO] Downloaded from central: https://${g.get('pkgindex')}/maven2/${path}.pom (${g.n(1, 40)} kB at ${g.n(100, 9000)} kB/s)`; }] }];
    case 'gradle':
      return [{ once: [(g) => `Downloading https://services.gradle.org/distributions/gradle-8.${g.n(4, 10)}-bin.zip`, () => '.............10%.............20%.............30%.............40%.............50%.............60%.............70%.............80%.............90%.............100%', (g) => `\nWelcome to Gradle 8.${g.n(4, 10)}!`, () => 'Starting a Gradle Daemon (subsequent builds will be faster)'], each: [(g) => `> Task :${g.pick(['dependencies', 'compileJava', 'processResources', 'resolveAllDependencies'])}`] }];
    case 'go':
      return [...pre, { each: [(g) => `go: downloading ${g.pkg()} v${g.ver()}`] }];
    default:
      return [...pre, { once: [() => '    Updating crates.io index'], each: [(g) => `  Downloaded ${g.pkg()} v${g.ver()}`] }];
  }
}

function lint(g: NoiseCtx): Part[] {
  switch (g.repo.ecosystem) {
    case 'node':
      return [{ once: [(g) => `> ${g.get('repo')}@1.0.0 lint\n> eslint . --max-warnings 0`], each: [(g) => `${g.get('workdir')}/${g.file()}\n  ${g.n(1, 400)}:${g.n(1, 60)}  warning  ${g.pick(['Unexpected console statement  no-console', 'Unexpected any. Specify a different type  @typescript-eslint/no-explicit-any', "'_' is defined but never used  @typescript-eslint/no-unused-vars"])}\n`] }];
    case 'python':
      return [{ once: [() => '+ ruff check .', () => 'All checks passed!', () => '+ mypy app'], each: [(g) => `${g.file()}:${g.n(1, 400)}: note: By default the bodies of untyped functions are not checked, consider using --check-untyped-defs  [annotation-unchecked]`] }];
    case 'jvm':
      return g.repo.tool === 'maven'
        ? [{ once: [(g) => `[INFO] --- checkstyle:3.3.1:check (validate) @ ${g.get('repo')} ---`, () => '[INFO] Starting audit...'], each: [(g) => `[WARN] ${g.get('workdir')}/${g.file()}:${g.n(1, 400)}:${g.n(1, 80)}: ${g.pick(["'{' at column 5 should be on the previous line. [LeftCurly]", 'Missing a Javadoc comment. [MissingJavadocMethod]', "Line is longer than 100 characters (found 113). [LineLength]"])}`] }]
        : [{ once: [], each: [(g) => `> Task :${g.pick(['spotlessJava', 'spotlessKotlin', 'checkstyleMain', 'checkstyleTest', 'compileJava'])}`] }];
    case 'go':
      return [{ once: [(g) => `level=info msg="[config_reader] Config search paths: [./ ${g.get('workdir')} /home /]"`, (g) => `level=info msg="[lintersdb] Active ${g.n(8, 30)} linters: [errcheck gosimple govet ineffassign staticcheck unused]"`, (g) => `level=info msg="[loader] Go packages loading at mode 575 (compiled_files|deps|exports_file|files|imports|name|types_sizes) took ${g.f(1, 20)}s"`], each: [(g) => `level=info msg="[runner/filename_unadjuster] Pre-built ${g.n(0, 3)} adjustments in ${g.f(1, 90)}ms"`], times: [1, 2] }, { once: [(g) => `level=info msg="[runner] linters took ${g.f(1, 40)}s with stages: goanalysis_metalinter: ${g.f(1, 30)}s"`], each: [(g) => `level=info msg="[runner/max_same_issues] ${g.n(1, 9)}/${g.n(10, 20)} issues with text \\"${g.pick(['should have comment', 'error strings should not be capitalized'])}\\" were hidden, use --max-same-issues"`] }];
    default:
      return [{ once: [], each: [(g) => `    Checking ${g.pkg()} v${g.ver()}`] }];
  }
}

function build(g: NoiseCtx): Part[] {
  switch (g.repo.ecosystem) {
    case 'node':
      return [{ once: [(g) => `> ${g.get('repo')}@1.0.0 build\n> tsc -p tsconfig.build.json && vite build`, (g) => `vite v5.${g.n(0, 4)}.${g.n(0, 20)} building for production...`, () => 'transforming...'], each: [(g) => `${g.pick(['src', 'node_modules/.vite'])}/${g.pick(AREAS)}/${g.pick(NOUNS)}.ts (${g.n(1, 40)} modules)`] }];
    case 'python':
      return [{ once: [() => '* Creating isolated environment: venv+pip...', () => '* Installing packages in isolated environment:\n  - setuptools >= 61\n  - wheel', () => '* Building wheel...', () => 'running bdist_wheel\nrunning build\nrunning build_py'], each: [(g) => `copying ${g.file()} -> build/lib/app/${g.pick(AREAS)}`] }];
    case 'jvm':
      return g.repo.tool === 'maven'
        ? [{ once: [(g) => `[INFO] --- resources:3.3.1:resources (default-resources) @ ${g.get('repo')} ---\n[INFO] Copying ${g.n(1, 20)} resources from src/main/resources to target/classes`, (g) => `[INFO] --- compiler:3.13.0:compile (default-compile) @ ${g.get('repo')} ---`, () => '[INFO] Recompiling the module because of changed source code.', (g) => `[INFO] Compiling ${g.n(20, 900)} source files with javac [debug release 21] to target/classes`], each: [(g) => `[WARNING] ${g.get('workdir')}/${g.file()}:[${g.n(1, 400)},${g.n(1, 60)}] ${g.pick(['unchecked conversion', '[deprecation] getId() in Entity has been deprecated', 'non-varargs call of varargs method with inexact argument type'])}`] }]
        : [{ once: [], each: [(g) => `> Task :${g.pick(['app', 'core', 'api'])}:${g.pick(['compileJava', 'processResources', 'classes', 'compileKotlin', 'kaptGenerateStubsKotlin', 'jar'])}`] }];
    case 'go':
      return [{ once: [() => '+ go build -v -o bin/server ./cmd/server'], each: [(g) => `github.com/${g.get('org')}/${g.get('repo')}/internal/${g.pick(AREAS)}`] }];
    default:
      return [{ once: [], each: [(g) => `   Compiling ${g.pkg()} v${g.ver()}`], end: [] }];
  }
}

function tests(g: NoiseCtx): Part[] {
  const r = g.repo;
  const services: Part[] = g.step === 'integration-tests' && r.db
    ? [{ once: [(g) => `Starting ${g.get('db')} service container`, (g) => `/usr/bin/docker pull ${g.get('svcimage')}\n${g.get('svcimage').split(':')[1] ?? 'latest'}: Pulling from library/${g.get('db')}`], each: [(g) => `${g.hex(12)}: Pull complete`], times: [2, 6], end: [(g) => `Digest: sha256:${g.hex(64)}\nStatus: Downloaded newer image for ${g.get('svcimage')}`, () => 'Waiting for all services to be ready'] }]
    : [];
  switch (r.ecosystem) {
    case 'node':
      return r.tool === 'pnpm'
        ? [...services, { once: [() => ` RUN  v1.${g.n(3, 6)}.${g.n(0, 5)} ${g.get('workdir')}\n`], each: [(g) => ` ✓ ${g.test().file} (${g.n(2, 40)} tests) ${g.n(5, 3000)}ms`] }]
        : [...services, { once: [(g) => `> ${g.get('repo')}@1.0.0 test\n> jest --ci --reporters=default`], each: [(g) => `PASS ${g.test().file}${g.rng.bernoulli(0.4) ? ` (${g.f(0.2, 9, 3)} s)` : ''}`] }];
    case 'python':
      return [...services, { once: [() => '============================= test session starts ==============================', (g) => `platform linux -- Python 3.12.${g.n(1, 7)}, pytest-8.${g.n(0, 3)}.${g.n(0, 4)}, pluggy-1.5.0\nrootdir: ${g.get('workdir')}\nconfigfile: pyproject.toml\nplugins: cov-5.0.0, xdist-3.6.1, timeout-2.3.1`, (g) => `collected ${g.get('testcount')} items\n`], each: [(g, j) => `${g.test().file} ${'.'.repeat(g.n(3, 40))}${g.pick(['', '', 's', 'x'])} [${String(Math.min(99, Math.round(100 * (1 - Math.exp(-(j + 1) / 14))))).padStart(3)}%]`] }];
    case 'jvm':
      return r.tool === 'maven'
        ? [...services, { once: [(g) => `[INFO] --- surefire:3.2.5:test (default-test) @ ${g.get('repo')} ---`, () => '[INFO] Using auto detected provider org.apache.maven.surefire.junitplatform.JUnitPlatformProvider', () => '[INFO] \n[INFO] -------------------------------------------------------\n[INFO]  T E S T S\n[INFO] -------------------------------------------------------'], each: [(g) => { const t = g.test(); const run = g.n(1, 40);
            return `[INFO] Running ${t.file}\n[INFO] Tests run: ${run}, Failures: 0, Errors: 0, Skipped: ${g.n(0, Math.min(2, run - 1))}, Time elapsed: ${g.f(0.01, 9, 3)} s -- in ${t.file}`; }] }]
        : [...services, { once: [() => '> Task :compileTestJava\n> Task :processTestResources NO-SOURCE\n> Task :testClasses', () => '\n> Task :test\n'], each: [(g) => `${g.test().file} > ${g.test().short}() PASSED`] }];
    case 'go':
      return [...services, { once: [() => `+ go test ${g.step === 'unit-tests' ? '-race' : '-tags=integration'} ./...`], each: [(g) => g.rng.bernoulli(0.15) ? `?   \tgithub.com/${g.get('org')}/${g.get('repo')}/cmd/${g.pick(['server', 'worker', 'migrate'])}\t[no test files]` : `ok  \tgithub.com/${g.get('org')}/${g.get('repo')}/internal/${g.pick(AREAS)}\t${g.f(0.01, 9, 3)}s`] }];
    default:
      return [...services, { once: [(g) => `     Running unittests src/lib.rs (target/debug/deps/${g.get('repo').replace(/-/g, '_')}-${g.hex(16)})\n\nrunning ${g.get('testcount')} tests`], each: [(g) => `test ${g.test().name} ... ok`] }];
  }
}

const IMAGE_BUILD: Part[] = [
  { once: [
    () => '#0 building with "default" instance using docker driver\n',
    (g) => `#1 [internal] load build definition from Dockerfile\n#1 transferring dockerfile: ${g.n(300, 3000)}B done\n#1 DONE 0.0s\n`,
    (g) => `#2 [internal] load metadata for docker.io/library/${g.get('baseimage')}\n#2 DONE ${g.f(0.3, 3, 1)}s\n`,
    (g) => `#3 [internal] load .dockerignore\n#3 transferring context: ${g.n(2, 900)}B done\n#3 DONE 0.0s\n`,
  ] },
  { each: [(g, j) => { const k = j + 4; return `#${k} [${g.pick(['build', 'deps', 'runtime'])} ${j + 1}/9] ${g.pick(['WORKDIR /app', 'COPY . .', `RUN ${g.get('buildcmd')}`, 'COPY --from=build /app/dist ./dist', 'RUN adduser -D app'])}\n#${k} ${g.pick(['CACHED', `DONE ${g.f(0, 90, 1)}s`, `${g.f(0.1, 60, 3)} ${g.pkg()} ${g.ver()}\n#${k} DONE ${g.f(1, 90, 1)}s`])}\n`; }] },
];

const IMAGE_PUSH: Part[] = [
  { once: [(g) => `The push refers to repository [${g.get('registry')}/${g.get('image')}]`], each: [(g) => `${g.hex(12)}: Preparing`], times: [3, 8] },
  { each: [(g) => `${g.hex(12)}: ${g.pick(['Waiting', 'Layer already exists', 'Pushed', `Pushing [${'='.repeat(g.n(1, 40))}>${' '.repeat(g.n(1, 10))}]  ${g.f(1, 90, 1)}MB/${g.f(90, 200, 1)}MB`])}`] },
];

function migrate(g: NoiseCtx): Part[] {
  switch (g.repo.ecosystem) {
    case 'jvm':
      return [{ once: [(g) => `Flyway Community Edition 10.${g.n(0, 20)}.0 by Redgate`, (g) => `Database: jdbc:${g.get('db')}://${g.get('dbhost')}:${g.get('dbport')}/app`, (g) => `Successfully validated ${g.n(5, 300)} migrations (execution time 00:00.${g.n(10, 999)}s)`, (g) => `Current version of schema "public": ${g.n(1, 300)}`], each: [(g, j) => `Migrating schema "public" to version "${300 + j} - ${g.pick(['add', 'drop', 'index'])} ${g.pick(NOUNS)}s"`] }];
    case 'python':
      return [{ once: [() => 'INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\nINFO  [alembic.runtime.migration] Will assume transactional DDL.'], each: [(g) => `INFO  [alembic.runtime.migration] Running upgrade ${g.hex(12)} -> ${g.hex(12)}, ${g.pick(['add', 'drop', 'backfill'])} ${g.pick(NOUNS)}s ${g.pick(['table', 'index', 'column'])}`] }];
    case 'node':
      return [{ once: [() => 'Prisma schema loaded from prisma/schema.prisma', (g) => `Datasource "db": PostgreSQL database "app", schema "public" at "${g.get('dbhost')}:${g.get('dbport')}"`, (g) => `\n${g.n(5, 300)} migrations found in prisma/migrations\n`], each: [(g) => `Applying migration \`2024${mmdd(g)}${g.n(100000, 235959)}_${g.pick(['add', 'drop'])}_${g.pick(NOUNS)}\``] }];
    default:
      return [{ once: [() => `+ migrate -path db/migrations -database "$DATABASE_URL" up`], each: [(g, j) => `${1700000000 + j}/u ${g.pick(['add', 'drop', 'create'])}_${g.pick(NOUNS)}s (${g.f(1, 400, 4)}ms)`] }];
  }
}

function deploy(g: NoiseCtx): Part[] {
  switch (g.repo.deployTool) {
    case 'helm':
      return [{ once: [(g) => `+ helm upgrade --install ${g.get('release')} ./chart --namespace ${g.get('ns')} --atomic --wait --debug`, (g) => `history.go:56: [debug] getting history for release ${g.get('release')}`, (g) => `upgrade.go:164: [debug] preparing upgrade for ${g.get('release')}\nupgrade.go:172: [debug] performing update for ${g.get('release')}`, (g) => `client.go:142: [debug] creating ${g.n(1, 4)} resource(s)\nwait.go:66: [debug] beginning wait for ${g.n(3, 14)} resources with timeout of 5m0s`], each: [(g) => `ready.go:${g.pick([277, 303, 425])}: [debug] Deployment is not ready: ${g.get('ns')}/${g.get('repo')}. ${g.n(0, 2)} out of 3 expected pods are ready`] }];
    case 'kubectl':
      return [{ once: [(g) => `+ kubectl apply -f k8s/ -n ${g.get('ns')}`, (g) => `configmap/${g.get('repo')}-config configured\nservice/${g.get('repo')} unchanged\ndeployment.apps/${g.get('repo')} configured\nhorizontalpodautoscaler.autoscaling/${g.get('repo')} unchanged`, (g) => `+ kubectl rollout status deployment/${g.get('repo')} -n ${g.get('ns')} --timeout=5m`], each: [(g) => `Waiting for deployment "${g.get('repo')}" rollout to finish: ${g.n(0, 2)} of 3 updated replicas are available...`] }];
    case 'pulumi':
      return [{ once: [(g) => `Updating (${g.get('org')}/staging)`, (g) => `\nView in Browser (Ctrl+O): https://app.pulumi.com/${g.get('org')}/${g.get('repo')}/staging/updates/${g.n(10, 900)}\n`, () => '     Type                              Name                 Status'], each: [(g) => ` ${g.pick(['~', ' ', '+'])}   ${g.pick(['kubernetes:apps/v1:Deployment', 'kubernetes:core/v1:Service', 'aws:s3:BucketV2', 'aws:iam:Role'])}  ${g.get('repo')}-${g.pick(NOUNS)}  ${g.pick(['updating (3s)', 'running', 'updated (2s)'])}`] }];
    default:
      return [{ once: [() => '+ terraform init -input=false', () => 'Initializing the backend...\nInitializing provider plugins...\n- Reusing previous version of hashicorp/aws from the dependency lock file', (g) => `- Using previously-installed hashicorp/aws v5.${g.n(10, 80)}.0\n\nTerraform has been successfully initialized!`, () => '+ terraform apply -input=false -auto-approve', () => 'Acquiring state lock. This may take a few moments...'], each: [(g) => `${g.get('tfres')}: Refreshing state... [id=${g.pick(NOUNS)}-${g.hex(8)}]`] }];
  }
}

const CHECKOUT: Part[] = [
  { once: [
    (g) => `Fetching submodules\nSubmodule 'vendor/${g.pick(NOUNS)}-proto' (https://${g.get('githost')}/${g.get('org')}/${g.pick(NOUNS)}-proto.git) registered for path 'vendor/${g.pick(NOUNS)}-proto'`,
    (g) => `remote: Enumerating objects: ${g.n(200, 90000)}, done.`,
  ], each: [(g, j) => `Receiving objects: ${String(Math.min(99, 7 * (j + 1))).padStart(3)}% (${g.n(10, 4000)}/${g.n(4000, 9000)}), ${g.f(0.5, 80)} MiB | ${g.f(5, 60)} MiB/s`] },
];

/** The step's script: what its log holds, in order, before the error. */
function script(g: NoiseCtx): Part[] {
  const body = (() => {
    switch (g.step) {
      case 'checkout': return CHECKOUT;
      case 'install': return install(g);
      case 'lint': return lint(g);
      case 'build': return build(g);
      case 'unit-tests':
      case 'integration-tests': return tests(g);
      case 'image-build': return IMAGE_BUILD;
      case 'image-push': return IMAGE_PUSH;
      case 'migrate': return migrate(g);
      case 'deploy': return deploy(g);
    }
  })();
  const header: Part = { once: stepHeader(g.repo.ci, g.step, g.get('cmd'), Math.floor(Number(g.get('epoch')))).map((l) => () => l) };
  return [...preamble(g), header, ...body];
}

/** The last `want` lines of the step's output before the error (fewer when the step prints little). */
export function noiseBefore(g: NoiseCtx, want: number): string[] {
  const parts = script(g);
  const out: string[] = [];
  const emit = (l: Line, j: number) => out.push(...l(g, j).split('\n'));
  parts.forEach((p, i) => {
    const last = i === parts.length - 1;
    for (const l of p.once ?? []) emit(l, 0);
    if (p.each?.length) {
      const times = last ? Infinity : g.n(...(p.times ?? [1, 4]));
      for (let j = 0; j < times && (!last || out.length < want + 5); j++) for (const l of p.each) emit(l, j);
    }
    for (const l of p.end ?? []) emit(l, 0);
  });
  return out.slice(-want);
}

const MAKE_TARGET: Record<CiStep, string> = {
  checkout: 'checkout', install: 'deps', lint: 'lint', build: 'build', 'unit-tests': 'test', 'integration-tests': 'test-integration',
  'image-build': 'image', 'image-push': 'push', migrate: 'migrate', deploy: 'deploy',
};

/** Lines a tool prints after its error (summaries, "see the log"), in order; the log takes a prefix of them. */
export function wrapUpLines(g: NoiseCtx): string[] {
  const r = g.repo;
  const javaStep = ['install', 'build', 'lint', 'unit-tests', 'integration-tests'].includes(g.step);
  const exit = g.get('exitcode');
  let out: string[] = [];
  if (r.tool === 'npm' && (g.step === 'install' || g.step === 'build' || g.step === 'lint')) {
    out = [`\nnpm ERR! A complete log of this run can be found in: /home/runner/.npm/_logs/${g.get('ts').replace(/[:.]/g, '_')}-debug-0.log`];
  } else if (r.ecosystem === 'node' && g.step.endsWith('tests') && r.tool !== 'pnpm') {
    const total = g.n(6, 200);
    out = [`Test Suites: 1 failed, ${total - 1} passed, ${total} total`, `Tests:       1 failed, ${g.n(5, 400)} passed, ${g.n(401, 900)} total`, 'Snapshots:   0 total', `Time:        ${g.f(3, 300, 3)} s`, 'Ran all test suites.'];
  } else if (r.tool === 'maven' && javaStep) {
    out = ['[INFO] ------------------------------------------------------------------------', '[INFO] BUILD FAILURE', '[INFO] ------------------------------------------------------------------------', `[INFO] Total time:  ${g.n(0, 9)}:${String(g.n(0, 59)).padStart(2, '0')} min`, `[INFO] Finished at: ${g.get('ts')}`, '[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.', '[ERROR] Re-run Maven using the -X switch to enable full debug logging.'];
  } else if (r.tool === 'gradle' && javaStep) {
    out = ['', '* Try:', '> Run with --stacktrace option to get the stack trace.', '> Run with --info or --debug option to get more log output.', '', `BUILD FAILED in ${g.n(4, 600)}s`, `${g.n(3, 40)} actionable tasks: ${g.n(1, 40)} executed, ${g.n(0, 20)} up-to-date`];
  } else if (r.ecosystem === 'go' && g.step.endsWith('tests')) {
    out = ['FAIL'];
  }
  return out.length === 0 || g.rng.bernoulli(0.15) ? [...out, `make: *** [Makefile:${g.n(5, 90)}: ${MAKE_TARGET[g.step]}] Error ${exit}`] : out;
}
