// The emulated reference-meter fixture: an SMU channel attached with `senseNode` / `senseLine`
// measures the true voltage there (the node before the sample-and-hold, the line after its DAC)
// while sourcing 0 A, and refuses to source anything else (-221 Settings conflict, output off).
// A channel on a calibration relay (`sourceNode`) makes the board's sampler convert its level
// while its output is on in voltage mode, measures that level, and releases the node when off.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulatedBench } from '../../sim/emulators/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { drainErrors, irisBoard, LineClient, portOf } from '../emulators/helpers.ts';

let bench: RunningEmulatedBench;
let meter: LineClient;
let lineMeter: LineClient;
let source: LineClient;

before(async () => {
  bench = await startEmulatedBench({
    board: irisBoard,
    instruments: [
      { name: 'board', kind: 'crossbar-board' },
      { name: 'ref', kind: 'keithley-2450', attach: { senseNode: 2 } },
      { name: 'ref2', kind: 'keithley-2450', attach: { senseLine: 3 } },
      { name: 'src', kind: 'keithley-2450', attach: { sourceNode: 1 } },
    ],
  });
  const port = (name: string) =>
    portOf(bench.resources.find((r) => r.name === name && r.resource.endsWith('SOCKET'))!.resource);
  meter = await LineClient.connect(port('ref'));
  lineMeter = await LineClient.connect(port('ref2'));
  source = await LineClient.connect(port('src'));
});

after(async () => {
  meter?.close();
  lineMeter?.close();
  source?.close();
  await bench?.close();
});

test('a sensing channel at 0 A reads the true node and line voltages', { timeout: 5000 }, async () => {
  const board = bench.bench.board;
  const lines = new Float64Array(board.layout.inputLines).map((_, k) => 0.1 * ((k % 5) - 2));
  await bench.bench.setLines(lines);
  meter.write('*RST;:SOUR:FUNC CURR;:SOUR:CURR 0;:SOUR:CURR:VLIM 2;:OUTP ON');
  const node = Number(await meter.query(':MEAS:VOLT?'));
  assert.ok(
    Math.abs(node - board.trueNodeVoltages()[2]) < 1e-12,
    `${node} vs ${board.trueNodeVoltages()[2]}`,
  );
  assert.ok(Math.abs(node) > 1e-3, 'the node is excited');
  lineMeter.write('*RST;:SOUR:FUNC CURR;:SOUR:CURR 0;:OUTP ON');
  assert.equal(Number(await lineMeter.query(':MEAS:VOLT?')), board.appliedInputs()[3]);
  assert.deepEqual(await drainErrors(meter), []);
});

test(
  'a sensing channel refuses any source but 0 A, and its output stays off',
  { timeout: 5000 },
  async () => {
    meter.write('*RST;:SOUR:FUNC CURR;:SOUR:CURR 1e-6;:OUTP ON');
    assert.deepEqual(await drainErrors(meter), [-221]);
    assert.equal(await meter.query(':OUTP?'), '0');
    meter.write('*RST;:SOUR:FUNC VOLT;:OUTP ON');
    assert.deepEqual(await drainErrors(meter), [-221]);
    assert.equal(await meter.query(':OUTP?'), '0');
  },
);

test(
  'a source on a read-out relay forces what the sampler converts while it is on',
  { timeout: 5000 },
  async () => {
    const board = bench.bench.board;
    const lines = new Float64Array(board.layout.inputLines).map((_, k) => 0.1 * ((k % 5) - 2));
    await bench.bench.setLines(lines);
    const read = async () => (await board.sampler.sampleAndRead({ averages: 64 }))[1];
    const before = await read();
    assert.ok(Math.abs(before - board.trueNodeVoltages()[1]) < 5e-3, 'the node as before');
    source.write('*RST;:SOUR:FUNC VOLT;:SOUR:VOLT 0.7;:SOUR:VOLT:ILIM 1e-3;:OUTP ON');
    assert.equal(Number(await source.query(':MEAS:VOLT?')), 0.7);
    const forced = await read();
    assert.ok(Math.abs(forced - 0.7) < 5e-3, `the read-out converts the SMU's level: ${forced}`);
    assert.ok(Math.abs(board.trueNodeVoltages()[1] - before) < 5e-3, 'the node itself is untouched');
    source.write(':OUTP OFF');
    assert.deepEqual(await drainErrors(source), []);
    assert.ok(Math.abs((await read()) - board.trueNodeVoltages()[1]) < 5e-3, 'released with the output off');
    source.write('*RST;:SOUR:FUNC CURR;:SOUR:CURR 1e-6;:OUTP ON');
    assert.deepEqual(await drainErrors(source), [-221]);
    assert.equal(await source.query(':OUTP?'), '0');
  },
);

test('two sources on one read-out relay are refused, naming the field', async () => {
  await assert.rejects(
    startEmulatedBench({
      board: irisBoard,
      instruments: [
        { name: 'board', kind: 'crossbar-board' },
        { name: 'src', kind: 'keithley-2600b', channels: [{ sourceNode: 1 }, { sourceNode: 1 }] },
      ],
    }),
    /instruments\[1\]\.channels\[1\]\.sourceNode: node 1's read-out is already sourced by instruments\[1\]\.channels\[0\]/,
  );
});
