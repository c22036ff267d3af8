// The frame of the server's web pages (/ui, docs/server.md "The web page (/ui)"): the report's style sheet with a few
// additions, a bar of links to every page, and the security headers every page is sent with. The pages hold no script
// and load nothing: their charts are inline SVG drawn in Node (report/charts.ts), their style is inline.
import { esc, STYLE } from '../../report/html.ts';

export { esc };

/**
 * Sent with every page and report: nothing may load from anywhere (no script, no image but inline data, no frame);
 * only the inline style. A page that tried to fetch something would be refused by the browser, and say so.
 */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': PAGE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const UI_STYLE = `
header.bar { background: #f6f8fa; border-bottom: 1px solid #d0d7de; }
header.bar nav { max-width: 1180px; margin: 0 auto; padding: 10px 28px; display: flex; flex-wrap: wrap; gap: 4px 18px; align-items: baseline; }
header.bar nav strong { margin-right: 8px; }
header.bar a { color: #0969da; text-decoration: none; }
header.bar a[aria-current="page"] { color: #1f2328; font-weight: 600; }
a { color: #0969da; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 4px 10px 4px 0; border-bottom: 1px solid #eaeef2; overflow-wrap: break-word; }
a.name { overflow-wrap: anywhere; }
.when { white-space: nowrap; }
th { color: #57606a; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.tone-go { color: #1a7f37; font-weight: 600; }
.tone-wait { color: #9a6700; font-weight: 600; }
.tone-stop { color: #cf222e; font-weight: 600; }
.tone-other { color: #57606a; font-weight: 600; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 14px; min-width: 240px; }
.card h3 { margin: 0 0 4px; }
form.filter { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: end; margin: 8px 0 12px; font-size: 13px; }
form.filter label { display: flex; flex-direction: column; }
ul.reasons { margin: 0; padding-left: 16px; }
.error { background: #fff8f8; border: 1px solid #ffcecb; border-radius: 6px; padding: 12px 16px; max-width: 900px; }
`;

/** The pages of the bar, in order. */
const LINKS: readonly { href: string; label: string }[] = [
  { href: '/ui', label: 'Overview' },
  { href: '/ui/decisions', label: 'Decisions' },
  { href: '/ui/rollouts', label: 'Rollouts' },
  { href: '/ui/approvals', label: 'Approvals' },
  { href: '/ui/reports', label: 'Reports' },
  { href: '/docs', label: 'API reference' },
];

/** A whole page: title, the bar (the current page marked), the body (HTML made with `esc`). */
export function page(title: string, current: string, body: string): string {
  const nav = LINKS.map((l) => `<a href="${l.href}"${l.href === current ? ' aria-current="page"' : ''}>${esc(l.label)}</a>`).join('');
  return [
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)} · rolloutlab</title>`,
    `<style>${STYLE}${UI_STYLE}</style>`,
    '</head>',
    `<body><header class="bar"><nav aria-label="pages"><strong>rolloutlab</strong>${nav}</nav></header><main>`,
    `<h1>${esc(title)}</h1>`,
    body,
    '</main></body>',
    '</html>',
    '',
  ].join('\n');
}

/** The page of a refused or failed request: what went wrong, and the field when one is to blame. */
export function errorPage(status: number, code: string, message: string, field: string | null): string {
  const title = status === 404 ? 'Not found' : status === 400 ? 'Bad request' : status === 401 || status === 403 ? 'Not allowed' : status === 503 ? 'Unavailable' : 'Error';
  return page(title, '', `<div class="error"><p><strong>${status} ${esc(code)}</strong>${field ? ` — field <code>${esc(field)}</code>` : ''}</p><p>${esc(message)}</p></div><p><a href="/ui">Back to the overview</a></p>`);
}

/** A table from a header row and rows of cells (cells are HTML: escape values with `esc`). */
export function table(head: readonly string[], rows: readonly (readonly string[])[], numeric: readonly number[] = []): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c, i) => `<td${numeric.includes(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A share as a percentage with two decimals ('—' for none). */
export const pct = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : `${(100 * x).toFixed(2)} %`);
/** A number, short ('—' for none). */
export const fmt = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? '—' : Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(4));
