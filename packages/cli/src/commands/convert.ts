/**
 * `semstyle convert IN OUT [--verify]`: between an official PyTorch `.pt`, safetensors (official key names,
 * NCHW, config in `__metadata__.config`) and semstyle's native directory (tfjs `model.json` + 4 MiB shards).
 *
 * Formats:
 * - IN: a directory (or a path to its `model.json`) is native; a file is detected from its bytes
 *   (`.pt` zip or safetensors).
 * - OUT: ends in `/`, has no extension, or is an existing directory → native directory; `.safetensors` →
 *   safetensors. Writing `.pt` is not supported (semstyle never writes pickles): write `.safetensors` and
 *   load it in PyTorch with `safetensors.torch.load_file` (keys `g_ema.*`, `d.*` strip to state dicts).
 *
 * What is carried: the generator chosen by `generatorWeights` ('g_ema' default, 'g', or 'all' for both) and
 * the discriminator when IN has one (unless `discriminator: false`). Optimizer state and other `.pt`
 * entries are not carried. Writes are atomic (nothing partial is left on failure).
 *
 * `verify`: OUT is reloaded and compared with IN: every weight bit for bit, then a forward pass of every
 * generator on `samples` seeded Z (const noise), and of the discriminator on IN's generated images and
 * masks. Float32 round trips must give a max abs difference of exactly 0.
 */
import { readFile, stat } from 'node:fs/promises';
import { extname, basename } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  detectCheckpointFormat,
  exportSafetensors,
  InputError,
  loadCheckpoint,
  loadModel,
  openTorchCheckpoint,
  saveModel,
  type CheckpointFormat,
  type GeneratorWeights,
  type LoadCheckpointOptions,
  type LoadedCheckpoint,
  type ModelContents,
  type NativeModule,
  type SemanticStyleGAN,
  type StateDict,
} from '@semstyle/core';
import { nativeFileSystemHandler, readFileBytes, writeFileAtomic } from '@semstyle/core/node';

export type ConvertGenerators = GeneratorWeights | 'all';

export interface ConvertCommandOptions {
  readonly input: string;
  readonly output: string;
  /** Reload OUT and compare weights and forward passes with IN. Default false. */
  readonly verify?: boolean;
  /** Which generator(s) to carry: 'g_ema' (default), 'g', or 'all'. */
  readonly generatorWeights?: ConvertGenerators;
  /** Carry the discriminator when IN has one (default true). */
  readonly discriminator?: boolean;
  /** Seeded samples per generator for --verify (default 4). */
  readonly samples?: number;
  readonly log?: (line: string) => void;
}

export interface ConvertVerifyResult {
  readonly samples: number;
  /** Weights compared, and how many differ in any bit. */
  readonly tensors: number;
  readonly tensorsDiffering: number;
  /** Largest |OUT − IN| over every output (images, segs, coarse segs, depths, masks, D logits). */
  readonly maxAbsDiff: number;
  /** The same per module (g_ema, g, d). */
  readonly perModule: Readonly<Partial<Record<NativeModule, number>>>;
  /** True when every weight and every output is identical. */
  readonly identical: boolean;
}

export interface ConvertCommandResult {
  readonly inputFormat: CheckpointFormat;
  readonly outputFormat: 'safetensors' | 'native';
  readonly modules: readonly NativeModule[];
  /** Number of tensors written. */
  readonly tensors: number;
  readonly verify?: ConvertVerifyResult;
}

interface Source {
  readonly format: CheckpointFormat;
  readonly path: string;
  readonly bytes?: Uint8Array;
  readonly modules: readonly NativeModule[];
}

const MODULES: readonly NativeModule[] = ['g_ema', 'g', 'd'];

function prefixesOf(names: Iterable<string>): NativeModule[] {
  const found = new Set<string>();
  for (const name of names) found.add(name.slice(0, Math.max(0, name.indexOf('.'))));
  return MODULES.filter((m) => found.has(m));
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function openSource(path: string): Promise<Source> {
  if ((await isDirectory(path)) || path.endsWith('.json')) {
    const jsonPath = path.endsWith('.json') ? path : `${path.replace(/[\\/]+$/, '')}/model.json`;
    let names: string[] = [];
    try {
      const json = JSON.parse(await readFile(jsonPath, 'utf8')) as { weightsManifest?: Array<{ weights?: Array<{ name?: unknown }> }> };
      names = (json.weightsManifest ?? []).flatMap((g) => (g.weights ?? []).map((w) => String(w.name)));
    } catch {
      // loadModel reports missing or broken model.json files with the proper error.
    }
    return { format: 'native', path, modules: prefixesOf(names) };
  }
  const bytes = await readFileBytes(path);
  const format = detectCheckpointFormat(bytes);
  if (format === 'pytorch') {
    const ckpt = await openTorchCheckpoint(bytes);
    return { format, path, bytes, modules: MODULES.filter((m) => ckpt.keys.includes(m)) };
  }
  // safetensors: the header names the tensors; a bare (unprefixed) state dict counts as g_ema.
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  let keys: string[] = [];
  try {
    keys = Object.keys(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as object).filter((k) => k !== '__metadata__');
  } catch {
    // loadCheckpoint reports the broken header.
  }
  const modules = prefixesOf(keys);
  return { format, path, bytes, modules: modules.length === 0 && keys.length > 0 ? ['g_ema'] : modules };
}

async function load(source: Source, options: LoadCheckpointOptions): Promise<LoadedCheckpoint> {
  return source.format === 'native' ? loadModel(nativeFileSystemHandler(source.path), options) : loadCheckpoint(source.bytes!, options);
}

/** Load the chosen modules; returns the contents to save plus everything to dispose. */
async function loadContents(source: Source, generators: ConvertGenerators, withD: boolean): Promise<{ contents: ModelContents; modules: NativeModule[]; dispose: () => void }> {
  const wanted: GeneratorWeights[] = generators === 'all' ? (['g_ema', 'g'] as const).filter((m) => source.modules.includes(m)) : [generators];
  if (wanted.length === 0) {
    throw new InputError('E_INVALID_ARGUMENT', `${source.path} holds no generator (found: ${source.modules.join(', ') || 'nothing'}).`);
  }
  const first = await load(source, { generator: wanted[0]!, discriminator: withD });
  let second: LoadedCheckpoint | undefined;
  try {
    if (wanted[1]) second = await load(source, { generator: wanted[1] });
  } catch (error) {
    first.dispose();
    throw error;
  }
  const contents: ModelContents = {
    generator: first.generator,
    generatorWeights: wanted[0]!,
    ...(second ? { otherGenerator: second.generator } : {}),
    ...(first.discriminator ? { discriminator: first.discriminator } : {}),
  };
  const modules = MODULES.filter((m) => wanted.includes(m as GeneratorWeights) || (m === 'd' && withD));
  return {
    contents,
    modules,
    dispose: () => {
      first.dispose();
      second?.dispose();
    },
  };
}

function outputFormat(path: string): 'safetensors' | 'native' | undefined {
  if (/[\\/]$/.test(path)) return 'native';
  const ext = extname(basename(path)).toLowerCase();
  if (ext === '.safetensors') return 'safetensors';
  if (ext === '') return 'native';
  return undefined;
}

function generatorsOf(contents: ModelContents): Array<[NativeModule, SemanticStyleGAN]> {
  const key = contents.generatorWeights ?? 'g_ema';
  const list: Array<[NativeModule, SemanticStyleGAN]> = [[key, contents.generator]];
  if (contents.otherGenerator) list.push([key === 'g_ema' ? 'g' : 'g_ema', contents.otherGenerator]);
  return list;
}

async function allStateDicts(contents: ModelContents): Promise<StateDict> {
  const out: StateDict = new Map();
  for (const [prefix, g] of generatorsOf(contents)) for (const [k, v] of await g.toStateDict(`${prefix}.`)) out.set(k, v);
  if (contents.discriminator) for (const [k, v] of await contents.discriminator.toStateDict('d.')) out.set(k, v);
  return out;
}

async function maxAbs(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const value = (await d.data())[0]!;
  d.dispose();
  return Number.isNaN(value) ? Infinity : value;
}

async function verify(inp: ModelContents, out: ModelContents, samples: number): Promise<ConvertVerifyResult> {
  const a = await allStateDicts(inp);
  const b = await allStateDicts(out);
  let differing = 0;
  for (const [name, t] of a) {
    const u = b.get(name);
    const x = t.data as Float32Array;
    const y = u?.data as Float32Array | undefined;
    let same = y !== undefined && x.length === y.length && t.shape.join() === u!.shape.join();
    if (same) {
      const ux = new Uint32Array(x.buffer, x.byteOffset, x.length);
      const uy = new Uint32Array(y!.buffer, y!.byteOffset, y!.length);
      for (let i = 0; i < ux.length && same; i++) same = ux[i] === uy[i];
    }
    if (!same) differing++;
  }
  differing += [...b.keys()].filter((k) => !a.has(k)).length;

  const perModule: Partial<Record<NativeModule, number>> = {};
  const outGenerators = new Map(generatorsOf(out));
  let firstOutputs: { image: tf.Tensor4D; seg: tf.Tensor4D } | undefined;
  try {
    for (const [key, g] of generatorsOf(inp)) {
      const other = outGenerators.get(key)!;
      const z = g.sampleZ(samples, 0);
      const x = g.generate(z, { noise: 'const' });
      const y = other.generate(z, { noise: 'const' });
      z.tensor.dispose();
      let m = 0;
      for (const k of ['image', 'seg', 'segCoarse', 'depths', 'masks'] as const) m = Math.max(m, await maxAbs(x[k], y[k]));
      perModule[key] = m;
      if (firstOutputs === undefined) {
        firstOutputs = { image: x.image, seg: x.seg };
        tf.dispose([x.segCoarse, x.depths, x.masks]);
      } else tf.dispose(x);
      tf.dispose(y);
    }
    if (inp.discriminator && out.discriminator && firstOutputs) {
      const x = inp.discriminator.predict(firstOutputs.image, firstOutputs.seg);
      const y = out.discriminator.predict(firstOutputs.image, firstOutputs.seg);
      perModule.d = await maxAbs(x, y);
      tf.dispose([x, y]);
    }
  } finally {
    if (firstOutputs) tf.dispose([firstOutputs.image, firstOutputs.seg]);
  }
  const maxAbsDiff = Math.max(0, ...Object.values(perModule));
  return { samples, tensors: a.size, tensorsDiffering: differing, maxAbsDiff, perModule, identical: differing === 0 && maxAbsDiff === 0 };
}

/** Convert IN to OUT (see the module comment); with `verify`, reload OUT and compare with IN. */
export async function convertCommand(options: ConvertCommandOptions): Promise<ConvertCommandResult> {
  const log = options.log ?? (() => undefined);
  const generators = options.generatorWeights ?? 'g_ema';
  if (!['g_ema', 'g', 'all'].includes(generators)) {
    throw new InputError('E_INVALID_ARGUMENT', `generator must be g_ema, g or all (got ${JSON.stringify(generators)}).`);
  }
  const samples = options.samples ?? 4;
  if (!Number.isInteger(samples) || samples <= 0) throw new InputError('E_INVALID_ARGUMENT', `samples must be a positive integer (got ${samples}).`);
  const outFormat = outputFormat(options.output) ?? ((await isDirectory(options.output)) ? 'native' : undefined);
  if (outFormat === undefined) {
    const ext = extname(options.output).toLowerCase();
    throw new InputError(
      'E_INVALID_ARGUMENT',
      ext === '.pt' || ext === '.pth' || ext === '.ckpt'
        ? `semstyle does not write PyTorch pickles (${options.output}); write .safetensors instead (PyTorch: safetensors.torch.load_file).`
        : `Cannot tell the output format of ${options.output}: use a .safetensors file, or a directory (ending in "/" or without extension) for the native format.`,
      { details: { output: options.output } },
    );
  }
  const source = await openSource(options.input);
  const withD = (options.discriminator ?? true) && source.modules.includes('d');
  log(`reading ${options.input} (${source.format}; holds ${source.modules.join(', ') || 'nothing recognised'})`);
  const input = await loadContents(source, generators, withD);
  try {
    const tensors = (await allStateDicts(input.contents)).size;
    if (outFormat === 'native') {
      await saveModel(nativeFileSystemHandler(options.output), input.contents);
    } else {
      await writeFileAtomic(options.output, await exportSafetensors(input.contents));
    }
    log(`wrote ${options.output} (${outFormat}; ${input.modules.join(', ')}; ${tensors} tensors)`);
    let verified: ConvertVerifyResult | undefined;
    if (options.verify) {
      const reread = await loadContents(await openSource(options.output), generators === 'all' ? 'all' : generators, withD);
      try {
        verified = await verify(input.contents, reread.contents, samples);
      } finally {
        reread.dispose();
      }
      const per = Object.entries(verified.perModule)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      log(
        `verify: ${verified.tensors - verified.tensorsDiffering}/${verified.tensors} tensors bit-identical; forward pass on ${samples} seeded samples (const noise): max abs difference ${verified.maxAbsDiff} (${per})`,
      );
    }
    return { inputFormat: source.format, outputFormat: outFormat, modules: input.modules, tensors, ...(verified ? { verify: verified } : {}) };
  } finally {
    input.dispose();
  }
}
