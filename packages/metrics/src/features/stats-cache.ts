import type { GaussianStats } from '../ops/moments.js';
import type { FeatureSet } from './feature-set.js';

/** Cached statistics of a (real) data set under one extractor. */
export interface CachedStats {
  readonly n: number;
  readonly moments?: GaussianStats;
  readonly features?: FeatureSet;
}

/** Where statistics are kept between runs. `MemoryStatsCache` here; a file cache in `./node`. */
export interface StatsCache {
  get(key: string): Promise<CachedStats | undefined>;
  set(key: string, value: CachedStats): Promise<void>;
}

export class MemoryStatsCache implements StatsCache {
  private readonly entries = new Map<string, CachedStats>();
  async get(key: string): Promise<CachedStats | undefined> {
    return this.entries.get(key);
  }
  async set(key: string, value: CachedStats): Promise<void> {
    this.entries.set(key, value);
  }
  get size(): number {
    return this.entries.size;
  }
}

/** JSON with object keys sorted, so that equal inputs hash equally. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface StatsKeyParts {
  /** What the data is: e.g. the file list with sizes and mtimes (see `fileListFingerprint` in ./node). */
  readonly inputs: unknown;
  /** `FeatureExtractor.id`. */
  readonly extractorId: string;
  /** Anything else that changes the statistics (max images, resize, whether all features are kept). */
  readonly options?: unknown;
}

/** SHA-256 (WebCrypto, in browsers and Node ≥ 20) of the canonical JSON of the key parts, as hex. */
export async function statsCacheKey(parts: StatsKeyParts): Promise<string> {
  const bytes = new TextEncoder().encode(canonicalJson({ v: 1, ...parts }));
  const digest = await globalThis.crypto.subtle.digest('SHA-256', bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
