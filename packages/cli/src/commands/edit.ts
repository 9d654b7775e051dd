import { parseArgs } from 'node:util';
import { initBackend, InputError, type BackendName, type NoiseMode } from '@semstyle/core';
import { loadGenerator } from '@semstyle/core/node';
import { editCommand, parseStrengths } from '@semstyle/interfacegan/node';
import { parseSeeds } from '../seeds.js';

export const EDIT_HELP = `  semstyle edit [--checkpoint FILE] --direction FILE [--seeds 0-3] [--strengths -3:3:7] [--mode absolute|relative]
                    [--truncation PSI] --out DIR     InterFaceGAN edit strips (images and masks)`;

/** `semstyle edit`: strips of an InterFaceGAN direction applied at several strengths. */
export async function runEdit(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      direction: { type: 'string' },
      seeds: { type: 'string' },
      strengths: { type: 'string' },
      mode: { type: 'string' },
      truncation: { type: 'string' },
      noise: { type: 'string' },
      scale: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
    },
    strict: true,
  });
  if (!values.direction || !values.out) throw new InputError('E_INVALID_ARGUMENT', 'edit needs --direction FILE and --out DIR.');
  const mode = values.mode ?? 'absolute';
  if (mode !== 'absolute' && mode !== 'relative') throw new InputError('E_INVALID_ARGUMENT', `--mode must be absolute or relative (got ${mode}).`);
  await initBackend((values.backend ?? 'wasm') as BackendName);
  const generator = await loadGenerator(values.checkpoint);
  try {
    const result = await editCommand({
      generator,
      direction: values.direction,
      seeds: parseSeeds(values.seeds ?? '0-3'),
      ...(values.strengths ? { strengths: parseStrengths(values.strengths) } : {}),
      mode,
      ...(values.truncation ? { truncation: Number(values.truncation) } : {}),
      ...(values.noise ? { noise: values.noise as NoiseMode } : {}),
      ...(values.scale ? { scale: Number(values.scale) } : {}),
      outDir: values.out,
      log: (line) => console.log(line),
    });
    console.log(`wrote ${result.files.length} file(s) to ${values.out}; signed distances before editing: ${result.distances.map((d) => d.toFixed(2)).join(', ')}`);
  } finally {
    generator.dispose();
  }
}
