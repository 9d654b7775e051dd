/**
 * semstyle in the browser: load a native model over HTTP, pick a backend, sample faces, swap or resample
 * one region's shape or texture, switch regions off, and move along InterFaceGAN directions.
 *
 * Query string: `?model=models/default/` (a native folder or its model.json; `random:tiny` for random
 * weights), `backend=auto|webgpu|webgl|wasm|cpu`, `seed=0`, `truncation=0.7`.
 */
import * as tf from '@tensorflow/tfjs';
import { loadGeneratorFromUrl, nativeModelJsonUrl, presetConfig, SemanticStyleGAN } from '@semstyle/core';
import { BACKEND_REQUESTS, chooseBackend, type BackendRequest } from './backend.js';
import { loadDirections } from './directions.js';
import type { DemoInfo, SemstyleHook } from './hook.js';
import { Session } from './session.js';
import { DemoUi } from './ui.js';

const DEFAULT_MODEL = 'models/default/';

function numberParam(params: URLSearchParams, name: string, fallback: number): number {
  const v = params.get(name);
  const n = v === null ? NaN : Number(v);
  return Number.isFinite(n) ? n : fallback;
}

async function loadGenerator(model: string): Promise<SemanticStyleGAN> {
  const random = /^random:(.+)$/.exec(model);
  if (random) return SemanticStyleGAN.random(presetConfig(random[1]!), 0);
  try {
    return await loadGeneratorFromUrl(model);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (model === DEFAULT_MODEL && /404/.test(message)) {
      throw new Error(
        `No model at ${DEFAULT_MODEL} (${message}). Write one with \`npx semstyle convert <checkpoint> packages/core/models/default/\`, pass ?model=<url of a native model folder>, or try ?model=random:tiny (random weights).`,
      );
    }
    throw e;
  }
}

async function boot(ui: DemoUi): Promise<{ session: Session; info: DemoInfo }> {
  const params = new URLSearchParams(location.search);
  const model = params.get('model') ?? DEFAULT_MODEL;
  const requested = (params.get('backend') ?? 'auto') as BackendRequest;
  if (!BACKEND_REQUESTS.includes(requested)) throw new Error(`Unknown backend "${requested}" (use ${BACKEND_REQUESTS.join(', ')}).`);

  ui.status(`starting backend (${requested})…`);
  const backend = await chooseBackend(requested);
  ui.status(`${backend.name}: loading ${model}…`);
  const t0 = performance.now();
  const generator = await loadGenerator(model);
  let directions: Awaited<ReturnType<typeof loadDirections>> = [];
  if (!model.startsWith('random:')) {
    try {
      directions = await loadDirections(nativeModelJsonUrl(model), generator.layout);
    } catch (e) {
      generator.dispose();
      throw e;
    }
  }
  const loadMs = performance.now() - t0;
  const session = new Session(generator, directions, { truncation: numberParam(params, 'truncation', 0.7) });
  session.sample(Math.trunc(numberParam(params, 'seed', 0)));
  const info: DemoInfo = {
    backend: backend.name,
    device: backend.device,
    software: backend.software,
    skipped: backend.skipped,
    model,
    resolution: generator.resolution,
    regions: [...generator.regions],
    directions: directions.map((d) => d.name),
    loadMs,
  };
  return { session, info };
}

function installHook(ui: DemoUi, ready: Promise<{ session: Session; info: DemoInfo }>): void {
  let session: Session | undefined;
  let info: DemoInfo | undefined;
  const need = (): Session => {
    if (session === undefined) throw new Error('semstyle: not ready yet (await window.semstyle.ready).');
    return session;
  };
  const hook: SemstyleHook = {
    ready: ready.then(async (r) => {
      session = r.session;
      info = r.info;
      await ui.attach(r.session, r.info);
      return r.info;
    }),
    info: () => {
      if (info === undefined) throw new Error('semstyle: not ready yet.');
      return info;
    },
    sample: (seed) => ui.run(() => need().sample(seed)),
    swap: (region, kind, fromSeed) =>
      ui.run(() => {
        need().swap(region, kind, fromSeed);
        ui.choose(region);
      }),
    resample: async (region, kind) => {
      let fromSeed = 0;
      const frame = await ui.run(() => {
        fromSeed = need().resample(region, kind);
        ui.choose(region);
      });
      return { ...frame, fromSeed };
    },
    setRegionEnabled: (region, on) =>
      ui.run(() => {
        need().setEnabled(region, on);
        ui.choose(region);
      }),
    setDirection: (name, strength) => ui.run(() => need().setStrength(name, strength)),
    readPixels: () => {
      const f = ui.lastFrame();
      return {
        size: f.size,
        rgb: Array.from(f.rgb),
        image: Array.from(f.image),
        labels: Array.from(f.labels),
        maskSize: f.maskSize,
        maskLabels: Array.from(f.maskLabels),
        depths: Array.from(f.depths),
      };
    },
    benchmark: (frames) => ui.benchmark(frames),
    tensors: () => tf.memory().numTensors,
  };
  // The page shows any start-up error (this also keeps it from being an unhandled rejection).
  hook.ready.catch((e: unknown) => ui.error(e));
  window.semstyle = hook;
}

const ui = new DemoUi(document);
installHook(ui, boot(ui));
