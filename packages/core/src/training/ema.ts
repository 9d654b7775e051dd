import * as tf from '@tensorflow/tfjs';
import type { ParameterStore } from '../networks/parameters.js';

/**
 * g_ema ← decay·g_ema + (1 − decay)·g over the trainable parameters (the official `accumulate`, which
 * walks `named_parameters()`: buffers such as the fixed noise maps are not copied). Marks `ema` changed.
 */
export function emaUpdate(ema: ParameterStore, source: ParameterStore, decay: number): void {
  for (const spec of ema.specs) {
    if (!spec.trainable) continue;
    const target = ema.get(spec.name);
    const next = tf.tidy(() => tf.add(tf.mul(target, decay), tf.mul(source.get(spec.name), 1 - decay)));
    target.assign(next);
    next.dispose();
  }
  ema.touch();
}

/** Copy every trainable parameter of `source` into `target` (accumulate with decay 0). */
export function copyParameters(target: ParameterStore, source: ParameterStore): void {
  for (const spec of target.specs) if (spec.trainable) target.get(spec.name).assign(source.get(spec.name));
  target.touch();
}
