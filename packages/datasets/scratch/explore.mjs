import { generate, faceToSvgString } from 'facesjs';
import sharp from 'sharp';
const faces = [];
for (let i = 0; i < 12; i++) faces.push(generate(undefined, { gender: i % 2 ? 'female' : 'male' }));
faces[0].accessories.id = 'hat'; faces[1].glasses.id='facemask'; faces[2].accessories.id='santa-hat'; faces[3].accessories.id='headband-high';faces[4].hair.id='short-bald'; faces[5].accessories.id='eye-black';
const tiles = await Promise.all(faces.map(async (f) => {
  let s = faceToSvgString(f);
  s = s.replace('width="100%" height="100%"', 'width="200" height="300"');
  return sharp(Buffer.from(s)).flatten({background:'#ccc'}).png().toBuffer();
}));
const comp = tiles.map((t, i) => ({ input: t, left: (i % 6) * 200, top: Math.floor(i / 6) * 300 }));
await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#fff' } }).composite(comp).png().toFile('/tmp/ds/full.png');
console.log(faceToSvgString(faces[0]).slice(0,400));
