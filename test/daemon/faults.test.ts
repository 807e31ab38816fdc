// Instrument faults through the emulators' fault injection, with the daemon on an emulated
// instrument bench (a Modbus DAC, a Keithley 2450 and the crossbar board on loopback): an SCPI
// error, a Modbus exception, a dropped link and a timeout each fail the job in flight with a
// clear reason, leave every output safe, latch the bench fault — and the daemon stays up: once
// the fault is cleared the next job runs, on a bench the daemon re-assembled first (links opened
// again, every instrument identified again), so a dropped link needs no restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { filter, firstValueFrom } from 'rxjs';
import { z } from 'zod';
import { startApi } from '../../src/api/index.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import type { LiveEvent } from '../../src/daemon/events.ts';
import type { FaultsConfig, RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { FaultInjector, Keithley2450Emulator } from '../../sim/emulators/index.ts';
import { emulatedBenchYaml, instrumentTraffic, startXorEmulators } from '../bench/emulated-helpers.ts';
import { MAIN, TempDirs } from './helpers.ts';

const run = promisify(execFile);
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

function faultsOf(name: string): FaultsConfig {
  return running.config.instruments.find((i) => i.name === name)!.faults;
}

/** Every message (SCPI program message, Modbus request — reads too) each emulator's fault
 * injector has counted, by its faults configuration: a fault window `{ after: received(name) }`
 * hits the next message, however many the assemblies and re-assemblies exchanged. */
const counted = new Map<FaultsConfig, number>();
const next = FaultInjector.prototype.next;
FaultInjector.prototype.next = function (this: FaultInjector) {
  const decision = next.call(this);
  counted.set(this.config, decision.message);
  return decision;
};
const received = (name: string) => counted.get(faultsOf(name)) ?? 0;

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
    after: received('smu'),
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
  faultsOf('dac').modbusException = { after: received('dac'), count: 1, code: 4 };
  const r = await runJob('calibrate', { points: 4 });
  delete faultsOf('dac').modbusException;
  assert.equal(r.state, 'failed');
  assert.match(r.reason ?? '', /exception|device failure/i);
  assertOutputsSafe();
  await assertRecovers();
});

test('a board that stops answering times out: the job fails with the timeout, outputs safe', async () => {
  faultsOf('board').stuck = { after: received('board'), count: 1 };
  const r = await runJob('read-map', {});
  delete faultsOf('board').stuck;
  assert.equal(r.state, 'failed');
  assert.match(r.reason ?? '', /time/i);
  assertOutputsSafe();
  await assertRecovers();
});

test('a dropped link to the board fails the job, outputs safe; the next job re-assembles the bench and runs', async () => {
  faultsOf('board').drop = { after: received('board'), count: 1 };
  const r = await runJob('read-map', {});
  delete faultsOf('board').drop;
  assert.equal(r.state, 'failed');
  assert.ok((r.reason ?? '').length > 0);
  assertOutputsSafe();
  // The daemon stays up; new jobs wait until the fault is cleared.
  assert.notEqual(daemon.health().fault, null);
  const identified = () => traffic.messages.filter((m) => /^board: .*\*IDN\?/.test(m)).length;
  const idnBefore = identified();
  daemon.clearFault();
  // The board drops the link again while being identified: the re-assembly fails, naming it.
  faultsOf('board').drop = { after: received('board'), count: 1 };
  const refused = await runJob('read-map', {});
  delete faultsOf('board').drop;
  assert.equal(refused.state, 'failed');
  assert.match(
    refused.reason ?? '',
    /re-assembling the bench after an instrument fault failed: .*board: .*connection closed/s,
  );
  assertOutputsSafe();
  if (daemon.health().fault !== null) daemon.clearFault();
  const next = await runJob('read-map', {});
  assert.equal(next.state, 'done', next.reason ?? '');
  assertOutputsSafe();
  assert.ok(identified() > idnBefore, 'the board was identified again on its new link');
  assert.equal(daemon.health().fault, null);
  assert.equal(
    daemon.bench.status().instruments.every((i) => i.healthy),
    true,
  );
  assert.equal(daemon.listRuns({ state: 'failed' }).length, 5);
});

test('on request the bench is re-assembled: every instrument identified again, outputs safe; refused while a job runs', async () => {
  const identified = (name: string) =>
    traffic.messages.filter((m) => m.startsWith(`${name}: `) && /\*IDN\?/.test(m)).length;
  const before = { board: identified('board'), smu: identified('smu') };
  const status = await daemon.reconnectBench();
  assert.deepEqual(
    status.instruments.map((i) => [i.name, i.healthy]),
    [
      ['board', true],
      ['dac', true],
      ['smu', true],
    ],
  );
  assert.ok(identified('board') > before.board && identified('smu') > before.smu);
  assertOutputsSafe();
  // A slow sweep holds the bench: a reconnect request is refused, naming the running job.
  faultsOf('smu').latency_ms = 50;
  const job = daemon.submit('calibrate', { points: 3 });
  try {
    await assert.rejects(daemon.reconnectBench(), new RegExp(`job ${job.id} is (queued|running)`));
  } finally {
    faultsOf('smu').latency_ms = 0;
  }
  await daemon.idle();
  assert.equal(daemon.getRun(job.id).job.state, 'done');
});

test('`nudge reconnect` re-assembles the bench through the API and lists every instrument', async () => {
  const api = await startApi(daemon, { port: 0 });
  try {
    const before = traffic.messages.filter((m) => /\*IDN\?/.test(m)).length;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', MAIN, 'reconnect', '--url', api.url], {
      timeout: 60_000,
    });
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0], /^bench \S+ re-assembled, outputs safe:$/);
    assert.deepEqual(
      lines.slice(1).map((l) => l.trim().split(/\s+/).slice(0, 2)),
      [
        ['ok', 'board'],
        ['ok', 'dac'],
        ['ok', 'smu'],
      ],
    );
    assert.ok(traffic.messages.filter((m) => /\*IDN\?/.test(m)).length > before, 'identified again');
    assertOutputsSafe();
  } finally {
    await api.close();
  }
});
