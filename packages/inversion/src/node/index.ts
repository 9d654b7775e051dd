// Node-only entry point of @semstyle/inversion: files, PNGs, checkpoints and the CLI commands.
export { decodePngImage, encodeRgbPng, encodeGreyPng } from './png.js';
export { listPngFiles, loadPngBatch } from './image-folder.js';
export {
  ENCODER_CHECKPOINT_FORMAT,
  ENCODER_WEIGHTS_FILE,
  ENCODER_STATE_FILE,
  saveEncoderCheckpoint,
  saveEncoderWeights,
  readEncoderCheckpoint,
  loadEncoder,
  restoreTrainerState,
  encoderWeightsPath,
  type EncoderCheckpointState,
  type LoadedEncoderCheckpoint,
} from './checkpoint.js';
export { defaultEncoderPath, hasDefaultEncoder, loadDefaultEncoder } from './default-encoder.js';
export { trainEncoderCommand, mixedStep, type EncoderFolderData, type TrainEncoderCommandOptions, type TrainEncoderCommandResult } from './train-encoder-command.js';
export { invertCommand, type InvertCommandOptions, type InvertCommandResult } from './invert-command.js';
export { loadFaceApiIdentityDistance } from './face-api-identity.js';
