/**
 * The page: three views (image, colourised mask, the chosen region's pseudo-depth), a strip of every
 * region's depth, and the controls. Actions run one at a time; each ends with one rendered frame.
 */
import { regionColor } from '@semstyle/core';
import type { BenchmarkResult, DemoInfo, FrameSummary } from './hook.js';
import type { Frame, Session, SwapKind } from './session.js';

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, children: (Node | string)[] = []): HTMLElementTagNameMap[K] {
  const node = Object.assign(doc.createElement(tag), props);
  node.append(...children);
  return node;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function hex([r, g, b]: readonly [number, number, number]): string {
  return `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

/** Draw RGB bytes (or a function giving each pixel's RGB) into a canvas at its native size. */
function paint(canvas: HTMLCanvasElement, size: number, pixel: (p: number) => readonly [number, number, number]): void {
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  if (ctx === null) return;
  const data = ctx.createImageData(size, size);
  for (let p = 0; p < size * size; p++) {
    const [r, g, b] = pixel(p);
    data.data[p * 4] = r;
    data.data[p * 4 + 1] = g;
    data.data[p * 4 + 2] = b;
    data.data[p * 4 + 3] = 255;
  }
  ctx.putImageData(data, 0, 0);
}

/** One region's depth, min-max normalised over its own values (as the official training samples). */
function paintDepth(canvas: HTMLCanvasElement, frame: Frame, k: number, K: number): void {
  const n = frame.maskSize * frame.maskSize;
  let min = Infinity;
  let max = -Infinity;
  for (let p = 0; p < n; p++) {
    const v = frame.depths[p * K + k]!;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const range = max - min > 1e-12 ? max - min : 1;
  paint(canvas, frame.maskSize, (p) => {
    const g = Math.round(((frame.depths[p * K + k]! - min) / range) * 255);
    return [g, g, g];
  });
}

export class DemoUi {
  private readonly doc: Document;
  private readonly statusEl: HTMLElement;
  private session: Session | undefined;
  private info: DemoInfo | undefined;
  private frame: Frame | undefined;
  private chosen = 1;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly times: number[] = [];
  private readonly depthCanvases: HTMLCanvasElement[] = [];
  private readonly sliders = new Map<string, { input: HTMLInputElement; value: HTMLElement }>();
  private readonly toggles: HTMLInputElement[] = [];

  constructor(doc: Document) {
    this.doc = doc;
    this.statusEl = this.byId('status');
  }

  status(text: string): void {
    this.statusEl.textContent = text;
    this.statusEl.classList.remove('error');
  }

  error(e: unknown): void {
    const message = e instanceof Error ? e.message : String(e);
    this.statusEl.textContent = `error: ${message}`;
    this.statusEl.classList.add('error');
    console.error(e);
  }

  lastFrame(): Frame {
    if (this.frame === undefined) throw new Error('semstyle: no frame rendered yet.');
    return this.frame;
  }

  /** Build the controls for a session and draw its first frame. */
  async attach(session: Session, info: DemoInfo): Promise<void> {
    this.session = session;
    this.info = info;
    this.chosen = Math.min(1, session.regions.length - 1);
    this.byId('backend').textContent = `${info.backend}${info.software ? ' (software renderer: correctness only)' : ''}`;
    this.byId('backend').title = [info.device, ...info.skipped].join('\n');
    this.byId('device').textContent = info.device;
    this.byId('model').textContent = `${info.model} — ${info.resolution}×${info.resolution}, ${info.regions.length} regions, loaded in ${info.loadMs.toFixed(0)} ms`;
    this.buildFaceControls(session);
    this.buildRegions(session);
    this.buildDirections(session);
    await this.run(() => undefined);
  }

  /** Run an action on the session, then render and draw one frame. Actions never overlap. */
  run(action: () => void): Promise<FrameSummary> {
    const next = this.queue.then(async () => {
      const session = this.need();
      action();
      const frame = await session.render();
      this.show(frame);
      return { ms: frame.ms };
    });
    this.queue = next.catch(() => undefined);
    next.catch((e: unknown) => this.error(e));
    return next;
  }

  async benchmark(frames: number): Promise<BenchmarkResult> {
    const times: number[] = [];
    await this.run(() => undefined); // warm-up (shader compilation, caches)
    for (let i = 0; i < frames; i++) times.push((await this.run(() => undefined)).ms);
    return {
      backend: this.info?.backend ?? '?',
      frames,
      medianMs: median(times),
      minMs: Math.min(...times),
      meanMs: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
    };
  }

  /** Make `region` the chosen one (its depth in the big view; the target of the swap buttons). */
  choose(region: string): void {
    const k = this.need().regions.indexOf(region);
    if (k < 0) return;
    this.chosen = k;
    const radio = this.doc.getElementById(`choose-${k}`) as HTMLInputElement | null;
    if (radio) radio.checked = true;
  }

  private need(): Session {
    if (this.session === undefined) throw new Error('semstyle: not ready yet.');
    return this.session;
  }

  private byId<T extends HTMLElement = HTMLElement>(id: string): T {
    const node = this.doc.getElementById(id);
    if (node === null) throw new Error(`index.html has no #${id}`);
    return node as T;
  }

  private show(frame: Frame): void {
    const session = this.need();
    const K = session.regions.length;
    this.frame = frame;
    this.times.push(frame.ms);
    if (this.times.length > 20) this.times.shift();
    paint(this.byId<HTMLCanvasElement>('image'), frame.size, (p) => [frame.rgb[p * 3]!, frame.rgb[p * 3 + 1]!, frame.rgb[p * 3 + 2]!]);
    paint(this.byId<HTMLCanvasElement>('mask'), frame.size, (p) => regionColor(frame.labels[p]!));
    paintDepth(this.byId<HTMLCanvasElement>('depth'), frame, this.chosen, K);
    this.byId('depth-caption').textContent = `depth: ${session.regions[this.chosen]}`;
    this.depthCanvases.forEach((canvas, k) => paintDepth(canvas, frame, k, K));
    this.byId('frame-time').textContent = `${frame.ms.toFixed(1)} ms (median of last ${this.times.length}: ${median(this.times).toFixed(1)} ms)`;
    this.byId('seed').textContent = [String(session.seed), ...session.edits.slice(-2)].join(' · ') + (session.edits.length > 2 ? ` (+${session.edits.length - 2})` : '');
    const seedInput = this.doc.getElementById('seed-input') as HTMLInputElement | null;
    if (seedInput) seedInput.value = String(session.seed);
    for (const [name, { input, value }] of this.sliders) {
      input.value = String(session.strength(name));
      value.textContent = session.strength(name).toFixed(1);
    }
    this.toggles.forEach((box, k) => (box.checked = session.isEnabled(session.regions[k]!)));
    const counts = new Array<number>(K).fill(0);
    for (const l of frame.labels) counts[l] = (counts[l] ?? 0) + 1;
    session.regions.forEach((_, k) => {
      const area = this.doc.getElementById(`area-${k}`);
      if (area) area.textContent = `${((100 * counts[k]!) / frame.labels.length).toFixed(0)}%`;
    });
    this.status(`ready — ${session.regions.length} regions; seed ${session.seed}`);
  }

  private buildFaceControls(session: Session): void {
    const box = this.byId('face-controls');
    const seed = el(this.doc, 'input', { type: 'number', id: 'seed-input', value: String(session.seed), min: '0', step: '1' });
    const truncation = el(this.doc, 'input', { type: 'range', id: 'truncation', min: '0', max: '1', step: '0.05', value: String(session.truncation) });
    const truncationValue = el(this.doc, 'span', { textContent: session.truncation.toFixed(2) });
    truncation.addEventListener('input', () => (truncationValue.textContent = Number(truncation.value).toFixed(2)));
    truncation.addEventListener('change', () => {
      session.truncation = Number(truncation.value);
      void this.run(() => session.sample(session.seed));
    });
    box.replaceChildren(
      el(this.doc, 'label', {}, ['seed ', seed]),
      el(this.doc, 'button', { id: 'sample', textContent: 'Sample', onclick: () => void this.run(() => session.sample(Number(seed.value) | 0)) }),
      el(this.doc, 'button', { id: 'next', textContent: 'Next face', onclick: () => void this.run(() => session.sample(session.seed + 1)) }),
      el(this.doc, 'label', {}, ['truncation ', truncation, ' ', truncationValue]),
    );
  }

  private buildRegions(session: Session): void {
    const table = this.byId('regions');
    const strip = this.byId('depth-strip');
    table.replaceChildren();
    strip.replaceChildren();
    session.regions.forEach((name, k) => {
      const radio = el(this.doc, 'input', { type: 'radio', name: 'chosen', value: name, checked: k === this.chosen, id: `choose-${k}` });
      radio.addEventListener('change', () => {
        this.chosen = k;
        if (this.frame) this.show(this.frame);
      });
      const toggle = el(this.doc, 'input', { type: 'checkbox', checked: true, title: 'region on (composition)', id: `on-${k}` });
      toggle.addEventListener('change', () => void this.run(() => session.setEnabled(name, toggle.checked)));
      this.toggles.push(toggle);
      const swatch = el(this.doc, 'span', { className: 'swatch' });
      swatch.style.background = hex(regionColor(k));
      table.append(
        el(this.doc, 'tr', {}, [
          el(this.doc, 'td', {}, [radio]),
          el(this.doc, 'td', {}, [swatch]),
          el(this.doc, 'td', {}, [el(this.doc, 'label', { htmlFor: `choose-${k}`, textContent: name })]),
          el(this.doc, 'td', { className: 'area', id: `area-${k}` }),
          el(this.doc, 'td', {}, [toggle]),
        ]),
      );
      const canvas = el(this.doc, 'canvas', { className: 'small', title: `depth: ${name}` });
      this.depthCanvases.push(canvas);
      strip.append(el(this.doc, 'figure', {}, [canvas, el(this.doc, 'figcaption', { textContent: name })]));
    });
    const donor = el(this.doc, 'input', { type: 'number', id: 'donor-seed', value: '1', min: '0', step: '1' });
    const region = () => session.regions[this.chosen]!;
    const swap = (kind: SwapKind) => () => void this.run(() => session.swap(region(), kind, Number(donor.value) | 0));
    const resample = (kind: SwapKind) => () => void this.run(() => void session.resample(region(), kind));
    this.byId('region-actions').replaceChildren(
      el(this.doc, 'div', {}, [
        el(this.doc, 'label', {}, ['from face ', donor]),
        el(this.doc, 'button', { id: 'swap-shape', textContent: 'Swap shape', onclick: swap('shape') }),
        el(this.doc, 'button', { id: 'swap-texture', textContent: 'Swap texture', onclick: swap('texture') }),
        el(this.doc, 'button', { id: 'swap-both', textContent: 'Swap both', onclick: swap('both') }),
      ]),
      el(this.doc, 'div', {}, [
        el(this.doc, 'button', { id: 'resample-shape', textContent: 'Resample shape', onclick: resample('shape') }),
        el(this.doc, 'button', { id: 'resample-texture', textContent: 'Resample texture', onclick: resample('texture') }),
      ]),
    );
  }

  private buildDirections(session: Session): void {
    const box = this.byId('directions');
    if (session.directions.length === 0) {
      box.replaceChildren(el(this.doc, 'p', { className: 'hint', textContent: 'No InterFaceGAN directions beside this model (directions.json).' }));
      return;
    }
    box.replaceChildren();
    for (const d of session.directions) {
      const input = el(this.doc, 'input', { type: 'range', min: String(d.min), max: String(d.max), step: '0.1', value: '0', id: `direction-${d.name}` });
      const value = el(this.doc, 'span', { className: 'value', textContent: '0.0' });
      input.addEventListener('input', () => (value.textContent = Number(input.value).toFixed(1)));
      input.addEventListener('change', () => void this.run(() => session.setStrength(d.name, Number(input.value))));
      this.sliders.set(d.name, { input, value });
      box.append(el(this.doc, 'label', { className: 'slider', title: d.description }, [el(this.doc, 'span', { textContent: d.name }), input, value]));
    }
  }
}
