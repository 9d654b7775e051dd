import { Matrix, solve } from 'ml-matrix';

/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) in float64 with ml-matrix.
 * x: N×D row-major, y ∈ {0, 1}. Returns weights [D] and bias. Deterministic; converges in a handful of
 * iterations; the ridge term keeps separable data finite.
 */
export function fitLogistic(
  x: Float32Array | Float64Array,
  n: number,
  d: number,
  y: readonly number[],
  l2 = 1e-3,
  iterations = 25,
): { weights: Float64Array; bias: number } {
  const p = d + 1;
  let beta = new Float64Array(p);
  for (let it = 0; it < iterations; it++) {
    const h = new Matrix(p, p);
    const grad = new Float64Array(p);
    for (let i = 0; i < n; i++) {
      let z = beta[d] as number;
      for (let j = 0; j < d; j++) z += (beta[j] as number) * (x[i * d + j] as number);
      const mu = 1 / (1 + Math.exp(-z));
      const r = (y[i] as number) - mu;
      const wgt = Math.max(mu * (1 - mu), 1e-10);
      for (let a = 0; a < p; a++) {
        const xa = a === d ? 1 : (x[i * d + a] as number);
        grad[a] = (grad[a] as number) + r * xa;
        for (let b = a; b < p; b++) {
          const xb = b === d ? 1 : (x[i * d + b] as number);
          h.set(a, b, h.get(a, b) + wgt * xa * xb);
        }
      }
    }
    for (let a = 0; a < p; a++) {
      for (let b = 0; b < a; b++) h.set(a, b, h.get(b, a));
      if (a < d) {
        h.set(a, a, h.get(a, a) + l2 * n);
        grad[a] = (grad[a] as number) - l2 * n * (beta[a] as number);
      } else {
        h.set(a, a, h.get(a, a) + 1e-9 * n);
      }
    }
    const step = solve(h, Matrix.columnVector(Array.from(grad))).to1DArray();
    let change = 0;
    const next = new Float64Array(p);
    for (let a = 0; a < p; a++) {
      next[a] = (beta[a] as number) + (step[a] as number);
      change = Math.max(change, Math.abs(step[a] as number));
    }
    beta = next;
    if (change < 1e-8) break;
  }
  return { weights: beta.slice(0, d), bias: beta[d] as number };
}

/** Conditional entropy H(Y | Ŷ) in nats of binary labels given binary predictions. */
export function conditionalEntropy(labels: readonly number[], predictions: readonly number[]): number {
  const counts = [0, 0, 0, 0];
  labels.forEach((yv, i) => {
    const idx = (predictions[i] as number) * 2 + yv;
    counts[idx] = (counts[idx] as number) + 1;
  });
  const n = labels.length;
  let h = 0;
  for (const pred of [0, 1]) {
    const px = ((counts[pred * 2] as number) + (counts[pred * 2 + 1] as number)) / n;
    for (const yv of [0, 1]) {
      const pxy = (counts[pred * 2 + yv] as number) / n;
      if (pxy > 0) h -= pxy * Math.log(pxy / px);
    }
  }
  return h;
}
