// run() (what bin/rolloutlab.mjs calls) in this process, for command-line tests that need no child process: its exit
// code and what it wrote to stdout and stderr.
import { vi } from 'vitest';
import { run } from '../cli/main.ts';

export async function inProcess(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((x: string | Uint8Array) => ((stdout += String(x)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((x: string | Uint8Array) => ((stderr += String(x)), true));
  try {
    return { code: await run(['node', 'rolloutlab', ...args]), stdout, stderr };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}
