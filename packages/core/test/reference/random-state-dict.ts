/**
 * Seeded random OFFICIAL state dicts (names and shapes of SemanticGenerator / DualBranchDiscriminator,
 * without the `g_ema.` / `d.` prefix) for any valid config, test-only.
 *
 * Values follow the official initialisation, perturbed like the parity fixture so that every tensor
 * matters: weights randn (EqualLinear weights randn / lr_mul, as stored officially), biases
 * 0.1·randn / lr_mul, modulation linears' biases 1 + 0.1·randn, `modulation` scales 1 + 0.1·randn,
 * noise strengths U[0.05, 0.25], noise buffers randn; FIR kernels exactly the official buffers.
 * Entries are in the official state_dict order.
 */
import type { DiscriminatorConfig, GeneratorConfig } from '../../src/contract/config.js';
import { makeKernel, type RefStateTensor } from './reference-model.js';

export interface RandomOfficialStateDict {
  /** g / g_ema state dict (keys without `g_ema.`). */
  readonly generator: Map<string, RefStateTensor & { data: Float32Array }>;
  /** d state dict (keys without `d.`). */
  readonly discriminator: Map<string, RefStateTensor & { data: Float32Array }>;
}

/** mulberry32 uniform [0, 1) + Box-Muller normal. */
export class SeededRandom {
  private state: number;
  private spare: number | null = null;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  uniform(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u <= 1e-12) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

function channelAt(channels: Readonly<Record<number, number>>, res: number): number {
  const c = channels[res];
  if (c === undefined) throw new Error(`randomOfficialStateDict: channel table has no entry for ${res}`);
  return c;
}

function log2Int(x: number): number {
  const l = Math.round(Math.log2(x));
  if (2 ** l !== x) throw new Error(`randomOfficialStateDict: ${x} is not a power of two`);
  return l;
}

class Builder {
  readonly map = new Map<string, RefStateTensor & { data: Float32Array }>();
  constructor(private readonly rng: SeededRandom) {}

  private put(name: string, shape: number[], fill: () => number): void {
    if (this.map.has(name)) throw new Error(`randomOfficialStateDict: duplicate key ${name}`);
    let n = 1;
    for (const d of shape) n *= d;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = fill();
    this.map.set(name, { shape, data });
  }

  /** randn-initialised weight (divided by lr_mul as EqualLinear stores it). */
  weight(name: string, shape: number[], lrMul = 1): void {
    this.put(name, shape, () => this.rng.normal() / lrMul);
  }
  /** zero-initialised bias, perturbed: effective bias (× lr_mul) moves by 0.1·randn. */
  bias(name: string, shape: number[], lrMul = 1): void {
    this.put(name, shape, () => (0.1 * this.rng.normal()) / lrMul);
  }
  /** one-initialised scale (modulation bias init 1, FixedStyledConv modulation init 1), perturbed. */
  one(name: string, shape: number[]): void {
    this.put(name, shape, () => 1 + 0.1 * this.rng.normal());
  }
  noiseStrength(name: string): void {
    this.put(name, [1], () => 0.05 + 0.2 * this.rng.uniform());
  }
  normal(name: string, shape: number[]): void {
    this.put(name, shape, () => this.rng.normal());
  }
  kernel(name: string, blurKernel: readonly number[], gain: number): void {
    const k = makeKernel(blurKernel, gain);
    let i = 0;
    this.put(name, [...k.shape], () => k.data[i++]!);
  }
}

/** utils.ToRGB(in, out) (style-free, upsample=True): own `bias`, then upsample.kernel, conv.weight, conv.modulation. */
function toRGB(b: Builder, prefix: string, inC: number, outC: number, blurKernel: readonly number[]): void {
  b.bias(`${prefix}.bias`, [1, outC, 1, 1]);
  b.kernel(`${prefix}.upsample.kernel`, blurKernel, 4);
  b.weight(`${prefix}.conv.weight`, [outC, inC, 1, 1]);
  b.one(`${prefix}.conv.modulation`, [1, inC, 1, 1]);
}

function generatorDict(cfg: GeneratorConfig, rng: SeededRandom): Builder['map'] {
  const b = new Builder(rng);
  const C = cfg.localChannel;
  const D = cfg.styleDim;
  const nFreq = log2Int(cfg.size);
  // pos_embed
  b.weight('pos_embed.weights', [C, 2 * (2 * nFreq + 1), 1, 1]);
  // local_nets
  for (let k = 0; k < cfg.segDim; k++) {
    for (let l = 0; l < cfg.localLayers; l++) {
      const p = `local_nets.${k}.linears.${l}`;
      b.weight(`${p}.conv.weight`, [1, C, C, 1, 1]);
      b.weight(`${p}.conv.modulation.weight`, [C, D]);
      b.one(`${p}.conv.modulation.bias`, [C]);
      b.bias(`${p}.activate.bias`, [C]);
    }
    toRGB(b, `local_nets.${k}.to_feat`, C, cfg.coarseChannel, cfg.blurKernel);
    if (k > 0) toRGB(b, `local_nets.${k}.to_depth`, C, 1, cfg.blurKernel);
  }
  // render_net: convs, noises, to_rgbs, to_segs
  const nStages = log2Int(cfg.size) - log2Int(cfg.minFeatSize);
  const outs: number[] = [];
  let inC = cfg.coarseChannel;
  for (let i = 0; i < nStages; i++) {
    const cur = cfg.minFeatSize * 2 ** (i + 1);
    const outC = channelAt(cfg.channels, cur);
    if (cur / 2 === cfg.coarseSize) inC += cfg.coarseChannel;
    for (const [j, cin, up] of [[2 * i, inC, true], [2 * i + 1, outC, false]] as const) {
      const p = `render_net.convs.${j}`;
      b.weight(`${p}.weight`, [outC, cin, 3, 3]);
      b.one(`${p}.modulation`, [1, cin, 1, 1]);
      if (up) b.kernel(`${p}.blur.kernel`, cfg.blurKernel, 4);
      b.noiseStrength(`${p}.noise.weight`);
      b.bias(`${p}.activate.bias`, [outC]);
    }
    outs.push(outC);
    inC = outC;
  }
  for (let i = 0; i < nStages; i++) {
    const cur = cfg.minFeatSize * 2 ** (i + 1);
    b.normal(`render_net.noises.noise_${2 * i}`, [1, 1, cur, cur]);
    b.normal(`render_net.noises.noise_${2 * i + 1}`, [1, 1, cur, cur]);
  }
  outs.forEach((c, i) => toRGB(b, `render_net.to_rgbs.${i}`, c, 3, cfg.blurKernel));
  outs.forEach((c, i) => toRGB(b, `render_net.to_segs.${i}`, c, cfg.segDim, cfg.blurKernel));
  // style (mapping)
  for (let i = 1; i <= cfg.nMlp; i++) {
    b.weight(`style.${i}.weight`, [D, D], cfg.lrMlp);
    b.bias(`style.${i}.bias`, [D], cfg.lrMlp);
  }
  return b.map;
}

function discriminatorDict(cfg: DiscriminatorConfig, rng: SeededRandom): Builder['map'] {
  const b = new Builder(rng);
  const branch = (name: string, inDim: number, res: number): number => {
    let c = channelAt(cfg.channels, res);
    b.weight(`${name}.0.0.weight`, [c, inDim, 1, 1]);
    b.bias(`${name}.0.1.bias`, [c]);
    let idx = 1;
    for (let l = log2Int(res); l > 2; l--) {
      const out = channelAt(cfg.channels, 2 ** (l - 1));
      const p = `${name}.${idx}`;
      b.weight(`${p}.conv1.0.weight`, [c, c, 3, 3]);
      b.bias(`${p}.conv1.1.bias`, [c]);
      b.kernel(`${p}.conv2.0.kernel`, cfg.blurKernel, 1);
      b.weight(`${p}.conv2.1.weight`, [out, c, 3, 3]);
      b.bias(`${p}.conv2.2.bias`, [out]);
      b.kernel(`${p}.skip.0.kernel`, cfg.blurKernel, 1);
      b.weight(`${p}.skip.1.weight`, [out, c, 1, 1]);
      c = out;
      idx++;
    }
    return c;
  };
  const cImg = branch('convs_img', cfg.imgDim, cfg.imgSize);
  const cSeg = branch('convs_seg', cfg.segDim, cfg.segSize);
  if (cImg !== cSeg) throw new Error('randomOfficialStateDict: D branches end with different widths');
  const c4 = channelAt(cfg.channels, 4);
  b.weight('final_conv.0.weight', [c4, cImg + cfg.stddevFeat, 3, 3]);
  b.bias('final_conv.1.bias', [c4]);
  b.weight('final_linear.0.weight', [c4, c4 * 16]);
  b.bias('final_linear.0.bias', [c4]);
  b.weight('final_linear.1.weight', [1, c4]);
  b.bias('final_linear.1.bias', [1]);
  return b.map;
}

/**
 * A complete official state dict pair for any valid config. The generator and discriminator use
 * independent streams derived from `seed`, so changing one config does not reshuffle the other.
 */
export function randomOfficialStateDict(
  genConfig: GeneratorConfig,
  discConfig: DiscriminatorConfig,
  seed: number,
): RandomOfficialStateDict {
  return {
    generator: generatorDict(genConfig, new SeededRandom(seed * 2 + 1)),
    discriminator: discriminatorDict(discConfig, new SeededRandom(seed * 2 + 2)),
  };
}
