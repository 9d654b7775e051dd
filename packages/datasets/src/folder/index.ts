export { FolderDataset, type FolderDatasetOptions, type FolderSample } from './folder-dataset.js';
export { flipImage, flipLabels, shiftScaleRotate, drawShiftScaleRotate, type FlipSwapTable, type ShiftScaleRotate } from './augment.js';
