import * as tf from '@tensorflow/tfjs';
import { WeightsError } from '../contract/errors.js';
import { tfjsShape, type ParamSpec } from '../networks/parameters.js';
import { shapeSize, type HostTensor } from './host-tensor.js';

/**
 * The one place where tensors change layout: official PyTorch (NCHW / OIHW, linear [out, in]) ⇄ semstyle's
 * tfjs layout (NHWC / HWIO, linear [in, out]). Everything inside semstyle is tfjs layout.
 */

function officialShapeMatches(spec: ParamSpec, shape: readonly number[]): boolean {
  const expected = spec.officialShape;
  if (tf.util.arraysEqual([...shape], [...expected])) return true;
  // safetensors scalars may be stored as [] where the module has [1], or the reverse.
  return shapeSize(shape) === 1 && shapeSize(expected) === 1 && shape.length <= 1 && expected.length <= 1;
}

/** Official host tensor → tfjs tensor in semstyle layout (caller owns the result). */
export function officialToTfjs(spec: ParamSpec, host: HostTensor, label = ''): tf.Tensor {
  if (!officialShapeMatches(spec, host.shape)) {
    throw new WeightsError(
      'E_WEIGHTS_SHAPE',
      `Tensor "${label}${spec.name}" has shape [${host.shape.join(', ')}], expected [${spec.officialShape.join(', ')}].`,
      { details: { name: `${label}${spec.name}`, shape: [...host.shape], expected: [...spec.officialShape] } },
    );
  }
  if (host.dtype !== 'float32') {
    throw new WeightsError('E_WEIGHTS_SHAPE', `Tensor "${label}${spec.name}" has dtype ${host.dtype}, expected float32.`, {
      details: { name: `${label}${spec.name}`, dtype: host.dtype },
    });
  }
  const data = host.data as Float32Array;
  const s = spec.officialShape;
  const layout = spec.layout;
  return tf.tidy(() => {
    if (typeof layout === 'object') {
      // [out, C·H·W] (NCHW flattening) → [H·W·C, out] (NHWC flattening).
      const { channels: c, height: h, width: w } = layout;
      return tf.reshape(tf.transpose(tf.tensor4d(data, [s[0]!, c, h, w]), [2, 3, 1, 0]), [h * w * c, s[0]!]);
    }
    switch (layout) {
      case 'linear':
        return tf.transpose(tf.tensor2d(data, [s[0]!, s[1]!]));
      case 'conv':
        return tf.transpose(tf.tensor4d(data, [s[0]!, s[1]!, s[2]!, s[3]!]), [2, 3, 1, 0]);
      case 'local-conv':
        return tf.transpose(tf.tensor2d(data, [s[1]!, s[2]!]));
      case 'conv1x1-matrix':
        return tf.transpose(tf.tensor2d(data, [s[0]!, s[1]!]));
      case 'channel':
      case 'noise':
      case 'plain':
        return tf.tensor(data.slice(), tfjsShape(spec));
    }
  });
}

/** tfjs tensor in semstyle layout → official host tensor (contiguous float32). */
export async function tfjsToOfficial(spec: ParamSpec, tensor: tf.Tensor): Promise<HostTensor> {
  const s = spec.officialShape;
  const layout = spec.layout;
  const official = tf.tidy(() => {
    if (typeof layout === 'object') {
      const { channels: c, height: h, width: w } = layout;
      return tf.transpose(tf.reshape(tensor, [h, w, c, s[0]!]), [3, 2, 0, 1]);
    }
    switch (layout) {
      case 'linear':
      case 'conv1x1-matrix':
      case 'local-conv':
        return tf.transpose(tensor);
      case 'conv':
        return tf.transpose(tensor, [3, 2, 0, 1]);
      default:
        return tf.clone(tensor);
    }
  });
  const data = (await official.data()) as Float32Array;
  official.dispose();
  return { dtype: 'float32', shape: [...s], data: new Float32Array(data) };
}
