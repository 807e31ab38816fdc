// Applying channel calibrations to a bench: capability wrappers that correct what the pipeline
// asks for and what it reads, and the checks that say when a calibration should not be trusted.
//   DAC  a line carries v = gain·code + offset, so the wrapper requests code = (v − offset)/gain
//   ADC  a read-out is r = gain·v + offset, so the wrapper returns v = (r − offset)/gain
// The wrapped voltage source's range is what every line can reach through its correction, so a
// request outside it is refused (LimitError) before anything is sent; the inner source checks the
// corrected codes against its own limits again. Everything else passes through unchanged.
import type { BenchCapabilities, Identity, NodeSampler, VoltageSource } from '../src/capabilities/index.ts';
import { LimitError } from '../src/capabilities/index.ts';
import type { CalibrationRecord } from './records.ts';

export interface ChannelCorrection {
  gain: number[];
  offset_V: number[];
}

export interface CalibrationCheckOptions {
  /** Records older than this are stale, s. Default 30 days. */
  maxAge_s?: number;
  /** Identities of the bench's instruments; a record naming an instrument not among them belongs
   * to another bench (or the instrument was swapped, or its firmware changed). */
  identities?: readonly Identity[];
  now?: Date;
}

export interface CalibrationWarning {
  record: string;
  kind: 'stale' | 'identity';
  message: string;
}

const defaultMaxAge_s = 30 * 24 * 3600;

/** Warnings for the records: stale ones, and ones taken with instruments the bench does not have
 * (the record's calibrated instruments, calibratedInstruments, compared field by field with the
 * bench's identities). */
export function calibrationWarnings(
  records: readonly CalibrationRecord[],
  options: CalibrationCheckOptions = {},
): CalibrationWarning[] {
  const now = (options.now ?? new Date()).getTime();
  const maxAge = options.maxAge_s ?? defaultMaxAge_s;
  const warnings: CalibrationWarning[] = [];
  for (const r of records) {
    const age_s = (now - Date.parse(r.createdAt)) / 1000;
    if (age_s > maxAge) {
      warnings.push({
        record: r.id,
        kind: 'stale',
        message: `calibration ${r.id} (${r.kind}) is ${formatAge(age_s)} old, older than ${formatAge(maxAge)}`,
      });
    }
    const identities = options.identities;
    if (!identities) continue;
    for (const i of calibratedInstruments(r)) {
      const known = identities.some(
        (b) =>
          b.vendor === i.vendor && b.model === i.model && b.serial === i.serial && b.firmware === i.firmware,
      );
      if (!known) {
        warnings.push({
          record: r.id,
          kind: 'identity',
          message: `calibration ${r.id} (${r.kind}) was taken with ${i.vendor} ${i.model} serial ${i.serial} firmware ${i.firmware} (${i.role}), which this bench does not have`,
        });
      }
    }
  }
  return warnings;
}

/** The roles an instrument of a record had (`name (inputs,sampler)` as the daemon writes them). */
const rolesOf = (role: string) =>
  /\(([^)]*)\)$/
    .exec(role)?.[1]
    .split(',')
    .map((r) => r.trim()) ?? [];

/** The instruments a record characterises — what must still be on the bench for it to apply:
 * never the reference meters (the measuring instruments, `reference meter on …`, or a bench SMU
 * in the `reference` role); for a DAC record the instruments driving the input lines, for a
 * read-out record the sampler (the in-process board plays every role, `bench`); every other
 * instrument when the roles say nothing more specific. */
export function calibratedInstruments(record: CalibrationRecord): CalibrationRecord['instruments'] {
  const measured = record.instruments.filter(
    (i) => !i.role.startsWith('reference meter') && !rolesOf(i.role).includes('reference'),
  );
  const role = { dac: 'inputs', adc: 'sampler' }[record.kind as 'dac' | 'adc'] as string | undefined;
  if (role === undefined) return measured;
  const specific = measured.filter((i) => rolesOf(i.role).some((r) => r === role || r === 'bench'));
  return specific.length > 0 ? specific : measured;
}

/** Per-line DAC and per-node read-out corrections from the latest dac and adc records. */
export function channelCorrections(records: readonly CalibrationRecord[]): {
  dac?: ChannelCorrection;
  adc?: ChannelCorrection;
} {
  const latest = <K extends CalibrationRecord['kind']>(kind: K) =>
    records
      .filter((r): r is Extract<CalibrationRecord, { kind: K }> => r.kind === kind)
      .toSorted((a, b) => a.createdAt.localeCompare(b.createdAt))
      .at(-1);
  const dac = latest('dac');
  const adc = latest('adc');
  const correction = (channels: { index: number; gain: number; offset_V: number }[]) => {
    const n = Math.max(...channels.map((c) => c.index)) + 1;
    const out: ChannelCorrection = {
      gain: new Array<number>(n).fill(1),
      offset_V: new Array<number>(n).fill(0),
    };
    for (const c of channels) {
      out.gain[c.index] = c.gain;
      out.offset_V[c.index] = c.offset_V;
    }
    return out;
  };
  return {
    ...(dac && { dac: correction(dac.result.channels.map((c) => ({ ...c, index: c.line }))) }),
    ...(adc && { adc: correction(adc.result.channels.map((c) => ({ ...c, index: c.node }))) }),
  };
}

/** A voltage source whose lines carry the requested levels: each request pre-distorted by the
 * inverse of the line's gain and offset. Lines beyond the correction are passed through. */
export function correctedVoltageSource(inner: VoltageSource, dac: ChannelCorrection): VoltageSource {
  const n = inner.channels;
  const gain = Array.from({ length: n }, (_, c) => dac.gain[c] ?? 1);
  const offset = Array.from({ length: n }, (_, c) => dac.offset_V[c] ?? 0);
  gain.forEach((g, c) => {
    if (!(g > 0)) throw new RangeError(`dac.gain[${c}]: must be > 0, got ${g}`);
  });
  // Every line reaches [gain·min + offset, gain·max + offset]; the common range is their overlap.
  const range = {
    min: Math.max(...gain.map((g, c) => g * inner.range.min + offset[c])),
    max: Math.min(...gain.map((g, c) => g * inner.range.max + offset[c])),
  };
  return {
    kind: 'voltage-source',
    channels: n,
    range,
    setVoltages: async (levels) => {
      levels.forEach((v, c) => {
        if (!(v >= range.min && v <= range.max)) throw new LimitError(`inputs[${c}]`, v, { ...range });
      });
      await inner.setVoltages(levels.map((v, c) => (v - offset[c]) / gain[c]));
    },
    safeState: () => inner.safeState(),
  };
}

/** A sampler returning node voltages: each read-out corrected by its channel's gain and offset. */
export function correctedSampler(inner: NodeSampler, adc: ChannelCorrection): NodeSampler {
  adc.gain.forEach((g, c) => {
    if (!(g > 0)) throw new RangeError(`adc.gain[${c}]: must be > 0, got ${g}`);
  });
  return {
    kind: 'node-sampler',
    channels: inner.channels,
    sampleAndRead: async (options) => {
      const read = await inner.sampleAndRead(options);
      return read.map((r, c) => (r - (adc.offset_V[c] ?? 0)) / (adc.gain[c] ?? 1));
    },
  };
}

/** The bench with the latest DAC and ADC calibrations applied (members without one unchanged). */
export function applyChannelCalibration(
  inner: BenchCapabilities,
  records: readonly CalibrationRecord[],
): BenchCapabilities {
  const { dac, adc } = channelCorrections(records);
  return {
    inputs: dac ? correctedVoltageSource(inner.inputs, dac) : inner.inputs,
    nudge: inner.nudge,
    sampler: adc ? correctedSampler(inner.sampler, adc) : inner.sampler,
    programmer: inner.programmer,
    reader: inner.reader,
    timebase: inner.timebase,
    ...(inner.ideal && { ideal: inner.ideal }),
    safeState: () => inner.safeState(),
  };
}

function formatAge(s: number): string {
  if (s >= 2 * 86400) return `${(s / 86400).toFixed(1)} days`;
  if (s >= 2 * 3600) return `${(s / 3600).toFixed(1)} h`;
  return `${Math.round(s)} s`;
}
