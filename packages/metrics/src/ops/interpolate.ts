import * as tf from '@tensorflow/tfjs';

/**
 * Spherical interpolation of the rows of a and b at fractions t [N] (stylegan2-ada's `slerp`: the
 * inputs are normalised, the output has unit norm). Inputs are not disposed.
 */
export function slerp(a: tf.Tensor2D, b: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => {
    const an = a.div(a.norm(2, 1, true));
    const bn = b.div(b.norm(2, 1, true));
    const d = an.mul(bn).sum(1, true).clipByValue(-1, 1);
    const p = t.expandDims(1).mul(tf.acos(d));
    let c = bn.sub(d.mul(an));
    c = c.div(tf.maximum(c.norm(2, 1, true), 1e-12));
    const out = an.mul(tf.cos(p)).add(c.mul(tf.sin(p)));
    return out.div(out.norm(2, 1, true)) as tf.Tensor2D;
  });
}

/** Linear interpolation a + t·(b − a) of the rows, t [N]. */
export function lerp(a: tf.Tensor2D, b: tf.Tensor2D, t: tf.Tensor1D): tf.Tensor2D {
  return tf.tidy(() => a.add(b.sub(a).mul(t.expandDims(1))) as tf.Tensor2D);
}

/**
 * Mean of the values between the 1st percentile ('lower' interpolation) and the 99th ('higher'), as
 * stylegan2-ada's PPL does to drop outliers.
 */
export function percentileFilteredMean(values: readonly number[], lowPct = 1, highPct = 99): number {
  const sorted = [...values].sort((x, y) => x - y);
  const n = sorted.length;
  const lo = sorted[Math.floor(((n - 1) * lowPct) / 100)] as number;
  const hi = sorted[Math.ceil(((n - 1) * highPct) / 100)] as number;
  const kept = values.filter((v) => v >= lo && v <= hi);
  return kept.reduce((s, v) => s + v, 0) / kept.length;
}
