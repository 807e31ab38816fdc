// Keithley 2450 SourceMeter over SCPI. Command syntax from the Model 2450 Reference Manual
// (2450-901-01 Rev. B), section 6 "SCPI command reference". Configuration is one compound
// message (then SYST:ERR? until empty); every level change is one write.
import type { ReadOptions } from '../transports/transport.ts';
import { formatNumber, ScpiResponseError, type ScpiClient } from '../scpi/index.ts';
import { rangeCommand, SENSE_FUNCTION, SOURCE_FUNCTION } from './scpi-smu.ts';
import { SourceMeter, type SmuConfigInput, type SourceMeterOptions } from './source-meter.ts';

/** The 2450's default reading buffer, where :READ? and sweeps store readings. */
const BUFFER = '"defbuffer1"';
/** §6 :SOURce[1]:LIST:<function>: a source list holds at most 100 values. */
export const KEITHLEY_2450_MAX_LIST_POINTS = 100;
/** §6 :SOURce[1]:<function>:<x>LIMit: ILIM when sourcing voltage, VLIM when sourcing current. */
const LIMIT = { voltage: 'ILIM', current: 'VLIM' } as const;

export interface LinearSweep {
  start: number;
  stop: number;
  /** Source points including start and stop, ≥ 2. */
  points: number;
  /** Source delay before each measurement, seconds. Default 0. */
  delay_s?: number;
}

export class Keithley2450 extends SourceMeter {
  constructor(
    readonly client: ScpiClient,
    config: SmuConfigInput,
    options?: SourceMeterOptions,
  ) {
    super(client, ';', config, { name: 'keithley2450', expectedModel: '2450', maxChannels: 1 }, options);
  }

  get #source(): string {
    return SOURCE_FUNCTION[this.mode];
  }

  protected configurationCommands(): string[] {
    const channel = this.config.channels[0];
    const source = this.#source;
    const sense = SENSE_FUNCTION[this.mode];
    return [
      `:SOUR:FUNC ${source}`,
      rangeCommand(`:SOUR:${source}`, channel.sourceRange),
      `:SOUR:${source}:${LIMIT[this.mode]} ${formatNumber(channel.compliance)}`,
      `:SOUR:${source} 0`,
      `:SENS:FUNC "${sense}"`,
      rangeCommand(`:SENS:${sense}`, channel.measureRange),
      `:SENS:${sense}:NPLC ${formatNumber(channel.nplc)}`,
    ];
  }

  protected levelCommands(levels: Float64Array, outputOn: boolean): string[] {
    const level = `:SOUR:${this.#source} ${formatNumber(levels[0], `${this.name}.level`)}`;
    return outputOn ? [level, ':OUTP ON'] : [level];
  }

  protected safeCommands(): string[] {
    return [`:SOUR:${this.#source} 0`, ':OUTP OFF'];
  }

  /** :READ? — one measurement of the measured quantity (current when sourcing voltage), stored
   * in defbuffer1. Overrange readings come back as ±Infinity. */
  read(): Promise<number> {
    return this.client.queryNumber(':READ?');
  }

  /** :MEASure:<function>? of the configured measure function (§6 :MEASure:<function>?; asking
   * for another function would switch the instrument's measure function). */
  measure(): Promise<number> {
    return this.client.queryNumber(`:MEAS:${SENSE_FUNCTION[this.mode]}?`);
  }

  /**
   * A linear sweep run by the instrument (§6 :SOURce[1]:SWEep:<function>:LINear, :INITiate,
   * :TRACe:DATA?): configured and checked in one message, then run and read back in one round
   * trip. Returns one reading per point. The output is left on at `stop`.
   */
  async sweepLinear(sweep: LinearSweep, options: ReadOptions = {}): Promise<Float64Array> {
    this.requireConfigured('a sweep');
    this.checkLevel(0, sweep.start, 'start');
    this.checkLevel(0, sweep.stop, 'stop');
    if (!Number.isSafeInteger(sweep.points) || sweep.points < 2) {
      throw new RangeError(`${this.name}.sweep.points must be an integer >= 2, got ${sweep.points}`);
    }
    const delay = this.#delay(sweep.delay_s);
    const args = [sweep.start, sweep.stop, sweep.points, delay].map((v) => formatNumber(v)).join(',');
    await this.client.writeChecked(`:TRAC:CLE ${BUFFER};:SOUR:SWE:${this.#source}:LIN ${args}`);
    return this.#run(sweep.points, sweep.stop, options);
  }

  /**
   * A list sweep (§6 :SOURce[1]:LIST:<function>, :SOURce[1]:SWEep:<function>:LIST): the list
   * and sweep in one checked message, then run and read back in one round trip. At most 100
   * levels. The output is left on at the last level.
   */
  async sweepList(levels: readonly number[], delay_s = 0, options: ReadOptions = {}): Promise<Float64Array> {
    this.requireConfigured('a sweep');
    if (levels.length < 1 || levels.length > KEITHLEY_2450_MAX_LIST_POINTS) {
      throw new RangeError(
        `${this.name}.sweep.levels must hold 1 to ${KEITHLEY_2450_MAX_LIST_POINTS} levels, got ${levels.length}`,
      );
    }
    levels.forEach((level, i) => this.checkLevel(0, level, `list[${i}]`));
    const delay = formatNumber(this.#delay(delay_s));
    const list = levels.map((v) => formatNumber(v)).join(',');
    const source = this.#source;
    await this.client.writeChecked(
      `:TRAC:CLE ${BUFFER};:SOUR:LIST:${source} ${list};:SOUR:SWE:${source}:LIST 1,${delay}`,
    );
    return this.#run(levels.length, levels[levels.length - 1], options);
  }

  #delay(delay_s: number | undefined): number {
    const delay = delay_s ?? 0;
    if (!(delay >= 0 && Number.isFinite(delay))) {
      throw new RangeError(`${this.name}.sweep.delay_s must be a finite number >= 0, got ${delay}`);
    }
    return delay;
  }

  // *WAI holds the buffer query until the sweep's trigger model has finished (IEEE 488.2 §10.39).
  async #run(points: number, last: number, options: ReadOptions): Promise<Float64Array> {
    const query = `:INIT;*WAI;:TRAC:DATA? 1,${points},${BUFFER},READ`;
    const readings = await this.client.queryNumbers(query, options);
    this.noteLevels(Float64Array.of(last), true);
    if (readings.length !== points) {
      throw new ScpiResponseError(
        this.client.resource,
        query,
        readings.join(','),
        `holds ${readings.length} readings, the sweep has ${points} points`,
      );
    }
    return Float64Array.from(readings);
  }
}
