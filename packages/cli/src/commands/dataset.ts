import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { InputError } from '@semstyle/core';
import { datasetFacesCommand } from '@semstyle/datasets';

export const DATASET_HELP = `  semstyle dataset faces --n N --size S --out DIR [--seed S] [--workers W] [--overwrite] [--no-resume] [--class-map JSON]
                    synthetic cartoon faces (facesjs) with exact label maps and attribute labels`;

/** `semstyle dataset faces …`: render a synthetic face dataset with a progress bar. */
export async function runDataset(argv: string[]): Promise<void> {
  const [kind, ...rest] = argv;
  if (kind !== 'faces') throw new InputError('E_INVALID_ARGUMENT', `Unknown dataset "${kind ?? ''}": the available one is "faces".`);
  const { values } = parseArgs({
    args: rest,
    options: {
      n: { type: 'string' },
      size: { type: 'string' },
      out: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      overwrite: { type: 'boolean' },
      'no-resume': { type: 'boolean' },
      'class-map': { type: 'string' },
    },
    strict: true,
  });
  if (!values.n || !values.size || !values.out) throw new InputError('E_INVALID_ARGUMENT', 'dataset faces needs --n, --size and --out.');
  const bar = new cliProgress.SingleBar({ format: 'faces [{bar}] {value}/{total} | {rate} faces/s | eta {eta}s', hideCursor: true }, cliProgress.Presets.shades_classic);
  const started = performance.now();
  let began = false;
  const result = await datasetFacesCommand(
    {
      n: values.n,
      size: values.size,
      out: values.out,
      ...(values.seed ? { seed: values.seed } : {}),
      ...(values.workers ? { workers: values.workers } : {}),
      overwrite: values.overwrite ?? false,
      resume: !(values['no-resume'] ?? false),
      ...(values['class-map'] ? { classMap: values['class-map'] } : {}),
    },
    {
      onProgress: (p) => {
        if (!began) {
          bar.start(p.total, p.done, { rate: '0' });
          began = true;
        }
        const seconds = (performance.now() - started) / 1000;
        bar.update(p.done, { rate: seconds > 0 ? (p.rendered / seconds).toFixed(1) : '0' });
      },
    },
  );
  bar.stop();
  console.log(`wrote ${result.rendered} face(s) (${result.skipped} already there) of ${result.size}×${result.size} to ${result.out} in ${(result.ms / 1000).toFixed(1)} s`);
}
