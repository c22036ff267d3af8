// Hint rules for dependencies and the network: a package, image, chart, repository or apt package that does not
// exist, a lock file out of step with its manifest, a registry failing or rate-limiting, a corrupt cache, a host that
// does not resolve, a certificate that does not verify, timeouts. Written from how npm, Yarn, pnpm, pip, Poetry,
// Maven, Gradle, go, cargo, Bundler, Composer, NuGet, apt, docker / BuildKit, kubelet, Helm, Terraform, git, Git LFS,
// the setup-* actions, curl, wget, Node, Python, the JVM and Go word these errors.
import { hostOf, q, relPath, shortTime, type LogView } from './hint-log.ts';
import { withDetail, type HintRule } from './hint-rules-code.ts';

// ----------------------------------------------------------------------------------------- missing dependencies

interface Missing {
  what: 'package' | 'image' | 'chart' | 'repository' | 'apt' | 'provider' | 'go-package' | 'go-module' | 'download' | 'lfs' | 'toolchain';
  name: string;
  ver?: string;
  latest?: string;
  where?: string;
}

/** `name@1.2.3`, `name==1.2`, `name>=1` → the name and the version part. */
function splitSpec(spec: string): { name: string; ver?: string } {
  const s = spec.replace(/[.,;'"]+$/, '');
  let m = s.match(/^(@?[^@\s]+)@(\S+)$/);
  if (m) return { name: m[1], ver: m[2] };
  m = s.match(/^([\w.[\]-]+?)\s*((?:===|==|>=|<=|~=|!=|>|<)\s*\S+)$/);
  if (m) return { name: m[1], ver: m[2] };
  return { name: s };
}

/** A Maven coordinate `group:artifact:type[:classifier]:version` → `group:artifact` and the version. */
function splitCoords(c: string): { name: string; ver?: string } {
  const p = c.replace(/[.,]+$/, '').split(':');
  if (p.length >= 4) return { name: `${p[0]}:${p[1]}`, ver: p[p.length - 1] };
  if (p.length === 3) return { name: `${p[0]}:${p[1]}`, ver: p[2] };
  return { name: c };
}

/** The package of a registry URL (`https://registry.npmjs.org/@scope%2fname` → `@scope/name`). */
function packageOfUrl(url: string): string {
  const path = decodeURIComponent(url.replace(/^[a-z]+:\/\/[^/]+\//i, '').replace(/[?#].*$/, ''));
  const parts = path.split('/').filter(Boolean);
  const scoped = parts.findIndex((p) => p.startsWith('@'));
  if (scoped >= 0 && parts[scoped + 1]) return `${parts[scoped]}/${parts[scoped + 1]}`;
  return parts[parts.length - 1] ?? path;
}

/** The URL a failed download asked for: on the curl / wget command or wget's request line above line `i`. */
export function downloadUrl(g: LogView, i: number): string | null {
  for (let j = i; j >= Math.max(0, i - 40); j--) {
    const l = g.lines[j];
    if (!/\b(?:curl|wget)\b|^--\d{4}-\d\d-\d\d /.test(l)) continue;
    const u = l.match(/https?:\/\/[^\s'"`)<>]+/);
    if (u) return u[0];
  }
  return null;
}

export function missingDependency(g: LogView): Missing | null {
  let m: RegExpMatchArray | null;
  const pkg = (spec: string, extra: Partial<Missing> = {}): Missing => ({ what: 'package', ...splitSpec(spec), ...extra });
  const latest = g.find(/The latest release of \S+ is "([^"]+)"/)?.[1];
  // npm, pnpm, Yarn
  if ((m = g.find(/No matching version found for (\S+?)\.?(?:\s|$)/))) return pkg(m[1], { latest });
  if ((m = g.find(/'([^'\s]+)' is not in (?:this|the npm) registry/))) return pkg(m[1]);
  if ((m = g.find(/Couldn't find package "([^"]+)" required by/))) return pkg(m[1]);
  if ((m = g.find(/Couldn't find any versions for "([^"]+)" that matches "([^"]+)"/))) return { what: 'package', name: m[1], ver: m[2] };
  if ((m = g.find(/(?<!\S)(@?[^\s@]+)@npm:(\S+?): No candidates found/))) return { what: 'package', name: m[1], ver: m[2] };
  if ((m = g.find(/^(\S+) is not in the npm registry/))) return pkg(m[1]);
  if ((m = g.find(/(?:404 Not Found - GET|ERR_PNPM_FETCH_404\s+GET) (\S+?):?(?:\s|$)/))) return pkg(packageOfUrl(m[1]));
  // pip, Poetry
  if ((m = g.find(/No matching distribution found for (\S+)/))) {
    const versions = g.find(/Could not find a version that satisfies the requirement \S+ \(from versions: ([^)]*)\)/)?.[1];
    const last = versions?.split(',').map((v) => v.trim()).filter((v) => v && v !== 'none').pop();
    return pkg(m[1], { latest: last });
  }
  if ((m = g.find(/Because \S+ depends on (\S+) \(([^)]+)\) which doesn't match any versions/))) return { what: 'package', name: m[1], ver: m[2] };
  if ((m = g.find(/Package (\S+) \(([^)]+)\) not found/))) return { what: 'package', name: m[1], ver: m[2] };
  // Maven, Gradle
  if ((m = g.first(/Could not find artifact (\S+) in (\S+)/, /Failure to find (\S+) in (\S+)/))) return { what: 'package', ...splitCoords(m[1]), where: m[2] };
  if ((m = g.find(/The following artifacts could not be resolved: ([^\s,]+?)(?: \(absent\))?[:,]?(?:\s|$)/))) return { what: 'package', ...splitCoords(m[1]) };
  if ((m = g.find(/Could not find ([\w.-]+:[\w.-]+:[\w.+-]+?)\.?$/))) return { what: 'package', ...splitCoords(m[1]) };
  // go
  if ((m = g.first(/^go: (?:module )?(\S+?)@(v\S+?): reading \S+: 404 Not Found/, /(?<!\S)([^\s@]+)@(v[^\s:]+): invalid version: unknown revision/))) return { what: 'package', name: m[1], ver: m[2] };
  if ((m = g.first(/no required module provides package (\S+?)[;:]/, /cannot find module providing package (\S+)/))) return { what: 'go-package', name: m[1] };
  if ((m = g.find(/^go: (\S+?)@(v\S+?): reading \S+ at revision \S+: git ls-remote/))) return { what: 'go-module', name: m[1], ver: m[2] };
  // NuGet
  if ((m = g.find(/error NU110[12]: Unable to find package ([\w-]+(?:\.[\w-]+)*)(?: with version \(([^)]+)\))?/))) return { what: 'package', name: m[1], ver: m[2] };
  // cargo
  if ((m = g.find(/failed to select a version for the requirement `(\S+) = "([^"]+)"`/))) {
    const cand = g.find(/candidate versions found which didn't match: ([^\s,]+)/)?.[1];
    return { what: 'package', name: m[1], ver: m[2], latest: cand };
  }
  if ((m = g.find(/no matching package named `(\S+)` found/))) return { what: 'package', name: m[1] };
  // Bundler
  if ((m = g.find(/Could not find gem '([^']+?)(?: \(([^)]+)\))?'/))) return { what: 'package', name: m[1], ver: m[2] };
  // container images
  if ((m = g.first(
    /manifest for (\S+) not found: manifest unknown/,
    /Failed to pull image "([^"]+)": .*(?:not found|manifest unknown)/,
    /pull access denied for (\S+?), repository does not exist/,
    /failed to resolve source metadata for (\S+?): .*not found/,
    /^ERROR: failed to solve: (\S+?): .*: not found$/,
  ))) return { what: 'image', name: m[1] };
  // Helm
  if ((m = g.first(/chart "([^"]+)" version "([^"]+)" not found in (\S+) repository/, /chart "([^"]+)" matching (\S+) not found in (\S+) index/))) return { what: 'chart', name: m[1], ver: m[2], where: m[3] };
  if ((m = g.find(/no chart version found for (\S+)/))) return { what: 'chart', name: m[1] };
  // git repositories and submodules
  if ((m = g.find(/fatal: repository '([^']+)' not found/))) {
    const sub = g.find(/into submodule path '([^']+)' failed/)?.[1];
    return { what: 'repository', name: m[1].replace(/^[a-z]+:\/\/[^/]+\//i, '').replace(/\.git\/?$/, ''), where: sub };
  }
  // apt
  if ((m = g.first(/E: Unable to locate package (\S+)/, /E: Package '([^']+)' has no installation candidate/))) return { what: 'apt', name: m[1] };
  if ((m = g.find(/E: Version '([^']+)' for '([^']+)' was not found/))) return { what: 'apt', name: m[2], ver: m[1] };
  // Git LFS: the pointer is committed, the object was never pushed
  if ((m = g.find(/Smudge error: Error downloading (\S+) \([0-9a-f]+\):.*Object does not exist on the server/))) return { what: 'lfs', name: m[1] };
  // actions/setup-python, setup-node, setup-go …: a version the runner's OS has no build of
  if ((m = g.find(/The version '([^']+)' with architecture '(\w+)' was not found for (.+?)\.?$/))) return { what: 'toolchain', name: m[1], ver: m[2], where: m[3] };
  // the Gradle wrapper's distribution
  if ((m = g.find(/java\.io\.FileNotFoundException: (https?:\/\/\S+)/))) return { what: 'download', name: m[1] };
  // a download (curl -f, wget) of a release asset or a file that is not there
  const dl = g.at(/^curl: \(22\) The requested URL returned error: 404\b|^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ERROR 404: Not Found\.?$/);
  if (dl) {
    const url = downloadUrl(g, dl.i);
    return { what: 'download', name: url ?? '' };
  }
  // Terraform providers
  if ((m = g.find(/(?:Could not retrieve the list of available versions for provider|Failed to query available provider packages for) ([\w./-]+?):? .*?no available releases match the given constraints (.+)$/))) return { what: 'provider', name: m[1], ver: m[2] };
  return null;
}

const spec = (d: Missing) => (d.ver ? (/^[=<>~!]/.test(d.ver) ? `${d.name}${d.ver}` : d.what === 'package' && d.name.includes(':') ? `${d.name}:${d.ver}` : `${d.name}@${d.ver}`) : d.name);

export const dependencyMissing: HintRule = (g) => {
  const d = missingDependency(g);
  if (!d) return null;
  switch (d.what) {
    case 'package':
      return `${q(spec(d), 90)} does not exist in the registry: fix the name or the version${d.latest ? ` (latest: ${q(d.latest, 24)})` : ''}`;
    case 'go-package':
      return `no module provides package ${q(d.name, 90)}: add it with \`go get\` and commit go.mod and go.sum`;
    case 'image':
      return `image ${q(d.name, 100)} does not exist: push it first, or fix the name or the tag`;
    case 'chart':
      return `chart ${q(spec(d), 70)} is not in ${d.where ? q(d.where, 50) : 'the chart repository'}: fix the version, or publish the chart`;
    case 'repository':
      return `repository ${q(d.name, 70)} does not exist or the job cannot see it: fix the URL${d.where ? ` of submodule ${q(d.where, 40)}` : ''} or grant access`;
    case 'apt':
      return `apt package ${q(spec(d), 60)} is not found: fix its name, or run \`apt-get update\` before installing`;
    case 'go-module':
      return `module ${q(`${d.name}@${d.ver}`, 80)} cannot be fetched (a wrong path, or a private repository): fix the path, or set GOPRIVATE and git credentials`;
    case 'lfs':
      return `the Git LFS object of ${q(d.name, 80)} is not on the server: push it (git lfs push --all) from a clone that has it`;
    case 'toolchain':
      return `version ${q(d.name, 30)} (${d.ver}) has no build for ${q(d.where ?? 'the runner', 30)}: pick a listed version in the setup action, or another runner image`;
    case 'download':
      return d.name
        ? `${q(d.name.replace(/^https?:\/\//, ''), 110)} is not found (404): fix the version or file name in the URL`
        : 'a file the job downloads is not found (404): fix the version or file name in its URL';
    case 'provider':
      return `no release of provider ${q(d.name, 60)} matches ${q(d.ver ?? '', 30)}: fix the version constraint`;
  }
};

// ------------------------------------------------------------------------------------------------- lock files

export const lockfileOutOfSync: HintRule = (g) => {
  let m: RegExpMatchArray | null;
  const detail = (d: RegExpMatchArray | null) => (d ? ` (${d[0].startsWith('Missing') ? 'missing' : 'mismatch'} ${q(d[1], 50)})` : '');
  if (g.has(/npm ci` can only install packages|npm ci can only install packages|package\.json and package-lock\.json or npm-shrinkwrap\.json are (?:not )?in sync/)) {
    return `\`package-lock.json\` is out of sync with package.json${detail(g.first(/Missing: (\S+) from lock file/, /Invalid: lock file's (\S+) does not satisfy/))}: run \`npm install\` and commit the lock file`;
  }
  if (g.has(/Your lockfile needs to be updated, but yarn was run with|YN0028|The lockfile would have been modified by this install/)) return '`yarn.lock` is out of date with package.json: run `yarn install` and commit the lock file';
  if (g.has(/ERR_PNPM_OUTDATED_LOCKFILE|pnpm-lock\.yaml is not up to date/)) return '`pnpm-lock.yaml` is out of date with package.json: run `pnpm install` and commit the lock file';
  if (g.has(/poetry\.lock was last generated|poetry\.lock is not consistent with pyproject\.toml|pyproject\.toml changed significantly since poetry\.lock/)) return '`poetry.lock` does not match pyproject.toml: run `poetry lock` and commit the lock file';
  if (g.has(/The lockfile at `uv\.lock` needs to be updated/)) return '`uv.lock` is out of date with pyproject.toml: run `uv lock` and commit the lock file';
  if (g.has(/--require-hashes mode|DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE/)) {
    const at = g.at(/These do not:|DO NOT MATCH THE HASHES/);
    const p = at ? g.near(at.i + 1, /^\s+([\w.[\]-]+(?:[=<>~!]=?\S+)?)/, 0, 2) : null;
    return `the requirements' pins and hashes do not match${p ? ` for ${q(p[1], 40)}` : ''}: pin it with == and regenerate the hashes (pip-compile --generate-hashes)`;
  }
  if (g.has(/updates to go\.mod needed/)) return '`go.mod` is not tidy: run `go mod tidy` and commit go.mod and go.sum';
  if ((m = g.find(/missing go\.sum entry for module providing package (\S+)/))) return `go.sum has no entry for ${q(m[1], 70)}: run \`go mod tidy\` and commit go.mod and go.sum`;
  if ((m = g.find(/verifying (\S+): checksum mismatch/))) return `${q(m[1], 70)} no longer matches its go.sum checksum (re-tagged upstream?): check the module, then update go.sum`;
  if ((m = g.find(/the lock file (\S+) needs to be updated but --locked was passed/))) return `${q(relPath(m[1]), 60)} is out of date: build once without --locked and commit the updated lock file`;
  if (g.has(/Dependency verification failed/)) {
    const a = g.find(/One artifact failed verification: (\S+)/) ?? g.find(/On artifact (\S+) /);
    return `${a ? q(a[1], 70) : 'an artifact'} fails Gradle's dependency verification: check it, then update gradle/verification-metadata.xml`;
  }
  if ((m = g.find(/Dependency convergence error for (\S+?)\.?(?: |$)/))) return `the dependency tree pulls conflicting versions of ${q(m[1], 70)}: pin one in dependencyManagement`;
  if (g.has(/You are trying to install in deployment mode after changing\s+your Gemfile|The gemspecs for path gems changed/)) return '`Gemfile.lock` is out of date with the Gemfile: run `bundle install` and commit the lock file';
  if (g.has(/lock file is not up to date with the latest changes in composer\.json/)) return '`composer.lock` is out of date with composer.json: run `composer update --lock` and commit it';
  if ((m = g.find(/(EINTEGRITY|integrity checksum failed)/))) return 'the lock file pins an integrity hash the registry no longer serves: refresh the entry and commit the lock file';
  return null;
};

// ------------------------------------------------------------------------------------- registries and caches

const URL_RE = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s'"`)<>]+/i;

/** A host named in a line: a URL's, pip's `host='…'`, `to host … port`, or a `host:port`. */
export function hostInLine(l: string): string | null {
  const url = l.match(URL_RE);
  if (url) return hostOf(url[0]);
  const m =
    l.match(/host='([^']+)'/) ??
    l.match(/(?:to host|[Cc]onnect(?:ion)? to|in connection to|Unable to connect to) ([\w-]+(?:\.[\w-]+)+)/) ??
    l.match(/(?<![\w.-])([a-z][\w-]*(?:\.[\w-]+)+):\d{2,5}\b/i);
  return m ? m[1] : null;
}

/** The host of the first line matching `re`, or of its neighbours. */
export function hostNear(g: LogView, re: RegExp): string | null {
  const at = g.at(re);
  if (!at) return null;
  for (const d of [0, -1, 1, -2, 2, -3, 3]) {
    const l = g.lines[at.i + d];
    const h = l === undefined ? null : hostInLine(l);
    if (h) return h;
  }
  return null;
}

const STATUS_5XX = /\b(50[0-4])[ ,:-]+(?:reason phrase: )?(Service Unavailable|Bad Gateway|Gateway Time-?out|Internal Server Error)\b|returned error: (5\d\d)|does not indicate success: (5\d\d)|bad response [\w ]+? (5\d\d)\b|\bgot (5\d\d)\b|status code:? (5\d\d)|\bcode E(50[0-4])\b|too many (5\d\d) error responses|\bHTTP (5\d\d)\b|Received status code (5\d\d)|unexpected status(?: code)?:? (5\d\d)|ERR_PNPM_FETCH_(5\d\d)/i;

export const registry5xx: HintRule = (g) => {
  const at = g.at(STATUS_5XX);
  if (!at) {
    // apt: a mirror caught mid-sync serves index files that do not match their Release file
    const hs = g.find(/Failed to fetch (\S+)\s+Hash Sum mismatch/);
    return hs ? `${q(hostOf(hs[1]) ?? hs[1], 60)} serves index files that fail their checksums (Hash Sum mismatch, a mirror mid-sync): retry in a few minutes` : null;
  }
  const code = at.m.slice(1).find((x) => x && /^\d+$/.test(x)) ?? '5xx';
  const reason = at.m[2] ? ` ${at.m[2]}` : '';
  const host = hostNear(g, STATUS_5XX);
  return `${host ? q(host, 60) : 'the registry'} answers ${q(`${code}${reason}`)}: retry once it recovers, with a few minutes of backoff`;
};

export const registryRateLimit: HintRule = (g) => {
  const rate = /429|Too Many Requests|toomanyrequests|rate limit|Rate exceeded/i;
  if (!g.has(rate)) return null;
  let reset = '';
  let m = g.find(/retry[- ]after:? (\d+)\s*s?\b/i);
  if (m) reset = `in ${m[1]} s`;
  else if ((m = g.find(/x-ratelimit-reset: (\d{9,11})\b/i))) reset = `at ${shortTime(new Date(Number(m[1]) * 1000).toISOString())}`;
  else if ((m = g.find(/(?:resets? at|retry after:?) (\d{4}-\d{2}-\d{2}T[\d:.]+Z?)/i))) reset = `at ${shortTime(m[1])}`;
  else if ((m = g.find(/resets within ([\w ]+?)\./))) reset = `within ${m[1]}`;
  const when = reset ? ` (it resets ${reset})` : '';
  if (g.has(/toomanyrequests/) && g.has(/docker\.io|pull rate limit|unauthenticated pull|HAP429|Too Many Requests/)) {
    return `the registry's pull rate limit is reached${when}: authenticate the pulls (docker login) or use a mirror, then retry`;
  }
  if (g.has(/API rate limit exceeded|api\.github\.com/)) return `the GitHub API rate limit is reached${when}: retry after the reset, or use a token with a higher limit`;
  const host = hostNear(g, rate);
  return `${host ? q(host, 60) : 'the registry'} rate-limits the job${when}: retry after the reset, or authenticate the requests`;
};

const CACHE_PATH = /(?<![\w.~/$-])((?:~|\$HOME)?(?:\/[\w.-]+)*?\/(?:\.npm\/_cacache|\.npm|\.m2\/repository|\.gradle\/caches|\.cache\/(?:pip|pypoetry|yarn|go-build)|pnpm\/store|go\/pkg\/mod|\.cargo\/registry)(?:\/[\w.-]+)?)/;
const CACHE_OF: [RegExp, string][] = [
  [/ERR_PNPM|\bpnpm\b/, 'the pnpm store'],
  [/npm (?:ERR!|error)|EINTEGRITY/, '~/.npm'],
  [/\byarn\b/i, 'the Yarn cache'],
  [/pypoetry|\bpoetry\b/, '~/.cache/pypoetry'],
  [/\bpip\b/, '~/.cache/pip'],
  [/\.gradle|Gradle/, '~/.gradle/caches'],
  [/\.m2|\[ERROR\]|maven/i, '~/.m2/repository'],
  [/^go: |go\.sum|zip: not a valid zip file/m, 'the Go module cache'],
  [/cargo|\.crate\b/, '~/.cargo/registry'],
  [/failed to solve|buildkit|layer/i, 'the Docker build cache'],
];

export const corruptCache: HintRule = (g) => {
  const path = g.find(CACHE_PATH)?.[1];
  const cache = path ?? CACHE_OF.find(([re]) => re.test(g.text))?.[1];
  if (!cache) return null;
  const what = /EINTEGRITY|integrity|checksum|hash/i.test(g.text) ? 'an integrity check fails' : /truncat|unexpected end|EOF|not a valid zip|corrupt|invalid/i.test(g.text) ? 'an entry is truncated' : '';
  return `the restored cache ${q(cache, 60)} is corrupt${what ? ` (${what})` : ''}: clear it (or change the cache key) and retry`;
};

// --------------------------------------------------------------------------------------------------- network

/** A host name the resolver could not resolve. */
export function unresolvedHost(g: LogView): string | null {
  const m = g.first(
    /Could not resolve host(?:name)?:? '?([\w.-]+[\w])/,
    /getaddrinfo (?:ENOTFOUND|EAI_AGAIN) ([\w.-]+)/,
    /lookup ([\w.-]+)(?: on [\w.:[\]]+)?: (?:no such host|server misbehaving|i\/o timeout|read udp|Temporary failure)/,
    /UnknownHostException: ([\w.-]+)/,
    /could not translate host name "([^"]+)"/,
    /Unknown host ([\w.-]+)/,
    /(?:Temporary failure resolving|Could not resolve) '([\w.-]+)'/,
    /Failed to resolve '([\w.-]+)'/,
    /Name or service not known \(([\w.-]+)\)/,
    /^\s*(?:> )?([\w-]+(?:\.[\w-]+)+): (?:Name or service not known|Temporary failure in name resolution|nodename nor servname provided|Name does not resolve)/,
  );
  if (m) return m[1].replace(/\.$/, '');
  if (g.has(/Name or service not known|Temporary failure in name resolution|Name does not resolve|nodename nor servname|getaddrinfo failed/)) {
    const h = g.find(/host='([^']+)'/)?.[1] ?? hostOf(g.find(/Looking in indexes: (\S+)/)?.[1] ?? '');
    if (h) return h;
  }
  return null;
}

export const badHostname: HintRule = (g) => {
  const h = unresolvedHost(g);
  return h ? `host ${q(h, 80)} does not resolve: fix the name in the configuration (a typo, or a retired endpoint?)` : null;
};

export const dnsFailure: HintRule = (g) => {
  const h = unresolvedHost(g);
  return h ? `${q(h, 80)} does not resolve right now: retry once name resolution recovers` : null;
};

const CERT = /x509:|certificate|CERT_|PKIX path building failed|UnknownIssuer|SSL peer certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|altnames/i;

export const tlsCertInvalid: HintRule = (g) => {
  if (!g.has(CERT)) return null;
  let m = g.first(/certificate is valid for (.+?), not ([\w.-]+)/, /Host: ([\w.-]+)\. is not in the cert's altnames: (.+)$/);
  if (m) {
    const [valid, host] = m[0].startsWith('certificate') ? [m[1], m[2]] : [m[2], m[1]];
    return `the certificate of ${q(host, 60)} is only valid for ${q(valid, 50)}: call it by a name the certificate covers, or reissue it`;
  }
  if ((m = g.find(/no alternative certificate subject name matches target host name '([^']+)'/))) return `the certificate of ${q(m[1], 60)} does not cover that name: call it by a name the certificate covers, or reissue it`;
  const host = hostNear(g, CERT);
  const who = host ? `the TLS certificate of ${q(host, 60)}` : 'a TLS certificate';
  const notYet = g.has(/ is before \S/) || (g.has(/not yet valid/) && !g.has(/expired or is not yet valid| is after \S/));
  if (notYet) return `${who} is not valid yet (or the runner's clock is wrong): check its start date and the clock`;
  if (g.has(/expired|CERT_HAS_EXPIRED/i)) {
    const end = g.find(/is after (\S+)/)?.[1];
    return `${who} has expired${end ? ` (on ${shortTime(end)})` : ''}: renew it`;
  }
  if (g.has(/unknown authority|local issuer|self[- ]signed|PKIX path building failed|UnknownIssuer|unable to verify the first certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERTIFICATE_VERIFY_FAILED|certificate verification failed/i)) {
    return `${who} is signed by a CA the job does not trust: add that CA to the job's trust store, or fix the certificate chain`;
  }
  return host ? `${who} does not verify: renew it, or add its CA to the job's trust store` : null;
};

const TIMEOUT = /timed out|ETIMEDOUT|i\/o timeout|Timeout was reached|ECONNRESET|connection reset|socket hang up|Client\.Timeout|deadline exceeded|ESOCKETTIMEDOUT|RPC failed|TimedOut|Read timed out/i;

/** A transfer error as curl, git (over curl) or Python's ssl module print it, with the host of the URL it was fetching. */
function transferError(g: LogView, re: RegExp): { line: string; host: string | null } | null {
  const at = g.at(re);
  if (!at) return null;
  const url = downloadUrl(g, at.i);
  return { line: at.m[0], host: url ? hostOf(url) : null };
}

export const networkTimeout: HintRule = (g) => {
  if (!g.has(TIMEOUT)) return null;
  const what = /reset|hang up|ECONNRESET/i.test(g.text) && !/timed out|timeout/i.test(g.text) ? 'was reset' : 'timed out';
  const host = hostNear(g, TIMEOUT) ?? g.find(/(?:ETIMEDOUT|dial tcp|connect to host|read tcp \S+->) ?\[?([\d.]+|[\w.-]+)\]?:\d+/)?.[1];
  if (host) return `the connection to ${q(host, 80)} ${what}: retry with backoff`;
  // curl's own words ("curl: (28) Operation timed out …", "curl: (56) Recv failure …"), and git's over curl
  const t = transferError(g, /^curl: \((?:7|18|28|52|55|56)\) .+$|^error: RPC failed; .+$/);
  if (!t) return null;
  return t.host ? `the connection to ${q(t.host, 80)} ${what}: retry with backoff` : withDetail(`a transfer ${what}`, t.line, ': retry with backoff');
};

const HANDSHAKE = /TLS handshake|handshake operation timed out|SSL_connect|SSL_ERROR_SYSCALL|secure TLS connection|SSLEOFError|gnutls_handshake|terminated the handshake|tls handshake eof|SSL connect error|^curl: \(35\) |SSL routines::unexpected eof|remote error: tls: handshake failure/im;

export const tlsHandshakeTimeout: HintRule = (g) => {
  if (!g.has(HANDSHAKE)) return null;
  const host = hostNear(g, HANDSHAKE);
  if (host) return `the TLS handshake with ${q(host, 80)} timed out or was cut off: retry`;
  const t = transferError(g, /^curl: \(35\) .+$|^ssl\.SSLError: .+$|^\w*(?:SSL|TLS)\w*(?:Error|Exception): .+$/);
  if (!t) return null;
  return t.host ? `the TLS handshake with ${q(t.host, 80)} timed out or was cut off: retry` : withDetail('a TLS handshake was cut off', t.line, ': retry');
};

