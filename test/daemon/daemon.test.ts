// The daemon in-process on the simulated bench: validation of submitted jobs, the job kinds and
// their registry, pause/resume/abort at step boundaries, the emergency stop, and a paused job
// that survives a restart.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { Daemon } from '../../src/daemon/daemon.ts';
import { DaemonError } from '../../src/daemon/errors.ts';
import { TempDirs } from './helpers.ts';
import { jobState, next, pauseAndReopen, quiet } from './in-process.ts';

const temp = new TempDirs();
after(() => temp.cleanup());

const SMALL = { dataset: 'iris', epochs: 1, batchSize: 1, maxTrainSamples: 40, maxTestSamples: 5, seed: 1 };

async function open(dataDir = temp.make()): Promise<Daemon> {
  return Daemon.open({ dataDir, durability: 'normal', logger: quiet });
}

test('bad submissions are refused naming the field, and nothing is queued', async () => {
  const daemon = await open();
  try {
    const cases: [string, unknown, string][] = [
      ['fly', {}, 'kind'],
      ['train', { epochs: 'many' }, 'params.epochs'],
      ['train', { epochs: 0 }, 'params.epochs'],
      ['train', { colour: 'red' }, 'params.colour'],
      ['train', { dataset: 'mnist' }, 'params.dataset'],
      ['train', { dataset: 'xor' }, 'params.dataset'],
      [
        'program-map',
        { target: { kind: 'arrays', arrays: [[1e-5]] }, options: { tolerance_S: 1e-6 } },
        'params.target.arrays',
      ],
    ];
    for (const [kind, params, field] of cases) {
      assert.throws(
        () => daemon.submit(kind, params),
        (e: unknown) => e instanceof DaemonError && e.status === 400 && e.field === field,
        `${kind} ${JSON.stringify(params)}`,
      );
    }
    assert.deepEqual(daemon.listRuns(), []);
    assert.throws(
      () => daemon.pause(99),
      (e: unknown) => e instanceof DaemonError && e.status === 404,
    );
    await assert.rejects(
      daemon.reconnectBench(),
      (e: unknown) => e instanceof DaemonError && e.status === 409 && /no instrument links/.test(e.reason),
      'the simulated bench has nothing to reconnect',
    );
  } finally {
    await daemon.close();
  }
});

test('job kinds carry a JSON Schema; registering a kind is one call', async () => {
  const daemon = await open();
  try {
    const kinds = daemon.jobKinds().map((k) => k.kind);
    assert.deepEqual(kinds, ['train', 'evaluate', 'read-map', 'program-map', 'calibrate']);
    const train = daemon.jobKinds()[0].paramsSchema as { properties: Record<string, unknown> };
    assert.ok('epochs' in train.properties && 'beta_S' in train.properties);
    daemon.registry.register(
      {
        kind: 'calibrate',
        summary: 'a test calibration',
        params: z.strictObject({ points: z.number().int().min(1) }),
        resumable: false,
        run: async ({ params }) => ({ points: params.points }),
      },
      { replace: true },
    );
    const job = daemon.submit('calibrate', { points: 3 });
    await next(daemon, jobState(job.id, 'done'));
    assert.deepEqual(daemon.getRun(job.id).result, { points: 3 });
  } finally {
    await daemon.close();
  }
});

test('pause, resume and abort act at step boundaries', async () => {
  const daemon = await open();
  try {
    const job = daemon.submit('train', SMALL);
    await next(daemon, (e) => e.type === 'metrics' && e.job === job.id && e.step >= 2);
    const paused = next(daemon, jobState(job.id, 'paused'));
    daemon.pause(job.id);
    await paused;
    assert.equal(daemon.getRun(job.id).job.state, 'paused');
    const stepWhilePaused = daemon.getRun(job.id).latest?.step;
    const running = next(daemon, jobState(job.id, 'running'));
    daemon.resume(job.id);
    await running;
    await next(daemon, (e) => e.type === 'metrics' && e.job === job.id && e.step > (stepWhilePaused ?? 0));
    const aborted = next(daemon, jobState(job.id, 'aborted'));
    daemon.abort(job.id, 'enough');
    await aborted;
    const detail = daemon.getRun(job.id);
    assert.equal(detail.job.reason, 'enough');
    assert.equal(detail.run?.status, 'abort');
    assert.deepEqual(
      detail.steps.map((s) => s.step),
      Array.from({ length: detail.steps.length }, (_, i) => i),
    );
    assert.throws(
      () => daemon.resume(job.id),
      (e: unknown) => e instanceof DaemonError && e.status === 409,
    );
  } finally {
    await daemon.close();
  }
});

test('an emergency stop makes the bench safe, fails the job and holds new jobs until the fault is cleared', async () => {
  const daemon = await open();
  try {
    const job = daemon.submit('train', SMALL);
    await next(daemon, (e) => e.type === 'metrics' && e.job === job.id);
    await daemon.estop('test stop');
    const detail = daemon.getRun(job.id);
    assert.equal(detail.job.state, 'failed');
    assert.match(detail.job.reason ?? '', /emergency stop: test stop/);
    assert.equal(detail.run?.status, 'fail');
    assert.match(daemon.health().fault ?? '', /test stop/);
    const held = daemon.submit('read-map', {});
    assert.equal(daemon.getRun(held.id).job.state, 'queued');
    const done = next(daemon, jobState(held.id, 'done'));
    daemon.clearFault();
    await done;
    assert.equal(daemon.health().fault, null);
  } finally {
    await daemon.close();
  }
});

test('a job paused at shutdown is interrupted and resumes after a restart with no metric gap', async () => {
  const dir = temp.make();
  let daemon = await open(dir);
  const job = daemon.submit('train', { ...SMALL, maxTrainSamples: 16 });
  daemon = (await pauseAndReopen(daemon, dir, job.id, 3)).daemon;
  try {
    const done = next(daemon, jobState(job.id, 'done'));
    daemon.start();
    await done;
    const detail = daemon.getRun(job.id);
    assert.deepEqual(
      detail.steps.map((s) => s.step),
      Array.from({ length: 16 }, (_, i) => i),
    );
    assert.equal(detail.run?.status, 'success');
    const view = await daemon.conductances(job.id);
    assert.equal(view.step, 15);
    assert.deepEqual(
      view.arrays.map((a) => [a.rows, a.cols]),
      [
        [8, 8],
        [8, 6],
      ],
    );
  } finally {
    await daemon.close();
  }
});

test('evaluate, read-map and program-map run to their results', async () => {
  const daemon = await open();
  try {
    const run = async (kind: string, params: unknown) => {
      const job = daemon.submit(kind, params);
      await next(daemon, jobState(job.id, 'done'));
      return daemon.getRun(job.id).result as Record<string, number | boolean>;
    };
    const evaluated = await run('evaluate', { split: 'train', maxSamples: 120 });
    assert.equal(evaluated.samples, 120);
    assert.ok((evaluated.accuracy as number) >= 0 && (evaluated.accuracy as number) <= 1);
    const programmed = await run('program-map', {
      target: { kind: 'uniform', value_S: 5e-5 },
      options: { tolerance_S: 1e-6, step_S: 1e-7, maxCount: 20 },
    });
    assert.equal(programmed.converged, true);
    assert.equal(programmed.withinTolerance, 112);
    const read = await run('read-map', {});
    assert.equal(read.devices, 112);
    assert.ok(
      Math.abs((read.minG_S as number) - 5e-5) <= 1e-6 && Math.abs((read.maxG_S as number) - 5e-5) <= 1e-6,
    );
  } finally {
    await daemon.close();
  }
});
