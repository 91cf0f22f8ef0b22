// A picture for a seed (a username), drawn the same way every time: a 5 by 5 grid mirrored left to
// right, in a colour of its own on a pale ground of the same hue, like the default pictures many
// sites give. The seed's SHA-256 decides everything, so the picture never changes for a seed, and
// the markup is only rects in one path: nothing a browser could run or fetch.
import { createHash } from 'node:crypto';

const CELLS = 5;
/** Columns drawn; the others mirror them. */
const HALF = Math.ceil(CELLS / 2);

export function drawAvatar(seed: string): string {
  const hash = createHash('sha256').update(seed, 'utf8').digest();
  const hue = ((hash[0] ?? 0) * 256 + (hash[1] ?? 0)) % 360;
  let path = '';
  for (let row = 0; row < CELLS; row++) {
    for (let column = 0; column < HALF; column++) {
      const bit = row * HALF + column;
      // Bits from the third byte on: the first two made the hue.
      const filled = ((hash[2 + (bit >> 3)] ?? 0) >> (bit & 7)) & 1;
      if (!filled) continue;
      path += `M${column} ${row}h1v1h-1z`;
      const mirror = CELLS - 1 - column;
      if (mirror !== column) path += `M${mirror} ${row}h1v1h-1z`;
    }
  }
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-1 -1 7 7" width="128" height="128" ` +
    `shape-rendering="crispEdges"><rect x="-1" y="-1" width="7" height="7" ` +
    `fill="hsl(${hue} 45% 90%)"/><path fill="hsl(${hue} 55% 38%)" d="${path}"/></svg>\n`
  );
}
