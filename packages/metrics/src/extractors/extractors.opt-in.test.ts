// Opt-in (slow: loads real networks): SEMSTYLE_TEST_EXTRACTORS=1 npx vitest run packages/metrics
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFaceApiRecognition } from '../node/face-api-recognition.js';
import { leaked, useWasm } from '../test-support/setup.js';
import { loadNsfwjsInception } from './nsfwjs-inception.js';

const enabled = process.env.SEMSTYLE_TEST_EXTRACTORS === '1';

describe.skipIf(!enabled)('bundled extractors load offline', () => {
  beforeAll(useWasm);

  it('nsfwjs InceptionV3 gives 2048-d finite features without leaking', async () => {
    const ex = await loadNsfwjsInception();
    const img = tf.randomUniform([2, 64, 64, 3], -1, 1) as tf.Tensor4D;
    let shape: number[] = [];
    expect(await leaked(async () => {
      const f = await ex.extract(img);
      shape = f.shape;
      expect(Array.from(f.dataSync()).every(Number.isFinite)).toBe(true);
      f.dispose();
    })).toBe(0);
    expect(shape).toEqual([2, 2048]);
    tf.dispose(img);
    ex.dispose?.();
  });

  it('face-api recognition net gives 128-d embeddings; an image is most similar to itself', async () => {
    const ex = await loadFaceApiRecognition();
    const img = tf.randomUniform([2, 112, 112, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
    const f = await ex.extract(img);
    expect(f.shape).toEqual([2, 128]);
    const again = await ex.extract(img);
    expect(Array.from(again.dataSync())).toEqual(Array.from(f.dataSync()));
    tf.dispose([img, f, again]);
    ex.dispose?.();
  });
});
