import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** A row-major float64 D×D array as an ml-matrix `Matrix`. */
export function toMatrix(values: Float64Array, d: number): Matrix {
  return Matrix.from1DArray(d, d, values);
}

/** Eigenvalues of a symmetric matrix (ml-matrix tred2/tql2). */
export function symmetricEigenvalues(m: Matrix): number[] {
  return new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues;
}

/**
 * Principal square root of a symmetric positive semi-definite matrix, V·diag(√max(λ, 0))·Vᵀ, from its
 * symmetric eigendecomposition. Negative eigenvalues (rounding noise of a PSD matrix) are clipped to 0.
 */
export function sqrtmPsd(m: Matrix): Matrix {
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const v = evd.eigenvectorMatrix;
  const lambda = evd.realEigenvalues;
  const scaled = v.clone();
  for (let j = 0; j < lambda.length; j++) {
    const s = Math.sqrt(Math.max(lambda[j] as number, 0));
    for (let i = 0; i < scaled.rows; i++) scaled.set(i, j, scaled.get(i, j) * s);
  }
  return scaled.mmul(v.transpose());
}

/**
 * Tr √(S1·S2) for symmetric PSD S1, S2. S1·S2 is similar to the symmetric PSD matrix
 * √S1·S2·√S1, so its square root's trace is Σ √λᵢ over that matrix's eigenvalues; working with the
 * symmetric form keeps everything real and stable (no complex parts as with scipy's sqrtm).
 */
export function traceSqrtProduct(s1: Matrix, s2: Matrix): number {
  const r = sqrtmPsd(s1);
  const inner = r.mmul(s2).mmul(r);
  // Symmetrise away rounding before the symmetric solver.
  const sym = inner.add(inner.transpose()).div(2);
  return symmetricEigenvalues(sym).reduce((sum, l) => sum + Math.sqrt(Math.max(l, 0)), 0);
}
