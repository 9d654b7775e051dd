import * as tf from '@tensorflow/tfjs';
import { InputError, type WPlusLatent } from '@semstyle/core';

/**
 * Replace the W+ rows at `slots` by `rows` [N, S, D] and keep every other row bit for bit (a gather from
 * [original, rows], no arithmetic on the kept rows). Returns a new tensor [N, L, D].
 */
export function replaceSlots(original: WPlusLatent, slots: readonly number[], rows: tf.Tensor3D): tf.Tensor3D {
  const L = original.layout.nLatent;
  const [n, , d] = original.tensor.shape;
  if (rows.shape[0] !== n || rows.shape[1] !== slots.length || rows.shape[2] !== d) {
    throw new InputError('E_SHAPE', `Replacement rows have shape [${rows.shape.join(', ')}], expected [${n}, ${slots.length}, ${d}].`);
  }
  const index = new Int32Array(L);
  for (let j = 0; j < L; j++) {
    const pos = slots.indexOf(j);
    index[j] = pos < 0 ? j : L + pos;
  }
  return tf.tidy(() => tf.gather(tf.concat([original.tensor, rows], 1), tf.tensor1d(index, 'int32'), 1)) as tf.Tensor3D;
}
