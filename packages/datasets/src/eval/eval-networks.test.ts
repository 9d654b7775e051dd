import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@semstyle/core';
import type { FeatureExtractor } from '@semstyle/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faceSeed } from '../prng.js';
import { renderFace } from '../render.js';
import {
  AttributeClassifier,
  attributeClassifierUrl,
  buildAttributeClassifierModel,
  CLASSIFIER_BINARY_ATTRIBUTES,
  CLASSIFIER_EMBEDDING_DIM,
  loadAttributeClassifier,
} from './attribute-classifier.js';
import { SPLITS } from './data.js';
import { binaryScores, ConfusionMatrix } from './eval-metrics.js';
import { buildFaceParserModel, FaceParser, faceParserUrl, loadFaceParser, PARSER_CLASSES } from './face-parser.js';
import { imagesFromBytes } from './layers.js';
import { asFolderUrl, packagedModelUrl, toFloat16Bits } from './weights-io.js';

// 64 held-out faces (data/faces64 has seed 1; renderFace reproduces its files byte for byte), rendered here so
// that the test needs no dataset folder.
const N = 64;
const DATASET_SEED = 1;
let classifier: AttributeClassifier;
let parser: FaceParser;
let images: tf.Tensor4D;
let labels: Uint8Array;
let attributes: Array<Record<string, unknown>>;

const evaluation = (url: URL) => JSON.parse(readFileSync(fileURLToPath(new URL('evaluation.json', url)), 'utf8')) as unknown;

interface HeldOutClassifier {
  meanAccuracy: number;
  binary: Record<string, { n: number; positives: number; truePositiveRate: number; trueNegativeRate: number }>;
  mae: Record<string, number>;
}

/** Balanced accuracy pooled over all binary attributes (TPR over all positives, TNR over all negatives). */
function pooledBalanced(e: HeldOutClassifier): number {
  let tp = 0, pos = 0, tn = 0, neg = 0;
  for (const s of Object.values(e.binary)) {
    if (s.positives > 0) tp += s.truePositiveRate * s.positives;
    pos += s.positives;
    if (s.n > s.positives) tn += s.trueNegativeRate * (s.n - s.positives);
    neg += s.n - s.positives;
  }
  return (tp / pos + tn / neg) / 2;
}

async function classifierScores(c: AttributeClassifier) {
  const preds = await c.predict(images);
  const binary = Object.fromEntries(
    CLASSIFIER_BINARY_ATTRIBUTES.map((k) => [k, binaryScores(preds.map((p) => p.probabilities[k] > 0.5), attributes.map((a) => a[k] as boolean))]),
  );
  const mae = Object.fromEntries(
    (['fatness', 'skinLuminance', 'hairLuminance'] as const).map((k) => [k, preds.reduce((s, p, i) => s + Math.abs(p.values[k] - (attributes[i]![k] as number)), 0) / N]),
  );
  const accs = Object.values(binary).map((b) => b.accuracy);
  return { meanAccuracy: accs.reduce((a, b) => a + b, 0) / accs.length, pooledBalanced: pooledBalanced({ meanAccuracy: 0, binary, mae }), mae };
}

async function parserScores(p: FaceParser) {
  const pred = p.parse(images);
  const s = new ConfusionMatrix(PARSER_CLASSES).add(await pred.data(), labels).scores();
  pred.dispose();
  return s;
}

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

  it(`reaches ≥ 0.9× its held-out accuracy and balanced accuracy on ${N} held-out faces`, async () => {
    const measured = evaluation(attributeClassifierUrl()) as HeldOutClassifier;
    const s = await classifierScores(classifier);
    expect(s.meanAccuracy).toBeGreaterThanOrEqual(0.9 * measured.meanAccuracy);
    // Pooled over attributes (a classifier that answers "no" to everything has 0.5 here, ~0.83 mean accuracy).
    expect(s.pooledBalanced).toBeGreaterThanOrEqual(0.9 * pooledBalanced(measured));
    // Regression heads: loose bound (predicting the mean gives errors of the order of the spread, ≈ 0.15–0.27).
    for (const k of ['fatness', 'skinLuminance', 'hairLuminance'] as const) expect(s.mae[k], k).toBeLessThan(2 * measured.mae[k]! + 0.02);
  });

  it('those thresholds reject an untrained network', async () => {
    const measured = evaluation(attributeClassifierUrl()) as HeldOutClassifier;
    const untrained = new AttributeClassifier(buildAttributeClassifierModel(123), classifier.meta);
    const s = await classifierScores(untrained);
    untrained.dispose();
    expect(s.pooledBalanced).toBeLessThan(0.9 * pooledBalanced(measured));
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

  it(`reaches ≥ 0.9× its held-out mIoU and pixel accuracy on ${N} held-out faces`, async () => {
    const measured = evaluation(faceParserUrl()) as { meanIoU: number; pixelAccuracy: number };
    const s = await parserScores(parser);
    expect(s.meanIoU).toBeGreaterThanOrEqual(0.9 * measured.meanIoU);
    expect(s.pixelAccuracy).toBeGreaterThanOrEqual(0.9 * measured.pixelAccuracy);
  });

  it('that threshold rejects an untrained network', async () => {
    const measured = evaluation(faceParserUrl()) as { meanIoU: number };
    const untrained = new FaceParser(buildFaceParserModel(123), parser.meta);
    const s = await parserScores(untrained);
    untrained.dispose();
    expect(s.meanIoU).toBeLessThan(0.9 * measured.meanIoU);
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

  it('take URLs, absolute and relative file paths', () => {
    expect(asFolderUrl('models/x').href).toBe(`${pathToFileURL(resolve('models/x')).href}/`);
    expect(asFolderUrl('/a b/c/').href).toBe('file:///a%20b/c/');
    expect(asFolderUrl(new URL('https://h/m/x')).href).toBe('https://h/m/x/');
    expect(asFolderUrl('https://h/m/x/').href).toBe('https://h/m/x/');
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
