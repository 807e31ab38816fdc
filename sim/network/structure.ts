// Layout-derived structure of the layered network (thesis §4.4) shared by the DC solver, the
// transient, the co-content and the adjoint: layer sizes, the crossbar views into the live
// conductance array, the amplifier gains, the neuron diodes, and the array sums (per conductance
// update) and the input array's current (per input vector).
//
// Layers: j = 0..L-1 are the hidden layers, j = L the output layer. Array j feeds layer j; its
// rows are the input lines (j = 0) or the row lines driven by layer j-1. Without an amplifier
// the row line is the hidden node itself, which is the amplifier case with gain = backwardGain
// = 1: the row line is at a·V_h, and node h loses b·(current it drives into array j).
import type { DiodeModel } from '../circuit/netlist.ts';
import { diodeModelFromDescription } from '../circuit/diode.ts';
import type { NetworkLayout } from '../../src/network/description.ts';

export class NetworkStructure {
  readonly layout: NetworkLayout;
  /** Number of floating-node layers (hidden layers + output layer). */
  readonly layers: number;
  readonly sizes: Int32Array;
  readonly offsets: Int32Array;
  readonly nodes: number;
  readonly inputLines: number;
  /** VCVS gain a (row line = a·V_h) and CCCS gain b; 1 and 1 without amplifier. */
  readonly gain: number;
  readonly backwardGain: number;
  /** gain = backwardGain: the circuit has a co-content (thesis Lemma 4.1). */
  readonly reciprocal: boolean;
  readonly diode: DiodeModel;
  readonly biasLow_V: number;
  readonly biasHigh_V: number;
  readonly capacitance_F: number;
  readonly g_S: Float64Array;
  /** arrays[j]: the conductances of array j, row-major (rows × sizes[j]), a live view of g_S. */
  readonly arrays: Float64Array[];
  readonly rows: Int32Array;
  /** colSum_S[j][c] = Σ_r g_rc over array j; rowSum_S[j][r] = Σ_c g_rc (j ≥ 1 only). */
  readonly colSum_S: Float64Array[];
  readonly rowSum_S: Float64Array[];
  /** Σ_r g_rc·x_r over array 0 for the prepared inputs. */
  readonly inputCurrent_A: Float64Array;
  /** transposed[j] (j ≥ 1): array j column-major, cols × rows (contiguous per column node). */
  readonly transposed: Float64Array[];
  private readonly liveRows: Int32Array;

  constructor(layout: NetworkLayout, g_S: Float64Array) {
    if (g_S.length !== layout.totalDevices) {
      throw new RangeError(
        `g_S has ${g_S.length} conductances, the layout has ${layout.totalDevices} devices`,
      );
    }
    this.layout = layout;
    this.layers = layout.layerSizes.length;
    this.sizes = Int32Array.from(layout.layerSizes);
    this.offsets = Int32Array.from(layout.layerOffsets);
    this.nodes = layout.floatingNodes;
    this.inputLines = layout.inputLines;
    const amp = layout.desc.amplifier;
    this.gain = amp ? amp.gain : 1;
    this.backwardGain = amp ? (amp.backwardGain ?? amp.gain) : 1;
    this.reciprocal = this.gain === this.backwardGain;
    this.diode = diodeModelFromDescription(layout.desc.diode);
    this.biasLow_V = layout.desc.diode.bias_V.low;
    this.biasHigh_V = layout.desc.diode.bias_V.high;
    this.capacitance_F = layout.desc.nodeCapacitance_F;
    this.g_S = g_S;
    this.rows = Int32Array.from(layout.arrays.map((a) => a.rows));
    this.arrays = layout.arrays.map((a, j) =>
      g_S.subarray(layout.deviceOffsets[j], layout.deviceOffsets[j] + a.rows * a.cols),
    );
    this.colSum_S = layout.arrays.map((a) => new Float64Array(a.cols));
    this.rowSum_S = layout.arrays.map((a, j) => new Float64Array(j === 0 ? 0 : a.rows));
    this.inputCurrent_A = new Float64Array(this.sizes[0]);
    this.transposed = layout.arrays.map((a, j) => new Float64Array(j === 0 ? 0 : a.rows * a.cols));
    this.liveRows = new Int32Array(this.inputLines);
  }

  /** Σ_r g_rc·x_r over the input array: the one O(devices) pass per input vector. Input lines
   * at 0 V are skipped (most pixels of a digit); the rest four rows at a time. */
  prepareInputs(inputs_V: Float64Array): void {
    if (inputs_V.length !== this.inputLines) {
      throw new RangeError(`inputs_V has ${inputs_V.length} lines, the network has ${this.inputLines}`);
    }
    const g = this.arrays[0];
    const cols = this.sizes[0];
    const cur = this.inputCurrent_A;
    const live = this.liveRows;
    let m = 0;
    for (let r = 0; r < this.inputLines; r++) if (inputs_V[r] !== 0) live[m++] = r;
    cur.fill(0);
    let k = 0;
    for (; k + 3 < m; k += 4) {
      const r0 = live[k];
      const r1 = live[k + 1];
      const r2 = live[k + 2];
      const r3 = live[k + 3];
      const x0 = inputs_V[r0];
      const x1 = inputs_V[r1];
      const x2 = inputs_V[r2];
      const x3 = inputs_V[r3];
      const b0 = r0 * cols;
      const b1 = r1 * cols;
      const b2 = r2 * cols;
      const b3 = r3 * cols;
      for (let c = 0; c < cols; c++)
        cur[c] += g[b0 + c] * x0 + g[b1 + c] * x1 + g[b2 + c] * x2 + g[b3 + c] * x3;
    }
    for (; k < m; k++) {
      const r = live[k];
      const x = inputs_V[r];
      const b = r * cols;
      for (let c = 0; c < cols; c++) cur[c] += g[b + c] * x;
    }
  }

  /** Everything that depends on the conductances only: column sums of every array, row sums
   * and transposed copies of the arrays between floating layers. */
  prepareConductances(): void {
    this.prepareArrays(0);
  }

  /** prepareConductances and prepareInputs in one pass over the input array (column sums and
   * Σ_r g_rc·x_r together, four rows at a time): after a change of every conductance and a new
   * input vector, the input array is read once instead of twice. */
  prepareConductancesAndInputs(inputs_V: Float64Array): void {
    if (inputs_V.length !== this.inputLines) {
      throw new RangeError(`inputs_V has ${inputs_V.length} lines, the network has ${this.inputLines}`);
    }
    const g = this.arrays[0];
    const rows = this.rows[0];
    const cols = this.sizes[0];
    const cs = this.colSum_S[0];
    const cur = this.inputCurrent_A;
    cs.fill(0);
    cur.fill(0);
    let r = 0;
    for (; r + 3 < rows; r += 4) {
      const b0 = r * cols;
      const b1 = b0 + cols;
      const b2 = b1 + cols;
      const b3 = b2 + cols;
      const x0 = inputs_V[r];
      const x1 = inputs_V[r + 1];
      const x2 = inputs_V[r + 2];
      const x3 = inputs_V[r + 3];
      for (let c = 0; c < cols; c++) {
        const g0 = g[b0 + c];
        const g1 = g[b1 + c];
        const g2 = g[b2 + c];
        const g3 = g[b3 + c];
        cs[c] += g0 + g1 + g2 + g3;
        cur[c] += g0 * x0 + g1 * x1 + g2 * x2 + g3 * x3;
      }
    }
    for (; r < rows; r++) {
      const b = r * cols;
      const x = inputs_V[r];
      for (let c = 0; c < cols; c++) {
        cs[c] += g[b + c];
        cur[c] += g[b + c] * x;
      }
    }
    this.prepareArrays(1);
  }

  /** As prepareConductances for the arrays between floating layers only (j ≥ 1). */
  prepareHiddenConductances(): void {
    this.prepareArrays(1);
  }

  /** Device (r, c) of array 0 changed by delta_S: its column sum, and the input current for the
   * inputs x_V it was prepared with (x_V null: not prepared), in O(1). */
  adjustInputDevice(r: number, c: number, delta_S: number, x_V: Float64Array | null): void {
    this.colSum_S[0][c] += delta_S;
    if (x_V !== null) this.inputCurrent_A[c] += delta_S * x_V[r];
  }

  private prepareArrays(first: number): void {
    for (let j = first; j < this.layers; j++) {
      const g = this.arrays[j];
      const rows = this.rows[j];
      const cols = this.sizes[j];
      const cs = this.colSum_S[j];
      cs.fill(0);
      if (j === 0) {
        let r = 0;
        for (; r + 3 < rows; r += 4) {
          const b = r * cols;
          for (let c = 0; c < cols; c++)
            cs[c] += g[b + c] + g[b + cols + c] + g[b + 2 * cols + c] + g[b + 3 * cols + c];
        }
        for (; r < rows; r++) for (let c = 0; c < cols; c++) cs[c] += g[r * cols + c];
        continue;
      }
      const rs = this.rowSum_S[j];
      const gt = this.transposed[j];
      for (let r = 0; r < rows; r++) {
        let acc = 0;
        for (let c = 0; c < cols; c++) {
          const gv = g[r * cols + c];
          acc += gv;
          cs[c] += gv;
          gt[c * rows + r] = gv;
        }
        rs[r] = acc;
      }
    }
  }
}
