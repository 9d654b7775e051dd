import type { ChannelTable } from '../contract/config.js';

/** The official channel table of the render net and discriminator (models/semantic_stylegan.py). */
export function officialChannelTable(channelMultiplier: number): ChannelTable {
  return {
    4: 512,
    8: 512,
    16: 512,
    32: 512,
    64: 256 * channelMultiplier,
    128: 128 * channelMultiplier,
    256: 64 * channelMultiplier,
    512: 32 * channelMultiplier,
    1024: 16 * channelMultiplier,
  };
}
