export { regionColor } from './color-map.js';
export { imagesToPixels, segmentationToPixels, depthsToPixels, gridPixels, upscalePixels, type RgbPixels } from './to-pixels.js';
