// Shared fixtures of the calibration tests: reference meters over the simulated board's true
// voltages, the true per-device steps of a board read from its device model, and a recording
// interlocked bench (what reached the board, behind the configured limits).
import { Rng } from '../../src/util/random.ts';
import type { SimBoard } from '../../sim/board/index.ts';
import type { MeterAttachment, VoltageMeter } from '../../calibration/index.ts';
import type { BenchCapabilities } from '../../src/capabilities/index.ts';
import { limitsSchema } from '../../src/config/index.ts';
import type { BenchLimits } from '../../src/config/index.ts';
import { SafeBench } from '../../src/bench/index.ts';

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

/** Every capability call that reached `inner`, as `member.method` with its arguments. */
export function recording(inner: BenchCapabilities): { bench: BenchCapabilities; calls: Call[] } {
  const calls: Call[] = [];
  const wrap = <T extends object>(name: string, target: T): T =>
    new Proxy(target, {
      get(t, key, receiver) {
        const value: unknown = Reflect.get(t, key, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push({ call: `${name}.${String(key)}`, args });
          return (value as (...a: unknown[]) => unknown).apply(t, args);
        };
      },
    });
  const bench: BenchCapabilities = {
    inputs: wrap('inputs', inner.inputs),
    nudge: wrap('nudge', inner.nudge),
    sampler: wrap('sampler', inner.sampler),
    programmer: wrap('programmer', inner.programmer),
    reader: wrap('reader', inner.reader),
    timebase: wrap('timebase', inner.timebase),
    safeState: async () => {
      calls.push({ call: 'bench.safeState', args: [] });
      await inner.safeState();
    },
  };
  return { bench, calls };
}

export interface Call {
  call: string;
  args: unknown[];
}

/** The configured limits of the tests' interlocked benches. */
export const testLimits: BenchLimits = limitsSchema.parse({
  inputVoltage_V: { min: -0.5, max: 0.5 },
  nudgeCurrent_A: { min: -1e-5, max: 1e-5 },
  pulse: { amplitude_V: 1.5, width_s: { min: 1e-8, max: 1e-6 }, count: 10 },
  readVoltage_V: 0.2,
});

/** The board behind the safety interlock with the test limits, every call that reaches the board
 * recorded. */
export function interlocked(board: BenchCapabilities): { bench: SafeBench; calls: Call[] } {
  const { bench, calls } = recording(board);
  return {
    bench: new SafeBench(bench, { limits: testLimits, watchdog_s: 30, safeStateTimeout_s: 5 }),
    calls,
  };
}
