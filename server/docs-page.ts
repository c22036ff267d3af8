// GET /docs: the API reference as one self-contained HTML page, rendered from the same OpenAPI document that
// GET /v1/openapi.json serves (so it cannot drift from the schemas). No scripts, no external assets: it works on a
// machine without internet, behind a strict Content-Security-Policy, and in a terminal browser.
//
// Each route gets its summary, its query parameters and request body as a field table (name, type, required,
// constraints, description; nested objects and arrays of objects flattened as `a.b[].c`), and its response codes
// with the top-level fields of each answer.

interface Schema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  patternProperties?: Record<string, Schema>;
  additionalProperties?: boolean | Schema;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  format?: string;
  pattern?: string;
}

interface Operation {
  summary?: string;
  operationId?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema: Schema }> }>;
}

export interface OpenApiDoc {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A short type name: `number`, `string | null`, `"pass" | "fail"`, `array of object`, `map of number`. */
export function typeName(s: Schema | undefined, depth = 0): string {
  if (!s) return 'any';
  if (depth > 4) return '…';
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  const alts = s.anyOf ?? s.oneOf;
  if (alts) return [...new Set(alts.map((a) => typeName(a, depth + 1)))].join(' | ');
  const t = Array.isArray(s.type) ? s.type.join(' | ') : s.type;
  if (t === 'array') return `array of ${typeName(s.items, depth + 1)}`;
  if (t === 'object' && !s.properties && s.patternProperties) {
    const v = Object.values(s.patternProperties)[0];
    return `map of ${typeName(v, depth + 1)}`;
  }
  if (t === 'string' && s.format) return `string (${s.format})`;
  return t ?? 'any';
}

function constraints(s: Schema): string {
  const c: string[] = [];
  const alts = s.anyOf ?? s.oneOf;
  const base = alts?.find((a) => a.type !== 'null') ?? s;
  if (base.minimum !== undefined) c.push(`≥ ${base.minimum}`);
  if (base.exclusiveMinimum !== undefined) c.push(`> ${base.exclusiveMinimum}`);
  if (base.maximum !== undefined) c.push(`≤ ${base.maximum}`);
  if (base.exclusiveMaximum !== undefined) c.push(`< ${base.exclusiveMaximum}`);
  if (base.minLength !== undefined) c.push(`length ≥ ${base.minLength}`);
  if (base.maxLength !== undefined) c.push(`length ≤ ${base.maxLength}`);
  if (base.minItems !== undefined) c.push(`≥ ${base.minItems} items`);
  if (base.maxItems !== undefined) c.push(`≤ ${base.maxItems} items`);
  if (base.maxProperties !== undefined) c.push(`≤ ${base.maxProperties} entries`);
  if (base.pattern !== undefined) c.push(`matches ${base.pattern}`);
  return c.join(', ');
}

interface Row {
  name: string;
  type: string;
  required: boolean;
  constraints: string;
  description: string;
}

/** The object's fields as rows, nested objects and arrays of objects flattened (`plan.stages[].exposure`). */
export function fieldRows(s: Schema | undefined, prefix = '', depth = 0, out: Row[] = []): Row[] {
  if (!s || depth > 5) return out;
  const obj = s.properties ? s : (s.anyOf ?? s.oneOf)?.find((a) => a.properties);
  if (!obj?.properties) return out;
  const req = new Set(obj.required ?? []);
  for (const [name, f] of Object.entries(obj.properties)) {
    const path = prefix + name;
    out.push({ name: path, type: typeName(f), required: req.has(name), constraints: constraints(f), description: f.description ?? '' });
    const inner = f.anyOf ?? f.oneOf;
    const objectOf = f.properties ? f : inner?.find((a) => a.properties);
    if (objectOf) fieldRows(objectOf, `${path}.`, depth + 1, out);
    const items = f.items ?? inner?.find((a) => a.items)?.items;
    if (items && (items.properties || (items.anyOf ?? items.oneOf)?.some((a) => a.properties))) fieldRows(items, `${path}[].`, depth + 1, out);
  }
  return out;
}

function table(rows: Row[]): string {
  if (!rows.length) return '<p class="none">no fields</p>';
  const body = rows
    .map((r) => `<tr><td><code>${esc(r.name)}</code>${r.required ? ' <span class="req">required</span>' : ''}</td><td><code>${esc(r.type)}</code></td><td>${esc(r.constraints)}</td><td>${esc(r.description)}</td></tr>`)
    .join('\n');
  return `<table><thead><tr><th>field</th><th>type</th><th>limits</th><th>description</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const anchor = (method: string, path: string) => `${method}-${path.replace(/[^a-zA-Z0-9]+/g, '-').replace(/^-|-$/g, '')}`;

/** The whole page. */
export function renderDocsPage(doc: OpenApiDoc): string {
  const ops: { method: string; path: string; op: Operation }[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) for (const [method, op] of Object.entries(methods)) ops.push({ method, path, op });
  const toc = ops.map(({ method, path, op }) => `<li><a href="#${anchor(method, path)}"><code>${method.toUpperCase()} ${esc(path)}</code></a> — ${esc(op.summary ?? '')}</li>`).join('\n');
  const sections = ops
    .map(({ method, path, op }) => {
      const parts: string[] = [`<section id="${anchor(method, path)}">`, `<h2><code>${method.toUpperCase()} ${esc(path)}</code></h2>`, `<p>${esc(op.summary ?? '')}</p>`];
      if (op.security?.length) parts.push('<p class="auth">Needs <code>Authorization: Bearer &lt;token&gt;</code> when the server has a token.</p>');
      if (op.parameters?.length) {
        parts.push(op.parameters.some((p) => p.in === 'path') ? '<h3>Path and query</h3>' : '<h3>Query</h3>');
        parts.push(table(op.parameters.map((p) => ({ name: p.in === 'path' ? `${p.name} (path)` : p.name, type: typeName(p.schema), required: !!p.required, constraints: constraints(p.schema), description: p.schema.description ?? '' }))));
      }
      const body = op.requestBody?.content['application/json']?.schema;
      if (body) {
        parts.push('<h3>Request body (JSON)</h3>');
        if (body.description) parts.push(`<p>${esc(body.description)}</p>`);
        parts.push(table(fieldRows(body)));
      }
      const codes = Object.entries(op.responses ?? {});
      if (codes.length) {
        parts.push('<h3>Responses</h3>');
        for (const [code, r] of codes) {
          const [type, c] = Object.entries(r.content ?? {})[0] ?? [];
          const fields = c ? fieldRows(c.schema).filter((x) => !x.name.includes('.') && !x.name.includes('[]')) : [];
          parts.push(`<p><b>${esc(code)}</b> ${esc(r.description ?? '')}${type ? ` <code>${esc(type)}</code>` : ''}${fields.length ? ': ' + fields.map((f) => `<code>${esc(f.name)}</code>`).join(', ') : ''}</p>`);
        }
      }
      parts.push('</section>');
      return parts.join('\n');
    })
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)} — API reference</title>
<style>
body { font: 15px/1.45 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
code { font: 13px ui-monospace, monospace; }
h2 { border-top: 1px solid #d0d7de; padding-top: 1rem; margin-top: 2rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid #d0d7de; padding: .25rem .5rem; vertical-align: top; text-align: left; }
th { background: #f6f8fa; }
.req { color: #9a3412; font-size: 12px; }
.auth { color: #9a3412; }
.none { color: #57606a; }
</style>
</head>
<body>
<h1>${esc(doc.info.title)}</h1>
<p>Version ${esc(doc.info.version)}. ${esc(doc.info.description ?? '')}</p>
<p>Machine-readable: <a href="/v1/openapi.json"><code>GET /v1/openapi.json</code></a> (OpenAPI 3.1). Errors are <code>{"error": {"code", "message", "field"}}</code> with the field and the problem named.</p>
<ul>
${toc}
</ul>
${sections}
</body>
</html>
`;
}
