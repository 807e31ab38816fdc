// Calibration records: what was measured, with which instruments, when, how (the procedure's
// options), the raw data and the fit — one JSON document per procedure run, validated by zod on
// the way in (import) so a record from disk or another bench is checked field by field. Each
// result schema is typed against the procedure's result interface, so the two cannot drift.
import { z } from 'zod';
import type { AdcCalibrationResult } from './adc.ts';
import type { DacCalibrationResult } from './dac.ts';
import type { PulseResponseResult } from './pulse-response.ts';
import type { SettleCalibrationResult } from './settle.ts';
import type { ConductanceMapResult } from './conductance-map.ts';
import type { DeviceIv } from './device-iv.ts';
import type { ProgramVerifyResult } from './program-verify.ts';

const num = z.number();
const nums = z.array(num);

const lineFitFields = {
  gain: num,
  offset_V: num,
  gainSe: num,
  residuals_V: nums,
  rmsResidual_V: num,
  inl_V: num,
};

export const dacResultSchema: z.ZodType<DacCalibrationResult> = z
  .object({
    fullScale_V: num,
    channels: z.array(
      z
        .object({
          line: z.number().int().nonnegative(),
          requested_V: nums,
          measured_V: nums,
          offsetSe_V: num,
          inlFractionOfFullScale: num,
          ...lineFitFields,
        })
        .strict(),
    ),
  })
  .strict();

export const adcResultSchema: z.ZodType<AdcCalibrationResult> = z
  .object({
    method: z.enum(['network', 'sourced']).optional(),
    codeStep_V: num,
    channels: z.array(
      z
        .object({
          node: z.number().int().nonnegative(),
          meter_V: nums,
          readout_V: nums,
          readingNoise_V: num,
          noiseRms_V: num,
          ...lineFitFields,
        })
        .strict(),
    ),
  })
  .strict();

const stepFitSchema = z
  .object({
    node: z.number().int().nonnegative(),
    final_V: num,
    terms: z.array(z.object({ amplitude_V: num, tau_s: z.number().positive() }).strict()).min(1),
    rmsResidual_V: num,
    r2: num,
    bic: num,
    tauSe_s: num,
    settleTime_s: num,
  })
  .strict();

export const settleResultSchema: z.ZodType<SettleCalibrationResult> = z
  .object({
    step_V: num,
    relError: num,
    delays_s: nums,
    samples_V: z.array(nums),
    channels: z.array(stepFitSchema),
    modes: z.object({ tau_s: z.array(z.number().positive()).min(1), rmsResidual_V: num, bic: num }).strict(),
    tauSlowest_s: z.number().positive(),
    settleTime_s: num,
    conductances_S: z.array(nums),
  })
  .strict();

const deviceRefSchema = z
  .object({
    array: z.number().int().nonnegative(),
    row: z.number().int().nonnegative(),
    col: z.number().int().nonnegative(),
  })
  .strict();
const familySchema = z.enum(['soft-bounds', 'exp-step', 'pow-step']);
const deviceModelSchema = z
  .object({
    family: familySchema,
    gMin_S: num,
    gMax_S: num,
    stepUp_S: num,
    stepDown_S: num,
    gammaUp: num,
    gammaDown: num,
  })
  .strict();
const pulseShapeSchema = z.object({ amplitude_V: num, width_s: z.number().positive() }).strict();

export const pulseResponseResultSchema: z.ZodType<PulseResponseResult> = z
  .object({
    set: pulseShapeSchema,
    reset: pulseShapeSchema,
    readsPerPoint: z.number().int().positive(),
    curves: z.array(
      z
        .object({
          device: deviceRefSchema,
          g_S: nums,
          polarity: z.array(z.enum(['set', 'reset']).nullable()),
        })
        .strict(),
    ),
    fit: z
      .object({
        family: familySchema,
        scores: z.array(z.object({ family: familySchema, bic: num, rmsResidual_S: num }).strict()),
        devices: z.array(
          z
            .object({
              model: deviceModelSchema,
              stepUpRelSe: num,
              stepDownRelSe: num,
              gMinSe_S: num,
              gMaxSe_S: num,
              transitions: num,
              rmsResidual_S: num,
              r2: num,
              bic: num,
              cycleToCycle: num,
              readNoise_S: num,
              readNoiseFraction: num,
              readNoiseFloor_S: num,
              writeNoise_S: num,
            })
            .strict(),
        ),
        nominal: deviceModelSchema.omit({ family: true }),
        spread: z.object({ step: num, upDown: num, gMin: num, gMax: num }).strict(),
        cycleToCycle: num,
        readNoise_S: num,
        readNoiseFraction: num,
        readNoiseFloor_S: num,
        writeNoise_S: num,
      })
      .strict()
      .nullable(),
  })
  .strict();

export const conductanceMapResultSchema: z.ZodType<ConductanceMapResult> = z
  .object({
    readVoltage_V: num,
    reads: z.number().int(),
    maps: z.array(
      z
        .object({
          array: z.number().int().nonnegative(),
          rows: z.number().int().positive(),
          cols: z.number().int().positive(),
          mean_S: nums,
          sd_S: nums,
        })
        .strict(),
    ),
    readNoise: z.object({ fraction: num, floor_S: num }).strict(),
  })
  .strict();

export const deviceIvResultSchema: z.ZodType<DeviceIv[]> = z.array(
  z
    .object({
      device: deviceRefSchema,
      voltage_V: nums,
      current_A: nums,
      conductance_S: num,
      offset_A: num,
      nonlinearity: num,
    })
    .strict(),
);

export const programVerifyResultSchema: z.ZodType<ProgramVerifyResult> = z
  .object({
    iterations: z.number().int().nonnegative(),
    converged: z.number().int().nonnegative(),
    devices: z.array(
      z
        .object({
          index: z.number().int().nonnegative(),
          target_S: num,
          final_S: num,
          error_S: num,
          pulses: z.number().int().nonnegative(),
          converged: z.boolean(),
          unresponsive: z.boolean(),
        })
        .strict(),
    ),
    maxError_S: nums,
  })
  .strict();

const instrumentSchema = z
  .object({
    /** What the instrument did in the procedure, e.g. 'reference meter on line 3'. */
    role: z.string().min(1),
    vendor: z.string(),
    model: z.string(),
    serial: z.string(),
    firmware: z.string(),
  })
  .strict();

const header = {
  schemaVersion: z.literal(1),
  id: z.string().min(1),
  /** ISO 8601 date-time of the measurement. */
  createdAt: z.iso.datetime(),
  /** The bench the record belongs to (configuration name). */
  bench: z.string().min(1),
  instruments: z.array(instrumentSchema),
  /** The procedure's options as run. */
  parameters: z.record(z.string(), z.unknown()),
};

export const calibrationRecordSchema = z.discriminatedUnion('kind', [
  z.object({ ...header, kind: z.literal('dac'), result: dacResultSchema }).strict(),
  z.object({ ...header, kind: z.literal('adc'), result: adcResultSchema }).strict(),
  z.object({ ...header, kind: z.literal('settle'), result: settleResultSchema }).strict(),
  z.object({ ...header, kind: z.literal('pulse-response'), result: pulseResponseResultSchema }).strict(),
  z.object({ ...header, kind: z.literal('conductance-map'), result: conductanceMapResultSchema }).strict(),
  z.object({ ...header, kind: z.literal('device-iv'), result: deviceIvResultSchema }).strict(),
  z.object({ ...header, kind: z.literal('program-verify'), result: programVerifyResultSchema }).strict(),
]);

export type CalibrationRecord = z.infer<typeof calibrationRecordSchema>;
export type CalibrationKind = CalibrationRecord['kind'];
export type InstrumentRole = z.infer<typeof instrumentSchema>;

type ResultOf<K extends CalibrationKind> = Extract<CalibrationRecord, { kind: K }>['result'];

/** A validated record of one procedure run. */
export function makeRecord<K extends CalibrationKind>(
  kind: K,
  result: ResultOf<K>,
  meta: {
    id: string;
    bench: string;
    createdAt?: Date;
    instruments?: InstrumentRole[];
    parameters?: Record<string, unknown>;
  },
): Extract<CalibrationRecord, { kind: K }> {
  return calibrationRecordSchema.parse({
    schemaVersion: 1,
    id: meta.id,
    kind,
    createdAt: (meta.createdAt ?? new Date()).toISOString(),
    bench: meta.bench,
    instruments: meta.instruments ?? [],
    parameters: meta.parameters ?? {},
    result,
  }) as Extract<CalibrationRecord, { kind: K }>;
}

/** JSON text of a record (NaN and infinities, which JSON cannot carry, are refused). */
export function exportRecord(record: CalibrationRecord): string {
  return JSON.stringify(calibrationRecordSchema.parse(record), (key, value: unknown) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      throw new RangeError(`${key}: ${value} cannot be exported as JSON`);
    }
    return value;
  });
}

/** Parses and validates a record; a ZodError names the offending field. */
export function importRecord(json: string): CalibrationRecord {
  return calibrationRecordSchema.parse(JSON.parse(json));
}
