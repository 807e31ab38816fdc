// Calibrations as the daemon offers them: the reference voltmeters its DAC and read-out
// calibrations need (on the simulated bench, meters over the board's true line and node voltages),
// and the stored calibration records listed, exported and drawn for the API and the dashboard.
import { calibrationRecordSchema, calibrationWarnings, recordFigures } from '../../calibration/index.ts';
import type { CalibrationRecord, Figure, MeterAttachment, VoltageMeter } from '../../calibration/index.ts';
import { Rng } from '../util/random.ts';
import type { DaemonBench } from './bench.ts';
import { notFound } from './errors.ts';
import type { MeterProvider } from './jobs/calibrate.ts';
import { StoreError, type Store } from './store/index.ts';
import type { CalibrationSummary } from './surface.ts';

export interface ReferenceMeterOptions {
  /** Gaussian noise of each simulated reference meter, V rms (default 0: an ideal meter). */
  noiseRms_V?: number;
  /** Seed of the meters' noise streams (meter i uses seed + i). */
  seed?: number;
}

/** The bench's reference voltmeters, or undefined when it has none. On the simulated bench every
 * input line and node has one, reading the board's true voltage (the DAC output after its
 * quantisation and channel errors; the node before the sample-and-hold and ADC) plus the configured
 * meter noise. On an instrument bench they are the SMU channels of its configuration's `reference`
 * section (src/bench/reference.ts); a line or node without one is refused naming it. */
export function referenceMeters(
  bench: DaemonBench,
  options: ReferenceMeterOptions = {},
): MeterProvider | undefined {
  if (bench.trueVoltages !== undefined) return trueVoltageMeters(bench.trueVoltages, options);
  const reference = bench.referenceMeters;
  return reference === undefined ? undefined : (attachments) => reference.meters(attachments);
}

/** Voltmeters reading a simulated board's true line and node voltages plus gaussian noise
 * (`noiseRms_V`, default none; seeded per meter). */
export function trueVoltageMeters(
  truth: { inputLines(): ArrayLike<number>; nodes(): ArrayLike<number> },
  options: ReferenceMeterOptions = {},
): MeterProvider {
  const noise = options.noiseRms_V ?? 0;
  const seed = options.seed ?? 1;
  return (attachments: readonly MeterAttachment[]) =>
    attachments.map((attachedTo, i): VoltageMeter => {
      const rng = new Rng(seed + i);
      return {
        attachedTo,
        identity: { vendor: 'nudged', model: 'SimMeter', serial: String(i), firmware: 'in-process' },
        measureVoltage: async () => {
          const v =
            attachedTo.kind === 'input-line'
              ? truth.inputLines()[attachedTo.line]
              : truth.nodes()[attachedTo.node];
          return noise === 0 ? v : v + noise * rng.normal();
        },
      };
    });
}

/** A stored calibration record (404 naming `id` when there is none, or it is not a record). */
export function storedRecord(store: Store, id: number): CalibrationRecord {
  let raw: unknown;
  try {
    raw = store.calibrations.get(id).raw;
  } catch (error) {
    if (error instanceof StoreError) throw notFound('id', `no calibration ${id}`);
    throw error;
  }
  const parsed = calibrationRecordSchema.safeParse(raw);
  if (!parsed.success) throw notFound('id', `calibration ${id} is not a calibration record`);
  return parsed.data;
}

/** The newest stored records with their instruments, headline figures, figure names and warnings
 * (stale, or taken with instruments this bench does not have; the reference meters are what
 * measured, not what was calibrated, and are not checked: calibratedInstruments). */
export function listCalibrations(store: Store, bench: DaemonBench, limit = 200): CalibrationSummary[] {
  const identities = bench.status().instruments.map((i) => i.identity);
  return store.calibrations.list(limit).flatMap((stored): CalibrationSummary[] => {
    const parsed = calibrationRecordSchema.safeParse(stored.raw);
    if (!parsed.success) return [];
    const record = parsed.data;
    const warnings = calibrationWarnings([record], { identities });
    return [
      {
        id: stored.id,
        kind: record.kind,
        createdAt: record.createdAt,
        bench: record.bench,
        run: stored.notes,
        instruments: record.instruments.map((i) => ({ ...i })),
        fit: stored.fit,
        figures: recordFigures(record).map((f) => ({ name: f.name, title: f.title })),
        warnings: warnings.map((w) => ({ kind: w.kind, message: w.message })),
      },
    ];
  });
}

/** The SVG figures of a stored record. */
export function calibrationFigures(store: Store, id: number): Figure[] {
  return recordFigures(storedRecord(store, id));
}
