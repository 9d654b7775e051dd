import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    // worker_threads entry, loaded by URL from the bundle (see src/pool.ts)
    worker: 'src/worker.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  target: 'es2022',
  shims: true,
  external: [/^@tensorflow\//, /^@semstyle\//, 'facesjs', 'sharp'],
});
