// The crossbar test board over nudged's SCPI dialect (docs/protocols/crossbar-board.md, v1.0):
// input-line voltages, nudge currents, sample-and-hold of every node, pulse batches and bulk
// conductance read-out, each one program message (one round trip where there is a reply), with
// every value checked against the configured limits before anything is sent. configure() also
// pushes those limits to the board's own LIMit subsystem, so the board enforces them as well.
import * as z from 'zod';
import type {
  ArrayGeometry,
  ConductanceReader,
  CurrentSource,
  Identity,
  NodeSampler,
  Pulse,
  PulseProgrammer,
  PulseReport,
  SampleOptions,
  VoltageSource,
} from '../../src/capabilities/index.ts';
import {
  encodeBinary,
  formatNumber,
  ScpiResponseError,
  type BinaryFormat,
  type ScpiClient,
} from '../scpi/index.ts';
import { checkIdentity } from './identity.ts';
import { checkLevels, checkRange, parseConfig, RangeSchema } from './limits.ts';
import { encodePulseBatch, MAX_PULSE_COUNT } from './crossbar-pulses.ts';

const GEOMETRY_MAX = 0xffff;
/** §7: hold delay 0 … 10 s, 1 … 1024 conversions averaged. */
const MAX_SAMPLE_DELAY_S = 10;
const MAX_AVERAGES = 1024;
/** §5 bias schemes for unselected lines, by their short form. */
const BIAS = { 'V/2': 'VHAL', 'V/3': 'VTH', ground: 'GRO', float: 'FLO' } as const;

export const CrossbarBoardConfigSchema = z.object({
  name: z.string().min(1).default('crossbar'),
  /** Checked against the *IDN? model field (substring, case-insensitive) when given. */
  expectedModel: z.string().min(1).optional(),
  /** What the bench wiring expects; configure() compares it with the board's description. */
  layout: z.object({
    lines: z.number().int().positive(),
    nodes: z.number().int().positive(),
    outputs: z.number().int().positive(),
    arrays: z
      .array(
        z.object({
          rows: z.number().int().min(1).max(GEOMETRY_MAX),
          cols: z.number().int().min(1).max(GEOMETRY_MAX),
        }),
      )
      .min(1)
      .max(256),
  }),
  limits: z.object({
    /** Input-line voltages, V (LIMit:VOLTage). */
    voltage_V: RangeSchema,
    /** Nudge currents, A, positive into the node (LIMit:CURRent). */
    current_A: RangeSchema,
    pulse: z.object({
      amplitude_V: z.number().positive(),
      width_s: RangeSchema.refine((r) => r.min > 0, { message: 'pulse widths must be positive' }),
      count: z.number().int().min(1).max(MAX_PULSE_COUNT),
    }),
    /** Largest read-voltage magnitude, V (LIMit:READ:VOLTage). */
    readVoltage_V: z.number().positive(),
  }),
  bias: z.enum(['V/2', 'V/3', 'ground', 'float']).default('V/2'),
  /** Byte order of binary64 blocks (FORMat:BORDer): little = SWAPped, big = NORMal. */
  byteOrder: z.enum(['little', 'big']).default('little'),
  /** Timeout of the pulse-batch reply, ms; default: the transport's. */
  pulseTimeout_ms: z.number().positive().optional(),
});
export type CrossbarBoardConfigInput = z.input<typeof CrossbarBoardConfigSchema>;
export type CrossbarBoardConfig = z.output<typeof CrossbarBoardConfigSchema>;

/** The board describes a layout other than the bench wiring expects. */
export class LayoutMismatchError extends Error {
  override readonly name = 'LayoutMismatchError';
  constructor(
    readonly field: string,
    readonly configured: string,
    readonly reported: string,
  ) {
    super(`${field}: configured ${configured}, the board reports ${reported}`);
  }
}

export class CrossbarBoard {
  readonly config: CrossbarBoardConfig;
  readonly name: string;
  readonly arrays: readonly ArrayGeometry[];
  readonly #format: BinaryFormat;
  #configured = false;

  constructor(
    readonly client: ScpiClient,
    config: CrossbarBoardConfigInput,
  ) {
    this.config = parseConfig(CrossbarBoardConfigSchema, config, 'crossbar board');
    this.name = this.config.name;
    this.arrays = this.config.layout.arrays.map((a) => Object.freeze({ ...a }));
    this.#format = { element: 'float64', endian: this.config.byteOrder };
  }

  /** *IDN? (checked when expectedModel is set), the layout compared with the configured one,
   * then formats, bias and limits in one checked message. */
  async configure(): Promise<Identity> {
    const identity = await this.client.identify();
    if (this.config.expectedModel !== undefined)
      checkIdentity(this.name, identity, this.config.expectedModel);
    await this.#checkLayout();
    const { limits } = this.config;
    const pair = (r: { min: number; max: number }) => `${formatNumber(r.min)},${formatNumber(r.max)}`;
    await this.client.writeChecked(
      [
        this.#formatCommands(),
        `:LIM:VOLT ${pair(limits.voltage_V)}`,
        `:LIM:CURR ${pair(limits.current_A)}`,
        `:LIM:PULS:AMPL ${formatNumber(limits.pulse.amplitude_V)}`,
        `:LIM:PULS:WIDT ${pair(limits.pulse.width_s)}`,
        `:LIM:PULS:COUN ${limits.pulse.count}`,
        `:LIM:READ:VOLT ${formatNumber(limits.readVoltage_V)}`,
      ].join(';'),
    );
    this.#configured = true;
    return identity;
  }

  /** All input lines in one block (§4) with `:SYST:ERR?` in the same message: returns once the
   * board has applied them; a refused block throws ScpiInstrumentError. One round trip. */
  async setVoltages(levels: Float64Array): Promise<void> {
    this.#requireConfigured('levels are set');
    const { lines } = this.config.layout;
    checkLevels(this.name, 'voltage_V', levels, Array(lines).fill(this.config.limits.voltage_V));
    await this.client.writeBlockConfirmed('SOUR:VOLT', encodeBinary(levels, this.#format));
  }

  /** All nudge currents in one block (§4), amperes, positive into the output node; confirmed in
   * the same message like setVoltages(). */
  async setCurrents(levels: Float64Array): Promise<void> {
    this.#requireConfigured('currents are set');
    const { outputs } = this.config.layout;
    checkLevels(this.name, 'current_A', levels, Array(outputs).fill(this.config.limits.current_A));
    await this.client.writeBlockConfirmed('SOUR:CURR', encodeBinary(levels, this.#format));
  }

  /** Holds every node at `delay_s` after the message, averages conversions, returns the node
   * voltages (§7): one query. */
  async sampleAndRead(options: SampleOptions = {}): Promise<Float64Array> {
    this.#requireConfigured('sampling');
    const delay = options.delay_s ?? 0;
    const averages = options.averages ?? 1;
    if (!(delay >= 0 && delay <= MAX_SAMPLE_DELAY_S)) {
      throw new RangeError(`${this.name}.sample.delay_s=${delay} must be in [0, ${MAX_SAMPLE_DELAY_S}]`);
    }
    if (!Number.isInteger(averages) || averages < 1 || averages > MAX_AVERAGES) {
      throw new RangeError(
        `${this.name}.sample.averages=${averages} must be an integer in [1, ${MAX_AVERAGES}]`,
      );
    }
    return this.#queryValues(`SAMP:READ? ${formatNumber(delay)},${averages}`, this.config.layout.nodes);
  }

  /** Row-major conductances of one array at a read voltage (§6): one query. */
  async readConductances(array: number, readVoltage_V: number): Promise<Float64Array> {
    this.#requireConfigured('reading conductances');
    if (!Number.isInteger(array) || array < 0 || array >= this.arrays.length) {
      throw new RangeError(
        `${this.name}.read.array=${array} must be an integer in [0, ${this.arrays.length - 1}]`,
      );
    }
    const max = this.config.limits.readVoltage_V;
    checkRange(`${this.name}.read.voltage_V`, readVoltage_V, { min: -max, max });
    if (readVoltage_V === 0) throw new RangeError(`${this.name}.read.voltage_V must be nonzero`);
    const { rows, cols } = this.arrays[array];
    return this.#queryValues(`MEAS:COND? ${array},${formatNumber(readVoltage_V)}`, rows * cols);
  }

  /**
   * Applies a batch as one block of pulse records with the count query in the same message
   * (§5: `PROG:PULS:BATC #…;BATC:COUN?`). A refused batch (count 0) surfaces the board's error
   * queue as a ScpiInstrumentError.
   */
  async applyPulses(batch: readonly Pulse[]): Promise<PulseReport> {
    this.#requireConfigured('pulses are applied');
    const { records, pulses } = encodePulseBatch(this.name, batch, this.arrays, this.config.limits.pulse);
    if (batch.length === 0) return { applied: 0 };
    const applied = await this.#sendBatch(records);
    if (applied !== pulses) {
      await this.client.checkErrors();
      throw new ScpiResponseError(
        this.client.resource,
        'PROG:PULS:BATC:COUN?',
        String(applied),
        `reports ${applied} pulses applied, the batch holds ${pulses}`,
      );
    }
    return { applied };
  }

  /**
   * *RST (§9: every line 0 V, every current 0 A, pulse engine idle; limits kept) and the
   * driver's formats and bias restored, in one message. Idempotent.
   */
  async safeState(): Promise<void> {
    await this.client.write(`*RST;${this.#formatCommands()}`);
  }

  checkErrors(): Promise<void> {
    return this.client.checkErrors();
  }

  inputLines(): VoltageSource {
    return {
      kind: 'voltage-source',
      channels: this.config.layout.lines,
      range: Object.freeze({ ...this.config.limits.voltage_V }),
      setVoltages: (levels) => this.setVoltages(levels),
      safeState: () => this.safeState(),
    };
  }

  nudgeCurrents(): CurrentSource {
    return {
      kind: 'current-source',
      channels: this.config.layout.outputs,
      range: Object.freeze({ ...this.config.limits.current_A }),
      setCurrents: (levels) => this.setCurrents(levels),
      safeState: () => this.safeState(),
    };
  }

  nodeSampler(): NodeSampler {
    return {
      kind: 'node-sampler',
      channels: this.config.layout.nodes,
      sampleAndRead: (options) => this.sampleAndRead(options),
    };
  }

  pulseProgrammer(): PulseProgrammer {
    return {
      kind: 'pulse-programmer',
      applyPulses: (batch) => this.applyPulses(batch),
      safeState: () => this.safeState(),
    };
  }

  conductanceReader(): ConductanceReader {
    return {
      kind: 'conductance-reader',
      arrays: this.arrays,
      readConductances: (array, voltage) => this.readConductances(array, voltage),
    };
  }

  #formatCommands(): string {
    const order = this.config.byteOrder === 'little' ? 'SWAP' : 'NORM';
    return `:FORM REAL,64;:FORM:BORD ${order};:PROG:BIAS ${BIAS[this.config.bias]}`;
  }

  async #checkLayout(): Promise<void> {
    const { layout } = this.config;
    const counts = await this.#queryUnits('LINE:COUN?;:NODE:COUN?;:NODE:OUTP:COUN?;:ARR:COUN?', 4);
    const expected = [layout.lines, layout.nodes, layout.outputs, layout.arrays.length];
    ['lines', 'nodes', 'outputs', 'arrays.length'].forEach((field, i) => {
      if (Number(counts[i]) !== expected[i]) {
        throw new LayoutMismatchError(`${this.name}.layout.${field}`, String(expected[i]), counts[i]);
      }
    });
    const sizes = await this.#queryUnits(
      layout.arrays.map((_, a) => `:ARR:SIZE? ${a}`).join(';'),
      layout.arrays.length,
    );
    layout.arrays.forEach((geometry, a) => {
      const configured = `${geometry.rows},${geometry.cols}`;
      if (sizes[a].replaceAll(' ', '') !== configured) {
        throw new LayoutMismatchError(`${this.name}.layout.arrays[${a}]`, configured, sizes[a]);
      }
    });
  }

  /** A compound query's response units (§1: separated by `;`). */
  async #queryUnits(query: string, units: number): Promise<string[]> {
    const response = await this.client.query(query);
    const parts = response.split(';').map((p) => p.trim());
    if (parts.length !== units) {
      throw new ScpiResponseError(
        this.client.resource,
        query,
        response,
        `has ${parts.length} units, expected ${units}`,
      );
    }
    return parts;
  }

  async #queryValues(query: string, count: number): Promise<Float64Array> {
    const values = await this.client.queryBinary(query, this.#format);
    if (values.length !== count) {
      throw new ScpiResponseError(
        this.client.resource,
        query,
        `<${values.length} values>`,
        `holds ${values.length} values, expected ${count}`,
      );
    }
    return values;
  }

  /** The records block and the count query in one message (§5), one round trip. */
  async #sendBatch(records: Uint8Array): Promise<number> {
    const io =
      this.config.pulseTimeout_ms === undefined ? undefined : { timeout_ms: this.config.pulseTimeout_ms };
    const reply = await this.client.queryWithBlock('PROG:PULS:BATC', records, 'BATC:COUN?', io);
    if (!/^\d+$/.test(reply)) {
      throw new ScpiResponseError(this.client.resource, 'PROG:PULS:BATC:COUN?', reply, 'is not an NR1 count');
    }
    return Number(reply);
  }

  #requireConfigured(operation: string): void {
    if (!this.#configured) throw new Error(`${this.name}: configure() must run before ${operation}`);
  }
}
