// Test-only: a tiny SemanticGeneratorV1 whose regions are fixed quadrants, so edit locality is known exactly.
import * as tf from '@tensorflow/tfjs';
import { GENERATOR_SPEC_V1, type GeneratorConfig, type LatentLayout, type SemanticGeneratorV1, type WLatent, type WPlusLatent, type ZLatent } from '@semstyle/core';

const REGIONS = ['background', 'a', 'b', 'c'] as const;

export interface FakeGeneratorOptions {
  resolution?: number;
  /** When true, editing a region's texture also changes pixels of region 0 (a leaky generator). */
  leaky?: boolean;
}

/** Labels: background = top-left quadrant, a = top-right, b = bottom-left, c = bottom-right. */
export function quadrantLabels(res: number): Int32Array {
  const labels = new Int32Array(res * res);
  const h = res / 2;
  for (let y = 0; y < res; y++) for (let x = 0; x < res; x++) labels[y * res + x] = (y < h ? 0 : 2) + (x < h ? 0 : 1);
  return labels;
}

export function createFakeGenerator(options: FakeGeneratorOptions = {}): SemanticGeneratorV1 {
  const res = options.resolution ?? 16;
  const styleDim = 4;
  const baseLayers = 1;
  const k = REGIONS.length;
  const layout: LatentLayout = { styleDim, baseLayers, regionNames: REGIONS, nLatent: baseLayers + 2 * k };
  const labels = quadrantLabels(res);
  // Per pixel, a one-hot over regions [H*W, K]; texture codes → colour by a fixed projection [styleDim, 3].
  const onehot = tf.keep(tf.oneHot(tf.tensor1d(labels, 'int32'), k).toFloat() as tf.Tensor2D);
  const proj = tf.keep(tf.tensor2d([0.5, -0.3, 0.2, 0.1, 0.4, -0.2, -0.3, 0.2, 0.5, 0.2, -0.1, 0.3], [styleDim, 3]));
  const config = { size: res, styleDim, segDim: k, baseLayers, regionNames: REGIONS } as unknown as GeneratorConfig;
  return {
    specificationVersion: GENERATOR_SPEC_V1,
    config,
    layout,
    regions: REGIONS,
    resolution: res,
    sampleZ(n: number, seed: number): ZLatent {
      // tfjs treats seed 0 as "no seed" (falsy), so shift it.
      return { space: 'z', tensor: tf.randomNormal([n, styleDim], 0, 1, 'float32', seed + 1) as tf.Tensor2D };
    },
    map(z: ZLatent, mapOptions = {}): WLatent {
      const psi = mapOptions.truncation ?? 1;
      return { space: 'w', tensor: tf.tidy(() => z.tensor.mul(0.5 * psi).add(0.1)) as tf.Tensor2D };
    },
    meanW(): WLatent {
      return { space: 'w', tensor: tf.fill([1, styleDim], 0.1) as tf.Tensor2D };
    },
    toWPlus(w: WLatent): WPlusLatent {
      return { space: 'w+', layout, tensor: tf.tidy(() => tf.tile(w.tensor.expandDims(1), [1, layout.nLatent, 1])) as tf.Tensor3D };
    },
    synthesize(latent: WPlusLatent) {
      return tf.tidy(() => {
        const n = latent.tensor.shape[0];
        // Texture code of region r sits at slot baseLayers + 2r + 1.
        const tex = tf.stack(REGIONS.map((_, r) => latent.tensor.slice([0, baseLayers + 2 * r + 1, 0], [n, 1, styleDim]).reshape([n, styleDim])), 1); // [N,K,D]
        let colours = tf.tanh(tf.matMul(tex.reshape([n * k, styleDim]), proj)).reshape([n, k, 3]); // [N,K,3]
        if (options.leaky === true) {
          // Region 0's colour also depends on region 1's texture.
          const leak = colours.slice([0, 1, 0], [n, 1, 3]);
          colours = tf.concat([colours.slice([0, 0, 0], [n, 1, 3]).add(leak), colours.slice([0, 1, 0], [n, k - 1, 3])], 1);
        }
        const image = tf.matMul(onehot.expandDims(0).tile([n, 1, 1]) as tf.Tensor3D, colours as tf.Tensor3D).reshape([n, res, res, 3]) as tf.Tensor4D;
        const seg = onehot.mul(10).reshape([1, res, res, k]).tile([n, 1, 1, 1]) as tf.Tensor4D;
        const small = tf.image.resizeNearestNeighbor(seg, [res / 2, res / 2]) as tf.Tensor4D;
        return { image, seg, segCoarse: small.div(10).mul(2).sub(1) as tf.Tensor4D, depths: small.clone(), masks: tf.softmax(small) as tf.Tensor4D };
      });
    },
    dispose() {
      tf.dispose([onehot, proj]);
    },
  };
}
