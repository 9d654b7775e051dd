import { InputError } from '@semstyle/core';

/** Everything needed to rebuild a flow (serialisable; travels in checkpoints). */
export interface FlowConfig {
  /** Width of the latent vectors the flow acts on (styleDim for W / W+ rows). */
  readonly dim: number;
  /** Length of the attribute (condition) vector. */
  readonly condDim: number;
  /** Hidden widths of the ODE net (StyleFlow's original: five layers of 512). */
  readonly hidden: readonly number[];
  /** Initial end time T (StyleFlow: 0.5). */
  readonly endTime: number;
  /** Train T (softplus-parameterised). */
  readonly trainT: boolean;
  /** MovingBatchNorm before and after the CNF. */
  readonly batchNorm: boolean;
  readonly bnEps: number;
  readonly bnDecay: number;
  /** Seed of the initial weights. */
  readonly seed: number;
  /** Attribute names, in condition order (optional, for editing by name). */
  readonly attributeNames?: readonly string[];
}

export const ORIGINAL_HIDDEN = [512, 512, 512, 512, 512] as const;

export function resolveFlowConfig(partial: Partial<FlowConfig> & Pick<FlowConfig, 'dim' | 'condDim'>): FlowConfig {
  const config: FlowConfig = {
    hidden: ORIGINAL_HIDDEN,
    endTime: 0.5,
    trainT: true,
    batchNorm: true,
    bnEps: 1e-4,
    bnDecay: 0.1,
    seed: 0,
    ...partial,
  };
  validateFlowConfig(config);
  return config;
}

export function validateFlowConfig(c: FlowConfig): void {
  const bad = (msg: string) => new InputError('E_INVALID_ARGUMENT', `Flow config: ${msg}`, { details: { config: c } });
  if (!Number.isInteger(c.dim) || c.dim <= 0) throw bad(`dim must be a positive integer, got ${c.dim}.`);
  if (!Number.isInteger(c.condDim) || c.condDim < 0) throw bad(`condDim must be a non-negative integer, got ${c.condDim}.`);
  if (!Array.isArray(c.hidden) || c.hidden.some((h) => !Number.isInteger(h) || h <= 0)) throw bad(`hidden must be positive integers, got ${JSON.stringify(c.hidden)}.`);
  if (!(c.endTime > 0) || !Number.isFinite(c.endTime)) throw bad(`endTime must be positive, got ${c.endTime}.`);
  if (!(c.bnEps > 0)) throw bad(`bnEps must be positive, got ${c.bnEps}.`);
  if (!(c.bnDecay >= 0 && c.bnDecay <= 1)) throw bad(`bnDecay must be in [0, 1], got ${c.bnDecay}.`);
  if (c.attributeNames !== undefined && c.attributeNames.length !== c.condDim) {
    throw bad(`${c.attributeNames.length} attribute names for condDim ${c.condDim}.`);
  }
}
