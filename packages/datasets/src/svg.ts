import { faceToSvgString, type FaceConfig } from 'facesjs';
import { SemstyleError } from '@semstyle/core';

import { classFor, type ResolvedClassMap } from './classes.js';
import { drawnGroups, type DrawnGroup } from './face.js';

/**
 * Square crop of facesjs's 400×600 canvas, in its user units: x −50…450, y 40…540. Keeps the tallest hat,
 * the whole head and the shoulders; the bottom 60 units (lower torso) are cut.
 */
export const VIEW_BOX = [-50, 40, 500, 500] as const;

export interface FaceGroup extends DrawnGroup {
  /** The serialised `<g …>…</g>` element, exactly as facesjs wrote it. */
  readonly xml: string;
}

/**
 * Draw `face` with facesjs and split the SVG into its top-level groups, each tagged with the feature that
 * drew it. faceToSvgString writes `<svg …>`, then each group as three lines (`<g …>`, the feature's one-line
 * SVG, `</g>`), then `</svg>`; any other shape means facesjs changed, and throws `E_DATASET`.
 */
export function faceGroups(face: FaceConfig): FaceGroup[] {
  const copy = structuredClone(face); // display() mutates hair.id under hats
  const lines = faceToSvgString(copy).split('\n');
  const expected = drawnGroups(face);
  const body = lines.slice(1, -1);
  const ok =
    lines[0]?.startsWith('<svg') &&
    lines[lines.length - 1] === '</svg>' &&
    body.length === expected.length * 3 &&
    expected.every((_, i) => body[3 * i]!.startsWith('<g') && body[3 * i + 2] === '</g>');
  if (!ok) {
    throw new SemstyleError('E_DATASET', 'facesjs produced an SVG this package cannot split into feature groups (facesjs version mismatch?).', {
      details: { groups: expected.length, lines: lines.length },
    });
  }
  return expected.map((g, i) => ({ ...g, xml: `${body[3 * i]}${body[3 * i + 1]}</g>` }));
}

function svgOpen(size: number, extra = ''): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" ` +
    `viewBox="${VIEW_BOX.join(' ')}" preserveAspectRatio="none"${extra}>`
  );
}

/** The face as facesjs draws it, cropped to {@link VIEW_BOX}, on a transparent background. */
export function colourSvg(groups: readonly FaceGroup[], size: number): string {
  return `${svgOpen(size)}${groups.map((g) => g.xml).join('')}</svg>`;
}

/** 24-bit colour standing for class `k` in the label render (never produced by facesjs art: label SVGs only). */
export function labelColour(k: number): [number, number, number] {
  return [k * 20, 0, 255 - k * 20];
}
const labelHex = (k: number) => `#${labelColour(k).map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** A paint that is transparent or less than half opaque (dropped from label maps). */
function faintPaint(value: string): boolean {
  const v = value.trim().toLowerCase();
  if (v === 'transparent') return true;
  const m = /^rgba\(([^)]*)\)$/.exec(v);
  if (!m) return false;
  const alpha = Number(m[1]!.split(',')[3]);
  return Number.isFinite(alpha) && alpha < 0.5;
}

function recolourPaint(value: string, colour: string): string {
  const v = value.trim();
  if (v === 'none') return v;
  return faintPaint(v) ? 'none' : colour;
}

const binaryOpacity = (value: string) => (Number(value) < 0.5 ? '0' : '1');

function recolourStyle(style: string, colour: string): string {
  return style
    .split(';')
    .map((decl) => {
      const i = decl.indexOf(':');
      if (i < 0) return decl;
      const prop = decl.slice(0, i).trim();
      const value = decl.slice(i + 1);
      if (prop === 'fill' || prop === 'stroke') return `${prop}:${recolourPaint(value, colour)}`;
      if (prop === 'opacity' || prop === 'fill-opacity' || prop === 'stroke-opacity') return `${prop}:${binaryOpacity(value)}`;
      if (prop === 'mix-blend-mode') return 'mix-blend-mode:normal';
      if (prop === 'shape-rendering') return 'shape-rendering:crispEdges';
      return decl;
    })
    .join(';');
}

const ELEMENT = /<(path|g|ellipse|circle|rect|polygon|polyline|line|use)(?=[\s/>])/g;

/**
 * One group restyled for the label map: every visible paint becomes the flat class colour, paints and
 * opacities below one half are dropped (so blush, freckles, the stubble shadow and the faint lip shading
 * do not label pixels), other opacities become 1, blend modes become normal, gradients become the flat
 * colour, and every element gets `shape-rendering="crispEdges"` (no antialiasing). Transforms are kept, so
 * the geometry is the colour render's.
 */
export function labelGroupXml(xml: string, classIndex: number): string {
  const colour = labelHex(classIndex);
  return xml
    .replace(/(\s)(fill|stroke)="([^"]*)"/g, (_m, s: string, a: string, v: string) => `${s}${a}="${recolourPaint(v, colour)}"`)
    .replace(/(\s)(opacity|fill-opacity|stroke-opacity)="([^"]*)"/g, (_m, s: string, a: string, v: string) => `${s}${a}="${binaryOpacity(v)}"`)
    .replace(/(\s)style="([^"]*)"/g, (_m, s: string, v: string) => `${s}style="${recolourStyle(v, colour)}"`)
    .replace(ELEMENT, '<$1 shape-rendering="crispEdges"')
    .replace(/^<g/, `<g fill="${colour}" color="${colour}"`);
}

/** The label SVG: each group in facesjs's order, in its class colour, without antialiasing. */
export function labelSvg(groups: readonly FaceGroup[], size: number, classMap: ResolvedClassMap): string {
  const parts = groups.map((g) => labelGroupXml(g.xml, classFor(classMap, g.feature, g.id)));
  return `${svgOpen(size, ' shape-rendering="crispEdges"')}${parts.join('')}</svg>`;
}
