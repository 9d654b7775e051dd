import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

/** The 64×64 dataset written by `writeFaceDataset` that the evaluation networks were trained on (repo checkout). */
export const DEFAULT_FACES64_DIR = fileURLToPath(new URL('../../../../data/faces64', import.meta.url));

/** Train / held-out split of data/faces64 (indices, end exclusive). 15 000–15 999 is the validation slice. */
export const SPLITS = {
  train: [0, 15_000],
  validation: [15_000, 16_000],
  heldOut: [16_000, 20_000],
} as const;

/** Faces [start, end) of a dataset folder, decoded into host memory. */
export interface FaceSlice {
  readonly n: number;
  readonly size: number;
  /** n·size·size·3 RGB bytes. */
  readonly images: Uint8Array;
  /** n·size·size class indices (when asked for). */
  readonly labels?: Uint8Array;
  /** The `attributes` object of each face. */
  readonly attributes: ReadonlyArray<Record<string, unknown>>;
}

async function mapLimit<T>(n: number, limit: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** Decode faces [start, end) of `dir` (images/NNNNNN.png, labels/NNNNNN.png, attributes.jsonl). */
export async function loadFaceSlice(dir: string, start: number, end: number, options: { labels?: boolean; size?: number } = {}): Promise<FaceSlice> {
  const size = options.size ?? 64;
  const n = end - start;
  const lines = (await readFile(join(dir, 'attributes.jsonl'), 'utf8')).split('\n').filter((l) => l.length > 0);
  const records = lines.slice(start, end).map((l) => JSON.parse(l) as { index: number; file: string; attributes: Record<string, unknown> });
  if (records.length !== n) throw new Error(`${dir}/attributes.jsonl has ${lines.length} faces, need [${start}, ${end})`);
  const images = new Uint8Array(n * size * size * 3);
  const labels = options.labels ? new Uint8Array(n * size * size) : undefined;
  await mapLimit(n, 8, async (i) => {
    const r = records[i]!;
    if (r.index !== start + i) throw new Error(`attributes.jsonl line ${start + i} has index ${r.index}`);
    const img = await sharp(join(dir, 'images', r.file)).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (img.info.width !== size || img.info.height !== size || img.info.channels !== 3) throw new Error(`${r.file}: ${img.info.width}×${img.info.height}×${img.info.channels}, expected ${size}×${size}×3`);
    images.set(img.data, i * size * size * 3);
    if (labels) {
      const lab = await sharp(join(dir, 'labels', r.file)).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
      if (lab.info.width !== size || lab.info.height !== size) throw new Error(`label ${r.file}: ${lab.info.width}×${lab.info.height}`);
      labels.set(lab.data, i * size * size);
    }
  });
  return { n, size, images, labels, attributes: records.map((r) => r.attributes) };
}

/** Tiny argv parser: `--key value` and `--flag`. */
export function parseArgs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) continue;
    const key = a.slice(2);
    const v = argv[i + 1];
    if (v !== undefined && !v.startsWith('--')) {
      out[key] = v;
      i++;
    } else out[key] = 'true';
  }
  return out;
}
