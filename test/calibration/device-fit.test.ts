// The pulse-response calibration recovers the device model the test hides in the simulated board:
// per device, the step at the opposite bound (SET from gMin, RESET from gMax), the bounds and the
// up/down asymmetry within 10 %, for the soft-bounds, power-step and exponential-step families.
// Bounds are compared relative to the device's range (a bound is where the step vanishes, which
// is fixed only to a fraction of the range however small the bound itself is).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import type { SimBoardConfigInput } from '../../sim/board/index.ts';
import { allDevices, measurePulseResponse, nextConductance, resultOf } from '../../calibration/index.ts';
import { trueSteps } from './helpers.ts';
import { deviceParams, pulse } from './fixtures.ts';

const network = { inputs: 2, outputs: 1 }; // one 4×2 array: 8 devices

for (const [family, response] of [
  ['soft-bounds', { family: 'soft-bounds' }],
  ['pow-step', { family: 'pow-step', gammaUp: 1.5, gammaDown: 2 }],
  ['exp-step', { family: 'exp-step', gammaUp: 3, gammaDown: 4 }],
] as const) {
  describe(`device fit: ${family}`, () => {
    test('recovers each device step, bounds and asymmetry within 10 %', async () => {
      const config: SimBoardConfigInput = { network, seed: 5, devices: deviceParams(response) };
      const board = new SimBoard(config);
      const clean = new SimBoard({ ...config, devices: deviceParams(response, false) });
      const truth = trueSteps(clean, pulse.amplitude_V, pulse.width_s);
      const devices = allDevices(board.reader);
      const result = await resultOf(
        measurePulseResponse(
          { programmer: board.programmer, reader: board.reader },
          { devices, set: pulse, reset: pulse, pulsesPerTrain: 300, cycles: 2 },
        ),
      );
      const fit = result.fit!;
      assert.equal(fit.family, family, 'the BIC picks the hidden family');
      fit.devices.forEach(({ model }, i) => {
        const lo = clean.devices.deviceGMin_S[i];
        const hi = clean.devices.deviceGMax_S[i];
        const up = nextConductance(model, model.gMin_S, 'set') - model.gMin_S;
        const down = model.gMax_S - nextConductance(model, model.gMax_S, 'reset');
        const rel = (a: number, b: number) => Math.abs(a / b - 1);
        assert.ok(rel(up, truth.up[i]) < 0.1, `device ${i}: up ${up} vs ${truth.up[i]}`);
        assert.ok(rel(down, truth.down[i]) < 0.1, `device ${i}: down ${down} vs ${truth.down[i]}`);
        assert.ok(rel(up / down, truth.up[i] / truth.down[i]) < 0.1, `device ${i}: asymmetry`);
        assert.ok(
          Math.abs(model.gMin_S - lo) < 0.1 * (hi - lo),
          `device ${i}: gMin ${model.gMin_S} vs ${lo}`,
        );
        assert.ok(
          Math.abs(model.gMax_S - hi) < 0.1 * (hi - lo),
          `device ${i}: gMax ${model.gMax_S} vs ${hi}`,
        );
      });
      assert.ok(fit.cycleToCycle > 0.05 && fit.cycleToCycle < 0.2, `c2c ${fit.cycleToCycle} (hidden 0.1)`);
    });
  });
}
