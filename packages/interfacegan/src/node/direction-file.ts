import type { LatentSpace } from '@semstyle/core';
import { readFileBytes, writeFileAtomic } from '@semstyle/core/node';
import type { Direction } from '../direction.js';
import { directionFromBytes, directionToBytes } from '../io.js';

/** Path of the human-readable JSON beside a direction file: `smile.safetensors` → `smile.json`. */
export function sidecarPath(path: string): string {
  return path.endsWith('.safetensors') ? `${path.slice(0, -'.safetensors'.length)}.json` : `${path}.json`;
}

/**
 * Write a direction as safetensors (the file that is read back) and, unless `sidecar: false`, a JSON copy
 * of its metadata beside it for people.
 */
export async function saveDirection(path: string, direction: Direction, options: { sidecar?: boolean } = {}): Promise<void> {
  await writeFileAtomic(path, directionToBytes(direction));
  if (options.sidecar ?? true) {
    const { normal: _normal, ...meta } = direction;
    await writeFileAtomic(sidecarPath(path), `${JSON.stringify({ ...meta, normalLength: direction.normal.length }, null, 2)}\n`);
  }
}

/** Read a direction file; with `space`, another space is a `LatentSpaceError`. */
export async function loadDirection(path: string): Promise<Direction>;
export async function loadDirection<S extends LatentSpace>(path: string, options: { space: S }): Promise<Direction<S>>;
export async function loadDirection(path: string, options: { space?: LatentSpace } = {}): Promise<Direction> {
  const bytes = await readFileBytes(path);
  return options.space === undefined ? directionFromBytes(bytes) : directionFromBytes(bytes, { space: options.space });
}
