import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainBackprop } from '../../src/baseline/train.ts';
import { loadDataset } from '../../src/datasets/registry.ts';
import { scaleToVolts, withBiasInput } from '../../src/datasets/scaling.ts';

const iris = scaleToVolts(loadDataset('iris', { seed: 0 }), { min_V: -1, max_V: 1 });
const irisOptions = { hidden: [16], epochs: 100, lr: 0.01, batch: 8, seed: 0 };

test('backprop learns Iris: test accuracy ≥ 0.9 and the loss falls', () => {
  const r = trainBackprop(iris, irisOptions);
  assert.ok(r.testAccuracy >= 0.9, `test accuracy ${r.testAccuracy}`);
  assert.ok(r.trainAccuracy >= 0.9, `train accuracy ${r.trainAccuracy}`);
  assert.equal(r.history.length, 100);
  assert.ok(r.history[99].loss < 0.5 * r.history[0].loss, 'loss did not halve');
  assert.equal(r.history[99].testAccuracy, r.testAccuracy);
});

test('backprop learns XOR with a bias input line', () => {
  const xor = withBiasInput(scaleToVolts(loadDataset('xor', { replicas: 10 }), { min_V: -1, max_V: 1 }), 1);
  const r = trainBackprop(xor, { hidden: [8], epochs: 100, lr: 0.05, batch: 4, seed: 2 });
  assert.equal(r.trainAccuracy, 1);
  assert.equal(r.testAccuracy, 1);
});

test('training is reproducible per seed and depends on it', () => {
  const short = { ...irisOptions, epochs: 3 };
  const a = trainBackprop(iris, short);
  const b = trainBackprop(iris, short);
  const c = trainBackprop(iris, { ...short, seed: 1 });
  assert.deepEqual(a.model.weights, b.model.weights);
  assert.deepEqual(a.history, b.history);
  assert.notDeepEqual(a.model.weights, c.model.weights);
});

test('zero epochs leaves the initial network; accuracies are evaluated on each split', () => {
  const r = trainBackprop(iris, { ...irisOptions, epochs: 0 });
  assert.deepEqual(r.history, []);
  const predicted = iris.test.x.filter((x, i) => r.model.predict(x) === iris.test.y[i]).length;
  assert.equal(r.testAccuracy, predicted / iris.test.x.length);
});

test('backprop options are validated with the field named', () => {
  assert.throws(() => trainBackprop(iris, { lr: 0 }), /lr: lr must be > 0/);
  assert.throws(() => trainBackprop(iris, { hidden: [10, 0] }), /hidden\.1/);
  assert.throws(() => trainBackprop(iris, { momentum: 1 }), /momentum/);
  assert.throws(() => trainBackprop(iris, { bias_V: { low: 1, high: 0 } }), /bias_V.*low must be below high/);
  assert.throws(() => trainBackprop(iris, { epoch: 3 } as object), /Unrecognized key.*epoch/);
});
