/**
 * Backend choice: `auto` takes the first of webgpu → webgl → wasm that starts on real hardware (a
 * software WebGPU adapter or a software WebGL renderer such as SwiftShader is skipped: far slower than
 * wasm); `webgpu` / `webgl` / `wasm` / `cpu` force one. The wasm binaries come from this page's origin
 * (`wasm/` beside index.html; vite.config.ts serves and copies them).
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerSemstyleKernels } from '@semstyle/core';

export type BackendRequest = 'auto' | 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export const BACKEND_REQUESTS: readonly BackendRequest[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendInfo {
  /** The backend in use. */
  readonly name: string;
  /** What the hardware is (adapter / renderer), when known. */
  readonly device: string;
  /** True for software rasterisers (SwiftShader, llvmpipe): correct but slow. */
  readonly software: boolean;
  /** Why backends before it were not used. */
  readonly skipped: readonly string[];
}

interface GpuAdapterLike {
  readonly info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  readonly isFallbackAdapter?: boolean;
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: string }): Promise<GpuAdapterLike | null>;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|software|softpipe/i;

async function probeWebGpu(): Promise<{ device: string; software: boolean } | string> {
  const gpu = (navigator as unknown as { gpu?: GpuLike }).gpu;
  if (gpu === undefined) return window.isSecureContext ? 'no navigator.gpu in this browser' : 'no navigator.gpu (page is not a secure context)';
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (e) {
    return `requestAdapter failed: ${String(e)}`;
  }
  if (adapter === null) return 'no WebGPU adapter';
  const info = adapter.info ?? {};
  const device = [info.vendor, info.architecture, info.description].filter((s) => s).join(' ') || 'unknown adapter';
  const software = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE.test(device);
  return { device, software };
}

function probeWebGl(): { device: string; software: boolean } | string {
  const canvas = document.createElement('canvas');
  const gl = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  if (gl === null) return 'no WebGL context';
  const debug = gl.getExtension('WEBGL_debug_renderer_info');
  const device = String(debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return { device, software: SOFTWARE.test(device) };
}

async function start(name: string): Promise<boolean> {
  try {
    return (await tf.setBackend(name)) && tf.getBackend() === name;
  } catch {
    return false;
  }
}

/** Start a backend as requested; throws with the reasons when none starts. */
export async function chooseBackend(request: BackendRequest, wasmBase = new URL('wasm/', document.baseURI).href): Promise<BackendInfo> {
  setWasmPaths(wasmBase);
  registerSemstyleKernels(); // the webgpu backend package was imported after @semstyle/core registered its kernels
  const skipped: string[] = [];
  const order: BackendRequest[] = request === 'auto' ? ['webgpu', 'webgl', 'wasm'] : [request];
  for (const name of order) {
    let device = name === 'wasm' ? 'WebAssembly (SIMD)' : name === 'cpu' ? 'JavaScript' : '';
    let software = false;
    if (name === 'webgpu' || name === 'webgl') {
      const probe = name === 'webgpu' ? await probeWebGpu() : probeWebGl();
      if (typeof probe === 'string') {
        skipped.push(`${name}: ${probe}`);
        continue;
      }
      ({ device, software } = probe);
      if (software && request === 'auto') {
        skipped.push(`${name}: software renderer (${device}), slower than wasm`);
        continue;
      }
    }
    if (await start(name)) {
      await tf.ready();
      return { name, device, software, skipped };
    }
    skipped.push(`${name}: did not start`);
  }
  throw new Error(`No backend started (${skipped.join('; ')}).`);
}
