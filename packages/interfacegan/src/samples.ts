import * as tf from '@tensorflow/tfjs';
import {
  InputError,
  type GeneratorConfig,
  type Latent,
  type LatentLayout,
  type LatentSpace,
  type NoiseMode,
  type SemanticGeneratorV1,
  type WLatent,
  type WPlusLatent,
  type ZLatent,
} from '@semstyle/core';
import { latentDim } from './direction.js';
import { runScorers, type Scorer } from './scorers.js';

/** Latents in one space held in host memory (float32, row-major), with their scores. */
export interface LatentSamples<S extends LatentSpace = LatentSpace> {
  readonly space: S;
  readonly n: number;
  readonly styleDim: number;
  /** The generator's W+ layout (always present: restricted training and edits need it). */
  readonly layout: LatentLayout;
  /** [n, styleDim] (Z, W) or [n, nLatent, styleDim] (W+), flattened. */
  readonly latents: Float32Array;
  /** The Z each sample came from, [n, styleDim] flattened; null when unknown or with region mixing. */
  readonly z: Float32Array | null;
  /** Scores by name, each of length n (NaN: invalid, skipped by training). */
  readonly scores: Record<string, Float32Array>;
  /** How the samples were made (null fields: unknown, e.g. latents imported from elsewhere). */
  readonly seed: number | null;
  readonly truncation: number;
  readonly regionMixing: boolean;
  readonly generatorHash: string | null;
}

/** Everything a batch produced, handed to `onBatch` (tensors are valid during the call only; do not dispose). */
export interface GeneratedBatch {
  /** Index of the batch's first sample. */
  readonly start: number;
  readonly latent: Latent;
  readonly images: tf.Tensor4D;
  /** Final segmentation logits [B, H, W, K]. */
  readonly seg: tf.Tensor4D;
  /** Class probabilities softmax(seg) [B, H, W, K] — what scorers receive as `masks`. */
  readonly masks: tf.Tensor4D;
  /** Scores of this batch by name. */
  readonly scores: Record<string, Float32Array>;
}

export interface SampleProgress {
  readonly done: number;
  readonly total: number;
}

export interface SampleOptions<S extends LatentSpace> {
  /** Number of samples (the sequence 0 … n−1 of the seed). */
  readonly n: number;
  /**
   * First sample to generate (default 0): samples start … n−1 of the same sequence, so a long run can be
   * done (and resumed) in pieces — sample i depends only on the seed and i, never on n, start or the batch
   * size. The result holds n − start samples.
   */
  readonly start?: number;
  /** Seed of the Z latents (`generator.sampleZ(n, seed)`). */
  readonly seed: number;
  /** Space whose latents are kept for boundary training: 'z', 'w' or 'w+'. */
  readonly space: S;
  /** Truncation ψ toward the mean W (default 1: none). */
  readonly truncation?: number;
  /**
   * W+ only: every region's (shape, texture) pair comes from its own independent W (coarse codes from the
   * sample's own), instead of one W broadcast to all slots. Makes region codes vary independently, which
   * is what region-restricted boundaries learn from. Default false.
   */
  readonly regionMixing?: boolean;
  /** Scorers to run on every generated batch, by attribute name. */
  readonly scorers?: Readonly<Record<string, Scorer>>;
  /** Images per synthesis call (default 8; latents only, without rendering: at least 1024 per step). */
  readonly batchSize?: number;
  readonly noise?: NoiseMode;
  /** Render images at all (default: when there are scorers or `onBatch`). */
  readonly synthesize?: boolean;
  readonly onProgress?: (progress: SampleProgress) => void;
  /** Called with each batch's outputs (e.g. to write them to disk: see `writeSampleDir` in `./node`). */
  readonly onBatch?: (batch: GeneratedBatch) => void | Promise<void>;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<hex>` of the generator config as canonical JSON (sorted keys), via WebCrypto. */
export async function generatorConfigHash(config: GeneratorConfig): Promise<string> {
  const bytes = new TextEncoder().encode(canonical(config));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return `sha256:${Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * `sha256:<hex>` identifying a generator's *weights* as well as its config: the config, the W of a fixed
 * Z and the image of a fixed W+ (noise 'const'), rounded to 1e-3 so that backends and thread counts that
 * differ in the last float bits agree. Generators with the same config but other weights (another training
 * checkpoint) get another fingerprint. Costs one mapping and one synthesis of a single image.
 */
export async function generatorFingerprint(generator: SemanticGeneratorV1): Promise<string> {
  const z = generator.sampleZ(1, 0x5eed);
  const w = generator.map(z);
  const wp = generator.toWPlus(w);
  const out = generator.synthesize(wp, { noise: 'const' });
  try {
    const values = [...((await w.tensor.data()) as Float32Array), ...((await out.image.data()) as Float32Array)];
    const text = `${canonical(generator.config)}|${values.map((v) => Math.round(v * 1000)).join(',')}`;
    const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
    return `sha256:${Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')}`;
  } finally {
    tf.dispose([z.tensor, w.tensor, wp.tensor, ...Object.values(out)]);
  }
}

function positiveInt(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 1) throw new InputError('E_INVALID_ARGUMENT', `${what} must be a positive integer, got ${value}.`);
}

/** Slice rows [start, start + count) of a latent (a new latent the caller owns). */
function sliceLatent<L extends Latent>(latent: L, start: number, count: number): L {
  const begin = latent.tensor.shape.map((_, i) => (i === 0 ? start : 0));
  const size = latent.tensor.shape.map((d, i) => (i === 0 ? count : d));
  return { ...latent, tensor: tf.slice(latent.tensor, begin, size) } as L;
}

/**
 * W+ latents for a batch of Z (and optional per-region Z): the mapped W broadcast to every slot, or with
 * region mixing each region's two slots from its own W.
 */
function wPlusOf(generator: SemanticGeneratorV1, w: WLatent, regionWs: WLatent[] | null): WPlusLatent {
  const base = generator.toWPlus(w);
  if (regionWs === null) return base;
  const { baseLayers } = generator.layout;
  const tensor = tf.tidy(() => {
    const parts: tf.Tensor[] = [tf.slice(base.tensor, [0, 0, 0], [-1, baseLayers, -1])];
    for (const rw of regionWs) {
      const code = tf.expandDims(rw.tensor, 1);
      parts.push(code, code);
    }
    return tf.concat(parts, 1) as tf.Tensor3D;
  });
  base.tensor.dispose();
  return { space: 'w+', tensor, layout: generator.layout };
}

/**
 * Sample N latents through the mapping network (InterFaceGAN's first step), render them in batches,
 * score every batch, and keep the latents of `space` and the scores in host memory. Latents are drawn
 * all at once from `sampleZ(n, seed)` (so a sample's latent does not depend on the batch size); Z → W
 * applies `truncation`; W+ is W broadcast (or region-mixed). Nothing is left allocated.
 */
export async function generateSamples<S extends LatentSpace>(generator: SemanticGeneratorV1, options: SampleOptions<S>): Promise<LatentSamples<S>> {
  const { n, seed, space } = options;
  positiveInt(n, 'n');
  const first = options.start ?? 0;
  if (!Number.isInteger(first) || first < 0 || first >= n) {
    throw new InputError('E_INVALID_ARGUMENT', `start must be an integer in [0, n) = [0, ${n}), got ${first}.`);
  }
  const kept = n - first;
  if (!Number.isFinite(seed)) throw new InputError('E_INVALID_ARGUMENT', `seed must be a finite number, got ${seed}.`);
  if (space !== 'z' && space !== 'w' && space !== 'w+') {
    throw new InputError('E_INVALID_ARGUMENT', `space must be 'z', 'w' or 'w+', got ${JSON.stringify(space)}.`);
  }
  positiveInt(options.batchSize ?? 8, 'batchSize');
  const truncation = options.truncation ?? 1;
  if (!Number.isFinite(truncation)) throw new InputError('E_INVALID_ARGUMENT', `truncation must be finite, got ${truncation}.`);
  const regionMixing = options.regionMixing ?? false;
  if (regionMixing && space !== 'w+') throw new InputError('E_INVALID_ARGUMENT', 'regionMixing needs space "w+".');
  const scorers = Object.entries(options.scorers ?? {});
  const render = options.synthesize ?? (scorers.length > 0 || options.onBatch !== undefined);
  // Without rendering only the mapping network runs: take bigger steps.
  const batchSize = render ? (options.batchSize ?? 8) : Math.max(options.batchSize ?? 8, 1024);
  const layout = generator.layout;
  const K = generator.regions.length;
  const dim = latentDim(space, generator.config.styleDim, layout);
  const D = generator.config.styleDim;

  const latents = new Float32Array(kept * dim);
  const zHost = regionMixing ? null : new Float32Array(kept * D);
  const scores: Record<string, Float32Array> = Object.fromEntries(scorers.map(([name]) => [name, new Float32Array(kept)]));
  const generatorHash = await generatorConfigHash(generator.config);

  const zAll = generator.sampleZ(n, seed);
  // Region mixing: K further Z per sample, from a stream derived from the seed.
  const zRegions = regionMixing ? generator.sampleZ(n * K, seed * 31 + 7) : null;
  try {
    for (let start = first; start < n; start += batchSize) {
      const count = Math.min(batchSize, n - start);
      const row = start - first; // row in this result
      const owned: tf.Tensor[] = [];
      try {
        const z: ZLatent = sliceLatent(zAll, start, count);
        owned.push(z.tensor);
        let latent: Latent = z;
        let w: WLatent | undefined;
        if (space !== 'z' || render) {
          w = generator.map(z, { truncation });
          owned.push(w.tensor);
        }
        let regionWs: WLatent[] | null = null;
        if (zRegions !== null) {
          const zr: ZLatent = sliceLatent(zRegions, start * K, count * K);
          owned.push(zr.tensor);
          const wr = generator.map(zr, { truncation });
          owned.push(wr.tensor);
          const perRegion = tf.tidy(() => tf.unstack(tf.reshape(wr.tensor, [count, K, D]), 1)) as tf.Tensor2D[];
          owned.push(...perRegion);
          regionWs = perRegion.map((t) => ({ space: 'w', tensor: t }));
        }
        let wPlus: WPlusLatent | undefined;
        if (space === 'w+' || render) {
          wPlus = wPlusOf(generator, w!, regionWs);
          owned.push(wPlus.tensor);
        }
        if (space === 'w') latent = w!;
        else if (space === 'w+') latent = wPlus!;
        latents.set((await latent.tensor.data()) as Float32Array, row * dim);
        if (zHost !== null) zHost.set((await z.tensor.data()) as Float32Array, row * D);

        if (render) {
          const out = generator.synthesize(wPlus!, options.noise === undefined ? {} : { noise: options.noise });
          owned.push(...Object.values(out));
          const masks = tf.softmax(out.seg) as tf.Tensor4D;
          owned.push(masks);
          const batchScores = await runScorers(Object.fromEntries(scorers), { images: out.image, masks, regions: generator.regions }, count);
          for (const [name, values] of Object.entries(batchScores)) scores[name]!.set(values, row);
          if (options.onBatch) await options.onBatch({ start, latent, images: out.image, seg: out.seg, masks, scores: batchScores });
        }
      } finally {
        tf.dispose(owned);
      }
      options.onProgress?.({ done: start + count, total: n });
    }
  } finally {
    tf.dispose([zAll.tensor, ...(zRegions ? [zRegions.tensor] : [])]);
  }
  return { space, n: kept, styleDim: D, layout, latents, z: zHost, scores, seed, truncation, regionMixing, generatorHash };
}

/**
 * Join sample sets made the same way (same space, layout, seed, truncation, region mixing, generator and
 * score names), in order — e.g. the pieces of a long run made with `start`. Mismatches are E_INVALID_ARGUMENT
 * (E_SHAPE for layouts).
 */
export function concatSamples<S extends LatentSpace>(parts: readonly LatentSamples<S>[]): LatentSamples<S> {
  if (parts.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'concatSamples needs at least one sample set.');
  const a = parts[0]!;
  const names = Object.keys(a.scores).sort();
  for (const [i, p] of parts.entries()) {
    const same =
      p.space === a.space &&
      p.seed === a.seed &&
      p.truncation === a.truncation &&
      p.regionMixing === a.regionMixing &&
      p.generatorHash === a.generatorHash &&
      (p.z === null) === (a.z === null);
    if (!same) {
      throw new InputError('E_INVALID_ARGUMENT', `Sample set ${i} was made differently from set 0 (space, seed, truncation, region mixing or generator differ).`);
    }
    const l = p.layout;
    if (p.styleDim !== a.styleDim || l.nLatent !== a.layout.nLatent || l.baseLayers !== a.layout.baseLayers || l.regionNames.join() !== a.layout.regionNames.join()) {
      throw new InputError('E_SHAPE', `Sample set ${i} has another latent layout than set 0.`);
    }
    const pn = Object.keys(p.scores).sort();
    if (pn.join('\u0000') !== names.join('\u0000')) {
      throw new InputError('E_INVALID_ARGUMENT', `Sample set ${i} has scores [${pn.join(', ')}], set 0 has [${names.join(', ')}].`);
    }
  }
  const n = parts.reduce((s, p) => s + p.n, 0);
  const cat = (arrays: readonly Float32Array[]) => {
    const out = new Float32Array(arrays.reduce((s, x) => s + x.length, 0));
    let o = 0;
    for (const x of arrays) {
      out.set(x, o);
      o += x.length;
    }
    return out;
  };
  return {
    ...a,
    n,
    latents: cat(parts.map((p) => p.latents)),
    z: a.z === null ? null : cat(parts.map((p) => p.z!)),
    scores: Object.fromEntries(names.map((name) => [name, cat(parts.map((p) => p.scores[name]!))])),
  };
}

/**
 * Wrap latents you already have (e.g. inverted real images) as samples: reads the tensor to host memory.
 * `layout` is required for Z / W latents too (pass the generator's `layout`).
 */
export async function samplesFromLatent<S extends LatentSpace>(
  latent: Extract<Latent, { space: S }>,
  layout: LatentLayout,
  scores: Record<string, ArrayLike<number>> = {},
  meta: { truncation?: number; generatorHash?: string | null; seed?: number | null } = {},
): Promise<LatentSamples<S>> {
  const n = latent.tensor.shape[0];
  const expected = latent.space === 'w+' ? [n, layout.nLatent, layout.styleDim] : [n, layout.styleDim];
  if (!tf.util.arraysEqual(latent.tensor.shape, expected)) {
    throw new InputError('E_SHAPE', `Latent has shape [${latent.tensor.shape.join(', ')}], the layout needs [${expected.join(', ')}].`);
  }
  const out: Record<string, Float32Array> = {};
  for (const [name, values] of Object.entries(scores)) {
    if (values.length !== n) throw new InputError('E_SHAPE', `Score "${name}" has ${values.length} values for ${n} latents.`);
    out[name] = Float32Array.from(values);
  }
  return {
    space: latent.space as S,
    n,
    styleDim: layout.styleDim,
    layout,
    latents: Float32Array.from((await latent.tensor.data()) as Float32Array),
    z: latent.space === 'z' ? Float32Array.from((await latent.tensor.data()) as Float32Array) : null,
    scores: out,
    seed: meta.seed ?? null,
    truncation: meta.truncation ?? 1,
    regionMixing: false,
    generatorHash: meta.generatorHash ?? null,
  };
}

/** Rows of samples as a latent tensor of their space (yours to dispose); all rows when `indices` is absent. */
export function samplesToLatent<S extends LatentSpace>(samples: LatentSamples<S>, indices?: readonly number[]): Extract<Latent, { space: S }> {
  const dim = latentDim(samples.space, samples.styleDim, samples.layout);
  const rows = indices ?? Array.from({ length: samples.n }, (_, i) => i);
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= samples.n) throw new InputError('E_INVALID_ARGUMENT', `Sample index ${r} out of range [0, ${samples.n}).`);
    data.set(samples.latents.subarray(r * dim, (r + 1) * dim), i * dim);
  });
  const latent =
    samples.space === 'w+'
      ? { space: 'w+' as const, tensor: tf.tensor3d(data, [rows.length, samples.layout.nLatent, samples.styleDim]), layout: samples.layout }
      : { space: samples.space, tensor: tf.tensor2d(data, [rows.length, samples.styleDim]) };
  return latent as Extract<Latent, { space: S }>;
}
