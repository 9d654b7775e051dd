import { InputError, readSafetensors, writeSafetensors, type HostTensor, type LatentLayout, type LatentSpace, type StateDict } from '@semstyle/core';
import { DIRECTION_FORMAT, emptyInfo, expectDirectionSpace, latentDim, validateDirection, type Direction, type DirectionInfo } from './direction.js';
import type { LatentSamples } from './samples.js';

/** Format tag of sample files. */
export const SAMPLES_FORMAT = 'semstyle.interfacegan.samples.v1' as const;

function formatError(message: string): InputError {
  return new InputError('E_INVALID_ARGUMENT', message);
}

function parseJson(text: string | undefined, what: string): Record<string, unknown> {
  if (text === undefined) throw formatError(`${what}: missing metadata.`);
  try {
    const v: unknown = JSON.parse(text);
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    return v as Record<string, unknown>;
  } catch (cause) {
    throw new InputError('E_INVALID_ARGUMENT', `${what}: metadata is not a JSON object.`, { cause });
  }
}

function parseSpace(v: unknown, what: string): LatentSpace {
  if (v !== 'z' && v !== 'w' && v !== 'w+') throw formatError(`${what}: unknown latent space ${JSON.stringify(v)}.`);
  return v;
}

function parseLayout(v: unknown, what: string): LatentLayout {
  const l = v as Partial<LatentLayout> | null;
  if (
    l === null ||
    typeof l !== 'object' ||
    !Number.isInteger(l.styleDim) ||
    !Number.isInteger(l.baseLayers) ||
    !Number.isInteger(l.nLatent) ||
    !Array.isArray(l.regionNames) ||
    !l.regionNames.every((r) => typeof r === 'string') ||
    l.nLatent !== l.baseLayers! + 2 * l.regionNames.length
  ) {
    throw formatError(`${what}: invalid W+ layout ${JSON.stringify(v)}.`);
  }
  return { styleDim: l.styleDim!, baseLayers: l.baseLayers!, nLatent: l.nLatent!, regionNames: [...l.regionNames] };
}

function floatTensor(t: HostTensor | undefined, name: string, what: string): HostTensor & { data: Float32Array } {
  if (t === undefined) throw formatError(`${what}: no tensor "${name}".`);
  if (t.dtype !== 'float32') throw new InputError('E_SHAPE', `${what}: "${name}" must be float32, got ${t.dtype}.`);
  return t as HostTensor & { data: Float32Array };
}

/**
 * A direction as a small safetensors file: tensor `normal` (float32 [styleDim] or [nLatent, styleDim])
 * and `__metadata__` {format, space, direction: JSON {styleDim, layout, offset, info}} — info holds the
 * attribute, regions, accuracy, N, fraction, seed, intercept, generator config hash….
 */
export function directionToBytes(direction: Direction): Uint8Array {
  validateDirection(direction);
  const shape = direction.space === 'w+' ? [direction.layout!.nLatent, direction.styleDim] : [direction.styleDim];
  const tensors: StateDict = new Map([['normal', { dtype: 'float32', shape, data: direction.normal }]]);
  return writeSafetensors(tensors, {
    format: DIRECTION_FORMAT,
    space: direction.space,
    direction: JSON.stringify({ styleDim: direction.styleDim, layout: direction.layout ?? null, offset: direction.offset, info: direction.info }),
  });
}

/** Read a direction file; with `space`, a direction of another space is a `LatentSpaceError`. */
export function directionFromBytes(bytes: Uint8Array): Direction;
export function directionFromBytes<S extends LatentSpace>(bytes: Uint8Array, options: { space: S }): Direction<S>;
export function directionFromBytes(bytes: Uint8Array, options: { space?: LatentSpace } = {}): Direction {
  const file = readSafetensors(bytes, { nonFinite: 'error' });
  const what = 'direction file';
  if (file.metadata.format !== DIRECTION_FORMAT) throw formatError(`${what}: format is ${JSON.stringify(file.metadata.format)}, expected "${DIRECTION_FORMAT}".`);
  const space = parseSpace(file.metadata.space, what);
  const meta = parseJson(file.metadata.direction, what);
  const styleDim = meta.styleDim;
  if (!Number.isInteger(styleDim) || (styleDim as number) < 1) throw formatError(`${what}: invalid styleDim ${JSON.stringify(styleDim)}.`);
  const layout = space === 'w+' ? parseLayout(meta.layout, what) : undefined;
  if (layout !== undefined && layout.styleDim !== styleDim) throw formatError(`${what}: layout width ${layout.styleDim} ≠ styleDim ${styleDim}.`);
  const normal = floatTensor(file.tensors.get('normal'), 'normal', what);
  const expected = latentDim(space, styleDim as number, layout);
  if (normal.data.length !== expected) throw new InputError('E_SHAPE', `${what}: normal has ${normal.data.length} values, expected ${expected}.`);
  const offset = meta.offset;
  if (typeof offset !== 'number') throw formatError(`${what}: invalid offset.`);
  const info = { ...emptyInfo('attribute'), ...(meta.info as Partial<DirectionInfo> | undefined) };
  const direction: Direction = {
    format: DIRECTION_FORMAT,
    space,
    styleDim: styleDim as number,
    ...(layout ? { layout } : {}),
    normal: Float32Array.from(normal.data),
    offset,
    info,
  };
  validateDirection(direction);
  if (options.space !== undefined) expectDirectionSpace(direction, options.space);
  return direction;
}

/**
 * Samples as one safetensors file: `latents` ([n, styleDim] or [n, nLatent, styleDim]), `z` [n, styleDim]
 * when known, `score.<name>` [n] per score, and `__metadata__` {format, samples: JSON of the rest}.
 */
export function samplesToBytes(samples: LatentSamples): Uint8Array {
  const { n, styleDim, layout } = samples;
  const shape = samples.space === 'w+' ? [n, layout.nLatent, styleDim] : [n, styleDim];
  const tensors: StateDict = new Map([['latents', { dtype: 'float32', shape, data: samples.latents }]]);
  if (samples.z !== null) tensors.set('z', { dtype: 'float32', shape: [n, styleDim], data: samples.z });
  for (const [name, values] of Object.entries(samples.scores)) {
    if (values.length !== n) throw new InputError('E_SHAPE', `Score "${name}" has ${values.length} values for ${n} samples.`);
    tensors.set(`score.${name}`, { dtype: 'float32', shape: [n], data: values });
  }
  const meta = {
    space: samples.space,
    n,
    styleDim,
    layout,
    seed: samples.seed,
    truncation: samples.truncation,
    regionMixing: samples.regionMixing,
    generatorHash: samples.generatorHash,
    scores: Object.keys(samples.scores),
  };
  return writeSafetensors(tensors, { format: SAMPLES_FORMAT, samples: JSON.stringify(meta) });
}

export function samplesFromBytes(bytes: Uint8Array): LatentSamples {
  const file = readSafetensors(bytes);
  const what = 'samples file';
  if (file.metadata.format !== SAMPLES_FORMAT) throw formatError(`${what}: format is ${JSON.stringify(file.metadata.format)}, expected "${SAMPLES_FORMAT}".`);
  const meta = parseJson(file.metadata.samples, what);
  const space = parseSpace(meta.space, what);
  const layout = parseLayout(meta.layout, what);
  const n = meta.n as number;
  if (!Number.isInteger(n) || n < 1) throw formatError(`${what}: invalid n.`);
  const latents = floatTensor(file.tensors.get('latents'), 'latents', what);
  const dim = latentDim(space, layout.styleDim, layout);
  if (latents.data.length !== n * dim) throw new InputError('E_SHAPE', `${what}: latents hold ${latents.data.length} values, expected ${n} × ${dim}.`);
  const zT = file.tensors.get('z');
  const z = zT === undefined ? null : floatTensor(zT, 'z', what).data;
  const scores: Record<string, Float32Array> = {};
  for (const [name, t] of file.tensors) {
    if (!name.startsWith('score.')) continue;
    const values = floatTensor(t, name, what).data;
    if (values.length !== n) throw new InputError('E_SHAPE', `${what}: "${name}" has ${values.length} values for ${n} samples.`);
    scores[name.slice('score.'.length)] = values;
  }
  return {
    space,
    n,
    styleDim: layout.styleDim,
    layout,
    latents: latents.data,
    z,
    scores,
    seed: typeof meta.seed === 'number' ? meta.seed : null,
    truncation: typeof meta.truncation === 'number' ? meta.truncation : 1,
    regionMixing: meta.regionMixing === true,
    generatorHash: typeof meta.generatorHash === 'string' ? meta.generatorHash : null,
  };
}
