/**
 * The named scorers of the default-model scripts (InterFaceGAN's, and StyleFlow's, which re-scores its
 * edits with the names InterFaceGAN's results.json records):
 *   mask.*    the face mask scorers on the generator's own masks,
 *   parsed.*  the same scorers on the datasets package's face parser's reading of each image,
 *   clf.*     every head of the datasets package's attribute classifier.
 */
import { FACE_REGIONS } from '@semstyle/core';
import type { AttributeClassifier, FaceParser } from '@semstyle/datasets';
import { attributeClassifierScorers, faceScorers, withSegmenterMasks, type Scorer } from '@semstyle/interfacegan';

export function faceModelScorers(classifier: AttributeClassifier, parser: FaceParser): Record<string, Scorer> {
  const mask = faceScorers();
  return {
    ...Object.fromEntries(Object.entries(mask).map(([k, v]) => [`mask.${k}`, v])),
    ...attributeClassifierScorers(classifier, { prefix: 'clf.' }),
    ...Object.fromEntries(Object.entries(mask).map(([k, v]) => [`parsed.${k}`, withSegmenterMasks(v, (images) => parser.logits(images), FACE_REGIONS)])),
  };
}
