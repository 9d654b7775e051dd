import * as tf from '@tensorflow/tfjs';
import { InputError } from '@semstyle/core';
import type { FeatureExtractor } from '../features/extractor.js';

export interface ModelExtractorOptions {
  /** Stable id for cache keys (model identity + output node). */
  readonly id: string;
  /** Input side the model expects (images are resized bilinearly). */
  readonly inputSize: number | readonly [number, number];
  /** Map [−1, 1] to the model's input range: 'unit' → [0, 1], 'byte' → [0, 255], 'signed' → unchanged. */
  readonly inputRange?: 'unit' | 'byte' | 'signed';
  readonly batchSize?: number;
}

/** Resize and rescale semstyle images for a model. */
export function preprocess(images: tf.Tensor4D, options: ModelExtractorOptions): tf.Tensor4D {
  return tf.tidy(() => {
    const [h, w] = typeof options.inputSize === 'number' ? [options.inputSize, options.inputSize] : options.inputSize;
    const resized = images.shape[1] === h && images.shape[2] === w ? images : tf.image.resizeBilinear(images, [h, w], true);
    const range = options.inputRange ?? 'signed';
    if (range === 'unit') return resized.add(1).div(2);
    if (range === 'byte') return resized.add(1).mul(127.5);
    return resized;
  });
}

/** Flatten a [N, …] output to [N, D] (spatial maps are global-average-pooled first). */
export function toRows(output: tf.Tensor): tf.Tensor2D {
  return tf.tidy(() => (output.rank === 4 ? output.mean([1, 2]) : output.reshape([output.shape[0]!, -1])) as tf.Tensor2D);
}

/**
 * A feature extractor from a tfjs LayersModel cut at layer `outputLayer` (its output is the feature).
 * The sub-model shares the weights; `dispose` releases the whole model.
 */
export function layersModelExtractor(model: tf.LayersModel, outputLayer: string, options: ModelExtractorOptions): FeatureExtractor {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(outputLayer);
  } catch (cause) {
    throw new InputError('E_UNKNOWN_NAME', `Layer "${outputLayer}" is not in the model. Layers: ${model.layers.map((l) => l.name).slice(-12).join(', ')}…`, { cause });
  }
  const sub = tf.model({ inputs: model.inputs, outputs: layer.output as tf.SymbolicTensor });
  return {
    id: options.id,
    batchSize: options.batchSize ?? 8,
    extract(images) {
      return tf.tidy(() => toRows(sub.predict(preprocess(images, options)) as tf.Tensor));
    },
    dispose() {
      model.dispose();
    },
  };
}

/** A feature extractor from a tfjs GraphModel, reading output node `outputNode`. */
export function graphModelExtractor(model: tf.GraphModel, outputNode: string, options: ModelExtractorOptions): FeatureExtractor {
  return {
    id: options.id,
    batchSize: options.batchSize ?? 8,
    extract(images) {
      return tf.tidy(() => toRows(model.execute(preprocess(images, options), outputNode) as tf.Tensor));
    },
    dispose() {
      model.dispose();
    },
  };
}

/**
 * Load any tfjs model the user points at (URL, `file://` path in Node with a file IO handler, or an
 * IOHandler) and cut it at `output` (a layer name for layers models, a node name for graph models).
 */
export async function loadModelExtractor(
  source: string | tf.io.IOHandler,
  output: string,
  options: ModelExtractorOptions & { readonly format: 'layers' | 'graph' },
): Promise<FeatureExtractor> {
  if (options.format === 'layers') return layersModelExtractor(await tf.loadLayersModel(source), output, options);
  return graphModelExtractor(await tf.loadGraphModel(source), output, options);
}
