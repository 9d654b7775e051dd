/**
 * Checkpoint formats end to end on the official-parity fixture: checkpoint.pt vs goldens, g vs g_ema,
 * .pt → native → safetensors → native round trips (every tensor, outputs), hostile / broken inputs at the
 * loadCheckpoint / loadModel level, atomic writes, and tensor leaks.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, mkdir, readdir, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../backend.js';
import '../../kernels/register.js';
import { CheckpointError, FileError, SemstyleError, WeightsError } from '../../contract/errors.js';
import { loadCheckpoint, type LoadedCheckpoint } from '../load-checkpoint.js';
import { readSafetensors, writeSafetensors } from '../safetensors.js';
import type { StateDict } from '../host-tensor.js';
import { nativeFileSystemHandler } from '../../node/native-fs-handler.js';
import type { SemanticStyleGAN } from '../../model/semantic-stylegan.js';
import { exportSafetensors, loadModel, modelFromArtifacts, nativeArtifacts, saveModel } from './native-model.js';
import { NATIVE_FORMAT, NATIVE_FORMAT_VERSION } from './format.js';
import { compareToGolden, FIXTURE_DIR, golden, goldenTensor, loadFixture, PARITY_TOLERANCE, type Fixture } from '../../../test/helpers/fixture.js';

const PT = new Uint8Array(readFileSync(join(FIXTURE_DIR, 'checkpoint.pt')));
const ST = new Uint8Array(readFileSync(join(FIXTURE_DIR, 'weights.safetensors')));

interface Outputs {
  image: Float32Array;
  seg: Float32Array;
  segCoarse: Float32Array;
}

/** Case 1 of the goldens: golden z → w → W+ → forward with the stored noise; NHWC outputs. */
function forwardCase1(fixture: Fixture, g: SemanticStyleGAN): { image: tf.Tensor4D; seg: tf.Tensor4D; segCoarse: tf.Tensor4D } {
  return tf.tidy(() => {
    const z = goldenTensor(fixture, 'z') as tf.Tensor2D;
    const w = g.mapTensor(z);
    const wp = tf.tile(tf.expandDims(w, 1), [1, g.layout.nLatent, 1]) as tf.Tensor3D;
    const out = g.forward(wp, { noise: 'const' });
    return { image: out.image, seg: out.seg, segCoarse: out.segCoarse };
  });
}

async function outputs(fixture: Fixture, g: SemanticStyleGAN): Promise<Outputs> {
  const out = forwardCase1(fixture, g);
  try {
    return {
      image: (await out.image.data()) as Float32Array,
      seg: (await out.seg.data()) as Float32Array,
      segCoarse: (await out.segCoarse.data()) as Float32Array,
    };
  } finally {
    tf.dispose([out.image, out.seg, out.segCoarse]);
  }
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return false;
  return true;
}

function expectSameOutputs(a: Outputs, b: Outputs, label: string): void {
  expect(sameBits(a.image, b.image), `${label}: image`).toBe(true);
  expect(sameBits(a.seg, b.seg), `${label}: seg`).toBe(true);
  expect(sameBits(a.segCoarse, b.segCoarse), `${label}: seg_coarse`).toBe(true);
}

/** Every tensor of two state dicts: same names in the same order, same shapes, same bits. */
function expectSameStateDict(a: StateDict, b: StateDict, label: string): void {
  expect([...b.keys()], `${label}: names`).toEqual([...a.keys()]);
  for (const [name, t] of a) {
    const u = b.get(name)!;
    expect(u.shape, `${label}: ${name} shape`).toEqual(t.shape);
    expect(sameBits(t.data as Float32Array, u.data as Float32Array), `${label}: ${name} values`).toBe(true);
  }
}

async function stateDictOf(loaded: LoadedCheckpoint): Promise<StateDict> {
  const out: StateDict = new Map();
  for (const [k, v] of await loaded.generator.toStateDict(`${loaded.generatorWeights}.`)) out.set(k, v);
  if (loaded.discriminator) for (const [k, v] of await loaded.discriminator.toStateDict('d.')) out.set(k, v);
  return out;
}

async function expectError(promise: Promise<unknown>, cls: typeof SemstyleError, code: string): Promise<SemstyleError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(cls);
  expect((error as SemstyleError).code).toBe(code);
  return error as SemstyleError;
}

/** Replace the float32 bytes of one tensor's data in a file with NaN at `index` (no checksum involved). */
function withNaN(bytes: Uint8Array, data: Float32Array, index = 3): Uint8Array {
  const needle = new Uint8Array(data.buffer, data.byteOffset, 64);
  const copy = bytes.slice();
  let at = -1;
  outer: for (let i = 0; i + needle.length <= copy.length; i++) {
    for (let j = 0; j < needle.length; j++) if (copy[i + j] !== needle[j]) continue outer;
    if (at >= 0) throw new Error('needle not unique');
    at = i;
  }
  if (at < 0) throw new Error('needle not found');
  new DataView(copy.buffer).setFloat32(at + index * 4, Number.NaN, true);
  return copy;
}

let work: string;
let fixture: Fixture;

beforeAll(async () => {
  await initBackend('wasm');
  fixture = loadFixture();
  work = await mkdtemp(join(tmpdir(), 'semstyle-native-'));
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('checkpoint.pt vs goldens and weights.safetensors', () => {
  it('reproduces image / seg / seg_coarse within tolerance, bit-identical to the safetensors-loaded model', async () => {
    const fromPt = await loadCheckpoint(PT);
    const fromSt = await loadCheckpoint(ST);
    try {
      expect(fromPt.format).toBe('pytorch');
      expect(fromPt.generatorWeights).toBe('g_ema');
      const out = forwardCase1(fixture, fromPt.generator);
      for (const [name, t] of [
        ['image', out.image],
        ['seg', out.seg],
        ['seg_coarse', out.segCoarse],
      ] as const) {
        const r = await compareToGolden(t, golden(fixture, name), { nchw: true });
        expect(r.normalisedError, name).toBeLessThanOrEqual(PARITY_TOLERANCE);
      }
      tf.dispose([out.image, out.seg, out.segCoarse]);
      expectSameOutputs(await outputs(fixture, fromPt.generator), await outputs(fixture, fromSt.generator), '.pt vs safetensors');
      expectSameStateDict(await fromSt.generator.toStateDict(), await fromPt.generator.toStateDict(), 'g_ema weights');
    } finally {
      fromPt.dispose();
      fromSt.dispose();
    }
  });

  it("tells g from g_ema: generator 'g' gives different images", async () => {
    const ema = await loadCheckpoint(PT, { generator: 'g_ema' });
    const raw = await loadCheckpoint(PT, { generator: 'g' });
    try {
      expect(raw.generatorWeights).toBe('g');
      const a = await outputs(fixture, ema.generator);
      const b = await outputs(fixture, raw.generator);
      let max = 0;
      for (let i = 0; i < a.image.length; i++) max = Math.max(max, Math.abs(a.image[i]! - b.image[i]!));
      expect(max).toBeGreaterThan(0.5); // the fixture README measures 7.2
    } finally {
      ema.dispose();
      raw.dispose();
    }
  });
});

describe('round trips', () => {
  it('.pt → native → safetensors → native: every tensor and every output bit-identical', async () => {
    const before = tf.memory().numTensors;
    const ema = await loadCheckpoint(PT, { discriminator: true });
    const raw = await loadCheckpoint(PT, { generator: 'g' });
    const dir1 = join(work, 'rt-native-1');
    const dir2 = join(work, 'rt-native-2');
    try {
      // Small shards so the model spans several files.
      await saveModel(nativeFileSystemHandler(dir1, { shardBytes: 1 << 20 }), { ...ema, otherGenerator: raw.generator });
      const json = JSON.parse(await readFile(join(dir1, 'model.json'), 'utf8')) as {
        format: string;
        weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[] }> }>;
        userDefinedMetadata: { semstyle: { formatVersion: number; contents: string[]; model: Record<string, unknown> } };
        modelTopology?: unknown;
      };
      expect(json.format).toBe(NATIVE_FORMAT);
      expect(json.modelTopology).toBeUndefined();
      expect(json.userDefinedMetadata.semstyle.formatVersion).toBe(NATIVE_FORMAT_VERSION);
      expect(json.userDefinedMetadata.semstyle.contents).toEqual(['g_ema', 'g', 'd']);
      expect(json.userDefinedMetadata.semstyle.model['size']).toBe(64);
      expect(json.weightsManifest[0]!.paths.length).toBeGreaterThan(1);
      const names = json.weightsManifest[0]!.weights.map((w) => w.name);
      expect(names).toContain('g_ema.style.1.weight');
      expect(names).toContain('g.style.1.weight');
      expect(names).toContain('d.final_linear.0.weight');
      // tfjs layout: a conv weight is HWIO.
      const conv = json.weightsManifest[0]!.weights.find((w) => w.name === 'd.convs_img.0.0.weight')!;
      expect(conv.shape).toEqual([1, 1, 3, 32]);

      const n1 = await loadModel(nativeFileSystemHandler(dir1), { discriminator: true });
      const n1g = await loadModel(nativeFileSystemHandler(dir1), { generator: 'g' });
      const st = readSafetensors(await exportSafetensors({ ...n1, otherGenerator: n1g.generator }));
      expect(JSON.parse(st.metadata['config']!)).toHaveProperty('model.size', 64);
      expect([...st.tensors.keys()].filter((k) => k.startsWith('g.')).length).toBeGreaterThan(0);
      const stBytes = writeSafetensors(st.tensors, st.metadata);
      const s = await loadCheckpoint(stBytes, { discriminator: true });
      const sg = await loadCheckpoint(stBytes, { generator: 'g' });
      await saveModel(nativeFileSystemHandler(dir2), { ...s, otherGenerator: sg.generator });
      const n2 = await loadModel(nativeFileSystemHandler(dir2), { discriminator: true });
      const n2g = await loadModel(nativeFileSystemHandler(dir2), { generator: 'g' });
      try {
        expect(n2.format).toBe('native');
        const ref = await stateDictOf(ema);
        const refG = await stateDictOf(raw);
        for (const [label, loaded, loadedG] of [
          ['native', n1, n1g],
          ['safetensors', s, sg],
          ['native again', n2, n2g],
        ] as const) {
          expectSameStateDict(ref, await stateDictOf(loaded), `${label} g_ema + d`);
          expectSameStateDict(refG, await stateDictOf(loadedG), `${label} g`);
        }
        // The exported safetensors equals the official fixture's tensors (g_ema and d) bit for bit.
        const official = readSafetensors(ST).tensors;
        for (const [name, t] of official) expect(sameBits(t.data as Float32Array, st.tensors.get(name)!.data as Float32Array), name).toBe(true);

        const refOut = await outputs(fixture, ema.generator);
        const refOutG = await outputs(fixture, raw.generator);
        expectSameOutputs(refOut, await outputs(fixture, n2.generator), 'native again g_ema');
        expectSameOutputs(refOutG, await outputs(fixture, n2g.generator), 'native again g');
        const dIn = goldenTensor(fixture, 'd_in_img');
        const img = tf.transpose(dIn, [0, 2, 3, 1]) as tf.Tensor4D;
        const a = ema.discriminator!.predict(img);
        const b = n2.discriminator!.predict(img);
        expect(sameBits((await a.data()) as Float32Array, (await b.data()) as Float32Array)).toBe(true);
        tf.dispose([dIn, img, a, b]);
      } finally {
        for (const m of [n1, n1g, s, sg, n2, n2g]) m.dispose();
      }
    } finally {
      ema.dispose();
      raw.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('works through in-memory tfjs handlers (what IndexedDB / http hand over) and an http(s) URL handler', async () => {
    const ema = await loadCheckpoint(ST);
    try {
      let saved: tf.io.ModelArtifacts | undefined;
      await saveModel(
        tf.io.withSaveHandler(async (artifacts) => {
          saved = artifacts;
          return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
        }),
        ema,
      );
      // A single joined buffer, as IndexedDB returns it.
      const joined = { ...saved!, weightData: tf.io.CompositeArrayBuffer.join(saved!.weightData) };
      const back = await loadModel(tf.io.fromMemory(joined));
      expectSameOutputs(await outputs(fixture, ema.generator), await outputs(fixture, back.generator), 'memory');
      back.dispose();

      // http handler (as in a browser), served from a saved directory through a fake fetch.
      const dir = join(work, 'http');
      await saveModel(nativeFileSystemHandler(dir), ema);
      const fetchFunc = (async (url: string | URL | Request): Promise<Response> => {
        const name = new URL(url instanceof Request ? url.url : url).pathname.split('/').pop()!;
        return new Response(await readFile(join(dir, name)), { status: 200 });
      }) as typeof fetch;
      const viaHttp = await loadModel(tf.io.http('https://example.invalid/models/m/model.json', { fetchFunc }));
      expectSameOutputs(await outputs(fixture, ema.generator), await outputs(fixture, viaHttp.generator), 'http');
      viaHttp.dispose();
    } finally {
      ema.dispose();
    }
  });

  it('refuses a URL no tfjs handler serves here (Node has no indexeddb://)', async () => {
    await expectError(loadModel('indexeddb://nope'), SemstyleError, 'E_INVALID_ARGUMENT');
  });
});

describe('hostile and broken inputs', () => {
  let dir: string;
  let manifestBytes: string;

  beforeAll(async () => {
    dir = join(work, 'good');
    const ema = await loadCheckpoint(ST, { discriminator: true });
    try {
      await saveModel(nativeFileSystemHandler(dir, { shardBytes: 1 << 20 }), ema);
    } finally {
      ema.dispose();
    }
    manifestBytes = await readFile(join(dir, 'model.json'), 'utf8');
  });

  async function copyModel(name: string, editJson?: (json: Record<string, any>) => void): Promise<string> {
    const target = join(work, name);
    await mkdir(target);
    for (const f of await readdir(dir)) await writeFile(join(target, f), await readFile(join(dir, f)));
    if (editJson) {
      const json = JSON.parse(manifestBytes) as Record<string, any>;
      editJson(json);
      await writeFile(join(target, 'model.json'), JSON.stringify(json));
    }
    return target;
  }

  async function expectLoadFails(path: string, cls: typeof SemstyleError, code: string, options = { discriminator: true }): Promise<SemstyleError> {
    const before = tf.memory().numTensors;
    const error = await expectError(loadModel(nativeFileSystemHandler(path), options), cls, code);
    expect(tf.memory().numTensors, 'nothing half-loaded').toBe(before);
    return error;
  }

  it('NaN weights in a checkpoint: refused by default (.pt, safetensors, native), warned with nonFinite: warn', async () => {
    const fromSt = readSafetensors(ST).tensors;
    const target = fromSt.get('g_ema.style.1.weight')!.data as Float32Array;
    const before = tf.memory().numTensors;
    const badPt = withNaN(PT, target);
    const badSt = withNaN(ST, target);
    for (const bytes of [badPt, badSt]) {
      const e = await expectError(loadCheckpoint(bytes), WeightsError, 'E_WEIGHTS_NON_FINITE');
      expect(e.message).toContain('style.1.weight');
      expect(tf.memory().numTensors).toBe(before);
    }
    // Only g_ema was touched: loading 'g' succeeds.
    (await loadCheckpoint(badPt, { generator: 'g' })).dispose();

    const warnings: string[] = [];
    const warned = await loadCheckpoint(badPt, { nonFinite: 'warn', onWarning: (m) => warnings.push(m) });
    expect(warnings.some((m) => m.includes('style.1.weight') && /NaN/.test(m))).toBe(true);
    // Save the NaN model natively; loading it is refused again unless allowed.
    const nanDir = join(work, 'nan');
    await saveModel(nativeFileSystemHandler(nanDir), warned);
    warned.dispose();
    expect(tf.memory().numTensors).toBe(before);
    await expectLoadFails(nanDir, WeightsError, 'E_WEIGHTS_NON_FINITE', { discriminator: false });
    const nativeWarnings: string[] = [];
    (await loadModel(nativeFileSystemHandler(nanDir), { nonFinite: 'warn', onWarning: (m) => nativeWarnings.push(m) })).dispose();
    expect(nativeWarnings.length).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a missing shard → E_CHECKPOINT_CORRUPT', async () => {
    const path = await copyModel('missing-shard');
    await unlink(join(path, 'group1-shard2of3.bin'));
    const e = await expectLoadFails(path, CheckpointError, 'E_CHECKPOINT_CORRUPT');
    expect(e.message).toContain('group1-shard2of3.bin');
  });

  it('a truncated shard → E_CHECKPOINT_CORRUPT', async () => {
    const path = await copyModel('truncated-shard');
    await truncate(join(path, 'group1-shard3of3.bin'), 1000);
    await expectLoadFails(path, CheckpointError, 'E_CHECKPOINT_CORRUPT');
  });

  it('a manifest weight with the wrong byte length → E_CHECKPOINT_CORRUPT; a wrong shape of the right size → E_WEIGHTS_SHAPE', async () => {
    const longer = await copyModel('wrong-length', (json) => {
      const w = json['weightsManifest'][0].weights.find((x: { name: string }) => x.name === 'g_ema.style.1.weight');
      w.shape = [64, 65];
    });
    await expectLoadFails(longer, CheckpointError, 'E_CHECKPOINT_CORRUPT');
    const swapped = await copyModel('wrong-shape', (json) => {
      const w = json['weightsManifest'][0].weights.find((x: { name: string }) => x.name === 'd.convs_img.0.0.weight');
      w.shape = [1, 1, 32, 3];
    });
    await expectLoadFails(swapped, WeightsError, 'E_WEIGHTS_SHAPE');
    // The same check without the file-system handler's own byte count (e.g. IndexedDB artifacts).
    const artifacts = await nativeFileSystemHandler(longer).load!().catch(() => undefined);
    expect(artifacts).toBeUndefined();
    const ok = await nativeFileSystemHandler(dir).load!();
    const spec = ok.weightSpecs!.find((w) => w.name === 'g_ema.style.1.weight')!;
    spec.shape = [64, 65];
    const before = tf.memory().numTensors;
    await expectError(modelFromArtifacts(ok), CheckpointError, 'E_CHECKPOINT_CORRUPT');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an unknown format version, a non-semstyle model.json, unsafe shard paths, weights the config lacks', async () => {
    const future = await copyModel('future', (json) => {
      json['userDefinedMetadata'].semstyle.formatVersion = 99;
    });
    const e = await expectLoadFails(future, CheckpointError, 'E_CHECKPOINT_FORMAT');
    expect(e.message).toContain('99');
    const foreign = await copyModel('foreign', (json) => {
      delete json['userDefinedMetadata'];
    });
    await expectLoadFails(foreign, CheckpointError, 'E_CHECKPOINT_FORMAT');
    const unsafe = await copyModel('unsafe', (json) => {
      json['weightsManifest'][0].paths[0] = '../good/group1-shard1of3.bin';
    });
    await expectLoadFails(unsafe, CheckpointError, 'E_CHECKPOINT_UNSAFE');
    const extra = await copyModel('extra', (json) => {
      json['weightsManifest'][0].weights[0].name = 'g_ema.not_a_layer.weight';
    });
    await expectLoadFails(extra, WeightsError, 'E_WEIGHTS_UNEXPECTED');
    const notJson = await copyModel('not-json');
    await writeFile(join(notJson, 'model.json'), '{"weightsManifest": [');
    await expectLoadFails(notJson, CheckpointError, 'E_CHECKPOINT_FORMAT');
    await expectLoadFails(join(work, 'no-such-model'), FileError, 'E_FILE_NOT_FOUND');
    // Asking for weights the model does not hold.
    await expectLoadFails(dir, CheckpointError, 'E_CHECKPOINT_FORMAT', { generator: 'g' } as never);
  });

  it('an unwritable output → FileError E_IO and nothing left behind', async () => {
    const ema = await loadCheckpoint(ST);
    try {
      const blocker = join(work, 'blocker');
      await writeFile(blocker, 'a file, not a directory');
      const listing = await readdir(work);
      const before = tf.memory().numTensors;
      await expectError(saveModel(nativeFileSystemHandler(join(blocker, 'model')), ema), FileError, 'E_IO');
      await expectError(saveModel(nativeFileSystemHandler(blocker), ema), FileError, 'E_IO');
      expect(tf.memory().numTensors).toBe(before);
      expect((await readdir(work)).sort()).toEqual(listing.sort());
      expect(await readFile(blocker, 'utf8')).toBe('a file, not a directory');

      // A non-empty directory that is not a model is never replaced.
      const other = join(work, 'not-a-model');
      await mkdir(other);
      await writeFile(join(other, 'notes.txt'), 'keep me');
      await expectError(saveModel(nativeFileSystemHandler(other), ema), FileError, 'E_IO');
      expect(await readdir(other)).toEqual(['notes.txt']);

      // Overwriting a saved model replaces it whole (fewer shards now) and leaves no temporary directories.
      const target = join(work, 'overwrite');
      await saveModel(nativeFileSystemHandler(target, { shardBytes: 1 << 18 }), ema);
      const many = (await readdir(target)).length;
      await saveModel(nativeFileSystemHandler(target), ema);
      const files = await readdir(target);
      expect(files.length).toBeLessThan(many);
      expect(files.sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
      expect((await readdir(work)).filter((f) => f.startsWith('.'))).toEqual([]);
      (await loadModel(nativeFileSystemHandler(target))).dispose();
    } finally {
      ema.dispose();
    }
  });
});

describe('leaks', () => {
  it('save, load, export and artifacts leave no tensors behind', async () => {
    const ema = await loadCheckpoint(PT, { discriminator: true });
    try {
      const dir = join(work, 'leak');
      // Warm-up (backend kernels, caches), then measure.
      await saveModel(nativeFileSystemHandler(dir), ema);
      (await loadModel(nativeFileSystemHandler(dir), { discriminator: true })).dispose();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) {
        await saveModel(nativeFileSystemHandler(dir), ema);
        await nativeArtifacts(ema);
        await exportSafetensors(ema);
        const loaded = await loadModel(nativeFileSystemHandler(dir), { discriminator: true });
        loaded.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    } finally {
      ema.dispose();
    }
  });
});
