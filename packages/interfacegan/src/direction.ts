import { InputError, LatentSpaceError, type CodeKind, type Latent, type LatentLayout, type LatentSpace } from '@semstyle/core';

/** Format tag of directions (in memory and in files). */
export const DIRECTION_FORMAT = 'semstyle.interfacegan.direction.v1' as const;

/** How a direction was made; everything is plain data so it travels in the file's metadata. */
export interface DirectionInfo {
  /** Attribute name (e.g. "smiling"). */
  readonly attribute: string;
  /** W+ only: the regions whose codes the boundary was trained on (null: all codes, unrestricted). */
  readonly regions: readonly string[] | null;
  /** W+ only: which codes of those regions (null when unrestricted). */
  readonly kinds: readonly CodeKind[] | null;
  /** W+ only: the slots the normal may be non-zero on (null: all). */
  readonly slots: readonly number[] | null;
  /** Accuracy of the SVM on its training and validation splits (null for directions not trained here). */
  readonly accuracy: { readonly train: number; readonly validation: number } | null;
  /** Number of scored samples the boundary was chosen from (valid scores only). */
  readonly numSamples: number | null;
  /** Fraction of samples taken as positives (top) and as negatives (bottom). */
  readonly fraction: number | null;
  /** Positives (= negatives) used, and of them in training. */
  readonly numPerClass: number | null;
  readonly numTrainPerClass: number | null;
  /** Seed of the train/validation split and of the solver's coordinate order. */
  readonly seed: number | null;
  /** SVM penalty C. */
  readonly C: number | null;
  /** SVM intercept b and ‖coef‖ of the decision function coefᵀx + b (so offset = b / ‖coef‖). */
  readonly intercept: number | null;
  readonly coefNorm: number | null;
  /** Truncation ψ of the samples (1: none). */
  readonly truncation: number | null;
  /** `sha256:…` of the generator config the samples came from (null: unknown). */
  readonly generatorHash: string | null;
  /** Attributes projected out (conditional manipulation), in order. */
  readonly conditionedOn: readonly string[];
}

/**
 * An editing direction: the unit normal n of a hyperplane {x : nᵀx + offset = 0} in one latent space.
 * `signedDistance(x) = nᵀx + offset` (> 0 on the attribute's positive side). For W+, `normal` is the
 * flattened [nLatent, styleDim] array and `layout` says which slot is which.
 *
 * The space is a type parameter: `Direction<'w+'>` only edits `WPlusLatent`s (and at run time any
 * mismatch is a `LatentSpaceError`).
 */
export interface Direction<S extends LatentSpace = LatentSpace> {
  readonly format: typeof DIRECTION_FORMAT;
  readonly space: S;
  readonly styleDim: number;
  /** The W+ layout (W+ directions only; absent for Z and W). */
  readonly layout?: LatentLayout;
  /** Unit normal, length styleDim (Z, W) or nLatent · styleDim (W+). */
  readonly normal: Float32Array;
  /** Signed-distance offset: the SVM's intercept over ‖coef‖ (0 for a hyperplane through the origin). */
  readonly offset: number;
  readonly info: DirectionInfo;
}

export function emptyInfo(attribute: string): DirectionInfo {
  return {
    attribute,
    regions: null,
    kinds: null,
    slots: null,
    accuracy: null,
    numSamples: null,
    fraction: null,
    numPerClass: null,
    numTrainPerClass: null,
    seed: null,
    C: null,
    intercept: null,
    coefNorm: null,
    truncation: null,
    generatorHash: null,
    conditionedOn: [],
  };
}

/** Number of values of one latent of a space. */
export function latentDim(space: LatentSpace, styleDim: number, layout?: LatentLayout): number {
  if (space === 'w+') {
    if (layout === undefined) throw new InputError('E_INVALID_ARGUMENT', 'A W+ direction needs a layout.');
    return layout.nLatent * layout.styleDim;
  }
  return styleDim;
}

function sameLayout(a: LatentLayout, b: LatentLayout): boolean {
  return (
    a.nLatent === b.nLatent &&
    a.styleDim === b.styleDim &&
    a.baseLayers === b.baseLayers &&
    a.regionNames.length === b.regionNames.length &&
    a.regionNames.every((r, i) => r === b.regionNames[i])
  );
}

function describeLayout(l: LatentLayout | undefined, styleDim: number): string {
  return l === undefined ? `[${styleDim}]` : `[${l.nLatent}, ${l.styleDim}] (coarse ${l.baseLayers}; regions ${l.regionNames.join(', ')})`;
}

/**
 * Check that a direction can edit a latent: same space (else `LatentSpaceError`), same width and, for W+,
 * the same layout — slot count, coarse codes and region names (else `InputError` `E_SHAPE`).
 */
export function assertDirectionFits(latent: Latent, direction: Direction): void {
  if (latent?.space !== direction?.space) {
    throw new LatentSpaceError(
      `A direction trained in ${String(direction?.space).toUpperCase()} cannot edit a ${String(latent?.space).toUpperCase()} latent.`,
      { details: { direction: direction?.space, latent: latent?.space } },
    );
  }
  if (latent.space === 'w+') {
    const layout = direction.layout;
    if (layout === undefined || !sameLayout(layout, latent.layout) || latent.tensor.shape[1] !== layout.nLatent || latent.tensor.shape[2] !== layout.styleDim) {
      throw new InputError(
        'E_SHAPE',
        `The direction was trained for the W+ layout ${describeLayout(layout, direction.styleDim)}, the latent has ${describeLayout(latent.layout, latent.layout.styleDim)}.`,
        { details: { direction: layout, latent: latent.layout } },
      );
    }
  } else if (latent.tensor.shape[1] !== direction.styleDim) {
    throw new InputError('E_SHAPE', `The direction has width ${direction.styleDim}, the latent [${latent.tensor.shape.join(', ')}].`, {
      details: { direction: direction.styleDim, latent: latent.tensor.shape },
    });
  }
}

/** Check that two directions live in the same space and layout (for conditioning and comparisons). */
export function assertSameSpace(a: Direction, b: Direction, what = 'directions'): void {
  if (a.space !== b.space) {
    throw new LatentSpaceError(`Cannot combine ${what} from ${a.space.toUpperCase()} and ${b.space.toUpperCase()}.`, {
      details: { a: a.space, b: b.space },
    });
  }
  const sameWidth = a.normal.length === b.normal.length && a.styleDim === b.styleDim;
  const sameW = a.layout === undefined || b.layout === undefined ? a.layout === b.layout : sameLayout(a.layout, b.layout);
  if (!sameWidth || !sameW) {
    throw new InputError(
      'E_SHAPE',
      `Cannot combine ${what} of different layouts: ${describeLayout(a.layout, a.styleDim)} vs ${describeLayout(b.layout, b.styleDim)}.`,
    );
  }
}

/** Narrow a direction of unknown space (e.g. read from a file); `LatentSpaceError` otherwise. */
export function expectDirectionSpace<S extends LatentSpace>(direction: Direction, space: S): asserts direction is Direction<S> {
  if (direction.space !== space) {
    throw new LatentSpaceError(`Expected a ${space.toUpperCase()} direction, got ${direction.space.toUpperCase()}.`, {
      details: { expected: space, got: direction.space },
    });
  }
}

/** Human-readable names of W+ slots: `coarse_0`, …, `<region>.shape`, `<region>.texture`. */
export function slotLabels(layout: LatentLayout): string[] {
  const labels: string[] = [];
  for (let i = 0; i < layout.baseLayers; i++) labels.push(`coarse_${i}`);
  for (const r of layout.regionNames) labels.push(`${r}.shape`, `${r}.texture`);
  return labels;
}

/** Validate a direction object (e.g. built by hand or read from a file): unit, finite normal of the right size. */
export function validateDirection(direction: Direction): void {
  const expected = latentDim(direction.space, direction.styleDim, direction.layout);
  if (direction.normal.length !== expected) {
    throw new InputError('E_SHAPE', `Direction normal has ${direction.normal.length} values, its space needs ${expected}.`);
  }
  let s = 0;
  for (let i = 0; i < direction.normal.length; i++) {
    const v = direction.normal[i]!;
    if (!Number.isFinite(v)) throw new InputError('E_NON_FINITE', `Direction normal value ${i} is not finite.`);
    s += v * v;
  }
  if (Math.abs(Math.sqrt(s) - 1) > 1e-3) {
    throw new InputError('E_INVALID_ARGUMENT', `Direction normal must be a unit vector, its norm is ${Math.sqrt(s)}.`);
  }
  if (!Number.isFinite(direction.offset)) throw new InputError('E_NON_FINITE', 'Direction offset is not finite.');
}

/** Build a direction from a vector (normalised here), e.g. for hand-made or external boundaries. */
export function makeDirection<S extends LatentSpace>(
  space: S,
  vector: ArrayLike<number>,
  options: { styleDim?: number; layout?: LatentLayout; offset?: number; attribute?: string; info?: Partial<DirectionInfo> } = {},
): Direction<S> {
  if (space === 'w+' && options.layout === undefined) throw new InputError('E_INVALID_ARGUMENT', 'A W+ direction needs a layout.');
  const styleDim = options.layout?.styleDim ?? options.styleDim ?? vector.length;
  const expected = latentDim(space, styleDim, options.layout);
  if (vector.length !== expected) {
    throw new InputError('E_SHAPE', `A ${space.toUpperCase()} direction needs ${expected} values, got ${vector.length}.`);
  }
  let s = 0;
  for (let i = 0; i < vector.length; i++) s += vector[i]! * vector[i]!;
  const n = Math.sqrt(s);
  if (!Number.isFinite(n) || n < 1e-12) throw new InputError('E_INVALID_ARGUMENT', `Direction vector has norm ${n}.`);
  const normal = new Float32Array(vector.length);
  for (let i = 0; i < vector.length; i++) normal[i] = vector[i]! / n;
  return {
    format: DIRECTION_FORMAT,
    space,
    styleDim,
    ...(space === 'w+' ? { layout: options.layout! } : {}),
    normal,
    offset: options.offset ?? 0,
    info: { ...emptyInfo(options.attribute ?? 'custom'), ...options.info },
  };
}
