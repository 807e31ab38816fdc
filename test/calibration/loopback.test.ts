// Calibrations through the driver path: the protocol emulators serve a bench on loopback (a
// crossbar board over SCPI, a Modbus TCP DAC module, a Keithley 2450), the bench is assembled from
// its YAML by src/bench, and the DAC and pulse-response calibrations run through the composed,
// interlocked capabilities — every level a Modbus register write, every pulse batch and map read
// an SCPI exchange — and recover the emulated board's hidden channel errors and devices.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleBench, type AssembledBench } from '../../src/bench/index.ts';
import { parseBenchConfig } from '../../src/config/index.ts';
import { SimBoard } from '../../sim/board/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import {
  allDevices,
  calibrateDac,
  measurePulseResponse,
  nextConductance,
  resultOf,
} from '../../calibration/index.ts';
import { emulatedBenchYaml, NETWORK, startXorEmulators } from '../bench/emulated-helpers.ts';
import { simMeter, trueSteps } from './helpers.ts';
import { deviceParams, pulse } from './fixtures.ts';

let running: RunningEmulatedBench;
let bench: AssembledBench;
const boardConfig = {
  devices: deviceParams({ family: 'soft-bounds' }),
  dacErrors: { gainErrorRms: 0.01, offsetRms_V: 0.005 },
};

before(async () => {
  running = await startXorEmulators(boardConfig);
  bench = await assembleBench(parseBenchConfig(emulatedBenchYaml(running), 'emulated-bench.yaml'));
});

after(async () => {
  await bench?.close();
  await running?.close();
});

test('DAC calibration over Modbus TCP recovers the module channels within 0.1 %', async () => {
  const board = running.bench.board;
  const meters = [0, 1, 2, 3].map((line) => simMeter(board, { kind: 'input-line', line }, 2e-5, 40 + line));
  const c = bench.capabilities;
  const result = await resultOf(
    calibrateDac({ inputs: c.inputs, meters, timebase: c.timebase }, { levels: 41 }),
  );
  for (const ch of result.channels) {
    const gain = board.dacErrors.gain[ch.line];
    const offset = board.dacErrors.offset_V[ch.line];
    assert.ok(Math.abs(ch.gain / gain - 1) < 1e-3, `line ${ch.line}: gain ${ch.gain} vs ${gain}`);
    assert.ok(
      Math.abs(ch.offset_V - offset) < 1e-3 * result.fullScale_V,
      `line ${ch.line}: offset ${ch.offset_V} vs ${offset}`,
    );
  }
  assert.deepEqual(
    [0, 1, 2, 3].map((l) => running.bench.lineVoltage(l)).map((v) => Math.abs(v) < 0.02),
    [true, true, true, true],
  );
});

test('pulse-response calibration over SCPI recovers the devices within 10 %', async () => {
  const c = bench.capabilities;
  const devices = allDevices(c.reader, [1]);
  const result = await resultOf(
    measurePulseResponse(
      { programmer: c.programmer, reader: c.reader },
      {
        devices,
        set: pulse,
        reset: pulse,
        pulsesPerTrain: 150,
        cycles: 1,
        readsPerPoint: 2,
        families: ['soft-bounds'],
      },
    ),
  );
  const clean = new SimBoard({
    network: NETWORK,
    seed: 7,
    devices: deviceParams({ family: 'soft-bounds' }, false),
  });
  const truth = trueSteps(clean, pulse.amplitude_V, pulse.width_s);
  const offset = clean.layout.deviceOffsets[1];
  result.fit!.devices.forEach(({ model }, i) => {
    const index = offset + i;
    const up = nextConductance(model, model.gMin_S, 'set') - model.gMin_S;
    const down = model.gMax_S - nextConductance(model, model.gMax_S, 'reset');
    assert.ok(Math.abs(up / truth.up[index] - 1) < 0.1, `device ${i}: up ${up} vs ${truth.up[index]}`);
    assert.ok(
      Math.abs(down / truth.down[index] - 1) < 0.1,
      `device ${i}: down ${down} vs ${truth.down[index]}`,
    );
    const span = clean.devices.deviceGMax_S[index] - clean.devices.deviceGMin_S[index];
    assert.ok(Math.abs(model.gMax_S - clean.devices.deviceGMax_S[index]) < 0.1 * span, `device ${i}: gMax`);
  });
});
