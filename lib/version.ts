// The code version recorded in every artefact: package version plus the git commit when there is one.
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
let cached: string | undefined;

export function codeVersion(): string {
  if (cached) return cached;
  const pkg = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string };
  const git = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  const sha = git.status === 0 ? git.stdout.trim() + (dirty.stdout.trim() ? '-dirty' : '') : 'nogit';
  cached = `${pkg.version}+${sha}`;
  return cached;
}
