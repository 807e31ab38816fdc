// Input schemas of every document the store accepts (zod). The store validates on write so that a
// malformed document is refused with the field and reason, and nothing half-written remains.
import { z } from 'zod';

export type JsonValue = z.infer<ReturnType<typeof z.json>>;
export type JsonObject = { [key: string]: JsonValue };

export const RUN_KINDS = ['train', 'evaluate', 'calibrate', 'read-map', 'program-map'] as const;
export type RunKind = (typeof RUN_KINDS)[number];

export const EXIT_STATUSES = ['success', 'fail', 'abort', 'interrupted'] as const;
export type ExitStatus = (typeof EXIT_STATUSES)[number];

/** Milliseconds since the Unix epoch. */
const time = z.number().finite().nonnegative();
const name = z.string().min(1).max(200);
const jsonObject = z.record(z.string(), z.json());
const finiteRecord = z.record(z.string(), z.number().finite());
const step = z.number().int().nonnegative();

export const runStartSchema = z.strictObject({
  uid: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1–128 characters of letters, digits, . _ : -')
    .optional(),
  time: time.optional(),
  kind: z.enum(RUN_KINDS),
  config: jsonObject,
  versions: z.record(z.string(), z.string()),
  bench: jsonObject,
  jobId: z.number().int().positive().optional(),
});
export type RunStartInput = z.input<typeof runStartSchema>;

export const DTYPES = ['number', 'integer', 'boolean', 'string', 'array', 'object'] as const;

export const dataKeySchema = z.strictObject({
  dtype: z.enum(DTYPES),
  shape: z.array(z.number().int().nonnegative()),
  units: z.string().optional(),
  source: z.string().optional(),
});
export type DataKey = z.output<typeof dataKeySchema>;

export const descriptorSchema = z.strictObject({
  name,
  time: time.optional(),
  dataKeys: z
    .record(z.string().min(1), dataKeySchema)
    .refine((keys) => Object.keys(keys).length > 0, 'must declare at least one data key'),
});
export type DescriptorInput = z.input<typeof descriptorSchema>;

export const eventSchema = z.strictObject({
  descriptor: name,
  /** Given when replaying: an already stored seq is ignored, the next one is appended. */
  seq: z.number().int().positive().optional(),
  time: time.optional(),
  data: jsonObject,
  timestamps: z.record(z.string(), time).optional(),
});
export type EventInput = z.input<typeof eventSchema>;

export const stopSchema = z
  .strictObject({
    exitStatus: z.enum(EXIT_STATUSES),
    reason: z.string().max(2000).optional(),
    time: time.optional(),
  })
  .refine((s) => s.exitStatus === 'success' || (s.reason !== undefined && s.reason.length > 0), {
    path: ['reason'],
    message: 'is required when exitStatus is not success',
  });
export type StopInput = z.input<typeof stopSchema>;

export const stepMetricsSchema = z.strictObject({
  step,
  epoch: z.number().int().nonnegative(),
  time: time.optional(),
  loss: z.number().finite(),
  accuracy: z.number().min(0).max(1).nullable().optional(),
  pulses: z.number().int().nonnegative(),
  /** Duration of each phase of the step (free, nudged±, read, program…), milliseconds. */
  phaseMs: finiteRecord,
  extra: finiteRecord.optional(),
});
export type StepMetricsInput = z.input<typeof stepMetricsSchema>;

export const epochMetricsSchema = z.strictObject({
  epoch: z.number().int().nonnegative(),
  time: time.optional(),
  trainLoss: z.number().finite(),
  trainAccuracy: z.number().min(0).max(1).nullable().optional(),
  testLoss: z.number().finite().nullable().optional(),
  testAccuracy: z.number().min(0).max(1).nullable().optional(),
  extra: finiteRecord.optional(),
});
export type EpochMetricsInput = z.input<typeof epochMetricsSchema>;

export const snapshotSchema = z.strictObject({
  /** Which conductance array (e.g. `layer0`, or `all`). */
  array: name,
  step,
  time: time.optional(),
  values: z.union([z.instanceof(Float32Array), z.instanceof(Float64Array)]),
  /** Defaults to `[values.length]`; the product must equal values.length. */
  shape: z.array(z.number().int().nonnegative()).optional(),
});
export type SnapshotInput = z.input<typeof snapshotSchema>;

export const pulseIntentSchema = z.strictObject({
  run: z.string().min(1),
  step,
  digest: z.string().min(1).max(256),
  batch: z.instanceof(Uint8Array),
});

export const JOB_STATES = [
  'queued',
  'running',
  'paused',
  'done',
  'failed',
  'aborted',
  'interrupted',
] as const;
export type JobState = (typeof JOB_STATES)[number];

export const jobSchema = z.strictObject({
  kind: z.enum(RUN_KINDS),
  config: jsonObject,
  /** Higher runs first; equal priorities run in creation order. */
  priority: z.number().int().min(-1000).max(1000).default(0),
  time: time.optional(),
});
export type JobInput = z.input<typeof jobSchema>;

export const instrumentSchema = z.strictObject({
  vendor: z.string().min(1),
  model: z.string().min(1),
  serial: z.string().min(1),
  firmware: z.string(),
  /** The raw identification string (`*IDN?` reply or equivalent). */
  idn: z.string(),
  driver: z.string().min(1),
  resource: z.string().min(1),
  time: time.optional(),
});
export type InstrumentInput = z.input<typeof instrumentSchema>;

export const calibrationSchema = z.strictObject({
  instrumentId: z.number().int().positive().nullable().optional(),
  kind: name,
  time: time.optional(),
  raw: z.json(),
  fit: jsonObject,
  notes: z.string().optional(),
});
export type CalibrationInput = z.input<typeof calibrationSchema>;
