import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convBackpropTuning } from './conv-backprop-impl.js';
import { BACKENDS, rand, useBackend } from './test-helpers.js';

const PAD: number[][] = [
  [0, 0],
  [1, 2],
  [1, 2],
  [0, 0],
];

/** Gradient paths through every semstyle kernel and gradient; each returns tensors the caller disposes. */
const PATHS: Record<string, (ins: tf.Tensor[]) => tf.Tensor[]> = {
  'conv2d grads (Conv2DBackpropInput / Filter)': ([x, w]) =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, PAD as never))))([x!, w!]),
  'conv2d filter grads by shifted GEMMs (wasm: 1×1 always, 3×3 forced; views on the heap)': ([x, w]) => {
    const saved = convBackpropTuning.shiftedFilterMinMacs;
    convBackpropTuning.shiftedFilterMinMacs = 0;
    try {
      const loss = (a: tf.Tensor, b: tf.Tensor, stride: number) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, stride, PAD as never)));
      const one = tf.slice(w!, [1, 1, 0, 0], [1, 1, 3, 3]);
      const grads = [...tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b, 1))([x!, w!]), ...tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b, 2))([x!, one])];
      one.dispose();
      return grads;
    } finally {
      convBackpropTuning.shiftedFilterMinMacs = saved;
    }
  },
  'conv2dTranspose grads': ([x, w]) =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [1, 13, 13, 3], 2, 'valid'))),
    )([x!, w!]),
  'depthwise grads': ([x, , d]) =>
    tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, PAD as never))))([x!, d!]),
  'second order through conv, depthwise, avgPool, leakyRelu, exp': ([x, w, d]) =>
    tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
      const gx = tf.grad((xx: tf.Tensor) => {
        const h = tf.leakyRelu(tf.conv2d(xx as tf.Tensor4D, b as tf.Tensor4D, 1, 'same'), 0.2);
        const blurred = tf.depthwiseConv2d(h as tf.Tensor4D, c as tf.Tensor4D, 2, PAD as never);
        return tf.sum(tf.exp(tf.mul(tf.avgPool(blurred as tf.Tensor4D, 2, 2, 'valid'), 0.1)));
      })(a);
      return tf.sum(tf.square(gx));
    })([x!, w!, d!]),
  'gather grad (UnsortedSegmentSum)': ([x]) =>
    [tf.grad((a: tf.Tensor) => tf.sum(tf.square(tf.gather(tf.reshape(a, [6, -1]), [0, 5, 5, 2]))))(x!)],
};

for (const backendName of BACKENDS) {
  describe(`no leaks on ${backendName}`, () => {
    beforeAll(async () => {
      await useBackend(backendName);
      tf.env().set('IS_TEST', true); // the engine then also checks each kernel for backend-level leaks
    });
    afterAll(() => {
      tf.env().set('IS_TEST', false);
    });

    for (const [name, path] of Object.entries(PATHS)) {
      it(`${name}: tensor and data counts unchanged over repeated calls`, () => {
        const x = rand([1, 6, 6, 3], 1);
        const w = rand([3, 3, 3, 3], 2);
        const d = rand([4, 4, 3, 1], 3);
        tf.dispose(path([x, w, d])); // warm-up
        const tensors = tf.memory().numTensors;
        const dataIds = tf.engine().backend.numDataIds();
        for (let i = 0; i < 3; i++) tf.dispose(path([x, w, d]));
        expect(tf.memory().numTensors).toBe(tensors);
        expect(tf.engine().backend.numDataIds()).toBe(dataIds);
        tf.dispose([x, w, d]);
      });
    }
  });
}
