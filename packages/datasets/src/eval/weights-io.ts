import * as tf from '@tensorflow/tfjs';

/**
 * Small tfjs IO for the evaluation networks: `model.json` (tfjs layers format, plus a `semstyle` block of
 * metadata) and one binary shard, read from a `file:` URL (Node, `node:fs`) or fetched (browsers, http(s)).
 * Weights are stored float16-quantised (tfjs' own `quantization: { dtype: 'float16' }`, which
 * `tf.io.decodeWeights` dequantises on load).
 */

/** `model.json` as written by {@link saveModelFiles}. */
export interface EvalModelJson {
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: null;
  readonly modelTopology: object;
  readonly weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
  /** Network-specific metadata (names of outputs, normalisation, training record). */
  readonly semstyle: Record<string, unknown>;
}

async function readBytes(url: URL): Promise<Uint8Array> {
  if (url.protocol === 'file:') {
    const [{ readFile }, { fileURLToPath }] = await Promise.all([import('node:fs/promises'), import('node:url')]);
    const buf = await readFile(fileURLToPath(url));
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`Cannot fetch ${url.href}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Directory URL (with a trailing slash) of a model folder: a URL, or a file path (Node; relative to the working directory). */
export function asFolderUrl(folder: string | URL): URL {
  if (folder instanceof URL) return new URL(folder.href.endsWith('/') ? folder.href : `${folder.href}/`);
  const withSlash = folder.endsWith('/') ? folder : `${folder}/`;
  if (/^[a-z][a-z0-9+.-]*:/i.test(folder) && !/^[a-z]:[\\/]/i.test(folder)) return new URL(withSlash);
  const isNode = typeof process !== 'undefined' && process.versions?.node !== undefined;
  if (isNode) {
    // file URL of the absolute path, percent-encoded like node:url's pathToFileURL (without importing it).
    const cwd = process.cwd().replace(/\\/g, '/');
    const path = withSlash.replace(/\\/g, '/');
    const abs = path.startsWith('/') || /^[a-z]:\//i.test(path) ? path : `${cwd}/${path}`;
    return new URL(`file://${abs.startsWith('/') ? '' : '/'}${abs.split('/').map(encodeURIComponent).join('/').replace(/^\/([a-z])%3A/i, '/$1:')}`);
  }
  return new URL(withSlash, typeof location !== 'undefined' ? location.href : undefined);
}

/**
 * Default folder of a shipped model: `models/<name>/` of this package, from the sources
 * (`src/eval/*.ts` → `../../models`) or from the bundle (`dist/index.js` → `../models`).
 */
export function packagedModelUrl(name: string, moduleUrl: string): URL {
  const fromDist = /\/dist\/[^/]*$/.test(new URL(moduleUrl).pathname);
  return new URL(`${fromDist ? '../' : '../../'}models/${name}/`, moduleUrl);
}

/** Read `model.json` + its shard from a folder; returns tfjs model artifacts and the metadata block. */
export async function readModelFiles(folder: URL): Promise<{ artifacts: tf.io.ModelArtifacts; json: EvalModelJson }> {
  let json: EvalModelJson;
  try {
    json = JSON.parse(new TextDecoder().decode(await readBytes(new URL('model.json', folder)))) as EvalModelJson;
  } catch (cause) {
    throw new Error(`Cannot read ${new URL('model.json', folder).href}: ${(cause as Error).message}`, { cause });
  }
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) parts.push(await readBytes(new URL(p, folder)));
  }
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const data = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    data.set(p, o);
    o += p.byteLength;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology,
    weightSpecs: specs,
    weightData: data.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
  };
  return { artifacts, json };
}

/** Load a tfjs LayersModel (and its metadata) from a folder URL. */
export async function loadLayersModelFrom(folder: URL): Promise<{ model: tf.LayersModel; meta: Record<string, unknown> }> {
  const { artifacts, json } = await readModelFiles(folder);
  const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return { model, meta: json.semstyle ?? {} };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of a number, round to nearest even (overflow → ±inf, NaN kept). */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // may carry into the exponent: correct
  return sign | half;
}

/**
 * Write `model.json` + `weights.bin` (float16-quantised float32 weights) of a LayersModel into `dir`
 * (Node only). Returns the byte sizes.
 */
export async function saveModelFiles(model: tf.LayersModel, dir: string, meta: Record<string, unknown>): Promise<{ json: number; bin: number }> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  const { join } = await import('node:path');
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (saved?.weightSpecs === undefined || saved.weightData === undefined) throw new Error('model.save produced no weights');
  const raw = new Uint8Array(tf.io.concatenateArrayBuffers(saved.weightData as ArrayBuffer | ArrayBuffer[]));
  const values = new Float32Array(raw.buffer, raw.byteOffset, raw.byteLength / 4);
  const specs: tf.io.WeightsManifestEntry[] = [];
  for (const s of saved.weightSpecs) {
    if (s.dtype !== 'float32') throw new Error(`weight ${s.name}: dtype ${s.dtype} (only float32 is quantised)`);
    specs.push({ name: s.name, shape: s.shape, dtype: 'float32', quantization: { dtype: 'float16' } });
  }
  const half = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) half[i] = toFloat16Bits(values[i]!);
  const json: EvalModelJson = {
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    modelTopology: saved.modelTopology as object,
    weightsManifest: [{ paths: ['weights.bin'], weights: specs }],
    semstyle: meta,
  };
  await mkdir(dir, { recursive: true });
  const text = JSON.stringify(json);
  await writeFile(join(dir, 'weights.bin'), new Uint8Array(half.buffer));
  await writeFile(join(dir, 'model.json'), text);
  return { json: text.length, bin: half.byteLength };
}
