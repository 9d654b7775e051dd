import * as tf from '@tensorflow/tfjs';

/** Seeded layer factory shared by the evaluation networks (conv 3×3 + bias + ReLU, He-normal init). */
export class LayerFactory {
  private n = 0;
  constructor(private readonly seed: number) {}
  private init(): ReturnType<typeof tf.initializers.heNormal> {
    return tf.initializers.heNormal({ seed: this.seed * 1000 + this.n++ });
  }
  conv(x: tf.SymbolicTensor, filters: number, name: string, options: { strides?: number; kernelSize?: number; relu?: boolean } = {}): tf.SymbolicTensor {
    return tf.layers
      .conv2d({
        name,
        filters,
        kernelSize: options.kernelSize ?? 3,
        strides: options.strides ?? 1,
        padding: 'same',
        activation: options.relu === false ? 'linear' : 'relu',
        kernelInitializer: this.init(),
      })
      .apply(x) as tf.SymbolicTensor;
  }
  dense(x: tf.SymbolicTensor, units: number, name: string, relu: boolean): tf.SymbolicTensor {
    return tf.layers.dense({ name, units, activation: relu ? 'relu' : 'linear', kernelInitializer: relu ? this.init() : tf.initializers.glorotUniform({ seed: this.seed * 1000 + this.n++ }) }).apply(x) as tf.SymbolicTensor;
  }
}

/** Images NHWC in [−1, 1] of any size → 64×64 (bilinear), checked to have 3 channels. Does not dispose `images`. */
export function toInput64(images: tf.Tensor4D, size = 64): tf.Tensor4D {
  if (images.rank !== 4 || images.shape[3] !== 3) throw new Error(`expected images [N, H, W, 3], got [${images.shape.join(', ')}]`);
  const x = images.dtype === 'float32' ? images : tf.cast(images, 'float32');
  if (images.shape[1] === size && images.shape[2] === size) return x === images ? tf.clone(x) : x;
  const r = tf.image.resizeBilinear(x, [size, size]);
  if (x !== images) x.dispose();
  return r;
}

/** RGB bytes (n·h·w·3) → [n, h, w, 3] float32 in [−1, 1]. */
export function imagesFromBytes(bytes: Uint8Array, n: number, size = 64): tf.Tensor4D {
  const f = new Float32Array(n * size * size * 3);
  for (let i = 0; i < f.length; i++) f[i] = bytes[i]! / 127.5 - 1;
  return tf.tensor4d(f, [n, size, size, 3]);
}
