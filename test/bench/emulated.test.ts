// End to end against the protocol-level emulators on loopback: a bench YAML pointing at the
// emulators' resource strings is assembled (every instrument opened, identified, configured), a
// training-like sequence runs through the composed, interlocked capabilities, limits refuse
// requests before a byte is sent, an instrument fault drives everything safe, and a wrong identity
// fails the assembly with everything opened closed again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { LimitError } from '../../src/capabilities/index.ts';
import { parseBenchConfig } from '../../src/config/index.ts';
import {
  assembleBench,
  BenchAssemblyError,
  BenchFaultedError,
  IdentityMismatchError,
  type AssembledBench,
} from '../../src/bench/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { Keithley2450Emulator } from '../../sim/emulators/index.ts';
import {
  emulatedBenchYaml,
  instrumentTraffic,
  startXorEmulators,
  untilSocketsAtMost,
} from './emulated-helpers.ts';

let running: RunningEmulatedBench;
let bench: AssembledBench;
/** Every message the emulators receive, from before the assembly on. */
let traffic: ReturnType<typeof instrumentTraffic>;

before(async () => {
  running = await startXorEmulators();
  traffic = instrumentTraffic(running);
  bench = await assembleBench(parseBenchConfig(emulatedBenchYaml(running), 'emulated-bench.yaml'));
});

after(async () => {
  await bench?.close();
  traffic?.stop();
  await running?.close();
});

const lineLsb = 20 / 4095;

test('assembly identifies every instrument and reports its health and roles', async () => {
  assert.equal(bench.kind, 'instruments');
  assert.equal(bench.name, 'emulated-xor');
  const byName = new Map(bench.instruments.map((s) => [s.name, s]));
  assert.deepEqual([...byName.keys()], ['board', 'dac', 'smu']);
  assert.equal(byName.get('board')!.identity.model, 'XBAR-EMU');
  assert.deepEqual(byName.get('board')!.roles, ['sampler', 'arrays']);
  assert.equal(byName.get('smu')!.identity.vendor, 'KEITHLEY INSTRUMENTS');
  assert.deepEqual(byName.get('smu')!.roles, ['nudge']);
  assert.match(byName.get('dac')!.identity.model, /adam-6224/);
  const health = await bench.checkHealth();
  assert.ok(
    health.every((s) => s.health.ok),
    JSON.stringify(health.map((s) => s.health)),
  );
  const status = bench.status();
  assert.equal(status.network.inputLines, 4);
  assert.equal(status.network.floatingNodes, 4);
  assert.deepEqual(status.inputRange_V, { min: -1, max: 1 });
  assert.equal(status.fault, null);
  assert.deepEqual(status.calibration, { ref: null, applied: false });
});

test('a training-like sequence through the composed capabilities reaches the emulated circuit', async () => {
  const c = bench.capabilities;
  const x = Float64Array.of(0.4, -0.3, -0.4, 0.3);
  await c.inputs.setVoltages(x);
  for (let line = 0; line < 4; line++) {
    assert.ok(Math.abs(running.bench.lineVoltage(line) - x[line]) <= lineLsb, `line ${line}`);
  }
  const free = await c.sampler.sampleAndRead({ delay_s: 1e-3 });
  assert.equal(free.length, 4);
  assert.ok(free.every(Number.isFinite));
  await c.nudge.setCurrents(Float64Array.of(2e-5));
  assert.equal(running.bench.nudgeCurrent(0), 2e-5);
  const nudged = await c.sampler.sampleAndRead({ delay_s: 1e-3 });
  assert.ok(nudged[3] > free[3], `a current into the output node raises it: ${free[3]} → ${nudged[3]}`);
  await c.nudge.setCurrents(Float64Array.of(0));

  const g0 = await c.reader.readConductances(1, 0.1);
  assert.equal(g0.length, 3, 'layer 1 is 3 hidden nodes × 1 output');
  const report = await c.programmer.applyPulses([
    { array: 1, row: 2, col: 0, polarity: 'set', amplitude_V: 1.5, width_s: 1e-6, count: 3 },
  ]);
  assert.deepEqual(report, { applied: 3 });
  const g1 = await c.reader.readConductances(1, 0.1);
  assert.ok(g1[2] > g0[2], `SET pulses raise G(1, 2, 0): ${g0[2]} → ${g1[2]}`);
  assert.equal(g1[0], g0[0], 'other devices are untouched');

  await bench.safeState();
  for (let line = 0; line < 4; line++) assert.ok(Math.abs(running.bench.lineVoltage(line)) <= lineLsb);
  assert.equal(running.bench.nudgeCurrent(0), 0);
});

test('a request beyond a limit is refused and nothing reaches any instrument', async () => {
  const c = bench.capabilities;
  await c.inputs.setVoltages(Float64Array.of(0.2, 0.2, -0.2, -0.2));
  const levels = [0, 1, 2, 3].map((line) => running.bench.lineVoltage(line));
  const sent = traffic.messages.length;
  await assert.rejects(c.inputs.setVoltages(Float64Array.of(0.2, 1.2, -0.2, -0.2)), (e: unknown) => {
    assert.ok(e instanceof LimitError);
    assert.equal(e.field, 'inputs.line1.voltage_V');
    return true;
  });
  await assert.rejects(
    c.nudge.setCurrents(Float64Array.of(6e-5)),
    /nudge\.node0\.current_A=0\.00006 is outside/,
  );
  await assert.rejects(
    c.programmer.applyPulses([
      { array: 0, row: 0, col: 0, polarity: 'reset', amplitude_V: 2.5, width_s: 1e-6 },
    ]),
    /pulses\[0\]\.amplitude_V=2\.5/,
  );
  await assert.rejects(c.reader.readConductances(0, 0.5), /reader\.readVoltage_V=0\.5/);
  assert.deepEqual(traffic.messages.slice(sent), [], 'no message was sent');
  assert.deepEqual(
    [0, 1, 2, 3].map((line) => running.bench.lineVoltage(line)),
    levels,
  );
  assert.equal(bench.capabilities.fault, undefined);
  await bench.safeState();
});

test('an instrument fault (an SCPI error injected by the emulator) drives every instrument safe', async () => {
  const c = bench.capabilities;
  await c.inputs.setVoltages(Float64Array.of(0.5, 0.5, -0.5, -0.5));
  await c.nudge.setCurrents(Float64Array.of(1e-5));
  const smu = running.instruments.get('smu');
  assert.ok(smu instanceof Keithley2450Emulator);
  assert.equal(smu.channel.output, true);
  // The emulator's fault injection: the next message the SMU receives queues error -300.
  const seen = traffic.counts.smu;
  const faults = running.config.instruments.find((i) => i.name === 'smu')!.faults;
  faults.scpiError = { after: seen, count: 1, code: -300, message: 'injected fault' };
  await assert.rejects(c.nudge.setCurrents(Float64Array.of(2e-5)), /injected fault/);
  delete faults.scpiError;

  assert.equal(c.fault?.operation, 'nudge.set');
  assert.equal(c.fault?.safeStateError, undefined, 'the safe state succeeded');
  for (let line = 0; line < 4; line++) assert.ok(Math.abs(running.bench.lineVoltage(line)) <= lineLsb);
  assert.equal(running.bench.nudgeCurrent(0), 0);
  assert.equal(smu.channel.output, false, 'the SMU output is off');
  assert.match(bench.status().fault!.message, /injected fault/);
  await assert.rejects(c.inputs.setVoltages(Float64Array.of(0.1, 0, 0, 0)), BenchFaultedError);
  c.clearFault();
  await c.inputs.setVoltages(Float64Array.of(0.1, 0, 0, 0));
  assert.ok(Math.abs(running.bench.lineVoltage(0) - 0.1) <= lineLsb);
  await bench.safeState();
});

test('a wrong identity fails the assembly, names the instrument and its place, closes everything', async () => {
  const baseline = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
  const yaml = emulatedBenchYaml(running, { smuIdentity: '{ vendor: KEITHLEY, model: "2400" }' });
  await assert.rejects(assembleBench(parseBenchConfig(yaml, 'wrong-smu.yaml')), (error: unknown) => {
    assert.ok(error instanceof BenchAssemblyError);
    assert.equal(error.failures.length, 1);
    assert.equal(error.failures[0].instrument, 'smu');
    assert.ok(error.failures[0].error instanceof IdentityMismatchError);
    const smuLine = yaml.split('\n').findIndex((l) => l.includes('- name: smu')) + 1;
    assert.match(
      error.message,
      new RegExp(
        `wrong-smu\\.yaml:${smuLine}:\\d+: smu: identity model 'MODEL 2450' does not contain the expected '2400'`,
      ),
    );
    return true;
  });
  await untilSocketsAtMost(baseline);
});

test('pulse limits above the board rating are refused by the board when the bench is assembled', async () => {
  const narrow = await startXorEmulators({ limits: { pulseAmplitude_V: { min: 0, max: 1.5 } } });
  try {
    const baseline = process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    const yaml = emulatedBenchYaml(narrow);
    await assert.rejects(assembleBench(parseBenchConfig(yaml, 'rated.yaml')), (error: unknown) => {
      assert.ok(error instanceof BenchAssemblyError);
      assert.match(
        error.message,
        /rated\.yaml:\d+:\d+: board: .*pulseAmplitude_V: \[0, 2\] exceeds the rating \[0, 1\.5\]/,
      );
      return true;
    });
    await untilSocketsAtMost(baseline);
  } finally {
    await narrow.close();
  }
});

test('with a ramp configured, a level change reaches the DAC as steps of at most voltageStep_V', async () => {
  const yaml = emulatedBenchYaml(running, {
    ramp: '  ramp: { voltageStep_V: 0.25, interDelay_s: 0.001 }',
  });
  const ramped = await assembleBench(parseBenchConfig(yaml, 'ramped.yaml'));
  try {
    const sent = traffic.messages.length;
    await ramped.capabilities.inputs.setVoltages(Float64Array.of(1, -0.5, 0, 0));
    const writes = traffic.messages.slice(sent).filter((m) => m.startsWith('dac: write 0 '));
    assert.equal(writes.length, 4, writes.join('\n'));
    const volts = writes.map((w) => (w.split(' ')[3].split(',').map(Number)[0] * 20) / 4095 - 10);
    volts.forEach((v, k) => assert.ok(Math.abs(v - 0.25 * (k + 1)) <= lineLsb, `step ${k}: ${v} V`));
    assert.ok(Math.abs(running.bench.lineVoltage(1) + 0.5) <= lineLsb);
  } finally {
    await ramped.close();
  }
  assert.ok(Math.abs(running.bench.lineVoltage(0)) <= lineLsb, 'closing drove the lines to 0');
});
