/**
 * Optional InterFaceGAN directions listed in `directions.json` beside the model's `model.json`:
 *
 * ```json
 * { "directions": [{ "name": "smile", "file": "smile.safetensors", "min": -3, "max": 3 }] }
 * ```
 *
 * `file` is a direction written by `@semstyle/interfacegan` (`directionToBytes`, or `semstyle` commands that
 * save directions), relative to the manifest. W directions are lifted to W+ (all slots); W+ directions must
 * have the model's layout. No manifest (404): no sliders. `@semstyle/interfacegan` is loaded only then.
 */
import type { LatentLayout, WPlusLatent } from '@semstyle/core';

export interface DirectionEntry {
  readonly name: string;
  readonly file: string;
  readonly min?: number;
  readonly max?: number;
}

export interface LoadedDirection {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Attribute and region restriction, for the label. */
  readonly description: string;
  /** The latent moved by `strength` along the unit normal (a new latent, yours). */
  apply(latent: WPlusLatent, strength: number): WPlusLatent;
}

export const DIRECTIONS_MANIFEST = 'directions.json';

function isEntry(v: unknown): v is DirectionEntry {
  const e = v as Partial<DirectionEntry> | null;
  return e !== null && typeof e === 'object' && typeof e.name === 'string' && typeof e.file === 'string';
}

/** The manifest's URL for a model URL (folder or model.json). */
export function manifestUrl(modelJsonUrl: string, base: string): URL {
  return new URL(DIRECTIONS_MANIFEST, new URL(modelJsonUrl, base));
}

export async function loadDirections(modelJsonUrl: string, layout: LatentLayout, base = document.baseURI): Promise<LoadedDirection[]> {
  const url = manifestUrl(modelJsonUrl, base);
  const response = await fetch(url);
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`Fetching ${url.href} failed: HTTP ${response.status}.`);
  // A static host that answers every path with its index page (SPA fallback) has no manifest either.
  if (/text\/html/i.test(response.headers.get('content-type') ?? '')) return [];
  let manifest: { directions?: unknown };
  try {
    manifest = (await response.json()) as { directions?: unknown };
  } catch (cause) {
    throw new Error(`${url.href} is not valid JSON.`, { cause });
  }
  const entries = Array.isArray(manifest.directions) ? manifest.directions : [];
  if (!entries.every(isEntry)) throw new Error(`${url.href}: every direction needs a "name" and a "file".`);
  if (entries.length === 0) return [];
  const igan = await import('@semstyle/interfacegan');
  const loaded: LoadedDirection[] = [];
  for (const entry of entries) {
    const fileUrl = new URL(entry.file, url);
    const r = await fetch(fileUrl);
    if (!r.ok) throw new Error(`Fetching direction ${fileUrl.href} failed: HTTP ${r.status}.`);
    const direction = igan.directionFromBytes(new Uint8Array(await r.arrayBuffer()));
    let plus;
    if (direction.space === 'w+') plus = direction as import('@semstyle/interfacegan').Direction<'w+'>;
    else if (direction.space === 'w') plus = igan.liftToWPlus(direction as import('@semstyle/interfacegan').Direction<'w'>, layout);
    else throw new Error(`Direction "${entry.name}" is in Z; the demo edits W+ latents (use a W or W+ direction).`);
    const regions = plus.info.regions;
    loaded.push({
      name: entry.name,
      min: entry.min ?? -3,
      max: entry.max ?? 3,
      description: `${plus.info.attribute}${regions && regions.length > 0 ? ` (${regions.join(', ')})` : ''}`,
      apply: (latent, strength) => igan.edit(latent, plus, strength),
    });
  }
  return loaded;
}
