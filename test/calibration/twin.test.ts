// The digital twin: a simulated board built from a bench's calibration records carries the
// measured channel errors, node capacitance (from the time constant) and device population, and reproduces the
// measured board's pulse response within the fitted noise.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import type { SimBoardConfigInput } from '../../sim/board/index.ts';
import {
  allDevices,
  calibrateAdc,
  calibrateDac,
  calibrateSettle,
  exportRecord,
  importRecord,
  makeRecord,
  measurePulseResponse,
  readConductanceMap,
  resultOf,
  twinConfigFromCalibration,
} from '../../calibration/index.ts';
import type { CalibrationRecord } from '../../calibration/index.ts';
import { simMeter } from './helpers.ts';
import { deviceParams, pulse } from './fixtures.ts';

const network = { inputs: 2, hidden: [2], outputs: 1 }; // arrays 4×2 and 2×2: 12 devices

function hidden(): SimBoard {
  return new SimBoard({
    network: { ...network, nodeCapacitance_F: 5e-12 },
    seed: 8,
    devices: deviceParams({ family: 'soft-bounds' }),
    dacErrors: { gainErrorRms: 0.01, offsetRms_V: 0.005 },
  });
}

async function calibrate(b: SimBoard): Promise<CalibrationRecord[]> {
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

describe('digital twin', () => {
  test('carries the channel errors and the time constant, and reproduces the pulse response', async () => {
    const board = hidden();
    const records = (await calibrate(board)).map((r) => importRecord(exportRecord(r)));
    const twinConfig = twinConfigFromCalibration(records, network);
    const twin = new SimBoard({ ...(twinConfig as SimBoardConfigInput), seed: 99 });

    twin.dacErrors.gain.forEach((g, c) =>
      assert.ok(Math.abs(g / board.dacErrors.gain[c] - 1) < 1e-3, `line ${c}: gain ${g}`),
    );
    twin.dacErrors.offset_V.forEach((o, c) =>
      assert.ok(Math.abs(o - board.dacErrors.offset_V[c]) < 1e-3 * 20, `line ${c}: offset ${o}`),
    );
    // C = τ·λ_min(G) from the slowest fitted τ and the map read with it (hidden: 5 pF).
    const cErr = twin.layout.desc.nodeCapacitance_F / 5e-12 - 1;
    assert.ok(Math.abs(cErr) < 0.1, `node capacitance twin/board − 1 = ${cErr}`);

    // The same experiment on both, from the same preconditioning.
    const experiment = (b: SimBoard) =>
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
    // Tolerance per point: the sampling error of both means and the fitted noise of one read.
    const fit = records.find((r) => r.kind === 'pulse-response')!.result.fit!;
    const readNoise = (g: number) => Math.hypot(fit.readNoiseFraction * g, fit.readNoiseFloor_S);
    const z = measured.mean.map(
      (m, k) => (m - simulated.mean[k]) / Math.hypot(measured.se[k], simulated.se[k], readNoise(m)),
    );
    const worst = Math.max(...z.map(Math.abs));
    assert.ok(worst < 3, `largest |difference| is ${worst.toFixed(2)} σ`);
    const rmsZ = Math.sqrt(z.reduce((a, v) => a + v * v, 0) / z.length);
    assert.ok(rmsZ < 1.5, `rms difference ${rmsZ.toFixed(2)} σ`);
  });
});
