// lib → datasets → sim → judges → detectors → training → policies → backtest → report → server → bench → cli
//                                                                                ▲ what a backtest, the model registry or a drill wrote, drawn as one HTML page
//
// `rolloutlab report <dir>`: one self-contained HTML file (inline SVG charts, inline style, no script, nothing fetched)
// from a backtest's data set, a model registry or a rollback drill's data set, whichever the folder is. The charts are
// vega-lite specs rendered in Node (charts.ts); each kind has its page builder (backtest.ts, registry.ts, drill.ts),
// and the main job puts all three on one page.
import { readFile, stat, writeFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { RolloutlabError } from '../lib/errors.ts';
import { MANIFEST_FILE } from '../datasets/index.ts';
import { ModelRegistry } from '../training/registry.ts';
import { backtestSections, loadBacktest, type BacktestReportOptions } from './backtest.ts';
import { registrySections } from './registry.ts';
import { drillSections, loadDrill } from './drill.ts';
import { assemblePage, esc, renderPage, renderSections, type Page, type RenderedPage, type RenderedSection, type Section } from './html.ts';

export const REPORT_KINDS = ['backtest', 'registry', 'drill'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportResult {
  out: string;
  kind: ReportKind | 'main';
  charts: number;
  sections: string[];
  bytes: number;
}

/**
 * What `dir` holds: a backtest's data set (a results table), a drill's data set (a drill_runs table), or a model
 * registry (family folders with a champion.json or version folders). NOT_FOUND or BAD_DATA naming `field` otherwise.
 */
export async function reportKind(dir: string, field = 'dir'): Promise<ReportKind> {
  const abs = resolve(dir);
  const st = await stat(abs).catch(() => null);
  if (!st) throw new RolloutlabError('NOT_FOUND', `${field}: ${abs} does not exist`, field);
  if (!st.isDirectory()) throw new RolloutlabError('BAD_DATA', `${field}: ${abs} is a file; give a backtest folder, a drill folder or a model registry`, field);
  const manifest = await readFile(join(abs, MANIFEST_FILE), 'utf8').catch(() => null);
  if (manifest !== null) {
    let tables: Record<string, unknown> = {};
    try {
      tables = (JSON.parse(manifest) as { tables?: Record<string, unknown> }).tables ?? {};
    } catch {
      throw new RolloutlabError('BAD_DATA', `${field}: ${join(abs, MANIFEST_FILE)} is not valid JSON`, field);
    }
    if ('drill_runs' in tables) return 'drill';
    if ('results' in tables || 'replay_windows' in tables) return 'backtest';
    throw new RolloutlabError('BAD_DATA', `${field}: ${abs} is a data set with tables ${Object.keys(tables).join(', ') || 'none'}; report draws a backtest (backtest --out), a drill (drill --out) or a model registry`, field);
  }
  const registry = new ModelRegistry({ root: abs });
  if ((await registry.listFamilies()).length > 0) return 'registry';
  throw new RolloutlabError('BAD_DATA', `${field}: ${abs} is neither a data set (no ${MANIFEST_FILE}) nor a model registry (no family folder with a champion or a version); report draws a backtest (backtest --out), a drill (drill --out) or a model registry`, field);
}

export interface ReportOptions extends BacktestReportOptions {
  /** Field names for errors (the CLI's argument and flag). */
  fields?: { dir?: string; out?: string };
}

/** The sections of one folder's report, and its page title and source line. */
export async function sectionsFor(dir: string, kind: ReportKind, o: ReportOptions = {}, idPrefix = ''): Promise<{ title: string; source: string; sections: Section[] }> {
  const field = o.fields?.dir ?? 'dir';
  if (kind === 'backtest') {
    const input = await loadBacktest(dir, field);
    return { title: `Backtest: ${input.report.scenario}, seed ${input.report.seed}`, source: `From the backtest data set <code>${esc(basename(input.dir))}</code> (${input.report.deployments.toLocaleString('en-US')} deployments, code ${esc(input.manifest.codeVersion)}).`, sections: await backtestSections(input, o, idPrefix) };
  }
  if (kind === 'drill') {
    const input = await loadDrill(dir, field);
    return { title: `Rollback drill: ${input.summary.scenario}, seed ${input.summary.seed}`, source: `From the drill data set <code>${esc(basename(input.dir))}</code> (code ${esc(input.manifest.codeVersion)}).`, sections: await drillSections(input, idPrefix) };
  }
  const registry = new ModelRegistry({ root: resolve(dir) });
  return { title: 'Model registry: the champions', source: `From the model registry <code>${esc(basename(registry.root))}</code>.`, sections: await registrySections(registry, idPrefix) };
}

/** `out` can be a report file: its folder exists and it is not a folder itself (IO naming `field` otherwise). Its absolute path. */
export async function checkOut(out: string, field = 'out'): Promise<string> {
  const abs = resolve(out);
  const parent = await stat(dirname(abs)).catch(() => null);
  if (!parent?.isDirectory()) throw new RolloutlabError('IO', `${field}: the folder of ${abs} does not exist`, field);
  const existing = await stat(abs).catch(() => null);
  if (existing?.isDirectory()) throw new RolloutlabError('IO', `${field}: ${abs} is a folder; give a file name such as report.html`, field);
  return abs;
}

/**
 * Writes `html` to `out` through a temporary file beside it (a reader never sees half a page). IO naming `field`
 * when the folder is missing or not writable.
 */
export async function writeReportFile(out: string, html: string, field = 'out'): Promise<string> {
  const abs = await checkOut(out, field);
  const tmp = `${abs}.tmp-${process.pid}`;
  try {
    await writeFile(tmp, html);
    await rename(tmp, abs);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw new RolloutlabError('IO', `${field}: cannot write ${abs} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, field);
  }
  return abs;
}

/** `rolloutlab report <dir> --out <file>`: the report of one folder, of the kind it holds. */
export async function writeReport(dir: string, out: string, o: ReportOptions = {}): Promise<ReportResult> {
  // A file that cannot be written fails before the work, not after it.
  await checkOut(out, o.fields?.out);
  const kind = await reportKind(dir, o.fields?.dir);
  const s = await sectionsFor(dir, kind, o);
  return finish({ title: s.title, source: s.source, sections: s.sections }, out, kind, o.fields?.out);
}

/** A part of a page: one folder's sections with their charts rendered, its title and its source line. */
export interface ReportPart {
  title: string;
  source: string;
  sections: RenderedSection[];
}

/** One folder's sections, rendered (section titles prefixed with `titlePrefix`, ids with `idPrefix`). */
export async function reportPart(dir: string, kind: ReportKind, o: ReportOptions = {}, idPrefix = '', titlePrefix = ''): Promise<ReportPart> {
  const p = await sectionsFor(dir, kind, o, idPrefix);
  return { title: p.title, source: p.source, sections: await renderSections(p.sections.map((s) => ({ ...s, title: `${titlePrefix}${s.title}` }))) };
}

/**
 * The main job's report: its default backtest (a part the caller may have rendered elsewhere, beside other work), the
 * registry's champions and its rollback drill, on one page.
 */
export async function writeMainReport(o: { backtest: string | ReportPart; registry: string; drill: string; out: string; modelsRoot?: string }): Promise<ReportResult> {
  const b = typeof o.backtest === 'string' ? await reportPart(o.backtest, 'backtest', { modelsRoot: o.modelsRoot }) : o.backtest;
  const r = await reportPart(o.registry, 'registry', {}, 'models-', 'Models — ');
  const d = await reportPart(o.drill, 'drill', {}, 'drill-', 'Drill — ');
  const title = `rolloutlab main job: ${b.title.replace(/^Backtest: /, 'backtest of ')}, the champions, the rollback drill`;
  return write(assemblePage({ title, source: `${b.source} ${r.source} ${d.source}` }, [...b.sections, ...r.sections, ...d.sections]), o.out, 'main');
}

async function write(rendered: RenderedPage, out: string, kind: ReportResult['kind'], field = 'out'): Promise<ReportResult> {
  const path = await writeReportFile(out, rendered.html, field);
  return { out: path, kind, charts: rendered.charts, sections: rendered.sections.map((s) => s.id), bytes: Buffer.byteLength(rendered.html) };
}

async function finish(page: Page, out: string, kind: ReportResult['kind'], field = 'out'): Promise<ReportResult> {
  return write(await renderPage(page), out, kind, field);
}
