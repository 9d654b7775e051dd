import { defineConfig } from 'vitest/config';

import { fileURLToPath } from 'node:url';

const src = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // Tests run against the sources of sibling packages, not their builds.
  resolve: {
    alias: [
      { find: /^@semstyle\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@semstyle\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
      { find: /^@semstyle\/core\/node$/, replacement: src('./packages/core/src/node/index.ts') },
      { find: /^@semstyle\/metrics$/, replacement: src('./packages/metrics/src/index.ts') },
      { find: /^@semstyle\/metrics\/node$/, replacement: src('./packages/metrics/src/node/index.ts') },
      { find: /^@semstyle\/datasets$/, replacement: src('./packages/datasets/src/index.ts') },
      { find: /^@semstyle\/interfacegan$/, replacement: src('./packages/interfacegan/src/index.ts') },
      { find: /^@semstyle\/interfacegan\/node$/, replacement: src('./packages/interfacegan/src/node/index.ts') },
      { find: /^@semstyle\/inversion$/, replacement: src('./packages/inversion/src/index.ts') },
      { find: /^@semstyle\/inversion\/node$/, replacement: src('./packages/inversion/src/node/index.ts') },
      { find: /^@semstyle\/styleflow$/, replacement: src('./packages/styleflow/src/index.ts') },
      { find: /^@semstyle\/styleflow\/node$/, replacement: src('./packages/styleflow/src/node/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/**/*.test.ts', 'bench/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // Two test files already share the two cores: one wasm thread each (the library default would use every core).
    env: { SEMSTYLE_WASM_THREADS: '1' },
    typecheck: {
      enabled: true,
      include: ['packages/*/src/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
