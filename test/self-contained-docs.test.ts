// The project's docs are self-contained: no file, help text, API description or /docs page points a user at a
// document they do not have (the workspace's design notes) or at tracker issue numbers; every definition lives in
// docs/definitions.md, and every link to one of its sections lands on a heading that exists.
import { describe, it, expect, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { buildProgram } from '../cli/main.ts';
import { buildApp } from '../server/app.ts';
import { loadTargets } from '../training/targets.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SKIP = new Set(['node_modules', '.git', 'out', 'models']);

// Spelled in pieces so that this file does not match itself.
const FORBIDDEN: [string, RegExp][] = [
  ['the design notes', new RegExp(['DESIGN', '\\.md'].join(''))],
  ['the anchors notes', new RegExp(['ANCHORS', '\\.md'].join(''))],
  ['the style notes', new RegExp(['STYLE', '\\.md'].join(''))],
  ['the shared workspace folder', new RegExp(['\\.\\./', 'shared'].join(''))],
  ['a section of the design notes', new RegExp(['DESIGN', '(\\.md)?\\s*§'].join(''))],
  ['an issue number', new RegExp(['\\bissues?', '\\s*#?\\d+'].join(''), 'i')],
];

function offences(text: string): string[] {
  return FORBIDDEN.flatMap(([what, re]) => {
    const m = re.exec(text);
    return m ? [`${what} ("${text.slice(Math.max(0, m.index - 30), m.index + m[0].length + 10).replaceAll('\n', ' ')}")`] : [];
  });
}

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name) && dir === ROOT) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) yield* files(p);
    else if (st.isFile()) yield p;
  }
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const slug = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s-]/gu, '')
    .replace(/\s/g, '-');

const DEFINITIONS = readFileSync(join(ROOT, 'docs/definitions.md'), 'utf8');
const ANCHORS = new Set(DEFINITIONS.split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => slug(l.replace(/^#+ /, ''))));

describe('self-contained docs', () => {
  it('the offence check recognises what it must', () => {
    expect(offences(['see ', 'DESIGN', '.md §5'].join(''))).toHaveLength(2);
    expect(offences(['Detection speed (iss', 'ue 5)'].join(''))).toHaveLength(1);
    expect(offences('a state this server issued, 5 times')).toEqual([]);
  });

  it('no file of the repository cites the design notes, the shared folder or an issue number', () => {
    const found: string[] = [];
    let n = 0;
    for (const f of files(ROOT)) {
      n++;
      const text = readFileSync(f, 'latin1');
      for (const o of offences(text)) found.push(`${relative(ROOT, f)}: ${o}`);
    }
    expect(n).toBeGreaterThan(100);
    expect(found).toEqual([]);
  });

  it('every link to docs/definitions.md names a section that exists', () => {
    expect(ANCHORS.size).toBeGreaterThan(15);
    const broken: string[] = [];
    for (const f of files(ROOT)) {
      if (!/\.(ts|md|json|mjs|ipynb|sh)$/.test(f)) continue;
      for (const m of readFileSync(f, 'utf8').matchAll(/definitions\.md#([a-z0-9-]+)/g)) if (!ANCHORS.has(m[1])) broken.push(`${relative(ROOT, f)}: #${m[1]}`);
    }
    expect(broken).toEqual([]);
  });

  it('every target says what it is, in which unit, with a section of docs/definitions.md', () => {
    const t = loadTargets();
    for (const [family, metrics] of Object.entries(t.targets)) {
      for (const [metric, x] of Object.entries(metrics)) {
        const at = `${family}.${metric}`;
        expect(x.label, at).toBeTruthy();
        expect(x.unit, at).toBeTruthy();
        expect(ANCHORS.has(x.definition ?? ''), `${at} → #${x.definition}`).toBe(true);
        // A documented ceiling is the figure its page gives.
        if (x.ceiling) {
          const page = readFileSync(join(ROOT, x.ceiling.doc.split('#')[0]), 'utf8');
          for (const v of [...Object.values(x.ceiling.z3), ...Object.values(x.ceiling.z2)]) expect(page, `${at} ceiling ${v}`).toContain(`${(100 * v).toFixed(1)}`);
        }
        if (x.why) expect(ANCHORS.size).toBeGreaterThan(0);
      }
    }
    expect(DEFINITIONS).toMatch(/14\.4 × the error budget/);
    expect(DEFINITIONS).toMatch(/10 equal-width bins/);
  });

  it('no --help text cites them', () => {
    const texts: string[] = [];
    const walk = (c: Command) => {
      texts.push(c.helpInformation());
      for (const sub of c.commands) walk(sub);
    };
    walk(buildProgram());
    expect(texts.length).toBeGreaterThan(20);
    expect(texts.flatMap(offences)).toEqual([]);
  });

  const dir = mkdtempSync(join(tmpdir(), 'rolloutlab-docs-'));
  const app = buildApp({ modelsRoot: join(dir, 'no-models'), feedbackPath: join(dir, 'feedback.duckdb'), logger: false, rateLimit: false });
  afterAll(() => app.close());

  it('neither the OpenAPI document nor the /docs page cites them', async () => {
    const spec = await app.inject({ method: 'GET', url: '/v1/openapi.json' });
    expect(spec.statusCode).toBe(200);
    expect(offences(spec.body)).toEqual([]);
    expect(spec.json().info.description).toMatch(/docs\/definitions\.md/);
    const page = await app.inject({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(offences(page.body)).toEqual([]);
  });
});
