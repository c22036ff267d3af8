// Writes training/retry/dev-messages.jsonl: the retry model's DEVELOPMENT set of real-style CI failure messages.
// Each error below was written by hand in the wording real tools and CI systems use (npm, yarn, pnpm, pip, poetry,
// Maven, Gradle, Go, cargo, docker/buildx and the registries, apt, helm, kubectl, terraform, git, the test runners,
// GitHub Actions, GitLab, Buildkite, Jenkins), labelled by what a rerun does in practice, and wrapped in the ordinary
// output a job prints before it (the CI's preamble, the tool at work) and the CI's footer after it. The set is for
// choosing features and options and for seeing which wordings the simulator lacks; it never fits weights or chooses
// the threshold. Deterministic: the same file every run.
//   npx tsx scripts/make-retry-dev-set.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Ci = 'gha' | 'gitlab' | 'buildkite' | 'jenkins';
interface Entry { retry: boolean; category: string; source: string; step: string; exit: number; ctx: string; text: string; ci?: Ci; system?: boolean }
const E: Entry[] = [];
const R = (category: string, source: string, step: string, exit: number, ctx: string, text: string, o: { ci?: Ci; system?: boolean } = {}) => E.push({ retry: true, category, source, step, exit, ctx, text, ...o });
const F = (category: string, source: string, step: string, exit: number, ctx: string, text: string, o: { ci?: Ci; system?: boolean } = {}) => E.push({ retry: false, category, source, step, exit, ctx, text, ...o });

// ---- what the tool printed before the error, per context ----
const PRE: Record<string, string[]> = {
  npm: ['> npm ci --no-audit --prefer-offline', 'npm WARN deprecated inflight@1.0.6: This module is not supported, and leaks memory. Do not use it.', 'npm WARN deprecated glob@7.2.3: Glob versions prior to v9 are no longer supported', 'npm WARN deprecated rimraf@3.0.2: Rimraf versions prior to v4 are no longer supported', 'npm http fetch GET 200 https://registry.npmjs.org/@babel%2fcore 412ms (cache miss)', 'npm http fetch GET 200 https://registry.npmjs.org/webpack 388ms (cache revalidated)'],
  yarn: ['yarn install v1.22.22', '[1/4] Resolving packages...', '[2/4] Fetching packages...', 'warning Pattern ["string-width@^4.2.0"] is trying to unpack in the same destination as another pattern.', 'info fsevents@2.3.3: The platform "linux" is incompatible with this module.'],
  pnpm: ['Lockfile is up to date, resolution step is skipped', 'Progress: resolved 1, reused 0, downloaded 0, added 0', 'Packages: +812', '++++++++++++++++++++++++++++++++++++++++++++++++++++', 'Progress: resolved 812, reused 640, downloaded 101, added 590'],
  pip: ['Collecting fastapi==0.110.0 (from -r requirements.txt (line 1))', '  Downloading fastapi-0.110.0-py3-none-any.whl.metadata (24 kB)', 'Collecting uvicorn[standard]==0.29.0 (from -r requirements.txt (line 2))', '  Using cached uvicorn-0.29.0-py3-none-any.whl.metadata (6.3 kB)', 'Collecting sqlalchemy==2.0.29 (from -r requirements.txt (line 5))', '  Downloading SQLAlchemy-2.0.29-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl (3.2 MB)', '     ━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━ 3.2/3.2 MB 41.2 MB/s eta 0:00:00'],
  poetry: ['Installing dependencies from lock file', '', 'Package operations: 64 installs, 0 updates, 0 removals', '', '  - Installing certifi (2024.2.2)', '  - Installing idna (3.6)', '  - Installing charset-normalizer (3.3.2)', '  - Installing urllib3 (2.2.1)'],
  maven: ['[INFO] Scanning for projects...', '[INFO] ', '[INFO] ---------------------< com.acme:billing-service >---------------------', '[INFO] Building billing-service 1.8.0-SNAPSHOT', '[INFO]   from pom.xml', '[INFO] --------------------------------[ jar ]---------------------------------', 'Downloading from central: https://repo.maven.apache.org/maven2/org/springframework/boot/spring-boot-dependencies/3.2.4/spring-boot-dependencies-3.2.4.pom', 'Downloaded from central: https://repo.maven.apache.org/maven2/org/springframework/boot/spring-boot-dependencies/3.2.4/spring-boot-dependencies-3.2.4.pom (109 kB at 1.2 MB/s)'],
  gradle: ['Downloading https://services.gradle.org/distributions/gradle-8.7-bin.zip', '............10%.............20%.............30%.............40%.............50%.............60%.............70%.............80%.............90%.............100%', 'Welcome to Gradle 8.7!', 'Starting a Gradle Daemon (subsequent builds will be faster)', '> Task :buildSrc:compileKotlin UP-TO-DATE', '> Task :app:processResources', '> Task :app:compileKotlin'],
  go: ['go: downloading github.com/stretchr/testify v1.9.0', 'go: downloading github.com/jackc/pgx/v5 v5.5.5', 'go: downloading go.uber.org/zap v1.27.0', 'go: downloading golang.org/x/sync v0.7.0', 'go: downloading github.com/prometheus/client_golang v1.19.0'],
  cargo: ['    Updating crates.io index', '  Downloaded serde v1.0.197', '  Downloaded tokio v1.37.0', '  Downloaded 142 crates (14.1 MB) in 2.31s', '   Compiling proc-macro2 v1.0.79', '   Compiling unicode-ident v1.0.12', '   Compiling libc v0.2.153'],
  docker: ['#0 building with "builder" instance using docker-container driver', '#1 [internal] load build definition from Dockerfile', '#1 transferring dockerfile: 1.12kB done', '#1 DONE 0.0s', '#2 [internal] load metadata for docker.io/library/node:20-alpine', '#3 [internal] load .dockerignore', '#3 transferring context: 2B done', '#3 DONE 0.0s'],
  push: ['The push refers to repository [ghcr.io/acme/checkout-api]', '5f70bf18a086: Preparing', 'a3c1d2e4b5f6: Preparing', '8d3ac3489996: Layer already exists', '5f70bf18a086: Pushing [=====>                                             ]  12.1MB/109.4MB', 'a3c1d2e4b5f6: Pushing [==================>                                ]  4.2MB/11.3MB'],
  helm: ['+ helm upgrade --install checkout-api ./deploy/chart --namespace payments --atomic --wait --timeout 5m0s -f values-staging.yaml', 'Release "checkout-api" does not exist. Installing it now.'],
  kubectl: ['+ kubectl config use-context staging', 'Switched to context "staging".', '+ kubectl apply -f k8s/', 'configmap/checkout-api-config unchanged', 'service/checkout-api unchanged'],
  terraform: ['Initializing the backend...', '', 'Successfully configured the backend "s3"! Terraform will automatically', 'use this backend unless the backend configuration changes.', 'Initializing provider plugins...', '- Reusing previous version of hashicorp/aws from the dependency lock file', '- Using previously-installed hashicorp/aws v5.44.0', '', 'Terraform has been successfully initialized!'],
  apt: ['+ sudo apt-get update', 'Hit:1 http://azure.archive.ubuntu.com/ubuntu jammy InRelease', 'Get:2 http://azure.archive.ubuntu.com/ubuntu jammy-updates InRelease [128 kB]', 'Get:3 http://security.ubuntu.com/ubuntu jammy-security InRelease [129 kB]', 'Fetched 2,913 kB in 1s (3,125 kB/s)', 'Reading package lists...', '+ sudo apt-get install -y libpq-dev postgresql-client'],
  git: ['Syncing repository: acme/checkout-api', 'Getting Git version info', 'Temporarily overriding HOME=\'/home/runner/work/_temp/5c1b\' before making global git config changes', 'Adding repository directory to the temporary git global config as a safe directory', '/usr/bin/git config --global --add safe.directory /home/runner/work/checkout-api/checkout-api', 'Initializing the repository', '/usr/bin/git init /home/runner/work/checkout-api/checkout-api', '/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +refs/heads/main:refs/remotes/origin/main'],
  jest: ['> jest --ci --reporters=default --reporters=jest-junit', 'PASS src/cart/__tests__/totals.test.ts', 'PASS src/auth/__tests__/session.test.ts (5.12 s)', 'PASS src/orders/__tests__/mapper.test.ts', 'PASS src/util/__tests__/money.test.ts'],
  vitest: [' RUN  v1.5.0 /home/runner/work/web/web', '', ' ✓ src/lib/format.test.ts  (14 tests) 12ms', ' ✓ src/lib/cart.test.ts  (9 tests) 33ms', ' ✓ src/components/Button.test.tsx  (3 tests) 88ms'],
  pytest: ['============================= test session starts ==============================', 'platform linux -- Python 3.12.3, pytest-8.1.1, pluggy-1.4.0', 'rootdir: /builds/acme/ledger', 'plugins: anyio-4.3.0, cov-5.0.0, asyncio-0.23.6', 'collected 412 items', '', 'tests/unit/test_models.py ........................................      [ 10%]', 'tests/unit/test_services.py .....................................       [ 19%]'],
  junit: ['[INFO] -------------------------------------------------------', '[INFO]  T E S T S', '[INFO] -------------------------------------------------------', '[INFO] Running com.acme.billing.InvoiceServiceTest', '[INFO] Tests run: 14, Failures: 0, Errors: 0, Skipped: 0, Time elapsed: 1.412 s -- in com.acme.billing.InvoiceServiceTest', '[INFO] Running com.acme.billing.PaymentClientTest'],
  gotest: ['=== RUN   TestParseConfig', '--- PASS: TestParseConfig (0.00s)', '=== RUN   TestLedgerBalance', '--- PASS: TestLedgerBalance (0.02s)', 'ok  \tgithub.com/acme/ledger/internal/config\t0.031s', 'ok  \tgithub.com/acme/ledger/internal/money\t0.112s'],
  cargotest: ['   Compiling ledger v0.4.0 (/workspace/ledger)', '    Finished `test` profile [unoptimized + debuginfo] target(s) in 41.27s', '     Running unittests src/lib.rs (target/debug/deps/ledger-3f9a1c2b7d)', '', 'running 58 tests', 'test money::tests::rounds_half_even ... ok', 'test money::tests::adds ... ok'],
  e2e: ['Running 42 tests using 2 workers', '', '  ✓  1 [chromium] › login.spec.ts:12:5 › user can log in (2.1s)', '  ✓  2 [chromium] › cart.spec.ts:8:5 › add to cart (3.4s)', '  ✓  3 [chromium] › cart.spec.ts:31:5 › remove from cart (2.9s)'],
  migrate: ['+ ./scripts/wait-for-db.sh && npm run migrate', 'Running migrations against staging', 'Loaded 37 migrations from ./migrations'],
  aws: ['Run aws-actions/configure-aws-credentials@v4', '  with:', '    role-to-assume: arn:aws:iam::123456789012:role/gha-deploy', '    aws-region: eu-west-1', '    audience: sts.amazonaws.com'],
  dotnet: ['  Determining projects to restore...', 'Welcome to .NET 8.0!', '---------------------', 'SDK Version: 8.0.204'],
  bundler: ['Fetching gem metadata from https://rubygems.org/.........', 'Resolving dependencies...', 'Fetching rake 13.2.1', 'Installing rake 13.2.1'],
  lint: ['> eslint . --max-warnings=0', ''],
  runner: ['Current runner version: \'2.316.1\'', 'Operating System', '  Ubuntu', '  22.04.4', '  LTS', 'Runner Image', '  Image: ubuntu-22.04', '  Version: 20240422.1.0'],
  shell: ['+ set -euo pipefail', '+ echo "building $GITHUB_SHA"', 'building 9c1e2b7d0a4f6e3b8c5d1a2f7e9b0c3d4e5f6a7b'],
};

// ============================ dependency: registries and package indexes ============================
R('dependency', 'npm', 'install', 1, 'npm', `npm ERR! code E503
npm ERR! 503 Service Unavailable - GET https://registry.npmjs.org/@types%2freact - Service Unavailable

npm ERR! A complete log of this run can be found in: /home/runner/.npm/_logs/2024-05-14T09_12_44_102Z-debug-0.log`);
R('dependency', 'npm', 'install', 1, 'npm', `npm ERR! code E502
npm ERR! 502 Bad Gateway - GET https://npm.pkg.github.com/@acme%2fdesign-tokens

npm ERR! A complete log of this run can be found in: /root/.npm/_logs/2024-03-02T11_40_03_551Z-debug-0.log`);
R('dependency', 'npm', 'install', 1, 'npm', `npm ERR! code E429
npm ERR! 429 Too Many Requests - GET https://registry.npmjs.org/esbuild/-/esbuild-0.20.2.tgz`);
R('dependency', 'yarn', 'install', 1, 'yarn', `error An unexpected error occurred: "https://registry.yarnpkg.com/typescript/-/typescript-5.4.5.tgz: Request failed \\"500 Internal Server Error\\"".
info If you think this is a bug, please open a bug report with the information provided in "/home/runner/work/web/web/yarn-error.log".
info Visit https://yarnpkg.com/en/docs/cli/install for documentation about this command.`);
R('dependency', 'yarn', 'install', 1, 'yarn', `➤ YN0000: ┌ Fetch step
➤ YN0001: │ RequestError: Response code 503 (Service Unavailable)
    at ClientRequest.<anonymous> (/home/runner/work/web/web/.yarn/releases/yarn-4.1.1.cjs:147:14258)
➤ YN0000: └ Completed in 41s 220ms
➤ YN0000: · Failed with errors in 43s 881ms`);
R('dependency', 'pnpm', 'install', 1, 'pnpm', ` ERR_PNPM_FETCH_502  GET https://registry.npmjs.org/vite: Bad Gateway - 502

This error happened while installing a direct dependency of /home/runner/work/web/web`);
R('dependency', 'pip', 'install', 1, 'pip', `ERROR: Exception:
Traceback (most recent call last):
  File "/opt/hostedtoolcache/Python/3.12.3/x64/lib/python3.12/site-packages/pip/_internal/cli/base_command.py", line 180, in exc_logging_wrapper
    status = run_func(*args)
pip._vendor.requests.exceptions.HTTPError: 503 Server Error: Service Unavailable for url: https://pypi.org/simple/numpy/`);
R('dependency', 'pip', 'install', 1, 'pip', `ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Max retries exceeded with url: /packages/4b/d9/1b9a0d8c0b4b2d1e2c6a1f9c6d0c3b7e/pandas-2.2.2-cp312-cp312-manylinux_2_17_x86_64.whl (Caused by ProtocolError('Connection aborted.', RemoteDisconnected('Remote end closed connection without response')))`);
R('dependency', 'poetry', 'install', 1, 'poetry', `
  HTTPError

  502 Server Error: Bad Gateway for url: https://pypi.org/pypi/boto3/1.34.84/json

  at ~/.local/share/pypoetry/venv/lib/python3.12/site-packages/requests/models.py:1021 in raise_for_status`);
R('dependency', 'maven', 'build', 1, 'maven', `[ERROR] Failed to execute goal on project billing-service: Could not resolve dependencies for project com.acme:billing-service:jar:1.8.0-SNAPSHOT: Failed to collect dependencies at org.springframework.boot:spring-boot-starter-web:jar:3.2.4: Failed to read artifact descriptor for org.springframework.boot:spring-boot-starter-web:jar:3.2.4: The following artifacts could not be resolved: org.springframework.boot:spring-boot-starter-web:pom:3.2.4 (absent): Could not transfer artifact org.springframework.boot:spring-boot-starter-web:pom:3.2.4 from/to central (https://repo.maven.apache.org/maven2): status code: 503, reason phrase: Service Unavailable (503) -> [Help 1]
[ERROR] 
[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.`);
R('dependency', 'maven', 'build', 1, 'maven', `[ERROR] Plugin org.apache.maven.plugins:maven-surefire-plugin:3.2.5 or one of its dependencies could not be resolved:
[ERROR] 	Failed to read artifact descriptor for org.apache.maven.plugins:maven-surefire-plugin:jar:3.2.5
[ERROR] 	Caused by: The following artifacts could not be resolved: org.apache.maven.plugins:maven-surefire-plugin:pom:3.2.5 (absent): Could not transfer artifact org.apache.maven.plugins:maven-surefire-plugin:pom:3.2.5 from/to nexus (https://nexus.acme.io/repository/maven-public/): Connection reset`);
R('dependency', 'gradle', 'build', 1, 'gradle', `FAILURE: Build failed with an exception.

* What went wrong:
Execution failed for task ':app:compileKotlin'.
> Could not resolve all files for configuration ':app:compileClasspath'.
   > Could not resolve io.ktor:ktor-server-core:2.3.10.
     Required by:
         project :app
      > Could not resolve io.ktor:ktor-server-core:2.3.10.
         > Could not get resource 'https://repo.maven.apache.org/maven2/io/ktor/ktor-server-core/2.3.10/ktor-server-core-2.3.10.pom'.
            > Could not GET 'https://repo.maven.apache.org/maven2/io/ktor/ktor-server-core/2.3.10/ktor-server-core-2.3.10.pom'. Received status code 502 from server: Bad Gateway`);
R('dependency', 'gradle', 'build', 1, 'gradle', `* What went wrong:
Could not resolve all dependencies for configuration ':app:runtimeClasspath'.
> Could not resolve com.google.guava:guava:33.1.0-jre.
  > Could not GET 'https://plugins.gradle.org/m2/com/google/guava/guava/33.1.0-jre/guava-33.1.0-jre.pom'. Received status code 429 from server: Too Many Requests`);
R('dependency', 'go', 'install', 1, 'go', `go: github.com/aws/aws-sdk-go-v2@v1.26.1: reading https://proxy.golang.org/github.com/aws/aws-sdk-go-v2/@v/v1.26.1.zip: 502 Bad Gateway`);
R('dependency', 'cargo', 'build', 101, 'cargo', `error: failed to get \`tokio\` as a dependency of package \`ledger v0.4.0 (/workspace/ledger)\`

Caused by:
  download of config.json failed

Caused by:
  failed to download from \`https://index.crates.io/config.json\`

Caused by:
  [52] Server returned nothing (no headers, no data) (Empty reply from server)`);
R('dependency', 'docker', 'image-build', 1, 'docker', `#2 ERROR: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit
------
 > [internal] load metadata for docker.io/library/node:20-alpine:
------
Dockerfile:1
--------------------
   1 | >>> FROM node:20-alpine AS build
--------------------
ERROR: failed to solve: node:20-alpine: failed to resolve source metadata for docker.io/library/node:20-alpine: failed to copy: httpReadSeeker: failed open: unexpected status code https://registry-1.docker.io/v2/library/node/manifests/sha256:4b2c...: 429 Too Many Requests - Server message: toomanyrequests: You have reached your pull rate limit.`);
R('dependency', 'docker', 'integration-tests', 1, 'shell', `Unable to find image 'postgres:16' locally
docker: Error response from daemon: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit.
See 'docker run --help'.`);
R('dependency', 'gitlab-runner', 'unit-tests', 1, 'shell', `Using Docker executor with image python:3.12-slim ...
Pulling docker image python:3.12-slim ...
WARNING: Failed to pull image with policy "always": toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit (manager.go:237:1s)
ERROR: Job failed: failed to pull image "python:3.12-slim" with specified policies [always]: toomanyrequests: You have reached your pull rate limit. You may increase the limit by authenticating and upgrading: https://www.docker.com/increase-rate-limit (manager.go:237:1s)`, { ci: 'gitlab', system: true });
R('dependency', 'docker', 'image-push', 1, 'push', `5f70bf18a086: Retrying in 5 seconds
5f70bf18a086: Retrying in 4 seconds
5f70bf18a086: Retrying in 3 seconds
received unexpected HTTP status: 500 Internal Server Error`);
R('dependency', 'buildx', 'image-push', 1, 'docker', `#14 exporting to image
#14 pushing layers 11.4s done
#14 ERROR: failed to push 123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout-api:9c1e2b7: failed commit on ref "layer-sha256:7d1f4e2a9b3c": unexpected status from PUT request to https://123456789012.dkr.ecr.eu-west-1.amazonaws.com/v2/checkout-api/blobs/uploads/0f3c: 503 Service Unavailable
------
 > exporting to image:
------
ERROR: failed to solve: failed to push 123456789012.dkr.ecr.eu-west-1.amazonaws.com/checkout-api:9c1e2b7: failed commit on ref "layer-sha256:7d1f4e2a9b3c": unexpected status from PUT request: 503 Service Unavailable`);
R('dependency', 'podman', 'image-push', 125, 'push', `Copying blob sha256:5f70bf18a086 done
Copying blob sha256:a3c1d2e4b5f6
Error: writing blob: initiating layer upload to /v2/acme/ledger/blobs/uploads/ in quay.io: received unexpected HTTP status: 502 Bad Gateway`);
R('dependency', 'docker', 'image-push', 1, 'push', `a3c1d2e4b5f6: Pushed
5f70bf18a086: Pushing [=============================================>     ]  99.1MB/109.4MB
Put "https://ghcr.io/v2/acme/checkout-api/blobs/uploads/6b1e?digest=sha256%3A5f70bf18": EOF`);
R('dependency', 'apt', 'install', 100, 'apt', `Get:12 http://azure.archive.ubuntu.com/ubuntu jammy-updates/main amd64 libpq5 amd64 14.11-0ubuntu0.22.04.1 [141 kB]
Err:13 http://azure.archive.ubuntu.com/ubuntu jammy-updates/main amd64 libpq-dev amd64 14.11-0ubuntu0.22.04.1
  503  Service Unavailable [IP: 52.147.219.192 80]
E: Failed to fetch http://azure.archive.ubuntu.com/ubuntu/pool/main/p/postgresql-14/libpq-dev_14.11-0ubuntu0.22.04.1_amd64.deb  503  Service Unavailable [IP: 52.147.219.192 80]
E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?`);
R('dependency', 'apt', 'image-build', 100, 'docker', `#7 [build 2/6] RUN apt-get update && apt-get install -y --no-install-recommends build-essential
#7 3.114 Get:5 http://deb.debian.org/debian bookworm-updates/main amd64 Packages.diff/Index [11.8 kB]
#7 4.820 E: Failed to fetch http://deb.debian.org/debian/dists/bookworm-updates/main/binary-amd64/by-hash/SHA256/2e1c...  Hash Sum mismatch
#7 4.820    Hashes of expected file:
#7 4.820     - SHA256:2e1c9b3f... [weak]
#7 4.820 E: Some index files failed to download. They have been ignored, or old ones used instead.
#7 ERROR: process "/bin/sh -c apt-get update && apt-get install -y --no-install-recommends build-essential" did not complete successfully: exit code: 100`);
R('dependency', 'github-api', 'deploy', 1, 'shell', `Error: API rate limit exceeded for installation ID 41234567. If you reach out to GitHub Support for help, please include the request ID 8C2A:1F3E:4B21A7:4E9C12:66438A1B.
    at /home/runner/work/_actions/actions/github-script/v7/dist/index.js:9537:21
  status: 403,`);
R('dependency', 'gh', 'deploy', 1, 'shell', `gh: You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 9E21:3C1B:2F0A (HTTP 403)`);
R('dependency', 'nuget', 'install', 1, 'dotnet', `/usr/share/dotnet/sdk/8.0.204/NuGet.targets(156,5): error : Unable to load the service index for source https://api.nuget.org/v3/index.json. [/home/runner/work/api/api/Api.sln]
/usr/share/dotnet/sdk/8.0.204/NuGet.targets(156,5): error :   Response status code does not indicate success: 503 (Service Unavailable). [/home/runner/work/api/api/Api.sln]`);
R('dependency', 'bundler', 'install', 5, 'bundler', `Retrying fetcher due to error (2/4): Bundler::HTTPError Could not fetch specs from https://rubygems.org/ due to underlying error <bad response Service Unavailable 503 (https://rubygems.org/specs.4.8.gz)>
Retrying fetcher due to error (3/4): Bundler::HTTPError Could not fetch specs from https://rubygems.org/ due to underlying error <bad response Service Unavailable 503 (https://rubygems.org/specs.4.8.gz)>
Retrying fetcher due to error (4/4): Bundler::HTTPError Could not fetch specs from https://rubygems.org/ due to underlying error <bad response Service Unavailable 503 (https://rubygems.org/specs.4.8.gz)>
Could not fetch specs from https://rubygems.org/ due to underlying error <bad response Service Unavailable 503 (https://rubygems.org/specs.4.8.gz)>`);
R('dependency', 'git-lfs', 'checkout', 2, 'git', `Fetching LFS objects
batch response: Rate limit exceeded: https://github.com/acme/assets.git/info/lfs/objects/batch
error: failed to fetch some objects from 'https://github.com/acme/assets.git/info/lfs'`);
R('dependency', 'setup-node', 'install', 1, 'runner', `Run actions/setup-node@v4
Attempting to download 20.12.2...
Acquiring 20.12.2 - x64 from https://github.com/actions/node-versions/releases/download/20.12.2-8570128463/node-20.12.2-linux-x64.tar.gz
Error: Unexpected HTTP response: 500`);
R('dependency', 'codecov', 'unit-tests', 1, 'shell', `[2024-05-14T10:22:31.102Z] ['info'] Pinging Codecov: https://codecov.io/upload/v4?package=github-action-3.1.6
[2024-05-14T10:22:41.981Z] ['error'] There was an error running the uploader: Error uploading to https://codecov.io: Error: There was an error fetching the storage URL during POST: 503 - upstream connect error or disconnect/reset before headers. reset reason: connection failure`);
R('dependency', 'helm', 'deploy', 1, 'helm', `Error: looks like "https://charts.bitnami.com/bitnami" is not a valid chart repository or cannot be reached: Get "https://charts.bitnami.com/bitnami/index.yaml": read tcp 10.1.0.4:52114->104.18.10.118:443: read: connection reset by peer`);
R('dependency', 'terraform', 'deploy', 1, 'terraform', `╷
│ Error: Failed to install provider
│ 
│ Error while installing hashicorp/google v5.25.0: could not query provider registry for registry.terraform.io/hashicorp/google: failed to retrieve authentication checksums for provider: 502 Bad Gateway returned from releases.hashicorp.com
╵`);

F('dependency', 'npm', 'install', 1, 'npm', `npm ERR! code E404
npm ERR! 404 Not Found - GET https://registry.npmjs.org/@acme%2fui-kitt - Not found
npm ERR! 404 
npm ERR! 404  '@acme/ui-kitt@^2.1.0' is not in this registry.
npm ERR! 404 
npm ERR! 404 Note that you can also install from a
npm ERR! 404 tarball, folder, http url, or git url.`);
F('dependency', 'npm', 'install', 1, 'npm', `npm ERR! code ETARGET
npm ERR! notarget No matching version found for react-router-dom@7.9.1.
npm ERR! notarget In most cases you or one of your dependencies are requesting
npm ERR! notarget a package version that doesn't exist.`);
F('dependency', 'npm', 'install', 1, 'npm', `npm ERR! code ERESOLVE
npm ERR! ERESOLVE unable to resolve dependency tree
npm ERR! 
npm ERR! While resolving: web@0.1.0
npm ERR! Found: react@18.3.1
npm ERR! node_modules/react
npm ERR!   react@"^18.3.1" from the root project
npm ERR! 
npm ERR! Could not resolve dependency:
npm ERR! peer react@"^17.0.0" from react-beautiful-dnd@13.1.1
npm ERR! 
npm ERR! Fix the upstream dependency conflict, or retry
npm ERR! this command with --force or --legacy-peer-deps
npm ERR! to accept an incorrect (and potentially broken) dependency resolution.`);
F('dependency', 'npm', 'install', 1, 'npm', `npm ERR! code EUSAGE
npm ERR! 
npm ERR! \`npm ci\` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with \`npm install\` before continuing.
npm ERR! 
npm ERR! Missing: zod@3.23.4 from lock file
npm ERR! Invalid: lock file's typescript@5.3.3 does not satisfy typescript@5.4.5`);
F('dependency', 'yarn', 'install', 1, 'yarn', `[1/4] Resolving packages...
error Your lockfile needs to be updated, but yarn was run with \`--frozen-lockfile\`.
info Visit https://yarnpkg.com/en/docs/cli/install for documentation about this command.`);
F('dependency', 'yarn', 'install', 1, 'yarn', `error Couldn't find package "@acme/eslint-config@^4.0.0" required by "web@0.1.0" on the "npm" registry.
info Visit https://yarnpkg.com/en/docs/cli/install for documentation about this command.`);
F('dependency', 'pnpm', 'install', 1, 'pnpm', ` ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with <ROOT>/package.json

Note that in CI environments this setting is true by default. If you still need to run install in such cases, use "pnpm install --no-frozen-lockfile"

    Failure reason:
    specifiers in the lockfile ({"vite":"^5.2.0"}) don't match specs in package.json ({"vite":"^5.2.0","zod":"^3.23.4"})`);
F('dependency', 'pnpm', 'install', 1, 'pnpm', ` ERR_PNPM_FETCH_404  GET https://registry.npmjs.org/@acme%2fconfigs: Not Found - 404

This error happened while installing a direct dependency of /home/runner/work/web/web

@acme/configs is not in the npm registry, or you have no permission to fetch it.

No authorization header was set for the request.`);
F('dependency', 'pip', 'install', 1, 'pip', `ERROR: Could not find a version that satisfies the requirement djangoo==4.2.11 (from versions: none)
ERROR: No matching distribution found for djangoo==4.2.11`);
F('dependency', 'pip', 'install', 1, 'pip', `ERROR: Cannot install -r requirements.txt (line 4) and urllib3==2.2.1 because these package versions have conflicting dependencies.

The conflict is caused by:
    The user requested urllib3==2.2.1
    botocore 1.29.165 depends on urllib3<1.27 and >=1.25.4

To fix this you could try to:
1. loosen the range of package versions you've specified
2. remove package versions to allow pip attempt to solve the dependency conflict

ERROR: ResolutionImpossible: for help visit https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts`);
F('dependency', 'pip', 'install', 1, 'pip', `ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE. If you have updated the package versions, please update the hashes. Otherwise, examine the package contents carefully; someone may have tampered with them.
    httpx==0.27.0 from https://files.pythonhosted.org/packages/41/7b/ddacf6dcebb42466abd03f368782142baa82e08fc0c1f8eaa05b4bae87d5/httpx-0.27.0-py3-none-any.whl (from -r requirements.txt (line 3)):
        Expected sha256 0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
             Got        f9e8d7c6b5a4039281706f5e4d3c2b1a0f9e8d7c6b5a4039281706f5e4d3c2b1`);
F('dependency', 'poetry', 'install', 1, 'poetry', `Updating dependencies
Resolving dependencies...

Because ledger depends on pydantic (^3.0) which doesn't match any versions, version solving failed.`);
F('dependency', 'poetry', 'install', 1, 'poetry', `Installing dependencies from lock file

pyproject.toml changed significantly since poetry.lock was last generated. Run \`poetry lock [--no-update]\` to fix the lock file.`);
F('dependency', 'maven', 'build', 1, 'maven', `[ERROR] Failed to execute goal on project billing-service: Could not resolve dependencies for project com.acme:billing-service:jar:1.8.0-SNAPSHOT: The following artifacts could not be resolved: com.acme:shared-money:jar:2.3.0 (absent): Could not find artifact com.acme:shared-money:jar:2.3.0 in nexus (https://nexus.acme.io/repository/maven-public/) -> [Help 1]
[ERROR] 
[ERROR] To see the full stack trace of the errors, re-run Maven with the -e switch.
[ERROR] Re-run Maven using the -X switch to enable full debug logging.`);
F('dependency', 'gradle', 'build', 1, 'gradle', `* What went wrong:
Execution failed for task ':app:compileJava'.
> Could not resolve all files for configuration ':app:compileClasspath'.
   > Could not find com.acme:shared-money:2.3.0.
     Searched in the following locations:
       - https://repo.maven.apache.org/maven2/com/acme/shared-money/2.3.0/shared-money-2.3.0.pom
       - https://nexus.acme.io/repository/maven-public/com/acme/shared-money/2.3.0/shared-money-2.3.0.pom
     Required by:
         project :app`);
F('dependency', 'gradle', 'build', 1, 'runner', `Downloading https://services.gradle.org/distributions/gradle-8.77-bin.zip

Exception in thread "main" java.io.FileNotFoundException: https://services.gradle.org/distributions/gradle-8.77-bin.zip
	at java.base/sun.net.www.protocol.http.HttpURLConnection.getInputStream0(HttpURLConnection.java:2000)
	at org.gradle.wrapper.Download.downloadInternal(Download.java:100)
	at org.gradle.wrapper.WrapperExecutor.execute(WrapperExecutor.java:179)`);
F('dependency', 'go', 'install', 1, 'go', `go: github.com/acme/platform-sdk@v1.4.0: reading github.com/acme/platform-sdk/go.mod at revision v1.4.0: git ls-remote -q origin in /home/runner/go/pkg/mod/cache/vcs/6b2f0c...: exit status 128:
	fatal: could not read Username for 'https://github.com': terminal prompts disabled
Confirm the import path was entered correctly.
If this is a private repository, see https://golang.org/doc/faq#git_https for additional information.`);
F('dependency', 'go', 'build', 1, 'go', `go: github.com/jackc/pgx/v5@v5.9.0: reading https://proxy.golang.org/github.com/jackc/pgx/v5/@v/v5.9.0.info: 404 Not Found
	server response: not found: github.com/jackc/pgx/v5@v5.9.0: invalid version: unknown revision v5.9.0`);
F('dependency', 'go', 'build', 1, 'go', `go: updates to go.mod needed; to update it:
	go mod tidy`);
F('dependency', 'cargo', 'build', 101, 'cargo', `error: no matching package named \`serde_jsonn\` found
location searched: registry \`crates-io\`
required by package \`ledger v0.4.0 (/workspace/ledger)\`
help: there is a crate with a similar name: \`serde_json\``);
F('dependency', 'cargo', 'build', 101, 'cargo', `error: the lock file /workspace/ledger/Cargo.lock needs to be updated but --locked was passed to prevent this
If you want to try to generate the lock file without accessing the network, remove the --locked flag and use --offline instead.`);
F('dependency', 'docker', 'deploy', 1, 'shell', `Error response from daemon: manifest for ghcr.io/acme/checkout-api:v2.14.0 not found: manifest unknown: manifest unknown`);
F('dependency', 'buildx', 'image-build', 1, 'docker', `#2 [internal] load metadata for docker.io/library/node:20.99-alpine
#2 ERROR: docker.io/library/node:20.99-alpine: not found
------
 > [internal] load metadata for docker.io/library/node:20.99-alpine:
------
ERROR: failed to solve: node:20.99-alpine: failed to resolve source metadata for docker.io/library/node:20.99-alpine: docker.io/library/node:20.99-alpine: not found`);
F('dependency', 'gitlab-runner', 'build', 1, 'shell', `Using Docker executor with image registry.gitlab.com/acme/ci-images/node:lates ...
Pulling docker image registry.gitlab.com/acme/ci-images/node:lates ...
WARNING: Failed to pull image with policy "always": Error response from daemon: manifest for registry.gitlab.com/acme/ci-images/node:lates not found: manifest unknown: manifest unknown (manager.go:237:0s)
ERROR: Job failed: failed to pull image "registry.gitlab.com/acme/ci-images/node:lates" with specified policies [always]: Error response from daemon: manifest for registry.gitlab.com/acme/ci-images/node:lates not found: manifest unknown: manifest unknown (manager.go:237:0s)`, { ci: 'gitlab', system: true });
F('dependency', 'helm', 'deploy', 1, 'helm', `Error: chart "redis" version "99.1.0" not found in https://charts.bitnami.com/bitnami repository`);
F('dependency', 'setup-python', 'install', 1, 'runner', `Run actions/setup-python@v5
Version 3.13.9 was not found in the local cache
Error: The version '3.13.9' with architecture 'x64' was not found for Ubuntu 22.04.
The list of all available versions can be found here: https://raw.githubusercontent.com/actions/python-versions/main/versions-manifest.json`);
F('dependency', 'nuget', 'install', 1, 'dotnet', `/home/runner/work/api/api/src/Api/Api.csproj : error NU1101: Unable to find package Acme.Shared.Money. No packages exist with this id in source(s): nuget.org
  Failed to restore /home/runner/work/api/api/src/Api/Api.csproj (in 2.11 sec).`);
F('dependency', 'bundler', 'install', 7, 'bundler', `Could not find gem 'railz (~> 7.1)' in rubygems repository https://rubygems.org/ or installed locally.
The source does not contain any versions of 'railz'`);
F('dependency', 'curl', 'build', 22, 'shell', `+ curl -fsSL -o protoc.zip https://github.com/protocolbuffers/protobuf/releases/download/v26.1/protoc-26.1-linux-x86-64.zip
curl: (22) The requested URL returned error: 404`);
F('dependency', 'git-lfs', 'checkout', 2, 'git', `Downloading assets/models/embeddings.bin (412 MB)
Error downloading object: assets/models/embeddings.bin (3f9a1c2): Smudge error: Error downloading assets/models/embeddings.bin (3f9a1c2b7d0e4f6a): [3f9a1c2b7d0e4f6a] Object does not exist on the server: [404] Object does not exist on the server
error: external filter 'git-lfs filter-process' failed
fatal: assets/models/embeddings.bin: smudge filter lfs failed`);
F('dependency', 'terraform', 'deploy', 1, 'terraform', `╷
│ Error: Failed to query available provider packages
│ 
│ Could not retrieve the list of available versions for provider hashicorp/awss: provider registry registry.terraform.io does not have a provider named registry.terraform.io/hashicorp/awss
│ 
│ Did you intend to use hashicorp/aws? If so, you must specify that source address in each module which requires that provider.
╵`);

// ============================ network ============================
R('network', 'npm', 'install', 1, 'npm', `npm ERR! code ECONNRESET
npm ERR! syscall read
npm ERR! errno -104
npm ERR! network read ECONNRESET
npm ERR! network This is a problem related to network connectivity.
npm ERR! network In most cases you are behind a proxy or have bad network settings.
npm ERR! network 
npm ERR! network If you are behind a proxy, please make sure that the
npm ERR! network 'proxy' config is set properly.  See: 'npm help config'`);
R('network', 'npm', 'install', 1, 'npm', `npm ERR! code ETIMEDOUT
npm ERR! syscall connect
npm ERR! errno ETIMEDOUT
npm ERR! network request to https://registry.npmjs.org/sharp failed, reason: connect ETIMEDOUT 104.16.3.35:443
npm ERR! network This is a problem related to network connectivity.`);
R('network', 'npm', 'install', 1, 'npm', `npm ERR! code EAI_AGAIN
npm ERR! syscall getaddrinfo
npm ERR! errno EAI_AGAIN
npm ERR! request to https://registry.npmjs.org/@nestjs%2fcore failed, reason: getaddrinfo EAI_AGAIN registry.npmjs.org`);
R('network', 'yarn', 'install', 1, 'yarn', `info There appears to be trouble with your network connection. Retrying...
info There appears to be trouble with your network connection. Retrying...
info There appears to be trouble with your network connection. Retrying...
error An unexpected error occurred: "https://registry.yarnpkg.com/@mui/icons-material/-/icons-material-5.15.15.tgz: socket hang up".`);
R('network', 'pip', 'install', 1, 'pip', `WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ReadTimeoutError("HTTPSConnectionPool(host='pypi.org', port=443): Read timed out. (read timeout=15)")': /simple/torch/
WARNING: Retrying (Retry(total=0, connect=None, read=None, redirect=None, status=None)) after connection broken by 'ReadTimeoutError("HTTPSConnectionPool(host='pypi.org', port=443): Read timed out. (read timeout=15)")': /simple/torch/
ERROR: Could not find a version that satisfies the requirement torch==2.2.2 (from versions: none)
ERROR: No matching distribution found for torch==2.2.2`);
R('network', 'pip', 'install', 2, 'pip', `ERROR: Exception:
Traceback (most recent call last):
  File "/usr/local/lib/python3.11/site-packages/pip/_vendor/urllib3/response.py", line 438, in _error_catcher
    yield
  File "/usr/local/lib/python3.11/site-packages/pip/_vendor/urllib3/response.py", line 561, in read
    data = self._fp_read(amt) if not fp_closed else b""
pip._vendor.urllib3.exceptions.ProtocolError: ("Connection broken: ConnectionResetError(104, 'Connection reset by peer')", ConnectionResetError(104, 'Connection reset by peer'))`);
R('network', 'poetry', 'install', 1, 'poetry', `
  ConnectionError

  HTTPSConnectionPool(host='files.pythonhosted.org', port=443): Max retries exceeded with url: /packages/08/aa/cc0199a5f0ad350994d660967a8efb233fe0416e4639146c089643407ce6/requests-2.31.0-py3-none-any.whl (Caused by NewConnectionError('<urllib3.connection.HTTPSConnection object at 0x7f3c2a1b9e50>: Failed to establish a new connection: [Errno 101] Network is unreachable'))

  at ~/.local/share/pypoetry/venv/lib/python3.12/site-packages/requests/adapters.py:519 in send`);
R('network', 'gradle', 'build', 1, 'runner', `Downloading https://services.gradle.org/distributions/gradle-8.7-bin.zip
.........10%..........20%.....
Exception in thread "main" java.net.SocketException: Connection reset
	at java.base/sun.nio.ch.NioSocketImpl.implRead(NioSocketImpl.java:318)
	at java.base/java.io.BufferedInputStream.read(BufferedInputStream.java:343)
	at org.gradle.wrapper.Download.downloadInternal(Download.java:109)`);
R('network', 'go', 'install', 1, 'go', `go: github.com/jackc/pgx/v5@v5.5.5: Get "https://proxy.golang.org/github.com/jackc/pgx/v5/@v/v5.5.5.zip": read tcp 10.1.0.12:48326->142.250.74.81:443: read: connection reset by peer`);
R('network', 'go', 'build', 1, 'go', `verifying github.com/prometheus/client_golang@v1.19.0/go.mod: github.com/prometheus/client_golang@v1.19.0/go.mod: Get "https://sum.golang.org/lookup/github.com/prometheus/client_golang@v1.19.0": dial tcp: lookup sum.golang.org on 127.0.0.53:53: read udp 127.0.0.1:51942->127.0.0.53:53: i/o timeout`);
R('network', 'cargo', 'install', 101, 'cargo', `warning: spurious network error (3 tries remaining): [55] Failed sending data to the peer (Connection died, tried 5 times before giving up)
warning: spurious network error (2 tries remaining): [55] Failed sending data to the peer (Connection died, tried 5 times before giving up)
warning: spurious network error (1 tries remaining): [55] Failed sending data to the peer (Connection died, tried 5 times before giving up)
error: failed to download from \`https://static.crates.io/crates/aws-sdk-s3/1.24.0/download\`

Caused by:
  [55] Failed sending data to the peer (Connection died, tried 5 times before giving up)`);
R('network', 'git', 'checkout', 128, 'git', `error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500
fatal: expected flush after ref listing
The process '/usr/bin/git' failed with exit code 128
Waiting 12 seconds before trying again`);
R('network', 'git', 'checkout', 128, 'git', `remote: Enumerating objects: 18422, done.
remote: Counting objects: 100% (18422/18422), done.
error: RPC failed; curl 92 HTTP/2 stream 5 was not closed cleanly: CANCEL (err 8)
error: 4103 bytes of body are still expected
fetch-pack: unexpected disconnect while reading sideband packet
fatal: early EOF
fatal: fetch-pack: invalid index-pack output`);
R('network', 'git', 'checkout', 128, 'git', `fatal: unable to access 'https://gitlab.com/acme/ledger.git/': Failed to connect to gitlab.com port 443 after 130012 ms: Couldn't connect to server`, { ci: 'gitlab' });
R('network', 'curl', 'build', 56, 'shell', `+ curl -fsSL https://get.helm.sh/helm-v3.14.4-linux-amd64.tar.gz -o helm.tgz
curl: (56) Recv failure: Connection reset by peer`);
R('network', 'curl', 'deploy', 6, 'shell', `+ curl -fsS -X POST https://api.github.com/repos/acme/checkout-api/deployments -d @payload.json
curl: (6) Could not resolve host: api.github.com`);
R('network', 'curl', 'build', 22, 'shell', `+ curl -fsSL https://dl.k8s.io/release/v1.30.0/bin/linux/amd64/kubectl -o kubectl
curl: (22) The requested URL returned error: 503`);
R('network', 'curl', 'install', 28, 'shell', `+ curl -sSfL --max-time 60 https://raw.githubusercontent.com/golangci/golangci-lint/master/install.sh
curl: (28) Operation timed out after 60001 milliseconds with 0 out of 0 bytes received`);
R('network', 'docker', 'image-build', 1, 'docker', `#2 [internal] load metadata for docker.io/library/python:3.12-slim
#2 ERROR: failed to do request: Head "https://registry-1.docker.io/v2/library/python/manifests/3.12-slim": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving
------
ERROR: failed to solve: python:3.12-slim: failed to resolve source metadata for docker.io/library/python:3.12-slim: failed to do request: Head "https://registry-1.docker.io/v2/library/python/manifests/3.12-slim": dial tcp: lookup registry-1.docker.io on 127.0.0.53:53: server misbehaving`);
R('network', 'docker', 'image-build', 1, 'docker', `#4 [build 1/7] FROM gcr.io/distroless/nodejs20-debian12@sha256:a1b2c3
#4 ERROR: failed to copy: read tcp 172.17.0.2:40122->142.250.102.82:443: read: connection timed out
------
ERROR: failed to solve: failed to copy: read tcp 172.17.0.2:40122->142.250.102.82:443: read: connection timed out`);
R('network', 'docker', 'image-push', 1, 'push', `Get "https://us-docker.pkg.dev/v2/": net/http: TLS handshake timeout`);
R('network', 'docker', 'image-build', 1, 'shell', `Error response from daemon: Get "https://gcr.io/v2/": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)`);
R('network', 'kubectl', 'deploy', 1, 'kubectl', `Unable to connect to the server: net/http: TLS handshake timeout`);
R('network', 'helm', 'deploy', 1, 'helm', `Error: Kubernetes cluster unreachable: Get "https://api.staging.k8s.acme.io/version": dial tcp 10.20.0.5:443: i/o timeout`);
R('network', 'terraform', 'deploy', 1, 'terraform', `╷
│ Error: Failed to query available provider packages
│ 
│ Could not retrieve the list of available versions for provider hashicorp/aws: could not connect to registry.terraform.io: failed to request discovery document: Get "https://registry.terraform.io/.well-known/terraform.json": net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)
╵`);
R('network', 'apt', 'install', 100, 'apt', `Err:7 http://security.ubuntu.com/ubuntu jammy-security/main amd64 libssl3 amd64 3.0.2-0ubuntu1.15
  Could not connect to security.ubuntu.com:80 (185.125.190.36), connection timed out
E: Failed to fetch http://security.ubuntu.com/ubuntu/pool/main/o/openssl/libssl3_3.0.2-0ubuntu1.15_amd64.deb  Could not connect to security.ubuntu.com:80 (185.125.190.36), connection timed out
E: Unable to fetch some archives, maybe run apt-get update or try with --fix-missing?`);
R('network', 'apt', 'install', 100, 'apt', `Err:1 http://deb.debian.org/debian bookworm InRelease
  Temporary failure resolving 'deb.debian.org'
W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'
W: Some index files failed to download. They have been ignored, or old ones used instead.
E: Unable to locate package postgresql-client`);
R('network', 'pip', 'install', 1, 'pip', `ERROR: Could not install packages due to an OSError: HTTPSConnectionPool(host='pypi.org', port=443): Max retries exceeded with url: /simple/boto3/ (Caused by SSLError(SSLEOFError(8, '[SSL: UNEXPECTED_EOF_WHILE_READING] EOF occurred in violation of protocol (_ssl.c:1006)')))`);
R('network', 'maven', 'build', 1, 'maven', `[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.13.0:compile (default-compile) on project billing-service: Execution default-compile of goal org.apache.maven.plugins:maven-compiler-plugin:3.13.0:compile failed: Plugin org.apache.maven.plugins:maven-compiler-plugin:3.13.0 or one of its dependencies could not be resolved: Could not transfer artifact org.codehaus.plexus:plexus-compiler-javac:jar:2.15.0 from/to central (https://repo.maven.apache.org/maven2): Remote host terminated the handshake: SSL peer shut down incorrectly -> [Help 1]`);
R('network', 'node', 'integration-tests', 1, 'jest', `FAIL tests/integration/payments.test.ts (31.22 s)
  ● payments › creates a charge against the sandbox

    FetchError: request to https://api.sandbox.paymentsco.com/v1/charges failed, reason: Client network socket disconnected before secure TLS connection was established

      at ClientRequest.<anonymous> (node_modules/node-fetch/lib/index.js:1505:11)`);
R('network', 'github-actions', 'deploy', 1, 'shell', `Error: connect ETIMEDOUT 140.82.113.6:443
    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16) {
  errno: -110,
  code: 'ETIMEDOUT',
  syscall: 'connect',
  address: '140.82.113.6',
  port: 443
}`);
R('network', 'upload-artifact', 'unit-tests', 1, 'shell', `With the provided path, there will be 214 files uploaded
Artifact name is valid!
Beginning upload of artifact content to blob storage
Error: Failed to FinalizeArtifact: Unable to make request: ECONNRESET
If you are experiencing this error, please check the status of GitHub Actions: https://www.githubstatus.com/`);

F('network', 'curl', 'deploy', 6, 'shell', `+ curl -fsS https://artifacts.acme.intenral/releases/ledger/latest.json
curl: (6) Could not resolve host: artifacts.acme.intenral`);
F('network', 'npm', 'install', 1, 'npm', `npm ERR! code ENOTFOUND
npm ERR! syscall getaddrinfo
npm ERR! errno ENOTFOUND
npm ERR! network request to https://npm.acme-internal.comm/@acme%2fcore failed, reason: getaddrinfo ENOTFOUND npm.acme-internal.comm
npm ERR! network This is a problem related to network connectivity.`);
F('network', 'curl', 'deploy', 60, 'shell', `+ curl -fsS https://hooks.deploys.acme.io/notify
curl: (60) SSL certificate problem: certificate has expired
More details here: https://curl.se/docs/sslcerts.html

curl failed to verify the legitimacy of the server and therefore could not
establish a secure connection to it.`);
F('network', 'pip', 'install', 1, 'pip', `WARNING: Retrying (Retry(total=4, connect=None, read=None, redirect=None, status=None)) after connection broken by 'SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))': /simple/acme-common/
Could not fetch URL https://pypi.acme.io/simple/acme-common/: There was a problem confirming the ssl certificate: HTTPSConnectionPool(host='pypi.acme.io', port=443): Max retries exceeded with url: /simple/acme-common/ (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: unable to get local issuer certificate (_ssl.c:1006)'))) - skipping
ERROR: Could not find a version that satisfies the requirement acme-common==1.9.0 (from versions: none)
ERROR: No matching distribution found for acme-common==1.9.0`);
F('network', 'docker', 'image-push', 1, 'push', `Error response from daemon: Get "https://registry.acme.local:5000/v2/": tls: failed to verify certificate: x509: certificate signed by unknown authority`);
F('network', 'git', 'checkout', 128, 'git', `fatal: unable to access 'https://git.acme.local/platform/ledger.git/': SSL certificate problem: self-signed certificate in certificate chain`);
F('network', 'maven', 'build', 1, 'maven', `[ERROR] Failed to execute goal on project billing-service: Could not resolve dependencies for project com.acme:billing-service:jar:1.8.0-SNAPSHOT: Failed to collect dependencies at com.acme:shared-money:jar:2.2.0: Failed to read artifact descriptor for com.acme:shared-money:jar:2.2.0: Could not transfer artifact com.acme:shared-money:pom:2.2.0 from/to nexus (https://nexus.acme.io/repository/maven-public/): PKIX path building failed: sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path to requested target -> [Help 1]`);
F('network', 'kubectl', 'deploy', 1, 'kubectl', `Unable to connect to the server: tls: failed to verify certificate: x509: certificate is valid for kubernetes, kubernetes.default, api.prod.k8s.acme.io, not api.staging.k8s.acme.io`);
F('network', 'go', 'integration-tests', 1, 'gotest', `=== RUN   TestWebhookDelivery
    webhook_test.go:57: Post "https://hooks.acme.internal/v1/events": dial tcp: lookup hooks.acme.internal on 168.63.129.16:53: no such host
--- FAIL: TestWebhookDelivery (0.02s)
FAIL
FAIL	github.com/acme/ledger/internal/webhook	0.041s`);
F('network', 'node', 'integration-tests', 1, 'jest', `FAIL tests/integration/db.test.ts
  ● Test suite failed to run

    getaddrinfo ENOTFOUND postgres

      at GetAddrInfoReqWrap.onlookup [as oncomplete] (node:dns:118:26)`);

// ============================ infra: runners, agents, resources ============================
R('infra', 'github-actions', 'build', 143, 'runner', `##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.
##[error]The operation was canceled.`, { ci: 'gha', system: true });
R('infra', 'github-actions', 'unit-tests', -1, 'jest', `The hosted runner: GitHub Actions 41 lost communication with the server. Anything in your workflow that terminates the runner process, starves it for CPU/Memory, or blocks its network access can cause this error.`, { ci: 'gha', system: true });
R('infra', 'github-actions', 'integration-tests', -1, 'gotest', `The self-hosted runner: ci-runner-eu-07 lost communication with the server. Verify the machine is running and has a healthy network connection. Anything in your workflow that terminates the runner process, starves it for CPU/Memory, or blocks its network access can cause this error.`, { ci: 'gha', system: true });
R('infra', 'github-actions', 'image-build', 1, 'docker', `Error: The operation was canceled.
##[error]The runner has received a shutdown signal. This can happen when the runner service is stopped, or a manually started runner is canceled.`, { ci: 'gha', system: true });
R('infra', 'gitlab-runner', 'build', 1, 'shell', `Running with gitlab-runner 16.11.0 (91a27b2a)
  on k8s-runner-autoscale abc123XY, system ID: r_9k2LmQ
Preparing the "kubernetes" executor
Using Kubernetes namespace: gitlab-runners
ERROR: Job failed (system failure): prepare environment: waiting for pod running: timed out waiting for pod to start. Check https://docs.gitlab.com/runner/shells/index.html#shell-profile-loading for more information`, { ci: 'gitlab', system: true });
R('infra', 'gitlab-runner', 'unit-tests', 1, 'pytest', `WARNING: Error while executing file based variables removal script  error=couldn't get pod details: pods "runner-abc123xy-project-4412-concurrent-0-7kq2m9" not found
ERROR: Job failed (system failure): pod "gitlab-runners/runner-abc123xy-project-4412-concurrent-0-7kq2m9" status is "Failed"`, { ci: 'gitlab', system: true });
R('infra', 'gitlab-runner', 'build', 1, 'shell', `ERROR: Job failed (system failure): Error response from daemon: Conflict. The container name "/runner-xk2-project-881-concurrent-0-cache-3c6c" is already in use by container "8f1d0e". You have to remove (or rename) that container to be able to reuse that name. (docker.go:1213:0s)`, { ci: 'gitlab', system: true });
R('infra', 'gitlab-runner', 'build', 1, 'shell', `Uploading artifacts for failed job
Uploading artifacts...
WARNING: Uploading artifacts as "archive" to coordinator... 502 Bad Gateway  id=6712345123 responseStatus=502 Bad Gateway status=502 token=glcbt-64
WARNING: Retrying...                                context=artifacts-uploader error=invalid argument
FATAL: invalid argument
ERROR: Job failed (system failure): unable to upload artifacts`, { ci: 'gitlab', system: true });
R('infra', 'buildkite-agent', 'unit-tests', -1, 'jest', `Received cancellation signal, interrupting
🚨 Error: The command was interrupted by a signal: terminated
Agent lost: the agent stopped sending heartbeats (last heartbeat 3m ago). Exited with status -1 (agent lost)`, { ci: 'buildkite', system: true });
R('infra', 'buildkite-agent', 'build', -1, 'cargo', `Exited with status -1 (agent lost)
The agent running this job was terminated (the EC2 spot instance i-0a1b2c3d4e5f was reclaimed).`, { ci: 'buildkite', system: true });
R('infra', 'jenkins', 'build', 1, 'maven', `Cannot contact agent-linux-spot-14: java.lang.InterruptedException
Agent agent-linux-spot-14 was deleted; cancelling node body
hudson.remoting.ChannelClosedException: Channel "hudson.remoting.Channel@5e1f7b2a:JNLP4-connect connection from ip-10-0-3-41.ec2.internal/10.0.3.41:50214": Remote call on JNLP4-connect connection from ip-10-0-3-41.ec2.internal/10.0.3.41:50214 failed. The channel is closing down or has closed down
	at hudson.remoting.Channel.call(Channel.java:1002)`, { ci: 'jenkins', system: true });
R('infra', 'jenkins', 'unit-tests', 1, 'junit', `wrapper script does not seem to be touching the log file in /home/jenkins/agent/workspace/billing-service_main@tmp/durable-2f1c0a9e
(JENKINS-48300: if on an extremely laggy filesystem, consider -Dorg.jenkinsci.plugins.durabletask.BourneShellScript.HEARTBEAT_CHECK_INTERVAL=86400)
ERROR: Issue with creating launcher for agent k8s-agent-m2x9q. The agent has not been fully initialized yet`, { ci: 'jenkins', system: true });
R('infra', 'kubernetes', 'build', 137, 'gradle', `> Task :app:compileKotlin
Pod ci/runner-7f9c2-build-x2k1 was evicted: The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 8123456Ki. Container build was using 6Gi, request is 0, has larger consumption of ephemeral-storage.
ERROR: Job failed: command terminated with exit code 137`, { ci: 'gitlab' });
R('infra', 'docker', 'build', 1, 'shell', `Error response from daemon: failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: error mounting "/var/lib/docker/volumes/cache/_data": no space left on device: unknown
(self-hosted runner ci-runner-03, workspace /srv/runner/_work)`);
R('infra', 'npm', 'install', 228, 'npm', `npm ERR! code ENOSPC
npm ERR! syscall write
npm ERR! errno -28
npm ERR! nospc ENOSPC: no space left on device, write
npm ERR! nospc There appears to be insufficient space on your system to finish.
npm ERR! nospc Clear up some disk space and try again.`, { ci: 'buildkite' });
R('infra', 'github-actions', 'build', 1, 'runner', `Waiting for a runner to pick up this job...
The job was not acquired by Runner of type hosted even after multiple attempts
Internal server error. Correlation ID: 0c1e2b7d-4f6a-4e3b-8c5d-1a2f7e9b0c3d`, { ci: 'gha', system: true });

R('infra', 'gradle', 'build', 1, 'gradle', `* What went wrong:
Gradle could not start your build.
> Could not create service of type FileHasher using BuildSessionServices.createFileHasher().
   > Timeout waiting to lock file hash cache (/home/runner/.gradle/caches/8.7/fileHashes). It is currently in use by another Gradle instance.
     Owner PID: 2314
     Our PID: 2877
     Owner Operation: 
     Our operation: 
     Lock file: /home/runner/.gradle/caches/8.7/fileHashes/fileHashes.lock`);
R('infra', 'buildkit', 'image-build', 1, 'docker', `#12 [build 5/7] RUN npm run build
#12 41.22 > web@0.1.0 build
#12 ERROR: failed to receive status: rpc error: code = Unavailable desc = error reading from server: EOF
ERROR: failed to solve: rpc error: code = Unavailable desc = error reading from server: EOF`);
R('infra', 'jest', 'unit-tests', 1, 'jest', `FAIL src/orders/__tests__/export.test.ts
  ● Test suite failed to run

    Call retries were exceeded

      at ChildProcessWorker.initialize (node_modules/jest-worker/build/workers/ChildProcessWorker.js:181:21)

Test Suites: 1 failed, 86 passed, 87 total`);

F('infra', 'node', 'build', 134, 'npm', `> web@0.1.0 build
> next build

   Creating an optimized production build ...

<--- Last few GCs --->

[2187:0x6a1c3f0]   101234 ms: Mark-Compact 4046.1 (4138.7) -> 4038.2 (4141.4) MB, 1841.33 / 0.00 ms  (average mu = 0.121, current mu = 0.032) allocation failure; scavenge might not succeed

<--- JS stacktrace --->

FATAL ERROR: Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory
 1: 0xb8a1c0 node::Abort() [node]
Aborted (core dumped)`);
F('infra', 'gradle', 'build', 1, 'gradle', `> Task :app:kaptGenerateStubsKotlin
Expiring Daemon because JVM heap space is exhausted
Daemon will be stopped at the end of the build after running out of JVM memory

FAILURE: Build failed with an exception.

* What went wrong:
Execution failed for task ':app:compileKotlin'.
> java.lang.OutOfMemoryError: Java heap space`);
F('infra', 'gcc', 'build', 1, 'shell', `[ 61%] Building CXX object src/CMakeFiles/engine.dir/planner.cpp.o
c++: fatal error: Killed signal terminated program cc1plus
compilation terminated.
make[2]: *** [src/CMakeFiles/engine.dir/build.make:244: src/CMakeFiles/engine.dir/planner.cpp.o] Error 1
make[1]: *** [CMakeFiles/Makefile2:312: src/CMakeFiles/engine.dir/all] Error 2
make: *** [Makefile:136: all] Error 2`);
F('infra', 'cargo', 'build', 101, 'cargo', `   Compiling ledger v0.4.0 (/workspace/ledger)
error: could not compile \`ledger\` (lib)

Caused by:
  process didn't exit successfully: \`/usr/local/rustup/toolchains/1.77.2-x86_64-unknown-linux-gnu/bin/rustc --crate-name ledger --edition=2021 src/lib.rs\` (signal: 9, SIGKILL: kill)`);
F('infra', 'pytest', 'unit-tests', 137, 'pytest', `tests/unit/test_embeddings.py::test_batch_encode 
Killed
ERROR: Job failed: exit code 137`, { ci: 'gitlab', system: true });
F('infra', 'kubernetes', 'integration-tests', 137, 'junit', `[INFO] Running com.acme.billing.ReportGeneratorIT
Last State:     Terminated
  Reason:       OOMKilled
  Exit Code:    137
[ERROR] The forked VM terminated without properly saying goodbye. VM crash or System.exit called?`);
F('infra', 'docker', 'image-build', 1, 'docker', `#11 [build 4/6] RUN go build -o /out/server ./cmd/server
#11 ERROR: process "/bin/sh -c go build -o /out/server ./cmd/server" did not complete successfully: exit code: 137
------
 > [build 4/6] RUN go build -o /out/server ./cmd/server:
------
ERROR: failed to solve: process "/bin/sh -c go build -o /out/server ./cmd/server" did not complete successfully: exit code: 137`);
F('infra', 'jest', 'unit-tests', 1, 'jest', `<--- Last few GCs --->
[1822:0x5b2e4a0]    88012 ms: Scavenge 2031.4 (2081.2) -> 2029.8 (2082.0) MB, 11.2 / 0.0 ms  (average mu = 0.210, current mu = 0.044) allocation failure;
FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory
A jest worker process (pid=1822) was terminated by another process: signal=SIGABRT, exitCode=null. Operating system logs may contain more information on why this occurred.`);

// ============================ lock ============================
R('lock', 'apt', 'install', 100, 'apt', `E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 2211 (apt-get)
N: Be aware that removing the lock file is not a solution and may break your system.
E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?`);
R('lock', 'apt', 'install', 100, 'apt', `Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1893 (unattended-upgr)... 118s
E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1893 (unattended-upgr)
E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?`);
R('lock', 'terraform', 'deploy', 1, 'terraform', `╷
│ Error: Error acquiring the state lock
│ 
│ Error message: operation error DynamoDB: PutItem, https response error StatusCode: 400, RequestID: Q8J2KSN0, ConditionalCheckFailedException: The conditional request failed
│ Lock Info:
│   ID:        5d6f1c2e-0b9a-4c8d-9e7f-1a2b3c4d5e6f
│   Path:      acme-tf-state/staging/network.tfstate
│   Operation: OperationTypeApply
│   Who:       runner@fv-az1187-412
│   Version:   1.7.5
│   Created:   2024-05-14 10:18:02.411 +0000 UTC
│   Info:      
│ 
│ Terraform acquires a state lock to protect the state from being written
│ by multiple users at the same time. Please resolve the issue above and try
│ again. For most commands, you can disable locking with the "-lock=false"
│ flag, but this is not recommended.
╵`);
R('lock', 'helm', 'deploy', 1, 'helm', `Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress
(another pipeline, #18841, is deploying checkout-api to staging right now)`);
R('lock', 'kubectl', 'deploy', 1, 'kubectl', `Error from server (Conflict): error when applying patch:
{"metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"..."}}}
to:
Resource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, Kind=Deployment"
Name: "checkout-api", Namespace: "payments"
for: "k8s/deployment.yaml": error when patching "k8s/deployment.yaml": Operation cannot be fulfilled on deployments.apps "checkout-api": the object has been modified; please apply your changes to the latest version and try again`);
R('lock', 'sqlite', 'unit-tests', 1, 'pytest', `FAILED tests/unit/test_queue.py::test_concurrent_enqueue - sqlite3.OperationalError: database is locked
=========== 1 failed, 411 passed, 3 warnings in 48.12s ===========`);
R('lock', 'cargo', 'build', 101, 'cargo', `    Blocking waiting for file lock on package cache
    Blocking waiting for file lock on build directory
error: failed to open: /workspace/ledger/target/debug/.cargo-lock

Caused by:
  Resource temporarily unavailable (os error 11)`);
R('lock', 'windows', 'build', 1, 'dotnet', `C:\\Program Files\\dotnet\\sdk\\8.0.204\\Microsoft.Common.CurrentVersion.targets(4960,5): error MSB3027: Could not copy "obj\\Release\\net8.0\\Api.dll" to "bin\\Release\\net8.0\\Api.dll". Exceeded retry count of 10. Failed. The file is locked by: "VBCSCompiler (4412)"`);

F('lock', 'terraform', 'deploy', 1, 'terraform', `╷
│ Error: Error acquiring the state lock
│ 
│ Error message: ConditionalCheckFailedException: The conditional request failed
│ Lock Info:
│   ID:        0b9a4c8d-9e7f-1a2b-3c4d-5e6f5d6f1c2e
│   Path:      acme-tf-state/prod/network.tfstate
│   Operation: OperationTypeApply
│   Who:       jane@jane-macbook.local
│   Version:   1.6.2
│   Created:   2024-02-01 17:44:09.102 +0000 UTC
│   Info:      
│ 
│ Terraform acquires a state lock to protect the state from being written
│ by multiple users at the same time. Please resolve the issue above and try
│ again. For most commands, you can disable locking with the "-lock=false"
│ flag, but this is not recommended.
╵`);
F('lock', 'helm', 'deploy', 1, 'helm', `+ helm history checkout-api -n payments --max 3
REVISION	UPDATED                 	STATUS         	CHART              	APP VERSION	DESCRIPTION
41      	Tue Apr  2 09:12:44 2024	deployed       	checkout-api-2.13.0	2.13.0     	Upgrade complete
42      	Wed Apr  3 16:02:10 2024	pending-upgrade	checkout-api-2.14.0	2.14.0     	Preparing upgrade
Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress`);
F('lock', 'liquibase', 'migrate', 1, 'migrate', `Starting Liquibase at 10:22:41 (version 4.27.0)
Waiting for changelog lock....
Waiting for changelog lock....
Waiting for changelog lock....
ERROR: Exception Primary Class:  LockException
ERROR: Exception Primary Reason:  Could not acquire change log lock.  Currently locked by ci-runner-2 (10.0.3.17) since 1/19/24, 3:04 AM
Unexpected error running Liquibase: Could not acquire change log lock.  Currently locked by ci-runner-2 (10.0.3.17) since 1/19/24, 3:04 AM`);
F('lock', 'git', 'checkout', 128, 'git', `fatal: Unable to create '/srv/jenkins/workspace/ledger_main/.git/index.lock': File exists.

Another git process seems to be running in this repository, e.g.
an editor opened by 'git commit'. Please make sure all processes
are terminated then try again. If it still fails, a git process
may have crashed in this repository earlier:
remove the file manually to continue.
(the lock file is 9 days old; the same error on every build of this workspace since)`, { ci: 'jenkins' });
F('lock', 'npm', 'install', 1, 'npm', `npm ERR! code EACCES
npm ERR! syscall open
npm ERR! path /srv/runner/_work/web/web/package-lock.json
npm ERR! errno -13
npm ERR! Error: EACCES: permission denied, open '/srv/runner/_work/web/web/package-lock.json'
npm ERR!  [Error: EACCES: permission denied, open '/srv/runner/_work/web/web/package-lock.json'] {
npm ERR!   errno: -13,
npm ERR!   code: 'EACCES',
npm ERR!   syscall: 'open',
npm ERR!   path: '/srv/runner/_work/web/web/package-lock.json'
npm ERR! }`);

// ============================ service containers ============================
R('service', 'postgres', 'integration-tests', 1, 'pytest', `E   sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: FATAL:  the database system is starting up
E   (Background on this error at: https://sqlalche.me/e/20/e3q8)
=========================== short test summary info ============================
ERROR tests/integration/test_ledger.py::test_post_entry - sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: FATAL:  the database system is starting up`);
R('service', 'postgres', 'migrate', 1, 'migrate', `Waiting for postgres...
Error: P1001: Can't reach database server at \`postgres\`:\`5432\`

Please make sure your database server is running at \`postgres\`:\`5432\`.`);
R('service', 'node', 'integration-tests', 1, 'jest', `  console.log
    waiting for services: postgres (starting), redis (healthy)

FAIL tests/integration/orders.test.ts
  ● Test suite failed to run

    connect ECONNREFUSED 127.0.0.1:5432

      at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)`);
R('service', 'redis', 'integration-tests', 1, 'pytest', `FAILED tests/integration/test_cache.py::test_warm_cache - redis.exceptions.BusyLoadingError: Redis is loading the dataset in memory
=========== 1 failed, 87 passed in 12.41s ===========`);
R('service', 'mysql', 'integration-tests', 1, 'junit', `[ERROR] com.acme.billing.InvoiceRepositoryIT  Time elapsed: 3.112 s  <<< ERROR!
org.springframework.jdbc.CannotGetJdbcConnectionException: Failed to obtain JDBC Connection
Caused by: com.mysql.cj.jdbc.exceptions.CommunicationsException: Communications link failure

The last packet sent successfully to the server was 0 milliseconds ago. The driver has not received any packets from the server.
Caused by: java.net.ConnectException: Connection refused
(service container mysql:8.0 health: starting)`);
R('service', 'kafka', 'integration-tests', 1, 'junit', `[ERROR] com.acme.events.PublisherIT.publishesOrderCreated  Time elapsed: 60.02 s  <<< ERROR!
org.apache.kafka.common.errors.TimeoutException: Timed out waiting for a node assignment. Call: createTopics`);
R('service', 'go', 'integration-tests', 1, 'gotest', `=== RUN   TestRepository_Save
    repo_test.go:31: waiting for database: attempt 10/10
    repo_test.go:34: failed to connect to \`host=localhost user=test database=ledger\`: dial error (dial tcp 127.0.0.1:5432: connect: connection refused)
--- FAIL: TestRepository_Save (10.04s)
FAIL
FAIL	github.com/acme/ledger/internal/store	10.112s`);
R('service', 'docker-compose', 'integration-tests', 1, 'shell', `+ docker compose up -d --wait
 Container ledger-db-1  Creating
 Container ledger-db-1  Created
 Container ledger-db-1  Starting
 Container ledger-db-1  Started
 Container ledger-db-1  Waiting
container ledger-db-1 is unhealthy
dependency failed to start: container ledger-db-1 is unhealthy`);
R('service', 'cypress', 'integration-tests', 1, 'e2e', `> start-server-and-test start http://localhost:3000 cy:run
  CypressError: \`cy.visit()\` failed trying to load:

  http://localhost:3000/login

  We attempted to make an http request to this URL but the request failed without a response.

  We received this error at the network level:

    > Error: connect ECONNREFUSED 127.0.0.1:3000

  Common situations why this would fail:
    - you don't have internet access
    - you forgot to run / boot your web server`);
R('service', 'mongodb', 'integration-tests', 1, 'jest', `FAIL tests/integration/catalog.test.ts (30.6 s)
  ● catalog › lists products

    MongoServerSelectionError: connect ECONNREFUSED 127.0.0.1:27017

      at Timeout._onTimeout (node_modules/mongodb/lib/sdam/topology.js:278:38)`);
R('service', 'elasticsearch', 'integration-tests', 1, 'pytest', `E   elastic_transport.ConnectionError: Connection error caused by: ConnectionError(Connection error caused by: NewConnectionError(<urllib3.connection.HTTPConnection object at 0x7f2b1c9d3e50>: Failed to establish a new connection: [Errno 111] Connection refused))
FAILED tests/integration/test_search.py::test_index_products - elastic_transport.ConnectionError: Connection error caused by: ConnectionError(...)
(services: elasticsearch:8.13.0 status=starting)`);

F('service', 'node', 'integration-tests', 1, 'jest', `> api@1.0.0 test:e2e
> jest --config jest.e2e.config.js

[Nest] 2211  - 05/14/2024, 10:22:41 AM     LOG [NestApplication] Nest application successfully started +4ms
Server listening on http://0.0.0.0:8080
FAIL test/app.e2e-spec.ts
  ● AppController (e2e) › /health (GET)

    connect ECONNREFUSED 127.0.0.1:3000

      at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)`);
F('service', 'postgres', 'integration-tests', 1, 'pytest', `E   psycopg.OperationalError: connection failed: connection to server at "127.0.0.1", port 5433 failed: Connection refused
E   	Is the server running on that host and accepting TCP/IP connections?
(services: postgres:16 ports: 5432:5432, status=healthy; DATABASE_URL=postgresql://test@127.0.0.1:5433/test)`);
F('service', 'cypress', 'integration-tests', 1, 'e2e', `> serve -s build -l 5000
   INFO  Accepting connections at http://localhost:5000
  CypressError: \`cy.visit()\` failed trying to load:

  http://localhost:3000/

  We attempted to make an http request to this URL but the request failed without a response.

  We received this error at the network level:

    > Error: connect ECONNREFUSED 127.0.0.1:3000`);
F('service', 'postgres', 'migrate', 1, 'migrate', `Error: P1000: Authentication failed against database server at \`postgres\`, the provided database credentials for \`app\` are not valid.

Please make sure to provide valid database credentials for the database server at \`postgres\`.`);
F('service', 'docker', 'image-build', 1, 'shell', `$ docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .
error during connect: Post "http://docker:2375/v1.24/build?t=registry.gitlab.com%2Facme%2Fledger%3A9c1e2b7": dial tcp: lookup docker on 10.0.0.2:53: no such host
Cannot connect to the Docker daemon at tcp://docker:2375. Is the docker daemon running?`, { ci: 'gitlab' });
F('service', 'kubectl', 'deploy', 1, 'kubectl', `+ kubectl apply -f k8s/
The connection to the server localhost:8080 was refused - did you specify the right host or port?`);
F('service', 'spring', 'integration-tests', 1, 'junit', `2024-05-14T10:22:38.114Z  INFO 2211 --- [           main] o.s.b.w.embedded.tomcat.TomcatWebServer  : Tomcat started on port 8080 (http) with context path ''
[ERROR] com.acme.billing.ApiIT.healthEndpointIsUp  Time elapsed: 0.412 s  <<< ERROR!
org.springframework.web.client.ResourceAccessException: I/O error on GET request for "http://localhost:8081/actuator/health": Connection refused
Caused by: java.net.ConnectException: Connection refused`);
F('service', 'node', 'unit-tests', 1, 'jest', `FAIL src/server/__tests__/server.test.ts
  ● server › starts

    listen EADDRINUSE: address already in use :::3000

      at Server.setupListenHandle [as _listen2] (node:net:1872:16)
      at src/server/__tests__/server.test.ts:12:20
  (both server.test.ts and app.test.ts start the app on port 3000 in the same worker)`);

// ============================ deploy ============================
R('deploy', 'kubectl', 'deploy', 1, 'kubectl', `Error from server (InternalError): error when creating "k8s/ingress.yaml": Internal error occurred: failed calling webhook "validate.nginx.ingress.kubernetes.io": failed to call webhook: Post "https://ingress-nginx-controller-admission.ingress-nginx.svc:443/networking/v1/ingresses?timeout=10s": context deadline exceeded`);
R('deploy', 'kubectl', 'deploy', 1, 'kubectl', `The connection to the server api.staging.k8s.acme.io:6443 was refused - did you specify the right host or port?
(EKS control plane upgrade 1.28 -> 1.29 in progress)`);
R('deploy', 'kubectl', 'deploy', 1, 'kubectl', `Error from server (ServiceUnavailable): the server is currently unable to handle the request (get deployments.apps checkout-api)`);
R('deploy', 'kubectl', 'deploy', 1, 'kubectl', `error: error upgrading connection: error dialing backend: dial tcp 10.0.12.41:10250: i/o timeout`);
R('deploy', 'helm', 'deploy', 1, 'helm', `Error: UPGRADE FAILED: Get "https://10.96.0.1:443/apis/apps/v1/namespaces/payments/deployments/checkout-api": http2: client connection lost`);
R('deploy', 'helm', 'deploy', 1, 'helm', `Error: INSTALLATION FAILED: etcdserver: request timed out`);
R('deploy', 'terraform', 'deploy', 1, 'terraform', `╷
│ Error: updating ECS Service (arn:aws:ecs:eu-west-1:123456789012:service/staging/checkout-api): operation error ECS: UpdateService, https response error StatusCode: 400, RequestID: 5c1e2b7d-0a4f, api error ThrottlingException: Rate exceeded
│ 
│   with aws_ecs_service.app,
│   on ecs.tf line 41, in resource "aws_ecs_service" "app":
│   41: resource "aws_ecs_service" "app" {
╵`);
R('deploy', 'aws', 'deploy', 1, 'shell', `upload failed: dist/app.js to s3://acme-web-assets/app.js An error occurred (SlowDown) when calling the PutObject operation (reached max retries: 4): Please reduce your request rate.`);
R('deploy', 'argocd', 'deploy', 20, 'shell', `time="2024-05-14T10:22:41Z" level=fatal msg="rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial tcp 10.0.7.12:443: connect: connection refused\\""
(argocd-server restarting after upgrade)`);
R('deploy', 'gcloud', 'deploy', 1, 'shell', `ERROR: (gcloud.run.deploy) INTERNAL: An internal error occurred. Please retry. [code=13]`);

F('deploy', 'kubectl', 'deploy', 1, 'kubectl', `error: error validating "k8s/deployment.yaml": error validating data: ValidationError(Deployment.spec.template.spec.containers[0]): unknown field "imagePullPolicyy" in io.k8s.api.core.v1.Container; if you choose to ignore these errors, turn validation off with --validate=false`);
F('deploy', 'helm', 'deploy', 1, 'helm', `Error: INSTALLATION FAILED: YAML parse error on checkout-api/templates/deployment.yaml: error converting YAML to JSON: yaml: line 22: did not find expected key`);
F('deploy', 'helm', 'deploy', 1, 'helm', `Error: UPGRADE FAILED: template: checkout-api/templates/deployment.yaml:31:28: executing "checkout-api/templates/deployment.yaml" at <.Values.image.tagg>: nil pointer evaluating interface {}.tagg`);
F('deploy', 'helm', 'deploy', 1, 'helm', `checkout-api-7d9f8b6c4-x2k1p   0/1     CrashLoopBackOff   5 (41s ago)   4m2s
Error: UPGRADE FAILED: release checkout-api failed, and has been rolled back due to atomic being set: context deadline exceeded`);
F('deploy', 'kubectl', 'deploy', 1, 'kubectl', `Waiting for deployment "checkout-api" rollout to finish: 1 old replicas are pending termination...
checkout-api-6c9d7f5b8-q8w2e   0/1     ImagePullBackOff   0          9m
error: deployment "checkout-api" exceeded its progress deadline`);
F('deploy', 'terraform', 'deploy', 1, 'terraform', `╷
│ Error: Unsupported argument
│ 
│   on main.tf line 12, in resource "aws_s3_bucket" "artifacts":
│   12:   acl_policy = "private"
│ 
│ An argument named "acl_policy" is not expected here.
╵`);
F('deploy', 'terraform', 'deploy', 1, 'terraform', `╷
│ Error: creating S3 Bucket (acme-artifacts): operation error S3: CreateBucket, https response error StatusCode: 409, RequestID: 7RZ2, BucketAlreadyExists: 
│ 
│   with aws_s3_bucket.artifacts,
│   on main.tf line 10, in resource "aws_s3_bucket" "artifacts":
╵`);
F('deploy', 'docker', 'image-build', 1, 'docker', `#9 [build 3/6] COPY dist/ /app/dist/
#9 ERROR: failed to calculate checksum of ref 8f1d0e2c::qz9x1w: "/dist": not found
------
 > [build 3/6] COPY dist/ /app/dist/:
------
ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref 8f1d0e2c::qz9x1w: "/dist": not found`);
F('deploy', 'docker', 'image-build', 1, 'docker', `Dockerfile:14
--------------------
  12 |     WORKDIR /app
  13 |     COPY . .
  14 | >>> RUNN npm run build
--------------------
ERROR: failed to solve: dockerfile parse error on line 14: unknown instruction: RUNN (did you mean RUN?)`);
F('deploy', 'docker', 'deploy', 1, 'shell', `exec /usr/local/bin/docker-entrypoint.sh: exec format error`);
F('deploy', 'shell', 'deploy', 127, 'shell', `+ jq -r .version package.json
/home/runner/work/_temp/8f1d0e2c.sh: line 3: jq: command not found`);
F('deploy', 'github-actions', 'build', 1, 'runner', `Error: Unable to resolve action \`actions/setup-nod@v4\`, repository not found`, { ci: 'gha', system: true });
F('deploy', 'gitlab', 'build', 1, 'shell', `This GitLab CI configuration is invalid: jobs:deploy:rules:if invalid expression syntax`, { ci: 'gitlab', system: true });
F('deploy', 'github-actions', 'deploy', 1, 'shell', `Error: Unable to process file command 'env' successfully.
Error: Invalid format 'KUBE_CONFIG<<EOF'`);

// ============================ auth ============================
R('auth', 'ecr', 'image-push', 1, 'push', `denied: Your authorization token has expired. Reauthenticate and try again.`);
R('auth', 'aws', 'deploy', 254, 'shell', `An error occurred (ExpiredToken) when calling the DescribeServices operation: The security token included in the request is expired`);
R('auth', 'aws', 'deploy', 1, 'aws', `Error: Could not assume role with OIDC: Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements`);
R('auth', 'azure', 'deploy', 1, 'shell', `Error: AADSTS700024: Client assertion is not within its valid time range. Current time: 2024-05-14T11:41:02.0000000Z, assertion valid from 2024-05-14T10:22:31.0000000Z, expiry time of assertion 2024-05-14T10:27:31.0000000Z. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .
Error: Login failed with Error: The process '/usr/bin/az' failed with exit code 1. Double check if the 'auth-type' is correct.`);
R('auth', 'gcloud', 'deploy', 1, 'shell', `ERROR: (gcloud.container.clusters.get-credentials) There was a problem refreshing your current auth tokens: ('Unable to acquire impersonated credentials', '{\\n  "error": {\\n    "code": 503,\\n    "message": "The service is currently unavailable.",\\n    "status": "UNAVAILABLE"\\n  }\\n}\\n')`);

F('auth', 'git', 'checkout', 128, 'git', `remote: Permission to acme/checkout-api.git denied to github-actions[bot].
fatal: unable to access 'https://github.com/acme/checkout-api/': The requested URL returned error: 403
Error: The process '/usr/bin/git' failed with exit code 128`);
F('auth', 'docker', 'image-push', 1, 'push', `denied: requested access to the resource is denied`);
F('auth', 'ghcr', 'image-push', 1, 'push', `denied: permission_denied: write_package`);
F('auth', 'kubectl', 'deploy', 1, 'kubectl', `Error from server (Forbidden): error when retrieving current configuration of:
Resource: "apps/v1, Resource=deployments", GroupVersionKind: "apps/v1, Kind=Deployment"
Name: "checkout-api", Namespace: "payments"
from server for: "k8s/deployment.yaml": deployments.apps "checkout-api" is forbidden: User "system:serviceaccount:ci:deployer" cannot get resource "deployments" in API group "apps" in the namespace "payments"`);
F('auth', 'shell', 'deploy', 126, 'shell', `+ ./scripts/deploy.sh staging
/home/runner/work/_temp/5c1b2e7d.sh: line 1: ./scripts/deploy.sh: Permission denied`);
F('auth', 'aws', 'deploy', 1, 'aws', `Error: Could not assume role with OIDC: Not authorized to perform sts:AssumeRoleWithWebIdentity`);
F('auth', 'aws', 'deploy', 1, 'shell', `upload failed: dist/app.js to s3://acme-web-assets/app.js An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::123456789012:assumed-role/gha-deploy/GitHubActions is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::acme-web-assets/app.js" because no identity-based policy allows the s3:PutObject action`);
F('auth', 'npm', 'install', 1, 'npm', `npm ERR! code E401
npm ERR! Unable to authenticate, your authentication token seems to be invalid.
npm ERR! To correct this please try logging in again with:
npm ERR!     npm login`);
F('auth', 'npm', 'deploy', 1, 'npm', `npm ERR! code E403
npm ERR! 403 403 Forbidden - PUT https://registry.npmjs.org/@acme%2fcore - You cannot publish over the previously published versions: 1.4.2.
npm ERR! 403 In most cases, you or one of your dependencies are requesting
npm ERR! 403 a package version that is forbidden by your security policy, or
npm ERR! 403 on a server you do not have access to.`);
F('auth', 'pip', 'install', 1, 'pip', `Looking in indexes: https://pypi.org/simple, https://pkgs.dev.azure.com/acme/_packaging/internal/pypi/simple/
ERROR: HTTP error 403 while getting https://pkgs.dev.azure.com/acme/_packaging/internal/pypi/download/acme-common/1.9/acme_common-1.9.0-py3-none-any.whl
ERROR: 403 Client Error: Forbidden - User 'Build\\6c1e2b7d' lacks permission to complete this action. You need to have 'ReadPackages'. for url: https://pkgs.dev.azure.com/acme/_packaging/internal/pypi/download/acme-common/1.9/acme_common-1.9.0-py3-none-any.whl`);
F('auth', 'vault', 'deploy', 2, 'shell', `Error writing data to auth/jwt/login: Error making API request.

URL: PUT https://vault.acme.io/v1/auth/jwt/login
Code: 400. Errors:

* error validating claims: claim "ref" does not match any associated bound claim values`);
F('auth', 'postgres', 'migrate', 1, 'migrate', `psql: error: connection to server at "db.staging.acme.io" (10.20.4.11), port 5432 failed: FATAL:  permission denied for database "ledger"
DETAIL:  User does not have CONNECT privilege.`);
F('auth', 'sonar', 'lint', 2, 'shell', `ERROR: Error during SonarScanner execution
ERROR: Not authorized. Please check the user token in the property 'sonar.token' or the credentials in the properties 'sonar.login' and 'sonar.password'.`);
F('auth', 'github-actions', 'checkout', 1, 'runner', `Run actions/checkout@v4
Error: Input required and not supplied: token`);
F('auth', 'aws', 'deploy', 1, 'aws', `Error: Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers`);
F('auth', 'docker', 'image-push', 1, 'runner', `Run docker/login-action@v3
Error: Username and password required`);
F('auth', 'git', 'checkout', 128, 'git', `Fetching submodules
fatal: could not read Username for 'https://github.com': terminal prompts disabled
fatal: clone of 'https://github.com/acme/shared-protos.git' into submodule path '/home/runner/work/ledger/ledger/protos' failed
Failed to clone 'protos'. Retry scheduled`);
F('auth', 'helm', 'deploy', 1, 'helm', `Error: INSTALLATION FAILED: secrets is forbidden: User "system:serviceaccount:ci:deployer" cannot create resource "secrets" in API group "" in the namespace "payments"`);
F('auth', 'kubectl', 'deploy', 1, 'kubectl', `Error from server (NotFound): secrets "db-credentials" not found`);
F('auth', 'node', 'integration-tests', 1, 'jest', `FAIL tests/integration/stripe.test.ts
  ● Test suite failed to run

    Error: STRIPE_API_KEY is not set. Add it to the repository secrets.

      at Object.<anonymous> (tests/integration/setup.ts:4:9)`);
F('auth', 'codecov', 'unit-tests', 1, 'shell', `[2024-05-14T10:22:31.102Z] ['error'] There was an error running the uploader: Error uploading to https://codecov.io: Error: There was an error fetching the storage URL during POST: 400 - {"message":"Token required because branch is protected"}`);

// ============================ tests: flaky vs real ============================
R('test', 'jest', 'integration-tests', 1, 'jest', `FAIL tests/integration/webhooks.test.ts (12.81 s)
  ● webhooks › delivers the event to the sandbox endpoint

    thrown: "Exceeded timeout of 5000 ms for a test.
    Add a timeout value to this test to increase the timeout, if this is a long-running test. See https://jestjs.io/docs/api#testname-fn-timeout."

      40 |   it('delivers the event to the sandbox endpoint', async () => {
      41 |     const res = await fetch(\`\${SANDBOX}/hooks\`, { method: 'POST', body });
    > 42 |     expect(res.status).toBe(202);

      at tests/integration/webhooks.test.ts:40:3

Tests:       1 failed, 63 passed, 64 total`);
R('test', 'pytest', 'integration-tests', 1, 'pytest', `tests/integration/test_payments.py::test_refund_roundtrip FAILED                 [ 71%]
E       httpx.ReadTimeout: The read operation timed out
=========================== short test summary info ============================
FAILED tests/integration/test_payments.py::test_refund_roundtrip - httpx.ReadTimeout: The read operation timed out
================== 1 failed, 211 passed, 2 skipped in 96.44s (0:01:36) ==================`);
R('test', 'pytest', 'integration-tests', 1, 'pytest', `E   requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.sandbox.paymentsco.com', port=443): Max retries exceeded with url: /v1/refunds (Caused by ProtocolError('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer')))
FAILED tests/integration/test_refunds.py::test_partial_refund - requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.sandbox.paymentsco.com', port=443): Max retries exceeded
==== 1 failed, 140 passed in 61.09s ====`);
R('test', 'playwright', 'integration-tests', 1, 'e2e', `  1) [webkit] › checkout.spec.ts:44:5 › checkout › pays with a saved card ──────────────────────

    Test timeout of 30000ms exceeded.

    Error: locator.click: Test timeout of 30000ms exceeded.
    Call log:
      - waiting for getByRole('button', { name: 'Pay now' })
      -   locator resolved to <button disabled type="submit" class="btn-primary">Pay now</button>
      - attempting click action
      -   waiting for element to be visible, enabled and stable
      -   element is not enabled - waiting...

  1 failed
    [webkit] › checkout.spec.ts:44:5 › checkout › pays with a saved card
  1 flaky
    [chromium] › cart.spec.ts:31:5 › remove from cart
  40 passed (2.1m)`);
R('test', 'cypress', 'integration-tests', 1, 'e2e', `  1) Search
       shows results as the user types:
     AssertionError: Timed out retrying after 4000ms: Expected to find element: \`[data-cy=result-item]\`, but never found it.
      at Context.eval (webpack:///./cypress/e2e/search.cy.ts:18:9)

  (Screenshots)
  -  /home/runner/work/web/web/cypress/screenshots/search.cy.ts/Search -- shows results as the user types (failed).png`);
R('test', 'go', 'integration-tests', 1, 'gotest', `=== RUN   TestConsumer_Rebalance
    consumer_test.go:88: timed out waiting for consumer group rebalance after 30s
--- FAIL: TestConsumer_Rebalance (30.01s)
FAIL
FAIL	github.com/acme/ledger/internal/events	31.207s`);
R('test', 'junit', 'integration-tests', 1, 'junit', `[ERROR] Tests run: 9, Failures: 0, Errors: 1, Skipped: 0, Time elapsed: 41.22 s <<< FAILURE! -- in com.acme.billing.PaymentClientIT
[ERROR] com.acme.billing.PaymentClientIT.chargesCard -- Time elapsed: 30.01 s <<< ERROR!
java.net.SocketTimeoutException: Read timed out
	at java.base/sun.nio.ch.NioSocketImpl.timedFinishConnect(NioSocketImpl.java:546)
	at com.acme.billing.PaymentClient.charge(PaymentClient.java:77)`);
R('test', 'selenium', 'integration-tests', 1, 'pytest', `E       selenium.common.exceptions.WebDriverException: Message: unknown error: session deleted because of page crash
E       from unknown error: cannot determine loading status
E       from tab crashed
FAILED tests/e2e/test_dashboard.py::test_charts_render - selenium.common.exceptions.WebDriverException: Message: unknown error: session deleted because of page crash`);
R('test', 'jest', 'unit-tests', 1, 'jest', `FAIL src/scheduler/__tests__/debounce.test.ts
  ● debounce › fires once after the quiet period

    expect(jest.fn()).toHaveBeenCalledTimes(expected)

    Expected number of calls: 1
    Received number of calls: 2

      at Object.<anonymous> (src/scheduler/__tests__/debounce.test.ts:27:22)
  (this test uses real timers; it failed 3 times in the last 200 runs of main)`);
R('test', 'pytest', 'unit-tests', 1, 'pytest', `tests/unit/test_cache.py::test_ttl_expiry FAILED                                [ 38%]
E       assert 1 == 0
E        +  where 1 = len([<Entry key='a'>])
    time.sleep(0.05)  # ttl=0.05
FAILED tests/unit/test_cache.py::test_ttl_expiry - assert 1 == 0
(flaky: passed on rerun with pytest --lf; timing-dependent sleep on a loaded runner)`);
R('test', 'gotest', 'unit-tests', 1, 'gotest', `=== RUN   TestWorkerPool_Shutdown
    pool_test.go:64: expected 100 completed jobs, got 99
--- FAIL: TestWorkerPool_Shutdown (0.31s)
FAIL
FAIL	github.com/acme/ledger/internal/pool	0.402s
(known flaky: TestWorkerPool_Shutdown fails about 1 run in 50)`);
R('test', 'vitest', 'unit-tests', 1, 'vitest', ` FAIL  src/lib/ws.test.ts > websocket client > reconnects after the server drops
Error: Test timed out in 5000ms.
If this is a long-running test, pass a timeout value as the last argument or configure it globally with "testTimeout".
 ❯ src/lib/ws.test.ts:41:3

 Test Files  1 failed | 37 passed (38)
      Tests  1 failed | 412 passed (413)`);
R('test', 'rspec', 'integration-tests', 1, 'bundler', `Failures:

  1) Checkout with a saved card completes the order
     Failure/Error: expect(page).to have_content("Thank you for your order")
     Capybara::ElementNotFound:
       Unable to find text "Thank you for your order" within #<Capybara::Node::Element tag="body">
     # ./spec/system/checkout_spec.rb:31:in \`block (2 levels) in <top (required)>'
     # (retry of this example passed locally and on 19 of the last 20 runs)

Finished in 2 minutes 14.2 seconds (files took 3.1 seconds to load)
212 examples, 1 failure`);
R('test', 'gradle', 'unit-tests', 1, 'gradle', `> Task :app:test

com.acme.billing.RateLimiterTest > allowsBurstThenThrottles() FAILED
    org.opentest4j.AssertionFailedError: expected: <10> but was: <9>
        at app//com.acme.billing.RateLimiterTest.allowsBurstThenThrottles(RateLimiterTest.java:48)
    (wall-clock based; fails when the runner is slow)

214 tests completed, 1 failed`);

F('test', 'jest', 'unit-tests', 1, 'jest', `FAIL src/cart/__tests__/totals.test.ts
  ● totals › applies the percentage discount before tax

    expect(received).toBe(expected) // Object.is equality

    Expected: 107
    Received: 100

      18 |     const total = computeTotal(cart, { discount: 0.1, tax: 0.19 });
    > 19 |     expect(total).toBe(107);
         |                   ^

      at Object.<anonymous> (src/cart/__tests__/totals.test.ts:19:19)

Tests:       1 failed, 211 passed, 212 total`);
F('test', 'jest', 'unit-tests', 1, 'jest', `FAIL src/orders/__tests__/export.test.ts (6.2 s)
  ● export › streams every order to the writer

    thrown: "Exceeded timeout of 5000 ms for a test while waiting for \`done()\` to be called.
    Add a timeout value to this test to increase the timeout, if this is a long-running test. See https://jestjs.io/docs/api#testname-fn-timeout."

      22 |   it('streams every order to the writer', (done) => {
      23 |     exporter.on('finish', () => { expect(writer.rows).toHaveLength(3); });
         |     ^

      at src/orders/__tests__/export.test.ts:22:3`);
F('test', 'jest', 'unit-tests', 1, 'jest', `FAIL src/components/__tests__/Header.test.tsx
  ● Header › renders the user menu

    expect(received).toMatchSnapshot()

    Snapshot name: \`Header renders the user menu 1\`

    - Snapshot  - 1
    + Received  + 1

    -       Sign out
    +       Log out

 › 1 snapshot failed from 1 test suite. Inspect your code changes or run \`npm test -- -u\` to update them.`);
F('test', 'pytest', 'unit-tests', 1, 'pytest', `    def test_invoice_status_after_payment(invoice, payment):
        apply_payment(invoice, payment)
>       assert invoice.status == "paid"
E       AssertionError: assert 'pending' == 'paid'
E         
E         - paid
E         + pending

tests/unit/test_invoices.py:58: AssertionError
=========================== short test summary info ============================
FAILED tests/unit/test_invoices.py::test_invoice_status_after_payment - AssertionError: assert 'pending' == 'paid'
======================== 1 failed, 410 passed in 22.71s ========================`);
F('test', 'pytest', 'unit-tests', 2, 'pytest', `==================================== ERRORS ====================================
_______________ ERROR collecting tests/unit/test_reconcile.py ________________
ImportError while importing test module '/builds/acme/ledger/tests/unit/test_reconcile.py'.
Hint: make sure your test modules/packages have valid Python names.
Traceback:
tests/unit/test_reconcile.py:3: in <module>
    from ledger.reconcile import match_entries
E   ImportError: cannot import name 'match_entries' from 'ledger.reconcile' (/builds/acme/ledger/ledger/reconcile.py)
=========================== short test summary info ============================
ERROR tests/unit/test_reconcile.py
!!!!!!!!!!!!!!!!!!!! Interrupted: 1 error during collection !!!!!!!!!!!!!!!!!!!!`);
F('test', 'pytest', 'integration-tests', 1, 'pytest', `tests/integration/test_ledger.py::test_concurrent_transfers 
+++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++
~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~ Stack of MainThread (140239) ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
  File "/builds/acme/ledger/ledger/transfer.py", line 88, in transfer
    with src.lock, dst.lock:
+++++++++++++++++++++++++++++++++++ Timeout ++++++++++++++++++++++++++++++++++++
FAILED tests/integration/test_ledger.py::test_concurrent_transfers - Failed: Timeout >120.0s
(deadlock: transfer() takes the two account locks in argument order; fails on every run since this commit)`);
F('test', 'junit', 'unit-tests', 1, 'junit', `[ERROR] Tests run: 31, Failures: 1, Errors: 0, Skipped: 0, Time elapsed: 0.812 s <<< FAILURE! -- in com.acme.billing.InvoiceServiceTest
[ERROR] com.acme.billing.InvoiceServiceTest.totalIncludesVat -- Time elapsed: 0.011 s <<< FAILURE!
org.opentest4j.AssertionFailedError: expected: <119.00> but was: <100.00>
	at org.junit.jupiter.api.AssertionFailureBuilder.build(AssertionFailureBuilder.java:151)
	at com.acme.billing.InvoiceServiceTest.totalIncludesVat(InvoiceServiceTest.java:42)

[ERROR] Failures: 
[ERROR]   InvoiceServiceTest.totalIncludesVat:42 expected: <119.00> but was: <100.00>
[ERROR] Tests run: 212, Failures: 1, Errors: 0, Skipped: 3`);
F('test', 'junit', 'unit-tests', 1, 'junit', `[ERROR] com.acme.billing.RefundServiceTest.refundsPartialAmount -- Time elapsed: 0.004 s <<< ERROR!
java.lang.NullPointerException: Cannot invoke "java.math.BigDecimal.subtract(java.math.BigDecimal)" because "this.captured" is null
	at com.acme.billing.RefundService.refund(RefundService.java:57)
	at com.acme.billing.RefundServiceTest.refundsPartialAmount(RefundServiceTest.java:33)`);
F('test', 'gotest', 'unit-tests', 1, 'gotest', `=== RUN   TestParseAmount/negative
    amount_test.go:45: ParseAmount("-12.50") = 1250, want -1250
--- FAIL: TestParseAmount (0.00s)
    --- FAIL: TestParseAmount/negative (0.00s)
FAIL
FAIL	github.com/acme/ledger/internal/money	0.018s`);
F('test', 'gotest', 'unit-tests', 2, 'gotest', `panic: runtime error: invalid memory address or nil pointer dereference [recovered]
	panic: runtime error: invalid memory address or nil pointer dereference
[signal SIGSEGV: segmentation violation code=0x1 addr=0x18 pc=0x6b2f0c]

goroutine 21 [running]:
testing.tRunner.func1.2({0x7a1c20, 0xa3e5b0})
	/usr/local/go/src/testing/testing.go:1631 +0x24a
github.com/acme/ledger/internal/store.(*Repo).Save(0x0, {0x8b1e40, 0xc0000a2000})
	/builds/acme/ledger/internal/store/repo.go:41 +0x2e
FAIL	github.com/acme/ledger/internal/store	0.021s`);
F('test', 'gotest', 'integration-tests', 1, 'gotest', `panic: test timed out after 10m0s
running tests:
	TestTransfer_Concurrent (10m0s)

goroutine 37 [sync.Mutex.Lock, 9 minutes]:
sync.runtime_SemacquireMutex(0xc0001a2008?, 0x0?, 0x0?)
	/usr/local/go/src/runtime/sema.go:77 +0x25
github.com/acme/ledger/internal/transfer.(*Account).Debit(0xc0001a2000, 0x64)
	/builds/acme/ledger/internal/transfer/account.go:29 +0x45
FAIL	github.com/acme/ledger/internal/transfer	600.021s`);
F('test', 'cargotest', 'unit-tests', 101, 'cargotest', `---- money::tests::splits_evenly stdout ----
thread 'money::tests::splits_evenly' panicked at src/money.rs:88:9:
assertion \`left == right\` failed
  left: [34, 33, 33]
 right: [33, 33, 34]
note: run with \`RUST_BACKTRACE=1\` environment variable to display a backtrace

failures:
    money::tests::splits_evenly

test result: FAILED. 57 passed; 1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.04s

error: test failed, to rerun pass \`--lib\``);
F('test', 'vitest', 'unit-tests', 1, 'vitest', ` FAIL  src/lib/format.test.ts > formatMoney > uses the locale's grouping
AssertionError: expected '1,234.50 €' to be '1.234,50 €' // Object.is equality

- Expected
+ Received

- 1.234,50 €
+ 1,234.50 €

 ❯ src/lib/format.test.ts:22:40

 Test Files  1 failed | 37 passed (38)`);
F('test', 'playwright', 'integration-tests', 1, 'e2e', `  1) [chromium] › login.spec.ts:30:5 › login › shows an error for a wrong password ──────────────

    Error: Timed out 5000ms waiting for expect(locator).toHaveText(expected)

    Locator: getByTestId('login-error')
    Expected string: "Wrong email or password"
    Received string: "Invalid credentials"
    Call log:
      - expect.toHaveText with timeout 5000ms
      - waiting for getByTestId('login-error')
      -   locator resolved to <p data-testid="login-error">Invalid credentials</p>
      -   unexpected value "Invalid credentials"

  1 failed
    [chromium] › login.spec.ts:30:5 › login › shows an error for a wrong password`);
F('test', 'rspec', 'unit-tests', 1, 'bundler', `Failures:

  1) Invoice#total includes VAT
     Failure/Error: expect(invoice.total).to eq(119)

       expected: 119
            got: 100

       (compared using ==)
     # ./spec/models/invoice_spec.rb:14:in \`block (3 levels) in <top (required)>'

212 examples, 1 failure`);
F('test', 'jest', 'unit-tests', 1, 'jest', `FAIL src/api/__tests__/client.test.ts
  ● Test suite failed to run

    Cannot find module '../config' from 'src/api/client.ts'

    Require stack:
      src/api/client.ts
      src/api/__tests__/client.test.ts`);
F('test', 'dotnet', 'unit-tests', 1, 'dotnet', `  Failed Api.Tests.OrdersControllerTests.Create_ReturnsCreated [41 ms]
  Error Message:
   Assert.Equal() Failure: Values differ
Expected: 201
Actual:   400
  Stack Trace:
     at Api.Tests.OrdersControllerTests.Create_ReturnsCreated() in /home/runner/work/api/api/tests/Api.Tests/OrdersControllerTests.cs:line 37

Failed!  - Failed:     1, Passed:   118, Skipped:     0, Total:   119, Duration: 4 s - Api.Tests.dll (net8.0)`);

// ============================ code: compile, lint, gates, conflicts ============================
F('code', 'tsc', 'build', 2, 'npm', `> web@0.1.0 typecheck
> tsc --noEmit

src/orders/mapper.ts(41,7): error TS2322: Type 'string | undefined' is not assignable to type 'string'.
  Type 'undefined' is not assignable to type 'string'.
src/orders/mapper.ts(58,19): error TS2339: Property 'totl' does not exist on type 'Order'.

Found 2 errors in the same file, starting at: src/orders/mapper.ts:41`);
F('code', 'maven', 'build', 1, 'maven', `[ERROR] COMPILATION ERROR : 
[INFO] -------------------------------------------------------------
[ERROR] /home/runner/work/billing/billing/src/main/java/com/acme/billing/InvoiceService.java:[42,17] cannot find symbol
  symbol:   method getTotl()
  location: variable invoice of type com.acme.billing.Invoice
[INFO] 1 error
[INFO] -------------------------------------------------------------
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-compiler-plugin:3.13.0:compile (default-compile) on project billing-service: Compilation failure`);
F('code', 'gradle', 'build', 1, 'gradle', `> Task :app:compileKotlin FAILED
e: file:///home/runner/work/ledger/ledger/app/src/main/kotlin/com/acme/ledger/Transfer.kt:27:9 Unresolved reference: debitt
e: file:///home/runner/work/ledger/ledger/app/src/main/kotlin/com/acme/ledger/Transfer.kt:31:20 Type mismatch: inferred type is String but Long was expected

FAILURE: Build failed with an exception.

* What went wrong:
Execution failed for task ':app:compileKotlin'.
> A failure occurred while executing org.jetbrains.kotlin.compilerRunner.GradleCompilerRunnerWithWorkers$GradleKotlinCompilerWorkAction
   > Compilation error. See log for more details`);
F('code', 'go', 'build', 1, 'go', `# github.com/acme/ledger/internal/api
internal/api/handlers.go:88:14: undefined: validateTransfer
internal/api/handlers.go:102:2: declared and not used: ctx`);
F('code', 'cargo', 'build', 101, 'cargo', `error[E0308]: mismatched types
  --> src/transfer.rs:41:24
   |
41 |     let amount: u64 = req.amount;
   |                 ---   ^^^^^^^^^^ expected \`u64\`, found \`i64\`
   |                 |
   |                 expected due to this
   |
help: you can convert an \`i64\` to a \`u64\` and panic if the converted value doesn't fit

For more information about this error, try \`rustc --explain E0308\`.
error: could not compile \`ledger\` (lib) due to 1 previous error`);
F('code', 'dotnet', 'build', 1, 'dotnet', `/home/runner/work/api/api/src/Api/Controllers/OrdersController.cs(41,17): error CS0103: The name 'ordr' does not exist in the current context [/home/runner/work/api/api/src/Api/Api.csproj]

Build FAILED.

/home/runner/work/api/api/src/Api/Controllers/OrdersController.cs(41,17): error CS0103: The name 'ordr' does not exist in the current context [/home/runner/work/api/api/src/Api/Api.csproj]
    0 Warning(s)
    1 Error(s)`);
F('code', 'python', 'unit-tests', 1, 'pytest', `Traceback (most recent call last):
  File "/builds/acme/ledger/manage.py", line 8, in <module>
    from ledger.settings import configure
  File "/builds/acme/ledger/ledger/settings.py", line 41
    DATABASES = {
                ^
SyntaxError: '{' was never closed`);
F('code', 'webpack', 'build', 1, 'npm', `ERROR in ./src/pages/Checkout.tsx 12:0-48
Module not found: Error: Can't resolve './components/PaymentForm' in '/home/runner/work/web/web/src/pages'

webpack compiled with 1 error`);
F('code', 'eslint', 'lint', 1, 'lint', `/home/runner/work/web/web/src/orders/mapper.ts
  12:10  error  'formatDate' is defined but never used  @typescript-eslint/no-unused-vars
  41:5   error  Unexpected console statement            no-console

✖ 2 problems (2 errors, 0 warnings)`);
F('code', 'prettier', 'lint', 1, 'lint', `Checking formatting...
[warn] src/orders/mapper.ts
[warn] src/cart/totals.ts
[warn] Code style issues found in 2 files. Run Prettier with --write to fix.`);
F('code', 'ruff', 'lint', 1, 'pytest', `ledger/reconcile.py:3:1: F401 [*] \`os\` imported but unused
ledger/reconcile.py:88:89: E501 Line too long (104 > 88)
Found 2 errors.
[*] 1 fixable with the \`--fix\` option.`);
F('code', 'black', 'lint', 1, 'pytest', `would reformat /builds/acme/ledger/ledger/transfer.py

Oh no! 💥 💔 💥
1 file would be reformatted, 58 files would be left unchanged.`);
F('code', 'mypy', 'lint', 1, 'pytest', `ledger/transfer.py:41: error: Incompatible return value type (got "str", expected "Decimal")  [return-value]
ledger/api.py:12: error: Argument 1 to "transfer" has incompatible type "int"; expected "Account"  [arg-type]
Found 2 errors in 2 files (checked 58 source files)`);
F('code', 'golangci-lint', 'lint', 1, 'go', `internal/store/repo.go:57:12: Error return value of \`rows.Close\` is not checked (errcheck)
	defer rows.Close()
	          ^
internal/api/handlers.go:20:2: ineffectual assignment to err (ineffassign)
	err = nil
	^`);
F('code', 'clippy', 'lint', 101, 'cargo', `error: this \`if\` has identical blocks
  --> src/transfer.rs:57:24
   |
57 |       if amount > limit {
   |  ________________________^
   = help: for further information visit https://rust-lang.github.io/rust-clippy/master/index.html#if_same_then_else
   = note: \`-D clippy::if-same-then-else\` implied by \`-D warnings\`

error: could not compile \`ledger\` (lib) due to 1 previous error`);
F('code', 'jest', 'unit-tests', 1, 'jest', `----------|---------|----------|---------|---------|-------------------
File      | % Stmts | % Branch | % Funcs | % Lines | Uncovered Line #s 
----------|---------|----------|---------|---------|-------------------
All files |   78.41 |    66.12 |   81.03 |   78.95 |                   
----------|---------|----------|---------|---------|-------------------
Jest: "global" coverage threshold for lines (80%) not met: 78.95%
Jest: "global" coverage threshold for branches (70%) not met: 66.12%`);
F('code', 'pytest-cov', 'unit-tests', 1, 'pytest', `---------- coverage: platform linux, python 3.12.3-final-0 -----------
Name                   Stmts   Miss  Cover
------------------------------------------
ledger/transfer.py       120     31    74%
------------------------------------------
TOTAL                   2214    412    81%

FAIL Required test coverage of 85% not reached. Total coverage: 81.39%
======================== 412 passed in 22.71s ========================`);
F('code', 'maven', 'lint', 1, 'maven', `[ERROR] Failed to execute goal org.apache.maven.plugins:maven-checkstyle-plugin:3.3.1:check (validate) on project billing-service: You have 2 Checkstyle violations. -> [Help 1]
[ERROR] src/main/java/com/acme/billing/InvoiceService.java:[5,8] (imports) UnusedImports: Unused import - java.util.List.`);
F('code', 'maven', 'build', 1, 'maven', `[WARNING] Rule 0: org.apache.maven.enforcer.rules.dependency.DependencyConvergence failed with message:
Dependency convergence error for com.fasterxml.jackson.core:jackson-databind:jar:2.15.4 paths to dependency are:
+-com.acme:billing-service:jar:1.8.0-SNAPSHOT
  +-com.fasterxml.jackson.core:jackson-databind:jar:2.17.0
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-enforcer-plugin:3.4.1:enforce (enforce) on project billing-service: 
[ERROR] Rule 0: org.apache.maven.enforcer.rules.dependency.DependencyConvergence failed with message:`);
F('code', 'sonar', 'lint', 1, 'shell', `INFO: ------------- Check Quality Gate status
INFO: Waiting for the analysis report to be processed (max 300s)
INFO: QUALITY GATE STATUS: FAILED - View details on https://sonarcloud.io/dashboard?id=acme_ledger&branch=feature-x
ERROR: QUALITY GATE STATUS: FAILED`);
F('code', 'git', 'checkout', 1, 'git', `Auto-merging src/orders/mapper.ts
CONFLICT (content): Merge conflict in src/orders/mapper.ts
Automatic merge failed; fix conflicts and then commit the result.`);
F('code', 'git', 'checkout', 128, 'git', `+ git rebase origin/main
Auto-merging ledger/transfer.py
CONFLICT (content): Merge conflict in ledger/transfer.py
error: could not apply 3f9a1c2... Take account locks in id order
hint: Resolve all conflicts manually, mark them as resolved with
hint: "git add/rm <conflicted_files>", then run "git rebase --continue".`);
F('code', 'eslint', 'lint', 1, 'lint', `/home/runner/work/web/web/src/cart/totals.ts
  14:1  error  Parsing error: Merge conflict marker encountered

✖ 1 problem (1 error, 0 warnings)`);
F('code', 'git', 'checkout', 128, 'git', `/usr/bin/git -c protocol.version=2 fetch --no-tags --prune --no-recurse-submodules --depth=1 origin +4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f:refs/remotes/pull/412/merge
fatal: remote error: upload-pack: not our ref 4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f
The process '/usr/bin/git' failed with exit code 128`);
F('code', 'git', 'checkout', 128, 'git', `fatal: couldn't find remote ref refs/heads/feature/ledger-locks`);
F('code', 'python', 'build', 1, 'pip', `  error: subprocess-exited-with-error
  
  × Getting requirements to build wheel did not run successfully.
  │ exit code: 1
  ╰─> [3 lines of output]
      Traceback (most recent call last):
      ModuleNotFoundError: No module named 'setuptools_scm'
      [end of output]`);
F('code', 'cargo', 'build', 101, 'cargo', `error: failed to run custom build command for \`openssl-sys v0.9.102\`

Caused by:
  process didn't exit successfully: \`/workspace/ledger/target/release/build/openssl-sys-3f9a1c2b/build-script-main\` (exit status: 101)
  --- stderr
  thread 'main' panicked at /usr/local/cargo/registry/src/index.crates.io-6f17d22bba15001f/openssl-sys-0.9.102/build/find_normal.rs:190:5:
  Could not find directory of OpenSSL installation, and this \`-sys\` crate cannot proceed without this knowledge.`);
R('code', 'gradle', 'build', 1, 'gradle', `> Task :app:compileJava
Unable to start the daemon process.
The daemon worker process exited while starting: could not connect to the daemon, it may have crashed (connection refused from 127.0.0.1:41827)
FAILURE: Build failed with an exception.
* What went wrong:
Gradle build daemon disappeared unexpectedly (it may have been killed or may have crashed)`, { ci: 'buildkite' });
R('code', 'go', 'build', 1, 'go', `# github.com/acme/ledger/cmd/server
/usr/local/go/pkg/tool/linux_amd64/link: flushing $WORK/b001/exe/a.out: write $WORK/b001/exe/a.out: bad file descriptor
(the build cache volume was detached while the self-hosted runner was being recycled)`);
R('code', 'sccache', 'build', 101, 'cargo', `error: failed to execute compile
caused by: error reading compile response from server
caused by: Failed to read response header
caused by: failed to fill whole buffer
sccache: error: Connection to server timed out`);
R('test', 'jest', 'unit-tests', 1, 'jest', `A worker process has failed to exit gracefully and has been force exited... This is likely caused by tests leaking due to improper teardown. Try running with --detectOpenHandles to find leaks. Active timers can also cause this, ensure that .unref() was called on them.
FAIL src/queue/__tests__/consumer.test.ts
  ● Test suite failed to run

    Jest worker encountered 4 child process exceptions, exceeding retry limit

      at ChildProcessWorker.initialize (node_modules/jest-worker/build/workers/ChildProcessWorker.js:181:21)`);
R('infra', 'github-actions', 'integration-tests', 1, 'runner', `Error: Failed to initialize container postgres:16
Error: Docker pull failed with exit code 1
Error response from daemon: Head "https://registry-1.docker.io/v2/library/postgres/manifests/16": received unexpected HTTP status: 503 Service Unavailable`, { ci: 'gha', system: true });
R('infra', 'buildkite-agent', 'deploy', -1, 'helm', `🚨 Error: Job was cancelled because the agent disconnected
The agent i-0c1e2b7d4f6a (queue=deploy) stopped responding while the job was running.`, { ci: 'buildkite', system: true });
R('infra', 'jenkins', 'image-build', 1, 'docker', `Still waiting to schedule task
All nodes of label 'docker' are offline
Timeout has been exceeded
Cancelling nested steps due to timeout
ERROR: Queue task was cancelled`, { ci: 'jenkins', system: true });
R('network', 'github-actions', 'checkout', 1, 'git', `Error: fatal: unable to access 'https://github.com/acme/checkout-api/': The requested URL returned error: 502
The process '/usr/bin/git' failed with exit code 128
Waiting 19 seconds before trying again
Error: fatal: unable to access 'https://github.com/acme/checkout-api/': The requested URL returned error: 502
The process '/usr/bin/git' failed with exit code 128`);
F('deploy', 'github-actions', 'build', 1, 'runner', `Error: This request has been automatically failed because it uses a deprecated version of \`actions/upload-artifact: v3\`. Learn more: https://github.blog/changelog/2024-04-16-deprecation-notice-v3-of-the-artifact-actions/`, { ci: 'gha', system: true });
F('auth', 'gitlab', 'deploy', 1, 'shell', `$ echo "$KUBE_CONFIG" | base64 -d > kubeconfig
$ kubectl --kubeconfig kubeconfig get ns
error: error loading config file "kubeconfig": couldn't get version/kind; json parse error: unexpected end of JSON input`, { ci: 'gitlab' });
F('code', 'python', 'unit-tests', 1, 'pytest', `Traceback (most recent call last):
  File "/usr/local/bin/pytest", line 8, in <module>
    sys.exit(console_main())
ModuleNotFoundError: No module named 'ledger_utils'`);

// ---- framing: the CI's preamble and footer ----
const HEAD: Record<Ci, string[]> = {
  gha: ['##[group]Run make ci', 'make ci', 'shell: /usr/bin/bash -e {0}', 'env:', '  NODE_ENV: test', '##[endgroup]'],
  gitlab: ['Running with gitlab-runner 16.11.0 (91a27b2a)', '  on acme-docker-runner-2 Xk2m9Q1z, system ID: s_7f1c2b', 'Preparing the "docker" executor', 'Getting source from Git repository', 'Fetching changes with git depth set to 20...', 'Checking out 9c1e2b7d as detached HEAD (ref is main)...', 'Executing "step_script" stage of the job script', '$ make ci'],
  buildkite: ['~~~ Preparing working directory', '$ cd /var/lib/buildkite-agent/builds/agent-3/acme/ledger', '$ git fetch -v --prune -- origin main', '~~~ Running commands', '$ make ci'],
  jenkins: ['[Pipeline] stage', '[Pipeline] { (Build)', '[Pipeline] sh', '+ make ci'],
};
function footer(ci: Ci, exit: number, i: number): string[] {
  switch (ci) {
    case 'gha':
      return i % 3 === 0 ? [] : [`Error: Process completed with exit code ${exit}.`];
    case 'gitlab':
      return i % 2 ? ['Cleaning up project directory and file based variables', `ERROR: Job failed: exit code ${exit}`] : [`ERROR: Job failed: exit code ${exit}`];
    case 'buildkite':
      return [`🚨 Error: The command exited with status ${exit}`];
    case 'jenkins':
      return ['[Pipeline] }', '[Pipeline] // stage', `ERROR: script returned exit code ${exit}`, 'Finished: FAILURE'];
  }
}
const CIS: Ci[] = ['gha', 'gitlab', 'buildkite', 'jenkins'];

function stamp(ci: Ci, i: number, k: number): string {
  const t = new Date(Date.UTC(2024, 4, 14, 9 + (i % 8), (i * 7) % 60, k % 60)).toISOString();
  if (ci === 'gha') return `${t.slice(0, 19)}.${String(1000000 + ((i * 7919 + k * 104729) % 9000000)).slice(0, 7)}Z `;
  if (ci === 'buildkite' && i % 2) return `[${t.slice(0, 19)}Z] `;
  return '';
}

// Lines in parentheses are the author's notes on why a label holds; a real log does not print them.
const isNote = (l: string) => /^\s*#?\s*\((?!JENKINS-|Screenshots).*\)\s*$/.test(l);
const out: string[] = [];
E.forEach((e, i) => {
  const ci = e.ci ?? CIS[(i * 3 + e.text.length) % 4];
  const pre = PRE[e.ctx];
  if (!pre) throw new Error(`no preamble ${e.ctx}`);
  const nPre = 2 + ((i * 5) % Math.max(1, pre.length - 1));
  const head = e.system ? [] : HEAD[ci].slice(0, 2 + (i % (HEAD[ci].length - 1)));
  const body = [...head, ...pre.slice(0, nPre), ...e.text.split('\n').filter((l) => !isNote(l)), ...(e.system ? [] : footer(ci, e.exit, i))];
  const log = body.map((l, k) => stamp(ci, i, k) + l).join('\n');
  out.push(JSON.stringify({ step: e.step, exitCode: e.exit, log, retry: e.retry, category: e.category, source: e.source }));
});
writeFileSync(join(import.meta.dirname, '..', 'training', 'retry', 'dev-messages.jsonl'), out.join('\n') + '\n');
const nr = E.filter((e) => e.retry).length;
console.log(`${E.length} messages: ${nr} retry, ${E.length - nr} fail`);
