// The TensorFlow.js backends rolloutlab knows, fastest first. Separate from backend.ts so that reading a model
// card does not load TensorFlow.js.

export const BACKEND_NAMES = ['tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];
export const isBackendName = (x: unknown): x is BackendName => typeof x === 'string' && (BACKEND_NAMES as readonly string[]).includes(x);
