/**
 * The browser tests' model: the tiny testing generator (32×32, K = 4, seeded) with its depth heads
 * sharpened ×10, written as a native folder, plus one InterFaceGAN direction and its `directions.json`.
 *
 * Why sharpen: with random weights the pseudo-depths are nearly flat, so every region's soft mask is
 * non-zero everywhere and a region's codes reach the whole picture. A trained model has crisp masks;
 * scaling the depth heads (weight and bias of each `to_depth`) gives the random model crisp masks too, so
 * that a region swap is local as it is on a real model. Nothing else is changed.
 *
 * Run directly to write one: `npx tsx examples/web/test-model.ts <dir>`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend, saveModel } from '@semstyle/core';
import { nativeFileSystemHandler } from '@semstyle/core/node';
import { createTestingGenerator } from '@semstyle/core/testing';
import { directionToBytes, makeDirection } from '@semstyle/interfacegan';

export const TEST_MODEL_SEED = 1;
export const DEPTH_SHARPNESS = 10;
export const TEST_DIRECTION = 'test_w';

/**
 * Write the test model (and, unless `directions` is false, its direction and directions.json) into `dir`
 * (created; an existing model there is replaced).
 */
export async function writeTestModel(dir: string, options: { directions?: boolean } = {}): Promise<{ regions: readonly string[]; resolution: number }> {
  await initBackend('wasm');
  const g = createTestingGenerator({ seed: TEST_MODEL_SEED });
  try {
    const sharpened = new Map<string, tf.Tensor>();
    for (let k = 1; k < g.regions.length; k++) {
      for (const p of ['conv.weight', 'bias']) {
        const name = `local_nets.${k}.to_depth.${p}`;
        sharpened.set(name, tf.mul(g.params.get(name), DEPTH_SHARPNESS));
      }
    }
    g.params.assign(sharpened);
    tf.dispose([...sharpened.values()]);
    await saveModel(nativeFileSystemHandler(dir), { generator: g });
    if (options.directions === false) return { regions: [...g.regions], resolution: g.resolution };

    // A W direction (a fixed pseudo-random unit vector): the page lifts it to W+.
    const v = Array.from({ length: g.config.styleDim }, (_, i) => Math.sin(12.9898 * (i + 1)) * 43758.5453 % 1);
    const direction = makeDirection('w', v, { attribute: 'test (random W direction)' });
    writeFileSync(join(dir, `${TEST_DIRECTION}.safetensors`), directionToBytes(direction));
    writeFileSync(join(dir, 'directions.json'), JSON.stringify({ directions: [{ name: TEST_DIRECTION, file: `${TEST_DIRECTION}.safetensors`, min: -3, max: 3 }] }, null, 2));
    return { regions: [...g.regions], resolution: g.resolution };
  } finally {
    g.dispose();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: npx tsx examples/web/test-model.ts <dir>');
  mkdirSync(dir, { recursive: true });
  const { regions } = await writeTestModel(dir);
  console.log(`wrote the test model (${regions.join(', ')}) to ${dir}`);
}
