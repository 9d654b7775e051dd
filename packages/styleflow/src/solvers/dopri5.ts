import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import { SolverStepLimitError } from '../errors.js';
import { assertPositive, assertPositiveInt } from '../validate.js';
import { axpy } from './state-ops.js';
import type { Dopri5Options, OdeFunction, SolveResult } from './types.js';

// Dormand–Prince 5(4) tableau (the one torchdiffeq's `dopri5` uses).
const C = [0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1] as const;
const A: readonly (readonly number[])[] = [
  [],
  [1 / 5],
  [3 / 40, 9 / 40],
  [44 / 45, -56 / 15, 32 / 9],
  [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
  [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
];
/** 5th-order weights (also the FSAL stage). */
const B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84, 0] as const;
/** 4th-order embedded weights. */
const B4 = [5179 / 57600, 0, 7571 / 16695, 393 / 640, -92097 / 339200, 187 / 2100, 1 / 40] as const;
const E = B.map((b, i) => b - B4[i]!);

const SAFETY = 0.9;
const IFACTOR = 10;
const DFACTOR = 0.2;
const ORDER = 5;

/** max over state tensors of the RMS of x / scale (torchdiffeq's mixed norm), read back as a number. */
function mixedRmsNorm(xs: readonly tf.Tensor[], scales: readonly tf.Tensor[]): number {
  const v = tf.tidy(() => tf.max(tf.stack(xs.map((x, i) => tf.sqrt(tf.mean(tf.square(tf.div(x, scales[i]!))))))));
  const out = v.dataSync()[0]!;
  v.dispose();
  return out;
}

/** Hairer–Nørsett–Wanner's starting step (as torchdiffeq's `_select_initial_step`). */
function initialStep(f: OdeFunction, t0: number, y0: readonly tf.Tensor[], f0: readonly tf.Tensor[], dir: number, rtol: number, atol: number): number {
  const scale = y0.map((y) => tf.tidy(() => tf.add(tf.mul(tf.abs(y), rtol), atol)));
  const d0 = mixedRmsNorm(y0, scale);
  const d1 = mixedRmsNorm(f0, scale);
  const h0 = d0 < 1e-5 || d1 < 1e-5 ? 1e-6 : (0.01 * d0) / d1;
  const y1 = tf.tidy(() => axpy(y0, [[dir * h0, f0]]));
  const f1 = f(t0 + dir * h0, y1);
  const diff = tf.tidy(() => f1.map((a, i) => tf.sub(a, f0[i]!)));
  const d2 = mixedRmsNorm(diff, scale) / h0;
  tf.dispose([scale, y1, f1, diff]);
  const dmax = Math.max(d1, d2);
  const h1 = dmax <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : (0.01 / dmax) ** (1 / ORDER);
  return Math.min(100 * h0, h1);
}

/**
 * Adaptive Dormand–Prince 5(4) with error control: a step is accepted when the RMS of the embedded error
 * estimate, scaled by atol + rtol · max(|y_n|, |y_{n+1}|), is ≤ 1 (max over the state tensors). Step
 * sizes follow the standard controller (safety 0.9, growth ≤ 10×, shrink ≥ 0.2× on rejection), with
 * first-same-as-last. Reads one number back per step, so use it for evaluation, not inside a gradient
 * tape. Throws `SolverStepLimitError` (E_INVALID_ARGUMENT, with the step count) after `maxSteps` attempted
 * steps — it never hangs.
 */
export function dopri5(f: OdeFunction, y0: readonly tf.Tensor[], t0: number, t1: number, options: Omit<Dopri5Options, 'method'> = {}): SolveResult {
  const rtol = options.rtol ?? 1e-5;
  const atol = options.atol ?? 1e-5;
  const maxSteps = options.maxSteps ?? 1000;
  assertPositive('rtol', rtol);
  assertPositive('atol', atol);
  assertPositiveInt('maxSteps', maxSteps);
  if (!Number.isFinite(t0) || !Number.isFinite(t1)) {
    throw new InputError('E_INVALID_ARGUMENT', `Integration bounds must be finite, got [${t0}, ${t1}].`);
  }
  let y: tf.Tensor[] = y0.map((t) => tf.clone(t));
  if (t0 === t1) return { y, stats: { steps: 0, rejected: 0, nfe: 0 } };
  const dir = Math.sign(t1 - t0);
  const span = Math.abs(t1 - t0);

  let nfe = 0;
  const call = (t: number, state: readonly tf.Tensor[]): tf.Tensor[] => {
    nfe++;
    return tf.tidy(() => f(t, state));
  };
  let k1 = call(t0, y);
  let h: number;
  if (options.firstStep !== undefined) {
    assertPositive('firstStep', options.firstStep);
    h = options.firstStep;
  } else {
    h = initialStep(call, t0, y, k1, dir, rtol, atol);
  }

  let t = t0;
  let accepted = 0;
  let rejected = 0;
  try {
    while (dir * (t1 - t) > 0) {
      if (accepted + rejected >= maxSteps) throw new SolverStepLimitError(accepted + rejected, maxSteps, t, [t0, t1]);
      const remaining = Math.abs(t1 - t);
      const last = h >= remaining * (1 - 1e-12);
      const hs = last ? remaining : h;
      const dt = dir * hs;
      const yn = y;
      const kFirst = k1;
      // Stages 2..6, the 5th-order solution, the FSAL stage and the error estimate.
      const ks: tf.Tensor[][] = [kFirst];
      for (let s = 1; s < 6; s++) {
        const stage = tf.tidy(() => axpy(yn, A[s]!.map((a, j) => [dt * a, ks[j]!] as const)));
        ks.push(call(t + C[s]! * dt, stage));
        tf.dispose(stage);
      }
      const yNext = tf.tidy(() => axpy(yn, B.slice(0, 6).map((b, j) => [dt * b, ks[j]!] as const)));
      const k7 = call(t + dt, yNext);
      ks.push(k7);
      const err = tf.tidy(() => yn.map((_, i) => ks.reduce((acc: tf.Tensor, k, j) => (E[j] === 0 ? acc : tf.add(acc, tf.mul(k[i]!, dt * E[j]!))), tf.zerosLike(yn[i]!))));
      const scale = tf.tidy(() => yn.map((a, i) => tf.add(tf.mul(tf.maximum(tf.abs(a), tf.abs(yNext[i]!)), rtol), atol)));
      const ratio = mixedRmsNorm(err, scale);
      tf.dispose([err, scale]);
      for (let s = 1; s < 6; s++) tf.dispose(ks[s]!);

      const ok = Number.isFinite(ratio) && ratio <= 1;
      if (ok) {
        accepted++;
        t = last ? t1 : t + dt;
        tf.dispose(yn);
        tf.dispose(kFirst);
        y = yNext;
        k1 = k7;
      } else {
        rejected++;
        tf.dispose(yNext);
        tf.dispose(k7);
      }
      // Step-size controller.
      let factor: number;
      if (!Number.isFinite(ratio)) factor = DFACTOR;
      else if (ratio === 0) factor = IFACTOR;
      else factor = Math.min(IFACTOR, Math.max(SAFETY / ratio ** (1 / ORDER), ok ? 1 : DFACTOR));
      if (ok && !last) h = hs * factor;
      else if (!ok) h = hs * factor;
      if (h < span * 1e-14) throw new SolverStepLimitError(accepted + rejected, maxSteps, t, [t0, t1]);
    }
  } catch (e) {
    tf.dispose(y);
    tf.dispose(k1);
    throw e;
  }
  tf.dispose(k1);
  return { y, stats: { steps: accepted, rejected, nfe } };
}
