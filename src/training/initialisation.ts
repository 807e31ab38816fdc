// Initial conductances: random in range written through ideal access (simulated board), or
// program-and-verify to a target map through pulses and conductance reads (any bench).
import { firstValueFrom } from 'rxjs';
import { z } from 'zod';
import type { BenchCapabilities, IdealConductanceAccess, Pulse } from '../capabilities/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import type { Rng } from '../util/random.ts';
import { acquireBench, benchPort, timed } from './bench-port.ts';
import type { BenchPort } from './bench-port.ts';
import { readNetworkConductances } from './phases.ts';
import { pulseBatches } from './sign-sgd.ts';
import type { DeviceMap } from './weight-mapping.ts';

/** Uniform in [min_S, max_S] per device (default: the network's conductance range). */
export function randomConductances(
  layout: NetworkLayout,
  rng: Rng,
  range: { min_S: number; max_S: number } = layout.desc.conductance,
): Float64Array {
  const g = new Float64Array(layout.totalDevices);
  for (let i = 0; i < g.length; i++) g[i] = rng.range(range.min_S, range.max_S);
  return g;
}

export function initialiseRandomConductances(
  ideal: IdealConductanceAccess,
  layout: NetworkLayout,
  rng: Rng,
): void {
  ideal.write(randomConductances(layout, rng));
}

const positive = (field: string) => z.number().positive(`${field} must be > 0`);
const shape = (p: string) =>
  z
    .object({
      amplitude_V: positive(`${p}.amplitude_V`).default(1.2),
      width_s: positive(`${p}.width_s`).default(100e-9),
    })
    .strict()
    .prefault({});

export const programVerifyOptionsSchema = z
  .object({
    /** A device is done when |g − target| ≤ tolerance_S. */
    tolerance_S: positive('tolerance_S'),
    /** Programming rounds (read, pulse the devices out of tolerance) before giving up. */
    maxIterations: z.number().int().min(1, 'maxIterations must be >= 1').default(50),
    readVoltage_V: positive('readVoltage_V').default(0.1),
    set: shape('set'),
    reset: shape('reset'),
    /** Expected |Δg| of one pulse, S: the count is round(|error| / step_S) capped at maxCount.
     * Without it every device out of tolerance gets one pulse per round. */
    step_S: positive('step_S').optional(),
    maxCount: z.number().int().min(1, 'maxCount must be >= 1').default(10),
    maxPulsesPerCall: z.number().int().min(1, 'maxPulsesPerCall must be >= 1').default(4096),
    operationTimeout_ms: positive('operationTimeout_ms').default(10_000),
  })
  .strict();

export type ProgramVerifyOptions = z.input<typeof programVerifyOptionsSchema>;

export interface ProgramVerifyReport {
  /** Programming rounds performed. */
  iterations: number;
  converged: boolean;
  devices: number;
  /** Devices within tolerance at the last read. */
  withinTolerance: number;
  /** Residual |g − target| at the last read, S. */
  maxAbsError_S: number;
  rmsError_S: number;
  pulsesApplied: number;
}

/** Iterative program-and-verify of every network device to `target_S` (network device order).
 * Holds the bench lock; on any failure the bench is made safe before the error propagates. */
export async function programAndVerify(
  bench: BenchCapabilities | BenchPort,
  deviceMap: DeviceMap,
  target_S: Float64Array,
  input: ProgramVerifyOptions,
): Promise<ProgramVerifyReport> {
  const parsed = programVerifyOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new RangeError(
      `invalid program-and-verify options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const o = parsed.data;
  const n = deviceMap.layout.totalDevices;
  if (target_S.length !== n)
    throw new RangeError(`target_S has ${target_S.length} values, the network has ${n} devices`);
  const port = 'sampler' in bench ? benchPort(bench) : bench;
  const release = acquireBench(port.key, 'program-and-verify');
  try {
    const report: ProgramVerifyReport = {
      iterations: 0,
      converged: false,
      devices: n,
      withinTolerance: 0,
      maxAbsError_S: 0,
      rmsError_S: 0,
      pulsesApplied: 0,
    };
    for (;;) {
      const g = await firstValueFrom(
        readNetworkConductances(port, deviceMap, o.readVoltage_V, o.operationTimeout_ms),
      );
      const pulses: Pulse[] = [];
      let within = 0;
      let maxAbs = 0;
      let squares = 0;
      for (let d = 0; d < n; d++) {
        const e = g[d] - target_S[d];
        const m = Math.abs(e);
        maxAbs = Math.max(maxAbs, m);
        squares += e * e;
        if (m <= o.tolerance_S) {
          within++;
          continue;
        }
        const s = e < 0 ? o.set : o.reset;
        const count =
          o.step_S === undefined ? 1 : Math.min(o.maxCount, Math.max(1, Math.round(m / o.step_S)));
        const { array, row, col } = deviceMap.cell(d);
        pulses.push({
          array,
          row,
          col,
          polarity: e < 0 ? 'set' : 'reset',
          amplitude_V: s.amplitude_V,
          width_s: s.width_s,
          count,
        });
      }
      Object.assign(report, {
        withinTolerance: within,
        maxAbsError_S: maxAbs,
        rmsError_S: Math.sqrt(squares / n),
      });
      report.converged = within === n;
      if (report.converged || report.iterations >= o.maxIterations) return report;
      for (const batch of pulseBatches(pulses, o.maxPulsesPerCall)) {
        const r = await firstValueFrom(
          port.applyPulses(batch).pipe(timed('programmer.applyPulses', o.operationTimeout_ms)),
        );
        report.pulsesApplied += r.applied;
      }
      report.iterations++;
    }
  } catch (e) {
    await firstValueFrom(port.safeState().pipe(timed('safeState', o.operationTimeout_ms)), {
      defaultValue: undefined,
    }).catch(() => undefined);
    throw e;
  } finally {
    release();
  }
}
