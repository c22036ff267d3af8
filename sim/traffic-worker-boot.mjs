// Worker entry: registers tsx (no build step), then runs the TypeScript worker.
import { register } from 'tsx/esm/api';
register();
await import('./traffic-worker.ts');
