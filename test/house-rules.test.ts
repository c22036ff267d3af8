// House rules that imports cannot show (the layers and circles are dependency-cruiser's, `npm run depcheck`):
// library code draws every random number from a seeded Rng, so the same seed gives the same output.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const LIBRARY = ['lib', 'datasets', 'sim', 'judges', 'detectors', 'training', 'policies', 'backtest', 'report', 'server'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'node_modules' || name === 'real' ? [] : sources(p);
    return /\.(ts|mts|mjs)$/.test(name) ? [p] : [];
  });
}

describe('house rules', () => {
  it('no Math.random in library code (lib, datasets, sim, judges, detectors, training, policies, backtest, report, server)', () => {
    const files = LIBRARY.flatMap((d) => sources(join(ROOT, d)));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((f) => /Math\.random\s*\(/.test(readFileSync(f, 'utf8'))).map((f) => f.slice(ROOT.length + 1));
    expect(offenders).toEqual([]);
  });
});
