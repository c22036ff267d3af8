// Reading a CI log for a hint: the lines as the tool printed them (without the CI system's timestamps, stream markers,
// ANSI colours, carriage-return progress and `##[error]` annotations), paths without the runner's work directory, and
// the formatting every hint shares: one line, the specifics in backticks, at most MAX_HINT_CHARS characters.
import type { FailedStep } from '../../datasets/failed-step.ts';

/** The longest hint, in characters. */
export const MAX_HINT_CHARS = 160;
/** A log line is read up to this many characters (the patterns stay linear on a megabyte line). */
const MAX_LINE_CHARS = 1000;

const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[@-_]/g;
// What CI systems put before a tool's line: GitHub's and GitLab's ISO stamps (GitLab adds a stream marker `00O `),
// Buildkite's and Jenkins' bracketed stamps, a bare time of day, and GitHub's problem-matcher and workflow commands.
const PREFIX =
  /^(?:\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})? (?:\d{2}[OE]\+? )?|\[\d{4}-\d{2}-\d{2}[T ][\d:.,]+(?:Z|[+-]\d{2}:?\d{2})?\] ?|\[\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\] +|\d{2}:\d{2}:\d{2}(?:[.,]\d+)? +|##\[(?:error|warning|notice|debug)\]|::(?:error|warning|notice)(?: [^:]*)?::)/;

/** One line as the tool printed it. */
export function cleanLine(raw: string): string {
  let l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
  const cr = l.lastIndexOf('\r');
  if (cr >= 0) l = l.slice(cr + 1);
  if (l.length > MAX_LINE_CHARS) l = l.slice(0, MAX_LINE_CHARS);
  l = l.replace(ANSI, '');
  for (let m = PREFIX.exec(l); m && m[0].length > 0; m = PREFIX.exec(l)) l = l.slice(m[0].length);
  return l.trimEnd();
}

/** A failed step's log, read once for all the hint rules. */
export class LogView {
  readonly lines: string[];
  readonly text: string;

  constructor(
    log: string,
    readonly step: FailedStep,
  ) {
    this.lines = log.split('\n').map(cleanLine);
    this.text = this.lines.join('\n');
  }

  /** The first line matching `re` (no `g` flag), with its index. */
  at(re: RegExp, from = 0): { m: RegExpMatchArray; i: number } | null {
    for (let i = Math.max(0, from); i < this.lines.length; i++) {
      const m = this.lines[i].match(re);
      if (m) return { m, i };
    }
    return null;
  }

  /** The first match of `re` on any line. */
  find(re: RegExp): RegExpMatchArray | null {
    return this.at(re)?.m ?? null;
  }

  /** The first match of each of `res`, in order of the list: the first pattern that matches anywhere wins. */
  first(...res: RegExp[]): RegExpMatchArray | null {
    for (const re of res) {
      const m = this.find(re);
      if (m) return m;
    }
    return null;
  }

  /** The last line matching `re`. */
  last(re: RegExp): RegExpMatchArray | null {
    for (let i = this.lines.length - 1; i >= 0; i--) {
      const m = this.lines[i].match(re);
      if (m) return m;
    }
    return null;
  }

  /** Every line's match of `re`, in order. */
  all(re: RegExp): RegExpMatchArray[] {
    const out: RegExpMatchArray[] = [];
    for (const l of this.lines) {
      const m = l.match(re);
      if (m) out.push(m);
    }
    return out;
  }

  /** A match of `re` on the lines from `i - before` to `i + after`. */
  near(i: number, re: RegExp, before: number, after: number): RegExpMatchArray | null {
    for (let j = Math.max(0, i - before); j <= Math.min(this.lines.length - 1, i + after); j++) {
      const m = this.lines[j].match(re);
      if (m) return m;
    }
    return null;
  }

  has(re: RegExp): boolean {
    return re.test(this.text);
  }

  /** The command the step ran, as the CI system echoed it (GitHub `Run …`, GitLab / Buildkite `$ …`, Jenkins `+ …`). */
  command(): string | null {
    const m = this.last(/^##\[group\]Run (.+)$/) ?? this.last(/^\$ (.+)$/) ?? this.last(/^\+ (.+)$/);
    return m ? m[1].trim() : null;
  }
}

/** A runner's work directory before a path (GitHub, GitLab, Buildkite, Jenkins, container jobs, Windows runners). */
const WORKDIR =
  /^(?:file:\/\/)?(?:\/home\/runner\/work\/[^/]+\/[^/]+\/|\/__w\/[^/]+\/[^/]+\/|\/github\/workspace\/|\/builds\/[^/]+\/[^/]+\/|\/var\/lib\/buildkite-agent\/builds\/[^/]+\/[^/]+\/[^/]+\/|(?:\/var\/jenkins_home|\/home\/jenkins(?:\/agent)?|\/var\/lib\/jenkins)\/workspace\/[^/]+\/|[A-Za-z]:\\a\\[^\\]+\\[^\\]+\\|\.\/)/;

/** A path as the repository knows it: without the runner's work directory (and `./`). */
export function relPath(p: string): string {
  let out = p.replace(/^["'`(]+|["'`),:]+$/g, '');
  for (let m = WORKDIR.exec(out); m && m[0].length > 0; m = WORKDIR.exec(out)) out = out.slice(m[0].length);
  return out || p;
}

/** A value from a log made safe for a hint: one line, no backticks, at most `max` characters (the middle elided). */
export function clip(v: string, max = 72): string {
  const s = v.replace(/[`\u0000-\u001f\u007f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (s.length <= max) return s;
  const head = Math.ceil((max - 1) * 0.4);
  return `${s.slice(0, head)}…${s.slice(s.length - (max - 1 - head))}`;
}

/** A value quoted as code. */
export const q = (v: string, max = 72): string => `\`${clip(v, max)}\``;

/** The hint on one line within MAX_HINT_CHARS: the longest quoted values are shortened first, then the end is cut. */
export function fitHint(hint: string): string {
  let h = hint.replace(/\s+/g, ' ').trim();
  for (let guard = 0; h.length > MAX_HINT_CHARS && guard < 12; guard++) {
    const spans = [...h.matchAll(/`([^`]*)`/g)].sort((a, b) => b[1].length - a[1].length);
    const longest = spans[0];
    if (!longest || longest[1].length <= 12) break;
    const target = Math.max(12, longest[1].length - (h.length - MAX_HINT_CHARS));
    h = h.slice(0, longest.index!) + q(longest[1], target) + h.slice(longest.index! + longest[0].length);
  }
  return h.length <= MAX_HINT_CHARS ? h : `${h.slice(0, MAX_HINT_CHARS - 1).trimEnd()}…`;
}

/** The host of a URL (`https://host:port/…` → `host`). */
export function hostOf(url: string): string | null {
  const m = url.match(/^[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s]+@)?(\[[^\]]+\]|[^/:\s?#'"]+)/i);
  return m ? m[1] : null;
}

/** A timestamp shortened to the minute (`2026-02-27T17:19:12.123Z` → `2026-02-27 17:19 UTC`); other text as it is. */
export function shortTime(t: string): string {
  const m = t.trim().match(/^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(?::\d{2}(?:[.,]\d+)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?/);
  if (!m) return t.trim();
  const utc = m[3] && /^(?:Z|UTC|[+-]00:?00)$/.test(m[3]);
  return `${m[1]} ${m[2]}${utc ? ' UTC' : m[3] ? ` ${m[3]}` : ''}`;
}
