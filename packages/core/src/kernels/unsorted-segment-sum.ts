import * as tf from '@tensorflow/tfjs';
import { SemstyleError } from '../contract/errors.js';
import { withRunner } from './kernel-runner.js';
import { markKernel } from './marker.js';

/**
 * `UnsortedSegmentSum` (inputs `x`, `segmentIds`; attr `numSegments`), missing in tfjs-backend-wasm and
 * needed by the gradient of `tf.gather`: out = oneHot(segmentIds)ᵀ · x, as one batched matmul. Ids
 * outside [0, numSegments) (e.g. −1) contribute nothing, as in TensorFlow.
 */
export function makeUnsortedSegmentSumConfig(backendName: string): tf.KernelConfig {
  return {
    kernelName: tf.UnsortedSegmentSum,
    backendName,
    kernelFunc: markKernel(({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const { numSegments } = attrs as unknown as tf.UnsortedSegmentSumAttrs;
      const n = segmentIds.shape.reduce((a, b) => a * b, 1);
      const lead = x.shape.slice(0, segmentIds.shape.length).reduce((a, b) => a * b, 1);
      if (lead !== n) {
        throw new SemstyleError('E_SHAPE', `UnsortedSegmentSum: segmentIds [${segmentIds.shape}] does not lead x [${x.shape}].`);
      }
      const inner = x.shape.slice(segmentIds.shape.length);
      const innerSize = inner.reduce((a, b) => a * b, 1);
      return withRunner(backend, backendName, (r) => {
        const ids = r.reshape(segmentIds, [n]);
        // OneHot as int32, then cast: tfjs-backend-wasm 4.22's OneHot writes int32 values whatever `dtype`
        // says, so a float32 request yields 1 as the bit pattern 0x00000001 (1.4e-45).
        const oneHot = r.run('Cast', { x: r.run('OneHot', { indices: ids }, { depth: numSegments, onValue: 1, offValue: 0, dtype: 'int32' }) }, { dtype: 'float32' });
        const xf = x.dtype === 'float32' ? r.reshape(x, [1, n, innerSize]) : r.run('Cast', { x: r.reshape(x, [1, n, innerSize]) }, { dtype: 'float32' });
        const out = r.run('BatchMatMul', { a: r.reshape(oneHot, [1, n, numSegments]), b: xf }, { transposeA: true, transposeB: false });
        const shaped = r.reshape(out, [numSegments, ...inner]);
        return x.dtype === 'float32' ? shaped : r.run('Cast', { x: shaped }, { dtype: x.dtype });
      });
    }),
  };
}
