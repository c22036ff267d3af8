#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';
register();
const { run } = await import('../cli/main.ts');
process.exitCode = await run(process.argv);
