import * as tf from '@tensorflow/tfjs';
import { LayerFactory, toInput64 } from './layers.js';
import { asFolderUrl, loadLayersModelFrom, packagedModelUrl } from './weights-io.js';

/** Classes of the parser's output (the package's 13-class map; earrings never occur in the training data). */
export const PARSER_CLASSES = 13;

/**
 * The parser network, a small U-Net with additive (FPN-style) skips, NHWC, 3×3 conv + ReLU throughout:
 * encoder 64² 16 → 32² 32 (s2), 32 → 16² 64 (s2), 64 → 8² 96 (s2), 96; decoder: 1×1 projection, nearest ×2
 * upsampling, add the encoder feature of that size, 3×3 conv (16² 64 → 32² 32 → 64² 16); 1×1 conv to 13 logits.
 * 265 725 parameters.
 */
export function buildFaceParserModel(seed = 0): tf.LayersModel {
  const L = new LayerFactory(seed);
  const input = tf.input({ shape: [64, 64, 3], name: 'image' });
  const up = (x: tf.SymbolicTensor, name: string) => tf.layers.upSampling2d({ size: [2, 2], name }).apply(x) as tf.SymbolicTensor;
  const add = (a: tf.SymbolicTensor, b: tf.SymbolicTensor, name: string) => tf.layers.add({ name }).apply([a, b]) as tf.SymbolicTensor;
  const e1 = L.conv(input, 16, 'enc1');
  const e2 = L.conv(L.conv(e1, 32, 'enc2a', { strides: 2 }), 32, 'enc2b');
  const e3 = L.conv(L.conv(e2, 64, 'enc3a', { strides: 2 }), 64, 'enc3b');
  const e4 = L.conv(L.conv(e3, 96, 'enc4a', { strides: 2 }), 96, 'enc4b');
  const d3 = L.conv(add(up(L.conv(e4, 64, 'lat3', { kernelSize: 1, relu: false }), 'up3'), e3, 'skip3'), 64, 'dec3');
  const d2 = L.conv(add(up(L.conv(d3, 32, 'lat2', { kernelSize: 1, relu: false }), 'up2'), e2, 'skip2'), 32, 'dec2');
  const d1 = L.conv(add(up(L.conv(d2, 16, 'lat1', { kernelSize: 1, relu: false }), 'up1'), e1, 'skip1'), 16, 'dec1');
  const logits = L.conv(d1, PARSER_CLASSES, 'logits', { kernelSize: 1, relu: false });
  return tf.model({ inputs: input, outputs: logits, name: 'face_parser' });
}

export interface FaceParserMeta {
  readonly kind: 'face-parser';
  readonly weightsId: string;
  readonly classes: readonly string[];
  readonly [key: string]: unknown;
}

/**
 * Face parser for 64×64 synthetic faces: images NHWC in [−1, 1] (other sizes are resized to 64×64
 * bilinearly) → per-pixel class logits at 64×64. Methods never dispose their inputs.
 */
export class FaceParser {
  readonly classes: readonly string[];
  constructor(
    readonly model: tf.LayersModel,
    readonly meta: FaceParserMeta,
  ) {
    this.classes = meta.classes;
  }

  /** Logits [N, 64, 64, 13]. */
  logits(images: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => this.model.predict(toInput64(images)) as tf.Tensor4D);
  }

  /** Label map [N, 64, 64] int32 (argmax of the logits). */
  parse(images: tf.Tensor4D): tf.Tensor3D {
    return tf.tidy(() => tf.argMax(this.logits(images), 3) as tf.Tensor3D);
  }

  dispose(): void {
    this.model.dispose();
  }
}

/** Folder of the shipped weights (`models/face-parser/` of this package). */
export function faceParserUrl(): URL {
  return packagedModelUrl('face-parser', import.meta.url);
}

/** Load the face parser: by default the weights shipped in this package (see `loadAttributeClassifier`). */
export async function loadFaceParser(folder?: string | URL): Promise<FaceParser> {
  const { model, meta } = await loadLayersModelFrom(folder === undefined ? faceParserUrl() : asFolderUrl(folder));
  if (meta.kind !== 'face-parser') {
    model.dispose();
    throw new Error(`not a face parser (model.json semstyle.kind = ${String(meta.kind)})`);
  }
  return new FaceParser(model, meta as FaceParserMeta);
}
