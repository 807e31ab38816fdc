// Pulse-response calibration: the selected devices are first driven to their low bound by a
// RESET train (preconditioning), then, for each cycle, a train of SET pulses and a train of RESET
// pulses, every device of the batch getting one identical pulse per step and its array read
// (reads averaged) after every step. The per-device curves g(pulse number) are then fitted with
// the device families (fits/device-population.ts). Reads must stay below the switching
// threshold so that reading does not program. Pulses go one per device per batch, so no request
// needs a pulse count above 1. With the bench's limits given, the whole plan — both pulse shapes,
// the per-request count and the read voltage — is checked before the first pulse (checkPulsePlan):
// an over-limit SET is refused before any preconditioning RESET reaches the devices.
import type { ConductanceReader, Pulse, PulsePolarity, PulseProgrammer } from '../src/capabilities/index.ts';
import { LimitError } from '../src/capabilities/index.ts';
import type { DeviceRef } from './devices.ts';
import { checkDevices, deviceIndex, readArrayMean } from './devices.ts';
import type { PulseCurve } from './fits/device-fit.ts';
import type { DeviceFamily } from './fits/device-families.ts';
import { fitPopulation } from './fits/device-population.ts';
import type { PopulationFit } from './fits/device-population.ts';
import { runProcedure } from './procedure.ts';

export interface PulseResponseSet {
  programmer: PulseProgrammer;
  reader: ConductanceReader;
}

export interface PulseShape {
  amplitude_V: number;
  width_s: number;
}

export interface PulseResponseOptions {
  devices: readonly DeviceRef[];
  set: PulseShape;
  reset: PulseShape;
  /** Pulses per SET train and per RESET train. Default 300. */
  pulsesPerTrain?: number;
  /** SET-then-RESET cycles. Default 2. */
  cycles?: number;
  /** RESET pulses before the first train. Default pulsesPerTrain. */
  preconditionPulses?: number;
  /** Default 0.1 V. */
  readVoltage_V?: number;
  /** Reads averaged per point. Default 4. */
  readsPerPoint?: number;
  /** Families to fit; omit for all three, [] to skip the fit. */
  families?: readonly DeviceFamily[];
  /** The bench's pulse and read limits: the whole plan is checked against them before anything
   * is sent (the interlock checks every request again). */
  limits?: PulsePlanLimits;
}

/** The bench limits a pulse plan must respect (the bench configuration's `limits.pulse` and
 * `limits.readVoltage_V`). */
export interface PulsePlanLimits {
  pulse: { amplitude_V: number; width_s: { min: number; max: number }; count: number };
  readVoltage_V: number;
}

/** Checks every pulse and read of a pulse-response plan: the counts are whole numbers
 * (RangeError), and the SET and RESET amplitude and width and the read voltage lie within
 * `limits` (LimitError naming the option, e.g. `set.amplitude_V`). */
export function checkPulsePlan(
  options: Omit<PulseResponseOptions, 'devices' | 'limits'>,
  limits?: PulsePlanLimits,
): void {
  const counts = {
    pulsesPerTrain: options.pulsesPerTrain ?? 300,
    cycles: options.cycles ?? 2,
    readsPerPoint: options.readsPerPoint ?? 4,
  };
  for (const [field, value] of Object.entries(counts)) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${field}: must be an integer >= 1, got ${value}`);
  }
  const precondition = options.preconditionPulses ?? counts.pulsesPerTrain;
  if (!Number.isInteger(precondition) || precondition < 0) {
    throw new RangeError(`preconditionPulses: must be an integer >= 0, got ${precondition}`);
  }
  if (limits === undefined) return;
  // Every request carries one pulse per device (count 1), which any count limit (>= 1) allows.
  const { amplitude_V, width_s } = limits.pulse;
  const within = (field: string, value: number, range: { min: number; max: number }) => {
    if (!(value >= range.min && value <= range.max)) throw new LimitError(field, value, { ...range });
  };
  for (const polarity of ['set', 'reset'] as const) {
    within(`${polarity}.amplitude_V`, options[polarity].amplitude_V, { min: -amplitude_V, max: amplitude_V });
    within(`${polarity}.width_s`, options[polarity].width_s, width_s);
  }
  const read = options.readVoltage_V ?? 0.1;
  within('readVoltage_V', read, { min: -limits.readVoltage_V, max: limits.readVoltage_V });
}

export interface DeviceCurve extends PulseCurve {
  device: DeviceRef;
}

export interface PulseResponseResult {
  set: PulseShape;
  reset: PulseShape;
  readsPerPoint: number;
  curves: DeviceCurve[];
  fit: PopulationFit | null;
}

export type PulseResponseProgress = { train: number; polarity: PulsePolarity; pulse: number };

export function measurePulseResponse(set: PulseResponseSet, options: PulseResponseOptions) {
  return runProcedure<PulseResponseProgress, PulseResponseResult>(
    'pulse-response',
    [set.programmer],
    async (ctx) => {
      const programmer = ctx.guard(set.programmer);
      const reader = ctx.guard(set.reader);
      const devices = options.devices;
      checkDevices('devices', devices, set.reader);
      if (devices.length === 0) throw new RangeError('devices: at least one device is needed');
      checkPulsePlan(options, options.limits);
      const perTrain = options.pulsesPerTrain ?? 300;
      const cycles = options.cycles ?? 2;
      const precondition = options.preconditionPulses ?? perTrain;
      const readV = options.readVoltage_V ?? 0.1;
      const reads = options.readsPerPoint ?? 4;
      const arrays = [...new Set(devices.map((d) => d.array))];
      const batch = (polarity: PulsePolarity): Pulse[] =>
        devices.map((d) => ({
          ...d,
          polarity,
          ...(polarity === 'set' ? options.set : options.reset),
          count: 1,
        }));
      const readDevices = async () => {
        const maps = new Map<number, Float64Array>();
        for (const a of arrays) maps.set(a, await readArrayMean(reader, a, readV, reads));
        return devices.map((d) => maps.get(d.array)![deviceIndex(set.reader, d)]);
      };
      const resets = batch('reset');
      for (let k = 0; k < precondition; k++) await programmer.applyPulses(resets);
      // One read vector per point; the pulse polarity between consecutive points (shared).
      const points: number[][] = [await readDevices()];
      const polarity: PulsePolarity[] = [];
      const trains = cycles * 2;
      for (let t = 0; t < trains; t++) {
        const pol: PulsePolarity = t % 2 === 0 ? 'set' : 'reset';
        const pulses = batch(pol);
        for (let k = 0; k < perTrain; k++) {
          await programmer.applyPulses(pulses);
          points.push(await readDevices());
          polarity.push(pol);
        }
        ctx.progress(t + 1, trains, { train: t, polarity: pol, pulse: perTrain });
      }
      const curves: DeviceCurve[] = devices.map((device, i) => ({
        device,
        g_S: points.map((p) => p[i]),
        polarity,
      }));
      const families = options.families;
      const fit = families && families.length === 0 ? null : fitPopulation(curves, families ?? undefined);
      return { set: options.set, reset: options.reset, readsPerPoint: reads, curves, fit };
    },
  );
}
