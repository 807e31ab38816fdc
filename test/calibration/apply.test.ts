// Channel calibrations applied to a bench: after a DAC and a read-out calibration the wrapped
// bench puts the requested levels on the lines and reads back the true node voltages, and records
// that are stale or were taken with other instruments are reported.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import {
  applyChannelCalibration,
  calibrateAdc,
  calibrateDac,
  calibratedInstruments,
  calibrationWarnings,
  makeRecord,
  resultOf,
} from '../../calibration/index.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { simMeter } from './helpers.ts';

function board(): SimBoard {
  return new SimBoard({
    network: { inputs: 2, outputs: 1 },
    seed: 21,
    dacErrors: { gainErrorRms: 0.02, offsetRms_V: 0.02 },
    readoutChannels: { gain: [1.03, 0.97], offset_V: [5e-3, -4e-3] },
  });
}

const boardIdentity = { vendor: 'nudged', model: 'SimBoard', serial: 'seed 21', firmware: 'in-process' };

async function records(b: SimBoard) {
  const lines = [0, 1, 2, 3].map((line) => simMeter(b, { kind: 'input-line', line }, 2e-5, line + 1));
  const nodes = [0, 1].map((node) => simMeter(b, { kind: 'node', node }, 2e-5, node + 11));
  const dac = await resultOf(calibrateDac({ inputs: b.inputs, meters: lines, timebase: b.timebase }));
  const adc = await resultOf(
    calibrateAdc({ inputs: b.inputs, sampler: b.sampler, meters: nodes, timebase: b.timebase }),
  );
  const instruments = [
    { role: 'sim-board (bench)', ...boardIdentity },
    { role: 'reference meter on line 0', ...lines[0].identity! },
  ];
  return [
    makeRecord('dac', dac, { id: 'dac-1', bench: 'test', instruments, createdAt: new Date('2026-01-01') }),
    makeRecord('adc', adc, { id: 'adc-1', bench: 'test', instruments, createdAt: new Date('2026-01-02') }),
  ];
}

describe('applying channel calibrations', () => {
  test('the corrected source puts the requested levels on the lines', async () => {
    const b = board();
    const bench = applyChannelCalibration(b, await records(b));
    const wanted = Float64Array.from([0.3, -0.2, 0.05, -0.4]);
    await bench.inputs.setVoltages(wanted);
    const raw = Array.from(b.appliedInputs(), (v, i) => Math.abs(v - wanted[i]));
    assert.ok(Math.max(...raw) < 1e-3, `lines within 1 mV of the request: ${raw.join(', ')}`);
    await b.inputs.setVoltages(wanted);
    const uncorrected = Array.from(b.appliedInputs(), (v, i) => Math.abs(v - wanted[i]));
    assert.ok(Math.max(...uncorrected) > 5e-3, 'without the correction the lines are off by mV');
  });

  test('the corrected sampler reads the true node voltages', async () => {
    const b = board();
    const bench = applyChannelCalibration(b, await records(b));
    await bench.inputs.setVoltages(Float64Array.from([0.3, -0.1, -0.3, 0.1]));
    await bench.timebase.wait(1e-3);
    const read = await bench.sampler.sampleAndRead({ averages: 16 });
    const truth = b.trueNodeVoltages();
    read.forEach((v, i) => assert.ok(Math.abs(v - truth[i]) < 2e-4, `node ${i}: ${v} vs ${truth[i]}`));
  });

  test('a level no line can reach through its correction is refused before it is sent', async () => {
    const b = board();
    const bench = applyChannelCalibration(b, await records(b));
    await bench.inputs.setVoltages(Float64Array.from([0.1, 0.1, 0.1, 0.1]));
    const before = b.appliedInputs();
    const beyond = bench.inputs.range.max + 1e-3;
    await assert.rejects(bench.inputs.setVoltages(Float64Array.from([beyond, 0, 0, 0])), LimitError);
    assert.deepEqual(b.appliedInputs(), before, 'nothing reached the board');
  });

  test('stale records and records of other instruments are reported', async () => {
    const b = board();
    const recs = await records(b);
    const identity = boardIdentity;
    assert.deepEqual(
      calibrationWarnings(recs, {
        now: new Date('2026-01-10'),
        maxAge_s: 30 * 86400,
        identities: [identity],
      }),
      [],
    );
    const stale = calibrationWarnings(recs, { now: new Date('2026-03-01'), maxAge_s: 30 * 86400 });
    assert.deepEqual(
      stale.map((w) => [w.record, w.kind]),
      [
        ['dac-1', 'stale'],
        ['adc-1', 'stale'],
      ],
    );
    const other = calibrationWarnings(recs, {
      now: new Date('2026-01-10'),
      identities: [{ ...identity, serial: '999' }],
    });
    assert.equal(other.length, 2);
    assert.ok(other.every((w) => w.kind === 'identity' && w.message.includes('serial seed 21')));
  });

  test('a record is bound to the instruments it calibrated, not to its reference meters', () => {
    const record = (kind: 'dac' | 'adc', roles: string[]) =>
      ({
        kind,
        instruments: roles.map((role, k) => ({ role, ...boardIdentity, serial: String(k) })),
      }) as unknown as Parameters<typeof calibratedInstruments>[0];
    const roles = [
      'board (sampler, arrays)',
      'dac (inputs)',
      'smu (nudge)',
      'refA (reference)',
      'reference meter on line 0',
    ];
    assert.deepEqual(
      calibratedInstruments(record('dac', roles)).map((i) => i.role),
      ['dac (inputs)'],
    );
    assert.deepEqual(
      calibratedInstruments(record('adc', roles)).map((i) => i.role),
      ['board (sampler, arrays)'],
    );
    assert.deepEqual(
      calibratedInstruments(record('dac', ['sim-board (bench)', 'reference meter on line 0'])).map(
        (i) => i.role,
      ),
      ['sim-board (bench)'],
    );
  });
});
