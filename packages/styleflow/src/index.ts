// Public entry point of @semstyle/styleflow (browser-safe; files and commands are in '@semstyle/styleflow/node').
export { SolverStepLimitError } from './errors.js';

// ODE solvers
export { dopri5, rk4, odeint, type OdeFunction, type SolveResult, type SolveStats, type SolverOptions, type Dopri5Options, type Rk4Options } from './solvers/index.js';

// The flow
export { StyleFlow, standardNormalLogProb, type FlowRunOptions, type FlowResult } from './flow/styleflow.js';
export { resolveFlowConfig, validateFlowConfig, ORIGINAL_HIDDEN, type FlowConfig } from './flow/config.js';
export { Cnf, type IntegrateOptions, type IntegrateResult } from './flow/cnf.js';
export { OdeNet } from './flow/odenet.js';
export { ConcatSquashLinear } from './flow/concat-squash.js';
export { MovingBatchNorm } from './flow/moving-batch-norm.js';
export { LinearDynamics } from './flow/linear-dynamics.js';
export { valueAndDivergence, hutchinsonNoise, type TraceMode, type NoiseKind } from './flow/divergence.js';
export type { Dynamics } from './flow/dynamics.js';

// Training
export { FlowTrainer, resolveTrainingOptions, type FlowTrainingOptions, type FlowStepResult, type FlowTrainerState } from './train/trainer.js';
export { arrayDataSource, type FlowDataSource, type FlowBatch } from './train/data-source.js';
export { selectPairRows, type FlowPairs } from './train/pairs.js';
export {
  flowCheckpointBytes,
  readFlowCheckpoint,
  flowFromCheckpoint,
  trainerStateFromCheckpoint,
  disposeFlowCheckpoint,
  FLOW_CHECKPOINT_FORMAT,
  type FlowCheckpoint,
  type FlowCheckpointMetadata,
} from './train/checkpoint.js';

// Editing
export { flowEdit, flowEditSequence, editSlots, type FlowEditOptions, type FlowEditResult, type FlowEditStep } from './edit/edit.js';
export { applyAttributeChanges, attributeIndex, type AttributeChange } from './edit/attributes.js';
export { parseFlowEditStep } from './edit/spec.js';
export { replaceSlots } from './edit/region-merge.js';
