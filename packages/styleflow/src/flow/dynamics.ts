import type * as tf from '@tensorflow/tfjs';

/**
 * The right-hand side of a CNF, dz/dt = f(t, z, c). `evaluateWithTangents` (optional) also returns the
 * directional derivatives J·v for tangents [N, P, D] (forward mode); without it, traces are computed with
 * reverse-mode gradients (`tf.grad`), one per output dimension for the exact trace.
 */
export interface Dynamics {
  readonly dim: number;
  readonly condDim: number;
  /** t: scalar tensor; z: [N, dim]; cond: [N, condDim] (null when condDim = 0). Returns [N, dim]. */
  evaluate(t: tf.Scalar, z: tf.Tensor2D, cond: tf.Tensor2D | null): tf.Tensor2D;
  evaluateWithTangents?(t: tf.Scalar, z: tf.Tensor2D, cond: tf.Tensor2D | null, tangents: tf.Tensor3D): { value: tf.Tensor2D; tangents: tf.Tensor3D };
  /** Trainable parameters by name. */
  parameters(): [string, tf.Variable][];
  dispose(): void;
}
