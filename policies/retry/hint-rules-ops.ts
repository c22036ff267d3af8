// Hint rules for the job's machine, locks, services, deployments and credentials: a runner lost or out of disk, a
// process out of memory, a lock held or left behind, a service not listening where the job calls it, an invalid
// manifest, the cluster API failing, a token expired, a permission or a secret missing. Written from how GitHub
// Actions, GitLab, Buildkite, Jenkins, the Linux OOM killer, Node, the JVM, rustc, go, gcc, BuildKit, Kubernetes,
// Terraform, Helm, Pulumi, Liquibase, apt, git, Gradle, cargo, Docker Compose, PostgreSQL, MySQL, Redis, Kafka, MongoDB,
// AWS, Google Cloud, Azure, Vault, Docker registries and common application frameworks word these errors.
import { hostOf, q, relPath, shortTime, clip, MAX_HINT_CHARS, type LogView } from './hint-log.ts';
import { failingTests, withDetail, type HintRule } from './hint-rules-code.ts';

// ----------------------------------------------------------------------------------------------------- runners

/** The runner or agent that ran the job, as the CI system names it. */
export function runnerName(g: LogView): string | null {
  const m = g.first(
    /(?:hosted|self-hosted) runner: (\S.*?) lost communication/,
    /[Aa]gent (\S+) stopped sending heartbeats/,
    /Agent (\S+) was marked offline/,
    /Remote call on (\S+?) failed/,
    /^Cannot contact ([\w.-]+):/,
    /^Runner name: '([^']+)'/,
    /^\s+on (\S+) [\w-]{8}(?:, system ID: \S+)?$/,
    /^Running on \S+ via (\S+?)\.{0,3}$/,
    /^Running on (\S+) in \//,
    /Job failed \(system failure\): pod "(?:[\w.-]+\/)?([\w.-]+)"/,
  );
  return m?.[1] ?? null;
}

export const runnerLost: HintRule = (g) => {
  const name = runnerName(g);
  const why = g.has(/spot|preempt|reclaimed|interruption notice/i)
    ? 'preempted'
    : g.has(/evicted/)
      ? 'evicted'
      : g.has(/Out of memory: Killed process|OOMKilled|low on resource: memory/)
        ? 'out of memory'
        : g.has(/shutdown signal|graceful termination/)
          ? 'shut down'
          : g.has(/heartbeat|lost communication|marked offline|Connection was broken|Cannot contact|ChannelClosedException|agent lost|agent disconnected|does not seem to be touching the log file/)
            ? 'lost contact'
            : g.has(/^(?:\/usr\/bin\/bash|\/bin\/bash|bash|\/bin\/sh|sh): line \d+: +\d+ Killed /m) || g.has(/Command failed with signal "SIGKILL"/)
              ? 'the job was killed'
              : g.has(/Job failed \(system failure\): (?!prepare environment)/)
                ? 'a system failure'
                : null;
  if (!name && !why) return null;
  return `${name ? `runner ${q(name, 70)}` : 'the runner'} was lost mid-job${why ? ` (${why})` : ''}: retry on another runner`;
};

export const noRunner: HintRule = (g) => {
  let m = g.first(/Requested labels: (.+)$/, /no agent matching (queue=[\w.-]+)/, /nodes of label '([^']+)'/);
  if (m) return `no runner with ${q(m[1], 60)} picked up the job: retry later, or check that such runners are online`;
  if (g.has(/Insufficient (?:cpu|memory)/)) return 'the runner pool has no room for the job (insufficient cpu or memory): retry later, or scale the pool';
  if ((m = g.find(/sufficient (\S+) capacity/))) return `the cloud has no ${q(m[1])} capacity for a runner now: retry later, or allow other instance types`;
  if ((m = g.first(/Quota exceeded for quota metric '([^']+)'/, /maximum number of (concurrent jobs \(\d+\))/, /Cannot have more than (\d+ builds in queue)/))) {
    return `the build quota is used up (${q(m[1], 60)}): retry when running builds finish, or raise the quota`;
  }
  if ((m = g.find(/The job was not acquired by Runner of type (\w+) even after multiple attempts/))) return `no ${q(m[1])} runner acquired the job: retry later (GitHub's runner service may be degraded)`;
  if (g.has(/prepare environment: waiting for pod running: timed out waiting for pod to start/)) {
    const ns = g.find(/Using Kubernetes namespace: ([\w.-]+)/)?.[1];
    return `the job's pod did not start in time${ns ? ` in namespace ${q(ns, 40)}` : ''} (no room in the cluster?): retry later, or give the runner's cluster more capacity`;
  }
  if (g.has(/doesn't have any runners online|no runner picked it up|timed out waiting for a runner/)) return 'no runner picked up the job: retry later, or check that runners for this project are online';
  return null;
};

export const diskFull: HintRule = (g) => {
  const at = g.at(/no space left on device|ENOSPC|Errno 28|insufficient space|not enough space on the disk/i);
  if (!at) return null;
  const p = g.near(at.i, /(?:write|mkdir|open|create directory|copy|writing|failed to write|failed to copy)\b[^'/~$]*'?((?:\/|~\/|\$WORK\/)[^\s':]+)/i, 1, 0)?.[1];
  const name = runnerName(g);
  return `${name ? `runner ${q(name, 60)}` : 'the runner'} is out of disk space${p ? ` (writing ${q(relPath(p), 50)})` : ''}: retry on another runner, and clean this one`;
};

/** The release of a `helm upgrade|install` command in the log (flags and their values skipped). */
function helmRelease(g: LogView): string | null {
  const m = g.find(/\bhelm (?:upgrade|install)\s+(.+)$/);
  if (!m) return null;
  const toks = m[1].split(/\s+/);
  const withValue = new Set(['-n', '--namespace', '-f', '--values', '--set', '--set-string', '--version', '--timeout', '--kube-context', '-o', '--output', '--repo']);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (withValue.has(t)) i++;
    else if (!t.startsWith('-')) return t;
  }
  return null;
}

export const buildOom: HintRule = (g) => {
  let m: RegExpMatchArray | null;
  const xmx = g.find(/-Xmx(\d+[kKmMgG]?)/)?.[1];
  if (g.has(/JavaScript heap out of memory/)) {
    const heap = g.find(/Mark-Compact(?: \(reduce\))? ([\d.]+) \(/)?.[1];
    return `Node runs out of heap${heap ? ` at about ${Math.round(Number(heap))} MB` : ''}: raise --max-old-space-size in NODE_OPTIONS, or cut the build's memory use`;
  }
  if ((m = g.find(/java\.lang\.OutOfMemoryError: ([\w ]+)/))) {
    return `the JVM runs out of memory (${q(m[1].trim(), 40)}${xmx ? `, -Xmx${xmx}` : ''}): raise -Xmx (MAVEN_OPTS, org.gradle.jvmargs) or cut its memory use`;
  }
  if (g.has(/The forked VM terminated without properly saying goodbye/) && g.has(/Exit Code: 137|OutOfMemory/)) {
    return `the test JVM${xmx ? ` (-Xmx${xmx})` : ''} is killed for memory (exit 137): run fewer forks, or raise the job's memory`;
  }
  if (g.has(/Gradle build daemon disappeared unexpectedly/)) return 'the Gradle daemon is killed, most likely for memory: lower its -Xmx or workers (gradle.properties), or raise the job\'s memory';
  if ((m = g.find(/process didn't exit successfully: `[^`]*?--crate-name (\S+)[^`]*` \(signal: 9, SIGKILL/))) {
    return `rustc is killed (SIGKILL) compiling ${q(m[1], 40)}: out of memory; lower codegen-units or build jobs, or use a bigger runner`;
  }
  if ((m = g.find(/^go build (\S+?): \S+\/(compile|link): signal: killed/))) {
    return `the Go ${m[2] === 'link' ? 'linker' : 'compiler'} is killed building ${q(m[1], 70)}: out of memory; lower -p, or use a bigger runner`;
  }
  if ((m = g.find(/Killed signal terminated program (\w+)/))) return `the C/C++ compiler (${q(m[1])}) is killed for memory: build with fewer parallel jobs (-j), or use a bigger runner`;
  if ((m = g.find(/container "([^"]+)"[^\n]*OOMKilled(?: \(limit (\S+?)\))?/) ?? g.find(/OOMKilled(?: \(limit (\S+?)\))?/))) {
    const [name, limit] = m.length > 2 ? [m[1], m[2]] : [null, m[1]];
    return `${name ? `container ${q(name, 40)}` : 'the job container'} is OOMKilled${limit ? ` at its ${q(limit)} limit` : ''}: raise the job's memory limit, or cut the build's memory use`;
  }
  if ((m = g.find(/process "(?:\/bin\/(?:ba)?sh -c )?([^"]+)" did not complete successfully: exit code: 137/))) {
    return `${q(m[1], 70)} is killed in the image build (exit 137, out of memory): give the builder more memory, or cut the step's use`;
  }
  if ((m = g.find(/Out of memory: Killed process \d+ \(([^)]+)\)/))) return `the kernel kills ${q(m[1], 40)} for memory: raise the job's memory, or cut the process's use`;
  if ((m = g.find(/^(?:\/usr\/bin\/bash|\/bin\/bash|bash|\/bin\/sh|sh): line \d+: +\d+ Killed +(.+)$/))) {
    return `${q(m[1].trim(), 70)} is killed (exit 137, out of memory): raise the job's memory, or cut its memory use`;
  }
  if (g.has(/MemoryError|Cannot allocate memory|out of memory/i)) {
    const t = failingTests(g)[0];
    return `${t ? `test ${q(t, 80)}` : 'the process'} runs out of memory: raise the job's memory, or cut its memory use`;
  }
  if (g.step.exitCode === 137 || g.has(/exit code:? 137\b|signal "SIGKILL"/)) {
    const cmd = g.command();
    return `${cmd ? q(cmd, 70) : 'the step'} is killed (exit 137, most likely out of memory): raise the job's memory, or cut its memory use`;
  }
  return null;
};

const CRASHES: [RegExp, string][] = [
  [/Gradle build daemon disappeared/, 'the Gradle daemon crashed'],
  [/Kotlin daemon/, 'the Kotlin compile daemon was lost'],
  [/forked VM terminated without properly saying goodbye/, 'the Surefire test JVM crashed'],
  [/jest worker process|ChildProcessWorker/, 'a Jest worker was killed'],
  [/The service was stopped|esbuild.*EPIPE/, 'esbuild\'s service stopped'],
  [/signal: 11, SIGSEGV|rustc.*SIGSEGV/, 'rustc crashed (SIGSEGV)'],
  [/sccache: error/, 'sccache failed'],
  [/node down: Not properly terminated|replacing crashed worker/, 'a pytest-xdist worker crashed'],
  [/Debug Failure\./, 'the TypeScript compiler hit an internal error'],
  [/signal SIGSEGV: segmentation violation|^unexpected fault address/m, 'the Go runtime crashed (SIGSEGV)'],
  [/Text file busy/, 'a script ran while it was still being written (text file busy)'],
  [/Segmentation fault/, 'a process crashed (segmentation fault)'],
];

export const buildToolCrash: HintRule = (g) => {
  const c = CRASHES.find(([re]) => re.test(g.text));
  return c ? `${c[1]}, not the code: retry` : null;
};

// ------------------------------------------------------------------------------------------------------- locks

interface LockInfo {
  what: string;
  holder?: string;
  since?: string;
  release?: string;
}

/** The lock a log names: what is locked, by whom, since when, and the command that releases it. */
export function lockInfo(g: LogView): LockInfo | null {
  let m: RegExpMatchArray | null;
  if (g.has(/Error acquiring the state lock/)) {
    const id = g.find(/^\s*[│|]?\s*ID:\s+(\S+)/)?.[1];
    return { what: 'the Terraform state', holder: g.find(/^\s*[│|]?\s*Who:\s+(\S+)/)?.[1], since: g.find(/^\s*[│|]?\s*Created:\s+(.+?)\s*$/)?.[1], release: `terraform force-unlock ${id ?? '<lock ID>'}` };
  }
  if (g.has(/another operation \(install\/upgrade\/rollback\) is in progress/)) {
    const rel = helmRelease(g);
    return { what: rel ? `Helm release ${q(rel, 40)}` : 'the Helm release', release: `helm rollback ${rel ?? '<release>'}` };
  }
  if (g.has(/the stack is currently locked by/)) {
    const c = g.find(/created by (\S+?)(?: \(pid \d+\))? at (\S+)/);
    return { what: 'the Pulumi stack', holder: c?.[1], since: c?.[2], release: 'pulumi cancel' };
  }
  if ((m = g.find(/Could not acquire change ?log lock\.\s+Currently locked by (.+?) since (.+?)\s*$/))) return { what: 'the Liquibase changelog', holder: m[1], since: m[2], release: 'liquibase releaseLocks' };
  if ((m = g.find(/Could not get lock (\S+?)\.? It is held by process (\d+)(?: \(([^)]+)\))?/))) return { what: q(m[1]), holder: m[3] ? `${m[3]} (pid ${m[2]})` : `pid ${m[2]}` };
  if ((m = g.find(/Unable to create '([^']+\.lock)': File exists/))) return { what: `the git index (${q(relPath(m[1]))})`, release: `rm ${relPath(m[1])}` };
  if ((m = g.find(/Timeout waiting to lock ([^.]+?)(?: \([^)]*\))?\. It is currently in use by another (\w+) instance/))) {
    const pid = g.find(/Owner PID: (\d+)/)?.[1];
    return { what: m[1], holder: `another ${m[2]} process${pid ? ` (pid ${pid})` : ''}` };
  }
  if ((m = g.find(/Blocking waiting for file lock on (.+)$/))) return { what: `cargo's ${m[1].trim()}`, holder: 'another cargo process' };
  if ((m = g.find(/could not obtain lock on relation "([^"]+)"/))) return { what: `table ${q(m[1])}` };
  if (g.has(/Lock wait timeout exceeded|canceling statement due to lock timeout/)) {
    const rel = g.find(/relation "([^"]+)"/)?.[1];
    return { what: rel ? `table ${q(rel)}` : 'a database table' };
  }
  if ((m = g.find(/could not lock the (\w+) table/))) return { what: `the ${m[1]} table` };
  return null;
}

const lockedBy = (l: LockInfo, since = true) => `${l.what} is locked${l.holder ? ` by ${q(l.holder, 44)}` : ''}${since && l.since ? ` since ${shortTime(l.since)}` : ''}`;

export const staleLock: HintRule = (g) => {
  let m: RegExpMatchArray | null;
  if (g.has(/Error (?:acquiring|locking) (?:the )?state(?: lock)?/) && g.has(/ResourceNotFoundException/)) {
    return 'the Terraform state lock table does not exist: create it, or fix `dynamodb_table` in the backend configuration';
  }
  if ((m = g.find(/Could not open lock file (\S+) - open \(13: Permission denied\)/))) return `apt cannot open ${q(m[1])} (permission denied): run apt-get as root (sudo)`;
  if ((m = g.find(/cannot lock ref '[^']+': '([^']+)' exists; cannot create/))) return `a stale ref ${q(m[1], 60)} blocks the fetch: run \`git remote prune origin\`, or clean the workspace`;
  if (g.has(/Inconsistent dependency lock file/)) {
    const p = g.find(/provider ([\w./-]+): locked version selection (\S+) doesn't match the updated version constraints "([^"]+)"/);
    return `${p ? `.terraform.lock.hcl pins ${q(p[1], 40)} ${p[2]} against "${p[3]}"` : '.terraform.lock.hcl disagrees with the configuration'}: run \`terraform init -upgrade\` and commit it`;
  }
  const l = lockInfo(g);
  if (!l) return null;
  if (/^Helm release/.test(l.what) || l.what === 'the Helm release') {
    const pending = g.find(/\b(pending-(?:upgrade|install|rollback))\b/)?.[1];
    return `${l.what} is stuck in ${pending ? q(pending) : 'a pending operation'}: roll it back with ${q(l.release!, 50)}, then deploy again`;
  }
  const end = `: if that run is gone, ${l.release ? q(l.release, 70) : 'release it by hand'}`;
  // The release command must stay whole: the lock's time goes first when the hint is too long.
  return `${lockedBy(l)}${end}`.length <= MAX_HINT_CHARS ? `${lockedBy(l)}${end}` : `${lockedBy(l, false)}${end}`;
};

export const lockContention: HintRule = (g) => {
  const m = g.find(/cannot lock ref '([^']+)': is at \S+ but expected/);
  if (m) return `${q(m[1], 50)} moved while this job pushed (another job pushed first): fetch, rebase and retry`;
  const l = lockInfo(g);
  return l ? `${lockedBy(l)}: wait for it to finish, then retry` : null;
};

// ---------------------------------------------------------------------------------------------------- services

const SERVICE_PORTS: Record<string, string> = {
  5432: 'postgres', 3306: 'mysql', 6379: 'redis', 9092: 'kafka', 27017: 'mongodb', 5672: 'rabbitmq', 9200: 'elasticsearch',
  11211: 'memcached', 1433: 'sqlserver', 2181: 'zookeeper', 4222: 'nats',
};

/** The host and port a connection was refused on, or timed out waiting for. */
export function refusedEndpoint(g: LogView): { host?: string; port?: string } | null {
  const m = g.first(
    /Failed to connect to ([\w.-]+) port (\d+)/,
    /ECONNREFUSED \[?([\w.:]+?)\]?:(\d+)\b/,
    /dial tcp \[?([\w.:]+?)\]?:(\d+): connect: connection refused/,
    /HTTPS?ConnectionPool\(host='([^']+)', port=(\d+)\)/,
    /connection to server at "([^"]+)" \([^)]*\), port (\d+) failed/,
    /Connection to ([\w.-]+):(\d+) refused/,
    /waiting \d+ seconds for ([\w.-]+):(\d+)/,
    /I\/O error on \w+ request for "https?:\/\/([^:/"]+):(\d+)/,
    /(?:Readiness|Liveness|Startup) probe failed: .*?https?:\/\/([\w.-]+):(\d+)/,
    /Can't connect to MySQL server on '([\w.-]+)(?::(\d+))?'/,
    /Error \d+ connecting to ([\w.-]+):(\d+)/,
    /Redis connection to ([\w.-]+):(\d+) failed/,
    /Connection to node -?\d+ \(([\w.-]+)\/[\d.]+:(\d+)\) could not be established/,
    /Can't reach database server at `([^`]+)`:`(\d+)`/,
  );
  return m ? { host: m[1], port: m[2] } : null;
}

/** The port the application says it listens on. */
function listeningPort(g: LogView): string | null {
  return (
    g.first(
      /Tomcat started on port(?:\(s\))?:? (\d+)/,
      /Netty started on port (\d+)/,
      /(?:[Ll]istening|[Ss]erver (?:started|listening)|[Rr]unning) (?:on|at) (?:port )?(?:https?:\/\/)?(?:[\w.[\]-]*:)?(\d{2,5})\b/,
    )?.[1] ?? null
  );
}

const KNOWN_SERVICE = /\b(postgres(?:ql)?|mysql|mariadb|redis|kafka|mongo(?:db)?|rabbitmq|elasticsearch)\b/i;

const serviceOf = (g: LogView, port: string | undefined): string | null =>
  (port ? SERVICE_PORTS[port] : undefined) ?? g.find(KNOWN_SERVICE)?.[1].toLowerCase() ?? null;

/** A service named by a Compose container (`<project>-<service>-<n>`): a known service in the name, else the last word. */
function composeService(container: string): string {
  const base = container.replace(/[-_]\d+$/, '');
  return base.match(KNOWN_SERVICE)?.[1].toLowerCase() ?? base.split(/[-_]/).pop() ?? base;
}

/** A service's own words for "not ready yet": the service they name. */
const NOT_READY: [RegExp, string][] = [
  [/the database system is starting up/, 'postgres'],
  [/LOADING Redis is loading the dataset in memory|BusyLoadingError/, 'redis'],
  [/Communications link failure/, 'mysql'],
  [/Timed out waiting for a node assignment/, 'kafka'],
  [/MongoServerSelectionError|ServerSelectionTimeoutError/, 'mongodb'],
];

export const serviceNotReady: HintRule = (g) => {
  const ep = refusedEndpoint(g);
  const image = g.find(/Container startup failed for image (\S+)/)?.[1];
  const unhealthy = g.find(/(?:dependency failed to start: )?container ([\w.-]+) (?:is unhealthy|exited \(\d+\))/)?.[1];
  const said = NOT_READY.find(([re]) => g.has(re))?.[1];
  if (!ep && !image && !unhealthy && !said && !g.has(/Connection refused|ECONNREFUSED/i)) return null;
  // GitHub Actions names the service containers it starts: the only one it started is the one the job waits for.
  const started = g.all(/^Starting ([\w.-]+) service container$/).map((m) => m[1]);
  const svc =
    image ?? (unhealthy ? composeService(unhealthy) : null) ?? said ?? (ep?.port ? SERVICE_PORTS[ep.port] : undefined) ?? (started.length === 1 ? started[0] : null) ?? serviceOf(g, undefined);
  if (!svc && !ep && !image && !unhealthy && !said) return null; // a refused connection alone names nothing
  const at = ep?.port ? ` at ${q(`${ep.host ?? 'localhost'}:${ep.port}`, 50)}` : '';
  return `${svc ? q(svc, 40) : 'the service'}${at} was not ready yet: retry, and wait for its health check before the tests`;
};

export const portInUse: HintRule = (g) => {
  const m = g.first(
    /EADDRINUSE: address already in use \S*?:(\d+)/,
    /bind on address \('[^']*', (\d+)\)/,
    /Port (\d+) was already in use/,
    /listen tcp \S*?:(\d+): bind: address already in use/,
    /Bind for [\d.:]+:(\d+) failed: port is already allocated/,
    /exposing port TCP [\d.]+:(\d+)/,
  );
  const name = runnerName(g);
  const on = name ? `runner ${q(name, 50)}` : 'the runner';
  if (m) return `port ${q(m[1])} is held by a left-over process on ${on}: retry on another runner (and stop the stray process)`;
  return g.has(/Address already in use|AddrInUse|EADDRINUSE/) ? `a port the tests bind is held by a left-over process on ${on}: retry on another runner` : null;
};

export const misconfiguredPort: HintRule = (g) => {
  if (g.has(/The connection to the server localhost:8080 was refused/)) return 'kubectl has no cluster configured (it falls back to `localhost:8080`): set the kubeconfig (KUBECONFIG) for the job';
  const ep = refusedEndpoint(g);
  if (ep?.port) {
    const listen = listeningPort(g);
    const also = listen && listen !== ep.port ? ` (the app listens on ${q(listen)})` : '';
    return `nothing listens on ${q(`${ep.host ?? 'localhost'}:${ep.port}`, 60)}${also}: fix the port in the test, probe or client configuration`;
  }
  let m = g.find(/release (\S+) failed, and has been rolled back due to atomic being set/);
  if (m) return `release ${q(m[1], 50)} never became ready and was rolled back: check its readiness probe's port against the port the app listens on`;
  if (g.has(/upstream connect error or disconnect\/reset before headers/)) {
    m = g.find(/https?:\/\/[^\s'"]+/);
    return `the proxy cannot reach the pods behind ${m ? q(hostOf(m[0]) ?? m[0], 60) : 'the service'}: check the Service's targetPort against the container's port`;
  }
  return null;
};

// ----------------------------------------------------------------------------------------------------- deploys

export const badManifest: HintRule = (g) => {
  let m: RegExpMatchArray | null;
  if ((m = g.find(/error validating "([^"]+)": .*(?:unknown field|missing required field) "([^"]+)"/))) return `${q(relPath(m[1]), 60)} has an invalid field ${q(m[2], 50)}: fix the manifest (kubectl explain shows the schema)`;
  if ((m = g.find(/error when (?:creating|applying patch|replacing|patching) "([^"]+)":.*?unknown field "([^"]+)"/))) return `${q(relPath(m[1]), 60)} has an unknown field ${q(m[2], 50)}: fix the manifest (kubectl explain shows the schema)`;
  if ((m = g.find(/no matches for kind "([^"]+)" in version "([^"]+)"/))) return `the cluster has no ${q(m[1])} in ${q(m[2])}: update the manifest's apiVersion`;
  if ((m = g.find(/(?:^|: )(\w+)(?:\.\w+)? "([^"]+)" is invalid: ([\w.[\]]+): (?:Invalid value|Required value|Unsupported value|Forbidden|Duplicate value)(.*)$/))) {
    if (/field is immutable/.test(m[4])) return `${q(m[3], 50)} of ${m[1]} ${q(m[2], 40)} is immutable: keep its old value, or delete and recreate the object`;
    return withDetail(`${m[1]} ${q(m[2], 40)} is invalid at ${q(m[3], 60)}`, m[4].replace(/^[:\s]+/, ''), ': fix the manifest');
  }
  if ((m = g.find(/template: ([\w./-]+):(\d+):\d+: executing "[^"]*" at <([^>]+)>: (.+)$/))) return withDetail(`${q(`${m[1]}:${m[2]}`, 70)} fails at ${q(m[3], 40)}`, m[4], ': set the value, or guard it in the template');
  if ((m = g.first(/(?:error parsing|YAML parse error on) (\S+?):? error converting YAML to JSON: yaml: line (\d+): (.+)$/))) return withDetail(`${q(`${relPath(m[1])}:${m[2]}`, 70)} is not valid YAML`, m[3], ': fix the indentation or syntax there');
  // Terraform: "Error: Unsupported argument" … "on main.tf line 12, in resource …" … the detail
  const tf = g.at(/^[│|]?\s*Error: (.+)$/);
  const tfAt = tf ? g.near(tf.i, /on (\S+\.tf) line (\d+)/, 0, 4) : null;
  if (tf && tfAt) {
    const detail = g.near(tf.i, /(An argument named "[^"]+" is not expected here|An input variable with the name "[^"]+" has not been declared|A managed resource "[^"]+" "[^"]+" has not been declared[^.]*|The argument "[^"]+" is required)/, 0, 10);
    return withDetail(`${q(`${tfAt[1]}:${tfAt[2]}`, 60)}: ${clip(tf.m[1], 40)}`, detail?.[1], ': fix it (terraform validate checks it locally)');
  }
  if ((m = g.find(/dockerfile parse error (?:on )?line (\d+): (.+)$/i))) return `\`Dockerfile:${m[1]}\` does not parse (${clip(m[2], 50)}): fix the instruction`;
  if ((m = g.find(/failed to compute cache key: .*?"([^"]+)": not found/) ?? g.find(/COPY failed: .*?(?:stat |file not found in build context[^:]*: )(\S+?)(?:: file does not exist)?$/))) {
    const line = g.find(/^Dockerfile:(\d+)$/)?.[1];
    return `${line ? `\`Dockerfile:${line}\`` : 'the Dockerfile'} copies ${q(m[1], 50)}, which the build context or stage does not have: fix the path or .dockerignore`;
  }
  if ((m = g.find(/Invalid workflow file: (\S+?)(?:#L(\d+))?$/))) {
    const d = g.find(/\(Line: (\d+), Col: \d+\): (.+)$/);
    return withDetail(`${q(`${m[1]}${d ? `:${d[1]}` : m[2] ? `:${m[2]}` : ''}`, 60)} is not a valid workflow`, d?.[2], ': fix the workflow file');
  }
  if ((m = g.find(/GitLab CI configuration is invalid: (?:jobs:)?([\w.-]+):([\w:]+) (.+)$/))) return `job ${q(m[1], 40)} in .gitlab-ci.yml is invalid at ${q(m[2], 30)} (${clip(m[3], 50)}): fix the pipeline file`;
  if ((m = g.find(/^(?:jobs:)?(\S+) config contains unknown keys?: (.+)$/))) return `job ${q(m[1], 40)} in .gitlab-ci.yml has an unknown key ${q(m[2], 40)}: fix its spelling`;
  if ((m = g.find(/^(?:jobs:)?(\S+) config (.+)$/)) && g.has(/GitLab CI configuration is invalid|jobs config should/)) return `job ${q(m[1], 40)} in .gitlab-ci.yml is invalid (${clip(m[2], 60)}): fix the pipeline file`;
  if ((m = g.find(/validating (\S+): (.+)$/))) return withDetail(`${q(relPath(m[1]), 60)} is invalid`, m[2], ': fix the compose file');
  if ((m = g.first(/(?:^|: )(?:line \d+: )?([\w.+-]+): command not found$/, /^\/bin\/sh: \d+: ([\w.+-]+): not found$/, /exec: "([^"]+)": executable file not found in \$PATH/))) {
    return `${q(m[1], 40)} is not installed in the job's image: install it in an earlier step, or use an image that has it`;
  }
  if ((m = g.find(/Unable to resolve action `([^`]+)`, (?:repository not found|unable to find version `[^`]+`)/))) return `action ${q(m[1], 60)} does not exist: fix its name or version in the workflow`;
  if ((m = g.find(/uses a deprecated version of `([^`]+)`/))) return `the workflow uses ${q(m[1], 50)}, which GitHub no longer runs: upgrade the action to its current major version`;
  if ((m = g.find(/invalid reference format(?:: (.+))?/))) return withDetail('an image reference is malformed', m[1], ': check how the image name and tag are built (an empty variable?)');
  return null;
};

export const clusterApiError: HintRule = (g) => {
  let m = g.find(/failed calling webhook "([^"]+)"/);
  if (m) return `the admission webhook ${q(m[1], 60)} does not answer: retry once it is back`;
  if ((m = g.find(/Operation cannot be fulfilled on ([\w.]+) "([^"]+)": the object has been modified/))) return `${q(`${m[1]}/${m[2]}`, 60)} was changed by another writer meanwhile: retry (the apply reads the latest version)`;
  if ((m = g.find(/error dialing backend: dial tcp ([\d.]+:\d+): (i\/o timeout|connect: connection refused)/))) return `the cluster API cannot reach the kubelet at ${q(m[1])} (${m[2]}): retry`;
  if ((m = g.find(/etcdserver: ([\w ]+)/))) return `the cluster's etcd is struggling (${clip(m[1], 40)}): retry`;
  if (g.has(/TooManyRequests|too many requests/)) return 'the cluster API is throttling requests: retry after a short wait';
  // AWS throttling: "(SlowDown) when calling the PutObject operation", "operation error ECS: UpdateService, … api error ThrottlingException"
  if ((m = g.first(/An error occurred \((SlowDown|Throttling\w*|RequestLimitExceeded|TooManyRequestsException)\) when calling the (\w+) operation/, /operation error ([\w ]+?): (\w+),.*api error (Throttling\w*|SlowDown|RequestLimitExceeded)/))) {
    const [op, code] = m[0].startsWith('An error') ? [m[2], m[1]] : [`${m[1]} ${m[2]}`, m[3]];
    return `AWS throttles ${q(op, 40)} (${code}): retry after a short wait, or space the calls out`;
  }
  if ((m = g.find(/ERROR: \((gcloud(?:\.[\w-]+)+)\) (INTERNAL|UNAVAILABLE|DEADLINE_EXCEEDED)\b/))) return `${q(m[1].replace(/\./g, ' '), 50)} fails with ${m[2]} on Google Cloud's side: retry`;
  if ((m = g.find(/Error from server \((ServiceUnavailable|InternalError|Timeout|ServerTimeout)\): .*?(?:\((get|list|watch|create|patch|update|delete) ([\w.]+) ([\w.-]+)\))?$/))) {
    return `the cluster API answers ${q(m[1])}${m[2] ? ` to ${q(`${m[2]} ${m[3]} ${m[4]}`, 60)}` : ''}: retry once it is back`;
  }
  const api = g.find(/(?:to the server|https?:\/\/)(\d+\.\d+\.\d+\.\d+:\d+|[\w.-]+:6443)/)?.[1];
  if (api || g.has(/ServiceUnavailable|InternalError|etcd|Kubernetes cluster unreachable|Unavailable desc/)) {
    return `the cluster API${api ? ` ${q(api)}` : ''} is unavailable for the moment: retry`;
  }
  return null;
};

// -------------------------------------------------------------------------------------------------------- auth

export const expiredToken: HintRule = (g) => {
  const kinds: [RegExp, string][] = [
    [/ExpiredToken|security token included in the request is expired/, 'AWS session'],
    [/authorization token has expired/, 'registry token'],
    [/You must be logged in to the server|asked for the client to provide credentials/, 'cluster credentials'],
    [/HTTP Basic: Access denied|Authentication failed for '/, 'Git credentials'],
    [/npm (?:ERR!|error) code E401/, 'npm token'],
    [/Reauthentication failed|refreshing your current auth tokens/, 'gcloud credentials'],
    [/invalid_grant|Token has been expired or revoked/, 'OAuth token'],
    [/Could not assume role with OIDC|AssumeRoleWithWebIdentity/, 'OIDC role session'],
    [/\bvault\b/i, 'Vault token'],
    [/unauthorized: authentication required/, 'registry token'],
  ];
  const k = kinds.find(([re]) => re.test(g.text));
  return k ? `the job's ${k[1]} expired or was rejected: rerun the job to get fresh credentials` : null;
};

/** A principal's short name: `arn:aws:sts::1:assumed-role/ci-x/session` → `ci-x`. */
const principal = (arn: string) => arn.match(/assumed-role\/([^/\s]+)/)?.[1] ?? arn.match(/:(?:user|role)\/(\S+)$/)?.[1] ?? arn;

export const permissionDenied: HintRule = (g) => {
  let m: RegExpMatchArray | null;
  if ((m = g.find(/(?:User|user): (arn:aws:\S+?) is not authorized to perform: ([\w-]+:[\w*]+)/))) return `${q(principal(m[1]), 50)} may not ${q(m[2], 50)}: allow it in the role's IAM policy`;
  if ((m = g.find(/An error occurred \((AccessDenied\w*)\) when calling the (\w+) operation/))) return `access denied for ${q(m[2], 40)} (${m[1]}): grant the job's role that permission`;
  if ((m = g.find(/User "([^"]+)" cannot ([\w-]+) resource "([\w./-]+)"(?: in API group "[^"]*")?(?: in the namespace "([^"]+)")?/))) {
    return `${q(m[1], 60)} cannot ${m[2]} ${q(m[3], 30)}${m[4] ? ` in namespace ${q(m[4], 30)}` : ''}: grant it with a Role and RoleBinding`;
  }
  if ((m = g.first(/Permission '([\w.]+)' denied on resource/, /does not have ([\w.]+) access to/, /IAM_PERMISSION_DENIED.*?'([\w.]+)'/))) return `the job's service account lacks ${q(m[1], 50)}: grant it a role that has it`;
  if ((m = g.find(/does not have authorization to perform action '([^']+)'/))) return `the job's identity may not ${q(m[1], 70)}: assign it a role that allows it`;
  if ((m = g.find(/Permission to (\S+?)(?:\.git)? denied to (\S+?)\.?$/))) return `${q(m[2], 40)} has no write access to ${q(m[1], 50)}: grant it, or use a token that has it`;
  if ((m = g.find(/^(?:\S+@)?([\w.-]+): Permission denied \(publickey/))) return `${q(m[1], 50)} rejects the job's SSH key: add the key (a deploy key with the access it needs) there`;
  if ((m = g.find(/denied: permission_denied: (\w+)/))) return `the registry token lacks ${q(m[1])}: give the workflow \`packages: write\`, or use a token with that scope`;
  if (g.has(/denied: requested access to the resource is denied|insufficient_scope|denied: access forbidden/)) {
    const img = g.find(/The push refers to repository \[([^\]]+)\]/)?.[1] ?? g.find(/docker push (\S+)/)?.[1];
    return `pushing ${img ? q(img, 70) : 'the image'} is denied: give the job's registry credentials write access to that repository`;
  }
  if ((m = g.find(/permission denied for (table|schema|relation|sequence|database|function) (\S+)/))) return `the database role may not use ${m[1]} ${q(m[2], 40)}: GRANT it the privileges the job needs`;
  if ((m = g.find(/must be owner of (table|relation|schema) (\S+)/))) return `the database role must own ${m[1]} ${q(m[2], 40)}: run the migration as its owner, or transfer ownership`;
  if ((m = g.find(/ERROR 1142 \(42000\).*?: (\w+) command denied to user '([^']+)'@'[^']*' for table '([^']+)'/))) return `MySQL user ${q(m[2], 30)} may not ${m[1]} on ${q(m[3], 30)}: GRANT it`;
  if (g.has(/Resource not accessible by integration/)) return 'GITHUB_TOKEN lacks a permission for this call: add it under `permissions:` in the workflow';
  if ((m = g.find(/(?:^|: )(\.{0,2}\/?[\w./-]+\.(?:sh|py|rb|pl)|\.\/[\w./-]+): Permission denied$/))) return `${q(relPath(m[1]), 60)} is not executable: run \`git update-index --chmod=+x\` on it and commit`;
  if ((m = g.find(/EACCES: permission denied, (\w+) '([^']+)'/))) return `the job may not ${m[1]} ${q(m[2], 60)}: fix the directory's owner, or run as the right user`;
  if ((m = g.find(/unable to access '([^']+)': The requested URL returned error: 403/))) return `${q(m[1].replace(/^https?:\/\//, ''), 70)} refuses the job's credentials (403): give its token access to the repository`;
  const url = g.find(/(https?:\/\/\S+?)['":]?\s.*\b403\b|\b403 Forbidden\b.*?(https?:\/\/\S+)/);
  if (url) return `${q(hostOf(url[1] ?? url[2]) ?? '', 60)} refuses access (403): give the job's credentials the access it needs`;
  return null;
};

export const missingSecret: HintRule = (g) => {
  let m: RegExpMatchArray | null;
  if ((m = g.find(/Input required and not supplied: ([\w-]+)/))) return `action input ${q(m[1])} is required but empty: set the secret it is given (with: ${m[1]}: \${{ secrets.… }})`;
  const name = g.first(
    /[Mm]issing (?:required )?(?:environment variable|env(?:ironment)? var(?:iable)?|secret|variable)s?:? [`'"$]?([A-Za-z_][A-Za-z0-9_]*)/,
    /(?:environment variable|env var|secret|variable) [`'"$]?([A-Za-z_][A-Za-z0-9_]{2,})[`'"]? (?:is )?(?:not set|not defined|undefined|empty|is required|must be set|missing)/i,
    /\b([A-Z][A-Z0-9_]{2,}): (?:parameter null or not set|unbound variable)/,
    /environment variable not found: ([A-Za-z_]\w*)/,
    /Could not resolve placeholder '([\w.-]+)'/,
    /input variable "(\w+)" is not set/,
  );
  if (name) return `secret ${q(name[1], 60)} is not set: add it to the CI variables`;
  if (g.has(/os\.environ|getenv|ENV\.fetch|process\.env/) && (m = g.find(/^KeyError: '([A-Z][A-Z0-9_]{2,})'$/))) return `secret ${q(m[1], 60)} is not set: add it to the CI variables`;
  if ((m = g.find(/couldn't find key (\S+) in Secret ([\w.-]+\/[\w.-]+)/))) return `Secret ${q(m[2], 50)} has no key ${q(m[1], 40)}: add the key to the Kubernetes secret`;
  if ((m = g.find(/secrets? "([\w.-]+)" not found/))) return `Kubernetes secret ${q(m[1], 50)} does not exist in the namespace: create it, or fix its name in the manifest`;
  if (g.has(/Cannot perform an interactive login from a non TTY device|no basic auth credentials|Username and password required/)) {
    const host = g.find(/docker push (\S+)/)?.[1]?.split('/')[0] ?? g.find(/https:\/\/([\w.-]+)\/v2\//)?.[1];
    return `no registry credentials${host ? ` for ${q(host, 50)}` : ''}: set the registry user and password secrets, and log in before pushing`;
  }
  if (g.has(/Unable to locate credentials|NoCredentialProviders|Credentials could not be loaded/)) return 'the job has no AWS credentials: set the access key secrets, or configure an OIDC role for the job';
  if (g.has(/fe_sendauth: no password supplied/)) return 'no database password is set (PGPASSWORD, or the connection URL): add it to the CI variables';
  if ((m = g.find(/could not read (?:Username|Password) for '([^']+)'/))) return `no Git credentials for ${q(hostOf(m[1]) ?? m[1], 50)}: add a token secret (or a deploy key) for the checkout`;
  if (g.has(/ENEEDAUTH|need auth|Unable to authenticate, need: Basic|This command requires you to be logged in/)) return 'no auth token for the npm registry: set the token secret and reference it in .npmrc';
  if (g.has(/unauthorized: authentication required/)) {
    const h = g.find(/https:\/\/([\w.-]+)\/v2\//)?.[1];
    return `no registry credentials${h ? ` for ${q(h, 50)}` : ''}: set the registry secrets, and log in before pushing`;
  }
  if ((m = g.find(/error loading config file "([^"]+)": .*(?:unexpected end of JSON input|is empty)/))) return `the kubeconfig ${q(relPath(m[1]), 60)} is empty (its secret is not set?): set the kubeconfig secret for the job`;
  if (g.has(/You must be logged in to the server \(Unauthorized\)/)) return 'the job has no cluster credentials: set the kubeconfig or token secret for the deploy';
  if (g.has(/The connection to the server localhost:8080 was refused/)) return 'kubectl has no cluster configured (it falls back to `localhost:8080`): set the kubeconfig secret for the job';
  return null;
};

