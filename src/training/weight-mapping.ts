// Where every network device lives on the bench, and the signed-weight view of the conductances.
//
// Placement. The network description numbers devices per network array (layer); a bench exposes
// physical crossbar arrays (`ConductanceReader.arrays`) that pulses and reads address. Each network
// array is cut into tiles the size of the physical array it lands on and the tiles take the next
// free physical arrays in order (row-major over the tile grid). When every layer fits its own
// physical array, as on the simulated board, this is the identity. A tiled layer needs the bench
// wiring to sum the column currents of its tiles; cells a tile leaves unused are not touched.
//
// Signed weights (thesis §4.4.3). Conductances are positive; a signed weight of input feature i on
// column c is the pair w = G⁺ − G⁻ with G⁺ on the line driven by x_i and G⁻ on the line driven
// by −x_i. Two row orders of array 0 realise the pair:
// - 'blocked' (default; the network numbering: x_1…x_n, then −x_1…−x_n): the board wires the
//   inverted inputs as a second block of rows, as the simulated board does.
// - 'interleaved' (a G⁺/G⁻ pair per weight on adjacent rows 2i, 2i+1): the board wires each
//   inverted input next to its input. Tiles then start on even rows, so no pair is split.
import type { ArrayGeometry } from '../capabilities/index.ts';
import type { NetworkLayout } from '../network/description.ts';

export type InputPairing = 'blocked' | 'interleaved';

export interface PhysicalCell {
  array: number;
  row: number;
  col: number;
}

/** A rectangle of one network array placed at the top-left corner of one physical array. */
export interface Tile {
  networkArray: number;
  /** First physical-order row and first column of the network array this tile holds. */
  rowStart: number;
  colStart: number;
  rows: number;
  cols: number;
  physicalArray: number;
}

export class DeviceMap {
  /** Physical cell of every network device, in flat device order. */
  readonly array: Int32Array;
  readonly row: Int32Array;
  readonly col: Int32Array;

  private constructor(
    readonly layout: NetworkLayout,
    readonly physical: readonly ArrayGeometry[],
    readonly tiles: readonly Tile[],
    readonly inputPairing: InputPairing,
  ) {
    const n = layout.totalDevices;
    this.array = new Int32Array(n);
    this.row = new Int32Array(n);
    this.col = new Int32Array(n);
    for (const t of tiles) {
      const { rows, cols } = layout.arrays[t.networkArray];
      const base = layout.deviceOffsets[t.networkArray];
      for (let r = 0; r < rows; r++) {
        const p = physicalRow(layout, t.networkArray, r, inputPairing);
        if (p < t.rowStart || p >= t.rowStart + t.rows) continue;
        for (let c = t.colStart; c < t.colStart + t.cols; c++) {
          const d = base + r * cols + c;
          this.array[d] = t.physicalArray;
          this.row[d] = p - t.rowStart;
          this.col[d] = c - t.colStart;
        }
      }
    }
  }

  /** Tiles every network array onto the physical arrays, in order. Throws a RangeError naming
   * the network array and the shortage when the bench has too few or too small arrays. */
  static create(
    layout: NetworkLayout,
    physical: readonly ArrayGeometry[],
    inputPairing: InputPairing = 'blocked',
  ): DeviceMap {
    if (inputPairing === 'interleaved' && !layout.desc.doubledInputs) {
      throw new RangeError("inputPairing: 'interleaved' needs a network with doubledInputs");
    }
    const tiles: Tile[] = [];
    let next = 0;
    layout.arrays.forEach(({ rows, cols }, l) => {
      const first = physical[next];
      if (first === undefined) throw shortage(l, physical.length);
      const pairRows = l === 0 && inputPairing === 'interleaved';
      const tileRows = pairRows ? first.rows - (first.rows % 2) : first.rows;
      if (tileRows < 1 || first.cols < 1) {
        throw new RangeError(
          `physical array ${next} (${first.rows}×${first.cols}) cannot hold a tile of network array ${l}`,
        );
      }
      for (let r0 = 0; r0 < rows; r0 += tileRows) {
        for (let c0 = 0; c0 < cols; c0 += first.cols) {
          const tile = {
            networkArray: l,
            rowStart: r0,
            colStart: c0,
            rows: Math.min(tileRows, rows - r0),
            cols: Math.min(first.cols, cols - c0),
            physicalArray: next,
          };
          const g = physical[next];
          if (g === undefined) throw shortage(l, physical.length);
          if (g.rows < tile.rows || g.cols < tile.cols) {
            throw new RangeError(
              `physical array ${next} (${g.rows}×${g.cols}) is smaller than the ${tile.rows}×${tile.cols} tile of network array ${l} it would hold`,
            );
          }
          tiles.push(tile);
          next++;
        }
      }
    });
    return new DeviceMap(layout, physical, tiles, inputPairing);
  }

  /** True when every network array sits alone on the physical array of the same index. */
  get isIdentity(): boolean {
    return (
      this.inputPairing === 'blocked' &&
      this.tiles.length === this.layout.arrays.length &&
      this.tiles.every((t, l) => t.physicalArray === l && t.rows === this.layout.arrays[l].rows)
    );
  }

  /** Physical arrays holding at least one network device, ascending. */
  get usedPhysicalArrays(): number[] {
    return [...new Set(this.tiles.map((t) => t.physicalArray))].sort((a, b) => a - b);
  }

  cell(device: number): PhysicalCell {
    return { array: this.array[device], row: this.row[device], col: this.col[device] };
  }

  /** Network-order conductances from row-major reads of the used physical arrays. */
  gather(
    reads: ReadonlyMap<number, Float64Array>,
    into: Float64Array = new Float64Array(this.layout.totalDevices),
  ): Float64Array {
    for (let d = 0; d < into.length; d++) {
      const a = this.array[d];
      const read = reads.get(a);
      if (read === undefined) throw new RangeError(`reads: physical array ${a} was not read`);
      into[d] = read[this.row[d] * this.physical[a].cols + this.col[d]];
    }
    return into;
  }

  /** Row-major physical-array images of network-order values; unused cells are NaN. */
  scatter(values: Float64Array): Map<number, Float64Array> {
    if (values.length !== this.layout.totalDevices) {
      throw new RangeError(
        `values has ${values.length} entries, the network has ${this.layout.totalDevices} devices`,
      );
    }
    const out = new Map<number, Float64Array>();
    for (const a of this.usedPhysicalArrays) {
      out.set(a, new Float64Array(this.physical[a].rows * this.physical[a].cols).fill(Number.NaN));
    }
    for (let d = 0; d < values.length; d++) {
      const a = this.array[d];
      out.get(a)![this.row[d] * this.physical[a].cols + this.col[d]] = values[d];
    }
    return out;
  }
}

/** Physical-order row of network row r of network array l. */
function physicalRow(layout: NetworkLayout, l: number, r: number, pairing: InputPairing): number {
  if (l !== 0 || pairing === 'blocked') return r;
  const n = layout.desc.inputs;
  return r < n ? 2 * r : 2 * (r - n) + 1;
}

function shortage(l: number, available: number): RangeError {
  return new RangeError(
    `network array ${l} does not fit: the bench's ${available} physical arrays are all used`,
  );
}

/** Signed weights of array 0, w[i·cols + c] = g(i, c) − g(n+i, c), S (thesis §4.4.3). */
export function signedInputWeights(layout: NetworkLayout, g_S: Float64Array): Float64Array {
  requireDoubledInputs(layout);
  const n = layout.desc.inputs;
  const { cols } = layout.arrays[0];
  const w = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols; c++) w[i * cols + c] = g_S[i * cols + c] - g_S[(n + i) * cols + c];
  }
  return w;
}

/**
 * Writes array 0 of `g_S` so that each signed weight w is a G⁺/G⁻ pair g± = g_ref ± w/2 around
 * `reference_S` (default: the middle of the conductance range). The pair's sum, which sets the
 * node's input conductance, stays 2·g_ref whatever w is. Throws naming the first weight whose
 * pair would leave the conductance range.
 */
export function setSignedInputWeights(
  layout: NetworkLayout,
  w_S: Float64Array,
  g_S: Float64Array,
  reference_S?: number,
): void {
  requireDoubledInputs(layout);
  const n = layout.desc.inputs;
  const { cols } = layout.arrays[0];
  if (w_S.length !== n * cols) throw new RangeError(`w_S has ${w_S.length} weights, array 0 has ${n * cols}`);
  const { min_S, max_S } = layout.desc.conductance;
  const ref = reference_S ?? (min_S + max_S) / 2;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < cols; c++) {
      const w = w_S[i * cols + c];
      const plus = ref + w / 2;
      const minus = ref - w / 2;
      if (Math.min(plus, minus) < min_S || Math.max(plus, minus) > max_S) {
        throw new RangeError(
          `w_S[${i * cols + c}]=${w} needs a pair outside [${min_S}, ${max_S}] S around ${ref} S`,
        );
      }
      g_S[i * cols + c] = plus;
      g_S[(n + i) * cols + c] = minus;
    }
  }
}

function requireDoubledInputs(layout: NetworkLayout): void {
  if (!layout.desc.doubledInputs)
    throw new RangeError('signed input weights need a network with doubledInputs');
}
