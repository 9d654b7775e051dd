import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    'node/index': 'src/node/index.ts',
  },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  // import.meta.url in the CJS build (package-relative files: models, workers)
  shims: true,
  target: 'es2022',
  external: [/^@tensorflow\//, /^@semstyle\//, 'pngjs'],
});
