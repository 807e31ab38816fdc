// Keithley 2400 SourceMeter (SCPI-1999 era, also 2401/2410/2420 with expectedModel). Command
// syntax from the Series 2400 SourceMeter User's Manual (2400S-900-01), section 18 "SCPI command
// reference": SOURce, SENSe (compliance is :SENSe:<function>:PROTection), FORMat:ELEMents,
// OUTPut, :READ?. Configuration is one compound message; every level change is one write.
import { formatNumber, type ScpiClient } from '../scpi/index.ts';
import { rangeCommand, SENSE_FUNCTION, SOURCE_FUNCTION } from './scpi-smu.ts';
import { SourceMeter, type SmuConfigInput, type SourceMeterOptions } from './source-meter.ts';

/**
 * Serial settings for the 2400's RS-232 port (User's Manual section 14 "RS-232 interface
 * operation"): baud rate, data bits, parity, flow control and the terminator are chosen on the
 * front panel (MENU ▸ COMMUNICATION ▸ RS-232); the instrument does not report them. Open the
 * serial transport with the same values; this is the selection the driver is tested with.
 */
export const KEITHLEY_2400_RS232 = {
  baud: 9600,
  dataBits: 8,
  parity: 'none',
  stopBits: 1,
  flowControl: 'none',
  /** TERMINATOR <CR>: both directions end in CR. */
  terminator: '\r',
} as const;

export interface Reading2400 {
  voltage_V: number;
  current_A: number;
}

export class Keithley2400 extends SourceMeter {
  constructor(
    readonly client: ScpiClient,
    config: SmuConfigInput,
    options?: SourceMeterOptions,
  ) {
    super(client, ';', config, { name: 'keithley2400', expectedModel: '2400', maxChannels: 1 }, options);
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
      // FIXed: a DC level, not a sweep or list (§18 :SOURce:<function>:MODE).
      `:SOUR:${source}:MODE FIX`,
      rangeCommand(`:SOUR:${source}`, channel.sourceRange),
      `:SOUR:${source}:LEV 0`,
      `:SENS:FUNC "${sense}"`,
      `:SENS:${sense}:PROT ${formatNumber(channel.compliance)}`,
      rangeCommand(`:SENS:${sense}`, channel.measureRange),
      `:SENS:${sense}:NPLC ${formatNumber(channel.nplc)}`,
      // :READ? then returns exactly "<voltage>,<current>" (§18 FORMat:ELEMents).
      ':FORM:ELEM VOLT,CURR',
    ];
  }

  protected levelCommands(levels: Float64Array, outputOn: boolean): string[] {
    const level = `:SOUR:${this.#source}:LEV ${formatNumber(levels[0], `${this.name}.level`)}`;
    return outputOn ? [level, ':OUTP ON'] : [level];
  }

  protected safeCommands(): string[] {
    return [`:SOUR:${this.#source}:LEV 0`, ':OUTP OFF'];
  }

  /** :READ? with the elements configured by FORM:ELEM VOLT,CURR. The 2400 only measures with
   * the output on (error +803 otherwise). A reading in compliance is the compliance value. */
  async read(): Promise<Reading2400> {
    const values = await this.client.queryNumbers(':READ?');
    if (values.length !== 2) {
      throw new RangeError(
        `${this.name}: :READ? returned ${values.length} values, FORM:ELEM VOLT,CURR gives 2`,
      );
    }
    return { voltage_V: values[0], current_A: values[1] };
  }
}
