// Vitest's global setup: one empty folder per run in which test/tiny-models.ts trains the small champions once, for
// every test file that needs them (each gets its own copy). Removed when the run ends.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    tinyModelsCache: string;
  }
}

export default function setup(project: TestProject): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-tiny-models-'));
  project.provide('tinyModelsCache', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
