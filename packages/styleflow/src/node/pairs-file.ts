import { InputError, readSafetensors, writeSafetensors } from '@semstyle/core';
import { readFileBytes, writeFileAtomic } from '@semstyle/core/node';
import { arrayDataSource, type FlowDataSource } from '../train/data-source.js';
import type { FlowPairs } from '../train/pairs.js';

/** Training pairs on disk: safetensors with `latents` [N, D] or [N, L, D], `attributes` [N, C]. */
export type { FlowPairs } from '../train/pairs.js';

export async function writeFlowPairs(path: string, pairs: FlowPairs): Promise<void> {
  const latentShape = pairs.rows === 1 ? [pairs.n, pairs.dim] : [pairs.n, pairs.rows, pairs.dim];
  const bytes = writeSafetensors(
    new Map([
      ['latents', { dtype: 'float32', shape: latentShape, data: pairs.latents }],
      ['attributes', { dtype: 'float32', shape: [pairs.n, pairs.condDim], data: pairs.attributes }],
    ]),
    pairs.attributeNames ? { attributeNames: JSON.stringify(pairs.attributeNames) } : undefined,
  );
  await writeFileAtomic(path, bytes);
}

export async function readFlowPairs(path: string): Promise<FlowPairs> {
  const file = readSafetensors(await readFileBytes(path));
  const latents = file.tensors.get('latents');
  const attributes = file.tensors.get('attributes');
  if (!latents || !attributes) throw new InputError('E_SHAPE', `${path} needs tensors "latents" and "attributes".`, { details: { path } });
  if (latents.dtype !== 'float32' || attributes.dtype !== 'float32') throw new InputError('E_SHAPE', `${path}: latents and attributes must be float32.`);
  if ((latents.shape.length !== 2 && latents.shape.length !== 3) || attributes.shape.length !== 2 || latents.shape[0] !== attributes.shape[0]) {
    throw new InputError('E_SHAPE', `${path}: latents [${latents.shape.join(', ')}] and attributes [${attributes.shape.join(', ')}] do not pair up ([N, D] or [N, L, D] with [N, C]).`);
  }
  const names = file.metadata['attributeNames'];
  return {
    latents: latents.data as Float32Array,
    attributes: attributes.data as Float32Array,
    n: latents.shape[0]!,
    rows: latents.shape.length === 3 ? latents.shape[1]! : 1,
    dim: latents.shape[latents.shape.length - 1]!,
    condDim: attributes.shape[1]!,
    ...(names ? { attributeNames: JSON.parse(names) as string[] } : {}),
  };
}

export function pairsDataSource(pairs: FlowPairs): FlowDataSource {
  return arrayDataSource(pairs.latents, pairs.attributes, pairs);
}
