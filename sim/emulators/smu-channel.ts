// One source-measure unit channel wired to the simulated circuit: sourcing a voltage on an input
// line (measuring the current the line draws) or a current into an output node (measuring the
// node voltage). The SimBoard can drive an input line only with a voltage and an output node only
// with a current, so the other source function is accepted while the output is off and refused
// with -221 Settings conflict when the output is turned on. A channel on a sense connection (a
// reference voltmeter's fixture on an input line or a floating node) drives nothing: it may only
// source 0 A, and measures the true voltage there (before the board's sample-and-hold and ADC).
// A channel on a calibration relay (`sourceNode`, a reference source) is switched to a floating
// node's read-out input while its output is on in voltage mode: the board's sampler then converts
// the SMU's level (through the read-out chain's gain, offset and noise) instead of the node, and
// the channel measures its own level at 0 A (the read-out input draws nothing). Output off, or in
// current mode at 0 A, the relay is open and the sampler reads the node as before.
//
// Compliance: when the measured quantity exceeds the limit (ILIM when sourcing voltage, VLIM when
// sourcing current) the reading is clamped at the limit and `tripped` is set. The circuit itself
// keeps the programmed source level (the board cannot model the SMU turning into the other kind
// of source), which matches a real SMU at the instant the limit is reached.
import { LimitError } from '../../src/capabilities/index.ts';
import { ScpiError } from '../../drivers/scpi/server/index.ts';
import type { EmulatedBench } from './emulated-bench.ts';

export type SmuAttachment =
  | { inputLine: number }
  | { outputNode: number }
  | { senseLine: number }
  | { senseNode: number }
  | { sourceNode: number };
export type SourceFunction = 'VOLTage' | 'CURRent';

/** Measurement ranges of a model, in ascending order. */
export interface SmuRanges {
  voltage_V: readonly number[];
  current_A: readonly number[];
}

export interface SmuDefaults {
  currentLimit_A: number;
  voltageLimit_V: number;
  nplc: number;
}

/** Readings beyond 105 % of a fixed range overflow (SCPI 9.9E37), as on the instruments. */
const OVERRANGE = 1.05;
export const OVERFLOW = 9.9e37;
const LINE_FREQUENCY_HZ = 50;

/** -221 Settings conflict (SCPI-1999 vol.2 §21.8.10): valid data the present state cannot carry out. */
export const settingsConflict = (info: string): ScpiError => new ScpiError(-221, info, 'Settings conflict');

export class SmuChannel {
  sourceFunction: SourceFunction = 'VOLTage';
  senseFunction: SourceFunction = 'CURRent';
  voltageLevel_V = 0;
  currentLevel_A = 0;
  currentLimit_A: number;
  voltageLimit_V: number;
  nplc: number;
  /** Fixed measurement range per function, or undefined for autorange. */
  senseRange: Record<SourceFunction, number | undefined> = { VOLTage: undefined, CURRent: undefined };
  /** Fixed source range per function, or undefined for source autorange. The emulated source is
   * exact on every range; a fixed range only bounds the level (105 % of the range). */
  sourceRange: Record<SourceFunction, number | undefined> = { VOLTage: undefined, CURRent: undefined };
  output = false;
  /** The last measurement hit the compliance limit. */
  tripped = false;

  constructor(
    readonly bench: EmulatedBench,
    readonly attachment: SmuAttachment,
    readonly ranges: SmuRanges,
    readonly defaults: SmuDefaults,
  ) {
    this.currentLimit_A = defaults.currentLimit_A;
    this.voltageLimit_V = defaults.voltageLimit_V;
    this.nplc = defaults.nplc;
  }

  /** *RST: voltage source at 0 V, output off, default limits, autorange. */
  async reset(): Promise<void> {
    this.sourceFunction = 'VOLTage';
    this.senseFunction = 'CURRent';
    this.voltageLevel_V = 0;
    this.currentLevel_A = 0;
    this.currentLimit_A = this.defaults.currentLimit_A;
    this.voltageLimit_V = this.defaults.voltageLimit_V;
    this.nplc = this.defaults.nplc;
    this.senseRange = { VOLTage: undefined, CURRent: undefined };
    this.sourceRange = { VOLTage: undefined, CURRent: undefined };
    this.tripped = false;
    this.output = false;
    await this.apply();
  }

  /** Changes settings; if the circuit refuses the result, every setting is restored. */
  async change(mutate: (channel: this) => void): Promise<void> {
    const saved = {
      sourceFunction: this.sourceFunction,
      voltageLevel_V: this.voltageLevel_V,
      currentLevel_A: this.currentLevel_A,
      output: this.output,
    };
    mutate(this);
    try {
      await this.apply();
    } catch (error) {
      Object.assign(this, saved);
      await this.apply();
      throw error;
    }
  }

  /** Smallest range of a function that holds `value`, -222 if none does. */
  rangeFor(fn: SourceFunction, value: number): number {
    const list = fn === 'VOLTage' ? this.ranges.voltage_V : this.ranges.current_A;
    const found = list.find((r) => Math.abs(value) <= r);
    if (found === undefined) throw new ScpiError(-222, `range ${value} exceeds ${list[list.length - 1]}`);
    return found;
  }

  /** Sets a source level after checking it against a fixed source range (-222 beyond 105 %). */
  async setLevel(fn: SourceFunction, value: number): Promise<void> {
    const range = this.sourceRange[fn];
    if (range !== undefined && Math.abs(value) > OVERRANGE * range) {
      throw new ScpiError(-222, `level ${value} exceeds the fixed source range ${range}`);
    }
    await this.change((c) => {
      if (fn === 'VOLTage') c.voltageLevel_V = value;
      else c.currentLevel_A = value;
    });
  }

  /** A fixed source range (the smallest that holds `value`); the present level must fit. */
  fixSourceRange(fn: SourceFunction, value: number): void {
    const range = this.rangeFor(fn, value);
    const level = fn === 'VOLTage' ? this.voltageLevel_V : this.currentLevel_A;
    if (Math.abs(level) > OVERRANGE * range) {
      throw settingsConflict(`the present level ${level} does not fit the source range ${range}`);
    }
    this.sourceRange[fn] = range;
  }

  /** Source autorange on (undefined range) or off (keeping the range of the present level). */
  autoSourceRange(fn: SourceFunction, on: boolean): void {
    const level = fn === 'VOLTage' ? this.voltageLevel_V : this.currentLevel_A;
    this.sourceRange[fn] = on ? undefined : (this.sourceRange[fn] ?? this.rangeFor(fn, level));
  }

  /** Measures both quantities at the terminals after one integration aperture (NPLC / 50 Hz). */
  async measure(): Promise<{ voltage_V: number; current_A: number }> {
    await this.bench.sync();
    await this.bench.board.timebase.wait(this.nplc / LINE_FREQUENCY_HZ);
    let voltage_V: number;
    let current_A: number;
    if ('sourceNode' in this.attachment) {
      voltage_V = this.#forcing() ? this.voltageLevel_V : this.bench.nodeVoltage(this.attachment.sourceNode);
      current_A = 0;
      this.tripped = false;
    } else if ('senseLine' in this.attachment || 'senseNode' in this.attachment) {
      voltage_V =
        'senseLine' in this.attachment
          ? this.bench.lineVoltage(this.attachment.senseLine)
          : this.bench.nodeVoltage(this.attachment.senseNode);
      current_A = 0;
      this.tripped = Math.abs(voltage_V) > this.voltageLimit_V;
      if (this.tripped) voltage_V = Math.sign(voltage_V) * this.voltageLimit_V;
    } else if ('inputLine' in this.attachment) {
      voltage_V = this.bench.lineVoltage(this.attachment.inputLine);
      current_A = this.bench.lineCurrent(this.attachment.inputLine);
      this.tripped = Math.abs(current_A) > this.currentLimit_A;
      if (this.tripped) current_A = Math.sign(current_A) * this.currentLimit_A;
    } else {
      current_A = this.bench.nudgeCurrent(this.attachment.outputNode);
      voltage_V = this.bench.outputNodeVoltage(this.attachment.outputNode);
      this.tripped = Math.abs(voltage_V) > this.voltageLimit_V;
      if (this.tripped) voltage_V = Math.sign(voltage_V) * this.voltageLimit_V;
    }
    return { voltage_V: this.#ranged('VOLTage', voltage_V), current_A: this.#ranged('CURRent', current_A) };
  }

  /** Measures and returns the reading of one function. */
  async read(fn: SourceFunction = this.senseFunction): Promise<number> {
    const m = await this.measure();
    return fn === 'VOLTage' ? m.voltage_V : m.current_A;
  }

  #ranged(fn: SourceFunction, value: number): number {
    const range = this.senseRange[fn];
    return range !== undefined && Math.abs(value) > OVERRANGE * range ? OVERFLOW : value;
  }

  /** The relay holds the node's read-out input at this channel's level. */
  #forcing(): boolean {
    return this.output && this.sourceFunction === 'VOLTage';
  }

  /** Pushes the source state onto the circuit. */
  async apply(): Promise<void> {
    await this.bench.sync();
    if ('sourceNode' in this.attachment) {
      const node = this.attachment.sourceNode;
      if (this.output && this.sourceFunction === 'CURRent' && this.currentLevel_A !== 0) {
        throw settingsConflict(`the channel sources node ${node}'s read-out input: voltage, or 0 A`);
      }
      this.bench.board.forceReadout(node, this.#forcing() ? this.voltageLevel_V : undefined);
      return;
    }
    if ('senseLine' in this.attachment || 'senseNode' in this.attachment) {
      const where =
        'senseLine' in this.attachment
          ? `input line ${this.attachment.senseLine}`
          : `node ${this.attachment.senseNode}`;
      if (this.output && (this.sourceFunction !== 'CURRent' || this.currentLevel_A !== 0)) {
        throw settingsConflict(`the channel senses ${where}: it can only source 0 A`);
      }
      return;
    }
    const where =
      'inputLine' in this.attachment
        ? `input line ${this.attachment.inputLine}`
        : `output node ${this.attachment.outputNode}`;
    const wanted: SourceFunction = 'inputLine' in this.attachment ? 'VOLTage' : 'CURRent';
    if (this.output && this.sourceFunction !== wanted) {
      throw settingsConflict(`the channel drives ${where}, which can only be sourced with ${wanted}`);
    }
    try {
      if ('inputLine' in this.attachment) {
        const level = this.output ? this.voltageLevel_V : 0;
        await this.bench.setLines(new Map([[this.attachment.inputLine, level]]));
      } else {
        const level = this.output ? this.currentLevel_A : 0;
        await this.bench.setNudge(new Map([[this.attachment.outputNode, level]]));
      }
    } catch (error) {
      if (error instanceof LimitError) {
        throw new ScpiError(
          -222,
          `${where} accepts [${error.limit.min}, ${error.limit.max}], got ${error.value}`,
        );
      }
      throw error;
    }
  }
}

/** A sense function name as the instruments take it: `"CURR"`, `"CURR:DC"`, `"CURRENT"` … */
export function parseFunctionName(name: string): SourceFunction {
  const upper = name.trim().toUpperCase().replace(/:DC$/, '');
  if (upper === 'CURR' || upper === 'CURRENT') return 'CURRent';
  if (upper === 'VOLT' || upper === 'VOLTAGE') return 'VOLTage';
  throw new ScpiError(-224, `measure function "${name}" is not "CURR" or "VOLT"`);
}
