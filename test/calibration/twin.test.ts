// The digital twin: a simulated board built from a bench's calibration records carries the
// measured channel errors, node capacitance (from the time constant) and device population, and
// reproduces the measured board's pulse response within the fitted noise — built directly, or as
// a bench from the bench option `sim.fromCalibration` (a record file, or a record id of the
// daemon's store).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SimBoard } from '../../sim/board/index.ts';
import type { SimBoardConfigInput } from '../../sim/board/index.ts';
import { exportRecord, importRecord, twinConfigFromCalibration } from '../../calibration/index.ts';
import { openBenchFromFile } from '../../src/bench/index.ts';
import { ConfigError } from '../../src/config/index.ts';
import { Daemon } from '../../src/daemon/daemon.ts';
import { databasePath } from '../../src/daemon/paths.ts';
import { storeCalibration } from '../../src/daemon/jobs/calibrate.ts';
import { Store } from '../../src/daemon/store/index.ts';
import { assertSamePulseResponse, calibrate, hidden, network } from './twin-fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'nudged-twin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A simulated bench file whose board is the twin of `from`, with limits that let the
 * calibration pulse (1.2 V, 100 ns) and reads through. */
function twinBenchFile(name: string, from: string | number): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `kind: sim
name: twin
network: { inputs: 2, hidden: [2], outputs: 1 }
limits:
  inputVoltage_V: { min: -1, max: 1 }
  nudgeCurrent_A: { min: -1.0e-4, max: 1.0e-4 }
  pulse: { amplitude_V: 1.5, width_s: { min: 1.0e-8, max: 1.0e-6 }, count: 10 }
  readVoltage_V: 0.2
sim: { seed: 99, fromCalibration: ${typeof from === 'string' ? JSON.stringify(from) : from} }
`,
  );
  return file;
}

describe('digital twin', () => {
  test('carries the channel errors and the time constant, and reproduces the pulse response', async () => {
    const board = hidden();
    const records = (await calibrate(board)).map((r) => importRecord(exportRecord(r)));
    const twinConfig = twinConfigFromCalibration(records, network);
    const twin = new SimBoard({ ...(twinConfig as SimBoardConfigInput), seed: 99 });

    twin.dacErrors.gain.forEach((g, c) =>
      assert.ok(Math.abs(g / board.dacErrors.gain[c] - 1) < 1e-3, `line ${c}: gain ${g}`),
    );
    twin.dacErrors.offset_V.forEach((o, c) =>
      assert.ok(Math.abs(o - board.dacErrors.offset_V[c]) < 1e-3 * 20, `line ${c}: offset ${o}`),
    );
    // C = τ·λ_min(G) from the slowest fitted τ and the map read with it (hidden: 5 pF).
    const cErr = twin.layout.desc.nodeCapacitance_F / 5e-12 - 1;
    assert.ok(Math.abs(cErr) < 0.1, `node capacitance twin/board − 1 = ${cErr}`);
    await assertSamePulseResponse(board, twin, records);
  });

  test('the bench option builds the twin from a record file (relative to the bench file)', async () => {
    const board = hidden();
    const records = await calibrate(board);
    writeFileSync(join(dir, 'records.json'), `[${records.map(exportRecord).join(',')}]`);
    const bench = await openBenchFromFile(twinBenchFile('from-file', 'records.json'));
    try {
      assert.equal(bench.kind, 'sim');
      assert.ok(Math.abs(bench.layout.desc.nodeCapacitance_F / 5e-12 - 1) < 0.1);
      // The twin's lines carry the hidden board's DAC errors: 0.5 V requested on every line.
      await bench.capabilities.inputs.setVoltages(new Float64Array(4).fill(0.5));
      bench.trueVoltages!.inputLines().forEach((v, c) => {
        const expected = board.dacErrors.gain[c] * 0.5 + board.dacErrors.offset_V[c];
        assert.ok(Math.abs(v - expected) < 1e-3, `line ${c}: ${v} vs ${expected}`);
      });
      await bench.capabilities.safeState();
      await assertSamePulseResponse(board, bench.capabilities, records);
    } finally {
      await bench.close();
    }
  });

  test("the bench option builds the twin from a record id of the daemon's store", async () => {
    const board = hidden();
    const records = await calibrate(board);
    const dataDir = join(dir, 'data');
    const store = Store.open(databasePath(dataDir));
    let id: number;
    try {
      const ids = records.map((r) => storeCalibration(store, r));
      id = ids[records.findIndex((r) => r.kind === 'pulse-response')];
    } finally {
      store.close();
    }
    const quiet = new Writable({ write: (_c, _e, done) => done() });
    const daemon = await Daemon.open({
      dataDir,
      benchFile: twinBenchFile('from-id', id),
      durability: 'normal',
      logger: { level: 'warn', pretty: false, destination: quiet },
    });
    try {
      assert.ok(Math.abs(daemon.bench.layout.desc.nodeCapacitance_F / 5e-12 - 1) < 0.1, 'settle beside it');
      await assertSamePulseResponse(board, daemon.bench.capabilities, records);
    } finally {
      await daemon.close();
    }
    // Without the daemon's store a record id cannot be resolved: a located error.
    await assert.rejects(openBenchFromFile(twinBenchFile('no-store', id)), (error: Error) => {
      assert.ok(error instanceof ConfigError, String(error));
      assert.match(
        error.message,
        /no-store\.yaml:\d+:\d+: sim\.fromCalibration: calibration record \d+ is in the daemon's store/,
      );
      return true;
    });
  });
});
