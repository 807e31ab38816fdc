// DAC and read-out channel calibrations recover the gains and offsets the test hides in the
// simulated board (per-channel DAC errors, per-channel read-out gain and offset, a known hold
// pedestal and droop), measured through reference meters on the lines and nodes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import { calibrateAdc, calibrateDac, resultOf } from '../../calibration/index.ts';
import { simMeter } from './helpers.ts';

const network = { inputs: 2, outputs: 1 }; // 4 input lines, 2 output nodes
const readoutGain = [1.012, 0.9915];
const readoutOffset_V = [2e-3, -1.5e-3];
const pedestal_V = 5e-4;
const droop_V_per_s = 3e-3;
const holdToRead_s = 2e-6;
const conversionInterval_s = 5e-6;

function board(): SimBoard {
  return new SimBoard({
    network,
    seed: 11,
    dacErrors: { gainErrorRms: 0.01, offsetRms_V: 0.01 },
    readoutChannels: { gain: readoutGain, offset_V: readoutOffset_V },
    chain: {
      sampleAndHold: {
        pedestal_V,
        pedestalSpread_V: 0,
        droopRate_V_per_s: droop_V_per_s,
        droopSpread_V_per_s: 0,
      },
      adc: { noiseRms_V: 1e-4, conversionInterval_s },
    },
    holdToRead_s,
  });
}

describe('DAC channel calibration', () => {
  test('recovers every line gain within 0.1 % and offset within 0.1 % of full scale', async () => {
    const b = board();
    const meters = [0, 1, 2, 3].map((line) => simMeter(b, { kind: 'input-line', line }, 2e-5, 100 + line));
    const result = await resultOf(calibrateDac({ inputs: b.inputs, meters, timebase: b.timebase }));
    assert.equal(result.channels.length, 4);
    const largest = Math.max(...b.dacErrors.gain.map((g) => Math.abs(g - 1)));
    assert.ok(largest > 5e-3, 'the hidden gain errors are large enough to matter');
    for (const c of result.channels) {
      const gain = b.dacErrors.gain[c.line];
      const offset = b.dacErrors.offset_V[c.line];
      assert.ok(Math.abs(c.gain / gain - 1) < 1e-3, `line ${c.line}: gain ${c.gain} vs ${gain}`);
      assert.ok(
        Math.abs(c.offset_V - offset) < 1e-3 * result.fullScale_V,
        `line ${c.line}: offset ${c.offset_V} vs ${offset}`,
      );
      // A linear DAC: the residuals are quantisation and meter noise, well below one mV.
      assert.ok(c.inl_V < 1e-3, `line ${c.line}: INL ${c.inl_V}`);
    }
    assert.deepEqual([...b.appliedInputs()], [0, 0, 0, 0], 'the sources end at their safe state');
  });
});

describe('read-out channel calibration', () => {
  test('recovers gain within 0.1 %, offset (with pedestal and droop) and noise', async () => {
    const b = board();
    const meters = [0, 1].map((node) => simMeter(b, { kind: 'node', node }, 2e-5, 200 + node));
    const averages = 16;
    const result = await resultOf(
      calibrateAdc({ inputs: b.inputs, sampler: b.sampler, meters, timebase: b.timebase }, { averages }),
    );
    // Mean droop over the averaged conversions, which follow the hold by holdToRead + k·interval.
    const meanDelay = holdToRead_s + ((averages - 1) / 2) * conversionInterval_s;
    for (const c of result.channels) {
      const offset = readoutOffset_V[c.node] + pedestal_V + droop_V_per_s * meanDelay;
      assert.ok(Math.abs(c.gain / readoutGain[c.node] - 1) < 1e-3, `node ${c.node}: gain ${c.gain}`);
      assert.ok(
        Math.abs(c.offset_V - offset) < 1e-3 * 20,
        `node ${c.node}: offset ${c.offset_V} vs ${offset}`,
      );
      assert.ok(Math.abs(c.offset_V - offset) < 1e-4, `node ${c.node}: offset within 0.1 mV`);
      assert.ok(Math.abs(c.noiseRms_V / 1e-4 - 1) < 0.2, `node ${c.node}: noise ${c.noiseRms_V}`);
    }
    assert.ok(Math.abs(result.codeStep_V - 20 / 2 ** 16) < 1e-9, `code step ${result.codeStep_V}`);
  });
});
