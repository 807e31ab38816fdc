// The emulated crossbar test board's behaviour (docs/protocols/crossbar-board.md), independent of
// the SCPI command tree (crossbar-board-scpi.ts): input-line drivers, nudge current sources, the
// pulse engine, conductance read-out and sample-and-hold, each checked against the board's own
// :LIMit settings, plus the QUEStionable status register.
import { LimitError } from '../../src/capabilities/index.ts';
import type { Pulse } from '../../src/capabilities/index.ts';
import { SimulationError } from '../board/index.ts';
import { ScpiError } from '../../drivers/scpi/server/index.ts';
import type { EmulatedBench } from './emulated-bench.ts';
import { decodePulseRecords } from './pulse-records.ts';

export type BiasScheme = 'VHALf' | 'VTHird' | 'GROund' | 'FLOat';

export interface Range {
  min: number;
  max: number;
}

export interface CrossbarLimits {
  voltage_V: Range;
  current_A: Range;
  pulseAmplitude_V: Range;
  pulseWidth_s: Range;
  pulseCount: Range;
  readVoltage_V: Range;
}

/** STATus:QUEStionable bits of the board. */
export const QUESTIONABLE = {
  /** Event: a request was refused by a :LIMit. */
  LIMIT: 1 << 0,
  /** Event: a pulse batch was refused (nothing applied). */
  PULSE: 1 << 1,
  /** Condition: a channel of the last sample-and-hold read at the ADC's full scale. */
  OVERRANGE: 1 << 2,
  /** Event: the analog circuit did not reach an operating point. */
  CIRCUIT: 1 << 3,
} as const;

/** Device-specific errors (positive codes, SCPI-1999 vol.2 §21.8.13). */
export const limitExceeded = (info: string) => new ScpiError(301, info, 'Limit exceeded');
export const circuitFault = (info: string) => new ScpiError(310, info, 'Circuit fault');

export class CrossbarBoard {
  bias: BiasScheme = 'GROund';
  /** Pulses applied by the last PROGram:PULSe:BATCh (0 if it was refused). */
  lastBatchApplied = 0;
  questionableEvent = 0;
  questionableCondition = 0;
  questionableEnable = 0;
  /** The hardware ratings: the board's :LIMit settings can only narrow them. */
  readonly ratings: CrossbarLimits;
  limits: CrossbarLimits;

  constructor(readonly bench: EmulatedBench) {
    const board = bench.board;
    const l = board.config.limits;
    this.ratings = {
      voltage_V: { ...board.inputs.range },
      current_A: { ...board.nudge.range },
      pulseAmplitude_V: { ...l.pulseAmplitude_V },
      pulseWidth_s: { ...l.pulseWidth_s },
      pulseCount: { ...l.pulseCount },
      readVoltage_V: { ...l.readVoltage_V },
    };
    this.limits = structuredClone(this.ratings);
  }

  get layout() {
    return this.bench.board.layout;
  }

  /** *RST: sources to zero, grounded bias, no batch. Limits and status are kept. */
  async reset(): Promise<void> {
    await this.bench.sync();
    await this.bench.safeState();
    this.bias = 'GROund';
    this.lastBatchApplied = 0;
  }

  /** Narrows (or restores up to the ratings) one limit; -222 beyond the rating. */
  setLimit(name: keyof CrossbarLimits, range: Range): void {
    const rating = this.ratings[name];
    if (!(range.min <= range.max))
      throw new ScpiError(-222, `LIMit ${name}: min ${range.min} > max ${range.max}`);
    if (range.min < rating.min || range.max > rating.max) {
      throw new ScpiError(
        -222,
        `LIMit ${name}: [${range.min}, ${range.max}] exceeds the rating [${rating.min}, ${rating.max}]`,
      );
    }
    this.limits[name] = { ...range };
  }

  async setLineVoltages(levels_V: Float64Array): Promise<void> {
    this.#checkCount('SOURce:VOLTage', levels_V.length, this.layout.inputLines);
    levels_V.forEach((v, i) => this.#check(`line ${i} voltage`, v, this.limits.voltage_V));
    await this.#act(() => this.bench.setLines(levels_V));
  }

  lineVoltages(): Float64Array {
    return this.bench.board.appliedInputs();
  }

  async setNudgeCurrents(levels_A: Float64Array): Promise<void> {
    this.#checkCount('SOURce:CURRent', levels_A.length, this.layout.outputNodes);
    levels_A.forEach((i, k) => this.#check(`output ${k} current`, i, this.limits.current_A));
    await this.#act(() => this.bench.setNudge(levels_A));
  }

  nudgeCurrents(): Float64Array {
    return Float64Array.from({ length: this.layout.outputNodes }, (_, k) => this.bench.nudgeCurrent(k));
  }

  /** Decodes and applies a pulse block; all-or-nothing. Returns the pulses applied. */
  async applyPulseBlock(payload: Uint8Array): Promise<number> {
    this.lastBatchApplied = 0;
    let pulses: Pulse[];
    try {
      pulses = decodePulseRecords(payload);
    } catch (error) {
      this.questionableEvent |= QUESTIONABLE.PULSE;
      throw new ScpiError(-224, (error as Error).message);
    }
    try {
      pulses.forEach((p, i) => {
        this.#check(`record ${i}.amplitude`, p.amplitude_V, this.limits.pulseAmplitude_V);
        this.#check(`record ${i}.width`, p.width_s, this.limits.pulseWidth_s);
        this.#check(`record ${i}.count`, p.count ?? 1, this.limits.pulseCount);
      });
      const report = await this.#act(() => this.bench.board.programmer.applyPulses(pulses));
      this.lastBatchApplied = report.applied;
      return report.applied;
    } catch (error) {
      this.questionableEvent |= QUESTIONABLE.PULSE;
      throw error;
    }
  }

  async readConductances(array: number, readVoltage_V: number): Promise<Float64Array> {
    if (readVoltage_V === 0) throw new ScpiError(-222, 'read voltage must be nonzero');
    this.#check('read voltage magnitude', Math.abs(readVoltage_V), this.limits.readVoltage_V);
    if (array >= this.layout.arrays.length) {
      throw new ScpiError(-222, `array ${array} does not exist (the board has ${this.layout.arrays.length})`);
    }
    return this.#act(() => this.bench.board.reader.readConductances(array, readVoltage_V));
  }

  /** Holds every node channel `delay_s` after now and returns the averaged ADC readings, V. */
  async sampleAndRead(delay_s: number, averages: number): Promise<Float64Array> {
    const readings = await this.#act(() => this.bench.board.sampler.sampleAndRead({ delay_s, averages }));
    const adc = this.bench.board.config.chain.adc;
    const lsb = (adc.max_V - adc.min_V) / 2 ** adc.bits;
    const over = readings.some((v) => v <= adc.min_V || v >= adc.max_V - lsb);
    this.questionableCondition = over
      ? this.questionableCondition | QUESTIONABLE.OVERRANGE
      : this.questionableCondition & ~QUESTIONABLE.OVERRANGE;
    if (over) this.questionableEvent |= QUESTIONABLE.OVERRANGE;
    return readings;
  }

  /** Reads and clears the QUEStionable event register. */
  takeQuestionableEvent(): number {
    const event = this.questionableEvent;
    this.questionableEvent = 0;
    return event;
  }

  #checkCount(header: string, got: number, want: number): void {
    if (got !== want)
      throw new ScpiError(got < want ? -109 : -108, `${header}: ${got} values for ${want} channels`);
  }

  #check(field: string, value: number, limit: Range): void {
    if (!(value >= limit.min && value <= limit.max)) {
      this.questionableEvent |= QUESTIONABLE.LIMIT;
      throw limitExceeded(`${field} ${value} outside [${limit.min}, ${limit.max}]`);
    }
  }

  /** Runs a board operation after syncing the clock, mapping board errors to SCPI errors. */
  async #act<T>(operation: () => Promise<T>): Promise<T> {
    await this.bench.sync();
    try {
      return await operation();
    } catch (error) {
      if (error instanceof LimitError) {
        this.questionableEvent |= QUESTIONABLE.LIMIT;
        throw limitExceeded(error.message);
      }
      if (error instanceof SimulationError) {
        this.questionableEvent |= QUESTIONABLE.CIRCUIT;
        throw circuitFault(error.message);
      }
      if (error instanceof RangeError) throw new ScpiError(-222, error.message);
      throw error;
    }
  }
}
