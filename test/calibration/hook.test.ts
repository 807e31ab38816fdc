// The assembly hook: a bench configuration naming a calibration file gets its DAC corrections
// applied beneath the interlock, and stale records or records of other instruments are warned
// about.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimBoard } from '../../sim/board/index.ts';
import { calibrateDac, exportRecord, makeRecord, resultOf } from '../../calibration/index.ts';
import type { CalibrationWarning } from '../../calibration/index.ts';
import { assembleBench } from '../../src/bench/index.ts';
import { parseBenchConfig } from '../../src/config/index.ts';
import { calibrationHook } from '../../src/daemon/jobs/calibrate.ts';
import { simMeter } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'nudged-calibration-hook-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const sim = { seed: 6, dacErrors: { gainErrorRms: 0.02, offsetRms_V: 0.01 } };
const network = { inputs: 2, outputs: 1 };

async function recordFile(): Promise<string> {
  const b = new SimBoard({ network, ...sim });
  const meters = [0, 1, 2, 3].map((line) => simMeter(b, { kind: 'input-line', line }, 2e-5, line));
  const dac = await resultOf(calibrateDac({ inputs: b.inputs, meters, timebase: b.timebase }));
  const record = makeRecord('dac', dac, {
    id: 'dac-old',
    bench: 'hooked',
    createdAt: new Date('2020-01-01T00:00:00Z'),
    instruments: [{ role: 'reference meter', ...meters[0].identity! }],
  });
  const file = join(dir, 'dac.json');
  writeFileSync(file, exportRecord(record));
  return file;
}

test('the hook applies the DAC correction beneath the interlock and warns', async () => {
  const file = await recordFile();
  const board = new SimBoard({ network, ...sim });
  const warnings: CalibrationWarning[] = [];
  const hook = calibrationHook({ onWarning: (w) => warnings.push(w), identities: [] });
  const config = parseBenchConfig(
    `kind: sim
name: hooked
network: { inputs: 2, outputs: 1 }
limits:
  inputVoltage_V: { min: -1, max: 1 }
  nudgeCurrent_A: { min: -1.0e-4, max: 1.0e-4 }
  pulse: { amplitude_V: 2, width_s: { min: 1.0e-8, max: 1.0e-5 }, count: 20 }
  readVoltage_V: 0.2
sim: { seed: 6, dacErrors: { gainErrorRms: 0.02, offsetRms_V: 0.01 } }
calibration: { file: ${file} }
`,
    'hooked.yaml',
  );
  const corrected = await hook({ calibration: { file }, capabilities: board, config, layout: board.layout });
  const wanted = Float64Array.of(0.5, -0.5, 0.25, -0.25);
  await corrected!.inputs.setVoltages(wanted);
  board.appliedInputs().forEach((v, i) => assert.ok(Math.abs(v - wanted[i]) < 1e-3, `line ${i}: ${v}`));
  assert.deepEqual(warnings.map((w) => w.kind).toSorted(), ['identity', 'stale']);

  const assembled = await assembleBench(config, { applyCalibration: hook });
  try {
    assert.deepEqual(assembled.calibration, { ref: { file }, applied: true });
  } finally {
    await assembled.close();
  }
});
