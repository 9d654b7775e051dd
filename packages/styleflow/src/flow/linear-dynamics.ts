import * as tf from '@tensorflow/tfjs';
import type { Dynamics } from './dynamics.js';

/**
 * dz/dt = A z (rows: z Aᵀ), a flow whose Jacobian is known in closed form: z(T) = e^{TA} z(0) and
 * log|det| = T · tr(A). For verifying solvers and trace estimators. `tangents: false` hides the
 * forward-mode path so traces go through reverse-mode gradients.
 */
export class LinearDynamics implements Dynamics {
  readonly dim: number;
  readonly condDim = 0;
  private readonly at: tf.Tensor2D;
  private readonly withTangents: boolean;

  constructor(a: readonly (readonly number[])[], options: { tangents?: boolean } = {}) {
    this.dim = a.length;
    this.at = tf.transpose(tf.tensor2d(a.map((r) => [...r]))) as tf.Tensor2D;
    this.withTangents = options.tangents ?? true;
    if (!this.withTangents) (this as { evaluateWithTangents?: unknown }).evaluateWithTangents = undefined;
  }

  evaluate(_t: tf.Scalar, z: tf.Tensor2D): tf.Tensor2D {
    return tf.matMul(z, this.at);
  }

  evaluateWithTangents?(_t: tf.Scalar, z: tf.Tensor2D, _c: tf.Tensor2D | null, tangents: tf.Tensor3D): { value: tf.Tensor2D; tangents: tf.Tensor3D } {
    return tf.tidy(() => {
      const [n, p, d] = tangents.shape;
      return { value: tf.matMul(z, this.at), tangents: tf.reshape(tf.matMul(tf.reshape(tangents, [n * p, d]), this.at), [n, p, d]) as tf.Tensor3D };
    });
  }

  parameters(): [string, tf.Variable][] {
    return [];
  }

  dispose(): void {
    this.at.dispose();
  }
}
