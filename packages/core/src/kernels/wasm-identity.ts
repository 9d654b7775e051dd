import * as tf from '@tensorflow/tfjs';
import { markKernel } from './marker.js';

/**
 * `Identity` and same-dtype `Cast` for tfjs-backend-wasm without copying: the output shares the input's
 * data (reference counted), exactly as the wasm backend's own `Reshape` and the cpu backend's `Identity` do.
 *
 * The stock wasm kernels (4.22) copy the whole tensor. The engine clones (Identity) every tensor it saves
 * for a gradient, and tfjs' Multiply gradient casts float32 to float32, so a training step copied hundreds
 * of megabytes for nothing. Kernels never write into their inputs, so sharing is safe.
 */

interface RefCountingBackend {
  incRef(dataId: tf.DataId): void;
}

function share(backend: unknown, x: tf.TensorInfo, dtype: tf.DataType): tf.TensorInfo {
  (backend as RefCountingBackend).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype };
}

export function makeWasmIdentityConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Identity, backendName);
  return {
    kernelName: tf.Identity,
    backendName,
    kernelFunc: markKernel((args: Parameters<tf.KernelFunc>[0]) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === 'string' && stock !== undefined) return stock.kernelFunc(args);
      return share(args.backend, x, x.dtype);
    }),
  };
}

export function makeWasmCastConfig(backendName: string): tf.KernelConfig {
  const stock = tf.getKernel(tf.Cast, backendName);
  return {
    kernelName: tf.Cast,
    backendName,
    kernelFunc: markKernel((args: Parameters<tf.KernelFunc>[0]) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      if (dtype === x.dtype && x.dtype !== 'string') return share(args.backend, x, x.dtype);
      if (stock === undefined) throw new Error(`Cast ${x.dtype} → ${dtype}: no stock kernel.`);
      return stock.kernelFunc(args);
    }),
  };
}
