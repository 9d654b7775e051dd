/**
 * `window.semstyle`: a small hook for browser tests (and the console). Everything it returns is plain
 * data (numbers, strings, arrays), so it crosses playwright's `page.evaluate` unchanged.
 */
import type { SwapKind } from './session.js';

export interface DemoInfo {
  readonly backend: string;
  /** Adapter / renderer description. */
  readonly device: string;
  /** A software rasteriser (SwiftShader…): correct, not fast. */
  readonly software: boolean;
  /** Backends passed over, and why. */
  readonly skipped: readonly string[];
  readonly model: string;
  readonly resolution: number;
  readonly regions: readonly string[];
  readonly directions: readonly string[];
  /** Time to fetch the model and build the generator (ms). */
  readonly loadMs: number;
}

/** Result of an action that renders a frame. */
export interface FrameSummary {
  /** Synthesis + read-back time (ms). */
  readonly ms: number;
}

/** The last frame, as plain arrays. */
export interface PixelDump {
  readonly size: number;
  /** RGB bytes, row-major, size × size × 3. */
  readonly rgb: number[];
  /** Raw image values (about [-1, 1]), size × size × 3. */
  readonly image: number[];
  /** Argmax of the final segmentation, size × size. */
  readonly labels: number[];
  readonly maskSize: number;
  /** Argmax of the region masks (softmax of the depths, after the composition), maskSize × maskSize. */
  readonly maskLabels: number[];
  /** Pseudo-depths, maskSize × maskSize × K. */
  readonly depths: number[];
}

export interface BenchmarkResult {
  readonly backend: string;
  readonly frames: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly meanMs: number;
}

export interface SemstyleHook {
  /** Resolves once the model is loaded and the first frame is drawn; rejects with the page's error. */
  readonly ready: Promise<DemoInfo>;
  info(): DemoInfo;
  sample(seed: number): Promise<FrameSummary>;
  swap(region: string, kind: SwapKind, fromSeed: number): Promise<FrameSummary>;
  resample(region: string, kind: SwapKind): Promise<FrameSummary & { fromSeed: number }>;
  setRegionEnabled(region: string, on: boolean): Promise<FrameSummary>;
  setDirection(name: string, strength: number): Promise<FrameSummary>;
  readPixels(): PixelDump;
  /** Render the current frame `frames` times after one warm-up frame. */
  benchmark(frames: number): Promise<BenchmarkResult>;
  /** Live tensors (tf.memory().numTensors), to check that actions leak nothing. */
  tensors(): number;
}

declare global {
  interface Window {
    semstyle?: SemstyleHook;
  }
}
