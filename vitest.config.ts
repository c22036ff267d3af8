import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Trains the small champions of test/tiny-models.ts once per run, for every file that asks for them.
    globalSetup: ['test/global-setup.ts'],
    // CLI tests spawn the real command (tsx start-up ~1 s each) and simulations take seconds.
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
