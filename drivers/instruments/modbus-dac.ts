// A Modbus analog-output module as a VoltageSource: one holding register (or register pair) per
// channel, codes mapped linearly to volts by the configured register map (or a preset from
// dac-presets.ts), every channel of a phase written in one write-multiple-registers (FC16).
import * as z from 'zod';
import type { VoltageSource } from '../../src/capabilities/index.ts';
import { decodeValues, encodeValues } from '../modbus/encoding.ts';
import { DAC_PRESETS } from './dac-presets.ts';
import { checkLevels, commonRange, parseConfig, RangeSchema, type Range } from './limits.ts';
import { RampSchema, rampSteps, runRamp, wallClockSleep, type Sleep } from './ramp.ts';
import { safeEachChannel } from './safe-state.ts';

const REGISTER_TYPES = ['uint16', 'int16', 'uint32', 'int32'] as const;

export const DacRegisterMapSchema = z
  .object({
    /** Zero-based holding-register address of channel 0; channel k follows at base + k·width. */
    base: z.number().int().min(0).max(0xffff),
    /** Output channels the module has. */
    channels: z.number().int().min(1).max(64),
    /** Encoding of a code in the register(s). */
    type: z.enum(REGISTER_TYPES),
    /** Byte/word order (drivers/modbus/encoding.ts): for 32-bit codes where the bytes A B C D
     * land; for 16-bit codes BADC or DCBA swap the register's two bytes, ABCD or CDAB do not. */
    wordOrder: z.enum(['ABCD', 'CDAB', 'BADC', 'DCBA']).default('ABCD'),
    /** The code range of the converter, e.g. 0…4095 for 12 bits. */
    codes: z.object({ min: z.number().int(), max: z.number().int() }).refine((c) => c.min < c.max, {
      message: 'codes.min must be below codes.max',
    }),
    /** unipolar: codes.min is 0 V; bipolar: the code range is centred on 0 V. */
    polarity: z.enum(['unipolar', 'bipolar']),
    /** Volts per code step (the span divided by max − min). */
    voltsPerCode: z.number().positive(),
    /** A holding register that identifies the module, read by configure(). */
    identity: z.object({ address: z.number().int().min(0).max(0xffff), value: z.number().int() }).optional(),
  })
  .refine((m) => m.base + m.channels * (m.type.endsWith('32') ? 2 : 1) <= 0x10000, {
    message: 'the channels run past register 65535',
  });
export type DacRegisterMapInput = z.input<typeof DacRegisterMapSchema>;
export type DacRegisterMap = z.output<typeof DacRegisterMapSchema>;

export const ModbusDacConfigSchema = z.object({
  name: z.string().min(1).default('dac'),
  /** A preset name from DAC_PRESETS, or a full register map. */
  registers: z.union([z.enum(Object.keys(DAC_PRESETS) as [keyof typeof DAC_PRESETS]), DacRegisterMapSchema]),
  /** Per used channel (channel k = module output k), what it may output. */
  channels: z.array(z.object({ limits: z.object({ voltage_V: RangeSchema }) })).min(1),
  ramp: RampSchema.optional(),
});
export type ModbusDacConfigInput = z.input<typeof ModbusDacConfigSchema>;

/** What the driver needs from a Modbus client (drivers/modbus ModbusClient provides it). */
export interface RegisterLink {
  readonly resource: string;
  readHoldingRegisters(address: number, count: number): Promise<number[]>;
  /** One request: FC16 (FC06 for a single register). */
  writeRegisters(address: number, values: readonly number[]): Promise<void>;
}

/** The module's identity register holds another value than the register map expects. */
export class ModuleIdentityError extends Error {
  override readonly name = 'ModuleIdentityError';
  constructor(
    readonly field: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${field}: expected 0x${expected.toString(16)}, the module holds 0x${actual.toString(16)}`);
  }
}

export class ModbusDac implements VoltageSource {
  readonly kind = 'voltage-source';
  readonly name: string;
  readonly channels: number;
  readonly map: DacRegisterMap;
  /** The range every used channel may output (the intersection of the channels' limits). */
  readonly range: { readonly min: number; readonly max: number };
  readonly #limits: readonly Range[];
  readonly #ramp: z.output<typeof RampSchema> | undefined;
  readonly #sleep: Sleep;
  readonly #levels: Float64Array;
  #configured = false;

  constructor(
    readonly link: RegisterLink,
    config: ModbusDacConfigInput,
    options: { sleep?: Sleep } = {},
  ) {
    const parsed = parseConfig(ModbusDacConfigSchema, config, 'Modbus DAC');
    this.name = parsed.name;
    this.map =
      typeof parsed.registers === 'string'
        ? parseConfig(DacRegisterMapSchema, DAC_PRESETS[parsed.registers], `preset ${parsed.registers}`)
        : parsed.registers;
    this.channels = parsed.channels.length;
    if (this.channels > this.map.channels) {
      throw new RangeError(
        `${this.name}.channels: ${this.channels} configured, the module has ${this.map.channels}`,
      );
    }
    const output = this.outputRange;
    this.#limits = parsed.channels.map((c, ch) => {
      const { min, max } = c.limits.voltage_V;
      if (min < output.min || max > output.max) {
        throw new RangeError(
          `${this.name}.channels[${ch}].limits.voltage_V [${min}, ${max}] exceeds the output range ` +
            `[${output.min}, ${output.max}]`,
        );
      }
      return c.limits.voltage_V;
    });
    this.range = commonRange(this.#limits);
    this.#ramp = parsed.ramp;
    this.#sleep = options.sleep ?? wallClockSleep;
    this.#levels = new Float64Array(this.channels);
  }

  /** Volts at the lowest and highest code. */
  get outputRange(): Range {
    return { min: this.codeToVolts(this.map.codes.min), max: this.codeToVolts(this.map.codes.max) };
  }

  /** The last level written to each channel (read back by configure()), volts. */
  get levels(): Float64Array {
    return Float64Array.from(this.#levels);
  }

  codeToVolts(code: number): number {
    return this.#zeroOffset + (code - this.map.codes.min) * this.map.voltsPerCode;
  }

  /** The nearest code to `volts` (the caller has checked the range). */
  voltsToCode(volts: number): number {
    const { min, max } = this.map.codes;
    return Math.min(max, Math.max(min, Math.round((volts - this.#zeroOffset) / this.map.voltsPerCode) + min));
  }

  get #zeroOffset(): number {
    const { codes, voltsPerCode, polarity } = this.map;
    return polarity === 'unipolar' ? 0 : (-(codes.max - codes.min) * voltsPerCode) / 2;
  }

  /** Checks the identity register if the map has one, and reads the present outputs back so a
   * ramp starts from where the outputs are. */
  async configure(): Promise<void> {
    const { identity } = this.map;
    if (identity !== undefined) {
      const [actual] = await this.link.readHoldingRegisters(identity.address, 1);
      if (actual !== identity.value) {
        throw new ModuleIdentityError(`${this.name}.registers.identity`, identity.value, actual);
      }
    }
    const registers = await this.link.readHoldingRegisters(this.map.base, this.channels * this.#width);
    const codes = this.#decode(registers);
    codes.forEach((code, ch) => (this.#levels[ch] = this.codeToVolts(code)));
    this.#configured = true;
  }

  /** Every used channel in one write-multiple-registers, after the limit check; ramped if
   * configured. Levels are rounded to the nearest code. */
  async setVoltages(levels: Float64Array): Promise<void> {
    if (!this.#configured) throw new Error(`${this.name}: configure() must run before levels are set`);
    checkLevels(this.name, 'voltage_V', levels, this.#limits);
    const steps =
      this.#ramp === undefined
        ? [Float64Array.from(levels)]
        : rampSteps(this.#levels, levels, this.#ramp.step);
    await runRamp(
      steps,
      async (step) => {
        await this.link.writeRegisters(
          this.map.base,
          this.#encode(Array.from(step, (v) => this.voltsToCode(v))),
        );
        this.#levels.set(step);
      },
      this.#ramp,
      this.#sleep,
    );
  }

  /** Every used channel to 0 V in one write; if that fails, channel by channel (every channel
   * tried), reporting the channels that failed. Idempotent. */
  async safeState(): Promise<void> {
    const zero = this.voltsToCode(0);
    try {
      await this.link.writeRegisters(this.map.base, this.#encode(new Array(this.channels).fill(zero)));
      this.#levels.fill(0);
    } catch {
      await safeEachChannel(this.name, this.channels, async (ch) => {
        await this.link.writeRegisters(this.map.base + ch * this.#width, this.#encode([zero]));
        this.#levels[ch] = 0;
      });
    }
  }

  get #width(): number {
    return this.map.type.endsWith('32') ? 2 : 1;
  }

  get #swapBytes(): boolean {
    return this.#width === 1 && (this.map.wordOrder === 'BADC' || this.map.wordOrder === 'DCBA');
  }

  #encode(codes: number[]): number[] {
    const registers = encodeValues(this.map.type, codes, this.map.wordOrder);
    return this.#swapBytes ? registers.map(swap16) : registers;
  }

  #decode(registers: number[]): number[] {
    return decodeValues(
      this.map.type,
      this.#swapBytes ? registers.map(swap16) : registers,
      this.map.wordOrder,
    );
  }
}

const swap16 = (register: number): number => ((register & 0xff) << 8) | (register >> 8);
