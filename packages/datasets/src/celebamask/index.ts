export {
  convertCelebAMask,
  mergeCelebAMaskParts,
  CELEBAMASK_PART_CLASSES,
  CELEBAMASK_CLASS_NAMES,
  type ConvertCelebAMaskOptions,
  type ConvertCelebAMaskResult,
} from './convert.js';
