import sharp from 'sharp';
import { encodePng, decodePng } from '../src/png.js';
const px = new Uint8Array(64*64).map((_, i) => i % 13);
const b = await encodePng(px, 64, 1);
console.log(await sharp(b).metadata().then(m => [m.channels, m.space, m.depth, m.format, m.bitsPerSample]));
const d = await decodePng(b); console.log(d.channels, d.data.every((v, i) => v === px[i]));
const rgb = new Uint8Array(64*64*3).map((_, i) => (i*7)%256); const b3 = await encodePng(rgb, 64, 3); const d3 = await decodePng(b3); console.log(d3.channels, d3.data.every((v,i)=>v===rgb[i]));
