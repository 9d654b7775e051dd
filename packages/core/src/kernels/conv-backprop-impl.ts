/**
 * Convolution gradients written as forward convolutions, shared by the Conv2D and depthwise kernels.
 *
 * Notation (NHWC): x [N,H,W,Ci], filter [kh,kw,Ci,Co] (depthwise: [kh,kw,C,m], Co = C·m),
 * dy [N,OH,OW,Co], stride (sh,sw), top/left padding (pt,pl) as computed by tfjs' `computeConv2DInfo`.
 *
 * Filter gradient: dW[i,j,c,o] = Σ_{n,p,q} xpad[n, p·sh+i, q·sw+j, c] · dy[n,p,q,o]. With x transposed
 * to [Ci,H,W,N] (batch ↔ channels) and dy transposed to [OH,OW,N,Co] used as the filter, this is a
 * stride-1 forward convolution with dilation (sh,sw), whose [Ci,kh,kw,Co] result is transposed back. On
 * wasm, large ones (and every 1×1) instead run as one GEMM per tap on shifted heap views
 * (wasm-shifted-filter-grad.ts): the dilated form has only N input channels per tap and ran at ~60 % of
 * the forward convolution's rate.
 *
 * Input gradient: dx[n,h,w,c] = Σ dy[n,p,q,o]·W[i,j,c,o] over p·sh+i-pt = h. Inserting sh-1 zeros
 * between the rows of dy (likewise columns) gives a stride-1 correlation of the zero-inserted dy with the
 * spatially flipped filter (in/out swapped), padded by kh-1-pt above. For strides > 1 (wasm, cpu; large
 * enough convolutions) the zeros are skipped instead: the sub-pixel (phase) decomposition — for each phase (a, b) of the padded
 * input grid, a stride-1 correlation of dy with the taps i ≡ a (mod sh), j ≡ b (mod sw) of the flipped
 * filter, interleaved — does 1/(sh·sw) of the multiply-adds (a 3×3 stride-2 conv: 9 instead of 36 per
 * input pixel), with the same products summed in the same order.
 */
import * as tf from '@tensorflow/tfjs';
import { SemstyleError } from '../contract/errors.js';
import { KernelRunner, pair } from './kernel-runner.js';
import { wasmShiftedFilterGrad } from './wasm-shifted-filter-grad.js';

type TensorInfo = tf.TensorInfo;

export interface ConvGeometry {
  strides: number | [number, number];
  pad: unknown;
  dimRoundingMode?: unknown;
  dilations?: number | [number, number];
}

function convInfo(
  kernel: string,
  xShape: number[],
  filterShape: number[],
  g: ConvGeometry,
  depthwise: boolean,
): tf.backend_util.Conv2DInfo {
  const [dh, dw] = pair(g.dilations);
  if (dh !== 1 || dw !== 1) {
    throw new SemstyleError('E_INVALID_ARGUMENT', `${kernel}: dilations other than 1 are not supported, got [${dh}, ${dw}].`);
  }
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    g.strides,
    1,
    g.pad as 'valid',
    g.dimRoundingMode as 'floor' | undefined,
    depthwise,
    'channelsLast',
  );
}

function checkDy(kernel: string, info: tf.backend_util.Conv2DInfo, dy: TensorInfo): void {
  const [n, oh, ow, oc] = dy.shape;
  if (n !== info.batchSize || oh !== info.outHeight || ow !== info.outWidth || oc !== info.outChannels) {
    throw new SemstyleError('E_SHAPE', `${kernel}: dy has shape [${dy.shape}], expected [${info.outShape}].`, {
      details: { kernel, dyShape: dy.shape, expected: info.outShape },
    });
  }
}

/** Gradient of a (depthwise) convolution with respect to its filter. */
export function convBackpropFilter(
  r: KernelRunner,
  kernel: string,
  x: TensorInfo,
  dy: TensorInfo,
  filterShape: number[],
  g: ConvGeometry,
  depthwise: boolean,
): TensorInfo {
  const info = convInfo(kernel, x.shape, filterShape, g, depthwise);
  checkDy(kernel, info, dy);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  const [n, h, w, ci] = x.shape as [number, number, number, number];
  const macs = n * oh * ow * ci * info.outChannels * kh * kw;
  if (!depthwise && r.backendName === 'wasm' && macs >= (kh * kw === 1 ? convBackpropTuning.shiftedFilterMinMacs1x1 : convBackpropTuning.shiftedFilterMinMacs)) {
    return wasmShiftedFilterGrad(r, x, dy, info);
  }
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Exactly the rows/columns of padded x that the convolution reads.
  const xp = r.padOrCrop(x, [
    [0, 0],
    [pt, (oh - 1) * sh + kh - pt - h],
    [pl, (ow - 1) * sw + kw - pl - w],
    [0, 0],
  ]);
  const hp = (oh - 1) * sh + kh;
  const wp = (ow - 1) * sw + kw;
  if (!depthwise) {
    const xt = r.transpose(xp, [3, 1, 2, 0]); // [Ci,Hp,Wp,N]
    const dyt = r.transpose(dy, [1, 2, 0, 3]); // [OH,OW,N,Co]
    const out = r.run('Conv2D', { x: xt, filter: dyt }, {
      strides: [1, 1],
      pad: 'valid',
      dataFormat: 'NHWC',
      dilations: [sh, sw],
      dimRoundingMode: undefined,
    }); // [Ci,kh,kw,Co]
    return r.transpose(out, [1, 2, 0, 3]);
  }
  // Depthwise: one image whose channels are (n, c); dy gives a per-(n,c) filter with multiplier m.
  const m = filterShape[3] as number;
  const xt = r.reshape(r.transpose(xp, [1, 2, 0, 3]), [1, hp, wp, n * ci]);
  const dyt = r.reshape(r.transpose(dy, [1, 2, 0, 3]), [oh, ow, n * ci, m]);
  const out = r.run('DepthwiseConv2dNative', { x: xt, filter: dyt }, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [sh, sw],
    dimRoundingMode: undefined,
  }); // [1,kh,kw,n·ci·m]
  const per = r.reshape(out, [kh, kw, n, ci * m]);
  const summed = n === 1 ? r.reshape(per, [kh, kw, ci * m]) : r.sum(per, [2]);
  return r.reshape(summed, [kh, kw, ci, m]);
}

/** Gradient of a (depthwise) convolution with respect to its input. */
export function convBackpropInput(
  r: KernelRunner,
  kernel: string,
  dy: TensorInfo,
  filter: TensorInfo,
  inputShape: number[],
  g: ConvGeometry,
  depthwise: boolean,
): TensorInfo {
  const info = convInfo(kernel, inputShape, filter.shape, g, depthwise);
  checkDy(kernel, info, dy);
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  const [n, h, w, ci] = inputShape as [number, number, number, number];
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  if (!depthwise && (sh > 1 || sw > 1) && r.backendName !== 'webgpu' && n * h * w * ci * info.outChannels * kh * kw >= convBackpropTuning.phaseMinMacs) {
    return phaseBackpropInput(r, dy, filter, info, inputShape);
  }
  const dyz = r.zeroInsert(dy, sh, sw); // [N, OH·sh, OW·sw, Co]
  const dyp = r.padOrCrop(dyz, [
    [0, 0],
    [kh - 1 - pt, h + pt - oh * sh],
    [kw - 1 - pl, w + pl - ow * sw],
    [0, 0],
  ]);
  const flipped = r.reverse(filter, [0, 1]);
  if (!depthwise) {
    const wt = r.transpose(flipped, [0, 1, 3, 2]); // [kh,kw,Co,Ci]
    return r.run('Conv2D', { x: dyp, filter: wt }, {
      strides: [1, 1],
      pad: 'valid',
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    });
  }
  const m = filter.shape[3] as number;
  const wt = r.reshape(flipped, [kh, kw, ci * m, 1]);
  const out = r.run('DepthwiseConv2dNative', { x: dyp, filter: wt }, {
    strides: [1, 1],
    pad: 'valid',
    dataFormat: 'NHWC',
    dilations: [1, 1],
    dimRoundingMode: undefined,
  }); // [N,H,W,ci·m]
  if (m === 1) return out;
  return r.sum(r.reshape(out, [n, h, w, ci, m]), [4]);
}

/**
 * `shiftedFilterMinMacs`: on wasm, filter gradients of k×k convolutions (k > 1) with at least this many
 * multiply-adds take the shifted-GEMM form (`wasm-shifted-filter-grad.ts`); 1×1 ones from
 * `shiftedFilterMinMacs1x1` on (always: no padded columns, one GEMM). Below it the shifted rows' wasted
 * columns (the grid is padded by k-1 per row) and the per-tap calls cost more. CPU ms stock → shifted,
 * 1 thread, fresh dy each call: [8, 64, 64, 64] 3×3 (1.2 G) 139 → 110, [8, 32, 32, 128] 3×3 129 → 97,
 * [8, 16, 16, 128] 3×3 (302 M) 34 → 27, [8, 8, 8, 128] 3×3 (75 M) 8.2 → 8.7, [8, 65, 65, 64] 3×3 stride 2
 * 76 → 52, [8, 17, 17, 128] 3×3 stride 2 (75 M) 8.8 → 7.6; 1×1: [8, 63, 63, 64] stride 2 → 128 25 → 16,
 * [8, 64, 64, 13] → 64 22 → 14.
 *
 * `phaseMinMacs`: below this many multiply-adds of the zero-inserted convolution, the phases' extra kernel calls (sh·sw
 * convs, pads, concats) cost more than the skipped zeros: measured on wasm, a [8, 9, 9, 64] input gradient
 * (24 M) took 5.4 ms zero-inserted and 7.5 ms by phases, [8, 17, 17, 64] (85 M) 10.0 and 9.1 ms,
 * [8, 65, 65, 32] (623 M) 46 and 24 ms. Both give the same values.
 */
export const convBackpropTuning = { phaseMinMacs: 5e7, shiftedFilterMinMacs: 5e7, shiftedFilterMinMacs1x1: 0 };

/**
 * Input gradient of a strided (non-depthwise) convolution by phases. On the padded input grid h' = h + pt,
 * h' = p·sh + i; phase a = h' mod sh receives the taps i = a + sh·t, so out[sh·m + a] = Σ_t dy[m − t]·W[a + sh·t]:
 * a stride-1 "full" correlation of dy with those taps in reverse order. The phases are interleaved with
 * rank-4 concats and reshapes on the grid [0, sh·L), L = OH − 1 + ⌈kh/sh⌉, then cropped (or zero-padded)
 * to the input rows [pt, pt + H).
 */
function phaseBackpropInput(
  r: KernelRunner,
  dy: TensorInfo,
  filter: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  inputShape: number[],
): TensorInfo {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: oh, outWidth: ow } = info;
  const [n, h, w, ci] = inputShape as [number, number, number, number];
  const co = filter.shape[3] as number;
  const lh = oh - 1 + Math.ceil(kh / sh);
  const lw = ow - 1 + Math.ceil(kw / sw);
  const weights = r.read(filter); // [kh, kw, ci, co], small
  const taps = (a: number, s: number, k: number) => {
    const nt = Math.max(0, Math.ceil((k - a) / s));
    return Array.from({ length: nt }, (_, t) => a + s * (nt - 1 - t));
  };
  const phase = (a: number, b: number): TensorInfo => {
    const rows = taps(a, sh, kh);
    const cols = taps(b, sw, kw);
    if (rows.length === 0 || cols.length === 0) return r.constant(new Float32Array(n * lh * lw * ci), [n, lh, lw, ci]);
    // Kernel [rows, cols, co, ci]: the selected taps, in/out swapped.
    const kernel = new Float32Array(rows.length * cols.length * co * ci);
    let o = 0;
    for (const i of rows) {
      for (const j of cols) {
        for (let oc = 0; oc < co; oc++) {
          for (let c = 0; c < ci; c++) kernel[o++] = weights[((i * kw + j) * ci + c) * co + oc]!;
        }
      }
    }
    const x = r.padOrCrop(dy, [
      [0, 0],
      [rows.length - 1, lh - oh],
      [cols.length - 1, lw - ow],
      [0, 0],
    ]);
    return r.run('Conv2D', { x, filter: r.constant(kernel, [rows.length, cols.length, co, ci]) }, {
      strides: [1, 1],
      pad: 'valid',
      dataFormat: 'NHWC',
      dilations: [1, 1],
      dimRoundingMode: undefined,
    }); // [n, lh, lw, ci]
  };
  // Column phases side by side on channels, viewed as [n, lh, sw·lw, ci], put phase b at sw·l + b; the
  // rows likewise put row phase a at sh·l + a.
  const rowsOut: TensorInfo[] = [];
  for (let a = 0; a < sh; a++) {
    const cols: TensorInfo[] = [];
    for (let b = 0; b < sw; b++) cols.push(phase(a, b));
    const joined = sw === 1 ? cols[0]! : r.run('Concat', cols as unknown as Record<string, TensorInfo>, { axis: 3 });
    rowsOut.push(r.reshape(joined, [n, lh, sw * lw, ci]));
  }
  const grid = r.reshape(sh === 1 ? rowsOut[0]! : r.run('Concat', rowsOut as unknown as Record<string, TensorInfo>, { axis: 2 }), [n, sh * lh, sw * lw, ci]);
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  return r.padOrCrop(grid, [
    [0, 0],
    [-pt, h + pt - sh * lh],
    [-pl, w + pl - sw * lw],
    [0, 0],
  ]);
}
