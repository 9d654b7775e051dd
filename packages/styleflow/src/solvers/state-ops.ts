import * as tf from '@tensorflow/tfjs';

/** y + Σ_i c_i · k_i over multi-tensor states (terms with c = 0 skipped). */
export function axpy(y: readonly tf.Tensor[], terms: readonly (readonly [number, readonly tf.Tensor[]])[]): tf.Tensor[] {
  return y.map((yi, j) => {
    let acc = yi;
    for (const [c, k] of terms) if (c !== 0) acc = tf.add(acc, tf.mul(k[j]!, c));
    return acc === yi ? tf.clone(yi) : acc;
  });
}
