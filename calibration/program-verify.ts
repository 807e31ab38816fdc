// Program-and-verify to a target conductance map: read the array, pulse every device that is
// outside the tolerance toward its target, read again, until every device is within tolerance or
// the iteration cap is reached. The pulse count of a device is its error over its step estimate
// (capped), and the estimate is updated from the change each round produced, so a device whose
// step shrinks near a bound (soft-bounds) is not under-driven for ever. A device that did not
// moved less than a quarter of the tolerance under a full round of pulses is reported as
// unresponsive (stuck) and left alone afterwards.
import type { ConductanceReader, Pulse, PulseProgrammer } from '../src/capabilities/index.ts';
import { readArrayMean } from './devices.ts';
import type { PulseShape } from './pulse-response.ts';
import { runProcedure } from './procedure.ts';

export interface ProgramVerifySet {
  programmer: PulseProgrammer;
  reader: ConductanceReader;
}

export interface ProgramVerifyOptions {
  array: number;
  /** Row-major target conductances, S. */
  target_S: readonly number[];
  /** Accepted |g − target|, S. */
  tolerance_S: number;
  /** Read–pulse rounds at most. Default 20. */
  maxIterations?: number;
  /** Pulses per device per round at most. Default 10. */
  maxPulsesPerRound?: number;
  set: PulseShape;
  reset: PulseShape;
  /** Initial step estimates per pulse, S (e.g. from a pulse-response fit). */
  stepUp_S: number;
  stepDown_S: number;
  /** Default 0.1 V. */
  readVoltage_V?: number;
  /** Reads averaged per verify. Default 4. */
  reads?: number;
}

export interface ProgramVerifyDevice {
  index: number;
  target_S: number;
  final_S: number;
  error_S: number;
  pulses: number;
  converged: boolean;
  unresponsive: boolean;
}

export interface ProgramVerifyResult {
  iterations: number;
  converged: number;
  devices: ProgramVerifyDevice[];
  /** Max |error| after each round (index 0: before programming), S. */
  maxError_S: number[];
}

export function programAndVerify(set: ProgramVerifySet, options: ProgramVerifyOptions) {
  return runProcedure<{ round: number; outside: number }, ProgramVerifyResult>(
    'program-verify',
    [set.programmer],
    async (ctx) => {
      const programmer = ctx.guard(set.programmer);
      const reader = ctx.guard(set.reader);
      const geometry = set.reader.arrays[options.array];
      if (!geometry) throw new RangeError(`array: no array ${options.array}`);
      const n = geometry.rows * geometry.cols;
      const target = options.target_S;
      if (target.length !== n) throw new RangeError(`target_S: ${target.length} values for ${n} devices`);
      if (!(options.tolerance_S > 0))
        throw new RangeError(`tolerance_S: must be > 0, got ${options.tolerance_S}`);
      const maxIterations = options.maxIterations ?? 20;
      const maxPulses = options.maxPulsesPerRound ?? 10;
      const readV = options.readVoltage_V ?? 0.1;
      const reads = options.reads ?? 4;
      const up = new Float64Array(n).fill(options.stepUp_S);
      const down = new Float64Array(n).fill(options.stepDown_S);
      const pulses = new Int32Array(n);
      const unresponsive = new Uint8Array(n);
      let g = await readArrayMean(reader, options.array, readV, reads);
      const maxError = [maxAbsError(g, target)];
      let round = 0;
      for (; round < maxIterations; round++) {
        const batch: Pulse[] = [];
        const planned = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const err = target[i] - g[i];
          if (Math.abs(err) <= options.tolerance_S || unresponsive[i]) continue;
          const polarity = err > 0 ? 'set' : 'reset';
          const step = err > 0 ? up[i] : down[i];
          planned[i] = Math.max(1, Math.min(maxPulses, Math.round(Math.abs(err) / step)));
          const shape = polarity === 'set' ? options.set : options.reset;
          batch.push({
            array: options.array,
            row: Math.floor(i / geometry.cols),
            col: i % geometry.cols,
            polarity,
            ...shape,
            count: planned[i],
          });
        }
        ctx.progress(round, maxIterations, { round, outside: batch.length });
        if (batch.length === 0) break;
        await programmer.applyPulses(batch);
        const next = await readArrayMean(reader, options.array, readV, reads);
        for (let i = 0; i < n; i++) {
          if (planned[i] === 0) continue;
          pulses[i] += planned[i];
          const moved = Math.abs(next[i] - g[i]) / planned[i];
          if (Math.abs(next[i] - g[i]) < options.tolerance_S / 4 && planned[i] === maxPulses)
            unresponsive[i] = 1;
          else if (moved > 0) (target[i] > g[i] ? up : down)[i] = moved;
        }
        g = next;
        maxError.push(maxAbsError(g, target));
      }
      const devices = Array.from(g, (final, index) => {
        const error = final - target[index];
        return {
          index,
          target_S: target[index],
          final_S: final,
          error_S: error,
          pulses: pulses[index],
          converged: Math.abs(error) <= options.tolerance_S,
          unresponsive: unresponsive[index] === 1,
        };
      });
      return {
        iterations: round,
        converged: devices.filter((d) => d.converged).length,
        devices,
        maxError_S: maxError,
      };
    },
  );
}

function maxAbsError(g: Float64Array, target: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < g.length; i++) m = Math.max(m, Math.abs(g[i] - target[i]));
  return m;
}
