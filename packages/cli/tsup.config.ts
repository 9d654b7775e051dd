import { defineConfig } from 'tsup';

const shared = {
  sourcemap: true,
  target: 'node20',
  external: [/^@tensorflow\//, /^@semstyle\//],
  // import.meta.url in the CJS build
  shims: true,
} as const;

export default defineConfig([
  // The bin: ESM only (it reads import.meta.url).
  { ...shared, entry: { cli: 'src/cli.ts' }, format: ['esm'] },
  // Programmatic access to the commands: ESM + CJS + d.ts.
  { ...shared, entry: { index: 'src/index.ts' }, format: ['esm', 'cjs'], dts: true },
]);
