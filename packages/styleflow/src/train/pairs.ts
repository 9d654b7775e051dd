import { InputError } from '@semstyle/core';

/** (latent, attributes) training pairs in host memory: `latents` [N, rows, dim] flattened, `attributes` [N, condDim]. */
export interface FlowPairs {
  readonly latents: Float32Array;
  readonly attributes: Float32Array;
  readonly n: number;
  /** W+ rows per sample (1 for W). */
  readonly rows: number;
  readonly dim: number;
  readonly condDim: number;
  readonly attributeNames?: readonly string[];
}

/**
 * Keep only some W+ rows of every sample (e.g. `regionSlots(layout, ['mouth'])`): pairs for a flow of one
 * region's codes, each kept row still paired with its sample's attributes. Out-of-range or repeated rows
 * are E_INVALID_ARGUMENT; inconsistent sizes E_SHAPE.
 */
export function selectPairRows(pairs: FlowPairs, rows: readonly number[]): FlowPairs {
  const { n, dim } = pairs;
  if (pairs.latents.length !== n * pairs.rows * dim) {
    throw new InputError('E_SHAPE', `Latents hold ${pairs.latents.length} values, expected ${n}×${pairs.rows}×${dim}.`);
  }
  if (rows.length === 0) throw new InputError('E_INVALID_ARGUMENT', 'selectPairRows needs at least one row.');
  if (new Set(rows).size !== rows.length) throw new InputError('E_INVALID_ARGUMENT', `Rows must be distinct, got [${rows.join(', ')}].`);
  for (const r of rows) {
    if (!Number.isInteger(r) || r < 0 || r >= pairs.rows) throw new InputError('E_INVALID_ARGUMENT', `Row ${r} is out of range [0, ${pairs.rows}).`);
  }
  const latents = new Float32Array(n * rows.length * dim);
  for (let i = 0; i < n; i++) {
    rows.forEach((r, k) => {
      const src = (i * pairs.rows + r) * dim;
      latents.set(pairs.latents.subarray(src, src + dim), (i * rows.length + k) * dim);
    });
  }
  return { ...pairs, latents, rows: rows.length };
}
