import * as tf from '@tensorflow/tfjs';

/** One mulberry32 step from `state`: a uniform number in [0, 1) and the next state. */
function mulberry32Step(state: number): [number, number] {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return [((t ^ (t >>> 14)) >>> 0) / 4294967296, next];
}

/** mulberry32 seeded directly with `seed` (no mixing): a function returning uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    const [value, next] = mulberry32Step(state);
    state = next;
    return value;
  };
}

/**
 * Seeded random numbers computed in JavaScript, so a seed gives the same values on every backend and
 * every tfjs version (tfjs's own seeded ops treat seed 0 as "unseeded"). mulberry32 + Box–Muller.
 */
export class SeededRandom {
  private state: number;
  private spare: number | undefined;

  constructor(seed: number) {
    // Mix the seed so nearby seeds give unrelated streams; any integer (0 included) is a valid seed.
    let h = (Math.floor(seed) ^ 0x9e3779b9) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    this.state = (h ^ (h >>> 16)) >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    const [value, next] = mulberry32Step(this.state);
    this.state = next;
    return value;
  }

  /** Standard normal. */
  normal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  normalArray(size: number): Float32Array {
    const out = new Float32Array(size);
    for (let i = 0; i < size; i++) out[i] = this.normal();
    return out;
  }

  /** Internal state, for checkpoints that must resume the same stream. */
  getState(): { state: number; spare: number | null } {
    return { state: this.state, spare: this.spare ?? null };
  }

  setState(s: { state: number; spare: number | null }): void {
    this.state = s.state >>> 0;
    this.spare = s.spare ?? undefined;
  }
}

/** A seeded standard-normal tensor (same values on every backend). */
export function seededNormal(shape: readonly number[], seed: number): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(new SeededRandom(seed).normalArray(size), [...shape]);
}
