/**
 * Model configuration: plain, serialisable data (it travels inside checkpoints). Field names are the
 * camelCase forms of the official SemanticStyleGAN constructor arguments; `io/official-config.ts`
 * converts from and to the official snake_case `args`.
 */

/** Channel width per resolution (render net and discriminator), e.g. {4: 512, 8: 512, …}. */
export type ChannelTable = Readonly<Record<number, number>>;

export interface GeneratorConfig {
  /** Output resolution (power of two). */
  readonly size: number;
  /** Width of Z and W (official `latent` / `style_dim`). */
  readonly styleDim: number;
  /** Number of layers of the mapping MLP. */
  readonly nMlp: number;
  /** Learning-rate multiplier of the mapping MLP (equalized lr). */
  readonly lrMlp: number;
  /** Number of semantic regions K, background (index 0) included (official `seg_dim`). */
  readonly segDim: number;
  /** Resolution of the local generators' grid and of the coarse mask. */
  readonly coarseSize: number;
  /** The render net starts from the fused feature pooled to this size. */
  readonly minFeatSize: number;
  /** Layers of each local generator. */
  readonly localLayers: number;
  /** Width of each local generator. */
  readonly localChannel: number;
  /** Channels of the fused feature map. */
  readonly coarseChannel: number;
  /** Number of coarse (shared) codes in W+. */
  readonly baseLayers: number;
  /** Depth head reads the activations after layer depthLayers-1. */
  readonly depthLayers: number;
  /** Add seg_coarse to the segmentation skip at coarse resolution. */
  readonly residualRefine: boolean;
  /** Stop texture gradients into the shape layers (training only). */
  readonly detachTexture: boolean;
  /** Region indices that are composited as transparent (e.g. eyeglasses, earrings). */
  readonly transparentDims: readonly number[];
  /** 1-D FIR kernel of the up/down-sampling blur. */
  readonly blurKernel: readonly number[];
  /** Official channel multiplier; used only to build the official table when `channels` is absent. */
  readonly channelMultiplier: number;
  /** Channel table of the render net and discriminator. */
  readonly channels: ChannelTable;
  /** Names of the K regions, index 0 first. */
  readonly regionNames: readonly string[];
}

export interface DiscriminatorConfig {
  readonly imgSize: number;
  readonly segSize: number;
  readonly imgDim: number;
  readonly segDim: number;
  readonly channels: ChannelTable;
  readonly blurKernel: readonly number[];
  readonly stddevGroup: number;
  readonly stddevFeat: number;
}

/** Everything needed to rebuild a model pair from a checkpoint. */
export interface ModelConfig {
  readonly generator: GeneratorConfig;
  readonly discriminator: DiscriminatorConfig;
}

/** The 13 CelebAMask-HQ classes in the official merge order. */
export const FACE_REGIONS = [
  'background',
  'skin',
  'eyes',
  'brows',
  'mouth',
  'nose',
  'ears',
  'hair',
  'neck',
  'cloth',
  'eyeglasses',
  'hat',
  'earrings',
] as const;

export type FaceRegion = (typeof FACE_REGIONS)[number];
