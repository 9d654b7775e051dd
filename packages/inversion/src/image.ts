import * as tf from '@tensorflow/tfjs';
import { assertFinite, InputError } from '@semstyle/core';

/** What to do with an image whose size differs from the generator's. */
export type ResizePolicy = 'refuse' | 'bilinear';
/** What to do with 1-channel (grey) or 4-channel (RGBA) images. */
export type ChannelPolicy = 'refuse' | 'convert';

export interface PrepareImageOptions {
  /** Default 'refuse' (`E_SHAPE`); 'bilinear' resizes (aspect ratio is not kept: crop first). */
  readonly resize?: ResizePolicy;
  /** Default 'convert': grey → RGB (replicated), RGBA → composited over `background`. 'refuse' → `E_SHAPE`. */
  readonly channels?: ChannelPolicy;
  /** Background of the alpha compositing, in [−1, 1] (default 1 = white). */
  readonly background?: number;
}

/**
 * Validate and normalise target images to [N, R, R, 3] in [−1, 1] (R = generator resolution). Accepts
 * [H, W, C] or [N, H, W, C] with C ∈ {1, 3, 4} (alpha also in [−1, 1]). Returns a new tensor (the input is
 * never disposed).
 */
export function prepareImages(image: tf.Tensor, resolution: number, options: PrepareImageOptions = {}): tf.Tensor4D {
  if (image.rank !== 3 && image.rank !== 4) {
    throw new InputError('E_SHAPE', `Image must be [H, W, C] or [N, H, W, C], got [${image.shape.join(', ')}].`, { details: { shape: image.shape } });
  }
  const x4 = image.rank === 3 ? tf.expandDims(image, 0) : image;
  try {
    const [, h, w, c] = x4.shape as [number, number, number, number];
    if (c !== 3) {
      if (c !== 1 && c !== 4) throw new InputError('E_SHAPE', `Image has ${c} channels; expected 1 (grey), 3 (RGB) or 4 (RGBA).`, { details: { channels: c } });
      if ((options.channels ?? 'convert') === 'refuse') {
        throw new InputError('E_SHAPE', `Image has ${c} channel${c === 1 ? '' : 's'} (${c === 1 ? 'grey' : 'RGBA'}); pass channels: 'convert' to accept it.`, { details: { channels: c } });
      }
    }
    if (h !== resolution || w !== resolution) {
      if ((options.resize ?? 'refuse') === 'refuse') {
        throw new InputError('E_SHAPE', `Image is ${h}×${w}, the generator makes ${resolution}×${resolution}; pass resize: 'bilinear' to resize.`, {
          details: { height: h, width: w, resolution },
        });
      }
    }
    assertFinite('image', x4);
    const bg = options.background ?? 1;
    return tf.tidy(() => {
      let rgb: tf.Tensor4D = x4 as tf.Tensor4D;
      if (c === 1) rgb = tf.tile(x4, [1, 1, 1, 3]) as tf.Tensor4D;
      else if (c === 4) {
        const colour = tf.slice(x4, [0, 0, 0, 0], [-1, -1, -1, 3]);
        const alpha = tf.div(tf.add(tf.slice(x4, [0, 0, 0, 3], [-1, -1, -1, 1]), 1), 2);
        rgb = tf.add(tf.mul(colour, alpha), tf.mul(tf.sub(1, alpha), bg)) as tf.Tensor4D;
      }
      if (h !== resolution || w !== resolution) rgb = tf.image.resizeBilinear(rgb, [resolution, resolution], false, true);
      return tf.cast(rgb, 'float32') as tf.Tensor4D;
    });
  } finally {
    if (x4 !== image) x4.dispose();
  }
}
