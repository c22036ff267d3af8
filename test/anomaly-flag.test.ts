// The anomaly flag POST /v1/anomaly/score returns (test/server.test.ts "anomaly flag"): its thresholds are the ones
// bench nab optimises, and the served detectors always come back, whatever finite values they are fed.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { benchNab } from '../bench/nab.ts';
import { NAB_THRESHOLDS } from '../detectors/thresholds.ts';
import { SERVED_DETECTORS } from '../server/schemas.ts';

const ROOT = resolve(import.meta.dirname, '..');

describe('anomaly thresholds', () => {
  it('every served detector has a threshold per NAB profile, equal to what bench nab optimises on the NAB corpus', async () => {
    expect(Object.keys(NAB_THRESHOLDS).sort()).toEqual([...SERVED_DETECTORS].sort());
    for (const detector of SERVED_DETECTORS) {
      const r = await benchNab(join(ROOT, 'datasets/real/nab'), { detector });
      expect(NAB_THRESHOLDS[detector], detector).toEqual(r.thresholds);
    }
  }, 300_000);

  it('the served detectors return on values whose grid index overflows (a jump from a tiny warm-up range to 1e100, ±1e308)', () => {
    // In a child process with a time limit: a detector that never returns would block the test runner itself.
    const script = `
      import { createDetector } from ${JSON.stringify(join(ROOT, 'detectors/registry.ts'))};
      const series = [
        Array.from({ length: 300 }, (_, i) => (i < 200 ? i % 5 : 1e308 * (i % 2 ? 1 : -1))),
        Array.from({ length: 400 }, (_, i) => (i < 200 ? (i % 2) * 1e-300 : (i % 3) * 1e100)),
      ];
      for (const name of ${JSON.stringify(SERVED_DETECTORS)}) for (const values of series) {
        const d = createDetector(name);
        for (const v of values) d.update(v);
      }
      console.log('returned');`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, 'the detector did not return within 60 s').toBeNull();
    expect(r.stdout.trim(), r.stderr).toBe('returned');
  }, 90_000);
});
