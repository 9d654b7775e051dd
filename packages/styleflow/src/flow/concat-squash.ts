import * as tf from '@tensorflow/tfjs';
import type { SeededRandom } from '@semstyle/core';
import { uniformInit, variableFrom } from './params.js';

/**
 * FFJORD / StyleFlow's ConcatSquashLinear with a context:
 *
 *   out = (x W + b) · sigmoid([t, c] W_gate + b_gate) + [t, c] W_hyperBias
 *
 * Weights are [in, out] (tfjs layout); `tc` is the [N, 1 + condDim] time-and-condition input.
 */
export class ConcatSquashLinear {
  readonly dimIn: number;
  readonly dimOut: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly gateWeight: tf.Variable;
  readonly gateBias: tf.Variable;
  readonly hyperBiasWeight: tf.Variable;

  constructor(dimIn: number, dimOut: number, dimContext: number, rng: SeededRandom) {
    this.dimIn = dimIn;
    this.dimOut = dimOut;
    this.weight = variableFrom(uniformInit(rng, [dimIn, dimOut], dimIn));
    this.bias = variableFrom(uniformInit(rng, [dimOut], dimIn));
    this.gateWeight = variableFrom(uniformInit(rng, [dimContext, dimOut], dimContext));
    this.gateBias = variableFrom(uniformInit(rng, [dimOut], dimContext));
    this.hyperBiasWeight = variableFrom(uniformInit(rng, [dimContext, dimOut], dimContext));
  }

  /** Named parameters (torch names: _layer, _hyper_gate, _hyper_bias). */
  parameters(prefix: string): [string, tf.Variable][] {
    return [
      [`${prefix}._layer.weight`, this.weight],
      [`${prefix}._layer.bias`, this.bias],
      [`${prefix}._hyper_gate.weight`, this.gateWeight],
      [`${prefix}._hyper_gate.bias`, this.gateBias],
      [`${prefix}._hyper_bias.weight`, this.hyperBiasWeight],
    ];
  }

  /** The gate [N, out] for a context (shared by the value and its tangents). */
  gate(tc: tf.Tensor2D): tf.Tensor2D {
    return tf.sigmoid(tf.add(tf.matMul(tc, this.gateWeight), this.gateBias)) as tf.Tensor2D;
  }

  apply(x: tf.Tensor2D, tc: tf.Tensor2D, gate: tf.Tensor2D = this.gate(tc)): tf.Tensor2D {
    return tf.add(tf.mul(tf.add(tf.matMul(x, this.weight), this.bias), gate), tf.matMul(tc, this.hyperBiasWeight));
  }

  /** Forward-mode derivative: tangents [N, P, in] → [N, P, out] (the layer is affine in x). */
  applyTangents(v: tf.Tensor3D, gate: tf.Tensor2D): tf.Tensor3D {
    const [n, p] = v.shape;
    const vw = tf.reshape(tf.matMul(tf.reshape(v, [n * p, this.dimIn]), this.weight), [n, p, this.dimOut]);
    return tf.mul(vw, tf.expandDims(gate, 1));
  }

  dispose(): void {
    tf.dispose([this.weight, this.bias, this.gateWeight, this.gateBias, this.hyperBiasWeight]);
  }
}
