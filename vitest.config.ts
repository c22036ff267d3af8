import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Trains the small champions of test/tiny-models.ts once per run, for every file that asks for them.
    globalSetup: ['test/global-setup.ts'],
    // Two test files at a time. Vitest's default in a run is one fewer than the cores, which is one file at a time on a
    // 2-core machine; many files spend much of their time waiting on a child process, a server or a port.
    maxWorkers: 2,
    // CLI tests spawn the real command (tsx start-up ~1 s each) and simulations take seconds.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
