import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@semstyle/core';
import type { FeatureExtractor } from '@semstyle/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceSeed } from '../prng.js';
import { renderFace } from '../render.js';
import {
  attributeClassifierUrl,
  CLASSIFIER_BINARY_ATTRIBUTES,
  CLASSIFIER_EMBEDDING_DIM,
  loadAttributeClassifier,
  type AttributeClassifier,
} from './attribute-classifier.js';
import { SPLITS } from './data.js';
import { binaryScores, ConfusionMatrix } from './eval-metrics.js';
import { faceParserUrl, loadFaceParser, PARSER_CLASSES, type FaceParser } from './face-parser.js';
import { imagesFromBytes } from './layers.js';
import { packagedModelUrl, toFloat16Bits } from './weights-io.js';

// 64 held-out faces (data/faces64 has seed 1; renderFace reproduces its files byte for byte), rendered here so
// that the test needs no dataset folder.
const N = 64;
const DATASET_SEED = 1;
let classifier: AttributeClassifier;
let parser: FaceParser;
let images: tf.Tensor4D;
let labels: Uint8Array;
let attributes: Array<Record<string, unknown>>;

const evaluation = (url: URL) => JSON.parse(readFileSync(fileURLToPath(new URL('evaluation.json', url)), 'utf8')) as Record<string, unknown>;

beforeAll(async () => {
  await initBackend('wasm');
  const faces = await Promise.all(Array.from({ length: N }, (_, i) => renderFace(faceSeed(DATASET_SEED, SPLITS.heldOut[0] + i), 64)));
  const bytes = new Uint8Array(N * 64 * 64 * 3);
  labels = new Uint8Array(N * 64 * 64);
  faces.forEach((f, i) => {
    bytes.set(f.image, i * 64 * 64 * 3);
    labels.set(f.labels, i * 64 * 64);
  });
  attributes = faces.map((f) => f.attributes as unknown as Record<string, unknown>);
  images = imagesFromBytes(bytes, N);
  [classifier, parser] = await Promise.all([loadAttributeClassifier(), loadFaceParser()]);
});

afterAll(() => {
  images?.dispose();
  classifier?.dispose();
  parser?.dispose();
});

describe('attribute classifier (shipped weights)', () => {
  it('predicts logits, values and embeddings of the right shapes', () => {
    const { logits, values } = classifier.predictTensors(images);
    const e = classifier.embed(images);
    expect(logits.shape).toEqual([N, CLASSIFIER_BINARY_ATTRIBUTES.length]);
    expect(values.shape).toEqual([N, 3]);
    expect(e.shape).toEqual([N, CLASSIFIER_EMBEDDING_DIM]);
    tf.dispose([logits, values, e]);
  });

  it(`reaches ≥ 0.9× its held-out accuracy on ${N} held-out faces`, async () => {
    const measured = evaluation(attributeClassifierUrl()) as { meanAccuracy: number; mae: Record<string, number> };
    const preds = await classifier.predict(images);
    const accs = CLASSIFIER_BINARY_ATTRIBUTES.map(
      (k) => binaryScores(preds.map((p) => p.probabilities[k] > 0.5), attributes.map((a) => a[k] as boolean)).accuracy,
    );
    const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
    expect(mean).toBeGreaterThanOrEqual(0.9 * measured.meanAccuracy);
    // Regression heads: loose bound (a broken file gives errors of the order of the spread, ≈ 0.15–0.27).
    for (const k of ['fatness', 'skinLuminance', 'hairLuminance'] as const) {
      const mae = preds.reduce((s, p, i) => s + Math.abs(p.values[k] - (attributes[i]![k] as number)), 0) / N;
      expect(mae, k).toBeLessThan(2 * measured.mae[k]! + 0.02);
    }
  });

  it('is a deterministic FeatureExtractor [N, D] that also takes other sizes', async () => {
    const fx: FeatureExtractor = classifier.featureExtractor();
    expect(fx.dim).toBe(CLASSIFIER_EMBEDDING_DIM);
    expect(fx.id).toContain(classifier.meta.weightsId);
    const batch = images.slice([0, 0, 0, 0], [8, 64, 64, 3]);
    const a = (await fx.extract(batch)) as tf.Tensor2D;
    const b = (await fx.extract(batch)) as tf.Tensor2D;
    expect(a.shape).toEqual([8, CLASSIFIER_EMBEDDING_DIM]);
    expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
    expect(Array.from(await a.data()).every(Number.isFinite)).toBe(true);
    const big = tf.image.resizeBilinear(batch, [96, 96]);
    const c = (await fx.extract(big)) as tf.Tensor2D;
    expect(c.shape).toEqual([8, CLASSIFIER_EMBEDDING_DIM]);
    expect(batch.isDisposed).toBe(false);
    tf.dispose([batch, a, b, big, c]);
  });

  it('leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const { logits, values } = classifier.predictTensors(images);
    tf.dispose([logits, values]);
    await classifier.predict(images);
    classifier.embed(images).dispose();
    (classifier.featureExtractor().extract(images) as tf.Tensor).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('face parser (shipped weights)', () => {
  it('returns logits [N, 64, 64, 13] and label maps [N, 64, 64]', () => {
    const x = images.slice([0, 0, 0, 0], [4, 64, 64, 3]);
    const l = parser.logits(x);
    const p = parser.parse(x);
    expect(l.shape).toEqual([4, 64, 64, PARSER_CLASSES]);
    expect(p.shape).toEqual([4, 64, 64]);
    expect(p.dtype).toBe('int32');
    tf.dispose([x, l, p]);
  });

  it(`reaches ≥ 0.9× its held-out mIoU on ${N} held-out faces`, async () => {
    const measured = evaluation(faceParserUrl()) as { meanIoU: number; pixelAccuracy: number };
    const p = parser.parse(images);
    const s = new ConfusionMatrix(PARSER_CLASSES).add(await p.data(), labels).scores();
    p.dispose();
    expect(s.meanIoU).toBeGreaterThanOrEqual(0.9 * measured.meanIoU);
    expect(s.pixelAccuracy).toBeGreaterThanOrEqual(0.9 * measured.pixelAccuracy);
  });

  it('leaks no tensors', () => {
    const before = tf.memory().numTensors;
    parser.logits(images).dispose();
    parser.parse(images).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('model files', () => {
  it('refuse to load as the other network', async () => {
    await expect(loadAttributeClassifier(faceParserUrl())).rejects.toThrow(/not an attribute classifier/);
    await expect(loadFaceParser(fileURLToPath(attributeClassifierUrl()))).rejects.toThrow(/not a face parser/);
  });

  it('resolve from the sources and from the bundle', () => {
    expect(packagedModelUrl('x', 'file:///p/datasets/src/eval/face-parser.ts').href).toBe('file:///p/datasets/models/x/');
    expect(packagedModelUrl('x', 'file:///p/datasets/dist/index.js').href).toBe('file:///p/datasets/models/x/');
    expect(packagedModelUrl('x', 'https://cdn.example/datasets/dist/index.js').href).toBe('https://cdn.example/datasets/models/x/');
  });

  it('float16 quantisation round-trips through tfjs decoding', () => {
    const values = [0, -0, 1, -2.5, 65504, 1e-5, 6.1e-5, 3.14159, -0.000123, 1e6, 5.96e-8];
    const half = new Uint16Array(values.map(toFloat16Bits));
    const [t] = Object.values(tf.io.decodeWeights(half.buffer, [{ name: 'w', shape: [values.length], dtype: 'float32', quantization: { dtype: 'float16' } }]));
    const got = t!.dataSync();
    t!.dispose();
    values.forEach((v, i) => {
      if (Math.abs(v) > 65504) expect(got[i]).toBe(Infinity);
      else expect(Math.abs(got[i]! - v)).toBeLessThanOrEqual(Math.max(Math.abs(v) * 2 ** -11, 2 ** -25));
    });
  });
});
