import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Tests start real servers and processes; two cores cannot run many files at once without timing noise.
    maxWorkers: 2,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
    projects: [
      { extends: true, test: { name: 'server', include: ['test/**/*.test.ts'], exclude: ['test/web/**'] } },
      // The browser tests run after every other file has finished: a real Chromium waiting 30 s for a file chooser or
      // a card's state is starved when it shares two cores with the hostile-input and topology files.
      { extends: true, test: { name: 'browser', include: ['test/web/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
