export { CLASS_NAMES, DEFAULT_CLASS_MAP, FACES_FEATURES, resolveClassMap, classMapToJson } from './classes.js';
export type { ClassName, ClassMap, FacesFeature, ResolvedClassMap } from './classes.js';
export { describeFace, drawnGroups, drawnHairId, type FaceDescription, type FaceConfig, type Gender, type Race } from './face.js';
export { faceAttributes, ATTRIBUTE_SCHEMA, SMILING_MOUTHS, BALD_HAIR, BANGS_HAIR, NOT_BEARD, HATS, type FaceAttributes } from './attributes.js';
export { renderFace, renderDescription, type RenderOptions, type RenderedFace } from './render.js';
export { VIEW_BOX } from './svg.js';
export { encodePng, decodePng } from './png.js';
export { faceSeed } from './prng.js';
export {
  writeFaceDataset,
  GENERATOR_NAME,
  GENERATOR_VERSION,
  FACESJS_VERSION,
  type WriteFaceDatasetOptions,
  type WriteFaceDatasetResult,
  type FaceDatasetProgress,
  type DatasetManifest,
} from './dataset.js';
export { datasetFacesCommand, type DatasetFacesArgs, type DatasetFacesHooks } from './command.js';
export { faceFileName } from './job.js';
// Training data: image + label folders (the layout writeFaceDataset produces), and CelebAMask-HQ conversion.
export * from './folder/index.js';
export * from './celebamask/index.js';
// Evaluation networks trained on this domain (attribute classifier + FID/KID feature extractor, face parser).
export * from './eval/index.js';
