/**
 * Augmentations of (image, label map) pairs on raw host buffers, as the official `MaskDataset(aug=True)`
 * (albumentations): HorizontalFlip(p 0.5), then ShiftScaleRotate(shift 0.1, scale 0.2, rotate 15°,
 * constant border 0 for image and mask, p 0.5). Deterministic given the random numbers passed in.
 */

/** Pairs of classes that trade places under a horizontal flip (e.g. left/right eye in a 19-class map). */
export type FlipSwapTable = ReadonlyArray<readonly [number, number]>;

/** Flip an interleaved image (`channels` per pixel) left–right in place. */
export function flipImage(data: Uint8Array, width: number, height: number, channels: number): void {
  for (let y = 0; y < height; y++) {
    const row = y * width * channels;
    for (let x = 0; x < width >> 1; x++) {
      const a = row + x * channels;
      const b = row + (width - 1 - x) * channels;
      for (let c = 0; c < channels; c++) {
        const t = data[a + c]!;
        data[a + c] = data[b + c]!;
        data[b + c] = t;
      }
    }
  }
}

/** Flip a label map left–right in place, swapping the classes of `swap`. */
export function flipLabels(labels: Uint8Array, width: number, height: number, swap: FlipSwapTable = []): void {
  flipImage(labels, width, height, 1);
  if (swap.length === 0) return;
  const map = new Uint8Array(256);
  for (let i = 0; i < 256; i++) map[i] = i;
  for (const [a, b] of swap) {
    map[a] = b;
    map[b] = a;
  }
  for (let i = 0; i < labels.length; i++) labels[i] = map[labels[i]!]!;
}

export interface ShiftScaleRotate {
  /** Shift as a fraction of width / height. */
  readonly dx: number;
  readonly dy: number;
  /** Scale factor (1 = none). */
  readonly scale: number;
  /** Rotation in degrees (counter-clockwise, as OpenCV's getRotationMatrix2D). */
  readonly angle: number;
}

/** Draw the official parameters from uniforms in [0, 1): shift ±0.1, scale 1 ± 0.2, angle ±15°. */
export function drawShiftScaleRotate(u: () => number, limits = { shift: 0.1, scale: 0.2, rotate: 15 }): ShiftScaleRotate {
  return {
    angle: (u() * 2 - 1) * limits.rotate,
    scale: 1 + (u() * 2 - 1) * limits.scale,
    dx: (u() * 2 - 1) * limits.shift,
    dy: (u() * 2 - 1) * limits.shift,
  };
}

/**
 * Inverse affine map of OpenCV's ShiftScaleRotate: M = rotation(angle, scale) about the centre, plus
 * (dx·W, dy·H). Returns a function output (x, y) → source (x, y).
 */
function inverseMap(p: ShiftScaleRotate, width: number, height: number): (x: number, y: number) => [number, number] {
  const cx = width / 2 - 0.5;
  const cy = height / 2 - 0.5;
  const a = (p.angle * Math.PI) / 180;
  const alpha = p.scale * Math.cos(a);
  const beta = p.scale * Math.sin(a);
  // Forward: x' = alpha·x + beta·y + (1−alpha)·cx − beta·cy + dx·W; y' = −beta·x + alpha·y + beta·cx + (1−alpha)·cy + dy·H
  const tx = (1 - alpha) * cx - beta * cy + p.dx * width;
  const ty = beta * cx + (1 - alpha) * cy + p.dy * height;
  const det = alpha * alpha + beta * beta;
  return (x, y) => {
    const u = x - tx;
    const v = y - ty;
    return [(alpha * u - beta * v) / det, (beta * u + alpha * v) / det];
  };
}

/** Apply ShiftScaleRotate to an RGB image (bilinear, border 0) and a label map (nearest, border 0). */
export function shiftScaleRotate(
  image: Uint8Array,
  labels: Uint8Array,
  width: number,
  height: number,
  p: ShiftScaleRotate,
): { image: Uint8Array; labels: Uint8Array } {
  const inv = inverseMap(p, width, height);
  const outImage = new Uint8Array(image.length);
  const outLabels = new Uint8Array(labels.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = inv(x, y);
      const o = y * width + x;
      const nx = Math.round(sx);
      const ny = Math.round(sy);
      if (nx >= 0 && ny >= 0 && nx < width && ny < height) outLabels[o] = labels[ny * width + nx]!;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      for (let c = 0; c < 3; c++) {
        let acc = 0;
        for (const [xx, yy, w] of [
          [x0, y0, (1 - fx) * (1 - fy)],
          [x0 + 1, y0, fx * (1 - fy)],
          [x0, y0 + 1, (1 - fx) * fy],
          [x0 + 1, y0 + 1, fx * fy],
        ] as const) {
          if (w !== 0 && xx >= 0 && yy >= 0 && xx < width && yy < height) acc += w * image[(yy * width + xx) * 3 + c]!;
        }
        outImage[o * 3 + c] = Math.min(255, Math.max(0, Math.round(acc)));
      }
    }
  }
  return { image: outImage, labels: outLabels };
}
