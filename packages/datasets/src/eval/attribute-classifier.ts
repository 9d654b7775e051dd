import * as tf from '@tensorflow/tfjs';
import { LayerFactory, toInput64 } from './layers.js';
import { asFolderUrl, loadLayersModelFrom, packagedModelUrl } from './weights-io.js';

/** Binary attributes predicted by the classifier (logit > 0 ⇔ true), in output order. */
export const CLASSIFIER_BINARY_ATTRIBUTES = ['smiling', 'bald', 'bangs', 'beard', 'eyeglasses', 'hat', 'male', 'mustache', 'goatee', 'headband'] as const;
/** Continuous attributes regressed by the classifier, in output order. */
export const CLASSIFIER_REGRESSION_ATTRIBUTES = ['fatness', 'skinLuminance', 'hairLuminance'] as const;
/** Width of the penultimate embedding (the FID/KID feature space). */
export const CLASSIFIER_EMBEDDING_DIM = 128;

export type ClassifierBinaryAttribute = (typeof CLASSIFIER_BINARY_ATTRIBUTES)[number];
export type ClassifierRegressionAttribute = (typeof CLASSIFIER_REGRESSION_ATTRIBUTES)[number];

/**
 * The classifier network: 64×64×3 in [−1, 1] → [heads (10 logits + 3 standardised regressions), embedding 128].
 * Six 3×3 conv + ReLU layers (32 s2, 32, 64 s2, 64, 96 s2, 128 → 8×8), global average pooling,
 * dense 128 + ReLU (the embedding), dense 13 (heads). 249 869 parameters.
 */
export function buildAttributeClassifierModel(seed = 0): tf.LayersModel {
  const L = new LayerFactory(seed);
  const input = tf.input({ shape: [64, 64, 3], name: 'image' });
  let x = L.conv(input, 32, 'conv1', { strides: 2 });
  x = L.conv(x, 32, 'conv2');
  x = L.conv(x, 64, 'conv3', { strides: 2 });
  x = L.conv(x, 64, 'conv4');
  x = L.conv(x, 96, 'conv5', { strides: 2 });
  x = L.conv(x, 128, 'conv6');
  x = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(x) as tf.SymbolicTensor;
  const embedding = L.dense(x, CLASSIFIER_EMBEDDING_DIM, 'embedding', true);
  const heads = L.dense(embedding, CLASSIFIER_BINARY_ATTRIBUTES.length + CLASSIFIER_REGRESSION_ATTRIBUTES.length, 'heads', false);
  return tf.model({ inputs: input, outputs: [heads, embedding], name: 'attribute_classifier' });
}

/** Metadata stored in the classifier's `model.json` (`semstyle` block). */
export interface AttributeClassifierMeta {
  readonly kind: 'attribute-classifier';
  /** Identifies the weights (part of the feature extractor id). */
  readonly weightsId: string;
  readonly binary: readonly string[];
  readonly regression: readonly string[];
  /** Regression heads predict (value − mean) / std. */
  readonly regressionMean: readonly number[];
  readonly regressionStd: readonly number[];
  readonly embeddingDim: number;
  readonly [key: string]: unknown;
}

/** Structural twin of `@semstyle/metrics`' `FeatureExtractor`. */
export interface EvalFeatureExtractor {
  readonly id: string;
  readonly dim?: number;
  readonly batchSize?: number;
  extract(images: tf.Tensor4D): tf.Tensor2D;
  dispose?(): void;
}

/** Per-image predictions on the host. */
export interface AttributePrediction {
  /** P(attribute) = sigmoid(logit). */
  readonly probabilities: Record<ClassifierBinaryAttribute, number>;
  readonly values: Record<ClassifierRegressionAttribute, number>;
}

/**
 * Attribute classifier for 64×64 synthetic faces (images NHWC in [−1, 1]; other sizes are resized
 * bilinearly). Methods never dispose their inputs; returned tensors belong to the caller.
 */
export class AttributeClassifier {
  readonly binary = CLASSIFIER_BINARY_ATTRIBUTES;
  readonly regression = CLASSIFIER_REGRESSION_ATTRIBUTES;
  readonly embeddingDim: number;

  constructor(
    readonly model: tf.LayersModel,
    readonly meta: AttributeClassifierMeta,
  ) {
    const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
    if (!same(meta.binary, CLASSIFIER_BINARY_ATTRIBUTES) || !same(meta.regression, CLASSIFIER_REGRESSION_ATTRIBUTES)) {
      throw new Error(`attribute classifier: model outputs (${[...meta.binary, ...meta.regression].join(', ')}) do not match this version of the package`);
    }
    this.embeddingDim = meta.embeddingDim;
  }

  private run(images: tf.Tensor4D): [tf.Tensor2D, tf.Tensor2D] {
    return tf.tidy(() => {
      const x = toInput64(images);
      return this.model.predict(x) as [tf.Tensor2D, tf.Tensor2D];
    });
  }

  /** Binary logits [N, 10] and regressed values [N, 3] (in attribute units). */
  predictTensors(images: tf.Tensor4D): { logits: tf.Tensor2D; values: tf.Tensor2D } {
    return tf.tidy(() => {
      const [heads] = this.run(images);
      const B = CLASSIFIER_BINARY_ATTRIBUTES.length;
      const R = CLASSIFIER_REGRESSION_ATTRIBUTES.length;
      const logits = tf.slice(heads, [0, 0], [-1, B]);
      const z = tf.slice(heads, [0, B], [-1, R]);
      const values = tf.add(tf.mul(z, tf.tensor1d([...this.meta.regressionStd])), tf.tensor1d([...this.meta.regressionMean])) as tf.Tensor2D;
      return { logits, values };
    });
  }

  /** Predictions per image, on the host. */
  async predict(images: tf.Tensor4D): Promise<AttributePrediction[]> {
    const { logits, values } = this.predictTensors(images);
    const p = tf.sigmoid(logits);
    const [pa, va] = await Promise.all([p.data(), values.data()]);
    tf.dispose([logits, values, p]);
    const n = images.shape[0];
    const B = CLASSIFIER_BINARY_ATTRIBUTES.length;
    const R = CLASSIFIER_REGRESSION_ATTRIBUTES.length;
    return Array.from({ length: n }, (_, i) => ({
      probabilities: Object.fromEntries(CLASSIFIER_BINARY_ATTRIBUTES.map((a, j) => [a, pa[i * B + j]!])) as Record<ClassifierBinaryAttribute, number>,
      values: Object.fromEntries(CLASSIFIER_REGRESSION_ATTRIBUTES.map((a, j) => [a, va[i * R + j]!])) as Record<ClassifierRegressionAttribute, number>,
    }));
  }

  /** Penultimate features [N, 128] (ReLU'd dense layer before the heads). */
  embed(images: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.run(images)[1]);
  }

  /** This network's embedding as a `@semstyle/metrics` `FeatureExtractor` (FID/KID on this domain). */
  featureExtractor(): EvalFeatureExtractor {
    return {
      id: `semstyle-faces-attribute-classifier/${this.meta.weightsId}/embedding${this.embeddingDim}`,
      dim: this.embeddingDim,
      batchSize: 64,
      extract: (images) => this.embed(images),
      dispose: () => this.dispose(),
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Folder of the shipped weights (`models/attribute-classifier/` of this package). */
export function attributeClassifierUrl(): URL {
  return packagedModelUrl('attribute-classifier', import.meta.url);
}

/**
 * Load the attribute classifier: by default the weights shipped in this package (Node: read from the
 * package folder; browsers: fetched relative to this module — or pass the folder URL where you serve
 * `models/attribute-classifier/`).
 */
export async function loadAttributeClassifier(folder?: string | URL): Promise<AttributeClassifier> {
  const { model, meta } = await loadLayersModelFrom(folder === undefined ? attributeClassifierUrl() : asFolderUrl(folder));
  if (meta.kind !== 'attribute-classifier') {
    model.dispose();
    throw new Error(`not an attribute classifier (model.json semstyle.kind = ${String(meta.kind)})`);
  }
  return new AttributeClassifier(model, meta as AttributeClassifierMeta);
}
