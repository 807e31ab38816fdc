import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutNetwork } from '../../src/network/description.ts';
import { DeviceMap, setSignedInputWeights, signedInputWeights } from '../../src/training/weight-mapping.ts';
import { Rng } from '../../src/util/random.ts';

describe('device map', () => {
  test('when every layer fits its own physical array the map is the identity', () => {
    const layout = layoutNetwork({ inputs: 3, hidden: [4], outputs: 2 });
    const map = DeviceMap.create(layout, layout.arrays);
    assert.ok(map.isIdentity);
    const d = layout.deviceOffsets[1] + 2 * 4 + 3;
    assert.deepEqual(map.cell(d), { array: 1, row: 2, col: 3 });
  });

  test('a layer larger than a physical array is tiled across several, and gather/scatter round-trip', () => {
    // array 0: 10 lines × 7 nodes on 4×3 arrays → 3×3 = 9 tiles; array 1: 7×2 → 2×1 tiles.
    const layout = layoutNetwork({ inputs: 5, hidden: [7], outputs: 1 });
    const physical = Array.from({ length: 12 }, () => ({ rows: 4, cols: 3 }));
    const map = DeviceMap.create(layout, physical);
    assert.equal(map.tiles.length, 11);
    assert.deepEqual(map.usedPhysicalArrays, [...Array(11).keys()]);
    // Device (row 9, col 6) of array 0 is in tile row 2, tile col 2 → physical array 8, cell (1, 0).
    assert.deepEqual(map.cell(9 * 7 + 6), { array: 8, row: 1, col: 0 });
    // Every network device lands on a distinct physical cell.
    const seen = new Set<string>();
    for (let d = 0; d < layout.totalDevices; d++) {
      const c = map.cell(d);
      assert.ok(c.row < 4 && c.col < 3);
      seen.add(`${c.array}/${c.row}/${c.col}`);
    }
    assert.equal(seen.size, layout.totalDevices);
    const rng = new Rng(1);
    const g = Float64Array.from({ length: layout.totalDevices }, () => rng.uniform());
    const images = map.scatter(g);
    assert.deepEqual([...map.gather(images)], [...g]);
    // The last tile of array 0 holds 2 rows × 1 col; its other cells are unused (NaN).
    const last = images.get(8)!;
    assert.equal(last.filter((v) => !Number.isNaN(v)).length, 2);
  });

  test('too few physical arrays is refused, naming the network array', () => {
    const layout = layoutNetwork({ inputs: 5, hidden: [7], outputs: 1 });
    assert.throws(
      () =>
        DeviceMap.create(
          layout,
          Array.from({ length: 10 }, () => ({ rows: 4, cols: 3 })),
        ),
      /network array 1 does not fit: the bench's 10 physical arrays are all used/,
    );
    assert.throws(
      () =>
        DeviceMap.create(layout, [
          { rows: 4, cols: 3 },
          ...Array.from({ length: 11 }, () => ({ rows: 2, cols: 3 })),
        ]),
      /physical array 1 \(2×3\) is smaller than the 4×3 tile of network array 0/,
    );
  });

  test('interleaved pairing puts x_i and −x_i on adjacent rows, and tiles never split a pair', () => {
    const layout = layoutNetwork({ inputs: 3, outputs: 1, differentialOutputs: false });
    // 6 lines on arrays of 3 rows: tiles of 2 rows so each holds whole pairs.
    const map = DeviceMap.create(
      layout,
      Array.from({ length: 3 }, () => ({ rows: 3, cols: 1 })),
      'interleaved',
    );
    for (let i = 0; i < 3; i++) {
      const plus = map.cell(i); // line x_i
      const minus = map.cell(3 + i); // line −x_i
      assert.equal(plus.array, minus.array);
      assert.equal(minus.row, plus.row + 1);
    }
    assert.throws(
      () =>
        DeviceMap.create(
          layoutNetwork({ inputs: 3, outputs: 1, doubledInputs: false }),
          [{ rows: 9, cols: 9 }],
          'interleaved',
        ),
      /needs a network with doubledInputs/,
    );
  });
});

describe('signed weights (thesis §4.4.3)', () => {
  const layout = layoutNetwork({ inputs: 2, hidden: [3], outputs: 1 });

  test('G+/G− pairs around the reference round-trip to the signed weights and keep the pair sum', () => {
    const w = Float64Array.of(2e-5, -3e-5, 0, 4e-5, -1e-5, 5e-6);
    const g = new Float64Array(layout.totalDevices);
    setSignedInputWeights(layout, w, g, 5e-5);
    const back = signedInputWeights(layout, g);
    back.forEach((v, i) => assert.ok(Math.abs(v - w[i]) < 1e-18));
    // feature 1, column 0: rows 1 (x_1) and 3 (−x_1).
    assert.ok(Math.abs(g[1 * 3 + 0] + g[3 * 3 + 0] - 1e-4) < 1e-18);
  });

  test('a weight whose pair leaves the conductance range is refused', () => {
    const w = Float64Array.of(0, 0, 0, 0, 1.2e-4, 0); // around the 5.05e-5 S midpoint: G+ = 1.105e-4 S > max
    assert.throws(
      () => setSignedInputWeights(layout, w, new Float64Array(layout.totalDevices)),
      /w_S\[4\]=0.00012 needs a pair outside/,
    );
  });
});
