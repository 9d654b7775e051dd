/** PyTorch checkpoint reading (torch.save zip archives), browser-safe. */
export {
  openTorchCheckpoint,
  type OpenTorchCheckpointOptions,
  type StateDictOptions,
  type TorchCheckpoint,
} from './torch-checkpoint.js';
export { TorchStorageRef, TorchTensorRef, type MaterializeOptions, type StorageType } from './tensor-ref.js';
export { ZipArchive, type ZipEntry, type ZipReadOptions } from './zip.js';
export { unpickle, type PickleGlobal, type UnpickleHooks } from './pickle.js';
