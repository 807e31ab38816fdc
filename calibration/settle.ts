// Settle-time calibration: the input lines step from 0 to step_V together; for each delay in a
// geometric ladder the step is repeated from rest and the sample-and-hold fires `delay` after the
// step (plus any timebase time between the step returning and the sample call). Each channel's
// response v(t) is fitted with one or two exponentials (fits/exponential.ts) and a settle time is
// recommended for a chosen relative error; all channels are also fitted jointly with shared time
// constants (fits/shared-modes.ts), which gives the network's slowest mode. The conductance maps are read at the end: the node
// capacitance of a digital twin follows from the slowest τ and the nodal conductance matrix.
// Assumes the step keeps every node inside the diode knees (the network is then linear RC), and
// that rest_s returns the nodes to rest before every step.
import type { ConductanceReader, NodeSampler, Timebase, VoltageSource } from '../src/capabilities/index.ts';
import { fitStepResponse, settleTimeFor } from './fits/exponential.ts';
import type { StepResponseFit } from './fits/exponential.ts';
import { fitSharedModes } from './fits/shared-modes.ts';
import type { SharedModesFit } from './fits/shared-modes.ts';
import { checkLevel, runProcedure } from './procedure.ts';

export interface SettleCalibrationSet {
  inputs: VoltageSource;
  sampler: NodeSampler;
  timebase: Timebase;
  reader: ConductanceReader;
}

export interface SettleCalibrationOptions {
  /** Level every input line steps to, V. Default 0.2 V (inside the default ±0.5 V knees). */
  step_V?: number;
  /** Longest hold delay, s; should cover ≥ 8 slowest time constants. */
  maxDelay_s: number;
  /** Delays from maxDelay_s/1000 to maxDelay_s, geometric. Default 40. */
  points?: number;
  /** Time at 0 V before each step, s. Default 2·maxDelay_s. */
  rest_s?: number;
  /** Conversions averaged per sample. Default 4. */
  averages?: number;
  /** Relative error the recommended settle time is for. Default 1e-3. */
  relError?: number;
  /** Read voltage of the conductance maps, V. Default 0.1. */
  readVoltage_V?: number;
}

export interface SettleChannelFit extends StepResponseFit {
  node: number;
  /** Recommended settle time for `relError`, s. */
  settleTime_s: number;
}

export interface SettleCalibrationResult {
  step_V: number;
  relError: number;
  delays_s: number[];
  /** samples_V[k][node]: read-out at delays_s[k]. */
  samples_V: number[][];
  channels: SettleChannelFit[];
  /** The network's time constants from a joint fit of the channels that stand out of the noise
   * (fits/shared-modes.ts), slowest first. */
  modes: SharedModesFit;
  /** Slowest time constant of the network (modes.tau_s[0]), s. */
  tauSlowest_s: number;
  /** Longest recommended settle time over those channels, s. */
  settleTime_s: number;
  /** Row-major conductance map of every array at the time of the measurement, S. */
  conductances_S: number[][];
}

export type SettleProgress = { delay_s: number };

export function calibrateSettle(set: SettleCalibrationSet, options: SettleCalibrationOptions) {
  return runProcedure<SettleProgress, SettleCalibrationResult>('settle', [set.inputs], async (ctx) => {
    const inputs = ctx.guard(set.inputs);
    const sampler = ctx.guard(set.sampler);
    const timebase = ctx.guard(set.timebase);
    const reader = ctx.guard(set.reader);
    const { maxDelay_s } = options;
    if (!(maxDelay_s > 0)) throw new RangeError(`maxDelay_s: must be > 0, got ${maxDelay_s}`);
    const points = options.points ?? 40;
    if (!Number.isInteger(points) || points < 8)
      throw new RangeError(`points: must be an integer >= 8, got ${points}`);
    const step = options.step_V ?? 0.2;
    checkLevel('step_V', step, set.inputs.range);
    const rest = options.rest_s ?? 2 * maxDelay_s;
    const averages = options.averages ?? 4;
    const relError = options.relError ?? 1e-3;
    const lines = set.inputs.channels;
    const requested = Array.from({ length: points }, (_, k) => maxDelay_s * 1e-3 ** (1 - k / (points - 1)));
    const delays: number[] = [];
    const samples: number[][] = [];
    for (const [k, delay] of requested.entries()) {
      await inputs.setVoltages(new Float64Array(lines));
      await timebase.wait(rest);
      await inputs.setVoltages(new Float64Array(lines).fill(step));
      const stepped = timebase.now();
      // Time already spent between the step and this call counts toward the delay.
      delays.push(timebase.now() - stepped + delay);
      samples.push(Array.from(await sampler.sampleAndRead({ delay_s: delay, averages })));
      ctx.progress(k + 1, points, { delay_s: delay });
    }
    const channels: SettleChannelFit[] = [];
    for (let node = 0; node < set.sampler.channels; node++) {
      const fit = fitStepResponse(
        delays,
        samples.map((s) => s[node]),
      );
      channels.push({ node, ...fit, settleTime_s: settleTimeFor(fit, relError) });
    }
    // A channel counts when its step is ten times its residual noise.
    const significant = channels.filter(
      (c) => Math.abs(c.terms.reduce((s, t) => s + t.amplitude_V, 0)) > 10 * c.rmsResidual_V,
    );
    if (significant.length === 0) throw new RangeError('step_V: no channel responded above its noise');
    const modes = fitSharedModes(
      delays,
      samples.map((row) => significant.map((c) => row[c.node])),
      significant.map((c) => ({
        final_V: c.final_V,
        amplitude_V: c.terms.reduce((a, t) => a + t.amplitude_V, 0),
        tau_s: c.terms[0].tau_s,
      })),
    );
    const conductances: number[][] = [];
    for (let a = 0; a < set.reader.arrays.length; a++) {
      conductances.push(Array.from(await reader.readConductances(a, options.readVoltage_V ?? 0.1)));
    }
    return {
      step_V: step,
      relError,
      delays_s: delays,
      samples_V: samples,
      channels,
      modes,
      tauSlowest_s: modes.tau_s[0],
      settleTime_s: Math.max(...significant.map((c) => c.settleTime_s)),
      conductances_S: conductances,
    };
  });
}
