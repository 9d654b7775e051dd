import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';

/**
 * What a scorer sees: a batch of generated (or saved) images and their segmentation.
 * Tensors belong to the caller: a scorer must not dispose them.
 */
export interface ScoringBatch {
  /** RGB images [N, H, W, 3], roughly in [−1, 1]. */
  readonly images: tf.Tensor4D;
  /**
   * Per-pixel class probabilities [N, H, W, K]: softmax of the generator's final `seg` logits when
   * sampling, one-hot of the saved label maps when re-scoring from disk.
   */
  readonly masks: tf.Tensor4D;
  /** Region names, index 0 first (the generator's `regions`). */
  readonly regions: readonly string[];
}

/** Any function of (image, mask) → one score per image; higher = more of the attribute. NaN = invalid. */
export type Scorer = (batch: ScoringBatch) => Float32Array | Promise<Float32Array>;

/** Run scorers on one batch and check each returns `count` numbers (E_SHAPE otherwise). */
export async function runScorers(scorers: Readonly<Record<string, Scorer>>, batch: ScoringBatch, count: number): Promise<Record<string, Float32Array>> {
  const out: Record<string, Float32Array> = {};
  for (const [name, scorer] of Object.entries(scorers)) {
    const values = await scorer(batch);
    if (values === null || typeof values !== 'object' || values.length !== count) {
      throw new InputError('E_SHAPE', `Scorer "${name}" returned ${(values as { length?: number } | null)?.length ?? 'no'} scores for ${count} images.`, {
        details: { scorer: name, expected: count },
      });
    }
    out[name] = Float32Array.from(values);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Mask-based scorers (no network). They work on hard labels (argmax over the K classes), so scores
// computed at generation time and re-computed from saved label maps agree exactly.

/** Hard label maps of a batch: labels[i][y·W + x]. */
interface LabelMaps {
  readonly n: number;
  readonly h: number;
  readonly w: number;
  readonly labels: Int32Array;
}

async function labelMaps(masks: tf.Tensor4D): Promise<LabelMaps> {
  if (masks.rank !== 4) throw new InputError('E_SHAPE', `masks must be [N, H, W, K], got [${masks.shape.join(', ')}].`);
  const [n, h, w] = masks.shape;
  const arg = tf.argMax(masks, 3);
  try {
    return { n, h, w, labels: (await arg.data()) as Int32Array };
  } finally {
    arg.dispose();
  }
}

/** Class indices of region names (E_UNKNOWN_REGION names the model's regions). */
export function classIndices(regions: readonly string[], names: readonly string[]): Set<number> {
  if (names.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'A scorer needs at least one region name.');
  return new Set(
    names.map((name) => {
      const i = regions.indexOf(name);
      if (i < 0) {
        throw new InputError('E_UNKNOWN_REGION', `Unknown region "${name}". Regions of this model: ${regions.join(', ')}.`, {
          details: { region: name, regions },
        });
      }
      return i;
    }),
  );
}

const asList = (r: string | readonly string[]): readonly string[] => (typeof r === 'string' ? [r] : r);

interface Box {
  readonly top: number;
  readonly bottom: number; // inclusive
  readonly left: number;
  readonly right: number; // inclusive
  readonly count: number;
}

function boundingBox(m: LabelMaps, i: number, classes: Set<number>): Box | null {
  let top = Infinity;
  let bottom = -1;
  let left = Infinity;
  let right = -1;
  let count = 0;
  const o = i * m.h * m.w;
  for (let y = 0; y < m.h; y++) {
    for (let x = 0; x < m.w; x++) {
      if (classes.has(m.labels[o + y * m.w + x]!)) {
        count++;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
        if (x < left) left = x;
        if (x > right) right = x;
      }
    }
  }
  return count === 0 ? null : { top, bottom, left, right, count };
}

export interface AreaScorerOptions {
  /** Region name(s) whose pixels are counted. */
  readonly regions: string | readonly string[];
  /** Multiply the score by this (default 1; −1 turns "more hair" into "more bald"). */
  readonly sign?: number;
}

/** Fraction of the image labelled as any of `regions` (× sign). */
export function regionAreaScorer(options: AreaScorerOptions): Scorer {
  const sign = options.sign ?? 1;
  return async ({ masks, regions }) => {
    const classes = classIndices(regions, asList(options.regions));
    const m = await labelMaps(masks);
    const out = new Float32Array(m.n);
    const size = m.h * m.w;
    for (let i = 0; i < m.n; i++) {
      let c = 0;
      for (let p = 0; p < size; p++) if (classes.has(m.labels[i * size + p]!)) c++;
      out[i] = (sign * c) / size;
    }
    return out;
  };
}

export interface RegionColorScorerOptions {
  /** Region name(s) whose pixels are averaged. */
  readonly regions: string | readonly string[];
  /** What to average: Rec. 709 luma (default) or one channel, of the image in [−1, 1]. */
  readonly channel?: 'luma' | 'r' | 'g' | 'b';
  readonly sign?: number;
}

/** Mean luma (or channel) of the image over `regions`' pixels — e.g. hair colour. NaN when the region is absent. */
export function regionColorScorer(options: RegionColorScorerOptions): Scorer {
  const channel = options.channel ?? 'luma';
  const weights = channel === 'luma' ? [0.2126, 0.7152, 0.0722] : channel === 'r' ? [1, 0, 0] : channel === 'g' ? [0, 1, 0] : [0, 0, 1];
  const sign = options.sign ?? 1;
  return async ({ images, masks, regions }) => {
    const classes = classIndices(regions, asList(options.regions));
    if (images.shape[0] !== masks.shape[0] || images.shape[1] !== masks.shape[1] || images.shape[2] !== masks.shape[2]) {
      throw new InputError('E_SHAPE', `Images [${images.shape.join(', ')}] and masks [${masks.shape.join(', ')}] differ in size.`);
    }
    const m = await labelMaps(masks);
    const pixels = (await images.data()) as Float32Array;
    const out = new Float32Array(m.n);
    const size = m.h * m.w;
    for (let i = 0; i < m.n; i++) {
      let sum = 0;
      let count = 0;
      for (let p = 0; p < size; p++) {
        if (!classes.has(m.labels[i * size + p]!)) continue;
        const o = (i * size + p) * 3;
        sum += weights[0]! * pixels[o]! + weights[1]! * pixels[o + 1]! + weights[2]! * pixels[o + 2]!;
        count++;
      }
      out[i] = count === 0 ? Number.NaN : (sign * sum) / count;
    }
    return out;
  };
}

export interface BandScorerOptions {
  /** Region name(s) counted inside the band. */
  readonly target: string | readonly string[];
  /** Region name(s) whose bounding box places the band. */
  readonly reference: string | readonly string[];
  /**
   * Rows of the band in units of the reference box's height, from its top row: 0 = top row, 1 = one
   * past the bottom row; negative = above the box. E.g. [−0.6, 0]: a band 0.6 box-heights tall right above it.
   */
  readonly rows: readonly [number, number];
  /** Columns, in units of the reference box's width from its left column (default [0, 1]: the box's columns). */
  readonly columns?: readonly [number, number];
  readonly sign?: number;
}

/**
 * Fraction of a band's pixels labelled as `target`, the band placed relative to the bounding box of the
 * `reference` regions (clipped to the image). NaN when the reference is absent or the band is empty
 * (such samples are skipped by boundary training).
 */
export function bandScorer(options: BandScorerOptions): Scorer {
  const [r0, r1] = options.rows;
  const [c0, c1] = options.columns ?? [0, 1];
  if (!(r1 > r0) || !(c1 > c0)) throw new InputError('E_INVALID_ARGUMENT', `Band rows/columns must be [from, to] with from < to, got rows [${r0}, ${r1}], columns [${c0}, ${c1}].`);
  const sign = options.sign ?? 1;
  return async ({ masks, regions }) => {
    const target = classIndices(regions, asList(options.target));
    const reference = classIndices(regions, asList(options.reference));
    const m = await labelMaps(masks);
    const out = new Float32Array(m.n);
    for (let i = 0; i < m.n; i++) {
      const box = boundingBox(m, i, reference);
      if (box === null) {
        out[i] = Number.NaN;
        continue;
      }
      const bh = box.bottom - box.top + 1;
      const bw = box.right - box.left + 1;
      const y0 = Math.max(0, Math.round(box.top + r0 * bh));
      const y1 = Math.min(m.h, Math.round(box.top + r1 * bh));
      const x0 = Math.max(0, Math.round(box.left + c0 * bw));
      const x1 = Math.min(m.w, Math.round(box.left + c1 * bw));
      if (y1 <= y0 || x1 <= x0) {
        out[i] = Number.NaN;
        continue;
      }
      let hit = 0;
      const o = i * m.h * m.w;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (target.has(m.labels[o + y * m.w + x]!)) hit++;
      out[i] = (sign * hit) / ((y1 - y0) * (x1 - x0));
    }
    return out;
  };
}

export interface SmileScorerOptions {
  /** Region name(s) of the mouth (default "mouth"). */
  readonly mouth?: string | readonly string[];
  /**
   * `area`: mouth pixels / image pixels (open mouths, teeth); `width`: mouth box width / image width;
   * `aspect`: mouth box width / height (stretched, upturned mouths). Default `area`.
   */
  readonly measure?: 'area' | 'width' | 'aspect';
}

/** Smile from the mouth's area or shape. NaN when there is no mouth. */
export function smileScorer(options: SmileScorerOptions = {}): Scorer {
  const measure = options.measure ?? 'area';
  return async ({ masks, regions }) => {
    const mouth = classIndices(regions, asList(options.mouth ?? 'mouth'));
    const m = await labelMaps(masks);
    const out = new Float32Array(m.n);
    for (let i = 0; i < m.n; i++) {
      const box = boundingBox(m, i, mouth);
      if (box === null) out[i] = Number.NaN;
      else if (measure === 'area') out[i] = box.count / (m.h * m.w);
      else if (measure === 'width') out[i] = (box.right - box.left + 1) / m.w;
      else out[i] = (box.right - box.left + 1) / (box.bottom - box.top + 1);
    }
    return out;
  };
}

/** Baldness: minus the fraction of the image that is hair (default region "hair"). */
export function baldScorer(options: { hair?: string | readonly string[] } = {}): Scorer {
  return regionAreaScorer({ regions: options.hair ?? 'hair', sign: -1 });
}

/**
 * Bangs: hair pixels over the forehead — the band `rows` (default [−0.5, 0]) above the box of the facial
 * features (default brows, eyes, nose, mouth: top ≈ brows, bottom ≈ mouth), across the box's columns.
 */
export function bangsScorer(options: { hair?: string | readonly string[]; features?: readonly string[]; rows?: readonly [number, number] } = {}): Scorer {
  return bandScorer({ target: options.hair ?? 'hair', reference: options.features ?? ['brows', 'eyes', 'nose', 'mouth'], rows: options.rows ?? [-0.5, 0] });
}

/**
 * Beard: with the faces class mapping, facial hair is labelled hair, so count hair pixels in the lower-face
 * band below the mouth — rows [1, 1.6] of the box of the features (default brows…mouth, whose bottom is the
 * mouth's), columns of the box.
 */
export function beardScorer(options: { hair?: string | readonly string[]; features?: readonly string[]; rows?: readonly [number, number] } = {}): Scorer {
  return bandScorer({ target: options.hair ?? 'hair', reference: options.features ?? ['brows', 'eyes', 'nose', 'mouth'], rows: options.rows ?? [1, 1.6] });
}

/** The four face scorers with the faces (CelebAMask-HQ) region names. */
export function faceScorers(): Record<'smiling' | 'bald' | 'bangs' | 'beard', Scorer> {
  return { smiling: smileScorer(), bald: baldScorer(), bangs: bangsScorer(), beard: beardScorer() };
}

// ---------------------------------------------------------------------------------------------------

/**
 * A segmenter: images NHWC in [−1, 1] → per-pixel class scores [N, H', W', K] (logits or probabilities;
 * only their argmax is used), e.g. a face parser. The returned tensor belongs to the caller.
 */
export type Segmenter = (images: tf.Tensor4D) => tf.Tensor4D;

/**
 * Run a mask scorer on a segmenter's reading of the images instead of the generator's own masks. Use it
 * when the generator draws a part inside another region's texture (its masks never claim it) or when
 * scores must not depend on the generator's segmentation at all. `regions`: the segmenter's class names
 * (default: the batch's, i.e. the same convention as the generator).
 */
export function withSegmenterMasks(scorer: Scorer, segment: Segmenter, regions?: readonly string[]): Scorer {
  return async (batch) => {
    const masks = segment(batch.images);
    try {
      const names = regions ?? batch.regions;
      if (masks.rank !== 4 || masks.shape[0] !== batch.images.shape[0] || masks.shape[3] !== names.length) {
        throw new InputError('E_SHAPE', `The segmenter returned [${masks.shape.join(', ')}] for ${batch.images.shape[0]} images; expected [N, H, W, ${names.length}] (one channel per region: ${names.join(', ')}).`);
      }
      return await scorer({ images: batch.images, masks, regions: names });
    } finally {
      masks.dispose();
    }
  };
}

/** An attribute classifier: images NHWC → one score (logit or probability) per image. Must not dispose its input. */
export type ImageClassifier = (images: tf.Tensor4D) => Promise<Float32Array> | Float32Array;

export interface ClassifierScorerOptions {
  /** Resize images (bilinear) to size × size first (default: as generated). */
  readonly size?: number;
  /** Value range the classifier expects (default [−1, 1], the generator's). */
  readonly range?: readonly [number, number];
}

/** Adapt any attribute classifier `(images) => Promise<Float32Array>` to a scorer (e.g. the datasets package's). */
export function classifierScorer(classify: ImageClassifier, options: ClassifierScorerOptions = {}): Scorer {
  const [lo, hi] = options.range ?? [-1, 1];
  if (!(hi > lo)) throw new InputError('E_INVALID_ARGUMENT', `Classifier range must be [low, high] with low < high, got [${lo}, ${hi}].`);
  if (options.size !== undefined && (!Number.isInteger(options.size) || options.size < 1)) {
    throw new InputError('E_INVALID_ARGUMENT', `Classifier size must be a positive integer, got ${options.size}.`);
  }
  return async ({ images }) => {
    const needsResize = options.size !== undefined && (images.shape[1] !== options.size || images.shape[2] !== options.size);
    const needsRange = lo !== -1 || hi !== 1;
    const input =
      needsResize || needsRange
        ? tf.tidy(() => {
            let x: tf.Tensor4D = images;
            if (needsResize) x = tf.image.resizeBilinear(x, [options.size!, options.size!], true);
            if (needsRange) x = tf.add(tf.mul(tf.add(x, 1), (hi - lo) / 2), lo);
            return x;
          })
        : images;
    try {
      const out = await classify(input);
      if (out.length !== images.shape[0]) {
        throw new InputError('E_SHAPE', `The classifier returned ${out.length} scores for ${images.shape[0]} images.`);
      }
      return Float32Array.from(out);
    } finally {
      if (input !== images) input.dispose();
    }
  };
}

// ---------------------------------------------------------------------------------------------------

/**
 * Several scorers sharing one computation per batch — e.g. every head of a classifier from one forward
 * pass. `compute` runs once per batch (keyed by the batch's image tensor) and returns a score array per
 * name; each returned scorer picks its own.
 */
export function sharedScorers<K extends string>(
  names: readonly K[],
  compute: (batch: ScoringBatch) => Promise<Readonly<Record<K, Float32Array>>> | Readonly<Record<K, Float32Array>>,
): Record<K, Scorer> {
  if (names.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'sharedScorers needs at least one name.');
  const cache = new WeakMap<tf.Tensor, Promise<Readonly<Record<K, Float32Array>>>>();
  const out = {} as Record<K, Scorer>;
  for (const name of names) {
    out[name] = async (batch) => {
      let pending = cache.get(batch.images);
      if (pending === undefined) {
        pending = Promise.resolve(compute(batch));
        cache.set(batch.images, pending);
      }
      const values = (await pending)[name];
      if (values === undefined) throw new InputError('E_SHAPE', `The shared computation returned no scores for "${name}".`);
      return values;
    };
  }
  return out;
}

/**
 * What `attributeClassifierScorers` needs of a classifier — the shape of `@semstyle/datasets`'
 * `AttributeClassifier` (structural, so this package does not depend on the datasets package).
 */
export interface AttributeClassifierLike {
  /** Names of the binary heads, in logit order. */
  readonly binary: readonly string[];
  /** Names of the regression heads, in value order. */
  readonly regression: readonly string[];
  /** Binary logits [N, binary.length] and regressed values [N, regression.length]; returned tensors are the caller's. */
  predictTensors(images: tf.Tensor4D): { logits: tf.Tensor2D; values: tf.Tensor2D };
}

export interface AttributeClassifierScorerOptions {
  /** Only these heads (default all, binary then regression). Unknown names are E_INVALID_ARGUMENT. */
  readonly attributes?: readonly string[];
  /** Prefix of the score names (default ''), e.g. 'clf.' gives 'clf.bald'. */
  readonly prefix?: string;
}

/**
 * One scorer per head of an attribute classifier (e.g. `await loadAttributeClassifier()` of
 * `@semstyle/datasets`: bald, bangs, beard, … logits and fatness, … values), all from one forward pass
 * per batch. Binary heads score by their logit (higher = more of the attribute), regression heads by
 * their value.
 */
export function attributeClassifierScorers(classifier: AttributeClassifierLike, options: AttributeClassifierScorerOptions = {}): Record<string, Scorer> {
  const all = [...classifier.binary, ...classifier.regression];
  const wanted = options.attributes ?? all;
  for (const a of wanted) {
    if (!all.includes(a)) throw new InputError('E_INVALID_ARGUMENT', `The classifier has no head "${a}" (heads: ${all.join(', ')}).`);
  }
  const prefix = options.prefix ?? '';
  const names = wanted.map((a) => `${prefix}${a}`);
  return sharedScorers(names, async ({ images }) => {
    const { logits, values } = classifier.predictTensors(images);
    try {
      const n = images.shape[0];
      const [l, v] = await Promise.all([logits.data(), values.data()]);
      const B = classifier.binary.length;
      const R = classifier.regression.length;
      if (l.length !== n * B || v.length !== n * R) {
        throw new InputError('E_SHAPE', `The classifier returned logits [${logits.shape.join(', ')}] and values [${values.shape.join(', ')}] for ${n} images.`);
      }
      const out: Record<string, Float32Array> = {};
      for (const a of wanted) {
        const bi = classifier.binary.indexOf(a);
        const col = new Float32Array(n);
        if (bi >= 0) for (let i = 0; i < n; i++) col[i] = l[i * B + bi]!;
        else {
          const ri = classifier.regression.indexOf(a);
          for (let i = 0; i < n; i++) col[i] = v[i * R + ri]!;
        }
        out[`${prefix}${a}`] = col;
      }
      return out;
    } finally {
      tf.dispose([logits, values]);
    }
  });
}
