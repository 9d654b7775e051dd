/**
 * loadGeneratorFromUrl / loadModelFromUrl over real HTTP: a native folder written by the file-system
 * handler, served by a local server, read back through tfjs' http handler (what a browser page does).
 */
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, normalize } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import '../../kernels/register.js';
import { nativeFileSystemHandler } from '../../node/native-fs-handler.js';
import { createTestingGenerator } from '../../testing/tiny-generator.js';
import { leakedTensors } from '../../testing/leaks.js';
import { FileError, SemstyleError } from '../../contract/errors.js';
import { saveModel } from './native-model.js';
import { loadGeneratorFromUrl, loadModelFromUrl, nativeModelJsonUrl } from './from-url.js';

let dir: string;
let server: Server;
let base: string;
const requests: string[] = [];

beforeAll(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'semstyle-url-'));
  const g = createTestingGenerator({ seed: 3 });
  await saveModel(nativeFileSystemHandler(join(dir, 'tiny')), { generator: g });
  g.dispose();
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir)) return void res.writeHead(403).end();
    readFile(file).then(
      (bytes) => res.writeHead(200, { 'content-type': path.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(bytes),
      () => res.writeHead(404).end('not found'),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe('nativeModelJsonUrl', () => {
  it('maps a folder URL (with or without a slash, with a query) to its model.json and keeps model.json URLs', () => {
    expect(nativeModelJsonUrl('models/default64/')).toBe('models/default64/model.json');
    expect(nativeModelJsonUrl('models/default64')).toBe('models/default64/model.json');
    expect(nativeModelJsonUrl('https://h/m/?v=2')).toBe('https://h/m/model.json?v=2');
    expect(nativeModelJsonUrl('https://h/m/model.json')).toBe('https://h/m/model.json');
    expect(() => nativeModelJsonUrl('')).toThrow(/native model folder/);
  });
});

describe('loadGeneratorFromUrl', () => {
  it('loads the same generator over HTTP (folder URL), bit for bit', async () => {
    requests.length = 0;
    const reference = createTestingGenerator({ seed: 3 });
    const g = await loadGeneratorFromUrl(`${base}/tiny/`);
    try {
      expect(requests[0]).toBe('/tiny/model.json');
      expect(requests.some((r) => r.endsWith('.bin'))).toBe(true);
      expect(g.regions).toEqual(reference.regions);
      const a = reference.sampleWPlus(1, 5);
      const [x, y] = [reference.synthesize(a), g.synthesize(a)];
      expect(Array.from(await y.image.data())).toEqual(Array.from(await x.image.data()));
      expect(Array.from(await y.masks.data())).toEqual(Array.from(await x.masks.data()));
      tf.dispose([a.tensor, x, y]);
    } finally {
      g.dispose();
      reference.dispose();
    }
  });

  it('reports progress and accepts the model.json URL', async () => {
    const progress: number[] = [];
    const loaded = await loadModelFromUrl(`${base}/tiny/model.json`, { onProgress: (f) => progress.push(f) });
    expect(loaded.format).toBe('native');
    expect(loaded.discriminator).toBeUndefined();
    expect(progress.at(-1)).toBe(1);
    loaded.dispose();
  });

  it('a missing model is E_IO naming the URL, and leaves no tensors behind', async () => {
    let error: unknown;
    const leaked = await leakedTensors(async () => {
      try {
        await loadGeneratorFromUrl(`${base}/missing/`);
      } catch (e) {
        error = e;
      }
    });
    expect(leaked).toBe(0);
    expect(error).toBeInstanceOf(FileError);
    expect(SemstyleError.isInstance(error) && error.code).toBe('E_IO');
    expect((error as Error).message).toContain(`${base}/missing/model.json`);
    expect((error as Error).message).toMatch(/404/);
  });
});
