// The simulated bench's twin option `sim.fromCalibration`: a record file named relative to the
// bench file is resolved against its folder when loaded, a record id is kept, and a value that is
// neither is refused with a located issue.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadBenchConfig, parseBenchConfig } from '../../src/config/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'nudged-sim-twin-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const bench = (from: string) => `kind: sim
network: { inputs: 2, outputs: 1 }
limits:
  inputVoltage_V: { min: -1, max: 1 }
  nudgeCurrent_A: { min: -1.0e-4, max: 1.0e-4 }
  pulse: { amplitude_V: 1.5, width_s: { min: 1.0e-8, max: 1.0e-6 }, count: 10 }
  readVoltage_V: 0.2
sim:
  seed: 4
  fromCalibration: ${from}
`;

test('a record file is resolved against the bench file, a record id is kept', async () => {
  const file = join(dir, 'bench.yaml');
  writeFileSync(file, bench('calibrations/board.json'));
  const config = await loadBenchConfig(file);
  assert.ok(config.kind === 'sim');
  assert.equal(config.sim.fromCalibration, join(dir, 'calibrations', 'board.json'));
  assert.equal(config.sim.seed, 4);
  const byId = parseBenchConfig(bench('12'), 'b.yaml');
  assert.ok(byId.kind === 'sim' && byId.sim.fromCalibration === 12);
});

test('a value that is neither a record id nor a file is located', () => {
  const text = bench('-3');
  assert.throws(
    () => parseBenchConfig(text, 'b.yaml'),
    (error: Error) => {
      assert.ok(error instanceof ConfigError, String(error));
      const [issue] = error.issues;
      assert.equal(issue.path, 'sim.fromCalibration');
      assert.equal(issue.line, text.split('\n').findIndex((l) => l.includes('fromCalibration')) + 1);
      return true;
    },
  );
});
