/**
 * Convolution gradients written as forward convolutions, shared by the Conv2D and depthwise kernels.
 *
 * Notation (NHWC): x [N,H,W,Ci], filter [kh,kw,Ci,Co] (depthwise: [kh,kw,C,m], Co = C·m),
 * dy [N,OH,OW,Co], stride (sh,sw), top/left padding (pt,pl) as computed by tfjs' `computeConv2DInfo`.
 *
 * Filter gradient: dW[i,j,c,o] = Σ_{n,p,q} xpad[n, p·sh+i, q·sw+j, c] · dy[n,p,q,o]. With x transposed
 * to [Ci,H,W,N] (batch ↔ channels) and dy transposed to [OH,OW,N,Co] used as the filter, this is a
 * stride-1 forward convolution with dilation (sh,sw), whose [Ci,kh,kw,Co] result is transposed back.
 *
 * Input gradient: dx[n,h,w,c] = Σ dy[n,p,q,o]·W[i,j,c,o] over p·sh+i-pt = h. Inserting sh-1 zeros
 * between the rows of dy (likewise columns) gives a stride-1 correlation of the zero-inserted dy with the
 * spatially flipped filter (in/out swapped), padded by kh-1-pt above.
 */
import * as tf from '@tensorflow/tfjs';
import { SemstyleError } from '../contract/errors.js';
import { KernelRunner, pair } from './kernel-runner.js';

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
