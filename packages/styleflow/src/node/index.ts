// Node-only entry point of @semstyle/styleflow: checkpoint files, pairs files, and the CLI-facing commands.
export { saveFlowCheckpoint, readFlowCheckpointFile, loadFlow, metadataPathFor } from './checkpoint-files.js';
export { writeFlowPairs, readFlowPairs, pairsDataSource, type FlowPairs } from './pairs-file.js';
export { trainFlowCommand, type TrainFlowCommandOptions, type TrainFlowCommandResult, type TrainFlowProgress } from './train-flow-command.js';
export { flowEditCommand, type FlowEditCommandOptions, type FlowEditCommandResult } from './flow-edit-command.js';
export { encodePng } from './png.js';
