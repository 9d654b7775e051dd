import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from '../networks/parameters.js';

/**
 * g_ema ← decay·g_ema + (1 − decay)·g over the trainable parameters (the official `accumulate`, which
 * walks `named_parameters()`: buffers such as the fixed noise maps are not copied). Marks `ema` changed.
 * All parameters at once: flattened and concatenated, three elementwise ops, split back (bit-identical to
 * the per-parameter update, with a handful of kernels instead of three per parameter).
 */
export function emaUpdate(ema: ParameterStore, source: ParameterStore, decay: number): void {
  const names = ema.specs.filter((spec) => spec.trainable).map((spec) => spec.name);
  if (names.length === 0) return;
  const targets = names.map((name) => ema.get(name));
  const next = tf.tidy(() => {
    const flat = (ts: tf.Tensor[]) => tf.concat(ts.map((x) => tf.reshape(x, [-1])), 0);
    const blended = tf.add(tf.mul(flat(targets), decay), tf.mul(flat(names.map((name) => source.get(name))), 1 - decay));
    return tf.split(blended, targets.map((t) => t.size), 0).map((piece, i) => tf.reshape(piece, targets[i]!.shape));
  });
  targets.forEach((target, i) => target.assign(next[i]!));
  tf.dispose(next);
  ema.touch();
}

/** Copy every trainable parameter of `source` into `target` (accumulate with decay 0). */
export function copyParameters(target: ParameterStore, source: ParameterStore): void {
  for (const spec of target.specs) if (spec.trainable) target.get(spec.name).assign(source.get(spec.name));
  target.touch();
}
