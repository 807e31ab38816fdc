// `nudge train` as a user runs it: the CLI process on the built-in simulated board of the XOR
// preset, JSON lines on stdout (one per epoch, then the summary), and clear errors for bad flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function nudge(...args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
  });
}

test('nudge train --json prints one line per epoch and ends with the accuracy summary', () => {
  const r = nudge('train', '--dataset', 'xor', '--mode', 'pulses', '--epochs', '20', '--seed', '0', '--json');
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 21);
  assert.deepEqual(
    lines.slice(0, 20).map((l) => [l.type, l.epoch]),
    Array.from({ length: 20 }, (_, i) => ['epoch', i]),
  );
  const summary = lines[20];
  assert.equal(summary.type, 'summary');
  assert.equal(summary.bench, 'sim');
  assert.equal(summary.dataset, 'xor');
  assert.equal(summary.mode, 'pulses');
  assert.equal(summary.epochs, 20);
  assert.equal(summary.train_accuracy, 1);
  assert.equal(summary.test_accuracy, 1);
});

test('without --json the summary is still the last line of stdout, progress goes to stderr', () => {
  const r = nudge(
    'train',
    '--dataset',
    'iris',
    '--mode',
    'ideal',
    '--epochs',
    '1',
    '--max-train',
    '12',
    '--max-test',
    '6',
  );
  assert.equal(r.status, 0, r.stderr);
  const out = r.stdout.trim().split('\n');
  assert.equal(out.length, 1);
  const summary = JSON.parse(out[0]) as Record<string, number>;
  assert.equal(summary.epochs, 1);
  assert.ok(summary.train_accuracy >= 0 && summary.train_accuracy <= 1);
  assert.ok(summary.test_accuracy >= 0 && summary.test_accuracy <= 1);
  assert.match(r.stderr, /^epoch 1: train loss /m);
});

test('with a bench file the run goes through the assembled bench, fitted to its network', () => {
  // examples/sim-bench.yaml: 4 inputs (Iris without the bias line), 3 outputs, inputs within ±2 V.
  const args = [
    '--bench',
    'examples/sim-bench.yaml',
    '--epochs',
    '1',
    '--max-train',
    '12',
    '--max-test',
    '3',
  ];
  const r = nudge('train', '--dataset', 'iris', '--json', ...args);
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
  assert.equal(summary.bench, 'sim-iris');
  assert.equal(summary.steps, 1);
  const wrong = nudge('train', '--dataset', 'xor', ...args);
  assert.equal(wrong.status, 1);
  assert.match(
    wrong.stderr,
    /--dataset xor needs 2 inputs \(3 with its bias line\) and 2 outputs; the network of examples\/sim-bench\.yaml has 4 inputs and 3 outputs/,
  );
  assert.equal(wrong.stdout, '');
});

test('a bad flag is refused with the flag and the reason, and nothing runs', () => {
  const bad = nudge('train', '--dataset', 'iris', '--estimator', 'sideways');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /--estimator 'sideways' is not one of centered, one-sided, random-sign/);
  assert.equal(bad.stdout, '');
  const epochs = nudge('train', '--dataset', 'iris', '--epochs', '0');
  assert.equal(epochs.status, 1);
  assert.match(epochs.stderr, /--epochs must be an integer >= 1, got '0'/);
  const unknown = nudge('train', '--dataset', 'cifar');
  assert.match(unknown.stderr, /--dataset 'cifar' is not one of xor, moons, iris, digits, digits-14/);
});
