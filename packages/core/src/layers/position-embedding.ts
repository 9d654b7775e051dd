/**
 * Fourier features of the local generators' grid: per pixel [x, y, sin(f x), sin(f y), cos(f x), cos(f y)]
 * for f = 1, 2, 4, …, 2^(nFreqs-1), x along the width and y along the height, both linspace(-1, 1).
 * Computed the way torch does in float32 so outputs match the official code to the last bits.
 * Returns row-major [size·size, 2(2·nFreqs + 1)].
 */
export function fourierFeatures(size: number, nFreqs: number): Float32Array {
  const coords = torchLinspace(-1, 1, size);
  const channels = 2 * (2 * nFreqs + 1);
  const out = new Float32Array(size * size * channels);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) {
      const xy = [coords[col]!, coords[row]!];
      const base = (row * size + col) * channels;
      out[base] = xy[0]!;
      out[base + 1] = xy[1]!;
      let offset = 2;
      for (let i = 0; i < nFreqs; i++) {
        const freq = 2 ** i;
        for (const fn of [Math.sin, Math.cos]) {
          for (const v of xy) out[base + offset++] = Math.fround(fn(Math.fround(freq * v)));
        }
      }
    }
  }
  return out;
}

/** torch.linspace in float32: the first half counts up from start, the second half down from end. */
function torchLinspace(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const step = Math.fround((end - start) / (steps - 1));
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps; i++) {
    out[i] = i < half ? Math.fround(start + Math.fround(step * i)) : Math.fround(end - Math.fround(step * (steps - i - 1)));
  }
  return out;
}
