// The committed notebooks (notebooks/*.ipynb) are committed with their outputs, so that they read on a code host
// without running anything. This checks, without Jupyter, that what is committed is such a notebook: valid nbformat 4
// on the TypeScript kernel, every code cell executed without an error and checking what it shows, at least one chart,
// no path of the machine that executed it, and a size a reader can load. `notebooks/run.sh --write` produces them.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = join(ROOT, 'notebooks');
const MAX_BYTES = 1024 * 1024;

interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
interface Cell {
  cell_type: string;
  id?: string;
  source: string | string[];
  execution_count?: number | null;
  outputs?: Output[];
}
interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: { kernelspec?: { name?: string; language?: string } };
  cells: Cell[];
}

const text = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : (s ?? ''));
const names = readdirSync(DIR).filter((n) => n.endsWith('.ipynb')).sort();

// Absolute paths of a machine: the CI and development checkouts, and home folders (Linux, macOS). Spelled in pieces so
// that this file does not match itself.
const MACHINE_PATHS: [string, RegExp][] = [
  ['a /work/ path', new RegExp(['/', 'work/'].join(''))],
  ['a home folder', new RegExp(['/', '(home|Users)/[A-Za-z0-9._-]+/'].join(''))],
  ["root's home folder", new RegExp(['/', 'root/'].join(''))],
];

describe('committed notebooks', () => {
  it('there are notebooks, named NN-kebab-case.ipynb', () => {
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) expect(n, n).toMatch(/^\d{2}-[a-z0-9]+(-[a-z0-9]+)*\.ipynb$/);
  });

  describe.each(names)('%s', (name) => {
    const path = join(DIR, name);
    const raw = readFileSync(path, 'utf8');
    const nb = JSON.parse(raw) as Notebook;
    const code = nb.cells.filter((c) => c.cell_type === 'code');
    const outputs = code.flatMap((c) => c.outputs ?? []);

    it('is valid nbformat 4 on the TypeScript (tslab) kernel', () => {
      expect(nb.nbformat).toBe(4);
      expect(Number.isInteger(nb.nbformat_minor)).toBe(true);
      expect(nb.metadata.kernelspec?.name).toBe('tslab');
      expect(Array.isArray(nb.cells) && nb.cells.length > 0).toBe(true);
      for (const c of nb.cells) {
        expect(['code', 'markdown', 'raw'], `cell type ${c.cell_type}`).toContain(c.cell_type);
        expect(typeof c.source === 'string' || Array.isArray(c.source)).toBe(true);
        if (nb.nbformat_minor >= 5) expect(typeof c.id === 'string' && c.id.length > 0, 'nbformat 4.5 cells have ids').toBe(true);
        if (c.cell_type === 'code') expect(Array.isArray(c.outputs), 'a code cell has an outputs list').toBe(true);
      }
      if (nb.nbformat_minor >= 5) {
        const ids = nb.cells.map((c) => c.id);
        expect(new Set(ids).size, 'cell ids are unique').toBe(ids.length);
      }
    });

    it('has every code cell executed without an error', () => {
      expect(code.length).toBeGreaterThan(0);
      code.forEach((c, i) => {
        const n = c.execution_count;
        expect(typeof n === 'number' && Number.isInteger(n) && n > 0, `code cell ${i + 1} was not executed (execution_count ${n})`).toBe(true);
        for (const o of c.outputs ?? []) expect(o.output_type, `code cell ${i + 1}: ${o.ename}: ${o.evalue}`).not.toBe('error');
      });
    });

    it('checks something real in every code cell', () => {
      code.forEach((c, i) => {
        const s = text(c.source);
        expect(/\bkit\.check\(/.test(s) || /\bthrow new Error\(/.test(s), `code cell ${i + 1} neither calls kit.check nor throws`).toBe(true);
      });
    });

    it('shows at least one chart (image/svg+xml)', () => {
      const svgs = outputs.filter((o) => o.data && 'image/svg+xml' in o.data).map((o) => text(o.data!['image/svg+xml']));
      expect(svgs.length).toBeGreaterThan(0);
      for (const s of svgs) expect(s.trimStart().startsWith('<svg')).toBe(true);
    });

    it('prints no absolute path of the machine that ran it', () => {
      const printed = outputs.map((o) => text(o.text) + Object.values(o.data ?? {}).map(text).join('\n')).join('\n');
      for (const [what, re] of MACHINE_PATHS) {
        const m = re.exec(printed);
        expect(m, m ? `${what} in the outputs: "${printed.slice(Math.max(0, m.index - 40), m.index + 40)}"` : '').toBeNull();
      }
    });

    it('is smaller than 1 MB', () => {
      expect(statSync(path).size).toBeLessThan(MAX_BYTES);
    });
  });
});
