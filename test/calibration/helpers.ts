// Shared fixtures of the calibration tests: reference meters over the simulated board's true
// voltages, and the true per-device steps of a board read from its device model.
import { Rng } from '../../src/util/random.ts';
import type { SimBoard } from '../../sim/board/index.ts';
import type { MeterAttachment, VoltageMeter } from '../../calibration/index.ts';

/** A meter reading the board's true line or node voltage plus gaussian meter noise. */
export function simMeter(
  board: SimBoard,
  attachedTo: MeterAttachment,
  noise_V: number,
  seed: number,
): VoltageMeter {
  const rng = new Rng(seed);
  return {
    attachedTo,
    identity: { vendor: 'test', model: 'sim-meter', serial: String(seed), firmware: '0' },
    measureVoltage: async () => {
      const v =
        attachedTo.kind === 'input-line'
          ? board.appliedInputs()[attachedTo.line]
          : board.trueNodeVoltages()[attachedTo.node];
      return v + noise_V * rng.normal();
    },
  };
}

/** Each device's true step at f = 1 for a pulse: SET from its gMin, RESET from its gMax, on a
 * noise-free board that draws the same devices (same seed and variation). */
export function trueSteps(
  clean: SimBoard,
  amplitude_V: number,
  width_s: number,
): { up: number[]; down: number[] } {
  const d = clean.devices;
  const up: number[] = [];
  const down: number[] = [];
  for (let i = 0; i < d.count; i++) {
    d.setAll(d.deviceGMin_S);
    up.push(d.pulse(i, 'set', amplitude_V, width_s));
    d.setAll(d.deviceGMax_S);
    down.push(-d.pulse(i, 'reset', amplitude_V, width_s));
  }
  return { up, down };
}
