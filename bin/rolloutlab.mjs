#!/usr/bin/env node
// Entry point: runs the TypeScript CLI through tsx's loader (no build step).
import { register } from 'tsx/esm/api';
register();
const { run } = await import('../cli/main.ts');
// A command may set process.exitCode itself (e.g. a failed benchmark sanity check): keep the worse one.
const code = await run(process.argv);
process.exitCode = Math.max(code, Number(process.exitCode ?? 0));
