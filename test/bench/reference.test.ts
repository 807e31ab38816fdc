// The reference voltmeters of an instrument bench (src/bench/reference.ts): meters are placed by
// the configuration's `reference.meters`, a line or node without one is refused naming it, each
// reading goes to the SMU channel of its fixture, and no reading is taken while the interlock
// holds a latched fault.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SimBoard } from '../../sim/board/index.ts';
import { BenchFaultedError, SafeBench } from '../../src/bench/index.ts';
import { referenceMeters } from '../../src/bench/reference.ts';
import { limitsSchema } from '../../src/config/index.ts';

const limits = limitsSchema.parse({
  inputVoltage_V: { min: -1, max: 1 },
  nudgeCurrent_A: { min: -1e-5, max: 1e-5 },
  pulse: { amplitude_V: 1.5, width_s: { min: 1e-8, max: 1e-6 }, count: 10 },
  readVoltage_V: 0.2,
});

test('meters read their SMU channel, refuse unknown places and a faulted bench', async () => {
  const board = new SimBoard({ network: { inputs: 2, outputs: 1 }, seed: 3 });
  let failSampler = false;
  const inner = {
    inputs: board.inputs,
    nudge: board.nudge,
    programmer: board.programmer,
    reader: board.reader,
    timebase: board.timebase,
    safeState: () => board.safeState(),
    sampler: {
      kind: 'node-sampler' as const,
      channels: board.sampler.channels,
      sampleAndRead: async (o: Parameters<typeof board.sampler.sampleAndRead>[0]) => {
        if (failSampler) throw new Error('the read-out link broke');
        return board.sampler.sampleAndRead(o);
      },
    },
  };
  const bench = new SafeBench(inner, { limits, watchdog_s: 30, safeStateTimeout_s: 5 });
  const asked: number[] = [];
  const voltmeter = {
    channels: 2,
    measureVoltage: async (channel: number) => {
      asked.push(channel);
      return 0.25 * (channel + 1);
    },
  };
  const identity = { vendor: 'KEITHLEY', model: '2602B', serial: '1', firmware: '4' };
  const reference = referenceMeters(
    {
      meters: [
        { instrument: 'ref', channel: 1, line: 2, mode: 'measure' },
        { instrument: 'ref', channel: 0, node: 1, mode: 'measure' },
      ],
    },
    new Map([['ref', { voltmeter, identity }]]),
    bench,
  );
  assert.deepEqual(reference.attachments, [
    { kind: 'input-line', line: 2 },
    { kind: 'node', node: 1 },
  ]);
  const [node, line] = reference.meters([
    { kind: 'node', node: 1 },
    { kind: 'input-line', line: 2 },
  ]);
  assert.equal(await line.measureVoltage(), 0.5);
  assert.equal(await node.measureVoltage(), 0.25);
  assert.deepEqual(asked, [1, 0]);
  assert.deepEqual(line.identity, identity);
  assert.throws(
    () => reference.meters([{ kind: 'input-line', line: 0 }]),
    /input line 0 has no reference meter/,
  );

  failSampler = true;
  await assert.rejects(bench.sampler.sampleAndRead({ averages: 1 }), /read-out link broke/);
  assert.ok(bench.fault !== undefined, 'the failure latched a fault');
  await assert.rejects(line.measureVoltage(), BenchFaultedError);
  assert.deepEqual(asked, [1, 0], 'nothing was asked of the SMU');
  bench.clearFault();
  assert.equal(await line.measureVoltage(), 0.5);
});

test('a reference source sets its channel, and is refused while the bench is faulted', async () => {
  const board = new SimBoard({ network: { inputs: 2, outputs: 1 }, seed: 3 });
  const broken = {
    ...board.sampler,
    sampleAndRead: () => Promise.reject(new Error('the read-out link broke')),
  };
  const bench = new SafeBench(
    {
      inputs: board.inputs,
      nudge: board.nudge,
      programmer: board.programmer,
      reader: board.reader,
      timebase: board.timebase,
      safeState: () => board.safeState(),
      sampler: broken,
    },
    { limits, watchdog_s: 30, safeStateTimeout_s: 5 },
  );
  const levels: [number, number][] = [];
  let safe = 0;
  const voltmeter = {
    channels: 2,
    measureVoltage: async (channel: number) => levels.findLast(([c]) => c === channel)?.[1] ?? 0,
    source: {
      range: { min: -1, max: 1 },
      setVoltage: async (channel: number, level_V: number) => void levels.push([channel, level_V]),
      safeState: async () => void safe++,
    },
  };
  const identity = { vendor: 'KEITHLEY', model: '2602B', serial: '1', firmware: '4' };
  const reference = referenceMeters(
    {
      meters: [
        { instrument: 'ref', channel: 0, node: 0, mode: 'source' },
        { instrument: 'ref', channel: 1, node: 1, mode: 'measure' },
      ],
    },
    new Map([['ref', { voltmeter, identity }]]),
    bench,
  );
  const [sourced, metered] = reference.meters([
    { kind: 'node', node: 0 },
    { kind: 'node', node: 1 },
  ]);
  assert.equal(metered.source, undefined, 'a measure entry has no source');
  assert.deepEqual(sourced.source?.range, { min: -1, max: 1 });
  await sourced.source!.setVoltage(0.3);
  assert.equal(await sourced.measureVoltage(), 0.3);
  await assert.rejects(bench.sampler.sampleAndRead({ averages: 1 }), /read-out link broke/);
  assert.ok(bench.fault !== undefined, 'the failure latched a fault');
  await assert.rejects(sourced.source!.setVoltage(0.5), BenchFaultedError);
  assert.deepEqual(levels, [[0, 0.3]], 'nothing was sent while faulted');
  await sourced.source!.safeState();
  assert.equal(safe, 1, 'the safe state is never refused');
});
