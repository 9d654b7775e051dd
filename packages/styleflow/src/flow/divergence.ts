import * as tf from '@tensorflow/tfjs';
import { InputError, SeededRandom } from '@semstyle/core';
import type { Dynamics } from './dynamics.js';

/** How the log-density state is integrated: the exact trace, Hutchinson's estimator, or not at all. */
export type TraceMode = 'exact' | 'hutchinson' | 'none';
export type NoiseKind = 'rademacher' | 'gaussian';

/** Hutchinson noise [N, D], drawn once per solve from a seeded stream. */
export function hutchinsonNoise(n: number, dim: number, kind: NoiseKind, seed: number): tf.Tensor2D {
  const rng = new SeededRandom(seed);
  const data = new Float32Array(n * dim);
  if (kind === 'gaussian') for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  else if (kind === 'rademacher') for (let i = 0; i < data.length; i++) data[i] = rng.uniform() < 0.5 ? -1 : 1;
  else throw new InputError('E_INVALID_ARGUMENT', `Unknown Hutchinson noise "${String(kind)}" (rademacher or gaussian).`);
  return tf.tensor2d(data, [n, dim]);
}

/**
 * f(t, z) and tr(∂f/∂z) per sample [N]. Exact: the Jacobian's diagonal from D per-dimension derivatives —
 * forward-mode tangents along each basis vector when the dynamics provide them, otherwise one reverse-mode
 * gradient per output dimension. Hutchinson: εᵀ (∂f/∂z) ε with the given noise.
 */
export function valueAndDivergence(
  dynamics: Dynamics,
  t: tf.Scalar,
  z: tf.Tensor2D,
  cond: tf.Tensor2D | null,
  mode: Exclude<TraceMode, 'none'>,
  noise?: tf.Tensor2D,
): { value: tf.Tensor2D; divergence: tf.Tensor1D } {
  return tf.tidy(() => {
    const [n, d] = z.shape;
    if (mode === 'hutchinson' && noise === undefined) throw new InputError('E_INVALID_ARGUMENT', 'Hutchinson trace needs noise.');
    if (dynamics.evaluateWithTangents !== undefined) {
      if (mode === 'exact') {
        const eye = tf.tile(tf.expandDims(tf.eye(d), 0), [n, 1, 1]) as tf.Tensor3D;
        const { value, tangents } = dynamics.evaluateWithTangents(t, z, cond, eye);
        // tangents[n, p, :] = J e_p (column p); the trace is Σ_p J[p, p].
        return { value, divergence: tf.sum(tf.mul(tangents, tf.expandDims(tf.eye(d), 0)), [1, 2]) as tf.Tensor1D };
      }
      const { value, tangents } = dynamics.evaluateWithTangents(t, z, cond, tf.expandDims(noise!, 1) as tf.Tensor3D);
      return { value, divergence: tf.sum(tf.mul(tf.squeeze(tangents, [1]), noise!), 1) as tf.Tensor1D };
    }
    const value = dynamics.evaluate(t, z, cond);
    if (mode === 'exact') {
      let trace: tf.Tensor = tf.zeros([n]);
      for (let i = 0; i < d; i++) {
        const row = tf.grad((x: tf.Tensor) => tf.sum(tf.slice(dynamics.evaluate(t, x as tf.Tensor2D, cond), [0, i], [-1, 1])))(z);
        trace = tf.add(trace, tf.squeeze(tf.slice(row, [0, i], [-1, 1]), [1]));
      }
      return { value, divergence: trace as tf.Tensor1D };
    }
    const vjp = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(dynamics.evaluate(t, x as tf.Tensor2D, cond), noise!)))(z);
    return { value, divergence: tf.sum(tf.mul(vjp, noise!), 1) as tf.Tensor1D };
  });
}
