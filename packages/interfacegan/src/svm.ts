import { InputError, SeededRandom } from '@semstyle/core';

/**
 * Linear SVM with hinge loss (L1-loss SVC), trained by dual coordinate descent with shrinking —
 * Hsieh, Chang, Lin, Keerthi & Sundararajan, "A Dual Coordinate Descent Method for Large-scale Linear
 * SVM", ICML 2008 (Algorithms 1 and 3), as in liblinear's `solve_l2r_l1l2_svc` (solver type 3,
 * L2-regularised L1-loss dual).
 *
 *   primal  min_w ½‖w‖² + C Σ max(0, 1 − yᵢ wᵀx̄ᵢ)          x̄ᵢ = [xᵢ, B] (B = `bias`; 0: no intercept)
 *   dual    min_α ½ αᵀQα − eᵀα, 0 ≤ αᵢ ≤ C,  Qᵢⱼ = yᵢyⱼ x̄ᵢᵀx̄ⱼ,  w = Σ αᵢ yᵢ x̄ᵢ
 *
 * Each step minimises the dual exactly in one coordinate (a clipped Newton step, Qᵢᵢ = ‖x̄ᵢ‖²) and updates
 * w in O(d). The intercept is w's last weight × B, so — as in liblinear — it is regularised too (libsvm,
 * which InterFaceGAN's scikit-learn `SVC(kernel='linear')` wraps, leaves it free; with B = 1 and centred-ish
 * latents the difference is negligible). Stops when the projected-gradient spread max PG − min PG ≤
 * `tolerance` over all coordinates (liblinear's criterion; liblinear's default is 0.1, ours 1e-3), or after
 * `maxIterations` passes.
 */
export interface LinearSvmOptions {
  /** Penalty C (default 1, as scikit-learn's SVC and liblinear). */
  readonly C?: number;
  /** Value B of the constant feature that carries the intercept (default 1; 0 fits no intercept). */
  readonly bias?: number;
  /** Stopping tolerance on the projected-gradient spread (default 1e-3). */
  readonly tolerance?: number;
  /** Maximum passes over the data (default 1000). */
  readonly maxIterations?: number;
  /** Seed of the coordinate order (default 0). */
  readonly seed?: number;
}

export interface LinearSvmModel {
  /** Weights w (without the bias weight), length d. */
  readonly weights: Float64Array;
  /** Intercept b: the decision function is wᵀx + b. */
  readonly intercept: number;
  /** Dual variables α (0 ≤ α ≤ C); α > 0 marks a support vector. */
  readonly alpha: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  /** Primal objective ½‖w̄‖² + C Σ hinge, and dual objective eᵀα − ½‖w̄‖² (equal at the optimum). */
  readonly primalObjective: number;
  readonly dualObjective: number;
}

/** Row-major samples: `rows` × `cols`. */
export interface SampleMatrix {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

export function trainLinearSvm(x: SampleMatrix, labels: ArrayLike<number>, options: LinearSvmOptions = {}): LinearSvmModel {
  const { rows: l, cols: d, data } = x;
  const C = options.C ?? 1;
  const B = options.bias ?? 1;
  const eps = options.tolerance ?? 1e-3;
  const maxIter = options.maxIterations ?? 1000;
  if (!(C > 0) || !Number.isFinite(C)) throw new InputError('E_INVALID_ARGUMENT', `SVM penalty C must be a positive number, got ${C}.`);
  if (!(B >= 0) || !Number.isFinite(B)) throw new InputError('E_INVALID_ARGUMENT', `SVM bias B must be ≥ 0, got ${B}.`);
  if (!(eps > 0)) throw new InputError('E_INVALID_ARGUMENT', `SVM tolerance must be > 0, got ${eps}.`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new InputError('E_INVALID_ARGUMENT', `SVM maxIterations must be a positive integer, got ${maxIter}.`);
  if (data.length !== l * d) {
    throw new InputError('E_SHAPE', `SVM samples hold ${data.length} numbers, expected ${l} × ${d}.`, { details: { rows: l, cols: d, length: data.length } });
  }
  if (labels.length !== l) throw new InputError('E_SHAPE', `SVM got ${labels.length} labels for ${l} samples.`);
  let hasPos = false;
  let hasNeg = false;
  const y = new Int8Array(l);
  for (let i = 0; i < l; i++) {
    const v = labels[i]!;
    if (v !== 1 && v !== -1) throw new InputError('E_INVALID_ARGUMENT', `SVM labels must be +1 or −1, got ${v} at ${i}.`);
    y[i] = v;
    if (v === 1) hasPos = true;
    else hasNeg = true;
  }
  if (!hasPos || !hasNeg) throw new InputError('E_INVALID_ARGUMENT', 'SVM training needs samples of both classes.');
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new InputError('E_NON_FINITE', `SVM sample value ${i} is not finite.`);
  }

  const X = Float64Array.from(data);
  const w = new Float64Array(d);
  let wb = 0; // weight of the constant feature B
  const alpha = new Float64Array(l);
  const qd = new Float64Array(l);
  for (let i = 0; i < l; i++) {
    let s = B * B;
    const o = i * d;
    for (let j = 0; j < d; j++) s += X[o + j]! * X[o + j]!;
    qd[i] = s;
  }
  const index = Int32Array.from({ length: l }, (_, i) => i);
  const rng = new SeededRandom(options.seed ?? 0);
  let activeSize = l;
  let pgMaxOld = Infinity;
  let pgMinOld = -Infinity;
  let iter = 0;
  let converged = false;

  while (iter < maxIter) {
    let pgMaxNew = -Infinity;
    let pgMinNew = Infinity;
    for (let i = 0; i < activeSize; i++) {
      const j = i + Math.floor(rng.uniform() * (activeSize - i));
      const t = index[i]!;
      index[i] = index[j]!;
      index[j] = t;
    }
    for (let s = 0; s < activeSize; s++) {
      const i = index[s]!;
      if (qd[i]! <= 0) continue; // a zero sample without bias: its coordinate cannot move w
      const yi = y[i]!;
      const o = i * d;
      let wx = wb * B;
      for (let j = 0; j < d; j++) wx += w[j]! * X[o + j]!;
      const G = yi * wx - 1;
      let PG = 0;
      const a = alpha[i]!;
      if (a === 0) {
        if (G > pgMaxOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (G < 0) PG = G;
      } else if (a === C) {
        if (G < pgMinOld) {
          activeSize--;
          index[s] = index[activeSize]!;
          index[activeSize] = i;
          s--;
          continue;
        } else if (G > 0) PG = G;
      } else PG = G;
      if (PG > pgMaxNew) pgMaxNew = PG;
      if (PG < pgMinNew) pgMinNew = PG;
      if (Math.abs(PG) > 1e-12) {
        const next = Math.min(Math.max(a - G / qd[i]!, 0), C);
        alpha[i] = next;
        const step = (next - a) * yi;
        for (let j = 0; j < d; j++) w[j] = w[j]! + step * X[o + j]!;
        wb += step * B;
      }
    }
    iter++;
    if (pgMaxNew - pgMinNew <= eps || activeSize === 0) {
      if (activeSize === l) {
        converged = true;
        break;
      }
      // Converged on the shrunk problem: check every coordinate again without shrinking.
      activeSize = l;
      pgMaxOld = Infinity;
      pgMinOld = -Infinity;
      continue;
    }
    pgMaxOld = pgMaxNew <= 0 ? Infinity : pgMaxNew;
    pgMinOld = pgMinNew >= 0 ? -Infinity : pgMinNew;
  }

  let wNorm2 = wb * wb;
  for (let j = 0; j < d; j++) wNorm2 += w[j]! * w[j]!;
  let hinge = 0;
  let alphaSum = 0;
  for (let i = 0; i < l; i++) {
    const o = i * d;
    let wx = wb * B;
    for (let j = 0; j < d; j++) wx += w[j]! * X[o + j]!;
    hinge += Math.max(0, 1 - y[i]! * wx);
    alphaSum += alpha[i]!;
  }
  return {
    weights: w,
    intercept: wb * B,
    alpha,
    iterations: iter,
    converged,
    primalObjective: 0.5 * wNorm2 + C * hinge,
    dualObjective: alphaSum - 0.5 * wNorm2,
  };
}

/** Decision values wᵀxᵢ + b of the rows of x. */
export function svmDecision(model: Pick<LinearSvmModel, 'weights' | 'intercept'>, x: SampleMatrix): Float64Array {
  const { rows, cols, data } = x;
  if (cols !== model.weights.length) throw new InputError('E_SHAPE', `SVM has ${model.weights.length} weights, samples have ${cols} columns.`);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = model.intercept;
    for (let j = 0; j < cols; j++) s += model.weights[j]! * data[i * cols + j]!;
    out[i] = s;
  }
  return out;
}
