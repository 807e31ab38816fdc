// Keithley 2600B System SourceMeter (2601B/2602B/2611B/2612B/2635B/2636B: smua, and smub on the
// two-channel models) over TSP, not SCPI. Attribute and function names from the Keithley 2600B
// Reference Manual (2600BS-901-01), section 7 "TSP command reference": smuX.source.func,
// .levelv/.leveli, .limiti/.limitv, .rangev/.rangei, .autorangev/.autorangei, .output,
// smuX.measure.nplc/.rangeX/.autorangeX, smuX.measure.i()/v(). Configuration is one chunk (then
// errorqueue); every level change is one chunk setting every channel.
import { formatNumber } from '../scpi/index.ts';
import type { RangeSetting, SmuConfigInput, SourceMeterOptions, SourceMode } from './source-meter.ts';
import { SourceMeter } from './source-meter.ts';
import { TspResponseError, type TspClient } from './tsp-client.ts';

const SMU_NAMES = ['smua', 'smub'] as const;

/** Attribute suffixes: sourcing v measures i, sourcing i measures v. */
const SOURCED = { voltage: 'v', current: 'i' } as const satisfies Record<SourceMode, string>;
const MEASURED = { voltage: 'i', current: 'v' } as const satisfies Record<SourceMode, string>;
const OUTPUT_FUNCTION = { voltage: 'OUTPUT_DCVOLTS', current: 'OUTPUT_DCAMPS' } as const;

export class Keithley2600B extends SourceMeter {
  constructor(
    readonly client: TspClient,
    config: SmuConfigInput,
    options?: SourceMeterOptions,
  ) {
    // Lua statements may follow each other separated by white space on one line.
    super(client, ' ', config, { name: 'keithley2600B', expectedModel: '26', maxChannels: 2 }, options);
  }

  get #smus(): string[] {
    return this.config.channels.map((_, ch) => SMU_NAMES[ch]);
  }

  protected configurationCommands(): string[] {
    const sourced = SOURCED[this.mode];
    const measured = MEASURED[this.mode];
    return this.config.channels.flatMap((channel, ch) => {
      const smu = SMU_NAMES[ch];
      return [
        `${smu}.source.func = ${smu}.${OUTPUT_FUNCTION[this.mode]}`,
        range(`${smu}.source`, sourced, smu, channel.sourceRange),
        `${smu}.source.level${sourced} = 0`,
        `${smu}.source.limit${measured} = ${formatNumber(channel.compliance)}`,
        range(`${smu}.measure`, measured, smu, channel.measureRange),
        `${smu}.measure.nplc = ${formatNumber(channel.nplc)}`,
      ];
    });
  }

  protected levelCommands(levels: Float64Array, outputOn: boolean): string[] {
    const sourced = SOURCED[this.mode];
    const set = this.#smus.map(
      (smu, ch) =>
        `${smu}.source.level${sourced} = ${formatNumber(levels[ch], `${this.name}.ch${ch}.level`)}`,
    );
    return outputOn ? [...set, ...this.#smus.map((smu) => `${smu}.source.output = ${smu}.OUTPUT_ON`)] : set;
  }

  protected safeCommands(channel: number): string[] {
    const smu = SMU_NAMES[channel];
    return [`${smu}.source.level${SOURCED[this.mode]} = 0`, `${smu}.source.output = ${smu}.OUTPUT_OFF`];
  }

  /** The measured quantity of every channel in one round trip: `print(smua.measure.i(), ...)`. */
  async measure(): Promise<Float64Array> {
    const expressions = this.#smus.map((smu) => `${smu}.measure.${MEASURED[this.mode]}()`).join(', ');
    const values = await this.client.queryNumbers(expressions);
    if (values.length !== this.channels) {
      throw new TspResponseError(
        this.client.resource,
        `print(${expressions})`,
        values.join('\t'),
        `holds ${values.length} values for ${this.channels} channels`,
      );
    }
    return Float64Array.from(values);
  }
}

/** `<prefix>.autorange<q> = <smu>.AUTORANGE_ON` or `<prefix>.range<q> = <value>`. */
function range(prefix: string, quantity: string, smu: string, setting: RangeSetting): string {
  return setting === 'auto'
    ? `${prefix}.autorange${quantity} = ${smu}.AUTORANGE_ON`
    : `${prefix}.range${quantity} = ${formatNumber(setting)}`;
}
