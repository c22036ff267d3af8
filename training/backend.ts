// TensorFlow.js backend selection: the fastest backend that loads here, picked once per process.
//
//   initBackend() ─▶ 'tensorflow' (@tensorflow/tfjs-node, optional dependency: native libtensorflow)
//                 └▶ 'wasm'       (@tensorflow/tfjs-backend-wasm, .wasm files read from node_modules, SIMD)
//                 └▶ 'cpu'        (pure JavaScript, always there)
//
// Order by measured speed (DEVELOPERS.md "TensorFlow.js"): wasm trains a 64-wide MLP about 3.5x faster than cpu.
// Every module that uses tf imports it from here (`import { tf } from './backend.ts'`), so one engine is shared.

import * as tf from '@tensorflow/tfjs';
import * as tfWasm from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { RolloutlabError, show } from '../lib/errors.ts';
import { BACKEND_NAMES, isBackendName, type BackendName } from './backend-names.ts';

export { tf };

export { BACKEND_NAMES, isBackendName, type BackendName };

export interface BackendInfo {
  /** The active tf backend. */
  name: BackendName;
  /** Version of the package providing it (tfjs-node, tfjs-backend-wasm or tfjs-backend-cpu). */
  version: string;
  /** e.g. 'simd, 1 thread' for wasm; '' when there is nothing to say. */
  features: string;
  /** Faster backends that were tried first and did not load, with the reason. */
  skipped: Array<{ name: BackendName; reason: string }>;
}

let active: { key: string; info: Promise<BackendInfo> } | undefined;
let wasmPathsSet = false;

/**
 * Makes the fastest loadable backend active, starting at `prefer` (default 'tensorflow') and falling back down
 * BACKEND_NAMES: prefer 'wasm' tries wasm then cpu; prefer 'cpu' gives cpu. Idempotent: a call with the same
 * `prefer`, or with none once a backend is active, returns the same info without re-initialising; a call with
 * another `prefer` switches. Also silences tfjs's console chatter ("install the node backend" etc.).
 */
export function initBackend(prefer?: BackendName): Promise<BackendInfo> {
  if (prefer !== undefined && !isBackendName(prefer)) {
    return Promise.reject(new RolloutlabError('BAD_ARGUMENT', `backend must be one of ${BACKEND_NAMES.join(', ')}, got ${show(prefer)}`, 'backend'));
  }
  if (active && (prefer === undefined || active.key === prefer)) return active.info;
  const key = prefer ?? 'tensorflow';
  const info = select(BACKEND_NAMES.slice(BACKEND_NAMES.indexOf(key)));
  active = { key, info };
  // A failed selection must not stick: the next call tries again.
  info.catch(() => {
    if (active?.info === info) active = undefined;
  });
  return info;
}

/** The active backend's name, or undefined before `initBackend` has finished. */
export function backendName(): BackendName | undefined {
  const name = tf.getBackend() as string | undefined;
  return isBackendName(name) ? name : undefined;
}

async function select(order: readonly BackendName[]): Promise<BackendInfo> {
  // PROD only turns off console warnings (tfjs-core/layers check it nowhere else in 4.22).
  tf.env().set('PROD', true);
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    try {
      const info = await activate(name);
      return { ...info, skipped };
    } catch (e) {
      skipped.push({ name, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) });
    }
  }
  throw new RolloutlabError('IO', `no TensorFlow.js backend loaded: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`, 'backend');
}

async function activate(name: BackendName): Promise<Omit<BackendInfo, 'skipped'>> {
  if (name === 'tensorflow') {
    // A variable specifier: the package is optional, so neither tsc nor the bundler may require it.
    const spec = '@tensorflow/tfjs-node';
    const node = (await import(spec)) as { version?: Record<string, string> };
    await setBackend('tensorflow');
    return { name, version: node.version?.['tfjs-node'] ?? tf.version.tfjs, features: 'native' };
  }
  if (name === 'wasm') {
    if (!wasmPathsSet) {
      // Read the .wasm files from the installed package (offline), never from a CDN.
      const dist = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm'));
      tfWasm.setWasmPaths(join(dist, '/'));
      wasmPathsSet = true;
    }
    await setBackend('wasm');
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const threads = tfWasm.getThreadsCount();
    return { name, version: tfWasm.version_wasm, features: `${simd ? 'simd' : 'no simd'}, ${threads} thread${threads === 1 ? '' : 's'}` };
  }
  await setBackend('cpu');
  return { name, version: tf.version['tfjs-backend-cpu'], features: '' };
}

async function setBackend(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) throw new Error(`tf.setBackend('${name}') failed`);
}
