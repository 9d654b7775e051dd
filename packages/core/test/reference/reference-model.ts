/**
 * Deliberately naive float64 reference of the OFFICIAL SemanticStyleGAN forward pass
 * (github seasonSH/SemanticStyleGAN, models/semantic_stylegan.py + models/utils.py), test-only.
 *
 * - Plain TypeScript loops, no tfjs, NCHW, C-contiguous Float64Array data.
 * - Reads the official state-dict names WITHOUT the `g_ema.` / `d.` prefix; weights are stored
 *   unscaled (equalized-lr scales are applied here, exactly as the official modules do).
 * - Every op mirrors one official op; each helper names the op it stands for. Clarity over speed.
 *
 * Not modelled: randomize_noise=True (random noise), the 2-style training mixing (random), detach_texture
 * (gradient-only), custom `coords`.
 */
import type { DiscriminatorConfig, GeneratorConfig } from '../../src/contract/config.js';

/** A float64 tensor, C-contiguous, PyTorch layout. */
export interface RefTensor {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

/** One state-dict entry (official PyTorch layout). */
export interface RefStateTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** Official state dict without the `g_ema.` / `d.` prefix. */
export type RefStateDict = ReadonlyMap<string, RefStateTensor>;

export type RefNoiseMode = 'const' | 'none';

export interface ReferenceGeneratorOptions {
  /** ψ; truncation applies only when ψ < 1 (official `truncate_styles`). Default 1. */
  readonly truncation?: number;
  /** w_avg [styleDim] (required when truncation < 1). */
  readonly truncationLatent?: RefTensor;
  /** [N, K], 1 = region kept (official `composition_mask`). */
  readonly compositionMask?: RefTensor;
  /**
   * 'const' (default): the stored `render_net.noises.noise_{j}` buffers (randomize_noise=False);
   * 'none': zero noise; or one tensor per render conv, [1 or N, 1, H, W].
   */
  readonly noise?: RefNoiseMode | readonly RefTensor[];
  /**
   * Rank-2 input only: true = the input is already w (official input_is_latent=True), it is not mapped.
   * Rank-3 input (W+ or expanded latents) is always taken as latent.
   */
  readonly inputIsLatent?: boolean;
}

export interface ReferenceGeneratorOutput {
  /** [N, 3, size, size], not clamped. */
  readonly image: RefTensor;
  /** [N, K, size, size] logits. */
  readonly seg: RefTensor;
  /** [N, K, cs, cs] = 2m − 1. */
  readonly segCoarse: RefTensor;
  /** [N, K, cs, cs]; region 0 exactly 0. */
  readonly depths: RefTensor;
  /** [N, K, cs, cs] softmax of depths (after the composition mask, before transparency). */
  readonly m: RefTensor;
  /** [N, K·localLayers, styleDim]. */
  readonly latentsExpanded: RefTensor;
  /** [N, nLatent, styleDim] after mapping/truncation, before expansion (null if the input was already expanded). */
  readonly wPlus: RefTensor | null;
  /** [localChannel, cs, cs] (identical for every sample and region). */
  readonly posEmbed: RefTensor;
  /** [N, coarseChannel, cs, cs] composited feature fed to the render net. */
  readonly featCoarse: RefTensor;
  /** [K, N, coarseChannel, cs, cs] per-region local-generator features before compositing. */
  readonly localFeats: RefTensor;
  /** Running rgb skip after each render stage (last one = image). */
  readonly renderRgbs: readonly RefTensor[];
  /** Running seg skip after each render stage (last one = seg). */
  readonly renderSegs: readonly RefTensor[];
}

// ---------------------------------------------------------------------------------------------
// small utilities

const SQRT2 = Math.SQRT2;

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function zeros(shape: readonly number[]): RefTensor {
  return { shape: [...shape], data: new Float64Array(size(shape)) };
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function param(sd: RefStateDict, name: string, shape: readonly number[]): Float64Array {
  const t = sd.get(name);
  if (!t) throw new Error(`reference: missing state-dict key '${name}'`);
  if (!sameShape(t.shape, shape)) {
    throw new Error(`reference: '${name}' has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
  }
  return Float64Array.from(t.data);
}

function at(a: ArrayLike<number>, i: number): number {
  const v = a[i];
  if (v === undefined) throw new Error(`reference: index ${i} out of range (${a.length})`);
  return v;
}

function channelAt(channels: Readonly<Record<number, number>>, res: number): number {
  const c = channels[res];
  if (c === undefined) throw new Error(`reference: channel table has no entry for ${res}`);
  return c;
}

function log2Int(x: number): number {
  const l = Math.round(Math.log2(x));
  if (2 ** l !== x) throw new Error(`reference: ${x} is not a power of two`);
  return l;
}

/** official `make_kernel`: outer(k, k) / sum, times `gain`. Returns [L, L]. */
export function makeKernel(k: readonly number[], gain = 1): RefTensor {
  const L = k.length;
  const out = new Float64Array(L * L);
  let s = 0;
  for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) s += at(k, i) * at(k, j);
  for (let i = 0; i < L; i++) for (let j = 0; j < L; j++) out[i * L + j] = ((at(k, i) * at(k, j)) / s) * gain;
  return { shape: [L, L], data: out };
}

/** A FIR kernel buffer, when the state dict has it, must equal the one built from the config. */
function checkKernel(sd: RefStateDict, name: string, expected: RefTensor): void {
  const t = sd.get(name);
  if (!t) return;
  if (!sameShape(t.shape, expected.shape)) throw new Error(`reference: kernel '${name}' has shape [${t.shape.join(',')}]`);
  for (let i = 0; i < expected.data.length; i++) {
    if (Math.abs(at(t.data, i) - at(expected.data, i)) > 1e-6) {
      throw new Error(`reference: kernel '${name}' differs from make_kernel(blurKernel)`);
    }
  }
}

/** fused_leaky_relu(x, bias) = leaky_relu(x + bias, 0.2) · √2, bias per channel (dim 1). In place. */
function fusedLrelu(x: RefTensor, bias: Float64Array | null, scaleBias = 1): RefTensor {
  const [N, C] = [at(x.shape, 0), at(x.shape, 1)];
  const inner = size(x.shape.slice(2));
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const b = bias ? at(bias, c) * scaleBias : 0;
      const off = (n * C + c) * inner;
      for (let i = 0; i < inner; i++) {
        const v = at(x.data, off + i) + b;
        x.data[off + i] = (v < 0 ? 0.2 * v : v) * SQRT2;
      }
    }
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// conv-like ops (NCHW)

/** F.conv2d(x, w, bias=None, stride, padding) with w [O, I, kh, kw]. */
function conv2d(x: RefTensor, w: Float64Array, wShape: readonly number[], stride: number, pad: number): RefTensor {
  const [N, I, H, W] = x.shape as [number, number, number, number];
  const [O, I2, KH, KW] = wShape as [number, number, number, number];
  if (I !== I2) throw new Error(`reference conv2d: input has ${I} channels, weight expects ${I2}`);
  const Ho = Math.floor((H + 2 * pad - KH) / stride) + 1;
  const Wo = Math.floor((W + 2 * pad - KW) / stride) + 1;
  const out = zeros([N, O, Ho, Wo]);
  const xd = x.data;
  const od = out.data;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const oOff = (n * O + o) * Ho * Wo;
      for (let i = 0; i < I; i++) {
        const xOff = (n * I + i) * H * W;
        for (let ky = 0; ky < KH; ky++) {
          for (let kx = 0; kx < KW; kx++) {
            const wv = w[((o * I + i) * KH + ky) * KW + kx]!;
            // output columns whose input column ix = ox·stride + kx − pad lies inside [0, W)
            const ox0 = Math.max(0, Math.ceil((pad - kx) / stride));
            const ox1 = Math.min(Wo, Math.floor((W - 1 + pad - kx) / stride) + 1);
            for (let oy = 0; oy < Ho; oy++) {
              const iy = oy * stride + ky - pad;
              if (iy < 0 || iy >= H) continue;
              const rowX = xOff + iy * W + kx - pad;
              const rowO = oOff + oy * Wo;
              for (let ox = ox0; ox < ox1; ox++) od[rowO + ox]! += wv * xd[rowX + ox * stride]!;
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * F.conv_transpose2d(x, wT, stride=2, padding=0) where wT = w.transpose(0, 1) and w is [O, I, k, k]:
 * out[o, 2a+ky, 2b+kx] += x[i, a, b] · w[o, i, ky, kx]. Output (H−1)·2 + k.
 */
function convTranspose2dStride2(x: RefTensor, w: Float64Array, wShape: readonly number[]): RefTensor {
  const [N, I, H, W] = x.shape as [number, number, number, number];
  const [O, I2, KH, KW] = wShape as [number, number, number, number];
  if (I !== I2) throw new Error(`reference convTranspose2d: input has ${I} channels, weight expects ${I2}`);
  const Ho = (H - 1) * 2 + KH;
  const Wo = (W - 1) * 2 + KW;
  const out = zeros([N, O, Ho, Wo]);
  const xd = x.data;
  const od = out.data;
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const oOff = (n * O + o) * Ho * Wo;
      for (let i = 0; i < I; i++) {
        const xOff = (n * I + i) * H * W;
        for (let ky = 0; ky < KH; ky++) {
          for (let kx = 0; kx < KW; kx++) {
            const wv = w[((o * I + i) * KH + ky) * KW + kx]!;
            for (let a = 0; a < H; a++) {
              const rowO = oOff + (2 * a + ky) * Wo + kx;
              const rowX = xOff + a * W;
              for (let b = 0; b < W; b++) od[rowO + 2 * b]! += wv * xd[rowX + b]!;
            }
          }
        }
      }
    }
  }
  return out;
}

/**
 * upfirdn2d_native(x, kernel, up, down, pad=(pad0, pad1)) on both axes: zero-insertion upsampling
 * (each sample followed by up−1 zeros), pad (negative = crop), correlate with the FLIPPED kernel,
 * keep every `down`-th sample.
 */
function upfirdn2d(x: RefTensor, kernel: RefTensor, up: number, down: number, pad0: number, pad1: number): RefTensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [KH, KW] = kernel.shape as [number, number];
  const k = kernel.data;
  const UH = H * up + pad0 + pad1; // padded (and cropped) upsampled height
  const UW = W * up + pad0 + pad1;
  const Ho = Math.floor((UH - KH + down) / down);
  const Wo = Math.floor((UW - KW + down) / down);
  const out = zeros([N, C, Ho, Wo]);
  const buf = new Float64Array(UH * UW);
  for (let nc = 0; nc < N * C; nc++) {
    buf.fill(0);
    // place input sample (a, b) at upsampled (a·up, b·up), shifted by pad0 (crop when out of range)
    for (let a = 0; a < H; a++) {
      const py = a * up + pad0;
      if (py < 0 || py >= UH) continue;
      for (let b = 0; b < W; b++) {
        const px = b * up + pad0;
        if (px < 0 || px >= UW) continue;
        buf[py * UW + px] = x.data[nc * H * W + a * W + b]!;
      }
    }
    const oOff = nc * Ho * Wo;
    for (let oy = 0; oy < Ho; oy++) {
      for (let ox = 0; ox < Wo; ox++) {
        let s = 0;
        for (let ky = 0; ky < KH; ky++) {
          for (let kx = 0; kx < KW; kx++) {
            const flipped = k[(KH - 1 - ky) * KW + (KW - 1 - kx)]!;
            s += flipped * buf[(oy * down + ky) * UW + (ox * down + kx)]!;
          }
        }
        out.data[oOff + oy * Wo + ox] = s;
      }
    }
  }
  return out;
}

/** F.adaptive_avg_pool2d(x, (S, S)). */
function adaptiveAvgPool2d(x: RefTensor, S: number): RefTensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const out = zeros([N, C, S, S]);
  for (let nc = 0; nc < N * C; nc++) {
    for (let oy = 0; oy < S; oy++) {
      const y0 = Math.floor((oy * H) / S);
      const y1 = Math.ceil(((oy + 1) * H) / S);
      for (let ox = 0; ox < S; ox++) {
        const x0 = Math.floor((ox * W) / S);
        const x1 = Math.ceil(((ox + 1) * W) / S);
        let s = 0;
        for (let y = y0; y < y1; y++) for (let xx = x0; xx < x1; xx++) s += x.data[nc * H * W + y * W + xx]!;
        out.data[nc * S * S + oy * S + ox] = s / ((y1 - y0) * (x1 - x0));
      }
    }
  }
  return out;
}

/** torch.cat((a, b), 1). */
function catChannels(a: RefTensor, b: RefTensor): RefTensor {
  const [N, Ca, H, W] = a.shape as [number, number, number, number];
  const Cb = at(b.shape, 1);
  if (at(b.shape, 0) !== N || at(b.shape, 2) !== H || at(b.shape, 3) !== W) throw new Error('reference cat: shape mismatch');
  const out = zeros([N, Ca + Cb, H, W]);
  const P = H * W;
  for (let n = 0; n < N; n++) {
    out.data.set(a.data.subarray(n * Ca * P, (n + 1) * Ca * P), n * (Ca + Cb) * P);
    out.data.set(b.data.subarray(n * Cb * P, (n + 1) * Cb * P), (n * (Ca + Cb) + Ca) * P);
  }
  return out;
}

function addInPlace(a: RefTensor, b: RefTensor): RefTensor {
  if (!sameShape(a.shape, b.shape)) throw new Error(`reference add: [${a.shape.join(',')}] vs [${b.shape.join(',')}]`);
  for (let i = 0; i < a.data.length; i++) a.data[i]! += b.data[i]!;
  return a;
}

// ---------------------------------------------------------------------------------------------
// official layers

/** EqualLinear(in, out, lr_mul, activation) on x [N, in] → [N, out]; names `${prefix}.weight/.bias`. */
function equalLinear(
  sd: RefStateDict,
  prefix: string,
  x: RefTensor,
  outDim: number,
  lrMul: number,
  activation: boolean,
): RefTensor {
  const [N, inDim] = x.shape as [number, number];
  const W = param(sd, `${prefix}.weight`, [outDim, inDim]);
  const b = param(sd, `${prefix}.bias`, [outDim]);
  const scale = lrMul / Math.sqrt(inDim);
  const out = zeros([N, outDim]);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < outDim; o++) {
      let s = 0;
      for (let i = 0; i < inDim; i++) s += W[o * inDim + i]! * scale * x.data[n * inDim + i]!;
      out.data[n * outDim + o] = s;
    }
  }
  if (activation) return fusedLrelu(out, b, lrMul);
  for (let n = 0; n < N; n++) for (let o = 0; o < outDim; o++) out.data[n * outDim + o]! += b[o]! * lrMul;
  return out;
}

/** PixelNorm over dim 1 of [N, D]. */
function pixelNorm(x: RefTensor): RefTensor {
  const [N, D] = x.shape as [number, number];
  const out = zeros([N, D]);
  for (let n = 0; n < N; n++) {
    let ms = 0;
    for (let d = 0; d < D; d++) ms += x.data[n * D + d]! ** 2;
    const r = 1 / Math.sqrt(ms / D + 1e-8);
    for (let d = 0; d < D; d++) out.data[n * D + d] = x.data[n * D + d]! * r;
  }
  return out;
}

/** The mapping net `style` = Sequential(PixelNorm, EqualLinear × nMlp (lr_mul lrMlp, fused_lrelu)). */
export function referenceMapping(cfg: GeneratorConfig, sd: RefStateDict, z: RefTensor): RefTensor {
  if (z.shape.length !== 2 || z.shape[1] !== cfg.styleDim) throw new Error(`reference mapping: z must be [N, ${cfg.styleDim}]`);
  let x = pixelNorm(z);
  for (let i = 1; i <= cfg.nMlp; i++) x = equalLinear(sd, `style.${i}`, x, cfg.styleDim, cfg.lrMlp, true);
  return x;
}

/**
 * Style-free "ToRGB" (official utils.ToRGB): 1×1 FixedStyledConv without demodulation / noise /
 * activation: W · modulation[1, in, 1, 1] / √in, plus `bias` [1, C, 1, 1]; then + upsample(skip).
 */
function toRGB(
  sd: RefStateDict,
  prefix: string,
  x: RefTensor,
  outC: number,
  blurKernel: readonly number[],
  skip: RefTensor | null,
): RefTensor {
  const inC = at(x.shape, 1);
  const W = param(sd, `${prefix}.conv.weight`, [outC, inC, 1, 1]);
  const mod = param(sd, `${prefix}.conv.modulation`, [1, inC, 1, 1]);
  const bias = param(sd, `${prefix}.bias`, [1, outC, 1, 1]);
  const scale = 1 / Math.sqrt(inC);
  const w = new Float64Array(outC * inC);
  for (let o = 0; o < outC; o++) for (let i = 0; i < inC; i++) w[o * inC + i] = mod[i]! * scale * W[o * inC + i]!;
  const out = conv2d(x, w, [outC, inC, 1, 1], 1, 0);
  const [N, , H, Wd] = out.shape as [number, number, number, number];
  for (let n = 0; n < N; n++) for (let o = 0; o < outC; o++) {
    const off = (n * outC + o) * H * Wd;
    for (let p = 0; p < H * Wd; p++) out.data[off + p]! += bias[o]!;
  }
  const upK = makeKernel(blurKernel, 4);
  checkKernel(sd, `${prefix}.upsample.kernel`, upK);
  if (skip) {
    // official Upsample(factor 2): p = L − 2, pad0 = (p+1)//2 + 1, pad1 = p//2
    const p = blurKernel.length - 2;
    const up = upfirdn2d(skip, upK, 2, 1, Math.floor((p + 1) / 2) + 1, Math.floor(p / 2));
    addInPlace(out, up);
  }
  return out;
}

/**
 * Render-net FixedStyledConv 3×3 (style-free): weight = modulation · W / √(in·9), demodulated per
 * output channel; upsample: conv_transpose2d stride 2 + Blur; then + noise.weight · noise, fused lrelu.
 */
function fixedStyledConv(
  sd: RefStateDict,
  prefix: string,
  x: RefTensor,
  outC: number,
  upsample: boolean,
  blurKernel: readonly number[],
  noise: RefTensor | null,
): RefTensor {
  const inC = at(x.shape, 1);
  const K = 3;
  const W = param(sd, `${prefix}.weight`, [outC, inC, K, K]);
  const mod = param(sd, `${prefix}.modulation`, [1, inC, 1, 1]);
  const scale = 1 / Math.sqrt(inC * K * K);
  const w = new Float64Array(outC * inC * K * K);
  for (let o = 0; o < outC; o++) {
    let ss = 0;
    for (let i = 0; i < inC; i++) for (let k = 0; k < K * K; k++) {
      const idx = (o * inC + i) * K * K + k;
      w[idx] = mod[i]! * scale * W[idx]!;
      ss += w[idx]! ** 2;
    }
    const demod = 1 / Math.sqrt(ss + 1e-8);
    for (let j = 0; j < inC * K * K; j++) w[o * inC * K * K + j]! *= demod;
  }
  let out: RefTensor;
  if (upsample) {
    out = convTranspose2dStride2(x, w, [outC, inC, K, K]);
    // Blur(kernel·4): p = (L − 2) − (k − 1), pad0 = (p+1)//2 + 1, pad1 = p//2 + 1
    const blurK = makeKernel(blurKernel, 4);
    checkKernel(sd, `${prefix}.blur.kernel`, blurK);
    const p = blurKernel.length - 2 - (K - 1);
    out = upfirdn2d(out, blurK, 1, 1, Math.floor((p + 1) / 2) + 1, Math.floor(p / 2) + 1);
  } else {
    out = conv2d(x, w, [outC, inC, K, K], 1, Math.floor(K / 2));
  }
  const strength = at(param(sd, `${prefix}.noise.weight`, [1]), 0);
  if (noise) {
    const [N, C, H, Wd] = out.shape as [number, number, number, number];
    const [nN, nC, nH, nW] = noise.shape as [number, number, number, number];
    if (nC !== 1 || nH !== H || nW !== Wd || (nN !== 1 && nN !== N)) {
      throw new Error(`reference: noise [${noise.shape.join(',')}] does not fit [${out.shape.join(',')}]`);
    }
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
      const off = (n * C + c) * H * Wd;
      const nOff = (nN === 1 ? 0 : n) * H * Wd;
      for (let p = 0; p < H * Wd; p++) out.data[off + p]! += strength * noise.data[nOff + p]!;
    }
  }
  return fusedLrelu(out, param(sd, `${prefix}.activate.bias`, [outC]));
}

// ---------------------------------------------------------------------------------------------
// generator

/** Number of W+ slots: baseLayers + 2K. */
export function referenceNLatent(cfg: GeneratorConfig): number {
  return cfg.baseLayers + 2 * cfg.segDim;
}

/** Official `expand_latents`: [N, nLatent, D] → [N, K·localLayers, D] (expanded input passes through). */
export function referenceExpandLatents(cfg: GeneratorConfig, latent: RefTensor): RefTensor {
  const [N, S, D] = latent.shape as [number, number, number];
  const K = cfg.segDim;
  const L = cfg.localLayers;
  const B = cfg.baseLayers;
  const DL = cfg.depthLayers;
  if (S === K * L) return { shape: [N, S, D], data: Float64Array.from(latent.data) };
  if (S !== referenceNLatent(cfg)) throw new Error(`reference expand: latent has ${S} slots, expected ${referenceNLatent(cfg)} or ${K * L}`);
  // the slot list, built exactly like the official torch.cat of pieces
  const slots: number[] = [];
  const rep = (slot: number, times: number) => {
    for (let t = 0; t < times; t++) slots.push(slot);
  };
  for (let i = 0; i < K; i++) {
    if (i === 0) {
      if (DL > 0) rep(2 * i + B, DL);
      if (L - DL > 0) rep(2 * i + B + 1, L - DL);
    } else {
      for (let b = 0; b < B; b++) slots.push(b);
      if (DL - B > 0) rep(2 * i + B, DL - B);
      if (L - DL > 0) rep(2 * i + B + 1, L - DL);
    }
  }
  if (slots.length !== K * L) throw new Error(`reference expand: official layout gives ${slots.length} rows, local nets need ${K * L}`);
  const out = zeros([N, K * L, D]);
  for (let n = 0; n < N; n++) {
    slots.forEach((s, r) => {
      out.data.set(latent.data.subarray((n * S + s) * D, (n * S + s + 1) * D), (n * K * L + r) * D);
    });
  }
  return out;
}

/**
 * PositionEmbedding(2, localChannel, N_freqs = log2(size)) on make_coords(coarseSize):
 * features [x, y, sin(f0 x), sin(f0 y), cos(f0 x), cos(f0 y), sin(f1 x), …], then 1×1 conv with
 * `pos_embed.weights` / √in, no bias. Returns [localChannel, cs, cs].
 */
export function referencePosEmbed(cfg: GeneratorConfig, sd: RefStateDict): RefTensor {
  const cs = cfg.coarseSize;
  const nFreq = log2Int(cfg.size);
  const inC = 2 * (2 * nFreq + 1);
  const P = cs * cs;
  const feats = new Float64Array(inC * P);
  const lin = (i: number) => (cs === 1 ? -1 : -1 + (2 * i) / (cs - 1)); // torch.linspace(-1, 1, cs)
  for (let y = 0; y < cs; y++) {
    for (let x = 0; x < cs; x++) {
      const p = y * cs + x;
      const coords = [lin(x), lin(y)]; // channel 0 = x (varies along width), channel 1 = y
      let c = 0;
      for (const v of coords) feats[c++ * P + p] = v;
      for (let f = 0; f < nFreq; f++) {
        const freq = 2 ** f;
        for (const fn of [Math.sin, Math.cos]) for (const v of coords) feats[c++ * P + p] = fn(freq * v);
      }
    }
  }
  const W = param(sd, 'pos_embed.weights', [cfg.localChannel, inC, 1, 1]);
  const scale = 1 / Math.sqrt(inC);
  const w = W.map((v) => v * scale);
  const out = conv2d({ shape: [1, inC, cs, cs], data: feats }, w, [cfg.localChannel, inC, 1, 1], 1, 0);
  return { shape: [cfg.localChannel, cs, cs], data: out.data };
}

/**
 * LocalGenerator k on one sample: n_layers modulated + demodulated 1×1 StyledConvs (no noise), depth
 * head after layer depthLayers−1 (k ≥ 1), feature head after the last layer.
 * x: [C, P]; latents: [L, D] rows. Returns feat [coarseChannel, P] and depth [P].
 */
function localGenerator(
  cfg: GeneratorConfig,
  sd: RefStateDict,
  k: number,
  pos: Float64Array,
  P: number,
  latents: Float64Array,
): { feat: Float64Array; depth: Float64Array } {
  const D = cfg.styleDim;
  const C = cfg.localChannel;
  const pre = `local_nets.${k}`;
  let x = pos;
  let depth: Float64Array = new Float64Array(P);
  const head = (name: string, outC: number, h: Float64Array): Float64Array => {
    const W = param(sd, `${pre}.${name}.conv.weight`, [outC, C, 1, 1]);
    const mod = param(sd, `${pre}.${name}.conv.modulation`, [1, C, 1, 1]);
    const bias = param(sd, `${pre}.${name}.bias`, [1, outC, 1, 1]);
    checkKernel(sd, `${pre}.${name}.upsample.kernel`, makeKernel(cfg.blurKernel, 4));
    const out = new Float64Array(outC * P);
    for (let o = 0; o < outC; o++) for (let i = 0; i < C; i++) {
      const wv = (W[o * C + i]! * mod[i]!) / Math.sqrt(C);
      for (let p = 0; p < P; p++) out[o * P + p]! += wv * h[i * P + p]!;
    }
    for (let o = 0; o < outC; o++) for (let p = 0; p < P; p++) out[o * P + p]! += bias[o]!;
    return out;
  };
  for (let l = 0; l < cfg.localLayers; l++) {
    const inC = C; // local_channel in, hidden = local_channel
    const lp = `${pre}.linears.${l}`;
    const Wc = param(sd, `${lp}.conv.weight`, [1, C, inC, 1, 1]);
    const Wm = param(sd, `${lp}.conv.modulation.weight`, [inC, D]);
    const bm = param(sd, `${lp}.conv.modulation.bias`, [inC]);
    const actB = param(sd, `${lp}.activate.bias`, [C]);
    // style = modulation(latent_l): EqualLinear(D, inC, lr_mul 1, no activation)
    const s = new Float64Array(inC);
    for (let i = 0; i < inC; i++) {
      let acc = 0;
      for (let d = 0; d < D; d++) acc += (Wm[i * D + d]! / Math.sqrt(D)) * latents[l * D + d]!;
      s[i] = acc + bm[i]!;
    }
    // weight = scale · W · style, demodulated over in-channels
    const w = new Float64Array(C * inC);
    for (let o = 0; o < C; o++) {
      let ss = 0;
      for (let i = 0; i < inC; i++) {
        w[o * inC + i] = (Wc[o * inC + i]! / Math.sqrt(inC)) * s[i]!;
        ss += w[o * inC + i]! ** 2;
      }
      const dm = 1 / Math.sqrt(ss + 1e-8);
      for (let i = 0; i < inC; i++) w[o * inC + i]! *= dm;
    }
    const y = new Float64Array(C * P);
    for (let o = 0; o < C; o++) for (let i = 0; i < inC; i++) {
      const wv = w[o * inC + i]!;
      for (let p = 0; p < P; p++) y[o * P + p]! += wv * x[i * P + p]!;
    }
    for (let o = 0; o < C; o++) for (let p = 0; p < P; p++) {
      const v = y[o * P + p]! + actB[o]!;
      y[o * P + p] = (v < 0 ? 0.2 * v : v) * SQRT2;
    }
    x = y;
    if (k > 0 && l === cfg.depthLayers - 1) depth = head('to_depth', 1, x);
  }
  return { feat: head('to_feat', cfg.coarseChannel, x), depth };
}

function resolveNoise(
  cfg: GeneratorConfig,
  sd: RefStateDict,
  mode: ReferenceGeneratorOptions['noise'],
  nStages: number,
): (RefTensor | null)[] {
  const out: (RefTensor | null)[] = [];
  for (let j = 0; j < 2 * nStages; j++) {
    const res = cfg.minFeatSize * 2 ** (Math.floor(j / 2) + 1);
    if (mode === undefined || mode === 'const') {
      out.push({ shape: [1, 1, res, res], data: param(sd, `render_net.noises.noise_${j}`, [1, 1, res, res]) });
    } else if (mode === 'none') {
      out.push(null);
    } else {
      const t = mode[j];
      if (!t) throw new Error(`reference: explicit noise list needs ${2 * nStages} tensors`);
      out.push(t);
    }
  }
  return out;
}

/**
 * Official SemanticGenerator.forward (eval, randomize_noise=False) in float64.
 * input: z [N, styleDim] (mapped unless options.inputIsLatent), or W+ [N, nLatent, styleDim]
 * (or already expanded [N, K·localLayers, styleDim]), taken as latent.
 */
export function referenceGenerator(
  cfg: GeneratorConfig,
  sd: RefStateDict,
  input: RefTensor,
  options: ReferenceGeneratorOptions = {},
): ReferenceGeneratorOutput {
  const K = cfg.segDim;
  const L = cfg.localLayers;
  const D = cfg.styleDim;
  const cs = cfg.coarseSize;
  const P = cs * cs;
  const N = at(input.shape, 0);
  if (at(input.shape, input.shape.length - 1) !== D) throw new Error(`reference: latent width must be ${D}`);
  if (cfg.minFeatSize >= cs || cs % cfg.minFeatSize !== 0 || cs >= cfg.size) throw new Error('reference: invalid size config');
  if (cfg.depthLayers > L) throw new Error('reference: depthLayers > localLayers');

  // 1. styles (mapping), truncation, mix (repeat) and expansion
  let styles: RefTensor;
  if (input.shape.length === 2) styles = options.inputIsLatent ? { shape: [...input.shape], data: Float64Array.from(input.data) } : referenceMapping(cfg, sd, input);
  else if (input.shape.length === 3) styles = { shape: [...input.shape], data: Float64Array.from(input.data) };
  else throw new Error('reference: input must be [N, D] or [N, slots, D]');
  const psi = options.truncation ?? 1;
  if (psi < 1) {
    const avg = options.truncationLatent;
    if (!avg || avg.data.length !== D) throw new Error('reference: truncation < 1 needs truncationLatent [styleDim]');
    for (let i = 0; i < styles.data.length; i++) {
      const a = avg.data[i % D]!;
      styles.data[i] = a + psi * (styles.data[i]! - a);
    }
  }
  let wPlus: RefTensor | null;
  if (styles.shape.length === 2) {
    const S = referenceNLatent(cfg);
    const rep = zeros([N, S, D]);
    for (let n = 0; n < N; n++) for (let s = 0; s < S; s++) rep.data.set(styles.data.subarray(n * D, (n + 1) * D), (n * S + s) * D);
    wPlus = rep;
  } else {
    wPlus = at(styles.shape, 1) === K * L ? null : styles;
  }
  const latentsExpanded = referenceExpandLatents(cfg, wPlus ?? styles);

  // 2. position embedding (shared by every region and sample)
  const posEmbed = referencePosEmbed(cfg, sd);

  // 3. local generators
  const CC = cfg.coarseChannel;
  const localFeats = zeros([K, N, CC, cs, cs]);
  const depths = zeros([N, K, cs, cs]);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const lat = latentsExpanded.data.subarray((n * K * L + k * L) * D, (n * K * L + (k + 1) * L) * D);
      const { feat, depth } = localGenerator(cfg, sd, k, posEmbed.data, P, lat);
      localFeats.data.set(feat, (k * N + n) * CC * P);
      depths.data.set(depth, (n * K + k) * P);
    }
  }

  // 4. composite
  const m = zeros([N, K, cs, cs]);
  const featCoarse = zeros([N, CC, cs, cs]);
  const mask = options.compositionMask;
  if (mask && !sameShape(mask.shape, [N, K])) throw new Error(`reference: compositionMask must be [${N}, ${K}]`);
  const transparent = new Set(cfg.transparentDims);
  for (let n = 0; n < N; n++) {
    for (let p = 0; p < P; p++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, depths.data[(n * K + k) * P + p]!);
      const e = new Float64Array(K);
      let se = 0;
      for (let k = 0; k < K; k++) {
        e[k] = Math.exp(depths.data[(n * K + k) * P + p]! - mx);
        se += e[k]!;
      }
      let seg = Array.from(e, (v) => v / se);
      if (mask) {
        seg = seg.map((v, k) => v * mask.data[n * K + k]!);
        const s = seg.reduce((a, b) => a + b, 0);
        seg = seg.map((v) => v / (s + 1e-8));
      }
      for (let k = 0; k < K; k++) m.data[(n * K + k) * P + p] = seg[k]!;
      let weights = seg;
      if (transparent.size > 0) {
        const normal = seg.map((v, k) => (transparent.has(k) ? 0 : v));
        const s = normal.reduce((a, b) => a + b, 0);
        weights = seg.map((v, k) => normal[k]! / (s + 1e-8) + (transparent.has(k) ? v : 0));
      }
      for (let c = 0; c < CC; c++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += localFeats.data[((k * N + n) * CC + c) * P + p]! * weights[k]!;
        featCoarse.data[(n * CC + c) * P + p] = acc;
      }
    }
  }
  const segCoarse = { shape: [...m.shape], data: m.data.map((v) => 2 * v - 1) };

  // 5. render net
  const nStages = log2Int(cfg.size) - log2Int(cfg.minFeatSize);
  const noises = resolveNoise(cfg, sd, options.noise, nStages);
  let x = adaptiveAvgPool2d(featCoarse, cfg.minFeatSize);
  let rgb: RefTensor | null = null;
  let seg: RefTensor | null = null;
  const renderRgbs: RefTensor[] = [];
  const renderSegs: RefTensor[] = [];
  for (let i = 0; i < nStages; i++) {
    const curSize = cfg.minFeatSize * 2 ** (i + 1);
    const outC = channelAt(cfg.channels, curSize);
    if (at(x.shape, 2) === cs) x = catChannels(x, featCoarse);
    x = fixedStyledConv(sd, `render_net.convs.${2 * i}`, x, outC, true, cfg.blurKernel, noises[2 * i] ?? null);
    x = fixedStyledConv(sd, `render_net.convs.${2 * i + 1}`, x, outC, false, cfg.blurKernel, noises[2 * i + 1] ?? null);
    rgb = toRGB(sd, `render_net.to_rgbs.${i}`, x, 3, cfg.blurKernel, rgb);
    seg = toRGB(sd, `render_net.to_segs.${i}`, x, K, cfg.blurKernel, seg);
    if (cfg.residualRefine && at(seg.shape, 2) === cs) addInPlace(seg, segCoarse);
    renderRgbs.push({ shape: [...rgb.shape], data: Float64Array.from(rgb.data) });
    renderSegs.push({ shape: [...seg.shape], data: Float64Array.from(seg.data) });
  }
  if (!rgb || !seg) throw new Error('reference: render net has no stage');

  return { image: rgb, seg, segCoarse, depths, m, latentsExpanded, wPlus, posEmbed, featCoarse, localFeats, renderRgbs, renderSegs };
}

// ---------------------------------------------------------------------------------------------
// discriminator

/** ConvLayer (no downsample): EqualConv2d k×k pad k//2 (no bias) + FusedLeakyReLU (`.{idx+1}.bias`). */
function convLayer(sd: RefStateDict, prefix: string, x: RefTensor, outC: number, k: number): RefTensor {
  const inC = at(x.shape, 1);
  const W = param(sd, `${prefix}.0.weight`, [outC, inC, k, k]);
  const scale = 1 / Math.sqrt(inC * k * k);
  const out = conv2d(x, W.map((v) => v * scale), [outC, inC, k, k], 1, Math.floor(k / 2));
  return fusedLrelu(out, param(sd, `${prefix}.1.bias`, [outC]));
}

/**
 * Downsampling ConvLayer: Blur(make_kernel, pad ((p+1)//2, p//2), p = (L−2)+(k−1)) then EqualConv2d
 * stride 2 pad 0 (`.1.weight`), then fused lrelu (`.2.bias`) unless `activate` is false (skip: no bias).
 */
function downConvLayer(
  sd: RefStateDict,
  prefix: string,
  x: RefTensor,
  outC: number,
  k: number,
  blurKernel: readonly number[],
  activate: boolean,
): RefTensor {
  const inC = at(x.shape, 1);
  const kern = makeKernel(blurKernel);
  checkKernel(sd, `${prefix}.0.kernel`, kern);
  const p = blurKernel.length - 2 + (k - 1);
  const blurred = upfirdn2d(x, kern, 1, 1, Math.floor((p + 1) / 2), Math.floor(p / 2));
  const W = param(sd, `${prefix}.1.weight`, [outC, inC, k, k]);
  const scale = 1 / Math.sqrt(inC * k * k);
  const out = conv2d(blurred, W.map((v) => v * scale), [outC, inC, k, k], 2, 0);
  return activate ? fusedLrelu(out, param(sd, `${prefix}.2.bias`, [outC])) : out;
}

/** ResBlock: (conv2(conv1(x)) + skip(x)) / √2. */
function resBlock(sd: RefStateDict, prefix: string, x: RefTensor, outC: number, blurKernel: readonly number[]): RefTensor {
  const inC = at(x.shape, 1);
  const h = convLayer(sd, `${prefix}.conv1`, x, inC, 3);
  const out = downConvLayer(sd, `${prefix}.conv2`, h, outC, 3, blurKernel, true);
  const skip = downConvLayer(sd, `${prefix}.skip`, x, outC, 1, blurKernel, false);
  for (let i = 0; i < out.data.length; i++) out.data[i] = (out.data[i]! + skip.data[i]!) / SQRT2;
  return out;
}

function dBranch(cfg: DiscriminatorConfig, sd: RefStateDict, name: string, x: RefTensor, res: number): RefTensor {
  if (at(x.shape, 2) !== res || at(x.shape, 3) !== res) throw new Error(`reference D: ${name} input must be ${res}×${res}`);
  let h = convLayer(sd, `${name}.0`, x, channelAt(cfg.channels, res), 1);
  let idx = 1;
  for (let l = log2Int(res); l > 2; l--) {
    h = resBlock(sd, `${name}.${idx}`, h, channelAt(cfg.channels, 2 ** (l - 1)), cfg.blurKernel);
    idx++;
  }
  return h;
}

/** Official DualBranchDiscriminator.forward(img, seg=None) in float64. Returns [N, 1]. */
export function referenceDiscriminator(
  cfg: DiscriminatorConfig,
  sd: RefStateDict,
  img: RefTensor,
  seg?: RefTensor | null,
): RefTensor {
  const N = at(img.shape, 0);
  if (at(img.shape, 1) !== cfg.imgDim) throw new Error(`reference D: image must have ${cfg.imgDim} channels`);
  let out = dBranch(cfg, sd, 'convs_img', img, cfg.imgSize);
  if (seg) {
    if (at(seg.shape, 0) !== N || at(seg.shape, 1) !== cfg.segDim) throw new Error(`reference D: seg must be [${N}, ${cfg.segDim}, …]`);
    out = addInPlace(out, dBranch(cfg, sd, 'convs_seg', seg, cfg.segSize));
  }
  // minibatch stddev
  const [, C, H, W] = out.shape as [number, number, number, number];
  const G = Math.min(N, cfg.stddevGroup);
  const F = cfg.stddevFeat;
  if (N % G !== 0) throw new Error(`reference D: batch ${N} not divisible by stddev group ${G}`);
  if (C % F !== 0) throw new Error(`reference D: ${C} channels not divisible by stddevFeat ${F}`);
  const M = N / G; // view [G, M, F, C/F, H, W]: sample n = g·M + j
  const CF = C / F;
  const stat = new Float64Array(M * F);
  for (let j = 0; j < M; j++) for (let f = 0; f < F; f++) {
    let acc = 0;
    for (let c = 0; c < CF; c++) for (let p = 0; p < H * W; p++) {
      const ch = f * CF + c;
      let mean = 0;
      for (let g = 0; g < G; g++) mean += out.data[((g * M + j) * C + ch) * H * W + p]!;
      mean /= G;
      let v = 0;
      for (let g = 0; g < G; g++) v += (out.data[((g * M + j) * C + ch) * H * W + p]! - mean) ** 2;
      acc += Math.sqrt(v / G + 1e-8);
    }
    stat[j * F + f] = acc / (CF * H * W);
  }
  const withStd = zeros([N, C + F, H, W]);
  for (let n = 0; n < N; n++) {
    withStd.data.set(out.data.subarray(n * C * H * W, (n + 1) * C * H * W), n * (C + F) * H * W);
    for (let f = 0; f < F; f++) withStd.data.fill(stat[(n % M) * F + f]!, (n * (C + F) + C + f) * H * W, (n * (C + F) + C + f + 1) * H * W);
  }
  const c4 = channelAt(cfg.channels, 4);
  const h = convLayer(sd, 'final_conv', withStd, c4, 3);
  const flat: RefTensor = { shape: [N, size(h.shape.slice(1))], data: h.data };
  const l0 = equalLinear(sd, 'final_linear.0', flat, c4, 1, true);
  return equalLinear(sd, 'final_linear.1', l0, 1, 1, false);
}
