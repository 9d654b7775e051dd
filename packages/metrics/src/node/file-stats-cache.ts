import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { CachedStats, StatsCache } from '../features/stats-cache.js';
import { statsCacheKey } from '../features/stats-cache.js';

interface Header {
  n: number;
  moments?: { n: number; d: number };
  features?: { n: number; d: number };
}

/**
 * Statistics cache on disk: `<dir>/<key>.json` (header) + `<key>.bin` (float64 μ, Σ, then float32
 * features). Writes go through a temporary file and a rename, so a crash never leaves half an entry.
 */
export class FileStatsCache implements StatsCache {
  constructor(readonly dir: string) {}

  async get(key: string): Promise<CachedStats | undefined> {
    let header: Header;
    let bin: Buffer;
    try {
      header = JSON.parse(await readFile(join(this.dir, `${key}.json`), 'utf8')) as Header;
      bin = await readFile(join(this.dir, `${key}.bin`));
    } catch {
      return undefined;
    }
    const bytes = new Uint8Array(bin.buffer, bin.byteOffset, bin.byteLength).slice();
    let offset = 0;
    const take64 = (count: number) => {
      const out = new Float64Array(bytes.buffer, offset, count);
      offset += count * 8;
      return out;
    };
    const out: { n: number; moments?: CachedStats['moments']; features?: CachedStats['features'] } = { n: header.n };
    if (header.moments !== undefined) {
      const { n, d } = header.moments;
      out.moments = { n, d, mu: take64(d), sigma: take64(d * d) };
    }
    if (header.features !== undefined) {
      const { n, d } = header.features;
      out.features = { n, d, data: new Float32Array(bytes.buffer.slice(offset, offset + n * d * 4)) };
    }
    return out;
  }

  async set(key: string, value: CachedStats): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const parts: Uint8Array[] = [];
    const header: Header = { n: value.n };
    if (value.moments !== undefined) {
      header.moments = { n: value.moments.n, d: value.moments.d };
      parts.push(new Uint8Array(Float64Array.from(value.moments.mu).buffer), new Uint8Array(Float64Array.from(value.moments.sigma).buffer));
    }
    if (value.features !== undefined) {
      header.features = { n: value.features.n, d: value.features.d };
      parts.push(new Uint8Array(Float32Array.from(value.features.data).buffer));
    }
    const bin = join(this.dir, `${key}.bin`);
    const json = join(this.dir, `${key}.json`);
    await writeFile(`${bin}.tmp`, Buffer.concat(parts));
    await rename(`${bin}.tmp`, bin);
    await writeFile(`${json}.tmp`, JSON.stringify(header));
    await rename(`${json}.tmp`, json);
  }
}

/** Path, size and mtime of each file (sorted by path): what a real-data statistics key should cover. */
export async function fileListFingerprint(paths: readonly string[]): Promise<{ path: string; size: number; mtimeMs: number }[]> {
  const rows = await Promise.all(
    paths.map(async (p) => {
      const s = await stat(p);
      return { path: resolve(p), size: s.size, mtimeMs: Math.round(s.mtimeMs) };
    }),
  );
  return rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** Cache key for statistics of image files under an extractor: hash of file list + sizes/mtimes + extractor id + options. */
export async function realStatsKeyForFiles(paths: readonly string[], extractorId: string, options: unknown = {}): Promise<string> {
  return statsCacheKey({ inputs: await fileListFingerprint(paths), extractorId, options });
}
