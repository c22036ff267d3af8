// What every notebook loads first (through tsx's CommonJS API; tslab cannot import the repo's .ts modules itself):
//
//   const kit = require('tsx/cjs/api').require('./kit.ts', `${process.cwd()}/index.js`);
//
// The notebooks read what `npm start` wrote (out/ and the model registry in models/) rather than training or
// simulating again, so a run of all of them takes seconds; `artefact` says what to run when a file is missing. Charts
// are drawn by the report's renderer (report/charts.ts: vega-lite compiled and rendered to SVG in Node), so a notebook
// and `rolloutlab report` draw alike.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { markCount, renderSvg, type Spec } from '../report/charts.ts';
import { readChampionPointerSync, readVersionSync } from '../training/registry.ts';

/** The repo root. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** An absolute path under the repo root, which must exist: `what` says what it is, for the error. */
export function artefact(rel: string, what: string): string {
  const p = resolve(ROOT, rel);
  if (!existsSync(p)) throw new Error(`${rel} is missing (${what}): run \`npm start\` from ${ROOT} first, it writes it`);
  return p;
}

/** A repo module by its path from the root (e.g. 'training/registry.ts'), compiled on the fly by tsx. */
export function load<T = any>(rel: string): T {
  const req = createRequire(join(ROOT, 'notebooks', 'index.js'));
  const tsx = req('tsx/cjs/api') as { require: (id: string, from: string) => T };
  return tsx.require(join(ROOT, rel), join(ROOT, 'notebooks', 'index.js'));
}

/** Throws `message` unless `cond` holds: every code cell checks what it shows, so running the notebooks is a test. */
export function check(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(`check failed: ${message}`);
}

let n = 0;
/**
 * The SVG of a vega-lite spec (rendered in Node; ids prefixed per chart so several share one notebook), which must draw
 * at least `minMarks` data marks (bars, points, lines, areas, rules). Show it with tslab's `display.svg`.
 */
export async function chart(spec: Spec, minMarks = 1): Promise<string> {
  const svg = await renderSvg(spec, `nb${++n}`);
  const marks = markCount(svg);
  const title = typeof spec.title === 'string' ? spec.title : JSON.stringify(spec.title ?? '');
  check(marks >= minMarks, `chart ${title} drew ${marks} data marks, expected at least ${minMarks}`);
  return svg;
}

/** `p` relative to the repo root, for printing: a notebook's committed outputs must not hold this machine's paths. */
export function rel(p: string): string {
  return relative(ROOT, resolve(ROOT, p)) || '.';
}

/** The parsed JSON file `relPath` under the repo root (must exist; `what` says what it is, for the error). */
export function readJson<T = any>(relPath: string, what: string): T {
  return JSON.parse(readFileSync(artefact(relPath, what), 'utf8')) as T;
}

/** The model registry's root (`models/` under the repo, which `npm start` fills). */
export const MODELS = 'models';

/**
 * A family's champion in the registry under the repo: its version, its folder (relative to the repo root) and its model
 * card, read by the registry's own readers (the pointer checked, every file of the version against its card's sha256).
 */
export function champion<C = any>(family: string): { version: string; dir: string; card: C } {
  const root = artefact(MODELS, 'the model registry');
  const pointer = readChampionPointerSync(root, family);
  check(pointer !== null, `no ${family} champion in ${MODELS}/: run \`npm start\` first, it trains one`);
  return { version: pointer.version, dir: `${MODELS}/${family}/${pointer.version}`, card: readVersionSync(root, family, pointer.version).card as C };
}
