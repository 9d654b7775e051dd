/** The official visualisation palette (visualize/utils.py), extended deterministically beyond 17 classes. */
const OFFICIAL: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 0], [239, 234, 90], [44, 105, 154], [4, 139, 168], [13, 179, 158], [131, 227, 119],
  [185, 231, 105], [107, 137, 198], [241, 196, 83], [242, 158, 76], [234, 114, 71], [215, 95, 155],
  [207, 113, 192], [159, 89, 165], [142, 82, 172], [158, 115, 200], [116, 95, 159],
];

export function regionColor(k: number): readonly [number, number, number] {
  const official = OFFICIAL[k];
  if (official) return official;
  // Golden-angle hues for any further classes.
  const hue = (k * 137.508) % 360;
  const f = (n: number) => {
    const a = 0.6 * Math.min(0.55, 1 - 0.55);
    const kk = (n + hue / 30) % 12;
    return Math.round(255 * (0.55 - a * Math.max(-1, Math.min(kk - 3, 9 - kk, 1))));
  };
  return [f(0), f(8), f(4)];
}
