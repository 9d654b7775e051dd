import { join } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '@semstyle/core/node';

/**
 * Render a Vega-Lite spec to an SVG file in the example's folder, offline: vega-lite compiles it to a Vega
 * spec, a headless vega View (renderer 'none', nothing fetched, no canvas) draws it as SVG text.
 * Returns the file name (for the report's `![…](file)`).
 */
export async function saveSvg(outDir: string, file: string, spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    await writeFileAtomic(join(outDir, file), await view.toSVG());
  } finally {
    view.finalize();
  }
  return file;
}
