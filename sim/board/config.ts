// Configuration of the in-process simulated board: the network, the device model, the
// measurement chain, and the limits every capability call is checked against before it acts.
import { z } from 'zod';
import { networkSchema } from '../../src/network/description.ts';
import {
  dacChannelErrorParamsSchema,
  dacParamsSchema,
  measurementChainParamsSchema,
} from '../measurement/index.ts';

const range = (what: string, min: number, max: number) =>
  z
    .object({ min: z.number(), max: z.number() })
    .strict()
    .refine((r) => r.min <= r.max, { message: `${what}.min must not exceed ${what}.max` })
    .default({ min, max });

export const simBoardLimitsSchema = z
  .object({
    /** Input-line voltages the sources may be asked for, V. */
    inputVoltage_V: range('inputVoltage_V', -10, 10),
    /** Nudging currents, A. */
    nudgeCurrent_A: range('nudgeCurrent_A', -1e-3, 1e-3),
    /** Programming pulse amplitude magnitude, V. */
    pulseAmplitude_V: range('pulseAmplitude_V', 0, 5),
    pulseWidth_s: range('pulseWidth_s', 1e-9, 1e-3),
    /** Identical pulses in one request. */
    pulseCount: range('pulseCount', 1, 100),
    /** Conductance read voltage magnitude, V: kept below the devices' switching threshold. */
    readVoltage_V: range('readVoltage_V', 0, 0.3),
  })
  .strict();

export const simBoardConfigSchema = z
  .object({
    network: networkSchema,
    /** A device preset name, or parameters (optionally `{ preset, ...overrides }`); see
     * docs/device-models.md. Validated by sim/devices' parseDeviceParams. */
    devices: z.union([z.string(), z.record(z.string(), z.unknown())]).default('ideal-linear'),
    /** Initial conductances, S: uniform random in [gMin, gMax] per device ('random'), one value,
     * or uniform random in a window (devices formed into a low-conductance start), each clipped
     * to its device's own bounds. */
    initialConductance: z
      .union([
        z.literal('random'),
        z.number().positive(),
        z
          .object({
            min_S: z.number().positive('initialConductance.min_S must be > 0'),
            max_S: z.number().positive('initialConductance.max_S must be > 0'),
          })
          .strict()
          .refine((w) => w.min_S < w.max_S, {
            message: 'initialConductance.min_S must be below max_S',
            path: ['min_S'],
          }),
      ])
      .default('random'),
    dac: dacParamsSchema.prefault({}),
    chain: measurementChainParamsSchema.prefault({}),
    /** Per-channel gain and offset errors of the DAC outputs on the input lines (default none). */
    dacErrors: dacChannelErrorParamsSchema.prefault({}),
    /** Explicit per-channel read-out gain and offset, replacing the amplifier's random draw (a
     * digital twin built from an ADC calibration, which lumps pedestal and droop into offset_V). */
    readoutChannels: z
      .object({
        gain: z.array(z.number().positive('readoutChannels.gain[] must be > 0')),
        offset_V: z.array(z.number()),
      })
      .strict()
      .optional(),
    /** Time from the hold to the first ADC conversion, s. */
    holdToRead_s: z.number().nonnegative().default(2e-6),
    limits: simBoardLimitsSchema.prefault({}),
    seed: z.number().int().nonnegative().default(0),
  })
  .strict();

export type SimBoardConfig = z.infer<typeof simBoardConfigSchema>;
export type SimBoardConfigInput = z.input<typeof simBoardConfigSchema>;
