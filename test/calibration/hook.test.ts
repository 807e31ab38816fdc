// The assembly hook: a bench configuration naming a calibration file gets its DAC corrections
// applied beneath the interlock; a stale record is applied with a warning; a record taken with
// another instrument (its identity, captured at calibration time, is not the assembled bench's)
// is warned about in the log and the bench status and is not applied.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SimBoard } from '../../sim/board/index.ts';
import { calibrateDac, exportRecord, makeRecord, resultOf } from '../../calibration/index.ts';
import type { CalibrationWarning } from '../../calibration/index.ts';
import { assembleBench } from '../../src/bench/index.ts';
import { parseBenchConfig } from '../../src/config/index.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { calibrationHook } from '../../src/daemon/jobs/calibrate.ts';
import { simMeter } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'nudged-calibration-hook-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sim = { seed: 6, dacErrors: { gainErrorRms: 0.02, offsetRms_V: 0.01 } };
const network = { inputs: 2, outputs: 1 };
const simIdentity = (seed: number) => ({
  vendor: 'nudged',
  model: 'SimBoard',
  serial: `seed ${seed}`,
  firmware: 'in-process',
});

/** A DAC record of the seed-6 board, taken (as its record says) with the board of `boardSeed`. */
async function recordFile(name: string, boardSeed: number, createdAt: Date): Promise<string> {
  const b = new SimBoard({ network, ...sim });
  const meters = [0, 1, 2, 3].map((line) => simMeter(b, { kind: 'input-line', line }, 2e-5, line));
  const dac = await resultOf(calibrateDac({ inputs: b.inputs, meters, timebase: b.timebase }));
  const record = makeRecord('dac', dac, {
    id: `dac-${name}`,
    bench: 'hooked',
    createdAt,
    instruments: [
      { role: 'sim-board (bench)', ...simIdentity(boardSeed) },
      { role: 'reference meter on line 0', ...meters[0].identity! },
    ],
  });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, exportRecord(record));
  return file;
}

const yaml = (file: string) => `kind: sim
name: hooked
network: { inputs: 2, outputs: 1 }
limits:
  inputVoltage_V: { min: -1, max: 1 }
  nudgeCurrent_A: { min: -1.0e-4, max: 1.0e-4 }
  pulse: { amplitude_V: 2, width_s: { min: 1.0e-8, max: 1.0e-5 }, count: 20 }
  readVoltage_V: 0.2
sim: { seed: 6, dacErrors: { gainErrorRms: 0.02, offsetRms_V: 0.01 } }
calibration: { file: ${file} }
`;

test('a stale record of this board is applied beneath the interlock, with a warning', async () => {
  const file = await recordFile('old', 6, new Date('2020-01-01T00:00:00Z'));
  const board = new SimBoard({ network, ...sim });
  const warnings: CalibrationWarning[] = [];
  const noted: string[] = [];
  const hook = calibrationHook({ onWarning: (w) => warnings.push(w) });
  const config = parseBenchConfig(yaml(file), 'hooked.yaml');
  const corrected = await hook({
    calibration: { file },
    capabilities: board,
    config,
    layout: board.layout,
    identities: [simIdentity(6)],
    warn: (m) => noted.push(m),
  });
  const wanted = Float64Array.of(0.5, -0.5, 0.25, -0.25);
  await corrected!.inputs.setVoltages(wanted);
  board.appliedInputs().forEach((v, i) => assert.ok(Math.abs(v - wanted[i]) < 1e-3, `line ${i}: ${v}`));
  assert.deepEqual(
    warnings.map((w) => w.kind),
    ['stale'],
    'the reference meter is not a bench instrument and is not compared',
  );
  assert.deepEqual(noted, [warnings[0].message]);

  const assembled = await assembleBench(config, { applyCalibration: hook });
  try {
    const status = assembled.status().calibration;
    assert.equal(status.applied, true);
    assert.match(status.warnings![0], /calibration dac-old \(dac\) is .* old/);
  } finally {
    await assembled.close();
  }
});

test('a record of another instrument is warned about in the log and the status, and not applied', async () => {
  const file = await recordFile('other', 9, new Date());
  const lines: string[] = [];
  const logger = pino(
    { level: 'warn' },
    new Writable({ write: (c, _e, done) => (lines.push(String(c)), done()) }),
  );
  const config = parseBenchConfig(yaml(file), 'hooked.yaml');
  const assembled = await assembleBench(config, { applyCalibration: calibrationHook({ logger }), logger });
  try {
    const status = assembled.status().calibration;
    assert.equal(status.applied, false);
    assert.equal(status.warnings?.length, 1);
    assert.match(
      status.warnings![0],
      /calibration dac-other \(dac\) was taken with nudged SimBoard serial seed 9 .*which this bench does not have: not applied/,
    );
    assert.ok(
      lines.some((l) => /"reason":"identity"/.test(l) && /seed 9/.test(l)),
      'the warning is logged with its reason',
    );
    // Uncorrected: the seed-6 board's DAC errors reach the lines.
    const wanted = Float64Array.of(0.5, -0.5, 0.25, -0.25);
    await assembled.capabilities.inputs.setVoltages(wanted);
    const applied = assembled.trueVoltages!.inputLines();
    assert.ok(
      [...applied].some((v, i) => Math.abs(v - wanted[i]) > 2e-3),
      `the correction was not applied: ${[...applied].join(', ')}`,
    );
  } finally {
    await assembled.close();
  }
});

test("the daemon's bench status carries the warning of a record of another instrument", async () => {
  const file = await recordFile('daemon', 9, new Date());
  const benchFile = join(dir, 'bench.yaml');
  writeFileSync(benchFile, yaml(file));
  const quiet = new Writable({ write: (_c, _e, done) => done() });
  const daemon = await Daemon.open({
    dataDir: join(dir, 'data'),
    benchFile,
    durability: 'normal',
    logger: { level: 'warn', pretty: false, destination: quiet },
  });
  try {
    const { calibration } = daemon.benchStatus();
    assert.equal(calibration?.applied, false);
    assert.match(calibration?.warnings?.[0] ?? '', /serial seed 9 .*: not applied/);
  } finally {
    await daemon.close();
  }
});
