// The deployment files (docs/deploy.md): the container image (Dockerfile, .dockerignore), the Kubernetes manifests
// (deploy/k8s/), and the Argo Rollouts and Flagger examples (deploy/argo/, deploy/flagger/). No cluster and no docker
// here, so they are checked statically and against the real app:
// - every YAML document under deploy/ validates against its kind's schema: core kinds with kubernetes-models, Argo
//   Rollouts kinds with @kubernetes-models/argo-rollouts, Flagger's Canary with ajv against Flagger's own CRD schema
//   (deploy/schemas/flagger/), with an unknown field an error as under the API server's strict field validation;
//   a mutated copy of each kind fails the same check;
// - the files agree with each other and with the code: the Service selects the Deployment's pods, the probes and every
//   URL the examples call are routes the app registers (and the requests the examples send are answered, not refused),
//   the Secret and ConfigMap keys referenced exist, the container's flags and variables are ones `serve` reads, the
//   image's port, user and models path are the manifests', and the grace period covers preStop and the drain.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import type { Command } from 'commander';
import { ConfigMap, Namespace, PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { AnalysisTemplate, Rollout } from '@kubernetes-models/argo-rollouts/argoproj.io/v1alpha1';
import { buildProgram } from '../cli/main.ts';
import { buildApp } from '../server/app.ts';
import { parseControlsConfig } from '../server/controls-config.ts';
import { RISK_MODEL_FEATURES } from '../sim/risk-features.ts';

const ROOT = resolve(import.meta.dirname, '..');
const DEPLOY = join(ROOT, 'deploy');

// ---- loading and validating ------------------------------------------------------------------------------------

// YAML documents are untyped: the tests walk them as the manifests are written.
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
interface Doc {
  file: string;
  obj: Obj;
}

function* yamlFiles(dir: string): Generator<string> {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* yamlFiles(p);
    else if (/\.ya?ml$/.test(name)) yield p;
  }
}

/** Every document of every YAML file under deploy/ (a file that does not parse fails here). */
function loadAll(): Doc[] {
  const out: Doc[] = [];
  for (const f of yamlFiles(DEPLOY)) {
    for (const d of parseAllDocuments(readFileSync(f, 'utf8'))) {
      expect(d.errors.map((e) => e.message), relative(ROOT, f)).toEqual([]);
      const obj = d.toJS() as Obj | null;
      if (obj !== null) out.push({ file: relative(ROOT, f), obj });
    }
  }
  return out;
}

/** Flagger's Canary schema (deploy/schemas/flagger/README.md says where it comes from). */
const FLAGGER_CANARY_SCHEMA = JSON.parse(readFileSync(join(DEPLOY, 'schemas/flagger/canary-v1beta1.json'), 'utf8')) as Obj;

/**
 * The schema as the API server applies it with strict field validation (kubectl apply --validate=strict): an object
 * that lists its properties admits no others unless it says x-kubernetes-preserve-unknown-fields. Without this, a
 * misspelt field (`webhoks`) would pass, as the API server's default pruning would silently drop it.
 */
function strictFields(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(strictFields);
  if (typeof s !== 'object' || s === null) return s;
  const o = Object.fromEntries(Object.entries(s).map(([k, v]) => [k, k === 'enum' || k === 'default' || k === 'example' ? v : strictFields(v)])) as Obj;
  if (o.properties && o.additionalProperties === undefined && o['x-kubernetes-preserve-unknown-fields'] !== true) o.additionalProperties = false;
  return o;
}

function flaggerValidator(): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  // Kubernetes' extensions: int-or-string is checked; CEL rules (x-kubernetes-validations) cannot be evaluated here.
  ajv.addKeyword({ keyword: 'x-kubernetes-int-or-string', schemaType: 'boolean', validate: (on: boolean, v: unknown) => !on || (typeof v === 'string' || Number.isInteger(v)) });
  ajv.addKeyword({ keyword: 'x-kubernetes-validations' });
  ajv.addKeyword({ keyword: 'x-kubernetes-preserve-unknown-fields' });
  // The formats the schema names, as the API server reads them.
  ajv.addFormat('string', true);
  ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
  ajv.addFormat('date-time', (t: string) => !Number.isNaN(Date.parse(t)));
  ajv.addFormat('url', (t: string) => {
    try {
      return new URL(t).protocol !== '';
    } catch {
      return false;
    }
  });
  return ajv.compile(strictFields(FLAGGER_CANARY_SCHEMA) as object);
}
const validateCanary = flaggerValidator();

/** The models of the kinds under deploy/, by apiVersion and kind. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const MODELS: Record<string, new (o: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/Secret': Secret,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'batch/v1/Job': Job,
  'argoproj.io/v1alpha1/Rollout': Rollout,
  'argoproj.io/v1alpha1/AnalysisTemplate': AnalysisTemplate,
};

/** The problems of one manifest under its kind's schema ([] = valid). */
function problems(obj: Obj): string[] {
  const kind = `${obj.apiVersion}/${obj.kind}`;
  if (kind === 'flagger.app/v1beta1/Canary') {
    if (validateCanary(obj)) return [];
    return (validateCanary.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }
  const Model = MODELS[kind];
  if (!Model) return [`no validator for ${kind}`];
  try {
    new Model(structuredClone(obj)).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

// ---- what the files say ----------------------------------------------------------------------------------------

const DOCS = loadAll();
const only = (kind: string, name?: string): Doc => {
  const found = DOCS.filter((d) => d.obj.kind === kind && (name === undefined || d.obj.metadata?.name === name));
  expect(found.map((d) => d.file), `one ${kind}${name ? ` ${name}` : ''}`).toHaveLength(1);
  return found[0];
};
const deployment = () => only('Deployment').obj;
const container = () => deployment().spec.template.spec.containers[0] as Obj;
const service = () => only('Service').obj;
const envOf = (name: string) => (container().env as Obj[]).find((e) => e.name === name);
const serviceHost = () => `${service().metadata.name}.${service().metadata.namespace}.svc`;

/** The options of `rolloutlab serve`, as the command line defines them. */
function serveCommand(): Command {
  const serve = buildProgram().commands.find((c) => c.name() === 'serve');
  expect(serve).toBeDefined();
  return serve!;
}
const serveFlags = () => new Set(serveCommand().options.map((o) => o.long));
/** The flags among `args` (after the command name): each must be one of serve's. */
const flagsIn = (args: string[]) => args.filter((a) => a.startsWith('--'));

/** The environment variables the command line and the server read (process.env.X, env.X, commander's .env('X')). */
function variablesRead(): string[] {
  const found = new Set<string>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/\b(?:process\.env|env)\.([A-Z][A-Z0-9_]+)|\.env\('([A-Z][A-Z0-9_]+)'\)/g)) found.add(m[1] ?? m[2]);
    }
  };
  for (const d of ['cli', 'server', 'training', 'lib', 'datasets']) walk(join(ROOT, d));
  return [...found].sort();
}

/** Dockerfile instructions, continuation lines joined and comments dropped. */
function dockerfile(): { op: string; args: string }[] {
  const lines = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').split('\n');
  const out: { op: string; args: string }[] = [];
  let cur = '';
  for (const raw of lines) {
    const line = raw.trimEnd();
    if (/^\s*#/.test(line) || (line.trim() === '' && cur === '')) continue;
    cur += line.endsWith('\\') ? line.slice(0, -1) + ' ' : line;
    if (line.endsWith('\\')) continue;
    const m = /^\s*([A-Za-z]+)\s+(.*)$/.exec(cur);
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    cur = '';
  }
  return out;
}
const instr = (op: string) => dockerfile().filter((i) => i.op === op);
/** ENV KEY=value pairs of the Dockerfile. */
const dockerEnv = (): Record<string, string> => Object.fromEntries(instr('ENV').flatMap((i) => [...i.args.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)].map((m) => [m[1], m[2].replace(/^"|"$/g, '')])));

// ---- the in-process app, for the routes ------------------------------------------------------------------------

let app: FastifyInstance;
let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rolloutlab-deploy-'));
  // No champions: every route is there, and every decision is inconclusive / wait (what a fresh install answers).
  app = buildApp({ modelsRoot: join(dir, 'models'), planThreads: 0, rateLimit: false });
  await app.ready();
});
afterAll(async () => {
  await app?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const hasRoute = (method: string, url: string) => app.hasRoute({ method: method as 'GET', url });

// ---- the tests -------------------------------------------------------------------------------------------------

describe('every manifest under deploy/ validates against its schema', () => {
  it('finds the files of each kind', () => {
    const kinds = DOCS.map((d) => d.obj.kind).sort();
    // The sweep's Indexed Job brings its own ConfigMap (the spec) and Job (test/sweep.test.ts checks it against its spec).
    expect(kinds).toEqual(['AnalysisTemplate', 'AnalysisTemplate', 'Canary', 'ConfigMap', 'ConfigMap', 'Deployment', 'Job', 'Namespace', 'PersistentVolumeClaim', 'PodDisruptionBudget', 'Rollout', 'Secret', 'Service']);
  });

  it('each document is valid (kubernetes-models, the Argo Rollouts models, Flagger\'s CRD schema)', () => {
    const bad = DOCS.flatMap((d) => problems(d.obj).map((p) => `${d.file} ${d.obj.kind} ${d.obj.metadata?.name}: ${p}`));
    expect(bad).toEqual([]);
  });

  it('a broken copy of each kind fails the same check', () => {
    const broken = (kind: string, name: string | undefined, breakIt: (o: Obj) => void) => {
      const o = structuredClone(only(kind, name).obj);
      breakIt(o);
      return problems(o);
    };
    expect(broken('Deployment', undefined, (o) => (o.spec.template.spec.containers[0].ports[0].containerPort = 'http'))).not.toEqual([]);
    expect(broken('Deployment', undefined, (o) => delete o.spec.template.spec.containers[0].name)).not.toEqual([]);
    expect(broken('Service', undefined, (o) => (o.spec.ports[0].port = '8080'))).not.toEqual([]);
    expect(broken('PodDisruptionBudget', undefined, (o) => (o.spec.selector = 'app=rolloutlab'))).not.toEqual([]);
    expect(broken('Secret', undefined, (o) => (o.stringData.token = 42))).not.toEqual([]);
    expect(broken('Rollout', undefined, (o) => (o.spec.strategy.canary.steps[1].setWeight = 'ten'))).not.toEqual([]);
    expect(broken('AnalysisTemplate', 'rolloutlab-verdict', (o) => (o.spec.metrics[0].provider.web.timeoutSeconds = '10s'))).not.toEqual([]);
    expect(broken('AnalysisTemplate', 'rolloutlab-risk-gate', (o) => delete o.spec.metrics[0].name)).not.toEqual([]);
    // Flagger: a misspelt webhook type, a misspelt field (strict fields), a timeout without its unit, no targetRef.
    expect(broken('Canary', undefined, (o) => (o.spec.analysis.webhooks[0].type = 'confirm-rollot')).join()).toMatch(/webhooks\/0\/type must be equal to one of the allowed values/);
    expect(broken('Canary', undefined, (o) => ((o.spec.analysis.webhoks = o.spec.analysis.webhooks), delete o.spec.analysis.webhooks)).join()).toMatch(/additional properties \(webhoks\)/);
    expect(broken('Canary', undefined, (o) => (o.spec.analysis.webhooks[2].timeout = '10'))).not.toEqual([]);
    expect(broken('Canary', undefined, (o) => delete o.spec.targetRef).join()).toMatch(/targetRef/);
    expect(problems({ apiVersion: 'flagger.app/v1beta1', kind: 'MetricTemplate', metadata: { name: 'x' } })).toEqual(['no validator for flagger.app/v1beta1/MetricTemplate']);
  });
});

describe('the Kubernetes manifests agree with each other and with the server', () => {
  it('the Service and the budget select the Deployment\'s pods, and its target port is the container\'s', () => {
    const pod = deployment().spec.template.metadata.labels as Record<string, string>;
    const covers = (sel: Record<string, string>) => Object.entries(sel).every(([k, v]) => pod[k] === v);
    expect(covers(deployment().spec.selector.matchLabels)).toBe(true);
    expect(covers(service().spec.selector)).toBe(true);
    expect(covers(only('PodDisruptionBudget').obj.spec.selector.matchLabels)).toBe(true);
    const target = service().spec.ports[0].targetPort;
    expect((container().ports as Obj[]).map((p) => p.name)).toContain(target);
    for (const d of DOCS.filter((d) => d.file.startsWith('deploy/k8s/') && d.obj.kind !== 'Namespace')) expect(d.obj.metadata.namespace, d.file).toBe(only('Namespace').obj.metadata.name);
  });

  it('the probes ask routes the app has (readiness /readyz, liveness /healthz), on the container\'s port', () => {
    const c = container();
    expect(c.readinessProbe.httpGet.path).toBe('/readyz');
    expect(c.livenessProbe.httpGet.path).toBe('/healthz');
    for (const p of [c.readinessProbe, c.livenessProbe, c.startupProbe]) {
      expect(hasRoute('GET', p.httpGet.path), p.httpGet.path).toBe(true);
      expect((c.ports as Obj[]).map((x) => x.name)).toContain(p.httpGet.port);
    }
  });

  it('the Secret, ConfigMap and volume claim referenced exist with their keys; the controls file is valid', () => {
    const secret = only('Secret').obj;
    const config = only('ConfigMap', 'rolloutlab').obj;
    const refs = (container().env as Obj[]).filter((e) => e.valueFrom);
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const e of refs) {
      const s = e.valueFrom.secretKeyRef;
      const m = e.valueFrom.configMapKeyRef;
      if (s) {
        expect(s.name).toBe(secret.metadata.name);
        expect(Object.keys({ ...secret.data, ...secret.stringData }), e.name).toContain(s.key);
      } else {
        expect(m.name).toBe(config.metadata.name);
        expect(Object.keys(config.data), e.name).toContain(m.key);
      }
    }
    // The token reaches the server as $ROLLOUTLAB_TOKEN, which `serve` reads when --token is not given.
    expect(envOf('ROLLOUTLAB_TOKEN')?.valueFrom?.secretKeyRef).toBeDefined();
    expect(readFileSync(join(ROOT, 'cli/commands/serve.ts'), 'utf8')).toMatch(/o\.token \?\? \(process\.env\.ROLLOUTLAB_TOKEN/);
    const volumes = deployment().spec.template.spec.volumes as Obj[];
    expect(volumes.find((v) => v.persistentVolumeClaim)?.persistentVolumeClaim.claimName).toBe(only('PersistentVolumeClaim').obj.metadata.name);
    const cfg = volumes.find((v) => v.configMap)!;
    expect(cfg.configMap.name).toBe(config.metadata.name);
    for (const item of cfg.configMap.items) expect(Object.keys(config.data)).toContain(item.key);
    expect(() => parseControlsConfig(parseAllDocuments(config.data['controls.yaml'])[0].toJS(), 'controls.yaml')).not.toThrow();
  });

  it('the container runs `serve` with flags it has, variables the code reads, and the controls file where it is mounted', () => {
    const c = container();
    expect(c.args[0]).toBe('serve');
    const flags = serveFlags();
    for (const f of flagsIn(c.args)) expect(flags.has(f), f).toBe(true);
    expect(c.args.slice(c.args.indexOf('--host'), c.args.indexOf('--host') + 2)).toEqual(['--host', '0.0.0.0']);
    const read = variablesRead();
    expect(read).toContain('ROLLOUTLAB_TOKEN');
    for (const e of c.env as Obj[]) expect(read, e.name).toContain(e.name);
    // Kubernetes' service links would add <SERVICE>_PORT=tcp://<ip>:<port> and the like beside a Service: none may be
    // a variable the code reads (the image's port variable is not ROLLOUTLAB_PORT for that reason), and they are off.
    const svc = (service().metadata.name as string).toUpperCase().replace(/-/g, '_');
    const links = [`${svc}_SERVICE_HOST`, `${svc}_SERVICE_PORT`, `${svc}_PORT`, ...(service().spec.ports as Obj[]).map((x) => `${svc}_PORT_${x.port}_TCP`)];
    expect(links.filter((v) => read.includes(v))).toEqual([]);
    expect(deployment().spec.template.spec.enableServiceLinks).toBe(false);
    const controls = c.args[c.args.indexOf('--controls') + 1] as string;
    const mount = (c.volumeMounts as Obj[]).find((m) => controls.startsWith(m.mountPath + '/'))!;
    const vol = (deployment().spec.template.spec.volumes as Obj[]).find((v) => v.name === mount.name)!;
    expect(vol.configMap.items.map((i: Obj) => i.path)).toContain(controls.slice(mount.mountPath.length + 1));
    // The stores' folder is the data volume's.
    const claim = (deployment().spec.template.spec.volumes as Obj[]).find((v) => v.persistentVolumeClaim)!;
    const data = (c.volumeMounts as Obj[]).find((m) => m.name === claim.name)!;
    expect(envOf('ROLLOUTLAB_FEEDBACK')?.value).toBe(`${data.mountPath}/feedback.duckdb`);
  });

  it('runs as a non-root user with a read-only root, one replica replaced whole, and a grace period that covers preStop and the drain', () => {
    const pod = deployment().spec.template.spec;
    const c = container();
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory).toBeTruthy();
    // The controls and stores are one process's files: two replicas would not share an override.
    expect(deployment().spec.replicas).toBe(1);
    expect(deployment().spec.strategy.type).toBe('Recreate');
    const preStop = c.lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const sleep = Number(preStop[1]);
    const drain = Number(c.args[c.args.indexOf('--drain') + 1]);
    expect(sleep).toBeGreaterThan(0);
    expect(drain).toBeGreaterThan(0);
    // serve exits at the latest 5 s after the drain deadline (exit 3); the kubelet's SIGKILL must come later still.
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(sleep + drain + 5);
  });

  it('the image is the one the Dockerfile builds, listening on the port the manifests use', () => {
    const c = container();
    const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    expect(c.image).toBe(`rolloutlab:${version}`);
    const port = c.ports[0].containerPort;
    expect(Number(envOf('ROLLOUTLAB_LISTEN_PORT')?.value)).toBe(port);
    expect(Number(dockerEnv().ROLLOUTLAB_LISTEN_PORT)).toBe(port);
    expect(instr('EXPOSE').map((i) => Number(i.args))).toEqual([port]);
    expect(Number(deployment().spec.template.metadata.annotations['prometheus.io/port'])).toBe(port);
    expect(service().spec.ports[0].port).toBe(port);
    expect(envOf('ROLLOUTLAB_MODELS')?.value).toBe(dockerEnv().ROLLOUTLAB_MODELS);
    expect(envOf('ROLLOUTLAB_FEEDBACK')?.value).toBe(dockerEnv().ROLLOUTLAB_FEEDBACK);
    expect(String(deployment().spec.template.spec.securityContext.runAsUser)).toBe(instr('USER').at(-1)!.args.split(':')[0]);
  });
});

describe('the container image (Dockerfile), read statically', () => {
  it('builds on Node 20 slim, installs exactly the lockfile, and runs as a non-root user', () => {
    const from = instr('FROM');
    expect(from).toHaveLength(1);
    expect(from[0].args.split(/\s+/).filter((a) => !a.startsWith('--'))).toEqual(['node:20-slim']);
    const all = dockerfile();
    const at = (pred: (i: { op: string; args: string }) => boolean) => all.findIndex(pred);
    const lock = at((i) => i.op === 'COPY' && /\bpackage-lock\.json\b/.test(i.args));
    const ci = at((i) => i.op === 'RUN' && /\bnpm ci\b/.test(i.args));
    const source = at((i) => i.op === 'COPY' && /^\.\s+\.$/.test(i.args));
    expect(lock).toBeGreaterThanOrEqual(0);
    expect(ci).toBeGreaterThan(lock);
    expect(source).toBeGreaterThan(ci);
    expect(instr('RUN').some((i) => /\bnpm (install|i)\b/.test(i.args))).toBe(false);
    const user = instr('USER');
    expect(user.length).toBeGreaterThan(0);
    const last = user.at(-1)!.args.split(':')[0];
    expect(['root', '0']).not.toContain(last);
    expect(Number(last)).toBeGreaterThan(0);
    // Nothing after USER switches back, and the process starts after it.
    expect(at((i) => i.op === 'ENTRYPOINT')).toBeGreaterThan(all.lastIndexOf(user.at(-1)!));
  });

  it('starts `node bin/rolloutlab.mjs serve` on 0.0.0.0 with flags serve has, the port from ROLLOUTLAB_LISTEN_PORT', () => {
    const entry = JSON.parse(instr('ENTRYPOINT')[0].args) as string[];
    const cmd = JSON.parse(instr('CMD')[0].args) as string[];
    expect(entry).toEqual(['node', 'bin/rolloutlab.mjs']);
    expect(existsSync(join(ROOT, entry[1]))).toBe(true);
    expect(cmd[0]).toBe('serve');
    const flags = serveFlags();
    for (const f of flagsIn(cmd)) expect(flags.has(f), f).toBe(true);
    expect(cmd.slice(cmd.indexOf('--host'), cmd.indexOf('--host') + 2)).toEqual(['--host', '0.0.0.0']);
    expect(cmd).not.toContain('--port'); // the port comes from the environment
    expect(serveCommand().options.find((o) => o.long === '--port')?.envVar).toBe('ROLLOUTLAB_LISTEN_PORT');
    expect(Number(dockerEnv().ROLLOUTLAB_LISTEN_PORT)).toBe(Number(instr('EXPOSE')[0].args));
  });

  it('bakes the registry at ROLLOUTLAB_MODELS, gives the stores a folder the user owns, and keeps what the server needs in the context', () => {
    const env = dockerEnv();
    const workdir = instr('WORKDIR').at(-1)!.args;
    expect(env.ROLLOUTLAB_MODELS).toBe(`${workdir}/models`);
    const storeDir = env.ROLLOUTLAB_FEEDBACK.replace(/\/[^/]+$/, '');
    const uid = instr('USER').at(-1)!.args.split(':')[0];
    expect(instr('RUN').some((i) => i.args.includes(`chown ${uid}:`) && i.args.includes(storeDir))).toBe(true);
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(ignore).toEqual(expect.arrayContaining(['node_modules', '.git', 'out', 'data']));
    for (const needed of ['models', 'bin', 'cli', 'server', 'lib', 'scenarios', 'training', 'package.json', 'package-lock.json']) expect(ignore.filter((p) => p === needed || p === '*' || p === `${needed}/`), needed).toEqual([]);
  });
});

describe('the Argo Rollouts and Flagger examples call the server\'s real routes', () => {
  type Call = { file: string; method: string; url: URL; body?: unknown; hook?: string; metadata?: Record<string, string> };

  /** An analysis template's URL and body with the arguments of the step that runs it (Argo's {{args.x}}). */
  const substitute = (text: string, args: Record<string, string>) => text.replace(/\{\{\s*args\.([\w-]+)\s*\}\}/g, (_m, k: string) => {
    expect(args, `argument ${k}`).toHaveProperty(k);
    return args[k];
  });

  /** Every call the Rollout's analysis steps make, with the arguments resolved as Argo would. */
  function argoCalls(): Call[] {
    const rollout = only('Rollout');
    const calls: Call[] = [];
    for (const step of rollout.obj.spec.strategy.canary.steps as Obj[]) {
      if (!step.analysis) continue;
      for (const ref of step.analysis.templates as Obj[]) {
        const t = only('AnalysisTemplate', ref.templateName);
        const args: Record<string, string> = {};
        for (const a of t.obj.spec.args as Obj[]) if (a.value !== undefined) args[a.name] = a.value;
        for (const a of step.analysis.args as Obj[]) {
          if (a.value !== undefined) args[a.name] = a.value;
          else if (a.valueFrom?.fieldRef?.fieldPath === 'metadata.namespace') args[a.name] = rollout.obj.metadata.namespace;
          else if (a.valueFrom?.fieldRef?.fieldPath === 'metadata.name') args[a.name] = rollout.obj.metadata.name;
          else throw new Error(`argument ${a.name}: no value the test can resolve`);
        }
        // Every argument the template declares without a default is given by the step.
        for (const a of t.obj.spec.args as Obj[]) expect(args, `${ref.templateName} argument ${a.name}`).toHaveProperty(a.name);
        for (const m of t.obj.spec.metrics as Obj[]) {
          const web = m.provider.web;
          calls.push({ file: t.file, method: web.method ?? 'GET', url: new URL(substitute(web.url, args)), body: web.jsonBody && JSON.parse(substitute(JSON.stringify(web.jsonBody), args)) });
        }
      }
    }
    return calls;
  }

  function flaggerCalls(): Call[] {
    const canary = only('Canary');
    return (canary.obj.spec.analysis.webhooks as Obj[]).map((w) => ({ file: canary.file, method: 'POST', url: new URL(w.url), hook: w.type, metadata: w.metadata }));
  }

  const inject = (c: Call) => app.inject({ method: c.method as 'GET', url: c.url.pathname + c.url.search, ...(c.body !== undefined ? { payload: c.body as object } : {}) });

  it('every URL is the Service\'s address and a route the app registers', () => {
    const calls = [...argoCalls(), ...flaggerCalls()];
    expect(calls.length).toBeGreaterThanOrEqual(10);
    for (const c of calls) {
      expect(c.url.protocol, c.url.href).toBe('http:');
      expect(c.url.hostname, c.url.href).toBe(serviceHost());
      expect(Number(c.url.port), c.url.href).toBe(service().spec.ports[0].port);
      expect(hasRoute(c.method, c.url.pathname), `${c.method} ${c.url.pathname} (${c.file})`).toBe(true);
    }
    // The Flagger hooks each call their own route.
    for (const c of flaggerCalls()) expect(c.url.pathname).toBe(`/v1/flagger/${c.hook}`);
    // The hooks the examples must show: the gate before the start, the record of the start, the verdict checks.
    expect(flaggerCalls().map((c) => c.hook)).toEqual(expect.arrayContaining(['confirm-rollout', 'pre-rollout', 'rollout', 'rollback', 'confirm-promotion']));
    expect(argoCalls().map((c) => c.url.pathname)).toEqual(['/v1/argo/gate', '/v1/argo/verdict', '/v1/argo/verdict']);
  });

  it('Argo\'s calls, as the Rollout\'s steps send them, are answered 200 with a decision that holds without evidence', async () => {
    for (const c of argoCalls()) {
      const r = await inject(c);
      expect(r.statusCode, `${c.url.pathname}: ${r.body}`).toBe(200);
      const result = r.json().result;
      // No champion and no Prometheus: the verdict is inconclusive and the gate waits (neither template condition holds).
      if (c.url.pathname === '/v1/argo/verdict') expect(result).toMatchObject({ verdict: 'inconclusive', pass: -1, name: 'podinfo', namespace: 'test' });
      else expect(result).toMatchObject({ decision: 'wait', pass: -1, name: 'podinfo', namespace: 'test' });
    }
  });

  it('Flagger\'s calls, with each webhook\'s metadata, are answered (no 400: every metadata key is one the hook reads)', async () => {
    for (const c of flaggerCalls()) {
      const payload = { name: 'podinfo', namespace: 'test', phase: 'Progressing', metadata: c.metadata ?? null, ...(c.hook === 'event' ? { eventMessage: 'New revision detected', eventType: 'Normal', timestamp: '1700000000000' } : {}) };
      const r = await app.inject({ method: 'POST', url: c.url.pathname + c.url.search, payload });
      expect([200, 409], `${c.hook}: ${r.body}`).toContain(r.statusCode);
      expect(r.json()).toMatchObject({ hook: c.hook, name: 'podinfo', namespace: 'test' });
      // Without evidence nothing says yes, except the hooks that only record.
      if (['pre-rollout', 'post-rollout', 'event'].includes(c.hook!)) expect(r.statusCode).toBe(200);
      else if (c.hook !== 'rollback') expect(r.statusCode, c.hook).toBe(409);
    }
  });

  it('the risk gates give or impute every feature of the risk model, so a complete change is scored, not kept waiting', () => {
    const needed = RISK_MODEL_FEATURES.filter((f) => f.from !== 'clock').map((f) => f.name).sort();
    const gate = argoCalls().find((c) => c.url.pathname === '/v1/argo/gate')!.body as { features: Record<string, string>; impute: string };
    const argo = [...Object.keys(gate.features), ...gate.impute.split(',').map((s) => s.trim())].sort();
    expect(argo).toEqual(needed);
    const meta = flaggerCalls().find((c) => c.hook === 'confirm-rollout')!.metadata!;
    const flagger = [...Object.keys(meta).filter((k) => k.startsWith('risk.') && k !== 'risk.max' && k !== 'risk.impute').map((k) => k.slice(5)), ...meta['risk.impute'].split(',').map((s) => s.trim())].sort();
    expect(flagger).toEqual(needed);
  });
});
