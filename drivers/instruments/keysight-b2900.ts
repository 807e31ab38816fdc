// Keysight B2900 series SMUs (B2901/B2902/B2911/B2912: one or two channels). Command syntax from
// the Keysight B2900 SCPI Command Reference: channel-suffixed :SOURce<c>, :SENSe<c> and
// :OUTPut<c> subsystems, compliance as :SENSe<c>:<function>:PROTection, and channel lists
// `(@1,2)` on :MEASure. All channels are configured in one message and set in one message.
import { formatNumber, ScpiResponseError, type ScpiClient } from '../scpi/index.ts';
import { rangeCommand, SENSE_FUNCTION, SOURCE_FUNCTION } from './scpi-smu.ts';
import { SourceMeter, type SmuConfigInput, type SourceMeterOptions } from './source-meter.ts';

export class KeysightB2900 extends SourceMeter {
  constructor(
    readonly client: ScpiClient,
    config: SmuConfigInput,
    options?: SourceMeterOptions,
  ) {
    super(client, ';', config, { name: 'keysightB2900', expectedModel: 'B29', maxChannels: 2 }, options);
  }

  get #source(): string {
    return SOURCE_FUNCTION[this.mode];
  }

  /** Instrument channel numbers (1-based) in driver channel order. */
  get #numbers(): number[] {
    return this.config.channels.map((_, ch) => ch + 1);
  }

  protected configurationCommands(): string[] {
    const source = this.#source;
    const sense = SENSE_FUNCTION[this.mode];
    return this.config.channels.flatMap((channel, ch) => {
      const n = ch + 1;
      return [
        `:SOUR${n}:FUNC:MODE ${source}`,
        rangeCommand(`:SOUR${n}:${source}`, channel.sourceRange),
        `:SOUR${n}:${source} 0`,
        `:SENS${n}:FUNC "${sense}"`,
        `:SENS${n}:${sense}:PROT ${formatNumber(channel.compliance)}`,
        rangeCommand(`:SENS${n}:${sense}`, channel.measureRange),
        `:SENS${n}:${sense}:NPLC ${formatNumber(channel.nplc)}`,
      ];
    });
  }

  protected levelCommands(levels: Float64Array, outputOn: boolean): string[] {
    const source = this.#source;
    const set = this.#numbers.map(
      (n, ch) => `:SOUR${n}:${source} ${formatNumber(levels[ch], `${this.name}.ch${ch}.level`)}`,
    );
    return outputOn ? [...set, ...this.#numbers.map((n) => `:OUTP${n} ON`)] : set;
  }

  protected safeCommands(channel: number): string[] {
    const n = channel + 1;
    return [`:SOUR${n}:${this.#source} 0`, `:OUTP${n} OFF`];
  }

  /** The measured quantity (current when sourcing voltage) of every channel in one query,
   * `:MEAS:<function>? (@1,2)`. The B2900 switches a channel's output on to measure it. */
  async measure(): Promise<Float64Array> {
    // Listed, not as a range (@1:2): the reference's examples all use the (@1,2) form.
    const query = `:MEAS:${SENSE_FUNCTION[this.mode]}? (@${this.#numbers.join(',')})`;
    const values = await this.client.queryNumbers(query);
    if (values.length !== this.channels) {
      throw new ScpiResponseError(
        this.client.resource,
        query,
        values.join(','),
        `holds ${values.length} values for ${this.channels} channels`,
      );
    }
    return Float64Array.from(values);
  }
}
