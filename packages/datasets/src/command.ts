import { InputError } from '@semstyle/core';

import type { ClassMap } from './classes.js';
import { writeFaceDataset, type FaceDatasetProgress, type WriteFaceDatasetResult } from './dataset.js';

/** Options as a CLI parser hands them over: numbers may still be strings. */
export interface DatasetFacesArgs {
  n: number | string;
  size: number | string;
  out: string;
  seed?: number | string;
  workers?: number | string;
  overwrite?: boolean;
  resume?: boolean;
  /** Class map as an object or a JSON string, e.g. '{"facialHair":"skin"}'. */
  classMap?: ClassMap | string;
}

export interface DatasetFacesHooks {
  /** Called once before the first face (with `done` = faces skipped on resume) and after every face. */
  onProgress?: (progress: FaceDatasetProgress) => void;
}

function toInt(name: string, value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) return Number(value);
  throw new InputError('E_INVALID_ARGUMENT', `--${name} must be a positive integer, got "${String(value)}".`, { details: { [name]: value } });
}

/**
 * `semstyle dataset faces --n 20000 --size 64 --out DIR [--seed S] [--workers W] [--overwrite] [--no-resume]`.
 * Parses string numbers, then runs {@link writeFaceDataset}; errors are semstyle typed errors.
 */
export async function datasetFacesCommand(args: DatasetFacesArgs, hooks: DatasetFacesHooks = {}): Promise<WriteFaceDatasetResult> {
  let classMap: ClassMap | undefined;
  if (typeof args.classMap === 'string') {
    try {
      classMap = JSON.parse(args.classMap) as ClassMap;
    } catch (cause) {
      throw new InputError('E_INVALID_ARGUMENT', '--class-map must be a JSON object of feature → class name.', { cause });
    }
  } else classMap = args.classMap;
  const opts: Parameters<typeof writeFaceDataset>[0] = {
    n: toInt('n', args.n)!,
    size: toInt('size', args.size)!,
    out: args.out,
    overwrite: args.overwrite ?? false,
    resume: args.resume ?? true,
  };
  const seed = toInt('seed', args.seed);
  const workers = toInt('workers', args.workers);
  if (seed !== undefined) opts.seed = seed;
  if (workers !== undefined) opts.workers = workers;
  if (classMap !== undefined) opts.classMap = classMap;
  if (hooks.onProgress) opts.onProgress = hooks.onProgress;
  return writeFaceDataset(opts);
}
