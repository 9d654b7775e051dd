/**
 * Zero-copy views into tensors on tfjs-backend-wasm's heap, for kernels that hand a part of a tensor (a row
 * block, a shifted window) to another kernel of the backend. Relies on tfjs-backend-wasm 4.22 internals
 * (`dataIdMap`, `makeOutput` with a memory offset, `tfjs.disposeData`); the package pins that version.
 */
import type * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm (4.22) the views rely on. */
export interface WasmHeapBackend {
  dataIdMap: { get(dataId: tf.DataId): { id: number; memoryOffset: number } | undefined; delete(dataId: tf.DataId): boolean };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number): tf.TensorInfo;
  disposeData(dataId: tf.DataId): boolean;
  wasm: {
    tfjs: { disposeData(id: number): void };
    HEAPU8: Uint8Array;
    /** The threaded build's (shared) memory. */
    wasmMemory?: WebAssembly.Memory;
    /** The one-thread build exports its memory. */
    asm?: { memory?: WebAssembly.Memory };
  };
}

/** The backend's WebAssembly memory, when reachable. */
export function heapMemory(backend: WasmHeapBackend): WebAssembly.Memory | undefined {
  return backend.wasm.wasmMemory ?? backend.wasm.asm?.memory;
}

/**
 * The heap's current buffer. Read from the Memory object: after the heap grew, `HEAPU8` may still be the
 * old (shorter) view until Emscripten's own code refreshes it.
 */
export function heapBuffer(backend: WasmHeapBackend): ArrayBufferLike {
  return heapMemory(backend)?.buffer ?? backend.wasm.HEAPU8.buffer;
}

/**
 * A float32 tensor of `shape` aliasing `base`'s heap memory from element `offset` on. Not owned by the
 * engine; release it with `releaseView` before `base` is disposed, never with `disposeData` (which would
 * free memory inside another allocation). Kernels may reshape it (they take and drop references).
 */
export function heapView(backend: WasmHeapBackend, base: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
  const entry = backend.dataIdMap.get(base.dataId);
  if (entry === undefined) throw new Error('heapView: the base tensor is not on the wasm backend.');
  return backend.makeOutput(shape, 'float32', entry.memoryOffset + 4 * offset);
}

export function releaseView(backend: WasmHeapBackend, view: tf.TensorInfo): void {
  const entry = backend.dataIdMap.get(view.dataId);
  if (entry === undefined) return;
  backend.wasm.tfjs.disposeData(entry.id); // also drops XNNPACK operators cached on it
  backend.dataIdMap.delete(view.dataId);
}

/** The heap offset of a tensor, in floats. */
export function floatOffset(backend: WasmHeapBackend, info: tf.TensorInfo): number {
  const entry = backend.dataIdMap.get(info.dataId);
  if (entry === undefined) throw new Error('floatOffset: the tensor is not on the wasm backend.');
  return entry.memoryOffset / 4;
}
