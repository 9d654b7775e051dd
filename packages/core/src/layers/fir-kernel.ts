/**
 * The 2-D FIR kernel of StyleGAN2's blur: outer(k, k) normalised to sum 1, times factor² where it
 * follows an upsampling by `factor` (so the image's mean is preserved). Row-major [k.length, k.length].
 */
export function makeFirKernel(kernel1d: readonly number[], factor = 1): Float32Array {
  const n = kernel1d.length;
  const out = new Float32Array(n * n);
  let sum = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sum += kernel1d[i]! * kernel1d[j]!;
  // Match torch: normalise in float32, then multiply by factor².
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const normalised = Math.fround(Math.fround(kernel1d[i]! * kernel1d[j]!) / Math.fround(sum));
      out[i * n + j] = Math.fround(normalised * factor * factor);
    }
  }
  return out;
}
