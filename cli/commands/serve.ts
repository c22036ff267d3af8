// `rolloutlab serve`: the HTTP server for deploy systems, configured at this edge from flags and the environment.
import { Command, Option } from 'commander';
import { dirname, join, resolve } from 'node:path';
import { isRolloutlabError, RolloutlabError } from '../../lib/errors.ts';
import { int, num, usage } from '../flags.ts';
import { decisionsFile, feedbackFile, pipelineOutcomesFile } from '../store-paths.ts';
import { FOLDER_FAMILIES, type Family } from '../../training/families.ts';

/** Why `serve` could not listen, naming the flag that fixes it (bad input, exit 2); other errors pass through. */
/**
 * `--model-folder` values as the app's `modelFolders` (family → folder): each a registry folder that holds one family's
 * model trained on other data (training/families.ts FOLDER_FAMILIES), at most one per family. Usage error otherwise.
 */
export function modelFoldersFlag(values: readonly string[]): Partial<Record<Family, string>> {
  const out: Partial<Record<Family, string>> = {};
  for (const v of values) {
    const family = FOLDER_FAMILIES[v];
    if (family === undefined) throw usage(`--model-folder: unknown registry folder ${JSON.stringify(v)} (expected one of ${Object.keys(FOLDER_FAMILIES).join(', ')})`, '--model-folder');
    if (out[family] !== undefined && out[family] !== v) throw usage(`--model-folder: the ${family} family is already served from ${out[family]}, not also from ${v}`, '--model-folder');
    out[family] = v;
  }
  return out;
}

function listenError(e: unknown, port: number, host: string): unknown {
  if (isRolloutlabError(e)) return e;
  const code = (e as NodeJS.ErrnoException).code;
  const at = `${host}:${port}`;
  const what =
    code === 'EADDRINUSE'
      ? [`port ${port} on ${host} is already in use (another rolloutlab serve or another program): stop it, or choose another port with --port <n> (--port 0 picks a free one)`, 'port']
      : code === 'EACCES'
        ? [`not allowed to listen on ${at} (ports below 1024 need privileges): choose another port with --port <n>`, 'port']
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? [`cannot listen on host ${JSON.stringify(host)} (${code}: not an address of this machine): choose one with --host <addr> (127.0.0.1, or 0.0.0.0 for every interface)`, 'host']
          : null;
  if (!what) return e;
  const err = new RolloutlabError('BAD_ARGUMENT', what[0], what[1]);
  err.cause = e;
  return err;
}


/** Registers the Serve commands on the program. */
export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('Serve the champion models over HTTP (docs/server.md): canary verdict, rollout decision, risk score, anomaly score, status, metrics, OpenAPI.')
    // The port may come from the environment, as a container image sets it (ENV ROLLOUTLAB_LISTEN_PORT); the flag wins.
    // Not ROLLOUTLAB_PORT: Kubernetes sets that to tcp://<ip>:<port> in pods beside a Service named rolloutlab.
    .addOption(new Option('--port <n>', 'TCP port').env('ROLLOUTLAB_LISTEN_PORT').argParser(int('--port', 0, 65535)).default(8080))
    .option('--host <addr>', 'address to listen on', '127.0.0.1')
    .option('--models <dir>', 'model registry root (default: $ROLLOUTLAB_MODELS, else models/)')
    .option('--token <t>', 'bearer token required by POST /v1/feedback, GET /v1/feedback, POST and GET /v1/pipeline/outcome, GET /v1/decisions, POST /v1/models/reload, POST and DELETE /v1/overrides and POST /v1/approvals (default: $ROLLOUTLAB_TOKEN; none: those routes answer 403 unless --insecure-open-writes)')
    .option('--insecure-open-writes', 'without a token, open POST /v1/feedback, GET /v1/feedback, POST and GET /v1/pipeline/outcome, GET /v1/decisions, POST /v1/models/reload and the override and approval writes to anyone who can reach the port (trusted networks only)')
    .option('--drain <seconds>', 'on SIGTERM / SIGINT: seconds in-flight requests may take before every connection is closed and the process exits', num('--drain', 0, 600), 5)
    .option('--plan-threads <n>', 'worker threads for POST /v1/deploy/windows and /v1/deploy/schedule, so their seconds of planning never block the other routes (0 = on the main thread)', int('--plan-threads', 0, 64), 1)
    .option('--whatif-scenario <name|file>', 'the simulated world of a POST /v1/whatif that names none: a built-in scenario or a scenario file (a request may name any built-in, or this one by its name)', 'default')
    .option('--whatif-seed <n>', 'the seed of that world when a request gives none', int('--whatif-seed', 0, 2 ** 31 - 1), 1)
    .option('--whatif-threads <n>', 'worker threads for POST /v1/whatif (each what-if keeps one busy for seconds)', int('--whatif-threads', 1, 64), 1)
    .option('--whatif-warm', 'start the what-if workers at start-up (a few CPU seconds and about 75 MB each) so that the first POST /v1/whatif is not the one that waits for them')
    .option('--quiet', 'no request logs')
    .option('--prometheus <url>', 'Prometheus base URL the Argo and Flagger routes read canary / primary metrics from (default: $ROLLOUTLAB_PROMETHEUS; none: their decisions are inconclusive)')
    .option('--prometheus-query <metric=PromQL>', 'PromQL template for one metric, repeatable; metrics: requests, errors, latencyP50, latencyP99 (ms), slow, conversions; placeholders {{ target }}, {{ namespace }}, {{ interval }} (docs/server.md)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--prometheus-queries <file>', 'JSON or YAML object {metric: PromQL template}; --prometheus-query flags override its entries')
    .option('--prometheus-timeout <ms>', 'per-query timeout in ms', int('--prometheus-timeout', 1, 600_000), 5000)
    .option('--prometheus-namespace <ns>', 'namespace when a request names none', 'default')
    .option('--prometheus-primary <pattern>', 'the baseline (primary) workload from the canary name {{ name }} (e.g. "{{ name }}-stable" for Argo)', '{{ name }}-primary')
    .option('--feedback <file>', 'DuckDB file where POST /v1/feedback stores deployment outcomes (default: $ROLLOUTLAB_FEEDBACK, else data/feedback.duckdb in the repo)')
    .option('--pipeline-outcomes <file>', 'DuckDB file where POST /v1/pipeline/outcome stores what happened after failed CI/CD steps (default: $ROLLOUTLAB_PIPELINE_OUTCOMES, else pipeline-outcomes.duckdb beside the feedback file)')
    .option('--decisions <file>', 'DuckDB file where every decision served is recorded with its request, answer and model versions, for GET /v1/decisions and `decisions export` (default: $ROLLOUTLAB_DECISIONS, else decisions.duckdb beside the feedback file)')
    .option('--controls <file>', 'JSON or YAML file of the human controls: teams\' allowed hours, services\' teams, notification webhooks (docs/server.md "Human controls")')
    .option('--controls-store <file>', 'DuckDB file where overrides and approvals are stored (default: $ROLLOUTLAB_CONTROLS_STORE, else controls.duckdb beside the feedback file)')
    .option('--rate-limit <n>', 'requests/s per client (burst 2n; 0 = no limit; /healthz is exempt)', int('--rate-limit', 0, 1_000_000), 1000)
    .option('--state-secret <s>', 'secret that signs the streaming state of POST /v1/anomaly/score, so states survive a restart and work across replicas (default: $ROLLOUTLAB_STATE_SECRET; none: a random key per process)')
    .option('--model-folder <folder>', 'serve a family\'s champion from this registry folder instead of its own, repeatable: risk-history (the risk model trained on your imported deployment history, rolloutlab train risk --data <imported>) or judge-replay (the judge trained on your recorded rollouts)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--reports <dir>', 'a folder of .html reports (rolloutlab report --out; npm start writes out/report.html) that the web page lists and serves at /ui/reports (default: none)')
    .option('--watch <seconds>', 'check the registry\'s champion pointers this often and reload when one changes (0 = only on POST /v1/models/reload)', num('--watch', 0, 86_400), 2)
    .action(async (o: { port: number; host: string; models?: string; token?: string; insecureOpenWrites?: boolean; drain: number; planThreads: number; whatifScenario: string; whatifSeed: number; whatifThreads: number; whatifWarm?: boolean; quiet?: boolean; prometheus?: string; prometheusQuery: string[]; prometheusQueries?: string; prometheusTimeout: number; prometheusNamespace: string; prometheusPrimary: string; feedback?: string; pipelineOutcomes?: string; decisions?: string; controls?: string; controlsStore?: string; rateLimit: number; watch: number; stateSecret?: string; modelFolder: string[]; reports?: string }) => {
      const { buildApp } = await import('../../server/app.ts');
      const { PrometheusSource, checkQueries } = await import('../../server/metrics-source.ts');
      const { servePlanDefaults, serveWhatIfWorlds } = await import('../serve-defaults.ts');
      const { parseControlsConfig } = await import('../../server/controls-config.ts');
      const { existsSync, readFileSync } = await import('node:fs');
      const { parse: parseYaml } = await import('yaml');
      const token = o.token ?? (process.env.ROLLOUTLAB_TOKEN || undefined);
      const prometheus = o.prometheus ?? (process.env.ROLLOUTLAB_PROMETHEUS || undefined);
      // The query templates: the file's, then the flags' (each checked before anything starts).
      // A bad --prometheus-queries file is bad input (exit 2); a bad flag value is a usage error (exit 1).
      const bad = (flag: string, problem: string) => new RolloutlabError('BAD_ARGUMENT', `${flag}: ${problem}`, flag.split(' ')[0].replace(/^--/, ''));
      const badFlag = (flag: string, problem: string) => usage(`${flag}: ${problem}`, flag.split(/[ ,]/)[0].replace(/^--/, ''));
      const queries: Record<string, string> = {};
      if (o.prometheusQueries !== undefined) {
        const file = resolve(o.prometheusQueries);
        if (!existsSync(file)) throw new RolloutlabError('NOT_FOUND', `--prometheus-queries: no file ${file}`, 'prometheus-queries');
        let doc: unknown;
        try {
          doc = parseYaml(readFileSync(file, 'utf8'));
        } catch (e) {
          throw bad(`--prometheus-queries ${o.prometheusQueries}`, `not JSON or YAML (${(e as Error).message.split('\n')[0]})`);
        }
        if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad(`--prometheus-queries ${o.prometheusQueries}`, 'must hold an object {metric: PromQL template}');
        const checked = checkQueries(doc as Record<string, unknown>);
        if (typeof checked === 'string') throw bad(`--prometheus-queries ${o.prometheusQueries}`, checked);
        Object.assign(queries, checked);
      }
      for (const q of o.prometheusQuery) {
        const eq = q.indexOf('=');
        if (eq <= 0) throw badFlag('--prometheus-query', `must be <metric>=<PromQL template>, e.g. requests='sum(increase(http_requests_total{pod=~"{{ target }}-.*"}[{{ interval }}]))' (got ${JSON.stringify(q)})`);
        const checked = checkQueries({ [q.slice(0, eq).trim()]: q.slice(eq + 1) });
        if (typeof checked === 'string') throw badFlag('--prometheus-query', checked);
        Object.assign(queries, checked);
      }
      const primaryRe = /\{\{\s*name\s*\}\}/g;
      const otherPlaceholder = /\{\{(?!\s*name\s*\}\})[^}]*\}\}/.exec(o.prometheusPrimary);
      if (!/\{\{\s*name\s*\}\}/.test(o.prometheusPrimary) || otherPlaceholder) throw badFlag('--prometheus-primary', `must contain {{ name }} (the canary's name) and no other placeholder (got ${JSON.stringify(o.prometheusPrimary)})`);
      const given = Object.entries({ '--prometheus-query': o.prometheusQuery.length > 0, '--prometheus-queries': o.prometheusQueries !== undefined, '--prometheus-timeout': o.prometheusTimeout !== 5000, '--prometheus-namespace': o.prometheusNamespace !== 'default', '--prometheus-primary': o.prometheusPrimary !== '{{ name }}-primary' }).filter(([, v]) => v).map(([k]) => k);
      if (given.length && !prometheus) throw badFlag(given.join(', '), `${given.length > 1 ? 'need' : 'needs'} --prometheus <url> (or $ROLLOUTLAB_PROMETHEUS)`);
      const metricsSource = prometheus
        ? new PrometheusSource({ url: prometheus, queries, timeoutMs: o.prometheusTimeout, defaultNamespace: o.prometheusNamespace, primaryName: (n) => o.prometheusPrimary.replace(primaryRe, n) })
        : undefined;
      const feedbackPath = feedbackFile(o.feedback);
      const pipelineOutcomesPath = pipelineOutcomesFile(o.pipelineOutcomes, feedbackPath);
      if (pipelineOutcomesPath === feedbackPath) throw badFlag('--pipeline-outcomes', `must be another file than --feedback (both are ${feedbackPath})`);
      const decisionsPath = decisionsFile(o.decisions, feedbackPath);
      if (decisionsPath === feedbackPath || decisionsPath === pipelineOutcomesPath) throw badFlag('--decisions', `must be another file than --feedback and --pipeline-outcomes (${decisionsPath} is the ${decisionsPath === feedbackPath ? 'feedback' : 'pipeline outcomes'} file)`);
      const controlsStorePath = resolve(o.controlsStore ?? (process.env.ROLLOUTLAB_CONTROLS_STORE || join(dirname(feedbackPath), 'controls.duckdb')));
      if (controlsStorePath === feedbackPath || controlsStorePath === pipelineOutcomesPath || controlsStorePath === decisionsPath) throw badFlag('--controls-store', `must be another file than --feedback, --pipeline-outcomes and --decisions (got ${controlsStorePath})`);
      // The controls file: a bad one is bad input (exit 2), naming the field.
      let controls;
      if (o.controls !== undefined) {
        const file = resolve(o.controls);
        if (!existsSync(file)) throw new RolloutlabError('NOT_FOUND', `--controls: no file ${file}`, 'controls');
        let doc: unknown;
        try {
          doc = parseYaml(readFileSync(file, 'utf8'));
        } catch (e) {
          throw bad(`--controls ${o.controls}`, `not JSON or YAML (${(e as Error).message.split('\n')[0]})`);
        }
        controls = parseControlsConfig(doc, `--controls ${o.controls}`);
      }
      // The reports folder must exist and be a folder (its files are read when the page asks).
      let reportsDir: string | undefined;
      if (o.reports !== undefined) {
        reportsDir = resolve(o.reports);
        const { statSync } = await import('node:fs');
        const st = statSync(reportsDir, { throwIfNoEntry: false });
        if (!st) throw new RolloutlabError('NOT_FOUND', `--reports: no folder ${reportsDir}`, 'reports');
        if (!st.isDirectory()) throw bad(`--reports ${o.reports}`, `${reportsDir} is not a folder`);
      }
      const rateLimit = o.rateLimit > 0 ? { perSecond: o.rateLimit, burst: 2 * o.rateLimit } : false;
      const drainMs = Math.round(o.drain * 1000);
      const modelFolders = modelFoldersFlag(o.modelFolder);
      const app = buildApp({ modelFolders, modelsRoot: o.models !== undefined ? resolve(o.models) : undefined, token, insecureOpenWrites: !!o.insecureOpenWrites, drainMs, planThreads: o.planThreads, logger: o.quiet ? false : { level: 'info' }, metricsSource, feedbackPath, pipelineOutcomesPath, decisionsPath, onDecisionLoss: (m) => process.stderr.write(`WARNING: ${m}\n`), controls, controlsStorePath, rateLimit, watchRegistryMs: o.watch > 0 ? o.watch * 1000 : undefined, stateSecret: o.stateSecret ?? (process.env.ROLLOUTLAB_STATE_SECRET || undefined), planDefaults: servePlanDefaults(), reportsDir, whatif: { ...serveWhatIfWorlds(o.whatifScenario, o.whatifSeed), offload: { threads: o.whatifThreads }, warm: !!o.whatifWarm } });
      const closed = new Promise<void>((done) => {
        let closing = false;
        const stop = (signal: string) => {
          if (closing) return;
          closing = true;
          process.stderr.write(`${signal}: closing (in-flight requests have ${o.drain} s to finish)\n`);
          // The app closes every connection at the drain deadline; this is the last resort if something still hangs.
          setTimeout(() => {
            process.stderr.write(`still not closed ${o.drain + 5} s after ${signal}: exiting\n`);
            process.exit(3);
          }, drainMs + 5000).unref();
          app.close().then(done, (e: unknown) => {
            process.stderr.write(`error while closing: ${(e as Error).message}\n`);
            process.exitCode = 3;
            done();
          });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      let address: string;
      try {
        address = await app.listen({ port: o.port, host: o.host });
      } catch (e) {
        await app.close().catch(() => undefined);
        throw listenError(e, o.port, o.host);
      }
      process.stderr.write(`rolloutlab serving on ${address} (models: ${o.models ?? 'default registry'}, feedback: ${feedbackPath}, pipeline outcomes: ${pipelineOutcomesPath}, decisions: ${decisionsPath}, controls: ${controlsStorePath}${controls ? ` (${o.controls}: ${Object.keys(controls.teams ?? {}).length} team(s), ${(controls.notify ?? []).length} notification sink(s))` : ''}${prometheus ? `, metrics: Prometheus at ${prometheus}${Object.keys(queries).length ? ` (own queries: ${Object.keys(queries).join(', ')})` : ''}` : ''}${token ? ', reload, feedback, pipeline outcomes, the decision log, overrides and approvals need a bearer token' : ''})\n`);
      process.stderr.write(`  API reference: ${address}/docs (OpenAPI: ${address}/v1/openapi.json, index: ${address}/)\n`);
      process.stderr.write(`  web page: ${address}/ui${reportsDir ? ` (reports from ${reportsDir})` : ''}\n`);
      if (token === undefined) {
        process.stderr.write(
          o.insecureOpenWrites
            ? 'WARNING: --insecure-open-writes without a token: anyone who can reach this port can post and read feedback and pipeline outcomes, read the decision log (the web page at /ui shows it to any browser that reaches the port; other browser pages are refused), reload the models and set overrides and approvals\n'
            : 'note: no --token: POST /v1/feedback, GET /v1/feedback and POST /v1/models/reload answer 403 (so do POST and GET /v1/pipeline/outcome, GET /v1/decisions and the override and approval writes); start with --token <t> (or $ROLLOUTLAB_TOKEN) to enable them\n',
        );
      } else if (o.insecureOpenWrites) process.stderr.write('note: --insecure-open-writes is ignored: a token is set\n');
      await closed;
    });
}
