// The report's page: one self-contained HTML file. Charts are inline SVG, the style is one inline <style>, and there
// is no script and no link to anything outside the file, so it reads the same offline and with scripts disabled.
import { renderSvg, type Spec } from './charts.ts';

/** Text for HTML (element content and attribute values). */
export const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A part of a section: a chart with its caption (how to read it), or HTML made with `esc`. */
export type Block = { kind: 'chart'; id: string; spec: Spec; caption: string } | { kind: 'html'; html: string };

export interface Section {
  /** Anchor of the section (unique in the page). */
  id: string;
  title: string;
  /** One paragraph (HTML) saying what the section answers. */
  intro: string;
  blocks: Block[];
}

export interface Page {
  title: string;
  /** What the page was made from, one line (HTML). */
  source: string;
  sections: Section[];
}

export interface RenderedPage {
  html: string;
  charts: number;
  sections: { id: string; title: string; charts: number }[];
}

/** The page's style sheet (the server's web pages start from it too). */
export const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; color: #1f2328; background: #fff; margin: 0; }
main { max-width: 1180px; margin: 0 auto; padding: 24px 28px 64px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 40px 0 6px; padding-top: 12px; border-top: 1px solid #d0d7de; }
h3 { font-size: 15px; margin: 24px 0 6px; }
p, li { max-width: 900px; }
.source { color: #57606a; margin: 0 0 16px; }
nav ol { columns: 2; padding-left: 20px; margin: 8px 0 0; }
figure { margin: 16px 0 24px; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { color: #57606a; font-size: 13px; max-width: 900px; margin-top: 6px; }
.verdict { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 12px 16px; max-width: 900px; }
.verdict p { margin: 4px 0; }
.met { color: #1a7f37; font-weight: 600; }
.missed { color: #cf222e; font-weight: 600; }
.na { color: #57606a; }
.note { color: #57606a; font-style: italic; }
ul.decisions { font-size: 13px; padding-left: 18px; }
ul.decisions li { margin: 2px 0; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f6f8fa; padding: 1px 4px; border-radius: 4px; }
details { margin: 6px 0; }
summary { cursor: pointer; color: #0969da; }
`;

/** A section with its charts rendered: its HTML and how many charts it holds. */
export interface RenderedSection {
  id: string;
  title: string;
  charts: number;
  html: string;
}

/** Renders the charts of `sections` in order, each with its own id prefix (so the same sections give the same bytes). */
export async function renderSections(sections: readonly Section[]): Promise<RenderedSection[]> {
  const out: RenderedSection[] = [];
  for (const s of sections) {
    const body: string[] = [];
    let n = 0;
    for (const b of s.blocks) {
      if (b.kind === 'html') {
        body.push(b.html);
        continue;
      }
      const svg = await renderSvg(b.spec, `${s.id}-${b.id}`);
      body.push(`<figure id="${esc(`${s.id}-${b.id}`)}">${svg}<figcaption>${b.caption}</figcaption></figure>`);
      n++;
    }
    out.push({ id: s.id, title: s.title, charts: n, html: `<section id="${esc(s.id)}"><h2>${esc(s.title)}</h2><p>${s.intro}</p>${body.join('\n')}</section>` });
  }
  return out;
}

/** The page around rendered sections: title, source line, the list of sections, the style. */
export function assemblePage(page: Pick<Page, 'title' | 'source'>, sections: readonly RenderedSection[]): RenderedPage {
  const nav = `<nav><strong>Sections</strong><ol>${sections.map((s) => `<li><a href="#${esc(s.id)}">${esc(s.title)}</a></li>`).join('')}</ol></nav>`;
  const html = [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(page.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body><main>',
    `<h1>${esc(page.title)}</h1>`,
    `<p class="source">${page.source}</p>`,
    nav,
    ...sections.map((s) => s.html),
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
  return { html, charts: sections.reduce((a, s) => a + s.charts, 0), sections: sections.map(({ id, title, charts }) => ({ id, title, charts })) };
}

/** Renders the charts and returns the page's HTML with the count of charts per section. */
export async function renderPage(page: Page): Promise<RenderedPage> {
  return assemblePage(page, await renderSections(page.sections));
}

/** A target's status as a coloured word. */
export const statusHtml = (met: boolean | null): string => (met === null ? '<span class="na">not measured</span>' : met ? '<span class="met">met</span>' : '<span class="missed">MISSED</span>');
