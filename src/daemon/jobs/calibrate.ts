// The `calibrate` job kind: runs one calibration procedure (calibration/, docs/calibration.md) on
// the daemon's bench inside a supervised step, turns its result into a calibration record (the
// bench's instrument identities, the date, the options, the raw data and the fit), stores it in
// the store's calibration table (raw = the whole record, fit = its summary, notes = the run) and
// returns the stored id with the headline figures. The shared pieces — running a procedure to a
// record, storing and loading records, the assembly hook that applies channel calibrations — are
// used by the CLI (`nudge calibrate`) as well.
import { z } from 'zod';
import type { Logger } from 'pino';
import {
  allDevices,
  applyChannelCalibration,
  calibrateAdc,
  calibrateAdcSourced,
  calibrateDac,
  calibrateSettle,
  calibrationWarnings,
  checkPulsePlan,
  exportRecord,
  makeRecord,
  measureDeviceIv,
  measurePulseResponse,
  programAndVerify,
  readConductanceMap,
  resultOf,
  calibrationRecordSchema,
} from '../../../calibration/index.ts';
import type {
  CalibrationRecord,
  CalibrationWarning,
  MeterAttachment,
  VoltageMeter,
} from '../../../calibration/index.ts';
import type { BenchCapabilities, Identity } from '../../capabilities/index.ts';
import { LimitError } from '../../capabilities/index.ts';
import { recordsFromFile, SafeBench, type ApplyCalibration } from '../../bench/index.ts';
import type { CalibrationRef } from '../../config/index.ts';
import type { DaemonBench } from '../bench.ts';
import { badField } from '../errors.ts';
import type { JsonObject, Store } from '../store/index.ts';
import type { JobKind } from './types.ts';

const positive = z.number().positive();
const count = z.number().int().positive();
const device = z.strictObject({
  array: z.number().int().nonnegative(),
  row: z.number().int().nonnegative(),
  col: z.number().int().nonnegative(),
});
const shape = z.strictObject({ amplitude_V: positive, width_s: positive });
const family = z.enum(['soft-bounds', 'exp-step', 'pow-step']);

export const calibrateParamsSchema = z.discriminatedUnion('procedure', [
  z.strictObject({
    procedure: z.literal('dac'),
    /** Input lines to calibrate (default all). */
    lines: z.array(z.number().int().nonnegative()).optional(),
    levels: count.optional(),
    min_V: z.number().optional(),
    max_V: z.number().optional(),
    settle_s: positive.optional(),
    readings: count.optional(),
  }),
  z.strictObject({
    procedure: z.literal('adc'),
    /** Nodes to calibrate (default all). */
    nodes: z.array(z.number().int().nonnegative()).optional(),
    levels: count.optional(),
    min_V: z.number().optional(),
    max_V: z.number().optional(),
    settle_s: positive.optional(),
    averages: count.optional(),
    readings: count.optional(),
    noiseSamples: count.optional(),
  }),
  z.strictObject({
    procedure: z.literal('settle'),
    maxDelay_s: positive,
    step_V: z.number().optional(),
    points: count.optional(),
    rest_s: positive.optional(),
    averages: count.optional(),
    relError: positive.max(0.5).optional(),
    readVoltage_V: positive.optional(),
  }),
  z.strictObject({
    procedure: z.literal('device-iv'),
    devices: z.array(device).min(1),
    voltages_V: z.array(z.number()).min(3).optional(),
    reads: count.optional(),
  }),
  z.strictObject({
    procedure: z.literal('pulse-response'),
    /** Devices to characterise (default every device of array 0). */
    devices: z.array(device).min(1).optional(),
    set: shape,
    reset: shape,
    pulsesPerTrain: count.optional(),
    cycles: count.optional(),
    preconditionPulses: z.number().int().nonnegative().optional(),
    readVoltage_V: positive.optional(),
    readsPerPoint: count.optional(),
    families: z.array(family).optional(),
  }),
  z.strictObject({
    procedure: z.literal('map'),
    arrays: z.array(z.number().int().nonnegative()).optional(),
    readVoltage_V: positive.optional(),
    reads: z.number().int().min(2).optional(),
  }),
  z.strictObject({
    procedure: z.literal('program'),
    array: z.number().int().nonnegative(),
    target_S: z.array(positive).min(1),
    tolerance_S: positive,
    maxIterations: count.optional(),
    maxPulsesPerRound: count.optional(),
    set: shape,
    reset: shape,
    stepUp_S: positive,
    stepDown_S: positive,
    readVoltage_V: positive.optional(),
    reads: count.optional(),
  }),
]);
export type CalibrateParams = z.output<typeof calibrateParamsSchema>;
export type CalibrationProcedure = CalibrateParams['procedure'];
export const calibrationProcedures = calibrateParamsSchema.options.map((o) => o.shape.procedure.value);

/** Reference voltmeters at the given lines or nodes (the DAC and read-out calibrations need them). */
export type MeterProvider = (attachments: readonly MeterAttachment[]) => VoltageMeter[];

export interface CalibrationRun {
  capabilities: BenchCapabilities;
  /** The bench's name, for the record. */
  bench: string;
  /** What each instrument of the bench is, for the record. */
  instruments: readonly { role: string; identity: Identity }[];
  meters?: MeterProvider;
  signal?: AbortSignal;
  onProgress?(done: number, total: number, detail: unknown): void;
  now?: () => Date;
}

/** Runs one procedure to its end and returns its calibration record. */
export async function runCalibration(
  params: CalibrateParams,
  env: CalibrationRun,
): Promise<CalibrationRecord> {
  const { capabilities: b, meters } = env;
  const opts = {
    signal: env.signal,
    onProgress: (e: { done: number; total: number; detail: unknown }) =>
      env.onProgress?.(e.done, e.total, e.detail),
  };
  const createdAt = (env.now ?? (() => new Date()))();
  const { procedure, ...options } = params;
  const instruments = env.instruments.map((i) => ({ role: i.role, ...i.identity }));
  const meta = (kind: string, extra: { role: string; identity?: Identity }[] = []) => ({
    id: `${env.bench}-${kind}-${createdAt.toISOString()}`,
    bench: env.bench,
    createdAt,
    instruments: [
      ...instruments,
      ...extra.flatMap((m) => (m.identity ? [{ role: m.role, ...m.identity }] : [])),
    ],
    parameters: options,
  });
  const needMeters = (attachments: MeterAttachment[]) => {
    if (!meters) {
      throw new RangeError(
        `procedure: '${procedure}' needs reference voltmeters on the ${attachments[0].kind === 'node' ? 'nodes' : 'input lines'}, and this bench provides none`,
      );
    }
    return meters(attachments);
  };
  const roles = (m: VoltageMeter[]) =>
    m.map((x) => ({
      role: `reference ${x.source ? 'source' : 'meter'} on ${x.attachedTo.kind === 'node' ? `node ${x.attachedTo.node}` : `line ${x.attachedTo.line}`}`,
      identity: x.identity,
    }));
  switch (params.procedure) {
    case 'dac': {
      const m = needMeters(meterAttachments(params, b));
      const r = await resultOf(
        calibrateDac({ inputs: b.inputs, meters: m, timebase: b.timebase }, params),
        opts,
      );
      return makeRecord('dac', r, meta('dac', roles(m)));
    }
    case 'adc': {
      const m = needMeters(meterAttachments(params, b));
      const events =
        adcMethod(m) === 'sourced'
          ? calibrateAdcSourced({ sampler: b.sampler, meters: m, timebase: b.timebase }, params)
          : calibrateAdc({ inputs: b.inputs, sampler: b.sampler, meters: m, timebase: b.timebase }, params);
      return makeRecord('adc', await resultOf(events, opts), meta('adc', roles(m)));
    }
    case 'settle': {
      const set = { inputs: b.inputs, sampler: b.sampler, timebase: b.timebase, reader: b.reader };
      return makeRecord('settle', await resultOf(calibrateSettle(set, params), opts), meta('settle'));
    }
    case 'device-iv':
      return makeRecord(
        'device-iv',
        await resultOf(measureDeviceIv({ reader: b.reader }, params), opts),
        meta('device-iv'),
      );
    case 'pulse-response': {
      const devices = params.devices ?? allDevices(b.reader, [0]);
      const set = { programmer: b.programmer, reader: b.reader };
      const limits = b instanceof SafeBench ? b.limits : undefined;
      const r = await resultOf(measurePulseResponse(set, { ...params, devices, limits }), opts);
      return makeRecord('pulse-response', r, meta('pulse-response'));
    }
    case 'map':
      return makeRecord(
        'conductance-map',
        await resultOf(readConductanceMap({ reader: b.reader }, params), opts),
        meta('conductance-map'),
      );
    case 'program': {
      const set = { programmer: b.programmer, reader: b.reader };
      return makeRecord(
        'program-verify',
        await resultOf(programAndVerify(set, params), opts),
        meta('program-verify'),
      );
    }
  }
}

/** Where a DAC (default: every input line) or read-out (default: every node) calibration needs
 * its reference meters. */
export function meterAttachments(
  params: Extract<CalibrateParams, { procedure: 'dac' | 'adc' }>,
  bench: BenchCapabilities,
): MeterAttachment[] {
  const all = (n: number) => Array.from({ length: n }, (_, i) => i);
  return params.procedure === 'dac'
    ? (params.lines ?? all(bench.inputs.channels)).map((line) => ({ kind: 'input-line', line }))
    : (params.nodes ?? all(bench.sampler.channels)).map((node) => ({ kind: 'node', node }));
}

/** How a read-out calibration drives the read-out inputs, from the bench's reference entries on
 * the nodes: all reference sources (`mode: source`) → sourced; all meters → through the network.
 * A mix is refused (RangeError): one calibration uses one method. */
export function adcMethod(meters: readonly VoltageMeter[]): 'network' | 'sourced' {
  const sources = meters.filter((m) => m.source !== undefined).length;
  if (sources === 0) return 'network';
  if (sources === meters.length) return 'sourced';
  const at = (m: VoltageMeter) => (m.attachedTo.kind === 'node' ? m.attachedTo.node : m.attachedTo.line);
  throw new RangeError(
    `nodes ${meters
      .filter((m) => m.source)
      .map(at)
      .join(', ')} have reference sources and nodes ${meters
      .filter((m) => !m.source)
      .map(at)
      .join(', ')} reference meters: calibrate them in separate jobs (one method each)`,
  );
}

/** The headline figures of a record: what the store keeps as `fit` and the job returns. */
export function recordSummary(record: CalibrationRecord): Record<string, number | boolean> {
  const worst = (v: number[]) => Math.max(0, ...v.map(Math.abs));
  switch (record.kind) {
    case 'dac':
      return {
        channels: record.result.channels.length,
        maxGainError: worst(record.result.channels.map((c) => c.gain - 1)),
        maxOffset_V: worst(record.result.channels.map((c) => c.offset_V)),
        maxInl_V: worst(record.result.channels.map((c) => c.inl_V)),
      };
    case 'adc':
      return {
        channels: record.result.channels.length,
        sourced: record.result.method === 'sourced',
        codeStep_V: record.result.codeStep_V,
        maxGainError: worst(record.result.channels.map((c) => c.gain - 1)),
        maxOffset_V: worst(record.result.channels.map((c) => c.offset_V)),
        maxNoiseRms_V: worst(record.result.channels.map((c) => c.noiseRms_V)),
      };
    case 'settle':
      return { tauSlowest_s: record.result.tauSlowest_s, settleTime_s: record.result.settleTime_s };
    case 'pulse-response': {
      const fit = record.result.fit;
      if (!fit) return { devices: record.result.curves.length };
      return {
        devices: record.result.curves.length,
        gMin_S: fit.nominal.gMin_S,
        gMax_S: fit.nominal.gMax_S,
        stepUp_S: fit.nominal.stepUp_S,
        stepDown_S: fit.nominal.stepDown_S,
        gammaUp: fit.nominal.gammaUp,
        gammaDown: fit.nominal.gammaDown,
        spreadStep: fit.spread.step,
        cycleToCycle: fit.cycleToCycle,
      };
    }
    case 'conductance-map':
      return {
        arrays: record.result.maps.length,
        readNoiseFraction: record.result.readNoise.fraction,
        readNoiseFloor_S: record.result.readNoise.floor_S,
      };
    case 'device-iv':
      return {
        devices: record.result.length,
        maxNonlinearity: worst(record.result.map((d) => d.nonlinearity)),
      };
    case 'program-verify':
      return {
        iterations: record.result.iterations,
        converged: record.result.converged,
        devices: record.result.devices.length,
        maxError_S: record.result.maxError_S.at(-1) ?? 0,
      };
  }
}

/** Stores a record in the calibration table; returns its id there. */
export function storeCalibration(store: Store, record: CalibrationRecord, run?: string): number {
  const stored = store.calibrations.record({
    kind: record.kind,
    time: Date.parse(record.createdAt),
    raw: JSON.parse(exportRecord(record)) as JsonObject,
    fit: recordSummary(record),
    ...(run !== undefined && { notes: run }),
  });
  return stored.id;
}

/** A stored record (by id) or a record file: one record, or an array of records. */
export async function loadCalibrationRecords(
  ref: CalibrationRef | string,
  store?: Store,
): Promise<CalibrationRecord[]> {
  const resolved: CalibrationRef =
    typeof ref === 'string' ? (/^\d+$/.test(ref) ? { record: Number(ref) } : { file: ref }) : ref;
  const id = 'record' in resolved ? resolved.record : undefined;
  const file = 'file' in resolved ? resolved.file : undefined;
  if (id !== undefined) {
    if (!store) throw new RangeError(`calibration.record: ${id} needs the daemon's store`);
    const stored = store.calibrations.get(id);
    const record = calibrationRecordSchema.safeParse(stored.raw);
    if (!record.success) {
      throw new RangeError(`calibration.record: ${id} is not a calibration record (${stored.kind})`);
    }
    return [record.data];
  }
  if (file === undefined) throw new RangeError('calibration: names neither a record nor a file');
  try {
    return await recordsFromFile(file);
  } catch (error) {
    throw new RangeError(`calibration.file: ${(error as Error).message}`, { cause: error });
  }
}

/** The record kinds a digital twin is built from (calibration/twin.ts). */
const twinKinds = ['dac', 'adc', 'settle', 'pulse-response', 'conductance-map'] as const;

/** A stored calibration for the digital twin (`sim.fromCalibration: <id>`): the record with
 * that id and the latest record of every other kind the twin uses beside it. */
export function storedTwinCalibration(store: Store): (id: number) => Promise<CalibrationRecord[]> {
  return async (id) => {
    const records = await loadCalibrationRecords({ record: id }, store);
    for (const kind of twinKinds) {
      if (records.some((r) => r.kind === kind)) continue;
      const latest = store.calibrations.latest(kind);
      const parsed = latest && calibrationRecordSchema.safeParse(latest.raw);
      if (parsed?.success) records.push(parsed.data);
    }
    return records;
  };
}

export interface HookOptions {
  store?: Store;
  /** Records older than this are reported stale, s. */
  maxAge_s?: number;
  identities?: readonly Identity[];
  logger?: Logger;
  /** Each warning, besides the log. */
  onWarning?(warning: CalibrationWarning): void;
}

/** The assembleBench hook: loads the configured records (for a stored record, also the latest
 * dac and adc records beside it), warns on stale ones (still applied) and on ones taken with other
 * instruments than the assembled bench's (compared with the identities the instruments answered
 * at assembly; not applied), and applies the DAC and read-out corrections beneath the interlock.
 * Every warning goes to the log, `onWarning` and the bench status. Nothing to apply: undefined. */
export function calibrationHook(options: HookOptions = {}): ApplyCalibration {
  return async ({ calibration, capabilities, identities, warn }) => {
    const records = await loadCalibrationRecords(calibration, options.store);
    if ('record' in calibration && options.store) {
      for (const kind of ['dac', 'adc'] as const) {
        if (records.some((r) => r.kind === kind)) continue;
        const latest = options.store.calibrations.latest(kind);
        const parsed = latest && calibrationRecordSchema.safeParse(latest.raw);
        if (parsed?.success) records.push(parsed.data);
      }
    }
    const warnings = calibrationWarnings(records, {
      ...options,
      identities: options.identities ?? identities,
    });
    const foreign = new Set(warnings.filter((w) => w.kind === 'identity').map((w) => w.record));
    for (const w of warnings) {
      const message = w.kind === 'identity' ? `${w.message}: not applied` : w.message;
      options.logger?.warn({ calibration: w.record, reason: w.kind }, message);
      options.onWarning?.({ ...w, message });
      warn(message);
    }
    const usable = records.filter((r) => !foreign.has(r.id) && (r.kind === 'dac' || r.kind === 'adc'));
    return usable.length === 0 ? undefined : applyChannelCalibration(capabilities, usable);
  };
}

/** The `calibrate` job kind; `metersOf` gives the DAC and read-out calibrations the bench's
 * reference voltmeters (on a bench without them those two procedures are refused at submit time,
 * naming `params.procedure`). */
export function makeCalibrateKind(
  metersOf: (bench: DaemonBench) => MeterProvider | undefined = () => undefined,
): JobKind<CalibrateParams> {
  return {
    kind: 'calibrate',
    summary: `Run a calibration procedure (${calibrationProcedures.join(', ')}) and store its record`,
    params: calibrateParamsSchema,
    resumable: false,
    check(params, bench) {
      if (params.procedure === 'pulse-response') {
        // The whole plan against the bench's limits, before the job is even queued.
        try {
          checkPulsePlan(params, bench.capabilities.limits);
        } catch (error) {
          const field = error instanceof LimitError ? error.field : 'params';
          throw badField(`params.${field}`, (error as Error).message);
        }
      }
      if (params.procedure !== 'dac' && params.procedure !== 'adc') return;
      const provider = metersOf(bench);
      if (provider === undefined) {
        const where = params.procedure === 'dac' ? 'input lines' : 'nodes';
        throw badField(
          'params.procedure',
          `'${params.procedure}' needs reference voltmeters on the ${where} (an SMU used as a voltmeter), and bench '${bench.name}' has none`,
        );
      }
      // Placing the meters measures nothing; a line or node without one is refused here.
      let meters: VoltageMeter[];
      try {
        meters = provider(meterAttachments(params, bench.capabilities));
        if (params.procedure === 'adc') adcMethod(meters);
      } catch (error) {
        throw badField(
          params.procedure === 'dac' ? 'params.lines' : 'params.nodes',
          (error as Error).message,
        );
      }
      // A source level beyond a reference source's limits is refused before the job is queued.
      for (const field of ['min_V', 'max_V'] as const) {
        const level = params[field];
        const range = meters.find((m) => m.source)?.source?.range;
        if (level !== undefined && range && !(level >= range.min && level <= range.max)) {
          throw badField(
            `params.${field}`,
            `${level} V is outside the reference sources' limit [${range.min}, ${range.max}] V`,
          );
        }
      }
    },
    async run({ bench, store, run, params, job, emit, control }) {
      const meters = metersOf(bench);
      await control.boundary();
      const status = bench.status();
      const record = await bench.capabilities.runStep((signal) =>
        runCalibration(params, {
          capabilities: bench.capabilities,
          bench: bench.name,
          instruments: status.instruments.map((i) => ({
            role: `${i.name} (${i.role})`,
            identity: i.identity,
          })),
          meters,
          signal: AbortSignal.any([signal, control.signal]),
          onProgress: (done, total) =>
            emit({
              type: 'log',
              time: Date.now(),
              level: 'info',
              msg: `calibrate ${params.procedure}: ${done}/${total}`,
              job: job.id,
              run,
            }),
        }),
      );
      const id = storeCalibration(store, record, run);
      return { calibration: id, ...recordSummary(record) };
    },
  };
}
