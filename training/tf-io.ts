// TensorFlow.js layers models as plain files — `model.json` + `weights.bin`, the layout tfjs-node's `file://`
// handler writes — for the pure-JS @tensorflow/tfjs package, which has no file-system handler of its own.
//
//   tf.LayersModel ─▶ modelToFiles ─▶ { 'model.json': string, 'weights.bin': Uint8Array } ─▶ modelFromFiles ─▶ tf.LayersModel
//
// The registry stores these bytes (atomically); `fileSystemHandler(dir)` is the same format straight to a folder.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tf } from './backend.ts';
import { RolloutlabError } from '../lib/errors.ts';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface ModelFiles {
  [MODEL_JSON]: string;
  [WEIGHTS_BIN]: Uint8Array;
}

/**
 * Serialises a model's topology and weights. Weights are the raw float32/int32 bytes, so a round trip through
 * `modelFromFiles` gives bitwise-identical predictions on the same backend. Same model state => same bytes.
 */
export async function modelToFiles(model: tf.LayersModel, opts: { includeOptimizer?: boolean } = {}): Promise<ModelFiles> {
  let files: ModelFiles | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      files = artifactsToFiles(artifacts);
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
    { includeOptimizer: opts.includeOptimizer ?? false },
  );
  if (!files) throw new Error('tf save handler was not called');
  return files;
}

/** Rebuilds a model from the files `modelToFiles` wrote (extra entries are ignored). Needs an initialised backend. */
export async function modelFromFiles(files: Record<string, Uint8Array | string>): Promise<tf.LayersModel> {
  const artifacts = await filesToArtifacts(files);
  return tf.loadLayersModel({ load: async () => artifacts });
}

/** A tf.io handler reading and writing `model.json` + `weights.bin` in `dir`: `model.save(fileSystemHandler(dir))`,
 *  `tf.loadLayersModel(fileSystemHandler(dir))`. Plain writes, not atomic: use the registry for artefacts. */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts) {
      const files = artifactsToFiles(artifacts);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, WEIGHTS_BIN), files[WEIGHTS_BIN]);
      await writeFile(join(dir, MODEL_JSON), files[MODEL_JSON]);
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
    async load() {
      const json = await readFile(join(dir, MODEL_JSON), 'utf8');
      const manifest = parseModelJson(json).weightsManifest;
      const files: Record<string, Uint8Array> = {};
      for (const p of manifest.flatMap((g) => g.paths)) files[p] = await readFile(join(dir, p));
      return filesToArtifacts({ ...files, [MODEL_JSON]: json });
    },
  };
}

function artifactsToFiles(a: tf.io.ModelArtifacts): ModelFiles {
  if (a.modelTopology instanceof ArrayBuffer || a.modelTopology === undefined) {
    throw new Error('only JSON model topologies (tf.LayersModel) can be saved');
  }
  const weights = new Uint8Array(a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData));
  // Same fields and order as tfjs's own model.json writer; optional fields only when present.
  const json: tf.io.ModelJSON = {
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: a.weightSpecs ?? [] }],
  };
  if (a.trainingConfig !== undefined) json.trainingConfig = a.trainingConfig;
  if (a.signature !== undefined) json.signature = a.signature;
  if (a.userDefinedMetadata !== undefined) json.userDefinedMetadata = a.userDefinedMetadata;
  if (a.modelInitializer !== undefined) json.modelInitializer = a.modelInitializer;
  if (a.initializerSignature !== undefined) json.initializerSignature = a.initializerSignature;
  return { [MODEL_JSON]: JSON.stringify(json), [WEIGHTS_BIN]: weights };
}

async function filesToArtifacts(files: Record<string, Uint8Array | string>): Promise<tf.io.ModelArtifacts> {
  const raw = files[MODEL_JSON];
  if (raw === undefined) throw new RolloutlabError('NOT_FOUND', `no ${MODEL_JSON} among the model files`, MODEL_JSON);
  const json = parseModelJson(typeof raw === 'string' ? raw : new TextDecoder().decode(raw));
  return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const p of group.paths) {
        const f = files[p];
        if (f === undefined) throw new RolloutlabError('NOT_FOUND', `${MODEL_JSON} names weights file "${p}", which is missing`, p);
        const bytes = typeof f === 'string' ? new TextEncoder().encode(f) : f;
        // A Buffer from readFile may be a view into a larger pool: copy out exactly its bytes.
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers)];
  });
}

function parseModelJson(text: string): tf.io.ModelJSON {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new RolloutlabError('BAD_DATA', `${MODEL_JSON} is not JSON: ${(e as Error).message}`, MODEL_JSON);
  }
  const j = json as Partial<tf.io.ModelJSON> | null;
  if (j === null || typeof j !== 'object' || typeof j.modelTopology !== 'object' || j.modelTopology === null) {
    throw new RolloutlabError('BAD_DATA', `${MODEL_JSON} has no modelTopology object`, 'modelTopology');
  }
  if (!Array.isArray(j.weightsManifest) || !j.weightsManifest.every((g) => Array.isArray(g?.paths) && Array.isArray(g?.weights))) {
    throw new RolloutlabError('BAD_DATA', `${MODEL_JSON} has no valid weightsManifest (groups of {paths, weights})`, 'weightsManifest');
  }
  return j as tf.io.ModelJSON;
}
