import type { EncoderConfig, PyramidLevel } from './config.js';
import { levelSize } from './config.js';

/** How a parameter is initialised. `uniform`: U(−b, b) (torch's default for convs / linears: b = 1/√fan_in). */
export type EncoderInit =
  | { readonly kind: 'uniform'; readonly bound: number }
  | { readonly kind: 'normal'; readonly std: number }
  | { readonly kind: 'constant'; readonly value: number };

export interface EncoderParamSpec {
  readonly name: string;
  /** tfjs layout: conv HWIO, linear [in, out]. */
  readonly shape: readonly number[];
  readonly init: EncoderInit;
  /** false: BatchNorm running statistics. */
  readonly trainable: boolean;
}

function conv(specs: EncoderParamSpec[], name: string, k: number, cin: number, cout: number, bias: boolean): void {
  const bound = 1 / Math.sqrt(cin * k * k);
  specs.push({ name: `${name}.weight`, shape: [k, k, cin, cout], init: { kind: 'uniform', bound }, trainable: true });
  if (bias) specs.push({ name: `${name}.bias`, shape: [cout], init: { kind: 'uniform', bound }, trainable: true });
}

function bn(specs: EncoderParamSpec[], name: string, c: number): void {
  specs.push({ name: `${name}.weight`, shape: [c], init: { kind: 'constant', value: 1 }, trainable: true });
  specs.push({ name: `${name}.bias`, shape: [c], init: { kind: 'constant', value: 0 }, trainable: true });
  specs.push({ name: `${name}.running_mean`, shape: [c], init: { kind: 'constant', value: 0 }, trainable: false });
  specs.push({ name: `${name}.running_var`, shape: [c], init: { kind: 'constant', value: 1 }, trainable: false });
}

function prelu(specs: EncoderParamSpec[], name: string, c: number): void {
  specs.push({ name: `${name}.weight`, shape: [c], init: { kind: 'constant', value: 0.25 }, trainable: true });
}

/** One IR block's description (in/out channels, stride). */
export interface IrBlock {
  readonly name: string;
  readonly cin: number;
  readonly cout: number;
  readonly stride: number;
}

export function irBlocks(c: EncoderConfig): IrBlock[] {
  const blocks: IrBlock[] = [];
  let cin = c.stemChannels;
  let index = 0;
  for (let s = 0; s < 4; s++) {
    for (let b = 0; b < c.stageBlocks[s]!; b++) {
      const cout = c.stageChannels[s]!;
      blocks.push({ name: `body.${index++}`, cin, cout, stride: b === 0 ? 2 : 1 });
      cin = cout;
    }
  }
  return blocks;
}

/** Index (in `irBlocks`) of the last block of stage s. */
export function stageEnd(c: EncoderConfig, stage: number): number {
  let n = 0;
  for (let s = 0; s <= stage; s++) n += c.stageBlocks[s]!;
  return n - 1;
}

/** Number of strided 3×3 convs of a GradualStyleBlock reading a level (down to 1×1). */
export function headConvs(c: EncoderConfig, level: PyramidLevel): number {
  return Math.max(1, Math.round(Math.log2(levelSize(c.inputSize, level))));
}

/** Every parameter of the encoder, in a fixed order (names are pSp's where a counterpart exists). */
export function encoderParamSpecs(c: EncoderConfig): EncoderParamSpec[] {
  const specs: EncoderParamSpec[] = [];
  conv(specs, 'input_layer.conv', 3, 6, c.stemChannels, false);
  bn(specs, 'input_layer.bn', c.stemChannels);
  prelu(specs, 'input_layer.prelu', c.stemChannels);
  for (const b of irBlocks(c)) {
    bn(specs, `${b.name}.res_layer.bn1`, b.cin);
    conv(specs, `${b.name}.res_layer.conv1`, 3, b.cin, b.cout, false);
    prelu(specs, `${b.name}.res_layer.prelu`, b.cout);
    conv(specs, `${b.name}.res_layer.conv2`, 3, b.cout, b.cout, false);
    bn(specs, `${b.name}.res_layer.bn2`, b.cout);
    if (c.se) {
      const mid = Math.max(1, Math.floor(b.cout / c.seReduction));
      conv(specs, `${b.name}.res_layer.se.fc1`, 1, b.cout, mid, false);
      conv(specs, `${b.name}.res_layer.se.fc2`, 1, mid, b.cout, false);
    }
    if (b.cin !== b.cout) {
      conv(specs, `${b.name}.shortcut.conv`, 1, b.cin, b.cout, false);
      bn(specs, `${b.name}.shortcut.bn`, b.cout);
    }
  }
  conv(specs, 'latlayer1', 1, c.stageChannels[2]!, c.fpnChannels, true);
  conv(specs, 'latlayer2', 1, c.stageChannels[1]!, c.fpnChannels, true);
  for (let j = 0; j < c.nLatent; j++) {
    const n = headConvs(c, c.slotLevels[j]!);
    for (let i = 0; i < n; i++) conv(specs, `styles.${j}.convs.${i}`, 3, i === 0 ? c.fpnChannels : c.headChannels, c.headChannels, true);
    // EqualLinear(headChannels, styleDim): weight ~ N(0, 1) scaled at run time by 1/√in; small init (headInitScale).
    specs.push({ name: `styles.${j}.linear.weight`, shape: [c.headChannels, c.styleDim], init: { kind: 'normal', std: c.headInitScale }, trainable: true });
    specs.push({ name: `styles.${j}.linear.bias`, shape: [c.styleDim], init: { kind: 'constant', value: 0 }, trainable: true });
  }
  return specs;
}

/** Number of trainable parameters (running statistics excluded). */
export function countEncoderParameters(c: EncoderConfig): number {
  return encoderParamSpecs(c)
    .filter((s) => s.trainable)
    .reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
}
