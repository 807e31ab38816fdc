// The digital-twin tests' hidden board and its calibration: a simulated board whose channel
// errors, node capacitance and device population the tests know, the five records a twin is built
// from, and the comparison of two boards' pulse responses within the fitted noise.
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import {
  allDevices,
  calibrateAdc,
  calibrateDac,
  calibrateSettle,
  makeRecord,
  measurePulseResponse,
  readConductanceMap,
  resultOf,
} from '../../calibration/index.ts';
import type { BenchCapabilities } from '../../src/capabilities/index.ts';
import type { CalibrationRecord } from '../../calibration/index.ts';
import { simMeter } from './helpers.ts';
import { deviceParams, pulse } from './fixtures.ts';

export const network = { inputs: 2, hidden: [2], outputs: 1 }; // arrays 4×2 and 2×2: 12 devices

export function hidden(): SimBoard {
  return new SimBoard({
    network: { ...network, nodeCapacitance_F: 5e-12 },
    seed: 8,
    devices: deviceParams({ family: 'soft-bounds' }),
    dacErrors: { gainErrorRms: 0.01, offsetRms_V: 0.005 },
  });
}

export async function calibrate(b: SimBoard): Promise<CalibrationRecord[]> {
  const meta = (id: string) => ({ id, bench: 'hidden', createdAt: new Date('2026-02-01T10:00:00Z') });
  const lines = [0, 1, 2, 3].map((line) => simMeter(b, { kind: 'input-line', line }, 2e-5, line + 1));
  const nodes = [0, 1, 2, 3].map((node) => simMeter(b, { kind: 'node', node }, 2e-5, node + 11));
  const dac = await resultOf(calibrateDac({ inputs: b.inputs, meters: lines, timebase: b.timebase }));
  const adc = await resultOf(
    calibrateAdc(
      { inputs: b.inputs, sampler: b.sampler, meters: nodes, timebase: b.timebase },
      { min_V: -0.3, max_V: 0.3 },
    ),
  );
  const settle = await resultOf(
    calibrateSettle(
      { inputs: b.inputs, sampler: b.sampler, timebase: b.timebase, reader: b.reader },
      { maxDelay_s: 12 * b.slowestTimeConstant() },
    ),
  );
  const map = await resultOf(readConductanceMap({ reader: b.reader }));
  const pulses = await resultOf(
    measurePulseResponse(
      { programmer: b.programmer, reader: b.reader },
      { devices: allDevices(b.reader), set: pulse, reset: pulse, pulsesPerTrain: 200, cycles: 1 },
    ),
  );
  return [
    makeRecord('dac', dac, meta('dac')),
    makeRecord('adc', adc, meta('adc')),
    makeRecord('settle', settle, meta('settle')),
    makeRecord('conductance-map', map, meta('map')),
    makeRecord('pulse-response', pulses, meta('pulses')),
  ];
}

/** Mean over the devices and its standard error, per point of the curves. */
function meanCurve(curves: { g_S: readonly number[] }[]): { mean: number[]; se: number[] } {
  const n = curves.length;
  const points = curves[0].g_S.length;
  const mean: number[] = [];
  const se: number[] = [];
  for (let k = 0; k < points; k++) {
    const v = curves.map((c) => c.g_S[k]);
    const m = v.reduce((a, b) => a + b, 0) / n;
    mean.push(m);
    se.push(Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0) / (n - 1) / n));
  }
  return { mean, se };
}

/** The same pulse experiment on the hidden board and on `twin`, from the same preconditioning:
 * their mean curves agree within the sampling error of both means and the fitted noise of one
 * read (largest difference < 3 σ, rms < 1.5 σ). */
export async function assertSamePulseResponse(
  board: BenchCapabilities,
  twin: BenchCapabilities,
  records: readonly CalibrationRecord[],
): Promise<void> {
  const experiment = (b: BenchCapabilities) =>
    resultOf(
      measurePulseResponse(
        { programmer: b.programmer, reader: b.reader },
        {
          devices: allDevices(b.reader),
          set: pulse,
          reset: pulse,
          pulsesPerTrain: 200,
          cycles: 1,
          families: [],
        },
      ),
    );
  const measured = meanCurve((await experiment(board)).curves);
  const simulated = meanCurve((await experiment(twin)).curves);
  const fit = records.find((r) => r.kind === 'pulse-response')!.result.fit!;
  const readNoise = (g: number) => Math.hypot(fit.readNoiseFraction * g, fit.readNoiseFloor_S);
  const z = measured.mean.map(
    (m, k) => (m - simulated.mean[k]) / Math.hypot(measured.se[k], simulated.se[k], readNoise(m)),
  );
  const worst = Math.max(...z.map(Math.abs));
  assert.ok(worst < 3, `largest |difference| is ${worst.toFixed(2)} σ`);
  const rmsZ = Math.sqrt(z.reduce((a, v) => a + v * v, 0) / z.length);
  assert.ok(rmsZ < 1.5, `rms difference ${rmsZ.toFixed(2)} σ`);
}
