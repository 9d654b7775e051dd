export {
  AttributeClassifier,
  buildAttributeClassifierModel,
  loadAttributeClassifier,
  attributeClassifierUrl,
  CLASSIFIER_BINARY_ATTRIBUTES,
  CLASSIFIER_REGRESSION_ATTRIBUTES,
  CLASSIFIER_EMBEDDING_DIM,
  type AttributeClassifierMeta,
  type AttributePrediction,
  type ClassifierBinaryAttribute,
  type ClassifierRegressionAttribute,
  type EvalFeatureExtractor,
} from './attribute-classifier.js';
export { FaceParser, buildFaceParserModel, loadFaceParser, faceParserUrl, PARSER_CLASSES, type FaceParserMeta } from './face-parser.js';
export { binaryScores, rocAuc, meanAbsoluteError, ConfusionMatrix, type BinaryScores, type SegmentationScores } from './eval-metrics.js';
