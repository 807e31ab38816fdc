// `nudge serve` as `npm start` runs it (--demo), bounded by --exit-when-idle: it prints the API and
// dashboard URL, the demo run's progress and its end, and exits cleanly; binding beyond loopback
// without a token is refused before anything listens.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Store } from '../../src/daemon/store/index.ts';
import { TempDirs, serveOnce } from '../daemon/helpers.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

test('serve --demo prints the dashboard URL and the demo run progress, and the run completes', async () => {
  const dir = temp.make();
  const r = await serveOnce(['--demo', '--data', dir], {}, 300_000);
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /dashboard http:\/\/127\.0\.0\.1:\d+\//);
  assert.match(r.stdout, /demo: training job 1 queued/);
  assert.match(r.stdout, /job 1 \[#+\] 100% step 1200\/1200 epoch 10/);
  assert.match(r.stdout, /job 1 epoch 10 done: train loss [\d.]+ {2}train acc [\d.]+ {2}test loss/);
  assert.match(r.stdout, /^job 1 done$/m);
  const store = Store.open(join(dir, 'nudged.db'));
  try {
    assert.equal(store.runs.status('run-1'), 'success');
    assert.equal(store.metrics.lastCompletedStep('run-1'), 1199);
  } finally {
    store.close();
  }
});

test('binding beyond loopback without a token is refused', async () => {
  const r = await serveOnce(['--host', '0.0.0.0', '--data', temp.make()]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing to bind 0\.0\.0\.0 \(not loopback\) without a token/);
  assert.doesNotMatch(r.stdout, /listening/);
});
