// The bench configuration (docs/bench-config.md): either the built-in simulated board
// (`kind: sim`) or a bench of instruments (`kind: instruments`) with the wiring that maps their
// channels onto the network, and in both cases the network, the limits every request is checked
// against, the safety timings and the calibration to apply. Units are SI, suffixed on the name.
import { z } from 'zod';
import { networkSchema } from '../network/description.ts';

const index = z.number().int().nonnegative();
const positive = z.number().positive();
const name = z.string().regex(/^[A-Za-z][\w-]*$/, 'a name: letters, digits, _ and -, starting with a letter');

/** An interval of levels; it must contain 0, the level of the safe state. */
const levelRange = z
  .object({ min: z.number(), max: z.number() })
  .strict()
  .refine((r) => r.min <= r.max, { message: 'min must not exceed max' })
  .refine((r) => r.min <= 0 && r.max >= 0, { message: 'the range must contain 0 (the safe-state level)' });
export type LevelRange = z.infer<typeof levelRange>;

/** One range for every channel, or one per channel (input line, output node) in network order. */
const perChannel = z.union([levelRange, z.array(levelRange).min(1)]);

export const limitsSchema = z
  .object({
    /** Input-line voltages, V: one range for every line or one per line. */
    inputVoltage_V: perChannel,
    /** Nudge currents, A, positive into the node: one range for every output node or one per node. */
    nudgeCurrent_A: perChannel,
    /** Largest compliance an SMU may be programmed with: the current limit while it sources
     * voltage, the voltage limit while it sources current. Required when the bench has SMUs. */
    compliance: z.object({ current_A: positive, voltage_V: positive }).strict().optional(),
    pulse: z
      .object({
        /** Largest pulse amplitude magnitude, V. */
        amplitude_V: positive,
        width_s: z
          .object({ min: positive, max: positive })
          .strict()
          .refine((r) => r.min <= r.max, { message: 'min must not exceed max' }),
        /** Most identical pulses in one request. */
        count: z.number().int().min(1),
      })
      .strict(),
    /** Largest conductance-read voltage magnitude, V. */
    readVoltage_V: positive,
    /** Level changes larger than a step are split into steps, `interDelay_s` apart. */
    ramp: z
      .object({
        voltageStep_V: positive.optional(),
        currentStep_A: positive.optional(),
        interDelay_s: z.number().nonnegative().default(0),
      })
      .strict()
      .optional(),
  })
  .strict();
export type BenchLimits = z.infer<typeof limitsSchema>;

export const safetySchema = z
  .object({
    /** A supervised step that makes no capability call for this long is stalled, s. */
    watchdog_s: positive.default(30),
    /** Longest wait for the safe state before it is reported failed, s. */
    safeStateTimeout_s: positive.default(10),
  })
  .strict();

const identitySchema = z
  .object({
    /** Each given field must be contained (case-insensitive) in the instrument's answer. */
    vendor: z.string().min(1).optional(),
    model: z.string().min(1).optional(),
    serial: z.string().min(1).optional(),
  })
  .strict();

/** Settings of the link itself (serial line, terminators), passed to the transport. */
const transportSchema = z
  .object({
    baudRate: z.number().int().positive().optional(),
    dataBits: z.union([z.literal(5), z.literal(6), z.literal(7), z.literal(8)]).optional(),
    parity: z.enum(['none', 'even', 'odd', 'mark', 'space']).optional(),
    stopBits: z.union([z.literal(1), z.literal(1.5), z.literal(2)]).optional(),
    flowControl: z.enum(['none', 'rtscts', 'xonxoff']).optional(),
    readTermination: z.string().optional(),
    writeTermination: z.string().optional(),
    connectTimeout_ms: positive.optional(),
  })
  .strict();

const rangeSetting = z.union([z.literal('auto'), positive]);

const smuOptions = z
  .object({
    /** Channels the instrument has (default: 1 for the 2450/2400, 2 for the 2600B/B2900). */
    channels: z.number().int().min(1).max(2).optional(),
    /** Compliance programmed on every channel (A sourcing voltage, V sourcing current); default
     * the limit, `limits.compliance`. */
    compliance: positive.optional(),
    nplc: positive.optional(),
    sourceRange: rangeSetting.optional(),
    measureRange: rangeSetting.optional(),
  })
  .strict();

const common = {
  name,
  /** VISA-style resource string (drivers/transports/resource-string.ts). */
  resource: z.string().min(1),
  identity: identitySchema.optional(),
  /** Default I/O timeout of the instrument's link, ms. */
  timeout_ms: positive.optional(),
  transport: transportSchema.optional(),
};

export const SMU_KINDS = ['keithley-2450', 'keithley-2400', 'keithley-2600b', 'keysight-b2900'] as const;
export type SmuKind = (typeof SMU_KINDS)[number];

export const instrumentSchema = z.discriminatedUnion('kind', [
  z.object({ ...common, kind: z.enum(SMU_KINDS), options: smuOptions.prefault({}) }).strict(),
  z
    .object({
      ...common,
      kind: z.literal('modbus-dac'),
      options: z
        .object({
          /** Analog outputs the module has. */
          channels: z.number().int().min(1).max(64),
          /** A register-map preset (drivers/instruments/dac-presets.ts) or a full register map;
           * checked when the bench is assembled. */
          registers: z.union([z.string().min(1), z.record(z.string(), z.unknown())]),
        })
        .strict(),
    })
    .strict(),
  z
    .object({
      ...common,
      kind: z.literal('crossbar-board'),
      options: z
        .object({
          /** The board's hardware, as it describes itself; default: exactly the network. */
          layout: z
            .object({
              lines: z.number().int().positive(),
              nodes: z.number().int().positive(),
              outputs: z.number().int().positive(),
              arrays: z
                .array(
                  z.object({ rows: z.number().int().positive(), cols: z.number().int().positive() }).strict(),
                )
                .min(1),
            })
            .strict()
            .optional(),
          bias: z.enum(['V/2', 'V/3', 'ground', 'float']).optional(),
          byteOrder: z.enum(['little', 'big']).optional(),
          pulseTimeout_ms: positive.optional(),
        })
        .strict()
        .prefault({}),
    })
    .strict(),
]);
export type InstrumentConfig = z.infer<typeof instrumentSchema>;
export type InstrumentKind = InstrumentConfig['kind'];

/** Instrument channels, in the same order, drive (or read) these lines or nodes. */
const channels = { instrument: name, channels: z.array(index).min(1) };
const lineGroup = z.object({ ...channels, lines: z.array(index).min(1) }).strict();
const nodeGroup = z.object({ ...channels, nodes: z.array(index).min(1) }).strict();

export const wiringSchema = z
  .object({
    /** Which voltage channels drive which input lines. */
    inputs: z.array(lineGroup).min(1),
    /** Which current channels nudge which output nodes (index among the output nodes). */
    nudge: z.array(nodeGroup).min(1),
    /** Which sampler channels read which floating nodes. */
    sampler: nodeGroup,
    /** Which crossbar array, from which row and column, holds each network layer's array. */
    arrays: z
      .array(
        z
          .object({
            layer: index,
            instrument: name,
            array: index,
            rowOffset: index.default(0),
            colOffset: index.default(0),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type BenchWiring = z.infer<typeof wiringSchema>;

/** One reference voltmeter: a channel of an SMU that sources 0 A (so it loads nothing) and
 * measures the voltage of the input line or floating node its fixture connects it to. */
const referenceMeterSchema = z
  .object({
    instrument: name,
    /** The SMU's channel (0 = the first; smua, or channel 1 of a B2900). */
    channel: index.default(0),
    /** The input line the channel's fixture connects to (after the line's DAC). */
    line: index.optional(),
    /** The floating node (sampler numbering) the channel's fixture connects to. */
    node: index.optional(),
    /** `measure` (default): the channel sources 0 A and reads the voltage there. `source` (a node
     * only): the channel is wired through the board's calibration relay to the node's read-out
     * input and sources known voltages into it (docs/calibration.md). */
    mode: z.enum(['measure', 'source']).default('measure'),
  })
  .strict()
  .refine((m) => (m.line === undefined) !== (m.node === undefined), {
    message: "give either 'line' (an input line) or 'node' (a floating node), exactly one",
  })
  .refine((m) => m.mode === 'measure' || m.node !== undefined, {
    message: "mode 'source' needs 'node': a reference source drives a node's read-out input",
    path: ['mode'],
  });

export const referenceSchema = z
  .object({
    /** The reference voltmeters of the DAC and read-out calibrations (docs/calibration.md). */
    meters: z.array(referenceMeterSchema).min(1),
  })
  .strict();
export type ReferenceConfig = z.infer<typeof referenceSchema>;
export type ReferenceMeterConfig = ReferenceConfig['meters'][number];

export const calibrationSchema = z
  .object({
    /** Id of a calibration record in the daemon's store. */
    record: z.number().int().positive().optional(),
    /** A calibration record file (JSON). */
    file: z.string().min(1).optional(),
  })
  .strict()
  .refine((c) => (c.record === undefined) !== (c.file === undefined), {
    message: "give either 'record' (a calibration record id) or 'file' (a record file), exactly one",
  });
export type CalibrationRef = z.infer<typeof calibrationSchema>;

const base = {
  /** Names the bench in logs and the daemon. */
  name: name.optional(),
  network: networkSchema,
  limits: limitsSchema,
  safety: safetySchema.prefault({}),
  /** The calibration to apply when the bench is assembled: a record of the daemon's store by id,
   * or a calibration record file (JSON; a relative path is resolved against this file's folder).
   * Applied by the `applyCalibration` hook of assembleBench (docs/bench-config.md). */
  calibration: calibrationSchema.optional(),
};

export const simBenchConfigSchema = z
  .object({
    ...base,
    kind: z.literal('sim'),
    /** The SimBoard's own parameters (sim/board/config.ts) except the network and limits, which
     * come from this file: devices, initialConductance, dac, chain, holdToRead_s, seed, …
     * Checked against the SimBoard schema when the bench is checked or assembled. With
     * `fromCalibration` the board is the digital twin of a calibrated bench: the fitted channel
     * errors, node capacitance and device population replace these parameters' own. */
    sim: z
      .object({
        /** A calibration record id of the daemon's store (with the latest record of every other
         * kind beside it), or a record file (JSON; relative to this file's folder). */
        fromCalibration: z.union([z.number().int().positive(), z.string().min(1)]).optional(),
      })
      .catchall(z.unknown())
      .default({}),
  })
  .strict();

export const instrumentBenchConfigSchema = z
  .object({
    ...base,
    kind: z.literal('instruments'),
    instruments: z.array(instrumentSchema).min(1),
    wiring: wiringSchema,
    /** SMUs of `instruments` used as reference voltmeters, and where each channel is connected. */
    reference: referenceSchema.optional(),
  })
  .strict();

export const benchConfigSchema = z.discriminatedUnion('kind', [
  simBenchConfigSchema,
  instrumentBenchConfigSchema,
]);
export type BenchConfig = z.infer<typeof benchConfigSchema>;
export type SimBenchConfig = z.infer<typeof simBenchConfigSchema>;
export type InstrumentBenchConfig = z.infer<typeof instrumentBenchConfigSchema>;
