// The calibration CLI pieces: procedure parameters refused naming the field, figures of every
// record kind as SVG (and one rendered to PNG), the digital twin's board configuration from a
// record file for `nudge sim serve --from-calibration`, and `nudge calibrate` end to end.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimBoard } from '../../sim/board/index.ts';
import {
  calibrateDac,
  exportRecord,
  importRecord,
  makeRecord,
  measureDeviceIv,
  niceTicks,
  programAndVerify,
  readConductanceMap,
  recordFigures,
  resultOf,
} from '../../calibration/index.ts';
import { boardFromCalibration, calibrateParams, writeFigures } from '../../src/cli/calibrate.ts';
import { simServeConfig } from '../../src/cli/sim-serve.ts';
import { simMeter } from './helpers.ts';
import { pulse } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'nudged-calibration-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const network = { inputs: 2, outputs: 1 };

test('procedure parameters are validated naming the field', () => {
  assert.deepEqual(calibrateParams('map', '{"reads":4}'), { procedure: 'map', reads: 4 });
  assert.throws(() => calibrateParams('map', '{"reads":1}'), /--params reads: /);
  assert.throws(() => calibrateParams('map', '{"colour":1}'), /--params/);
  assert.throws(() => calibrateParams('map', 'nope'), /--params: not JSON/);
  assert.throws(() => calibrateParams('fly', undefined), /procedure: /);
  assert.throws(() => calibrateParams('settle', '{}'), /--params maxDelay_s/);
});

test('every record kind has figures: axes, ticks, labels and one series per channel or device', async () => {
  const b = new SimBoard({
    network,
    seed: 3,
    devices: 'ideal-soft-bounds',
    dacErrors: { gainErrorRms: 0.01 },
  });
  const meta = { id: 'x', bench: 'test' };
  const lines = [0, 1].map((line) => simMeter(b, { kind: 'input-line', line }, 2e-5, line));
  const records = [
    makeRecord(
      'dac',
      await resultOf(calibrateDac({ inputs: b.inputs, meters: lines, timebase: b.timebase })),
      meta,
    ),
    makeRecord(
      'device-iv',
      await resultOf(measureDeviceIv({ reader: b.reader }, { devices: [{ array: 0, row: 0, col: 0 }] })),
      meta,
    ),
    makeRecord('conductance-map', await resultOf(readConductanceMap({ reader: b.reader })), meta),
    makeRecord(
      'program-verify',
      await resultOf(
        programAndVerify(
          { programmer: b.programmer, reader: b.reader },
          {
            array: 0,
            target_S: new Array<number>(8).fill(5e-5),
            tolerance_S: 2e-6,
            set: pulse,
            reset: pulse,
            stepUp_S: 2e-6,
            stepDown_S: 2e-6,
          },
        ),
      ),
      meta,
    ),
  ];
  for (const record of records) {
    const figures = recordFigures(importRecord(exportRecord(record)));
    assert.ok(figures.length >= 1, record.kind);
    for (const f of figures) {
      assert.match(f.svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      assert.match(f.svg, /<polyline|<circle/);
      assert.ok(f.svg.includes(`>${f.title}<`), `${f.name}: title`);
    }
  }
  const dac = recordFigures(records[0])[0].svg;
  assert.equal((dac.match(/class="series"/g) ?? []).length, 2, 'one series per line');
  assert.ok(dac.includes('>requested level (V)<') && dac.includes('>residual (mV)<'));
  assert.deepEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  const paths = await writeFigures(records[0], join(dir, 'figures'), true);
  assert.deepEqual(
    paths.map((p) => p.slice(dir.length)),
    ['/figures/dac-residuals.svg', '/figures/dac-residuals.png'],
  );
  assert.deepEqual([...readFileSync(paths[1]).subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG file');
});

test('sim serve --from-calibration: the emulated board becomes the twin of the records', async () => {
  const b = new SimBoard({ network, seed: 4, dacErrors: { gainErrorRms: 0.02, offsetRms_V: 0.01 } });
  const lines = [0, 1, 2, 3].map((line) => simMeter(b, { kind: 'input-line', line }, 2e-5, line));
  const dac = await resultOf(calibrateDac({ inputs: b.inputs, meters: lines, timebase: b.timebase }));
  const file = join(dir, 'records.json');
  writeFileSync(file, `[${exportRecord(makeRecord('dac', dac, { id: 'dac', bench: 'test' }))}]`);
  const benchFile = join(dir, 'emulated.yaml');
  writeFileSync(
    benchFile,
    `board: { network: { inputs: 2, outputs: 1 }, seed: 1 }\ninstruments: [{ name: board, kind: crossbar-board }]\n`,
  );
  const config = await simServeConfig({ bench: benchFile, fromCalibration: file });
  const twin = new SimBoard(config.board);
  twin.dacErrors.gain.forEach((g, c) => assert.ok(Math.abs(g / b.dacErrors.gain[c] - 1) < 1e-3));
  const direct = await boardFromCalibration({ network, seed: 2 }, file);
  assert.deepEqual(direct.dacErrors, config.board.dacErrors);
  await assert.rejects(
    simServeConfig({ bench: benchFile, fromCalibration: join(dir, 'none.json') }),
    /calibration\.file/,
  );
});

test('nudge calibrate map runs on the built-in simulated bench and prints the record', () => {
  const out = spawnSync(
    process.execPath,
    ['--import', 'tsx', MAIN, 'calibrate', 'map', '--json', '--params', '{"reads":3}'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(out.status, 0, out.stderr);
  const record = importRecord(out.stdout);
  assert.equal(record.kind, 'conductance-map');
  assert.equal(record.bench, 'sim-iris');
  const bad = spawnSync(
    process.execPath,
    ['--import', 'tsx', MAIN, 'calibrate', 'dac', '--params', '{"max_V":5}'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^nudge: max_V=5 is outside the configured limit/m);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'one clear line, no stack trace');
});
