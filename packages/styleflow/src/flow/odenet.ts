import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '@semstyle/core';
import { ConcatSquashLinear } from './concat-squash.js';
import type { Dynamics } from './dynamics.js';

/**
 * StyleFlow's ODE net: ConcatSquashLinear layers dim → hidden… → dim with tanh between layers (none after
 * the last), every layer conditioned on [t, c]. Provides forward-mode tangents so that the exact trace
 * (identity tangents) and Hutchinson's estimator (noise tangents) need no second-order autodiff in training.
 */
export class OdeNet implements Dynamics {
  readonly dim: number;
  readonly condDim: number;
  readonly hidden: readonly number[];
  readonly layers: ConcatSquashLinear[];

  constructor(dim: number, condDim: number, hidden: readonly number[], seed: number) {
    this.dim = dim;
    this.condDim = condDim;
    this.hidden = [...hidden];
    const rng = new SeededRandom(seed);
    const sizes = [dim, ...hidden, dim];
    this.layers = sizes.slice(0, -1).map((d, i) => new ConcatSquashLinear(d, sizes[i + 1]!, 1 + condDim, rng));
  }

  private context(t: tf.Scalar, n: number, cond: tf.Tensor2D | null): tf.Tensor2D {
    const tt = tf.mul(tf.ones([n, 1]), t) as tf.Tensor2D;
    return cond === null || this.condDim === 0 ? tt : tf.concat([tt, cond], 1);
  }

  evaluate(t: tf.Scalar, z: tf.Tensor2D, cond: tf.Tensor2D | null): tf.Tensor2D {
    return tf.tidy(() => {
      const tc = this.context(t, z.shape[0], cond);
      let h = z;
      this.layers.forEach((layer, i) => {
        h = layer.apply(h, tc);
        if (i < this.layers.length - 1) h = tf.tanh(h);
      });
      return h;
    });
  }

  evaluateWithTangents(t: tf.Scalar, z: tf.Tensor2D, cond: tf.Tensor2D | null, tangents: tf.Tensor3D): { value: tf.Tensor2D; tangents: tf.Tensor3D } {
    return tf.tidy(() => {
      const tc = this.context(t, z.shape[0], cond);
      let h = z;
      let v = tangents;
      this.layers.forEach((layer, i) => {
        const gate = layer.gate(tc);
        h = layer.apply(h, tc, gate);
        v = layer.applyTangents(v, gate);
        if (i < this.layers.length - 1) {
          h = tf.tanh(h);
          v = tf.mul(v, tf.expandDims(tf.sub(1, tf.square(h)), 1));
        }
      });
      return { value: h, tangents: v };
    });
  }

  parameters(): [string, tf.Variable][] {
    return this.layers.flatMap((layer, i) => layer.parameters(`odefunc.diffeq.layers.${i}`));
  }

  dispose(): void {
    for (const layer of this.layers) layer.dispose();
  }
}
