import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convBackpropTuning } from './conv-backprop-impl.js';
import { stockKernel } from './register.js';
import { BACKENDS, centralDiff, Pad, rand, referenceConvGrads, relErr, useBackend } from './test-helpers.js';

const EXPLICIT: number[][] = [
  [0, 0],
  [1, 2],
  [2, 0],
  [0, 0],
];

interface Geometry {
  k: number;
  stride: number;
  pad: Pad;
  phases?: boolean;
  /** Force the wasm filter gradient's shifted-GEMM form (1×1 filters always take it). */
  shifted?: boolean;
}

const GEOMETRIES: Geometry[] = [];
for (const k of [1, 3, 4])
  for (const stride of [1, 2])
    for (const pad of ['same', 'valid', EXPLICIT] as Pad[]) {
      GEOMETRIES.push({ k, stride, pad });
      // Strided input gradients of large convolutions go by phases: force that path on these small ones.
      if (stride > 1) GEOMETRIES.push({ k, stride, pad, phases: true });
      // Large filter gradients on wasm go by shifted GEMMs: force that path too.
      if (k > 1) GEOMETRIES.push({ k, stride, pad, shifted: true });
    }

const label = (g: Geometry) => `k${g.k} s${g.stride} ${typeof g.pad === 'string' ? g.pad : 'explicit'}${g.phases ? ' (phases)' : ''}${g.shifted ? ' (shifted)' : ''}`;

/** Runs `fn` with one of the conv-backprop thresholds at 0 (the tuned path forced on) when asked. */
function withThresholdOff<T>(threshold: 'phaseMinMacs' | 'shiftedFilterMinMacs', on: boolean | undefined, fn: () => T): T {
  const saved = convBackpropTuning[threshold];
  if (on) convBackpropTuning[threshold] = 0;
  try {
    return fn();
  } finally {
    convBackpropTuning[threshold] = saved;
  }
}

/** Every strided input gradient by phase decomposition. */
const withPhases = <T>(on: boolean | undefined, fn: () => T): T => withThresholdOff('phaseMinMacs', on, fn);
/** Every wasm filter gradient in the shifted-GEMM form. */
const withShifted = <T>(on: boolean | undefined, fn: () => T): T => withThresholdOff('shiftedFilterMinMacs', on, fn);

/** Runs a kernel through the engine (the way ops do) and returns its data. */
function runKernel(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): tf.Tensor {
  return tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
}

/** The cpu backend's stock kernel, run on host data (reference for both backends). */
function stockCpu(name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array {
  const config = stockKernel(name, 'cpu');
  if (config === undefined) throw new Error(`no stock cpu ${name}`);
  const cpu = tf.engine().findBackend('cpu');
  const infos: Record<string, tf.TensorInfo> = {};
  for (const [k, t] of Object.entries(inputs)) {
    infos[k] = { dataId: cpu.write(t.dataSync().slice(), t.shape, t.dtype), shape: t.shape, dtype: t.dtype };
  }
  const out = config.kernelFunc({ inputs: infos, backend: cpu, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  const vals = (cpu.readSync(out.dataId) as Float32Array).slice();
  cpu.disposeData(out.dataId);
  for (const info of Object.values(infos)) cpu.disposeData(info.dataId);
  return vals;
}

for (const backendName of BACKENDS) {
  describe(`conv backprop kernels on ${backendName}`, () => {
    beforeAll(async () => {
      await useBackend(backendName);
      tf.env().set('IS_TEST', true); // makes the engine check each kernel for backend-level leaks
    });
    afterAll(() => {
      tf.env().set('IS_TEST', false);
    });

    it('registers semstyle kernels', () => {
      expect(tf.getKernel('Conv2DBackpropFilter', backendName)).toBeDefined();
      if (backendName === 'wasm') {
        expect(tf.getKernel('DepthwiseConv2dNativeBackpropInput', 'wasm')).toBeDefined();
        expect(tf.getKernel('DepthwiseConv2dNativeBackpropFilter', 'wasm')).toBeDefined();
      }
    });

    for (const g of GEOMETRIES) {
      it(`Conv2D filter/input gradients, ${label(g)}: reference, stock cpu, finite differences`, () => {
        const seed = g.k * 100 + g.stride * 10 + (typeof g.pad === 'string' ? g.pad.length : 0);
        const x = rand([2, 7, 6, 3], seed) as tf.Tensor4D;
        const w = rand([g.k, g.k, 3, 2], seed + 1) as tf.Tensor4D;
        const yShape = tf.conv2d(x, w, g.stride, g.pad as 'same').shape;
        const dy = rand(yShape, seed + 2) as tf.Tensor4D;
        const attrs = { strides: g.stride, pad: g.pad, dataFormat: 'NHWC' };
        const dw = withShifted(g.shifted, () => runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }));
        const dx = withPhases(g.phases, () => runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }));
        expect(dw.shape).toEqual(w.shape);
        expect(dx.shape).toEqual(x.shape);
        const ref = referenceConvGrads({
          x: x.dataSync() as Float32Array, xShape: x.shape, w: w.dataSync() as Float32Array, wShape: w.shape,
          dy: dy.dataSync() as Float32Array, dyShape: dy.shape, stride: g.stride, pad: g.pad, depthwise: false,
        });
        expect(relErr(dw.dataSync(), ref.dw)).toBeLessThan(1e-5);
        expect(relErr(dx.dataSync(), ref.dx)).toBeLessThan(1e-5);
        expect(relErr(dw.dataSync(), stockCpu('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }))).toBeLessThan(1e-5);
        expect(relErr(dx.dataSync(), stockCpu('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }))).toBeLessThan(1e-5);
        // L = Σ dy ⊙ conv2d(x, w) is bilinear, so central differences are exact up to rounding (h = 1).
        const loss = ([xx, ww]: tf.Tensor[]) => tf.sum(tf.mul(dy, tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, g.stride, g.pad as 'same'))) as tf.Scalar;
        const dwv = dw.dataSync();
        const dxv = dx.dataSync();
        for (const idx of [0, Math.floor(w.size / 2), w.size - 1]) {
          expect(centralDiff(loss, [x, w], 1, idx, 1)).toBeCloseTo(dwv[idx]!, 3);
        }
        for (const idx of [0, 17, Math.floor(x.size / 2), x.size - 1]) {
          expect(centralDiff(loss, [x, w], 0, idx, 1)).toBeCloseTo(dxv[idx]!, 3);
        }
        if (g.phases) {
          // Same products in the same order as the zero-inserted convolution: identical values.
          const zeroInserted = runKernel('Conv2DBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape });
          expect(Array.from(dxv)).toEqual(Array.from(zeroInserted.dataSync()));
          zeroInserted.dispose();
        }
        tf.dispose([x, w, dy, dw, dx]);
      });
    }

    for (const [outHW, pad] of [
      [11, 'valid'],
      [10, 'same'],
      [12, 'valid'],
    ] as const) {
      it(`conv2dTranspose stride 2 ${pad} 3×3 → ${outHW}×${outHW} matches the reference`, () => {
        const x = rand([2, 5, 5, 4], 7) as tf.Tensor4D; // conv2dTranspose input = dy of the conv
        const w = rand([3, 3, 2, 4], 8) as tf.Tensor4D; // [kh, kw, outChannels, inChannels]
        const y = tf.conv2dTranspose(x, w, [2, outHW, outHW, 2], 2, pad);
        expect(y.shape).toEqual([2, outHW, outHW, 2]);
        const ref = referenceConvGrads({
          x: new Float32Array(2 * outHW * outHW * 2), xShape: [2, outHW, outHW, 2],
          w: w.dataSync() as Float32Array, wShape: w.shape,
          dy: x.dataSync() as Float32Array, dyShape: x.shape, stride: 2, pad, depthwise: false,
        });
        expect(relErr(y.dataSync(), ref.dx)).toBeLessThan(1e-5);
        const byPhases = withPhases(true, () => tf.conv2dTranspose(x, w, [2, outHW, outHW, 2], 2, pad));
        expect(relErr(byPhases.dataSync(), ref.dx)).toBeLessThan(1e-5);
        tf.dispose([x, w, y, byPhases]);
      });
    }

    const DW_CASES: Array<Geometry & { m: number }> = [
      { k: 4, stride: 2, pad: [[0, 0], [1, 1], [1, 1], [0, 0]], m: 1 },
      { k: 4, stride: 1, pad: [[0, 0], [2, 1], [2, 1], [0, 0]], m: 1 },
      { k: 4, stride: 2, pad: [[0, 0], [2, 2], [2, 2], [0, 0]], m: 1 },
      { k: 3, stride: 1, pad: 'same', m: 2 },
      { k: 3, stride: 2, pad: 'valid', m: 1 },
      { k: 1, stride: 1, pad: 'valid', m: 1 },
      { k: 1, stride: 2, pad: 'same', m: 2 },
    ];
    for (const g of DW_CASES) {
      it(`depthwise filter/input gradients, ${label(g)} m${g.m}: reference, stock cpu, finite differences`, () => {
        const x = rand([2, 8, 7, 3], g.k * 31 + g.stride) as tf.Tensor4D;
        const w = rand([g.k, g.k, 3, g.m], g.k * 37 + g.m) as tf.Tensor4D;
        const yShape = tf.depthwiseConv2d(x, w, g.stride, g.pad as 'same').shape;
        const dy = rand(yShape, 99 + g.k) as tf.Tensor4D;
        const attrs = { strides: g.stride, pad: g.pad, dilations: 1 };
        const dw = runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape });
        const dx = runKernel('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape });
        const ref = referenceConvGrads({
          x: x.dataSync() as Float32Array, xShape: x.shape, w: w.dataSync() as Float32Array, wShape: w.shape,
          dy: dy.dataSync() as Float32Array, dyShape: dy.shape, stride: g.stride, pad: g.pad, depthwise: true,
        });
        expect(relErr(dw.dataSync(), ref.dw)).toBeLessThan(1e-5);
        expect(relErr(dx.dataSync(), ref.dx)).toBeLessThan(1e-5);
        expect(relErr(dw.dataSync(), stockCpu('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...attrs, filterShape: w.shape }))).toBeLessThan(1e-5);
        expect(relErr(dx.dataSync(), stockCpu('DepthwiseConv2dNativeBackpropInput', { dy, filter: w }, { ...attrs, inputShape: x.shape }))).toBeLessThan(1e-5);
        const loss = ([xx, ww]: tf.Tensor[]) =>
          tf.sum(tf.mul(dy, tf.depthwiseConv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, g.stride, g.pad as 'same'))) as tf.Scalar;
        const dwv = dw.dataSync();
        const dxv = dx.dataSync();
        for (const idx of [0, w.size - 1]) expect(centralDiff(loss, [x, w], 1, idx, 1)).toBeCloseTo(dwv[idx]!, 3);
        for (const idx of [5, x.size - 2]) expect(centralDiff(loss, [x, w], 0, idx, 1)).toBeCloseTo(dxv[idx]!, 3);
        tf.dispose([x, w, dy, dw, dx]);
      });
    }

    it('rejects NCHW and a dy of the wrong shape with semstyle errors', () => {
      const x = tf.zeros([1, 4, 4, 2]);
      const dy = tf.zeros([1, 3, 3, 2]);
      expect(() =>
        runKernel('Conv2DBackpropFilter', { x, dy }, { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 2] }),
      ).toThrow(/dy has shape/);
      const dy4 = tf.zeros([1, 4, 4, 2]);
      expect(() =>
        runKernel('Conv2DBackpropFilter', { x, dy: dy4 }, { strides: 1, pad: 'same', dataFormat: 'NCHW', filterShape: [3, 3, 2, 2] }),
      ).toThrow(/NHWC/);
      tf.dispose([x, dy, dy4]);
    });
  });
}
