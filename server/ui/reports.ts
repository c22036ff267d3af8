// The reports folder of `serve --reports <dir>`: the .html files directly in it (what `rolloutlab report --out` and
// `npm start` write), listed and read by plain file name only. A name with a path separator, a dot first, anything
// but letters, digits and . _ - or another ending than .html is no report; nor is a symbolic link or anything but a
// regular file, so nothing outside the folder can be reached through it.
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** A report's file name: letters, digits, . _ - (not first), ending .html. */
export const REPORT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,200}\.html$/;

export interface ReportFile {
  name: string;
  bytes: number;
  /** Last modified (ISO 8601). */
  modified: string;
}

/** The reports in `dir`, by name (an unreadable folder: none, and the reason). */
export async function listReports(dir: string): Promise<{ reports: ReportFile[]; problem: string | null }> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isFile() && REPORT_NAME.test(e.name)).map((e) => e.name);
  } catch (e) {
    return { reports: [], problem: `the reports folder ${dir} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  const reports: ReportFile[] = [];
  for (const name of names.sort()) {
    const s = await lstat(join(dir, name)).catch(() => null);
    if (s?.isFile()) reports.push({ name, bytes: s.size, modified: s.mtime.toISOString() });
  }
  return { reports, problem: null };
}

/** A report's bytes, or null when `name` is no report of `dir` (bad name, absent, a link, not a regular file). */
export async function readReport(dir: string, name: string): Promise<Buffer | null> {
  if (!REPORT_NAME.test(name)) return null;
  const path = join(dir, name);
  const s = await lstat(path).catch(() => null);
  if (!s?.isFile()) return null;
  return readFile(path).catch(() => null);
}
