// Instrument faults through the emulators' fault injection, with the daemon on an emulated
// instrument bench (a Modbus DAC, a Keithley 2450 and the crossbar board on loopback): an SCPI
// error, a Modbus exception, a dropped link and a timeout each fail the job in flight with a
// clear reason, leave every output safe, latch the bench fault — and the daemon stays up: once
// the fault is cleared the next job runs (after a dropped link the next job fails at once,
// naming the closed link, until the daemon is restarted on the bench).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { filter, firstValueFrom } from 'rxjs';
import { z } from 'zod';
import { Daemon } from '../../src/daemon/daemon.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import type { FaultsConfig, RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { Keithley2450Emulator } from '../../sim/emulators/index.ts';
import { emulatedBenchYaml, instrumentTraffic, startXorEmulators } from '../bench/emulated-helpers.ts';
import { TempDirs } from './helpers.ts';

const temp = new TempDirs();
const quiet = {
  level: 'fatal',
  pretty: false,
  destination: new Writable({ write: (_c, _e, done) => done() }),
};
const lineLsb = 20 / 4095;

let running: RunningEmulatedBench;
let traffic: ReturnType<typeof instrumentTraffic>;
let daemon: Daemon;

before(async () => {
  running = await startXorEmulators();
  traffic = instrumentTraffic(running);
  const dir = temp.make();
  const benchFile = join(dir, 'emulated-xor.yaml');
  // A short board timeout so that the swallowed-message case times out quickly.
  writeFileSync(benchFile, emulatedBenchYaml(running).replace('timeout_ms: 5000', 'timeout_ms: 500'));
  daemon = await Daemon.open({ benchFile, dataDir: dir, durability: 'normal', logger: quiet, start: false });
  // A sweep over the input lines and the nudge current, as a calibration would run one.
  daemon.registry.register(
    {
      kind: 'calibrate',
      summary: 'test sweep of the inputs and the nudge current',
      params: z.strictObject({ points: z.number().int().min(1) }),
      resumable: false,
      async run({ bench, control, params }) {
        const c = bench.capabilities;
        for (let k = 0; k < params.points; k++) {
          await control.boundary();
          const v = 0.1 + 0.05 * k;
          await c.inputs.setVoltages(Float64Array.of(v, v, -v, -v));
          await c.nudge.setCurrents(Float64Array.of(1e-6 * (k + 1)));
          await c.sampler.sampleAndRead({ delay_s: 1e-5, averages: 1 });
        }
        await c.safeState();
        return { points: params.points };
      },
    },
    { replace: true },
  );
  daemon.start();
});

after(async () => {
  await daemon?.close();
  traffic?.stop();
  await running?.close();
  temp.cleanup();
});

/** Messages the board's fault injector counted that never executed (swallowed), which the
 * traffic recorder therefore did not see. */
let boardSwallowed = 0;

function faultsOf(name: string): FaultsConfig {
  return running.config.instruments.find((i) => i.name === name)!.faults;
}

async function runJob(kind: string, params: unknown): Promise<{ state: string; reason: string | null }> {
  const job = daemon.submit(kind, params);
  const end = (e: LiveEvent) =>
    e.type === 'job' && e.job === job.id && ['done', 'failed', 'aborted'].includes(e.state);
  const event = (await firstValueFrom(daemon.events$.pipe(filter(end)))) as Extract<
    LiveEvent,
    { type: 'job' }
  >;
  return { state: event.state, reason: event.reason };
}

function assertOutputsSafe(): void {
  for (let line = 0; line < 4; line++)
    assert.ok(Math.abs(running.bench.lineVoltage(line)) <= lineLsb, `line ${line}`);
  assert.equal(running.bench.nudgeCurrent(0), 0);
  const smu = running.instruments.get('smu');
  assert.ok(smu instanceof Keithley2450Emulator);
  assert.equal(smu.channel.output, false, 'the SMU output is off');
}

/** The fault latched, the daemon answers, and after clearFault the next job completes. */
async function assertRecovers(): Promise<void> {
  assert.notEqual(daemon.health().fault, null);
  assert.ok(daemon.listRuns().length > 0);
  daemon.clearFault();
  const next = await runJob('calibrate', { points: 2 });
  assert.equal(next.state, 'done', next.reason ?? '');
}

test('a sweep without faults completes on the emulated bench, its instruments recorded with the run', async () => {
  const r = await runJob('calibrate', { points: 3 });
  assert.equal(r.state, 'done', r.reason ?? '');
  assertOutputsSafe();
  const used = daemon.store.instruments.forRun('run-1').map((u) => `${u.role}: ${u.instrument.vendor}`);
  assert.deepEqual(used.sort(), ['board: NUDGED', 'dac: Modbus', 'smu: KEITHLEY INSTRUMENTS']);
});

test('an SCPI error from the SMU fails the job with the instrument error, outputs safe', async () => {
  faultsOf('smu').scpiError = {
    after: traffic.counts.smu + 1,
    count: 1,
    code: -300,
    message: 'injected fault',
  };
  const r = await runJob('calibrate', { points: 4 });
  delete faultsOf('smu').scpiError;
  assert.equal(r.state, 'failed');
  assert.match(r.reason ?? '', /injected fault/);
  assertOutputsSafe();
  await assertRecovers();
});

test('a Modbus exception from the DAC fails the job naming the exception, outputs safe', async () => {
  faultsOf('dac').modbusException = { after: traffic.counts.dac + 1, count: 1, code: 4 };
  const r = await runJob('calibrate', { points: 4 });
  delete faultsOf('dac').modbusException;
  assert.equal(r.state, 'failed');
  assert.match(r.reason ?? '', /exception|device failure/i);
  assertOutputsSafe();
  await assertRecovers();
});

test('a board that stops answering times out: the job fails with the timeout, outputs safe', async () => {
  faultsOf('board').stuck = { after: traffic.counts.board + boardSwallowed, count: 1 };
  const r = await runJob('read-map', {});
  delete faultsOf('board').stuck;
  boardSwallowed += 1;
  assert.equal(r.state, 'failed');
  assert.match(r.reason ?? '', /time/i);
  assertOutputsSafe();
  await assertRecovers();
});

test('a dropped link to the board fails the job, outputs safe', async () => {
  faultsOf('board').drop = { after: traffic.counts.board + boardSwallowed, count: 1 };
  const r = await runJob('read-map', {});
  delete faultsOf('board').drop;
  assert.equal(r.state, 'failed');
  assert.ok((r.reason ?? '').length > 0);
  assertOutputsSafe();
  // The daemon stays up and says why the bench cannot work until it is reopened: the link is gone.
  assert.notEqual(daemon.health().fault, null);
  daemon.clearFault();
  const next = await runJob('read-map', {});
  assert.equal(next.state, 'failed');
  assert.match(next.reason ?? '', /not open/);
  assert.equal(daemon.listRuns({ state: 'failed' }).length, 5);
});
