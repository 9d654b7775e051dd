/**
 * What every example needs: a backend, a generator and an output folder.
 * The generator: the checkpoint given as the first argument, else the embedded default model, else the
 * official-parity checkpoint beside the project (untrained: pictures show the pipeline, not faces).
 * SEMSTYLE_EXAMPLE_TINY=1 uses the tiny testing generator (how the tests run the examples quickly).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, type SemanticStyleGAN } from '@semstyle/core';
import { defaultModelPath, hasDefaultModel, loadGenerator, writeFileAtomic } from '@semstyle/core/node';
import { createTestingGenerator } from '@semstyle/core/testing';

const PARITY = fileURLToPath(new URL('../../../shared/fixtures/official-parity/small/weights.safetensors', import.meta.url));

export interface ExampleContext {
  readonly generator: SemanticStyleGAN;
  readonly outDir: string;
  /** Where the generator came from, for the report. */
  readonly source: string;
  /** Write the example's Markdown report. */
  report(markdown: string): Promise<string>;
}

export async function setup(name: string): Promise<ExampleContext> {
  await initBackend('wasm');
  const outDir = join(process.env['SEMSTYLE_EXAMPLE_OUT'] ?? 'out', name);
  mkdirSync(outDir, { recursive: true });
  let generator: SemanticStyleGAN;
  let source: string;
  if (process.env['SEMSTYLE_EXAMPLE_TINY'] === '1') {
    generator = createTestingGenerator({ seed: 1 });
    source = 'the tiny testing generator (random weights)';
  } else {
    const arg = process.argv[2];
    source = arg ?? (hasDefaultModel() ? defaultModelPath() : PARITY);
    generator = await loadGenerator(source);
    if (source === PARITY) source += ' (official-parity checkpoint: random, untrained weights)';
  }
  return {
    generator,
    outDir,
    source,
    async report(markdown: string) {
      const path = join(outDir, 'README.md');
      await writeFileAtomic(path, markdown);
      return path;
    },
  };
}
