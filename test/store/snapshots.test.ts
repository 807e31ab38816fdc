import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DECIMATION, decimationBound, keepsSnapshot } from '../../src/daemon/store/index.ts';
import { Rng } from '../../src/util/random.ts';
import { TempDatabases, trainStart } from './helpers.ts';

const temp = new TempDatabases();
after(() => temp.cleanup());

test('10,000 snapshots: the table stays under the logarithmic bound, first and newest kept, every age band covered', () => {
  const store = temp.open();
  const uid = store.runs.start(trainStart()).uid;
  const policy = DEFAULT_DECIMATION;
  const values = new Float32Array(16);
  const N = 10_000;
  let maxRows = 0;
  for (let step = 0; step < N; step++) {
    values.fill(step);
    store.snapshots.write(uid, { array: 'layer0', step, values, shape: [4, 4] }, policy);
    if (step % 500 === 499) {
      const rows = store.snapshots.list(uid).length;
      assert.ok(rows <= decimationBound(policy, step), `${rows} rows at step ${step}`);
      maxRows = Math.max(maxRows, rows);
    }
  }
  const kept = store.snapshots.list(uid).map((s) => s.step);
  const bound = decimationBound(policy, N - 1);
  assert.ok(kept.length <= bound, `${kept.length} snapshots kept, bound ${bound}`);
  assert.ok(bound < 200, `bound ${bound} is logarithmic in ${N}`);
  assert.equal(kept[0], 0);
  assert.equal(kept.at(-1), N - 1);
  // The whole recent window is intact.
  for (let s = N - policy.recent; s < N; s++) assert.ok(kept.includes(s), `recent step ${s}`);
  // Every older band (age in [recent·2^k, recent·2^(k+1))) keeps at least one snapshot.
  for (let k = 0; policy.recent * 2 ** k <= N - 1; k++) {
    const lo = policy.recent * 2 ** k;
    const hi = policy.recent * 2 ** (k + 1);
    const inBand = kept.filter((s) => N - 1 - s >= lo && N - 1 - s < hi);
    assert.ok(inBand.length >= 1 && inBand.length <= policy.perBand, `band ${k}: ${inBand.length}`);
  }
  const first = store.snapshots.read(uid, 'layer0', 0);
  assert.deepEqual(first.shape, [4, 4]);
  assert.ok(first.values instanceof Float32Array);
  assert.deepEqual(Array.from(store.snapshots.read(uid, 'layer0', N - 1).values), Array(16).fill(N - 1));
});

test('the kept set only shrinks as a run grows: the rule never wants back what it deleted', () => {
  const policy = { every: 10, recent: 16, perBand: 4 };
  const steps = Array.from({ length: 400 }, (_, i) => i * 10);
  let keptBefore = new Set<number>();
  for (const newest of steps) {
    const kept = new Set(steps.filter((s) => s <= newest && keepsSnapshot(s, newest, 0, policy)));
    for (const s of kept) {
      if (s < newest) assert.ok(keptBefore.has(s), `step ${s} kept at ${newest} but dropped earlier`);
    }
    assert.ok(kept.size <= decimationBound(policy, newest));
    keptBefore = kept;
  }
});

test('Float64 snapshots round-trip exactly, compressed; replacing a step is idempotent; shape is checked', () => {
  const store = temp.open();
  const uid = store.runs.start(trainStart()).uid;
  const rng = new Rng(5);
  const g = Float64Array.from({ length: 3000 }, () => rng.range(1e-6, 1e-4));
  store.snapshots.write(uid, { array: 'all', step: 10, values: g });
  store.snapshots.write(uid, { array: 'all', step: 10, values: g });
  const [meta] = store.snapshots.list(uid);
  assert.equal(store.snapshots.list(uid).length, 1);
  assert.equal(meta.dtype, 'float64');
  assert.equal(meta.rawBytes, g.byteLength);
  assert.ok(meta.storedBytes < meta.rawBytes);
  assert.deepEqual(store.snapshots.read(uid, 'all', 10).values, g);
  assert.throws(
    () => store.snapshots.write(uid, { array: 'all', step: 11, values: g, shape: [10, 10] }),
    /snapshot\.shape: \[10,10\] holds 100 values, values has 3000/,
  );
  assert.throws(
    () =>
      store.snapshots.write(uid, { array: 'all', step: 11, values: g }, { every: 1, recent: 48, perBand: 8 }),
    /decimation\.recent: must be a power of two/,
  );
  assert.throws(() => store.snapshots.read(uid, 'all', 11), /no snapshot of "all" at step 11/);
});
