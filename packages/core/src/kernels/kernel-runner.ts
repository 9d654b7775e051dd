/**
 * Helpers for kernels that are built out of other kernels of the same backend.
 *
 * A kernel function receives and returns `TensorInfo`s, not `Tensor`s, and runs outside the engine's
 * tape and scopes. The kernels in this folder therefore call the backend's own registered kernel
 * functions directly (the way the wasm and cpu backends compose their kernels), and release every
 * intermediate with `backend.disposeData`. `KernelRunner` keeps the list of intermediates so that a kernel
 * cannot forget one: everything it made is released in `dispose()`, except the output it `keep()`s.
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError, SemstyleError } from '../contract/errors.js';

type TensorInfo = tf.TensorInfo;
type Attrs = Record<string, unknown>;

export class KernelRunner {
  private owned: TensorInfo[] = [];

  constructor(
    readonly backend: tf.KernelBackend,
    readonly backendName: string,
  ) {}

  /** Runs kernel `name` of this runner's backend; the result is owned by the runner until `keep()`. */
  run(name: string, inputs: Record<string, TensorInfo>, attrs: Attrs = {}): TensorInfo {
    const config = tf.getKernel(name, this.backendName);
    if (config === undefined) {
      throw new BackendError('E_BACKEND', `Kernel '${name}' is not registered for backend '${this.backendName}'.`, {
        details: { kernel: name, backend: this.backendName },
      });
    }
    const out = config.kernelFunc({
      inputs: inputs as tf.NamedTensorInfoMap,
      attrs: attrs as tf.NamedAttrMap,
      backend: this.backend,
    });
    const info = Array.isArray(out) ? out[0] : out;
    if (info === undefined) throw new BackendError('E_BACKEND', `Kernel '${name}' returned no output.`);
    if (Array.isArray(out)) for (const extra of out.slice(1)) this.backend.disposeData(extra.dataId);
    this.owned.push(info);
    return info;
  }

  /** A new tensor holding `values` (owned by the runner until `keep()`). */
  constant(values: Float32Array, shape: number[]): TensorInfo {
    const info: TensorInfo = { dataId: this.backend.write(values, shape, 'float32'), shape, dtype: 'float32' };
    this.owned.push(info);
    return info;
  }

  /** Takes ownership of an output made directly on the backend (released by `dispose()` unless kept). */
  adopt(info: TensorInfo): TensorInfo {
    this.owned.push(info);
    return info;
  }

  /** Reads a (small) tensor's values to the host. */
  read(x: TensorInfo): Float32Array {
    return this.backend.readSync(x.dataId) as Float32Array;
  }

  /** Removes `info` from the intermediates, so that `dispose()` leaves it alone, and returns it. */
  keep(info: TensorInfo): TensorInfo {
    const i = this.owned.indexOf(info);
    if (i >= 0) this.owned.splice(i, 1);
    return info;
  }

  /** Releases every intermediate not kept. */
  dispose(): void {
    for (const info of this.owned) this.backend.disposeData(info.dataId);
    this.owned = [];
  }

  // ---- thin wrappers over the kernels used in this folder ----

  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  /** Transposes; an identity permutation returns a new handle on the same data. */
  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    if (perm.every((p, i) => p === i)) return this.reshape(x, x.shape.slice());
    return this.run('Transpose', { x }, { perm });
  }

  reverse(x: TensorInfo, dims: number[]): TensorInfo {
    const axes = dims.filter((d) => (x.shape[d] ?? 1) > 1);
    if (axes.length === 0) return this.reshape(x, x.shape.slice());
    return this.run('Reverse', { x }, { dims: axes });
  }

  sum(x: TensorInfo, axis: number[], keepDims = false): TensorInfo {
    return this.run('Sum', { x }, { axis, keepDims });
  }

  /**
   * Pads (positive amounts) and crops (negative amounts) each axis: `amounts[i] = [before, after]`.
   * Returns a new handle even when nothing changes.
   */
  padOrCrop(x: TensorInfo, amounts: Array<[number, number]>): TensorInfo {
    let cur = x;
    const needsCrop = amounts.some(([b, a]) => b < 0 || a < 0);
    if (needsCrop) {
      const begin = amounts.map(([b]) => Math.max(0, -b));
      const size = amounts.map(([b, a], i) => (x.shape[i] ?? 1) - Math.max(0, -b) - Math.max(0, -a));
      if (size.some((s) => s <= 0)) {
        throw new SemstyleError('E_SHAPE', `Cannot crop shape [${x.shape}] by [${JSON.stringify(amounts)}].`);
      }
      cur = this.run('Slice', { x: cur }, { begin, size });
    }
    if (amounts.some(([b, a]) => b > 0 || a > 0)) {
      const paddings = amounts.map(([b, a]) => [Math.max(0, b), Math.max(0, a)]);
      cur = this.run('PadV2', { x: cur }, { paddings, constantValue: 0 });
    }
    return cur === x ? this.reshape(x, x.shape.slice()) : cur;
  }

  /** Inserts `s - 1` zeros after every element of axes 1 and 2 of an NHWC tensor (length becomes n·s). */
  zeroInsert(x: TensorInfo, sh: number, sw: number): TensorInfo {
    if (sh === 1 && sw === 1) return this.reshape(x, x.shape.slice());
    const [n, h, w, c] = x.shape as [number, number, number, number];
    const r = this.reshape(x, [n * h, 1, w, 1, c]);
    const p = this.run('PadV2', { x: r }, {
      paddings: [[0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
      constantValue: 0,
    });
    return this.reshape(p, [n, h * sh, w * sw, c]);
  }
}

/** Runs `body` with a fresh runner, keeps what it returns, and releases all other intermediates. */
export function withRunner(
  backend: object,
  backendName: string,
  body: (r: KernelRunner) => TensorInfo,
): TensorInfo {
  const r = new KernelRunner(backend as tf.KernelBackend, backendName);
  try {
    return r.keep(body(r));
  } finally {
    r.dispose();
  }
}

/** Throws unless the data format is channels-last (the only layout these kernels implement). */
export function assertNHWC(kernel: string, dataFormat: unknown): void {
  if (dataFormat !== undefined && dataFormat !== null && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new SemstyleError('E_INVALID_ARGUMENT', `${kernel}: only dataFormat 'NHWC' is supported, got '${String(dataFormat)}'.`, {
      details: { kernel, dataFormat },
    });
  }
}

export function pair(v: number | [number, number] | number[] | undefined, dflt = 1): [number, number] {
  if (v === undefined || v === null) return [dflt, dflt];
  if (typeof v === 'number') return [v, v];
  return [v[0] ?? dflt, v[1] ?? v[0] ?? dflt];
}
