// Hint rules for failures in the change itself: tests that fail, code that does not compile, lint / format / coverage
// gates, merge conflicts. Each rule reads the log the way the tools print it (jest, vitest, mocha, pytest, unittest,
// Maven Surefire, Gradle, go test, cargo test and nextest, RSpec, Playwright, Cypress, dotnet test, PHPUnit, TAP, the
// CI systems' job time limits; tsc, javac, kotlinc, scalac, gcc / clang, the C# compiler, rustc, go, mypy, Python,
// esbuild, Vite, webpack; ESLint, Prettier, Ruff, flake8, pylint, Black, Checkstyle, Spotless, golangci-lint, go vet,
// clippy, rustfmt, ShellCheck, hadolint, markdownlint, commitlint, SonarQube; git) and returns a hint, or null when the
// log names nothing it knows.
import { clip, MAX_HINT_CHARS, q, relPath, type LogView } from './hint-log.ts';

export type HintRule = (g: LogView) => string | null;

/** The longest detail (an error message) a hint quotes. */
const MAX_DETAIL_CHARS = 60;

/** `pre (detail)post` with the detail cut at its end to what fits (it is left out when under 16 characters fit). */
export function withDetail(pre: string, detail: string | null | undefined, post: string): string {
  const d = detail?.replace(/[`\u0000-\u001f]/g, ' ').replace(/\s+/g, ' ').trim().replace(/[.:;,]+$/, '');
  const room = Math.min(MAX_DETAIL_CHARS, MAX_HINT_CHARS - pre.length - post.length - 3);
  if (!d || room < 16) return `${pre}${post}`;
  return `${pre} (${d.length <= room ? d : `${d.slice(0, room - 1).trimEnd()}…`})${post}`;
}

// ---------------------------------------------------------------------------------------------------------- tests

/** An error line under a numbered mocha / Cypress failure (`AssertionError: …`, `CypressError: …`, `Error: …`). */
const ERROR_LINE = /^\s+(?:[\w.]*Error|Error)\b/;

/** The failing tests a test runner names, first first (a Go subtest replaces its parent). */
export function failingTests(g: LogView): string[] {
  const out: string[] = [];
  const add = (name: string | undefined) => {
    const n = name?.trim();
    if (!n || n.length < 2) return;
    const parent = out.findIndex((o) => n.startsWith(`${o}/`));
    if (parent >= 0) out[parent] = n;
    else if (!out.some((o) => o === n || o.startsWith(`${n}/`))) out.push(n);
  };
  const L = g.lines;
  let mocha = false;
  for (let i = 0; i < L.length; i++) {
    const l = L[i];
    let m: RegExpMatchArray | null;
    if ((m = l.match(/^\s*● (.+)$/))) {
      if (!/^(Test suite failed to run|Console)\b/.test(m[1])) add(m[1]); // jest
    } else if ((m = l.match(/^\s*(?:FAIL|×|✗)\s+(\S+\.(?:[cm]?[jt]sx?|vue|svelte))\s+>\s+(.+?)(?:\s+\d+(?:\.\d+)?\s*m?s)?$/))) add(m[2]); // vitest
    else if ((m = l.match(/^(?:FAILED|ERROR)\s+(\S+\.py::\S+)/))) add(m[1]); // pytest summary
    else if ((m = l.match(/^\[ERROR\]\s+([\w.$]+?)(?:\(([\w.$]+)\))?\s+(?:--\s+)?Time elapsed:.*<<<\s*(?:FAILURE|ERROR)!/))) add(m[2] ? `${m[2]}.${m[1]}` : m[1]); // Surefire 2 and 3
    else if ((m = l.match(/^([\w.$]+) > (.+?) FAILED$/))) add(`${m[1]}.${m[2].split(' > ')[0].replace(/\(.*\)$/, '')}`); // Gradle
    else if ((m = l.match(/^\s*--- FAIL: (\S+) \(/))) add(m[1]); // go test
    else if ((m = l.match(/^---- (\S+) stdout ----$/))) add(m[1]); // libtest
    else if ((m = l.match(/^thread '([^']+)' panicked at/)) && !/^(main|<unnamed>|tokio-runtime-worker)$/.test(m[1])) add(m[1]);
    else if ((m = l.match(/^test (\S+) has been running for over \d+ seconds$/))) add(m[1]);
    else if ((m = l.match(/^test (\S+) \.\.\. FAILED$/))) add(m[1]); // libtest (verbose)
    else if ((m = l.match(/^\s*(?:FAIL|TIMEOUT|SIGSEGV|SIGABRT|SIGKILL) \[\s*[\d.]+s\] (\S+) (\S+)$/))) add(m[2]); // nextest
    else if ((m = l.match(/^rspec \S+:\d+ # (.+)$/))) add(m[1]);
    else if ((m = l.match(/^\s*Failed (\S.*?) \[\d+(?:\.\d+)? ?m?s\]$/))) add(m[1]); // dotnet test (a display name may have spaces)
    else if ((m = l.match(/^\s*\d+\) \[[\w .-]+\] › \S+?:\d+:\d+ › (.+?)(?:\s+[─-]{3,})?\s*$/))) add(m[1]); // Playwright
    else if ((m = l.match(/^(?:FAIL|ERROR): (\w+) \(([\w.]+)\)/))) add(m[2].endsWith(`.${m[1]}`) ? m[2] : `${m[2]}.${m[1]}`); // unittest
    else if ((m = l.match(/^\s*not ok \d+ - (.+?)(?:\s+#.*)?$/))) add(m[1]); // TAP, node --test
    else if ((m = l.match(/^\d+\) ([\w\\]+::\w+)/))) add(m[1]); // PHPUnit
    else if (/^\s+\d+ failing$/.test(l)) mocha = true;
    else if (mocha && (m = l.match(/^\s+\d+\) (.+?)(:?)$/))) {
      const next = L[i + 1]?.match(/^\s+(\S.*):$/);
      add(m[2] ? m[1] : next ? `${m[1]} ${next[1]}` : m[1]);
    } else if ((m = l.match(/^\s+\d+\) (\S.*?)(:?)$/))) {
      // RSpec ("  1) Invoice#total includes tax" over "Failure/Error: …"), and mocha / Cypress when the log is cut
      // above "N failing" ("  1) Cart adds an item:", or the suite and the test on two lines, over the error).
      const [next, after] = L.slice(i + 1, i + 5).filter((x) => x.trim());
      const title = !m[2] ? next?.match(/^\s+(\S.*):$/) : null;
      if (next && /^\s+Failure\/Error:/.test(next)) add(m[1]);
      else if (m[2] && next && ERROR_LINE.test(next)) add(m[1]);
      else if (title && after && ERROR_LINE.test(after)) add(`${m[1]} ${title[1]}`);
    }
  }
  if (!out.length) {
    // go test -timeout: "panic: test timed out after 10m0s" then "running tests:" and the tests still running.
    const t = g.at(/^\s*running tests:$/);
    if (t) for (let j = t.i + 1; j < L.length; j++) {
      const m = L[j].match(/^\s+(Test\S*) \([\dhms.]+\)$/);
      if (!m) break;
      add(m[1]);
    }
  }
  return out;
}

/** A file of failing tests when no test is named (jest's `FAIL path`, go's `FAIL\tpackage`). */
const failingTestFile = (g: LogView): string | null =>
  g.first(/^\s*FAIL\s+(\S+\.(?:[cm]?[jt]sx?|py))(?:\s|$)/, /^FAIL\t(\S+)\t/)?.[1] ?? null;

const TEST_TIMEOUT = /Exceeded timeout of|Test timed out|Hook timed out|test timed out after|Failed: Timeout >|TimeoutException|timed out after|has been running for over|killed by timeout|^\s*TIMEOUT \[/m;

function testsNamed(g: LogView): string | null {
  const t = failingTests(g);
  if (t.length === 1) return `test ${q(t[0], 100)}`;
  if (t.length > 1) return `test ${q(t[0], 90)} (and ${t.length - 1} more)`;
  const f = failingTestFile(g);
  return f ? `tests in ${q(relPath(f))}` : null;
}

/** The job's time limit when the CI system stopped the job for it (GitLab, GitHub Actions). */
const jobTimeLimit = (g: LogView): string | null =>
  g.first(/Job failed: execution took longer than (\S+?)(?: seconds)?$/, /has exceeded the maximum execution time of (\d+ minutes)/)?.[1] ?? null;

/** pytest's collection error: the test module that does not import, and why. */
function collectionError(g: LogView): { file: string; why: string | null } | null {
  const at = g.at(/^_+ ERROR collecting (\S+\.py) _+$/);
  if (!at) return null;
  const why = g.near(at.i, /^E\s+(\w+(?:Error|Exception): .+)$/, 0, 12)?.[1];
  return { file: relPath(at.m[1]), why: why ?? null };
}

export const testFailure: HintRule = (g) => {
  const coll = collectionError(g);
  if (coll) return withDetail(`pytest cannot collect ${q(coll.file, 70)}`, coll.why, ': fix the import, then run the tests locally');
  const who = testsNamed(g);
  if (!who) {
    const limit = jobTimeLimit(g);
    if (limit) return `the test run hits the job's time limit (${q(limit)}) on every run: find the test that hangs (a per-test timeout names it)`;
    return /Segmentation fault|SIGSEGV|core dumped/.test(g.text) ? 'the test run crashes (segmentation fault) on every run: reproduce it locally (a native module or extension?)' : null;
  }
  const how = TEST_TIMEOUT.test(g.text) ? 'times out' : /Segmentation fault|SIGSEGV/.test(g.text) ? 'crashes' : 'fails';
  const hint = `${who} ${how} on every run: reproduce it locally, then fix the code or the test`;
  // A long test name stays whole: the advice is cut first.
  return hint.length <= MAX_HINT_CHARS ? hint : `${who} ${how} on every run: reproduce it locally and fix it`;
};

export const flakyTest: HintRule = (g) => {
  const who = testsNamed(g);
  if (who) {
    const hint = `${who} is flaky: retry, and quarantine it if it keeps failing`;
    return hint.length <= MAX_HINT_CHARS ? hint : `${who} is flaky: retry, or quarantine it`;
  }
  const limit = jobTimeLimit(g);
  return limit ? `the test run hit the job's time limit (${q(limit)}): retry, and give the slow or hanging test a timeout of its own` : null;
};

// ------------------------------------------------------------------------------------------------- compile errors

interface Loc {
  file: string;
  line?: string;
  code?: string;
  msg?: string;
}

const loc = (file: string, line?: string, code?: string, msg?: string): Loc => ({ file: relPath(file), line, code, msg });

const COMPILE_LINE: [RegExp, (m: RegExpMatchArray) => Loc][] = [
  [/^(\S+?\.[cm]?tsx?)\((\d+),\d+\): error (TS\d+): (.+)$/, (m) => loc(m[1], m[2], m[3], m[4])],
  [/^(\S+?\.[cm]?tsx?):(\d+):\d+ - error (TS\d+): (.+)$/, (m) => loc(m[1], m[2], m[3], m[4])],
  [/^(\S+?\.cs)\((\d+),\d+\): error (CS\d+): (.+?)(?: \[[^\]]+\])?$/, (m) => loc(m[1], m[2], m[3], m[4])],
  [/^\[ERROR\] (\S+?\.(?:java|kt|scala|groovy)):\[(\d+)(?:,\d+)?\] (.+)$/, (m) => loc(m[1], m[2], undefined, m[3])],
  [/^(\S+?\.java):(\d+): error: (.+)$/, (m) => loc(m[1], m[2], undefined, m[3])],
  [/^e: (?:file:\/\/)?(\S+?\.kts?):(\d+):\d+:? (.+)$/, (m) => loc(m[1], m[2], undefined, m[3])],
  [/^e: (\S+?\.kts?): \((\d+), \d+\): (.+)$/, (m) => loc(m[1], m[2], undefined, m[3])],
  [/^\[error\] (\S+?\.scala):(\d+):\d+:? (.+)$/, (m) => loc(m[1], m[2], undefined, m[3])],
  [/^(\S+?\.(?:c|cc|cpp|cxx|h|hh|hpp|m|mm|swift|zig)):(\d+):\d+: (?:fatal )?error: (.+)$/, (m) => loc(m[1], m[2], undefined, m[3])],
  [/^(\S+?\.pyi?):(\d+): error: (.+?)(?:\s+\[([\w-]+)\])?$/, (m) => loc(m[1], m[2], m[4], m[3])], // mypy
  [/^ImportError: (cannot import name '\w+') from '[\w.]+' \(([^)]+)\)$/, (m) => loc(m[2], undefined, 'ImportError', m[1])],
  [/Rollup failed to resolve import "([^"]+)" from "([^"]+)"/, (m) => loc(m[2], undefined, undefined, `unresolved import "${m[1]}"`)],
  [/^ERROR in (\S+?)(?::(\d+):\d+| (\d+):\d+(?:-\d+)?)?$/, (m) => loc(m[1], m[2] ?? m[3])], // webpack
  [/^Module not found: Error: Can't resolve '([^']+)' in '([^']+)'/, (m) => loc(m[2], undefined, undefined, `can't resolve '${m[1]}'`)],
  [/^(\S+?\.go):(\d+):\d+: (.+)$/, (m) => loc(m[1], m[2], undefined, m[3])], // the Go compiler prints no "error:"
];

/** The first compile error of the log: its file, line, error code and message. */
export function compileError(g: LogView): Loc | null {
  const L = g.lines;
  for (let i = 0; i < L.length; i++) {
    const l = L[i];
    let m: RegExpMatchArray | null;
    // rustc: "error[E0308]: mismatched types" then "  --> src/main.rs:12:5"
    if ((m = l.match(/^error(?:\[(E\d{4})\])?: (.+)$/)) && !/^could not compile|^aborting due/.test(m[2])) {
      const at = g.near(i, /^\s*--> (\S+?):(\d+):\d+$/, 0, 4);
      if (at) return loc(at[1], at[2], m[1], m[2]);
    }
    // esbuild: "✘ [ERROR] Expected ";" but found "x"" then "    src/a.ts:12:3:"
    if ((m = l.match(/^✘ \[ERROR\] (.+)$/))) {
      const at = g.near(i, /^\s+(\S+?):(\d+):\d+:$/, 0, 4);
      if (at) return loc(at[1], at[2], undefined, m[1]);
    }
    // Python: 'File "x.py", line 12' above a SyntaxError / IndentationError / NameError …
    if ((m = l.match(/^(SyntaxError|IndentationError|TabError|NameError|AttributeError|TypeError|ModuleNotFoundError): (.+)$/))) {
      for (let j = i - 1; j >= Math.max(0, i - 8); j--) {
        const f = L[j].match(/^\s*File "([^"]+)", line (\d+)/);
        if (f && !f[1].startsWith('<')) return loc(f[1], f[2], m[1], m[2]);
      }
    }
    for (const [re, f] of COMPILE_LINE) {
      if ((m = l.match(re))) return f(m);
    }
  }
  return null;
}

export const compileErrorHint: HintRule = (g) => {
  const e = compileError(g);
  if (!e) return null;
  const where = q(e.line ? `${e.file}:${e.line}` : e.file, 110);
  const detail = [e.code, e.msg].filter(Boolean).join(': ');
  return withDetail(`${where} does not compile`, detail, ': fix it, and build locally before pushing');
};

// ------------------------------------------------------------------------------------- lint, format and coverage

const pct = (x: string, ratio = false): string => {
  const v = ratio ? Number(x) * 100 : Number(x);
  return `${+v.toFixed(2)}%`;
};
const METRIC: Record<string, string> = { lines: 'line', branches: 'branch', statements: 'statement', functions: 'function', instructions: 'instruction', methods: 'method', classes: 'class' };

/** A coverage gate that failed: the metric, the coverage reached and the threshold. */
export function coverageGate(g: LogView): { metric: string; actual: string; min: string } | null {
  const metric = (w: string | undefined) => (w ? (METRIC[w.toLowerCase()] ?? w.toLowerCase()) : '');
  let m = g.find(/coverage threshold for (\w+) \(([\d.]+)%\) not met: ([\d.]+)%/); // jest
  if (m) return { metric: metric(m[1]), actual: pct(m[3]), min: pct(m[2]) };
  if ((m = g.find(/Coverage for (\w+) \(([\d.]+)%\) does not meet (?:global |the )?threshold \(([\d.]+)%\)/))) return { metric: metric(m[1]), actual: pct(m[2]), min: pct(m[3]) }; // istanbul, nyc, vitest
  if ((m = g.find(/Required test coverage of ([\d.]+)% not reached\. Total coverage: ([\d.]+)%/))) return { metric: '', actual: pct(m[2]), min: pct(m[1]) }; // pytest-cov
  if ((m = g.find(/Coverage failure: total of ([\d.]+)%? is less than fail-under=([\d.]+)/))) return { metric: '', actual: pct(m[1]), min: pct(m[2]) }; // coverage.py
  if ((m = g.find(/\b(\w+) covered ratio is ([\d.]+), but expected minimum is ([\d.]+)/))) return { metric: metric(m[1]), actual: pct(m[2], true), min: pct(m[3], true) }; // JaCoCo
  if ((m = g.find(/coverage(?: rate)?:? ([\d.]+)% (?:is )?(?:less than|below|under)\b[^%\d]{0,40}([\d.]+)%/i))) return { metric: '', actual: pct(m[1]), min: pct(m[2]) };
  return null;
}

interface LintFinding {
  rule?: string;
  file?: string;
  line?: string;
  msg?: string;
}

/** A path line above a finding (ESLint's stylish output, Next.js) within `back` lines. */
function pathAbove(g: LogView, i: number, back: number): string | undefined {
  for (let j = i - 1; j >= Math.max(0, i - back); j--) {
    const m = g.lines[j].match(/^(?:\.\/)?((?:\/|[\w@.-]+\/)?\S*\.\w{1,6})$/);
    if (m) return m[1];
  }
  return undefined;
}

const LINT_LINE: [RegExp, (m: RegExpMatchArray) => LintFinding][] = [
  [/^(\S+?\.pyi?):(\d+):\d+: ([A-Z]{1,3}\d{2,4})(?: \[\*\])? (.+)$/, (m) => ({ file: m[1], line: m[2], rule: m[3], msg: m[4] })], // ruff, flake8, pylint
  [/^\[(?:ERROR|WARN(?:ING)?)\] (\S+?\.java):\[(\d+)(?:,\d+)?\] \((\w+)\) (\w+): (.+)$/, (m) => ({ file: m[1], line: m[2], rule: m[4], msg: m[5] })], // Checkstyle (Maven)
  [/^\[ant:checkstyle\] \[(?:ERROR|WARN)\] (\S+?):(\d+)(?::\d+)?: (.+) \[(\w+)\]$/, (m) => ({ file: m[1], line: m[2], rule: m[4], msg: m[3] })], // Checkstyle (Gradle)
  [/^(\S+?\.go):(\d+):\d+: (.+) \(([\w-]+)\)$/, (m) => ({ file: m[1], line: m[2], rule: m[4], msg: m[3] })], // golangci-lint
  [/^(\S*Dockerfile\S*):(\d+) ((?:DL|SC)\d{4}) (?:error|warning|info|style): (.+)$/, (m) => ({ file: m[1], line: m[2], rule: m[3], msg: m[4] })], // hadolint
  [/^(\S+\.md):(\d+)(?::\d+)? (MD\d{3})(?:\/[\w-]+)* (.+)$/, (m) => ({ file: m[1], line: m[2], rule: m[3], msg: m[4] })], // markdownlint
  [/^(\S+?\.go):(\d+):\d+: ([a-z]\w*): (.+)$/, (m) => ({ file: m[1], line: m[2], rule: m[3], msg: m[4] })], // go vet
];

/** The first lint finding of the log: its rule, file, line and message. */
export function lintFinding(g: LogView): LintFinding | null {
  const L = g.lines;
  for (let i = 0; i < L.length; i++) {
    const l = L[i];
    let m: RegExpMatchArray | null;
    // ESLint (stylish) and Next.js: "  12:5  error  'x' is assigned a value but never used  no-unused-vars"
    if ((m = l.match(/^\s*(\d+):\d+\s+(?:error|warning|Error|Warning):?\s+(.+?)\s{2,}(@?[\w-]+(?:\/[\w-]+)*)$/))) {
      return { file: pathAbove(g, i, 40), line: m[1], rule: m[3], msg: m[2] };
    }
    // ruff (full output): "F401 [*] `os` imported but unused" then " --> app/x.py:1:8"
    if ((m = l.match(/^([A-Z]{1,3}\d{2,4}) (?:\[\*\] )?(.+)$/))) {
      const at = g.near(i, /^\s*-->\s*(\S+?):(\d+):\d+/, 0, 2);
      if (at) return { file: at[1], line: at[2], rule: m[1], msg: m[2] };
    }
    // rustc / clippy: "error: <message>" then "  --> src/x.rs:12:5" and the lint in a note or a link
    if ((m = l.match(/^(?:error|warning): (.+)$/)) && !/^could not compile|^aborting due|^\d+ warnings? emitted/.test(m[1])) {
      const at = g.near(i, /^\s*--> (\S+?):(\d+):\d+$/, 0, 3);
      if (at) {
        const note = g.near(i, /`-D ([\w:-]+)` implied by|#\[deny\(([\w:]+)\)\]/, 0, 12);
        const link = note ? null : g.near(i, /rust-clippy\/\S*#(\w+)/, 0, 12);
        const name = note ? (note[1] ?? note[2]) : link ? `clippy::${link[1]}` : undefined;
        return { file: at[1], line: at[2], rule: name, msg: m[1] };
      }
    }
    // ShellCheck: "In deploy.sh line 12:" … "SC2086 (info): Double quote to prevent globbing"
    if ((m = l.match(/^In (\S+) line (\d+):$/))) {
      const r = g.near(i, /\b(SC\d{4})\b(?: \(\w+\))?: (.+)$/, 0, 6);
      if (r) return { file: m[1], line: m[2], rule: r[1], msg: r[2] };
    }
    for (const [re, f] of LINT_LINE) {
      if ((m = l.match(re))) return f(m);
    }
  }
  return null;
}

/** A file a formatter would change, and the command that fixes it. */
export function formatFinding(g: LogView): { file: string | null; fix: string } | null {
  let m = g.find(/^\[warn\] (?!Code style issues)(\S+)$/);
  if (m) return { file: m[1], fix: 'prettier --write' };
  if ((m = g.find(/^would reformat (\S+)/))) return { file: m[1], fix: 'black .' };
  if ((m = g.find(/^Would reformat: (\S+)/))) return { file: m[1], fix: 'ruff format' };
  const at = g.at(/The following files had format violations:/);
  if (at) {
    const f = g.near(at.i + 1, /^\s+(\S+\.\w+)$/, 0, 2);
    const fix = g.find(/Run '([^']+)' to fix/);
    return { file: f?.[1] ?? null, fix: fix?.[1] ?? './gradlew spotlessApply' };
  }
  if ((m = g.find(/^Diff in (\S+?\.rs)(?::\d+)?(?: at line \d+)?:$/))) return { file: m[1], fix: 'cargo fmt' };
  if (g.has(/Code style issues found|Run Prettier with --write/)) return { file: null, fix: 'prettier --write' };
  return null;
}

export const lintGate: HintRule = (g) => {
  const c = coverageGate(g);
  if (c) return `${c.metric ? `${c.metric} ` : ''}coverage ${c.actual} is below the required ${c.min}: add tests for the code this change touches`;
  const commit = g.find(/^✖\s+(.+?) \[([\w-]+)\]$/); // commitlint
  if (commit) return `the commit message breaks ${q(commit[2])} (${clip(commit[1], 50)}): reword the commit and push again`;
  const sonar = g.find(/QUALITY GATE STATUS: FAILED(?: - View details on (\S+))?/);
  if (sonar) return `the SonarQube quality gate fails${sonar[1] ? `: see ${q(sonar[1], 90)} for` : ': fix'} the conditions it names`;
  const f = lintFinding(g);
  if (f && (f.rule || f.file)) {
    const where = f.file ? ` at ${q(f.line ? `${relPath(f.file)}:${f.line}` : relPath(f.file), 80)}` : '';
    const what = f.rule ? `lint rule ${q(f.rule, 50)} fails` : 'a lint check fails';
    return withDetail(`${what}${where}`, f.msg, ': fix it, or apply the linter\'s autofix');
  }
  const fmt = formatFinding(g);
  if (fmt) return `${fmt.file ? q(relPath(fmt.file), 80) : 'the code'} is not formatted: run ${q(fmt.fix)} and commit the result`;
  return null;
};

// ----------------------------------------------------------------------------------------------- merge conflicts

const MARKERS = /<<<<<<<|diff marker|conflict marker|Unexpected "<<"|unexpected <<|Unexpected token '?<'? in JSON|Unexpected token "<"|"<<<<<<< HEAD" is not valid JSON|Non-parseable POM \S+: expected name start and not </;

/** Where committed conflict markers are: the file (and line) a parser names near them. */
function markerFile(g: LogView): string | null {
  const m = g.first(
    /^npm (?:ERR!|error) path (\S+)/,
    /^\s*--> (\S+?):(\d+):\d+$/,
    /^\s*File "([^"]+)", line (\d+)/,
    /^Build file '([^']+)' line: (\d+)/,
    /Non-parseable POM ([^:]+):/,
    /^\[ERROR\] (\S+?):\[(\d+),\d+\]/,
    /parse manifest at `([^`]+)`/,
    /^(\S+?):(\d+):(?:\d+:)? .*(?:<<|unknown directive)/,
    /^\s+(\S+?):(\d+):\d+:$/,
    /"(\S+?\.json): Unexpected token/,
    /in (\S+?\.json)$/,
  );
  if (!m) return null;
  const line = m[2] && /^\d+$/.test(m[2]) ? `:${m[2]}` : '';
  return `${relPath(m[1])}${line}`;
}

export const mergeConflict: HintRule = (g) => {
  const files = [...new Set(g.all(/^CONFLICT \([^)]*\): (?:Merge conflict in (\S+)|(\S+) deleted in|.*? (\S+\.\w+))/).map((m) => m[1] ?? m[2] ?? m[3]))];
  if (files.length) {
    const more = files.length > 1 ? ` (and ${files.length - 1} more)` : '';
    return `merge conflict in ${q(files[0], 90)}${more}: merge or rebase onto the target branch and resolve it`;
  }
  if (MARKERS.test(g.text)) {
    const f = markerFile(g);
    return `conflict markers (<<<<<<<) are committed${f ? ` in ${q(f, 90)}` : ''}: resolve the conflict and commit the file`;
  }
  let m = g.find(/could not apply ([0-9a-f]{7,40})\.\.\. (.+)$/i);
  if (m) return `the rebase stops at ${q(m[1], 12)} (${clip(m[2], 50)}): rebase locally, resolve the conflicts and push`;
  if ((m = g.find(/remote error: upload-pack: not our ref ([0-9a-f]{7,40})/))) return `commit ${q(m[1].slice(0, 12))} is no longer on the remote (a force-push, or a rebuilt merge ref): rerun the job on the branch's current head`;
  if ((m = g.find(/couldn't find remote ref refs\/pull\/(\d+)\/merge/))) return `pull request #${m[1]} has no merge ref (it conflicts with its base, or was closed): resolve the conflicts`;
  if (g.has(/refusing to merge unrelated histories/)) return 'the branch shares no history with its target: rebase it onto the target branch';
  if (g.has(/Not possible to fast-forward|fatal: Need to specify how to reconcile divergent branches/)) return 'the branch has diverged from its target: rebase it onto the target and push';
  return null;
};
