// The one simulated board every emulated instrument of a bench acts on, with the clock rule of
// the emulators: before each operation the board's virtual clock is advanced by the wall time
// elapsed since the previous operation, so the circuit settles in real time between messages (a
// sample taken right after a level change is unsettled only if the circuit's time constants are
// comparable to the message latency). Time an instrument spends on its own (a sample delay, an
// SMU's integration aperture, pulse widths) advances the virtual clock on top of that, without
// the emulator sleeping.
//
// Several instruments drive the input lines (a DAC module's channels, SMU channels, the crossbar
// board's own line drivers): the bench keeps one level per line and hands the whole vector to the
// board whenever any of them changes; the last writer of a line wins.
import { SimBoard } from '../board/index.ts';
import type { SimBoardConfigInput } from '../board/index.ts';

export class EmulatedBench {
  readonly board: SimBoard;
  readonly #lineLevels_V: Float64Array;
  readonly #nudge_A: Float64Array;
  readonly #wallClock_ms: () => number;
  #lastSync_ms: number;

  /** `wallClock_ms` defaults to performance.now(). */
  constructor(boardConfig: SimBoardConfigInput, wallClock_ms: () => number = () => performance.now()) {
    this.board = new SimBoard(boardConfig);
    this.#lineLevels_V = new Float64Array(this.board.layout.inputLines);
    this.#nudge_A = new Float64Array(this.board.layout.outputNodes);
    this.#wallClock_ms = wallClock_ms;
    this.#lastSync_ms = wallClock_ms();
  }

  get inputLines(): number {
    return this.board.layout.inputLines;
  }

  get outputNodes(): number {
    return this.board.layout.outputNodes;
  }

  /** Advances the board's clock by the wall time elapsed since the last call. */
  async sync(): Promise<void> {
    const now = this.#wallClock_ms();
    const elapsed_s = Math.max(0, now - this.#lastSync_ms) / 1000;
    this.#lastSync_ms = now;
    if (elapsed_s > 0) await this.board.timebase.wait(elapsed_s);
  }

  /** Sets some input lines (others keep their level). Throws the board's LimitError/RangeError
   * and leaves every line unchanged if the board refuses the new vector. */
  async setLines(levels_V: ReadonlyMap<number, number> | Float64Array): Promise<void> {
    const next = Float64Array.from(this.#lineLevels_V);
    if (levels_V instanceof Float64Array) {
      if (levels_V.length !== next.length) {
        throw new RangeError(`input lines: ${levels_V.length} levels for ${next.length} lines`);
      }
      next.set(levels_V);
    } else {
      for (const [line, v] of levels_V) {
        checkIndex('input line', line, next.length);
        next[line] = v;
      }
    }
    await this.board.inputs.setVoltages(next);
    this.#lineLevels_V.set(next);
  }

  /** Sets the nudge current of some output nodes (A, positive into the node). */
  async setNudge(levels_A: ReadonlyMap<number, number> | Float64Array): Promise<void> {
    const next = Float64Array.from(this.#nudge_A);
    if (levels_A instanceof Float64Array) {
      if (levels_A.length !== next.length) {
        throw new RangeError(`nudge currents: ${levels_A.length} levels for ${next.length} output nodes`);
      }
      next.set(levels_A);
    } else {
      for (const [node, i] of levels_A) {
        checkIndex('output node', node, next.length);
        next[node] = i;
      }
    }
    await this.board.nudge.setCurrents(next);
    this.#nudge_A.set(next);
  }

  /** All sources to zero. */
  async safeState(): Promise<void> {
    await this.board.safeState();
    this.#lineLevels_V.fill(0);
    this.#nudge_A.fill(0);
  }

  /** The voltage the board applies to an input line (after its DAC), V. */
  lineVoltage(line: number): number {
    checkIndex('input line', line, this.inputLines);
    return this.board.appliedInputs()[line];
  }

  /** Current drawn from an input line, A: the line feeds only row `line` of array 0, so by Ohm's
   * law it is Σ_c g(0,line,c)·(V_line − V_c) over that row's column nodes. */
  lineCurrent(line: number): number {
    checkIndex('input line', line, this.inputLines);
    const { layout, devices } = this.board;
    const { cols } = layout.arrays[0];
    const v = this.board.trueNodeVoltages();
    const vLine = this.board.appliedInputs()[line];
    const first = layout.deviceOffsets[0] + line * cols;
    let current = 0;
    for (let c = 0; c < cols; c++)
      current += devices.g_S[first + c] * (vLine - v[layout.layerOffsets[0] + c]);
    return current;
  }

  /** True voltage of an output node (index among the output nodes), V. */
  outputNodeVoltage(node: number): number {
    checkIndex('output node', node, this.outputNodes);
    return this.board.trueNodeVoltages()[this.board.layout.outputOffset + node];
  }

  /** True voltage of a floating node (sampler numbering), V: what a voltmeter on the node reads. */
  nodeVoltage(node: number): number {
    checkIndex('node', node, this.board.layout.floatingNodes);
    return this.board.trueNodeVoltages()[node];
  }

  /** The nudge current presently injected into an output node, A. */
  nudgeCurrent(node: number): number {
    checkIndex('output node', node, this.outputNodes);
    return this.#nudge_A[node];
  }
}

function checkIndex(what: string, index: number, count: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`${what} ${index} is outside 0..${count - 1}`);
  }
}
