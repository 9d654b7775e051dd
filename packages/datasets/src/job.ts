import { join } from 'node:path';

import type { ResolvedClassMap } from './classes.js';
import { writeFileAtomic } from './io.js';
import { encodePng } from './png.js';
import { renderFace } from './render.js';

/** File name of face `index`: zero-padded to six digits (more when index ≥ 1e6). */
export const faceFileName = (index: number) => `${String(index).padStart(6, '0')}.png`;

export interface FaceJob {
  index: number;
  seed: number;
  size: number;
  out: string;
  classMap: ResolvedClassMap;
}

/** Render one face and write its image and label PNGs atomically (label first; the image marks it done). */
export async function runFaceJob(job: FaceJob): Promise<void> {
  const face = await renderFace(job.seed, job.size, { classMap: job.classMap });
  const [image, labels] = await Promise.all([encodePng(face.image, job.size, 3), encodePng(face.labels, job.size, 1)]);
  const name = faceFileName(job.index);
  await writeFileAtomic(join(job.out, 'labels', name), labels);
  await writeFileAtomic(join(job.out, 'images', name), image);
}
