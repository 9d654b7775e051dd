import * as tf from '@tensorflow/tfjs';
import { SeededRandom, WeightsError, InputError, type HostTensor, type StateDict } from '@semstyle/core';
import { validateEncoderConfig, type EncoderConfig, type PyramidLevel, type StoredEncoderConfig } from './config.js';
import { encoderParamSpecs, headConvs, irBlocks, stageEnd, type EncoderParamSpec } from './params.js';

export interface EncoderForwardOptions {
  /** BatchNorm on batch statistics (and record them for the running-statistics update). Default false: running stats. */
  readonly training?: boolean;
}

/** Batch statistics recorded by a training forward pass (kept tensors; apply with `updateRunningStats`). */
export type BatchNormStats = Array<{ name: string; mean: tf.Tensor1D; variance: tf.Tensor1D; count: number }>;

let nextId = 0;

/**
 * The ReStyle encoder E(x ⊕ ŷ) → ΔW+ [N, nLatent, styleDim]: an IR(-SE) ResNet with a feature pyramid and
 * one GradualStyleBlock per W+ slot (see `EncoderConfig`). Weights are tf.Variables (`trainableVariables()`
 * for optimisers); BatchNorm running statistics are non-trainable variables. NHWC.
 */
export class ReStyleEncoder {
  readonly config: EncoderConfig;
  readonly specs: readonly EncoderParamSpec[];
  private readonly vars = new Map<string, tf.Variable>();
  private disposed = false;
  private recording: BatchNormStats | undefined;

  private constructor(config: EncoderConfig, values: (spec: EncoderParamSpec) => tf.Tensor) {
    this.config = validateEncoderConfig(config);
    this.specs = encoderParamSpecs(this.config);
    const id = nextId++;
    try {
      for (const spec of this.specs) {
        const value = values(spec);
        try {
          this.vars.set(spec.name, tf.variable(value, spec.trainable, `restyle${id}.${spec.name}`));
        } finally {
          value.dispose();
        }
      }
    } catch (e) {
      for (const v of this.vars.values()) v.dispose();
      this.vars.clear();
      throw e;
    }
  }

  /** A freshly initialised encoder (seeded: the same seed gives the same weights everywhere). */
  static create(config: EncoderConfig, seed = 0): ReStyleEncoder {
    const rng = new SeededRandom(seed);
    return new ReStyleEncoder(config, (spec) => {
      const size = spec.shape.reduce((a, b) => a * b, 1);
      const data = new Float32Array(size);
      const init = spec.init;
      for (let i = 0; i < size; i++) {
        data[i] = init.kind === 'constant' ? init.value : init.kind === 'normal' ? rng.normal() * init.std : (rng.uniform() * 2 - 1) * init.bound;
      }
      return tf.tensor(data, [...spec.shape]);
    });
  }

  /** From named host tensors (e.g. a checkpoint); every parameter must be present with its shape. */
  static fromStateDict(config: StoredEncoderConfig, state: StateDict): ReStyleEncoder {
    const specs = encoderParamSpecs(validateEncoderConfig(config));
    const expected = new Set(specs.map((s) => s.name));
    for (const name of state.keys()) {
      if (!expected.has(name)) throw new WeightsError('E_WEIGHTS_UNEXPECTED', `Encoder weights hold an unexpected tensor "${name}".`, { details: { name } });
    }
    return new ReStyleEncoder(validateEncoderConfig(config), (spec) => {
      const t = state.get(spec.name);
      if (t === undefined) throw new WeightsError('E_WEIGHTS_MISSING', `Encoder weights lack "${spec.name}".`, { details: { name: spec.name } });
      if (t.dtype !== 'float32' || !tf.util.arraysEqual([...t.shape], [...spec.shape])) {
        throw new WeightsError('E_WEIGHTS_SHAPE', `Encoder tensor "${spec.name}" is ${t.dtype} [${t.shape.join(', ')}], expected float32 [${spec.shape.join(', ')}].`, {
          details: { name: spec.name, shape: t.shape, expected: spec.shape },
        });
      }
      return tf.tensor(t.data as Float32Array, [...t.shape]);
    });
  }

  /** Trainable variables by name, in spec order. */
  trainableVariables(): Array<[string, tf.Variable]> {
    this.assertLive();
    return this.specs.filter((s) => s.trainable).map((s) => [s.name, this.vars.get(s.name)!]);
  }

  /** All variables (running statistics included), in spec order. */
  entries(): Array<[string, tf.Variable]> {
    this.assertLive();
    return this.specs.map((s) => [s.name, this.vars.get(s.name)!]);
  }

  async toStateDict(): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const [name, v] of this.entries()) {
      const host: HostTensor = { dtype: 'float32', shape: [...v.shape], data: new Float32Array(await v.data()) };
      out.set(name, host);
    }
    return out;
  }

  /**
   * ΔW+ for a batch of 6-channel inputs (target ⊕ current reconstruction, [−1, 1], any size: resized to
   * `inputSize`). Differentiable w.r.t. the encoder's variables. With `training`, BatchNorm uses the batch
   * statistics and returns them in `stats` (kept tensors, for `updateRunningStats`).
   */
  forward(x: tf.Tensor4D, options: EncoderForwardOptions = {}): { delta: tf.Tensor3D; stats: BatchNormStats } {
    this.assertLive();
    if (x.rank !== 4 || x.shape[3] !== 6) throw new InputError('E_SHAPE', `Encoder input must be [N, H, W, 6], got [${x.shape.join(', ')}].`);
    const c = this.config;
    const stats: BatchNormStats = [];
    this.recording = options.training ? stats : undefined;
    try {
      const delta = tf.tidy(() => {
        let h: tf.Tensor4D = x.shape[1] === c.inputSize && x.shape[2] === c.inputSize ? x : tf.image.resizeBilinear(x, [c.inputSize, c.inputSize], false, true);
        h = this.conv(h, 'input_layer.conv', 1);
        h = this.bn(h, 'input_layer.bn');
        h = this.prelu(h, 'input_layer.prelu');
        const blocks = irBlocks(c);
        const ends = [stageEnd(c, 1), stageEnd(c, 2), stageEnd(c, 3)];
        const feats: tf.Tensor4D[] = [];
        blocks.forEach((b, i) => {
          h = this.irBlock(h, b.name, b.cin, b.cout, b.stride);
          if (ends.includes(i)) feats.push(h);
        });
        const [c1, c2, c3] = feats as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
        const p2 = this.upsampleAdd(c3, this.conv(c2, 'latlayer1', 1));
        const p1 = this.upsampleAdd(p2, this.conv(c1, 'latlayer2', 1));
        const byLevel: Record<PyramidLevel, tf.Tensor4D> = { coarse: c3, medium: p2, fine: p1 };
        const codes: tf.Tensor2D[] = [];
        for (let j = 0; j < c.nLatent; j++) codes.push(this.styleBlock(byLevel[c.slotLevels[j]!], j));
        return tf.stack(codes, 1) as tf.Tensor3D;
      });
      return { delta, stats };
    } finally {
      this.recording = undefined;
    }
  }

  /** torch's BatchNorm running update: r ← (1 − m)·r + m·batch (unbiased variance). Disposes `stats`. */
  updateRunningStats(stats: BatchNormStats): void {
    const m = this.config.bnMomentum;
    for (const s of stats) {
      const mean = this.vars.get(`${s.name}.running_mean`)!;
      const variance = this.vars.get(`${s.name}.running_var`)!;
      const unbias = s.count > 1 ? s.count / (s.count - 1) : 1;
      const next = tf.tidy(() => [tf.add(tf.mul(mean, 1 - m), tf.mul(s.mean, m)), tf.add(tf.mul(variance, 1 - m), tf.mul(s.variance, m * unbias))]);
      mean.assign(next[0]!);
      variance.assign(next[1]!);
      tf.dispose([...next, s.mean, s.variance]);
    }
    stats.length = 0;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
    this.disposed = true;
  }

  get isDisposed(): boolean {
    return this.disposed;
  }

  private assertLive(): void {
    if (this.disposed) throw new InputError('E_DISPOSED', 'This encoder has been disposed.');
  }

  private v(name: string): tf.Variable {
    return this.vars.get(name)!;
  }

  /** 3×3 / 1×1 conv with torch padding (k//2 on each side). */
  private conv(x: tf.Tensor4D, name: string, stride: number): tf.Tensor4D {
    const w = this.v(`${name}.weight`) as tf.Variable<tf.Rank.R4>;
    const k = w.shape[0];
    const p = Math.floor(k / 2);
    const padded = p > 0 ? tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) : x;
    let y = tf.conv2d(padded, w, stride, 'valid');
    const bias = this.vars.get(`${name}.bias`);
    if (bias) y = tf.add(y, bias);
    return y;
  }

  private bn(x: tf.Tensor4D, name: string): tf.Tensor4D {
    const gamma = this.v(`${name}.weight`);
    const beta = this.v(`${name}.bias`);
    let mean: tf.Tensor;
    let variance: tf.Tensor;
    if (this.recording) {
      const moments = tf.moments(x, [0, 1, 2]);
      mean = moments.mean;
      variance = moments.variance;
      const count = x.shape[0] * x.shape[1] * x.shape[2];
      this.recording.push({ name, mean: tf.keep(tf.clone(mean)) as tf.Tensor1D, variance: tf.keep(tf.clone(variance)) as tf.Tensor1D, count });
    } else {
      mean = this.v(`${name}.running_mean`);
      variance = this.v(`${name}.running_var`);
    }
    return tf.batchNorm(x, mean as tf.Tensor1D, variance as tf.Tensor1D, beta as tf.Tensor1D, gamma as tf.Tensor1D, this.config.bnEps);
  }

  private prelu(x: tf.Tensor4D, name: string): tf.Tensor4D {
    return tf.prelu(x, this.v(`${name}.weight`) as tf.Tensor4D);
  }

  private irBlock(x: tf.Tensor4D, name: string, cin: number, cout: number, stride: number): tf.Tensor4D {
    let shortcut: tf.Tensor4D;
    if (cin === cout) {
      shortcut = stride === 1 ? x : tf.maxPool(x, 1, stride, "valid"); // pSp: MaxPool2d(1, stride)
    } else {
      shortcut = this.bn(tf.conv2d(x, this.v(`${name}.shortcut.conv.weight`) as tf.Variable<tf.Rank.R4>, stride, 'valid'), `${name}.shortcut.bn`);
    }
    let r = this.bn(x, `${name}.res_layer.bn1`);
    r = this.conv(r, `${name}.res_layer.conv1`, 1);
    r = this.prelu(r, `${name}.res_layer.prelu`);
    r = this.conv(r, `${name}.res_layer.conv2`, stride);
    r = this.bn(r, `${name}.res_layer.bn2`);
    if (this.config.se) {
      const pooled = tf.mean(r, [1, 2], true) as tf.Tensor4D;
      const s = tf.relu(this.conv(pooled, `${name}.res_layer.se.fc1`, 1));
      const gate = tf.sigmoid(this.conv(s as tf.Tensor4D, `${name}.res_layer.se.fc2`, 1));
      r = tf.mul(r, gate);
    }
    return tf.add(r, shortcut);
  }

  private upsampleAdd(x: tf.Tensor4D, y: tf.Tensor4D): tf.Tensor4D {
    return tf.add(tf.image.resizeBilinear(x, [y.shape[1], y.shape[2]], true), y);
  }

  /** GradualStyleBlock: strided conv3×3 + LeakyReLU(0.01) down to 1×1, then EqualLinear. */
  private styleBlock(x: tf.Tensor4D, j: number): tf.Tensor2D {
    const level = this.config.slotLevels[j]!;
    let h = x;
    const n = headConvs(this.config, level);
    for (let i = 0; i < n; i++) h = tf.leakyRelu(this.conv(h, `styles.${j}.convs.${i}`, 2), 0.01);
    const flat = tf.mean(h, [1, 2]) as tf.Tensor2D; // 1×1 after the convs; mean also covers a 2×2 remainder
    const w = this.v(`styles.${j}.linear.weight`);
    const b = this.v(`styles.${j}.linear.bias`);
    return tf.add(tf.matMul(flat, tf.mul(w, 1 / Math.sqrt(this.config.headChannels))), b) as tf.Tensor2D;
  }
}
