// The full pipeline over the protocol emulators on loopback — the code path of a real bench: the
// bench YAML is assembled by src/bench (drivers over TCP, Modbus and SCPI, behind the SafeBench
// interlock) and the Trainer runs EqProp steps through it. The loss falls and every conductance
// moves the way the same steps move it on the in-process simulated board; an instrument fault in
// the middle of a phase (an SCPI error, a stuck instrument, a dropped link) ends the step with a
// typed StepError — never a hang — and leaves every output of the emulated bench safe.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { assembleBench } from '../../src/bench/index.ts';
import type { AssembledBench } from '../../src/bench/index.ts';
import { parseBenchConfig } from '../../src/config/index.ts';
import { StepError, Trainer } from '../../src/training/index.ts';
import type { TrainingConfigInput } from '../../src/training/index.ts';
import { SimBoard } from '../../sim/board/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { Keithley2450Emulator } from '../../sim/emulators/index.ts';
import {
  NETWORK,
  emulatedBenchYaml,
  instrumentTraffic,
  startXorEmulators,
} from '../bench/emulated-helpers.ts';

// One regression sample: drive the single output node towards 0.3 V (squared error, Eq. 4.15).
// The 1 µs pulses give the ideal-linear devices 1 µS steps, so a few steps show.
const sample = { x: [Float64Array.of(0.8, -0.6)], y: [0] };
const config: TrainingConfigInput = {
  batchSize: 1,
  beta_S: 5e-5,
  estimator: 'centered',
  mode: 'pulses',
  readsPerPhase: 4,
  settle: { kind: 'fixed', time_s: 1e-3 },
  loss: { kind: 'squared-error', target: { on_V: 0.3, off_V: 0 } },
  pulses: { set: { width_s: 1e-6 }, reset: { width_s: 1e-6 }, deadBand: 1 },
  operationTimeout_ms: 2000,
};
const lineLsb = 20 / 4095;

let running: RunningEmulatedBench | undefined;
let bench: AssembledBench | undefined;
/** Every message the emulators receive, from before the assembly on. */
let traffic: ReturnType<typeof instrumentTraffic> | undefined;

afterEach(async () => {
  await bench?.close();
  traffic?.stop();
  await running?.close();
  bench = running = traffic = undefined;
});

async function start() {
  running = await startXorEmulators();
  traffic = instrumentTraffic(running);
  bench = await assembleBench(parseBenchConfig(emulatedBenchYaml(running), 'emulated-bench.yaml'));
  return { running, bench, traffic };
}

async function steps(trainer: Trainer, n: number): Promise<number[]> {
  const costs: number[] = [];
  for (let i = 0; i < n; i++) {
    await new Promise<void>((resolve, reject) =>
      trainer.step$(sample).subscribe({
        next: (e) => {
          if (e.type === 'loss') costs.push(e.cost);
        },
        error: reject,
        complete: resolve,
      }),
    );
  }
  return costs;
}

function assertSafe(r: RunningEmulatedBench): void {
  for (let line = 0; line < 4; line++)
    assert.ok(Math.abs(r.bench.lineVoltage(line)) <= lineLsb, `line ${line}`);
  assert.equal(r.bench.nudgeCurrent(0), 0);
  const smu = r.instruments.get('smu');
  assert.ok(smu instanceof Keithley2450Emulator);
  assert.equal(smu.channel.output, false, 'the SMU output is off');
}

test('EqProp steps through the emulated instruments lower the loss and move every conductance as the in-process sim does', async () => {
  const { running: r, bench: b } = await start();
  const g0 = Float64Array.from(r.bench.board.devices.g_S);
  const costs = await steps(new Trainer(b.capabilities, b.layout, config), 8);
  const g1 = Float64Array.from(r.bench.board.devices.g_S);
  assert.ok(costs.at(-1)! < 0.5 * costs[0], `cost ${costs[0]} → ${costs.at(-1)}`);

  const sim = new SimBoard({ network: NETWORK, devices: 'ideal-linear', seed: 7 });
  assert.deepEqual([...sim.devices.g_S], [...g0], 'the same initial board');
  const simCosts = await steps(new Trainer(sim, sim.layout, config), 8);
  assert.ok(simCosts.at(-1)! < 0.5 * simCosts[0]);
  const moved = g1.map((g, i) => g - g0[i]);
  const simMoved = sim.devices.g_S.map((g, i) => g - g0[i]);
  const agree = moved.filter((d, i) => Math.sign(d) === Math.sign(simMoved[i])).length;
  assert.ok(
    moved.some((d) => d !== 0),
    'conductances were programmed',
  );
  assert.ok(agree >= 0.8 * moved.length, `${agree} of ${moved.length} devices moved as in the sim`);
  assertSafe(r);
});

type Fault = 'scpiError' | 'stuck' | 'drop';

async function faultMidPhase(fault: Fault) {
  const { running: r, bench: b, traffic: t } = await start();
  const trainer = new Trainer(b.capabilities, b.layout, config);
  await steps(trainer, 1);
  // The SMU's next message is the nudged-plus phase's current (the free phase does not touch it).
  const faults = r.config.instruments.find((i) => i.name === 'smu')!.faults;
  const after = t.counts.smu;
  if (fault === 'scpiError') faults.scpiError = { after, count: 1, code: -300, message: 'injected fault' };
  else if (fault === 'stuck') faults.stuck = { after, count: 2 };
  else faults.drop = { after, count: 1 };
  const error = await steps(trainer, 1).then(
    () => assert.fail('the step should have failed'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof StepError, String(error));
  assert.equal(error.phase, 'nudged-plus');
  assert.equal(error.step, 1);
  // With the link gone the interlock cannot reach the SMU: the failure of its safe state is
  // reported with the step's error (every other instrument was made safe regardless).
  if (fault === 'drop') assert.match(String(error.safeStateError), /safe state failed on smu/);
  else assert.equal(error.safeStateError, undefined);
  assertSafe(r);
  return error;
}

test('an SCPI error injected mid-phase ends the step with a StepError and every output safe', async () => {
  const error = await faultMidPhase('scpiError');
  assert.match(String(error.cause), /injected fault/);
});

test('a stuck instrument mid-phase ends the step with a StepError (a timeout) and every output safe', async () => {
  const error = await faultMidPhase('stuck');
  assert.match(String(error.cause), /nudge\.setCurrents did not complete within 2000 ms/);
});

test('a dropped link mid-phase ends the step with a StepError and every output safe', async () => {
  const error = await faultMidPhase('drop');
  assert.match(String(error.cause), /connection closed/);
});
