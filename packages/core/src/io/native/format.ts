/**
 * semstyle's native model format: a tfjs weights manifest without a model topology.
 *
 * `model.json` (tfjs `ModelJSON` shape, readable by every tfjs IO handler):
 * ```json
 * {
 *   "format": "semstyle-native",
 *   "generatedBy": "semstyle",
 *   "convertedBy": null,
 *   "weightsManifest": [{ "paths": ["group1-shard1of2.bin", ...], "weights": [{ "name": "g_ema.style.1.weight", "shape": [64, 64], "dtype": "float32" }, ...] }],
 *   "userDefinedMetadata": { "semstyle": { "formatVersion": 1, "layout": "tfjs", "contents": ["g_ema", "d"], "model": { ...official train.py args... } } }
 * }
 * ```
 * - Weight names are the OFFICIAL state-dict names with the module prefix: `g_ema.` (EMA generator),
 *   `g.` (raw generator), `d.` (discriminator). A model holds `g_ema` and/or `g`, and optionally `d`.
 * - Values are float32 in semstyle's tfjs layout (NHWC / HWIO, linear [in, out]; see `ParamLayout` in
 *   `networks/parameters.ts`), i.e. exactly the `params` of the models, so loading needs no transposes on
 *   the GPU side. `exportSafetensors` writes the official NCHW layout instead.
 * - `model` is `configToOfficialArgs(config)`, the same object the safetensors `config` metadata holds
 *   under "model".
 * - Shards: the Node file-system handler writes 4 MiB shards (weights may straddle shards, as in tfjs);
 *   browser handlers (IndexedDB, http upload, browser downloads) store what tfjs gives them.
 */
export const NATIVE_FORMAT = 'semstyle-native';
/** Bumped on incompatible changes; readers refuse versions they do not know. */
export const NATIVE_FORMAT_VERSION = 1;
/** Layout tag of the values (only 'tfjs' exists). */
export const NATIVE_LAYOUT = 'tfjs';
/** Shard size of the file-system handler. */
export const NATIVE_SHARD_BYTES = 4 * 1024 * 1024;

/** Module prefixes a native model may hold, in storage order. */
export const NATIVE_MODULES = ['g_ema', 'g', 'd'] as const;
export type NativeModule = (typeof NATIVE_MODULES)[number];

/** `userDefinedMetadata.semstyle` of a native model. */
export interface NativeMetadata {
  readonly formatVersion: number;
  readonly layout: string;
  readonly contents: readonly NativeModule[];
  /** Official train.py args (`configToOfficialArgs`). */
  readonly model: Record<string, unknown>;
}
