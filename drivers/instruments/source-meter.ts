// The driver base shared by the SMUs: configured limits per channel, limit checks before any
// byte is sent, optional ramping, the output switched on with the first level after configure()
// or safeState(), safeState() across every channel, and capability views (VoltageSource or
// CurrentSource, depending on the configured source mode). A concrete driver only says which
// commands its instrument needs; the base joins them into one message per operation.
import * as z from 'zod';
import type { CurrentSource, Identity, VoltageSource } from '../../src/capabilities/index.ts';
import { checkIdentity } from './identity.ts';
import {
  channelField,
  ChannelLimitsSchema,
  checkLevels,
  checkMagnitude,
  checkRange,
  commonRange,
  parseConfig,
  type Range,
} from './limits.ts';
import { RampSchema, rampSteps, runRamp, wallClockSleep, type Sleep } from './ramp.ts';
import { safeEachChannel } from './safe-state.ts';

/** A fixed range (the largest magnitude expected, in the quantity's unit) or autorange. */
export const RangeSettingSchema = z.union([z.literal('auto'), z.number().positive()]);
export type RangeSetting = z.infer<typeof RangeSettingSchema>;

export const SmuChannelSchema = z.object({
  limits: ChannelLimitsSchema,
  /** Programmed at configure(): the current limit (A) when sourcing voltage, the voltage limit
   * (V) when sourcing current. Must not exceed `limits.compliance`. */
  compliance: z.number().positive(),
  /** Measurement integration time in power-line cycles. */
  nplc: z.number().positive().default(1),
  sourceRange: RangeSettingSchema.default('auto'),
  measureRange: RangeSettingSchema.default('auto'),
});
export type SmuChannelConfig = z.output<typeof SmuChannelSchema>;

export const SmuConfigSchema = z.object({
  /** Names the instrument in errors and logs. Default: the driver's model name. */
  name: z.string().min(1).optional(),
  /** voltage: source V, measure I (a VoltageSource); current: source I, measure V. */
  mode: z.enum(['voltage', 'current']),
  channels: z.array(SmuChannelSchema).min(1),
  ramp: RampSchema.optional(),
  /** Checked against the *IDN? model field (substring, case-insensitive). Default per driver. */
  expectedModel: z.string().min(1).optional(),
});
export type SmuConfigInput = z.input<typeof SmuConfigSchema>;
export type SmuConfig = z.output<typeof SmuConfigSchema>;
export type SourceMode = SmuConfig['mode'];

export interface SourceMeterOptions {
  /** Pauses of level ramps. Default: the wall clock. */
  sleep?: Sleep;
}

/** What the base needs from a protocol client (ScpiClient and TspClient both provide it). */
export interface CommandLink {
  identify(): Promise<Identity>;
  /** One program message, no reply. */
  write(message: string): Promise<void>;
  /** One program message, then the error queue drained; throws a typed error if it held any. */
  writeChecked(message: string): Promise<void>;
  /** One program message, returning once the instrument has executed it without error; throws
   * the typed error with every queued error otherwise. */
  writeConfirmed(message: string): Promise<void>;
  checkErrors(): Promise<void>;
}

export interface ModelDefaults {
  name: string;
  expectedModel: string;
  maxChannels: number;
}

export abstract class SourceMeter {
  readonly name: string;
  readonly config: SmuConfig;
  readonly mode: SourceMode;
  readonly channels: number;
  readonly expectedModel: string;
  /** The unit-suffixed quantity this driver sources, as it appears in LimitError fields. */
  readonly quantity: 'voltage_V' | 'current_A';
  protected readonly sleep: Sleep;
  readonly #levels: Float64Array;
  readonly #ranges: readonly Range[];
  #outputOn = false;
  #configured = false;

  protected constructor(
    protected readonly link: CommandLink,
    /** Joins the commands of one operation into one program message. */
    protected readonly separator: string,
    config: SmuConfigInput,
    defaults: ModelDefaults,
    options: SourceMeterOptions = {},
  ) {
    this.config = parseConfig(SmuConfigSchema, config, defaults.name);
    this.name = this.config.name ?? defaults.name;
    if (this.config.channels.length > defaults.maxChannels) {
      throw new RangeError(
        `${this.name}.channels: ${this.config.channels.length} configured, the model has ${defaults.maxChannels}`,
      );
    }
    this.mode = this.config.mode;
    this.channels = this.config.channels.length;
    this.expectedModel = this.config.expectedModel ?? defaults.expectedModel;
    this.quantity = this.mode === 'voltage' ? 'voltage_V' : 'current_A';
    this.#ranges = this.config.channels.map((c) => c.limits[this.quantity]);
    this.#levels = new Float64Array(this.channels);
    this.sleep = options.sleep ?? wallClockSleep;
  }

  /** The last level written to each channel (0 after configure() and safeState()). */
  get levels(): Float64Array {
    return Float64Array.from(this.#levels);
  }

  get outputOn(): boolean {
    return this.#outputOn;
  }

  /**
   * Checks every compliance against its limit (before anything is sent), verifies the identity,
   * then sends the whole configuration as one message and drains the error queue. Levels are 0
   * and outputs stay off until the first setLevels().
   */
  async configure(): Promise<Identity> {
    const [unit, limitKey] =
      this.mode === 'voltage' ? (['A', 'current_A'] as const) : (['V', 'voltage_V'] as const);
    this.config.channels.forEach((c, ch) =>
      checkMagnitude(
        channelField(this.name, ch, `compliance_${unit}`),
        c.compliance,
        c.limits.compliance[limitKey],
      ),
    );
    const identity = checkIdentity(this.name, await this.link.identify(), this.expectedModel);
    await this.link.writeChecked(this.configurationCommands().join(this.separator));
    this.#levels.fill(0);
    this.#outputOn = false;
    this.#configured = true;
    return identity;
  }

  /**
   * Sets every channel (volts or amperes, by mode) in one message per write, turning the outputs
   * on with the first write after configure()/safeState(). Limits are checked first; with a
   * ramp the change is split into steps of at most `ramp.step` per channel. Each write is
   * confirmed (writeConfirmed): when this returns the levels are in place, and a level the
   * instrument refused throws its typed error.
   */
  async setLevels(levels: Float64Array): Promise<void> {
    if (!this.#configured) throw new Error(`${this.name}: configure() must run before levels are set`);
    checkLevels(this.name, this.quantity, levels, this.#ranges);
    const ramp = this.config.ramp;
    const steps =
      ramp === undefined ? [Float64Array.from(levels)] : rampSteps(this.#levels, levels, ramp.step);
    await runRamp(steps, (step) => this.#write(step), ramp, this.sleep);
  }

  async #write(levels: Float64Array): Promise<void> {
    await this.link.writeConfirmed(this.levelCommands(levels, !this.#outputOn).join(this.separator));
    this.#outputOn = true;
    this.#levels.set(levels);
  }

  /** Levels to 0 and outputs off, channel by channel, every channel tried; idempotent. */
  async safeState(): Promise<void> {
    this.#outputOn = false;
    await safeEachChannel(this.name, this.channels, async (ch) => {
      await this.link.write(this.safeCommands(ch).join(this.separator));
      this.#levels[ch] = 0;
    });
  }

  /** Drains the instrument's error queue; throws its typed error if the queue held any. */
  checkErrors(): Promise<void> {
    return this.link.checkErrors();
  }

  /** This SMU as the capability the pipeline drives; only in voltage mode. */
  voltageSource(): VoltageSource {
    this.#requireMode('voltage');
    return {
      kind: 'voltage-source',
      channels: this.channels,
      range: commonRange(this.#ranges),
      setVoltages: (levels) => this.setLevels(levels),
      safeState: () => this.safeState(),
    };
  }

  /** This SMU as the capability the pipeline drives; only in current mode. */
  currentSource(): CurrentSource {
    this.#requireMode('current');
    return {
      kind: 'current-source',
      channels: this.channels,
      range: commonRange(this.#ranges),
      setCurrents: (levels) => this.setLevels(levels),
      safeState: () => this.safeState(),
    };
  }

  /** Checks one level against a channel's limit (for operations such as sweeps); the field is
   * e.g. `k2450.ch0.voltage_V.start`. */
  protected checkLevel(channel: number, value: number, what: string): void {
    checkRange(`${channelField(this.name, channel, this.quantity)}.${what}`, value, this.#ranges[channel]);
  }

  /** Records levels an instrument-side operation (a sweep) left on the outputs. */
  protected noteLevels(levels: Float64Array, outputOn: boolean): void {
    this.#levels.set(levels);
    this.#outputOn = outputOn;
  }

  protected requireConfigured(operation: string): void {
    if (!this.#configured) throw new Error(`${this.name}: configure() must run before ${operation}`);
  }

  #requireMode(mode: SourceMode): void {
    if (this.mode !== mode) {
      throw new Error(
        `${this.name}: configured as a ${this.mode} source, not a ${mode} source (config.mode)`,
      );
    }
  }

  /** The whole configuration, one command per setting, levels 0, outputs left off. */
  protected abstract configurationCommands(): string[];
  /** One level per channel, and the output-on commands when `outputOn` is true. */
  protected abstract levelCommands(levels: Float64Array, outputOn: boolean): string[];
  /** Level 0 then output off for one channel. */
  protected abstract safeCommands(channel: number): string[];
}
