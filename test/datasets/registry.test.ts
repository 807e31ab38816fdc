import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DATASET_NAMES, loadDataset } from '../../src/datasets/registry.ts';

test('registry lists every dataset', () => {
  assert.deepEqual([...DATASET_NAMES].sort(), ['digits', 'digits-14', 'iris', 'moons', 'xor']);
});

test('registry rejects invalid options with the field named', () => {
  assert.throws(() => loadDataset('moons', { n: 2 }), /moons.*n: n must be >= 4/);
  assert.throws(() => loadDataset('xor', { jitter: -1 }), /jitter/);
  assert.throws(() => loadDataset('iris', { testFraction: 1 }), /testFraction/);
  assert.throws(() => loadDataset('iris', { seed: 0.5 }), /seed/);
  assert.throws(() => loadDataset('digits', JSON.parse('{"seed": 1}')), /Unrecognized key.*seed/);
  assert.throws(() => loadDataset('mnist' as 'xor'), /dataset name 'mnist'/);
});
