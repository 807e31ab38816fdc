// The step loop of the train job (see train.ts): one guarded training step at a time, each
// committed in one transaction; resume from the store's resume point.
import { concat } from 'rxjs';
import { benchPort } from '../../training/bench-port.ts';
import { learningRateFactor } from '../../training/config.ts';
import type { TrainingConfig } from '../../training/config.ts';
import { createPipelineContext, emptyTally } from '../../training/phases.ts';
import type { PipelineContext } from '../../training/phases.ts';
import { averageAfterStep, evaluationPass, resultOf, trainingStep } from '../../training/pipeline.ts';
import type { EvaluationResult } from '../../training/events.ts';
import { Rng } from '../../util/random.ts';
import type { JsonObject } from '../store/index.ts';
import { crashHook } from '../crash-hook.ts';
import { fitDataset } from './dataset.ts';
import { runGuarded } from './guarded.ts';
import { StepTally } from './live.ts';
import { withPulseLog } from './pulse-wal.ts';
import { readConductanceMap } from './read-map.ts';
import type { TrainParams } from './train.ts';
import type { JobContext } from './types.ts';

const STEP_KEYS = ['step', 'epoch', 'loss', 'accuracy', 'pulses', 'samples', 'correct'] as const;
const EPOCH_KEYS = ['epoch', 'trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy'] as const;

/** A generator for one purpose (`stream`) and one index (epoch or step) of a seeded run. */
export function derivedRng(seed: number, stream: number, index: number): Rng {
  return new Rng((Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(stream + 1, 0x85ebca6b) ^ index) >>> 0);
}

export async function runTraining(ctx: JobContext<TrainParams>, config: TrainingConfig): Promise<JsonObject> {
  const { store, bench, run, params, resume, job } = ctx;
  const data = fitDataset(params.dataset, bench, {
    mode: params.mode,
    splitSeed: params.seed,
    maxTrain: params.maxTrainSamples,
    maxTest: params.maxTestSamples,
  });
  const stepsPerEpoch = Math.ceil(data.train.x.length / config.batchSize);
  const totalSteps = config.epochs * stepsPerEpoch;
  const number = { dtype: 'number' as const, shape: [] };
  store.runs.declareDescriptor(run, {
    name: 'step',
    dataKeys: Object.fromEntries(STEP_KEYS.map((k) => [k, number])),
  });
  store.runs.declareDescriptor(run, {
    name: 'epoch',
    dataKeys: Object.fromEntries(EPOCH_KEYS.map((k) => [k, number])),
  });

  const fromStep = resume?.fromStep ?? 0;
  // Device states are keyed by the number of completed steps: key s is the state at the start of
  // step s (key 0 = before training), so a resume at step s restores key s.
  // Key 0 is written before any pulse of the run, so a run without it never programmed anything.
  if (bench.deviceState !== undefined) {
    const saved = resume === null ? undefined : store.deviceStates.at(run, fromStep);
    if (saved !== undefined) bench.deviceState.restore(saved.state);
    else if (fromStep === 0) store.deviceStates.save(run, 0, bench.deviceState.save());
    else throw new Error(`run ${run}: no saved device state at step ${fromStep}`);
  }
  if (fromStep > 0) ctx.log.info({ fromStep, totalSteps }, 'resuming training');

  let current = fromStep;
  const port = withPulseLog(benchPort(bench.capabilities), store, run, () => current);
  const base = createPipelineContext(port, bench.layout, config, new Rng(config.seed));
  let stepCtx: PipelineContext = base;
  // The weight-averaging running mean is saved with every step that changes it, so a resume
  // continues it from the newest save at or before the resume step.
  const averager = base.averager;
  if (averager !== null && fromStep > 0) {
    const saved = store.trainingStates.atOrBefore(run, fromStep);
    if (saved !== undefined) averager.restore(saved.state);
  }
  const orders = new Map<number, Int32Array>();
  const orderOf = (epoch: number): Int32Array => {
    let order = orders.get(epoch);
    if (order === undefined) {
      order = Int32Array.from({ length: data.train.x.length }, (_, i) => i);
      if (config.shuffle) derivedRng(config.seed, 0, epoch).shuffle(order);
      orders.clear();
      orders.set(epoch, order);
    }
    return order;
  };
  const guard = (holder: string, tally: StepTally, body: () => ReturnType<typeof trainingStep>) =>
    runGuarded(ctx as JobContext<unknown>, port, {
      holder,
      operationTimeout_ms: config.operationTimeout_ms,
      position: () => stepCtx.position,
      body,
      onEvent: (e) => {
        tally.onEvent(e);
        if (e.type === 'weights-averaged') {
          const { epoch, samples, meanAbsChange_S } = e;
          ctx.log.info({ epoch, samples, meanAbsChange_S }, 'conductances set to their running mean');
        }
      },
    });

  let last: { loss: number; accuracy: number } | null = null;
  let lastTest: EvaluationResult | null = null;
  for (let s = fromStep; s < totalSteps; s++) {
    await ctx.control.boundary();
    current = s;
    const epoch = Math.floor(s / stepsPerEpoch);
    const k = s % stepsPerEpoch;
    const batch = orderOf(epoch).subarray(k * config.batchSize, (k + 1) * config.batchSize);
    stepCtx = {
      ...base,
      signRng: derivedRng(config.seed, 1, s),
      learningRateFactor: learningRateFactor(config, epoch),
    };
    const tally = new StepTally(job.id, ctx.emit);
    const ctxOfStep = stepCtx;
    await guard(`job ${job.id} step ${s}`, tally, () =>
      concat(
        trainingStep(ctxOfStep, s, data.train, batch, emptyTally()),
        averageAfterStep(ctxOfStep, epoch, k, stepsPerEpoch),
      ),
    );
    const accuracy = tally.correct / tally.samples;

    const lastOfEpoch = k === stepsPerEpoch - 1;
    const averaged =
      averager !== null && (averager.samples(epoch, k) || (lastOfEpoch && epoch === averager.lastEpoch));
    let test: EvaluationResult | null = null;
    if (lastOfEpoch && data.test.x.length > 0) {
      await guard(`job ${job.id} evaluation`, new StepTally(job.id, ctx.emit), () =>
        evaluationPass(stepCtx, data.test, (r) => (test = r)),
      );
    }
    const snapshot =
      s % params.snapshotEvery === 0 || s === totalSteps - 1
        ? await readConductanceMap(bench, config.verify.readVoltage_V)
        : null;

    crashHook('metrics');
    const epochRow = store.transaction(() => {
      const values = {
        step: s,
        epoch,
        loss: tally.meanCost,
        accuracy,
        pulses: tally.pulses,
        samples: tally.samples,
        correct: tally.correct,
      };
      store.metrics.upsertStep(run, {
        step: s,
        epoch,
        loss: tally.meanCost,
        accuracy,
        pulses: tally.pulses,
        phaseMs: tally.phaseMs,
        extra: { samples: tally.samples, correct: tally.correct },
      });
      store.runs.appendEvent(run, { descriptor: 'step', data: values });
      snapshot?.forEach((values_S, a) =>
        store.snapshots.write(
          run,
          {
            array: `layer${a}`,
            step: s,
            values: values_S,
            shape: [bench.layout.arrays[a].rows, bench.layout.arrays[a].cols],
          },
          { every: params.snapshotEvery, recent: 64, perBand: 8 },
        ),
      );
      if (bench.deviceState !== undefined) store.deviceStates.save(run, s + 1, bench.deviceState.save());
      if (averaged) store.trainingStates.save(run, s + 1, averager.save());
      return lastOfEpoch ? commitEpoch(ctx, epoch, stepsPerEpoch, test) : null;
    });
    crashHook('step');
    const time = Date.now();
    last = { loss: tally.meanCost, accuracy };
    ctx.emit({
      type: 'metrics',
      time,
      job: job.id,
      step: s,
      epoch,
      totalSteps,
      loss: tally.meanCost,
      accuracy,
      pulses: tally.pulses,
      phaseMs: tally.phaseMs,
    });
    if (snapshot !== null)
      ctx.emit({ type: 'snapshot', job: job.id, step: s, arrays: snapshot.map((_, a) => `layer${a}`) });
    if (epochRow !== null) {
      lastTest = test;
      ctx.emit({ type: 'epoch', time, job: job.id, ...epochRow });
      ctx.log.info(epochRow, `epoch ${epoch + 1}/${config.epochs} done`);
    }
  }
  const tested = lastTest as EvaluationResult | null;
  return {
    steps: totalSteps,
    epochs: config.epochs,
    finalLoss: last?.loss ?? null,
    finalAccuracy: last?.accuracy ?? null,
    testAccuracy: tested?.accuracy ?? null,
    testLoss: tested?.meanCost ?? null,
  };
}

/** The epoch row from the epoch's stored step rows (so a resumed epoch counts every step once). */
function commitEpoch(
  ctx: JobContext<TrainParams>,
  epoch: number,
  stepsPerEpoch: number,
  test: EvaluationResult | null,
) {
  const { store, run } = ctx;
  const rows = store.metrics.stepsAfter(run, epoch * stepsPerEpoch - 1, stepsPerEpoch);
  const tally = emptyTally();
  for (const r of rows) {
    const samples = r.extra.samples ?? 0;
    tally.samples += samples;
    tally.costSum += r.loss * samples;
    tally.correct += r.extra.correct ?? 0;
  }
  const train = resultOf(tally);
  const row = {
    epoch,
    trainLoss: train.meanCost,
    trainAccuracy: train.accuracy,
    testLoss: test?.meanCost ?? null,
    testAccuracy: test?.accuracy ?? null,
  };
  store.metrics.upsertEpoch(run, row);
  store.runs.appendEvent(run, { descriptor: 'epoch', data: row });
  return row;
}
