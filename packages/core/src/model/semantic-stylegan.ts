import * as tf from '@tensorflow/tfjs';
import type { GeneratorConfig, ModelConfig } from '../contract/config.js';
import { InputError, SemstyleError } from '../contract/errors.js';
import {
  GENERATOR_SPEC_V1,
  type MapOptions,
  type SemanticGeneratorV1,
  type SynthesisOptions,
  type SynthesisOutput,
} from '../contract/generator-v1.js';
import type { Latent, LatentLayout, WLatent, WPlusLatent, ZLatent } from '../contract/latent-types.js';
import { validateGeneratorConfig } from '../config/validate-config.js';
import type { StateDict } from '../io/host-tensor.js';
import { latentLayout, regionIndex } from '../latent/layout.js';
import { broadcastToWPlus, expectSpace, sampleZ, truncate } from '../latent/latents.js';
import { assertFinite, assertShape } from '../latent/validate.js';
import { seededNormal } from '../latent/random.js';
import { generatorForward, generatorParamSpecs, type GeneratorForwardOutput } from '../networks/generator.js';
import { stackLocalParams, type StackedLocalParams } from '../networks/local-generators.js';
import { mappingForward } from '../networks/mapping.js';
import { disposeFoldedRenderNet, foldRenderNet, withFoldedRenderNet, type FoldedRenderNet } from '../networks/render-net.js';
import { initialValues, ParameterStore } from '../networks/parameters.js';
import { synthesisChunkSize } from './synthesis-chunks.js';
import { parametersFromStateDict, parametersToStateDict, type LoadParametersOptions } from './load-parameters.js';

/** tf.keep every tensor reachable from `value` (objects, arrays, maps). */
function keepAll(value: unknown, seen = new Set<unknown>()): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof tf.Tensor) {
    tf.keep(value);
    return;
  }
  const children = value instanceof Map ? [...value.values()] : Array.isArray(value) ? value : Object.values(value);
  for (const child of children) keepAll(child, seen);
}

export interface MeanWOptions {
  /** Number of Z samples averaged (default 10 000, as the official scripts). */
  readonly samples?: number;
  readonly seed?: number;
}

export interface GenerateOptions extends SynthesisOptions, MapOptions {}

/**
 * SemanticStyleGAN's generator: mapping network, K local generators, fusion and render net. Implements the
 * plugin contract `SemanticGeneratorV1`. Tensors returned by any method belong to the caller; everything
 * else is tidied. Call `dispose()` when done.
 */
export class SemanticStyleGAN implements SemanticGeneratorV1 {
  readonly specificationVersion = GENERATOR_SPEC_V1;
  readonly config: GeneratorConfig;
  readonly layout: LatentLayout;
  readonly params: ParameterStore;
  private meanWCache: tf.Tensor1D | undefined;
  private stackedCache: { version: number; stacked: StackedLocalParams; render: FoldedRenderNet } | undefined;

  private constructor(config: GeneratorConfig, params: ParameterStore) {
    this.config = config;
    this.layout = latentLayout(config);
    this.params = params;
  }

  /** A generator with the official random initialisation (for training from scratch), seeded. */
  static random(config: GeneratorConfig | ModelConfig, seed = 0): SemanticStyleGAN {
    const g = validateGeneratorConfig('generator' in config ? config.generator : config);
    const specs = generatorParamSpecs(g);
    const values = initialValues(specs, seed);
    try {
      return new SemanticStyleGAN(g, new ParameterStore(specs, values, 'g.'));
    } finally {
      tf.dispose([...values.values()]);
    }
  }

  /** Build from an official state dict (e.g. the `g_ema.` tensors of a safetensors or .pt file). */
  static fromStateDict(config: GeneratorConfig | ModelConfig, stateDict: StateDict, options: LoadParametersOptions = {}): SemanticStyleGAN {
    const g = validateGeneratorConfig('generator' in config ? config.generator : config);
    return new SemanticStyleGAN(g, parametersFromStateDict(generatorParamSpecs(g), stateDict, options));
  }

  get regions(): readonly string[] {
    return this.config.regionNames;
  }

  get resolution(): number {
    return this.config.size;
  }

  /** The official state dict of this generator (keys prefixed with `prefix`). */
  toStateDict(prefix = ''): Promise<StateDict> {
    return parametersToStateDict(this.params, prefix);
  }

  sampleZ(n: number, seed: number): ZLatent {
    return sampleZ(n, this.config.styleDim, seed);
  }

  map(z: ZLatent, options: MapOptions = {}): WLatent {
    expectSpace(z, 'z');
    assertShape('Z latent', z.tensor, [null, this.config.styleDim]);
    assertFinite('Z latent', z.tensor);
    const w: WLatent = { space: 'w', tensor: mappingForward(this.config, this.params, z.tensor) };
    const psi = options.truncation ?? 1;
    if (psi === 1) return w;
    const truncated = this.truncateToMean(w, psi);
    w.tensor.dispose();
    return truncated;
  }

  /** The mean W over `samples` mapped Z (cached after the first call; seeded so it is reproducible). */
  meanW(options: MeanWOptions = {}): WLatent {
    this.params.get('style.1.weight'); // throws E_DISPOSED after dispose()
    if (this.meanWCache === undefined) {
      const samples = options.samples ?? 10_000;
      const seed = options.seed ?? 0x5eed;
      const chunk = 1000;
      let sum = tf.zeros([this.config.styleDim]) as tf.Tensor1D;
      for (let done = 0, part = 0; done < samples; done += chunk, part++) {
        const n = Math.min(chunk, samples - done);
        const next = tf.tidy(() => {
          const z = seededNormal([n, this.config.styleDim], seed * 7919 + part);
          return tf.add(sum, tf.sum(mappingForward(this.config, this.params, z as tf.Tensor2D), 0)) as tf.Tensor1D;
        });
        sum.dispose();
        sum = next;
      }
      this.meanWCache = tf.keep(tf.tidy(() => tf.div(sum, samples) as tf.Tensor1D));
      sum.dispose();
    }
    return { space: 'w', tensor: tf.tidy(() => tf.expandDims(this.meanWCache!, 0)) as tf.Tensor2D };
  }

  /** Replace the cached mean W (e.g. a training run's tracked w_avg), [styleDim] or [1, styleDim]. */
  setMeanW(mean: tf.Tensor): void {
    if (mean.size !== this.config.styleDim) {
      throw new InputError('E_SHAPE', `mean W has shape [${mean.shape.join(', ')}], expected [${this.config.styleDim}].`);
    }
    this.meanWCache?.dispose();
    this.meanWCache = tf.keep(tf.tidy(() => tf.reshape(mean, [this.config.styleDim]) as tf.Tensor1D));
  }

  toWPlus(w: WLatent): WPlusLatent {
    return broadcastToWPlus(w, this.layout);
  }

  /** Any latent → W+ (Z is mapped, W broadcast; truncation applies to every code). */
  toLatentWPlus(latent: Latent, options: MapOptions = {}): WPlusLatent {
    const psi = options.truncation ?? 1;
    if (latent.space === 'z') {
      const w = this.map(latent, options);
      const wplus = this.toWPlus(w);
      w.tensor.dispose();
      return wplus;
    }
    if (latent.space === 'w') {
      const w = psi === 1 ? latent : this.truncateToMean(latent, psi);
      const wplus = this.toWPlus(w);
      if (w !== latent) w.tensor.dispose();
      return wplus;
    }
    this.checkWPlus(latent);
    return psi === 1 ? { ...latent, tensor: tf.clone(latent.tensor) } : this.truncateToMean(latent, psi);
  }

  /** Convenience: any latent (Z, W or W+) → images, masks and depths. */
  generate(latent: Latent, options: GenerateOptions = {}): SynthesisOutput {
    const wplus = this.toLatentWPlus(latent, options);
    try {
      return this.synthesize(wplus, options);
    } finally {
      wplus.tensor.dispose();
    }
  }

  synthesize(latent: WPlusLatent, options: SynthesisOptions = {}): SynthesisOutput {
    this.checkWPlus(latent);
    const n = latent.tensor.shape[0];
    if (options.chunkSize !== undefined && !(Number.isInteger(options.chunkSize) && options.chunkSize >= 1)) {
      throw new InputError('E_INVALID_ARGUMENT', `chunkSize must be a positive integer (got ${options.chunkSize}).`);
    }
    const mask = this.compositionMask(n, options.compositionMask);
    try {
      const chunk = synthesisChunkSize(this.config, n, options.chunkSize);
      if (chunk >= n) return this.synthesizeChecked(latent.tensor, mask, options);
      const parts: SynthesisOutput[] = [];
      try {
        for (let start = 0, c = 0; start < n; start += chunk, c++) {
          const size = Math.min(chunk, n - start);
          const wplus = tf.slice(latent.tensor, [start, 0, 0], [size, -1, -1]);
          const maskPart = mask && tf.slice(mask, [start, 0], [size, -1]);
          try {
            const seed = options.noiseSeed === undefined ? {} : { noiseSeed: options.noiseSeed + c };
            parts.push(this.synthesizeChecked(wplus, maskPart, { ...options, ...seed }));
          } finally {
            tf.dispose([wplus, ...(maskPart ? [maskPart] : [])]);
          }
        }
        const keys = ['image', 'seg', 'segCoarse', 'depths', 'masks'] as const;
        const joined = Object.fromEntries(keys.map((key) => [key, tf.concat(parts.map((p) => p[key]), 0)]));
        return joined as unknown as SynthesisOutput;
      } finally {
        for (const part of parts) tf.dispose(part);
      }
    } finally {
      if (mask !== undefined && mask !== options.compositionMask) mask.dispose();
    }
  }

  /** One synthesis pass over already validated inputs. */
  private synthesizeChecked(wplus: tf.Tensor3D, mask: tf.Tensor2D | undefined, options: SynthesisOptions): SynthesisOutput {
    const stacked = this.inferenceStack();
    // Inference: the render net runs on weights folded once per parameter version.
    const out = withFoldedRenderNet(this.params, this.stackedCache!.render, () =>
      this.forward(wplus, {
        noise: options.noise ?? 'const',
        ...(options.noiseSeed === undefined ? {} : { noiseSeed: options.noiseSeed }),
        ...(mask ? { compositionMask: mask } : {}),
        stacked,
      }),
    );
    out.latentsExpanded.dispose();
    return { image: out.image, seg: out.seg, segCoarse: out.segCoarse, depths: out.depths, masks: out.masks };
  }

  /**
   * Render each region alone (composition mask with only that region, plus the background when
   * `withBackground`), in region order — the component-by-component view of the paper.
   */
  renderRegions(latent: WPlusLatent, options: Omit<SynthesisOptions, 'compositionMask'> & { withBackground?: boolean; cumulative?: boolean } = {}): SynthesisOutput[] {
    const outputs: SynthesisOutput[] = [];
    const kept: string[] = [];
    for (let k = 0; k < this.config.segDim; k++) {
      const name = this.config.regionNames[k]!;
      const regions = options.cumulative ? (kept.push(name), [...kept]) : options.withBackground && k > 0 ? [this.config.regionNames[0]!, name] : [name];
      outputs.push(this.synthesize(latent, { ...options, compositionMask: regions }));
    }
    return outputs;
  }

  /**
   * The raw differentiable forward pass for training and plugins that need gradients: W+ tensor
   * [N, nLatent, D] → NHWC outputs plus the expanded latents. No validation, nothing cached.
   */
  forward(wplus: tf.Tensor3D, options: Parameters<typeof generatorForward>[3]): GeneratorForwardOutput {
    return generatorForward(this.config, this.params, wplus, options);
  }

  /** Sample seeded Z, map (with optional truncation) and broadcast to W+ in one call. */
  sampleWPlus(n: number, seed: number, options: MapOptions = {}): WPlusLatent {
    const z = this.sampleZ(n, seed);
    try {
      return this.toLatentWPlus(z, options);
    } finally {
      z.tensor.dispose();
    }
  }

  /** Mapping network on a raw tensor (differentiable). */
  mapTensor(z: tf.Tensor2D): tf.Tensor2D {
    return mappingForward(this.config, this.params, z);
  }

  dispose(): void {
    this.meanWCache?.dispose();
    this.meanWCache = undefined;
    this.disposeStack();
    this.params.dispose();
  }

  /** Truncation ψ toward the (cached) mean W. */
  truncateToMean<L extends WLatent | WPlusLatent>(latent: L, psi: number): L {
    const mean = this.meanW();
    try {
      return truncate(latent, mean, psi);
    } finally {
      mean.tensor.dispose();
    }
  }

  private checkWPlus(latent: WPlusLatent): void {
    expectSpace(latent, 'w+');
    assertShape('W+ latent', latent.tensor, [null, this.layout.nLatent, this.config.styleDim]);
    assertFinite('W+ latent', latent.tensor);
  }

  private compositionMask(n: number, mask: SynthesisOptions['compositionMask']): tf.Tensor2D | undefined {
    if (mask === undefined) return undefined;
    const K = this.config.segDim;
    if (Array.isArray(mask)) {
      const keep = new Float32Array(K);
      for (const region of mask as readonly string[]) keep[regionIndex(this.layout, region)] = 1;
      return tf.tidy(() => tf.tile(tf.tensor2d(keep, [1, K]), [n, 1])) as tf.Tensor2D;
    }
    const tensor = mask as tf.Tensor2D;
    assertShape('composition mask', tensor, [n, K]);
    assertFinite('composition mask', tensor);
    return tensor;
  }

  /** Stacked local-generator parameters, cached until the parameters change. */
  private inferenceStack(): StackedLocalParams {
    if (this.params.isDisposed) throw new SemstyleError('E_DISPOSED', 'This generator was disposed.');
    if (this.stackedCache?.version !== this.params.version) {
      this.disposeStack();
      const stacked = stackLocalParams(this.config, this.params);
      const render = foldRenderNet(this.config, this.params);
      // The cache outlives any tf.tidy the caller may be in (the first synthesize can run inside one).
      keepAll(stacked);
      keepAll(render);
      this.stackedCache = { version: this.params.version, stacked, render };
    }
    return this.stackedCache!.stacked;
  }

  private disposeStack(): void {
    if (this.stackedCache) {
      tf.dispose(this.stackedCache.stacked as unknown as tf.TensorContainer);
      disposeFoldedRenderNet(this.stackedCache.render);
    }
    this.stackedCache = undefined;
  }
}
