import { renderFace } from '../src/render.js';
const t = performance.now();
for (let s = 0; s < 20; s++) {
  const r = await renderFace(s, 256);
  const counts = new Array(13).fill(0); for (const v of r.labels) counts[v]++;
  console.log(s, counts.join(','));
}
console.log((performance.now() - t) / 20, 'ms/face');
