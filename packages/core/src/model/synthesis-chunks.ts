import type { GeneratorConfig } from '../contract/config.js';
import { renderStages } from '../networks/render-net.js';

/**
 * Activation memory one synthesis pass may use, by default. Above it a batch is rendered in chunks: the
 * fusion materialises K·N·P·C floats at once (celebamask256: 109 MB per sample), and a batch of 8 in one
 * pass took over a minute against ~17 s for 8 single passes (wasm heap near its 4 GiB ceiling).
 */
export const DEFAULT_SYNTHESIS_BUDGET_BYTES = 128 * 2 ** 20;

/** Largest activation per sample, in bytes: the fused local features or the render net's widest map. */
export function synthesisBytesPerSample(config: GeneratorConfig): number {
  const fusion = config.segDim * config.coarseSize * config.coarseSize * config.coarseChannel * 4;
  let render = 0;
  for (const stage of renderStages(config)) render = Math.max(render, stage.size * stage.size * Math.max(stage.inChannels, stage.outChannels) * 4);
  return Math.max(fusion, render);
}

/** Samples per synthesis pass for a batch of `n` (at least 1; `override` wins when given). */
export function synthesisChunkSize(config: GeneratorConfig, n: number, override?: number): number {
  if (override !== undefined) return Math.max(1, Math.min(n, override));
  return Math.max(1, Math.min(n, Math.floor(DEFAULT_SYNTHESIS_BUDGET_BYTES / synthesisBytesPerSample(config))));
}
