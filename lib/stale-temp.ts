// Temp files and folders left by a killed writer. Writers name them `<prefix>.tmp-<pid>-<n>` and rename them into
// place when done, so one whose process is gone can never be finished: it is garbage. One whose pid is alive is
// never touched, even when that pid now belongs to some other program (it is kept until that process ends).
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/** Whether a process with this pid exists on this machine (a process we may not signal still exists). */
export function pidAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove the entries of `dir` whose name is `<prefix>.tmp-<pid>-<n>` (for each of `prefixes`) and whose writer
 * process is gone; returns the removed paths. Never throws: cleaning up is best effort.
 */
export async function removeStaleTemps(dir: string, prefixes: readonly string[] | ((name: string) => boolean)): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    const m = /^(.*)\.tmp-(\d+)-\d+$/.exec(name);
    if (!m) continue;
    const ok = typeof prefixes === 'function' ? prefixes(m[1]) : prefixes.includes(m[1]);
    if (!ok) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    try {
      await rm(join(dir, name), { recursive: true, force: true });
      removed.push(join(dir, name));
    } catch {
      // best effort: a folder we cannot remove stays, as before
    }
  }
  return removed;
}
