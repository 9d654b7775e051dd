import { generate, faceToSvgString, svgs } from 'facesjs';
import sharp from 'sharp';
const [feature, vb, tw, th, cols] = [process.argv[2], process.argv[3], +process.argv[4], +process.argv[5], +process.argv[6]];
const ids = Object.keys(svgs[feature]);
const base = generate(undefined, { gender: 'male', race: 'white' });
base.accessories.id = 'none'; base.glasses.id = 'none'; base.facialHair.id='none'; base.hair.id = 'short'; base.hairBg.id='none';
const tiles = await Promise.all(ids.map(async (id) => {
  const f = structuredClone(base); f[feature].id = id; if (feature==='hair') f.hair.flip=false;
  let s = faceToSvgString(f);
  s = s.replace('width="100%" height="100%" viewBox="0 0 400 600"', `width="${tw}" height="${th}" viewBox="${vb}"`);
  s = s.replace('</svg>', `<text x="${vb.split(' ')[0]*1+5}" y="${vb.split(' ')[1]*1+30}" font-size="28" fill="red">${ids.indexOf(id)}</text></svg>`);
  return sharp(Buffer.from(s)).flatten({background:'#ccc'}).png().toBuffer();
}));
const rows = Math.ceil(ids.length / cols);
await sharp({ create: { width: cols*tw, height: rows*th, channels: 3, background: '#fff' } }).composite(tiles.map((t, i) => ({ input: t, left: (i % cols) * tw, top: Math.floor(i / cols) * th }))).png().toFile(`/tmp/ds/${feature}.png`);
console.log(ids.map((id,i)=>i+':'+id).join(' '));
