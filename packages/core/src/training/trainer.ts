import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '../kernels/register.js';
import { explainBackendCrash } from '../backend/wasm-crash.js';
import type { ModelConfig } from '../contract/config.js';
import { CheckpointError, ConfigError, FileError, SemstyleError } from '../contract/errors.js';
import { configFromOfficialArgs, configToOfficialArgs } from '../config/official-config.js';
import { validateModelConfig } from '../config/validate-config.js';
import type { StateDict } from '../io/host-tensor.js';
import { officialToTfjs, tfjsToOfficial } from '../io/layout.js';
import { readSafetensors, writeSafetensors } from '../io/safetensors.js';
import { SeededRandom } from '../latent/random.js';
import { DualBranchDiscriminator } from '../model/dual-branch-discriminator.js';
import { SemanticStyleGAN } from '../model/semantic-stylegan.js';
import { expandLatents } from '../networks/generator.js';
import type { ParameterStore } from '../networks/parameters.js';
import { readFileBytes, writeFileAtomic } from '../node/files.js';
import { gridPixels, imagesToPixels, segmentationToPixels } from '../visualize/to-pixels.js';
import { Adam } from './adam.js';
import type { TrainingBatch, TrainingDataSource } from './data-source.js';
import { copyParameters, emaUpdate } from './ema.js';
import { discriminatorLogisticLoss, generatorNonSaturatingLoss, maskRegularizer } from './losses.js';
import { mixedWPlus, sampleMixingPlan } from './mixing.js';
import {
  emaDecayFromOptions,
  lazyRegularizedAdam,
  resolveTrainingOptions,
  serializableOptions,
  type TrainingOptions,
} from './options.js';
import { encodeRgbPng } from './png.js';
import { pathLengthNoise, pathLengthPenalty, r1Loss, r1Penalty } from './regularizers.js';

/** Checkpoint format tag (safetensors metadata `semstyle_training`). */
export const TRAINING_CHECKPOINT_FORMAT = 'semstyle-training-1';

/** What one `step()` reports (train.py's loss dict). Regularisers keep their last value between runs. */
export interface TrainingLosses {
  readonly d: number;
  readonly g: number;
  readonly r1Img: number;
  readonly r1Seg: number;
  readonly path: number;
  readonly pathLength: number;
  readonly mask: number;
  readonly realScore: number;
  readonly fakeScore: number;
}

export interface StepResult extends TrainingLosses {
  /** Steps completed after this one (1 after the first step). */
  readonly step: number;
  /** Which lazy regularisers ran in this step. */
  readonly ranR1: boolean;
  readonly ranPath: boolean;
  readonly meanPathLength: number;
  /** Results of the metric hooks that ran after this step. */
  readonly metrics?: Record<string, number>;
  /** Files written after this step (samples, checkpoint). */
  readonly files?: string[];
  /** Wall-clock ms of each phase of this step (regularisers: 0 when they did not run). */
  readonly timings: { readonly dStep: number; readonly r1: number; readonly gStep: number; readonly path: number; readonly ema: number };
}

export interface TrainingProgress {
  readonly step: number;
  readonly targetStep: number;
  readonly result: StepResult;
  readonly secondsPerStep: number;
  readonly imagesPerSecond: number;
}

export interface TrainerInit {
  readonly config: ModelConfig;
  readonly data: TrainingDataSource;
  readonly options?: Partial<TrainingOptions>;
  /** Where checkpoints (`checkpoints/NNNNNN.safetensors`), samples (`samples/`) and `log.jsonl` go. */
  readonly outDir?: string;
  readonly seed?: number;
}

export interface ResumeOverrides {
  /** The config the caller expects; a checkpoint of another config is E_CONFIG_MISMATCH. */
  readonly config?: ModelConfig;
  /** Option changes (e.g. metrics hooks, sample/checkpoint cadence). Changing losses breaks exact resume. */
  readonly options?: Partial<TrainingOptions>;
  readonly outDir?: string;
}

interface SavedState {
  readonly format: string;
  readonly step: number;
  readonly seed: number;
  readonly rng: { state: number; spare: number | null };
  readonly meanPathLength: number;
  readonly dataPosition: number;
  readonly lastLosses: TrainingLosses;
  readonly options: Record<string, unknown>;
  readonly gOptimSteps: Record<string, number>;
  readonly dOptimSteps: Record<string, number>;
}

const ZERO_LOSSES: TrainingLosses = { d: 0, g: 0, r1Img: 0, r1Seg: 0, path: 0, pathLength: 0, mask: 0, realScore: 0, fakeScore: 0 };

/** Stable JSON (sorted keys) for comparing configs. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v,
  );
}

function sameConfig(a: ModelConfig, b: ModelConfig): boolean {
  return canonical(a) === canonical(b);
}

function checkDataMatches(config: ModelConfig, data: TrainingDataSource): void {
  const g = config.generator;
  if (data.segDim !== g.segDim) {
    throw new ConfigError('E_CONFIG_MISMATCH', `The data has ${data.segDim} classes, the model config ${g.segDim} (seg_dim).`, {
      details: { dataSegDim: data.segDim, configSegDim: g.segDim },
    });
  }
  if (data.resolution !== undefined && data.resolution !== g.size) {
    throw new ConfigError('E_CONFIG_MISMATCH', `The data is ${data.resolution} px, the model ${g.size} px.`, {
      details: { dataResolution: data.resolution, size: g.size },
    });
  }
}

/**
 * SemanticStyleGAN training (train.py) on tfjs: per step a D step (logistic loss, G frozen), R1 on real
 * image and mask every `dRegEvery` steps, a G step (non-saturating loss + mask consistency), the
 * path-length regulariser every `gRegEvery` steps, then the EMA of G. Step i regularises when
 * i % every === 0 (i from 0, as train.py). All randomness (latents, mixing, noise, data order) comes from
 * the seed; checkpoints hold every piece of state, so `Trainer.resume` continues bit for bit.
 */
export class Trainer {
  readonly config: ModelConfig;
  readonly options: TrainingOptions;
  readonly data: TrainingDataSource;
  readonly outDir: string | undefined;
  readonly seed: number;
  readonly g: SemanticStyleGAN;
  readonly gEma: SemanticStyleGAN;
  readonly d: DualBranchDiscriminator;
  readonly gOptim: Adam;
  readonly dOptim: Adam;
  private readonly rng: SeededRandom;
  private readonly gVarNames: Map<string, string>;
  private readonly dVarNames: Map<string, string>;
  private stepCount = 0;
  private meanPathLengthValue = 0;
  private dataPositionValue = 0;
  private lastLosses: TrainingLosses = ZERO_LOSSES;
  private iterator: AsyncIterator<TrainingBatch> | undefined;
  private sampleZ: tf.Tensor2D | undefined;
  private disposed = false;

  constructor(init: TrainerInit) {
    this.config = validateModelConfig(init.config);
    checkDataMatches(this.config, init.data);
    this.options = resolveTrainingOptions(init.options);
    this.data = init.data;
    this.outDir = init.outDir;
    this.seed = init.seed ?? 0;
    this.rng = new SeededRandom(this.seed);
    this.g = SemanticStyleGAN.random(this.config, this.seed);
    // g_ema starts as a copy of g (accumulate(g_ema, g, 0)); same seed → same buffers too.
    this.gEma = SemanticStyleGAN.random(this.config, this.seed);
    this.d = DualBranchDiscriminator.random(this.config, this.seed + 1);
    const frozen = (name: string) => this.options.freezeLocal && (name.startsWith('local_nets.') || name.startsWith('pos_embed.'));
    const gParams = this.g.params.entries().filter(([name, v]) => v.trainable && !frozen(name));
    const dParams = this.d.params.entries().filter(([, v]) => v.trainable);
    this.gVarNames = new Map(gParams.map(([name, v]) => [v.name, name]));
    this.dVarNames = new Map(dParams.map(([name, v]) => [v.name, name]));
    const base = { lr: this.options.lr, beta1: this.options.beta1, beta2: this.options.beta2, eps: this.options.eps };
    // The correction follows the regulariser that actually runs (none: c = 1).
    const gEvery = this.options.pathRegularize > 0 ? this.options.gRegEvery : 0;
    const dEvery = this.options.r1Img > 0 || this.options.r1Seg > 0 ? this.options.dRegEvery : 0;
    this.gOptim = new Adam(lazyRegularizedAdam(base, gEvery), gParams);
    this.dOptim = new Adam(lazyRegularizedAdam(base, dEvery), dParams);
  }

  /** Continue a run from a checkpoint written by `saveCheckpoint`, exactly where it stopped. */
  static async resume(checkpointPath: string, data: TrainingDataSource, overrides: ResumeOverrides = {}): Promise<Trainer> {
    const bytes = await readFileBytes(checkpointPath);
    const file = readSafetensors(bytes);
    const rawState = file.metadata['semstyle_training'];
    const rawConfig = file.metadata['config'];
    if (rawState === undefined || rawConfig === undefined) {
      throw new CheckpointError('E_CHECKPOINT_FORMAT', `${checkpointPath} is not a semstyle training checkpoint (no "semstyle_training"/"config" metadata).`, {
        details: { path: checkpointPath },
      });
    }
    let state: SavedState;
    let config: ModelConfig;
    try {
      state = JSON.parse(rawState) as SavedState;
      config = configFromOfficialArgs(JSON.parse(rawConfig) as Record<string, unknown>);
    } catch (cause) {
      throw new CheckpointError('E_CHECKPOINT_CORRUPT', `${checkpointPath}: unreadable training metadata.`, { cause, details: { path: checkpointPath } });
    }
    if (state.format !== TRAINING_CHECKPOINT_FORMAT) {
      throw new CheckpointError('E_CHECKPOINT_FORMAT', `${checkpointPath}: training checkpoint format "${state.format}", expected "${TRAINING_CHECKPOINT_FORMAT}".`);
    }
    if (overrides.config !== undefined && !sameConfig(validateModelConfig(overrides.config), config)) {
      throw new ConfigError('E_CONFIG_MISMATCH', `${checkpointPath} was trained with a different model config than the one given.`, {
        details: { path: checkpointPath, checkpointConfig: configToOfficialArgs(config), givenConfig: configToOfficialArgs(overrides.config) },
      });
    }
    const trainer = new Trainer({
      config,
      data,
      options: { ...(state.options as Partial<TrainingOptions>), ...(overrides.options ?? {}) },
      ...(overrides.outDir !== undefined ? { outDir: overrides.outDir } : {}),
      seed: state.seed,
    });
    try {
      trainer.restore(file.tensors, state);
    } catch (error) {
      trainer.dispose();
      throw error;
    }
    return trainer;
  }

  /** Steps completed. */
  get currentStep(): number {
    return this.stepCount;
  }

  get meanPathLength(): number {
    return this.meanPathLengthValue;
  }

  /** Position in the data stream (samples consumed, counting skipped ones). */
  get dataPosition(): number {
    return this.dataPositionValue;
  }

  /** One training iteration (D step, R1, G step, path length, EMA), then hooks, samples and checkpoints. */
  async step(): Promise<StepResult> {
    this.assertLive();
    const batch = await this.nextBatch();
    let result: Omit<StepResult, 'step'>;
    try {
      result = this.iterate(batch);
    } catch (error) {
      throw explainBackendCrash(error, `training step ${this.stepCount + 1} at batch ${this.options.batchSize}`, {
        hint: 'lower the batch size (`batchSize`; CLI --batch)',
      });
    } finally {
      tf.dispose([batch.image, batch.mask]);
    }
    this.stepCount++;
    this.dataPositionValue = batch.nextIndex ?? this.dataPositionValue + batch.image.shape[0];
    const extra = await this.afterStep();
    return { ...result, step: this.stepCount, ...extra };
  }

  /** Run `steps` more steps (or until `untilStep`), reporting progress after each. */
  async train(run: { steps?: number; untilStep?: number; onProgress?: (p: TrainingProgress) => void | Promise<void> }): Promise<StepResult | undefined> {
    const target = run.untilStep ?? this.stepCount + (run.steps ?? 0);
    let last: StepResult | undefined;
    while (this.stepCount < target) {
      const started = performance.now();
      last = await this.step();
      const seconds = (performance.now() - started) / 1000;
      const progress: TrainingProgress = {
        step: this.stepCount,
        targetStep: target,
        result: last,
        secondsPerStep: seconds,
        imagesPerSecond: this.options.batchSize / Math.max(seconds, 1e-9),
      };
      await this.log(progress);
      await run.onProgress?.(progress);
    }
    return last;
  }

  private iterate(batch: TrainingBatch): Omit<StepResult, 'step'> {
    const o = this.options;
    const gc = this.config.generator;
    const i = this.stepCount;
    const realImg = batch.image;
    const realMask = batch.mask;
    const n = realImg.shape[0];
    const scalars: tf.Scalar[] = [];
    const keep = (t: tf.Scalar) => {
      scalars.push(tf.keep(t));
      return t;
    };
    const map = (z: tf.Tensor2D) => this.g.mapTensor(z);

    let clock = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = now - clock;
      clock = now;
      return ms;
    };
    const timings = { dStep: 0, r1: 0, gStep: 0, path: 0, ema: 0 };
    // --- D step (G frozen: the fake is computed outside the tape) ---
    const planD = sampleMixingPlan(this.rng, n, gc.styleDim, gc.segDim, o.mixing);
    const noiseD = this.noiseOptions();
    const fake = tf.tidy(() => {
      const out = this.g.forward(mixedWPlus(gc, map, planD), noiseD);
      return { image: out.image, seg: out.seg };
    });
    let dLoss: tf.Scalar, realScore: tf.Scalar, fakeScore: tf.Scalar;
    try {
      const { value, grads } = tf.variableGrads(() => {
        const realPred = this.dForward(realImg, realMask);
        const fakePred = this.dForward(fake.image, fake.seg);
        realScore = keep(tf.mean(realPred));
        fakeScore = keep(tf.mean(fakePred));
        return discriminatorLogisticLoss(realPred, fakePred);
      }, this.dOptim.names.map((name) => this.d.params.get(name)));
      dLoss = keep(value);
      this.applyGrads(this.dOptim, this.dVarNames, grads, this.d.params);
    } finally {
      tf.dispose([fake.image, fake.seg]);
    }

    timings.dStep = lap();
    // --- R1 (lazy) ---
    let r1Img: tf.Scalar | undefined, r1Seg: tf.Scalar | undefined;
    const ranR1 = o.dRegEvery > 0 && (o.r1Img > 0 || o.r1Seg > 0) && i % o.dRegEvery === 0;
    if (ranR1) {
      const { value, grads } = tf.variableGrads(() => {
        const r1 = r1Penalty((x, s) => this.dForward(x, s), realImg, o.adaptation ? undefined : realMask);
        r1Img = keep(r1.img);
        if (r1.seg) r1Seg = keep(r1.seg);
        return r1Loss(r1, o.r1Img, o.r1Seg, o.dRegEvery);
      }, this.dOptim.names.map((name) => this.d.params.get(name)));
      value.dispose();
      this.applyGrads(this.dOptim, this.dVarNames, grads, this.d.params);
    }

    timings.r1 = lap();
    // --- G step ---
    const planG = sampleMixingPlan(this.rng, n, gc.styleDim, gc.segDim, o.mixing);
    const noiseG = this.noiseOptions();
    let gLoss: tf.Scalar, maskLoss: tf.Scalar;
    {
      const { value, grads } = tf.variableGrads(() => {
        const out = this.g.forward(mixedWPlus(gc, map, planG), noiseG);
        const pred = this.dForward(out.image, out.seg);
        gLoss = keep(generatorNonSaturatingLoss(pred));
        maskLoss = keep(maskRegularizer(out.segCoarse, out.seg).mean);
        return tf.add(gLoss, tf.mul(maskLoss, o.lambdaMask)) as tf.Scalar;
      }, this.gOptim.names.map((name) => this.g.params.get(name)));
      value.dispose();
      this.applyGrads(this.gOptim, this.gVarNames, grads, this.g.params);
    }

    timings.gStep = lap();
    // --- Path length (lazy) ---
    let pathPenalty: tf.Scalar | undefined, pathMean: tf.Scalar | undefined, pathLength: tf.Scalar | undefined;
    const ranPath = o.pathRegularize > 0 && o.gRegEvery > 0 && i % o.gRegEvery === 0;
    if (ranPath) {
      const pb = Math.max(1, Math.floor(n / o.pathBatchShrink));
      const plan = sampleMixingPlan(this.rng, pb, gc.styleDim, gc.segDim, o.mixing);
      // No gradient through the mapping network: the expanded latents are the leaves.
      const latents = tf.tidy(() => expandLatents(gc, mixedWPlus(gc, map, plan)));
      const noise = { ...this.noiseOptions(), expandedInput: true };
      const imageNoise = pathLengthNoise(this.rng.normalArray(pb * gc.size * gc.size * 3), [pb, gc.size, gc.size, 3]);
      try {
        const { value, grads } = tf.variableGrads(() => {
          const r = pathLengthPenalty((l) => this.g.forward(l, noise).image, latents, imageNoise, this.meanPathLengthValue, o.pathDecay);
          pathPenalty = keep(r.penalty);
          pathMean = keep(r.pathMean);
          pathLength = keep(tf.mean(r.pathLengths) as tf.Scalar);
          return tf.mul(r.penalty, o.pathRegularize * o.gRegEvery) as tf.Scalar;
        }, this.gOptim.names.map((name) => this.g.params.get(name)));
        value.dispose();
        this.applyGrads(this.gOptim, this.gVarNames, grads, this.g.params);
      } finally {
        tf.dispose([latents, imageNoise]);
      }
    }

    timings.path = lap();
    // --- EMA ---
    // This step is number stepCount + 1 (the counter advances after the step).
    emaUpdate(this.gEma.params, this.g.params, emaDecayFromOptions(o, this.stepCount + 1));
    timings.ema = lap();

    const read = (t: tf.Scalar | undefined, fallback: number) => (t === undefined ? fallback : (t.dataSync() as Float32Array)[0]!);
    const prev = this.lastLosses;
    const losses: TrainingLosses = {
      d: read(dLoss!, 0),
      g: read(gLoss!, 0),
      r1Img: read(r1Img, prev.r1Img),
      r1Seg: read(r1Seg, prev.r1Seg),
      path: read(pathPenalty, prev.path),
      pathLength: read(pathLength, prev.pathLength),
      mask: read(maskLoss!, 0),
      realScore: read(realScore!, 0),
      fakeScore: read(fakeScore!, 0),
    };
    if (pathMean !== undefined) this.meanPathLengthValue = read(pathMean, 0);
    tf.dispose(scalars);
    this.lastLosses = losses;
    return { ...losses, ranR1, ranPath, meanPathLength: this.meanPathLengthValue, timings };
  }

  private dForward(image: tf.Tensor4D, seg?: tf.Tensor4D): tf.Tensor2D {
    return this.options.adaptation || seg === undefined ? this.d.forward(image) : this.d.forward(image, seg);
  }

  private noiseOptions(): { noise: 'random' | 'const' | 'none'; noiseSeed?: number } {
    // Drawn every time so the stream does not depend on the noise mode.
    const noiseSeed = Math.floor(this.rng.uniform() * 2 ** 31);
    return this.options.noise === 'random' ? { noise: 'random', noiseSeed } : { noise: this.options.noise };
  }

  private applyGrads(optim: Adam, names: ReadonlyMap<string, string>, grads: tf.NamedTensorMap, params: ParameterStore): void {
    const byParam = new Map<string, tf.Tensor>();
    for (const [varName, grad] of Object.entries(grads)) {
      const name = names.get(varName);
      if (name !== undefined && grad) byParam.set(name, grad);
    }
    try {
      optim.step(byParam);
    } finally {
      tf.dispose(Object.values(grads).filter((g): g is tf.Tensor => g != null));
    }
    params.touch();
  }

  private async nextBatch(): Promise<TrainingBatch> {
    if (this.iterator === undefined) {
      this.iterator = this.data.batches(this.options.batchSize, this.seed, this.dataPositionValue)[Symbol.asyncIterator]();
    }
    const next = await this.iterator.next();
    if (next.done) throw new SemstyleError('E_DATASET', 'The training data source ended; TrainingDataSource.batches must yield forever.');
    return next.value;
  }

  private async afterStep(): Promise<{ metrics?: Record<string, number>; files?: string[] }> {
    const o = this.options;
    const s = this.stepCount;
    const files: string[] = [];
    let metrics: Record<string, number> | undefined;
    for (const hook of o.metrics) {
      if (s % hook.every !== 0) continue;
      const values = await hook.run(this.gEma);
      metrics = { ...(metrics ?? {}), ...(hook.name ? Object.fromEntries(Object.entries(values).map(([k, v]) => [`${hook.name}/${k}`, v])) : values) };
    }
    if (this.outDir !== undefined && o.sampleEvery > 0 && s % o.sampleEvery === 0) files.push(...(await this.writeSamples()));
    if (this.outDir !== undefined && o.checkpointEvery > 0 && s % o.checkpointEvery === 0) files.push(await this.saveCheckpoint());
    return { ...(metrics ? { metrics } : {}), ...(files.length ? { files } : {}) };
  }

  /** G_ema on the run's fixed sample Z: image grid and mask grid (8-bit RGB). */
  async samples(): Promise<{ image: ReturnType<typeof gridPixels>; mask: ReturnType<typeof gridPixels> }> {
    this.assertLive();
    const gc = this.config.generator;
    if (this.sampleZ === undefined) {
      const count = Math.max(1, this.options.sampleCount);
      this.sampleZ = tf.tensor2d(new SeededRandom(this.seed ^ 0x5a3b1e).normalArray(count * gc.styleDim), [count, gc.styleDim]);
    }
    const out = this.gEma.generate({ space: 'z', tensor: this.sampleZ }, { noise: 'const' });
    try {
      const columns = Math.ceil(Math.sqrt(this.sampleZ.shape[0]));
      const image = gridPixels(await imagesToPixels(out.image), columns);
      const mask = gridPixels(await segmentationToPixels(out.seg), columns);
      return { image, mask };
    } finally {
      tf.dispose([out.image, out.seg, out.segCoarse, out.depths, out.masks]);
    }
  }

  private async writeSamples(): Promise<string[]> {
    const dir = join(this.outDir!, 'samples');
    const tag = String(this.stepCount).padStart(6, '0');
    const { image, mask } = await this.samples();
    const paths = [join(dir, `img_${tag}.png`), join(dir, `mask_${tag}.png`)];
    await writeFileAtomic(paths[0]!, encodeRgbPng(image));
    await writeFileAtomic(paths[1]!, encodeRgbPng(mask));
    return paths;
  }

  /**
   * Write every piece of training state to a safetensors file (default `OUT/checkpoints/NNNNNN.safetensors`),
   * atomically (temporary file + rename: a failure leaves no partial file; E_IO). Keys: `g.*`, `g_ema.*`,
   * `d.*` (official state-dict names and layouts, so `loadCheckpoint` reads G_ema from it), `g_optim.NAME.exp_avg`,
   * `…exp_avg_sq`, `d_optim.*`; metadata `config` (official args) and `semstyle_training` (step, RNG,
   * mean path length, data position, options, optimiser step counts, last losses).
   */
  async saveCheckpoint(path?: string): Promise<string> {
    this.assertLive();
    const target = path ?? (this.outDir !== undefined ? join(this.outDir, 'checkpoints', `${String(this.stepCount).padStart(6, '0')}.safetensors`) : undefined);
    if (target === undefined) throw new FileError('E_IO', 'saveCheckpoint needs a path when the trainer has no outDir.');
    const tensors: StateDict = new Map();
    const add = (sd: StateDict) => sd.forEach((v, k) => tensors.set(k, v));
    add(await this.g.toStateDict('g.'));
    add(await this.gEma.toStateDict('g_ema.'));
    add(await this.d.toStateDict('d.'));
    const steps = async (prefix: string, optim: Adam, params: ParameterStore) => {
      const counts: Record<string, number> = {};
      const specs = new Map(params.specs.map((s) => [s.name, s]));
      for (const [name, slot] of optim.state) {
        const spec = specs.get(name)!;
        tensors.set(`${prefix}${name}.exp_avg`, await tfjsToOfficial(spec, slot.expAvg));
        tensors.set(`${prefix}${name}.exp_avg_sq`, await tfjsToOfficial(spec, slot.expAvgSq));
        counts[name] = slot.step;
      }
      return counts;
    };
    const state: SavedState = {
      format: TRAINING_CHECKPOINT_FORMAT,
      step: this.stepCount,
      seed: this.seed,
      rng: this.rng.getState(),
      meanPathLength: this.meanPathLengthValue,
      dataPosition: this.dataPositionValue,
      lastLosses: this.lastLosses,
      options: serializableOptions(this.options),
      gOptimSteps: await steps('g_optim.', this.gOptim, this.g.params),
      dOptimSteps: await steps('d_optim.', this.dOptim, this.d.params),
    };
    const bytes = writeSafetensors(tensors, {
      config: JSON.stringify(configToOfficialArgs(this.config)),
      semstyle_training: JSON.stringify(state),
    });
    await writeFileAtomic(target, bytes);
    return target;
  }

  private restore(tensors: StateDict, state: SavedState): void {
    const load = (store: ParameterStore, prefix: string) => {
      const values = new Map<string, tf.Tensor>();
      try {
        for (const spec of store.specs) {
          const host = tensors.get(prefix + spec.name);
          if (host === undefined) throw new CheckpointError('E_CHECKPOINT_CORRUPT', `Training checkpoint lacks "${prefix}${spec.name}".`);
          values.set(spec.name, officialToTfjs(spec, host, prefix));
        }
        store.assign(values);
      } finally {
        tf.dispose([...values.values()]);
      }
    };
    load(this.g.params, 'g.');
    load(this.gEma.params, 'g_ema.');
    load(this.d.params, 'd.');
    const optim = (optimizer: Adam, prefix: string, params: ParameterStore, counts: Record<string, number>) => {
      const specs = new Map(params.specs.map((s) => [s.name, s]));
      const slots = new Map<string, { expAvg: tf.Tensor; expAvgSq: tf.Tensor; step: number }>();
      try {
        for (const [name, step] of Object.entries(counts)) {
          const spec = specs.get(name);
          const m = tensors.get(`${prefix}${name}.exp_avg`);
          const v = tensors.get(`${prefix}${name}.exp_avg_sq`);
          if (spec === undefined || m === undefined || v === undefined) {
            throw new CheckpointError('E_CHECKPOINT_CORRUPT', `Training checkpoint lacks the optimiser state of "${name}".`);
          }
          slots.set(name, { expAvg: officialToTfjs(spec, m, prefix), expAvgSq: officialToTfjs(spec, v, prefix), step });
        }
        optimizer.setState(slots);
      } finally {
        for (const s of slots.values()) tf.dispose([s.expAvg, s.expAvgSq]);
      }
    };
    optim(this.gOptim, 'g_optim.', this.g.params, state.gOptimSteps);
    optim(this.dOptim, 'd_optim.', this.d.params, state.dOptimSteps);
    this.rng.setState(state.rng);
    this.stepCount = state.step;
    this.meanPathLengthValue = state.meanPathLength;
    this.dataPositionValue = state.dataPosition;
    this.lastLosses = { ...ZERO_LOSSES, ...state.lastLosses };
  }

  private async log(progress: TrainingProgress): Promise<void> {
    if (this.outDir === undefined) return;
    const { files: _files, ...result } = progress.result;
    const line = JSON.stringify({ ...result, secondsPerStep: progress.secondsPerStep, imagesPerSecond: progress.imagesPerSecond }) + '\n';
    try {
      await mkdir(this.outDir, { recursive: true });
      await appendFile(join(this.outDir, 'log.jsonl'), line);
    } catch (cause) {
      throw new FileError('E_IO', `Cannot write the training log in ${this.outDir}: ${(cause as Error).message}`, { cause, details: { path: this.outDir } });
    }
  }

  /** Copy G into G_ema (e.g. after loading pretrained weights into G). */
  syncEma(): void {
    copyParameters(this.gEma.params, this.g.params);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    void this.iterator?.return?.();
    this.iterator = undefined;
    this.sampleZ?.dispose();
    this.gOptim.dispose();
    this.dOptim.dispose();
    this.g.dispose();
    this.gEma.dispose();
    this.d.dispose();
  }

  private assertLive(): void {
    if (this.disposed) throw new SemstyleError('E_DISPOSED', 'This trainer was disposed.');
  }
}
