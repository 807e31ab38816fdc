// The simulated bench through the bench layer: openBenchFromFile on the built-in example gives a
// SimBoard behind the SafeBench interlock (limits refuse before the board changes), the sim
// section is checked with located errors, the calibration hook sits beneath the interlock, and the
// device state round-trips for crash-safe resume. Also: a driver option refused when the bench is
// planned (before anything is opened) is located in the file like any configuration error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LimitError } from '../../src/capabilities/index.ts';
import { ConfigError } from '../../src/config/index.ts';
import {
  BenchAssemblyError,
  BenchFaultedError,
  DEFAULT_BENCH_FILE,
  openBenchFromFile,
  SafeBench,
  withCapabilities,
  type CalibrationContext,
} from '../../src/bench/index.ts';

const example = await readFile(DEFAULT_BENCH_FILE, 'utf8');

async function benchFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'nudged-bench-')), 'bench.yaml');
  await writeFile(file, text);
  return file;
}

test('the default bench is the simulated Iris-size board behind the interlock', async () => {
  const bench = await openBenchFromFile();
  assert.equal(bench.kind, 'sim');
  assert.equal(bench.name, 'sim-iris');
  assert.ok(bench.capabilities instanceof SafeBench);
  assert.equal(bench.layout.inputLines, 8);
  assert.equal(bench.layout.floatingNodes, 14);
  const status = bench.status();
  assert.deepEqual(status.inputRange_V, { min: -2, max: 2 });
  assert.deepEqual(
    status.instruments.map((s) => [s.name, s.identity.model, s.health.ok]),
    [['sim-board', 'SimBoard', true]],
  );
  assert.equal(status.fault, null);
  await bench.close();
});

test('a request beyond a limit is refused and the simulated board does not change', async () => {
  const bench = await openBenchFromFile();
  const c = bench.capabilities;
  await c.inputs.setVoltages(new Float64Array(8).fill(0.5));
  const state = bench.deviceState!.snapshot();
  const clock = c.timebase.now();
  const pulse = { array: 0, row: 0, col: 0, polarity: 'set' as const, amplitude_V: 1, width_s: 1e-6 };
  await assert.rejects(c.inputs.setVoltages(new Float64Array(8).fill(2.5)), LimitError);
  await assert.rejects(
    c.programmer.applyPulses([{ ...pulse, amplitude_V: 2.1 }]),
    /pulses\[0\]\.amplitude_V/,
  );
  await assert.rejects(c.programmer.applyPulses([{ ...pulse, count: 21 }]), /pulses\[0\]\.count/);
  assert.equal(c.timebase.now(), clock, 'the virtual clock did not move');
  assert.deepEqual(bench.deviceState!.snapshot(), state, 'no device changed');
  const before = await c.sampler.sampleAndRead({ delay_s: 1e-6 });
  assert.equal(before.length, 14);
  await bench.close();
});

test('device state: a snapshot restored puts every conductance back', async () => {
  const bench = await openBenchFromFile();
  const c = bench.capabilities;
  const saved = bench.deviceState!.snapshot();
  const g0 = await c.reader.readConductances(0, 0.1);
  await c.programmer.applyPulses([
    { array: 0, row: 1, col: 1, polarity: 'reset', amplitude_V: 1.5, width_s: 1e-6, count: 10 },
  ]);
  assert.notDeepEqual(bench.deviceState!.snapshot().g_S, saved.g_S);
  bench.deviceState!.restore(saved);
  assert.deepEqual(bench.deviceState!.snapshot().g_S, saved.g_S);
  assert.equal((await c.reader.readConductances(0, 0.1)).length, g0.length);
  await bench.close();
});

test('the sim section is checked when the bench is assembled, errors located in the file', async () => {
  const text = example.replace('devices: ideal-linear', 'devices: unobtainium');
  const file = await benchFile(text);
  await assert.rejects(openBenchFromFile(file), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    const [issue] = error.issues;
    assert.equal(issue.file, file);
    assert.equal(issue.path, 'sim.devices');
    assert.equal(issue.line, text.split('\n').findIndex((l) => l.includes('unobtainium')) + 1);
    assert.match(issue.message, /unobtainium/);
    return true;
  });
  const limitsInSim = await benchFile(example.replace('  seed: 1', '  seed: 1\n  limits: {}'));
  await assert.rejects(
    openBenchFromFile(limitsInSim),
    /sim\.limits: set the limits at the top level of the file/,
  );
});

test('the calibration hook gets the board beneath the interlock; the interlock checks before it', async () => {
  const file = await benchFile(`${example}calibration: { record: 3 }\n`);
  const seen: CalibrationContext[] = [];
  const requested: number[][] = [];
  const bench = await openBenchFromFile(file, {
    applyCalibration: ({ capabilities, ...context }) => {
      seen.push({ capabilities, ...context });
      const offset_V = 0.01;
      return withCapabilities(capabilities, {
        inputs: {
          ...capabilities.inputs,
          setVoltages: (levels) => {
            requested.push(Array.from(levels));
            return capabilities.inputs.setVoltages(levels.map((v) => (v === 0 ? 0 : v - offset_V)));
          },
        },
      });
    },
  });
  assert.equal(seen.length, 1);
  assert.deepEqual(seen[0].calibration, { record: 3 });
  assert.ok(!(seen[0].capabilities instanceof SafeBench), 'the hook sees the bench beneath the interlock');
  assert.deepEqual(bench.status().calibration, { ref: { record: 3 }, applied: true });
  await bench.capabilities.inputs.setVoltages(new Float64Array(8).fill(1));
  assert.deepEqual(requested, [new Array(8).fill(1)]);
  await assert.rejects(bench.capabilities.inputs.setVoltages(new Float64Array(8).fill(3)), LimitError);
  assert.equal(requested.length, 1, 'a refused request never reaches the calibration');
  await bench.close();

  const uncalibrated = await openBenchFromFile(file);
  assert.equal(uncalibrated.calibration.applied, false);
  assert.match(uncalibrated.calibration.message!, /no applyCalibration hook/);
  await assert.rejects(
    openBenchFromFile(file, {
      applyCalibration: () => {
        throw new Error('record 3 is for another bench');
      },
    }),
    (error: unknown) =>
      error instanceof BenchAssemblyError && /calibration: record 3 is for another bench/.test(error.message),
  );
});

test('a stalled step on the simulated bench latches a fault; the ideal access is refused too', async () => {
  const bench = await openBenchFromFile(
    await benchFile(example.replace('watchdog_s: 30', 'watchdog_s: 0.05')),
  );
  const c = bench.capabilities;
  assert.ok(c.ideal !== undefined);
  const g = c.ideal.read();
  await c.inputs.setVoltages(new Float64Array(8).fill(0.5));
  await assert.rejects(
    c.runStep(() => new Promise(() => undefined)),
    /step stalled/,
  );
  assert.equal(bench.status().fault?.operation, 'watchdog');
  assert.equal((await bench.checkHealth())[0].health.ok, false);
  assert.throws(() => c.ideal!.write(g), BenchFaultedError);
  assert.throws(() => c.ideal!.read(), BenchFaultedError);
  const zero = { kind: 'dense', values: new Float64Array(g.length) } as const;
  assert.throws(() => c.ideal!.step(zero, [1e-9, 1e-9], { min_S: 1e-6, max_S: 1e-4 }, 0), BenchFaultedError);
  await assert.rejects(c.inputs.setVoltages(new Float64Array(8)), BenchFaultedError);
  c.clearFault();
  c.ideal.write(g);
  assert.deepEqual(c.ideal.read(), g);
  await bench.close();
});

test('a limit beyond the Modbus DAC output range is refused before anything is opened, located', async () => {
  const lab = await readFile(new URL('../../examples/lab-bench.yaml', import.meta.url), 'utf8');
  // ±12 V lines on an ADAM-6224 (±10 V); nothing is listening at the lab addresses, and nothing is
  // tried: the driver refuses the channel limits when it is constructed.
  const text = lab.replace('inputVoltage_V: { min: -1, max: 1 }', 'inputVoltage_V: { min: -12, max: 12 }');
  const file = await benchFile(text);
  await assert.rejects(openBenchFromFile(file), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    const [issue] = error.issues;
    assert.equal(issue.path, 'instruments[1]');
    assert.equal(issue.line, text.split('\n').findIndex((l) => l.includes('- name: dac')) + 1);
    assert.match(issue.message, /modbus-dac: .*\[-12, 12\] exceeds the output range \[-10, 10\]/);
    return true;
  });
});
