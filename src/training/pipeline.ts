// The EqProp pipeline's run bodies over a BenchPort: a training step (one mini-batch, then one
// programming), an evaluation pass (free phase only), and an epoch (shuffled mini-batches, then an
// optional evaluation). They are unguarded: trainer.ts wraps each public run in guardedRun (bench
// lock and safe state) so that the steps of a run share one lock.
import { EMPTY, concat, concatMap, defer, from, of, range } from 'rxjs';
import type { Observable } from 'rxjs';
import type { Rng } from '../util/random.ts';
import { learningRateFactor } from './config.ts';
import type { EvaluationResult, TrainingEvent } from './events.ts';
import { emptyTally, freePhase, programPhase, trainSample, verifyPhase } from './phases.ts';
import type { PipelineContext, Tally } from './phases.ts';

/** Samples with features already in volts and class labels (the datasets' `Split`). */
export interface LabelledSamples {
  x: Float64Array[];
  y: number[];
}

export function checkSamples(field: string, data: LabelledSamples, features: number, classes: number): void {
  if (data.x.length !== data.y.length) {
    throw new RangeError(`${field}: ${data.x.length} feature vectors but ${data.y.length} labels`);
  }
  data.x.forEach((x, i) => {
    if (x.length !== features)
      throw new RangeError(`${field}.x[${i}] has ${x.length} features, the network has ${features}`);
  });
  data.y.forEach((y, i) => {
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new RangeError(`${field}.y[${i}] = ${y} is not a class in 0..${classes - 1}`);
    }
  });
}

/** One training step over the samples `indices` of `data`: each sample's phases and estimate,
 * then programming and the optional verification. Adds the free-phase results to `tally`. */
export function trainingStep(
  ctx: PipelineContext,
  step: number,
  data: LabelledSamples,
  indices: ArrayLike<number>,
  tally: Tally,
): Observable<TrainingEvent> {
  return defer(() => {
    ctx.accumulator?.reset();
    ctx.drops?.reset();
    const stepTally = emptyTally();
    const count = indices.length;
    return concat(
      of<TrainingEvent>({ type: 'step-started', t_s: ctx.port.now(), step, samples: count }),
      range(0, count).pipe(
        concatMap((i) => {
          const d = indices[i];
          return trainSample(ctx, step, i, data.x[d], data.y[d], stepTally);
        }),
      ),
      defer(() => programPhase(ctx, step)),
      ctx.config.verify.enabled ? defer(() => verifyPhase(ctx, step)) : EMPTY,
      defer(() => {
        tally.samples += stepTally.samples;
        tally.costSum += stepTally.costSum;
        tally.correct += stepTally.correct;
        return of<TrainingEvent>({
          type: 'step-ended',
          t_s: ctx.port.now(),
          step,
          samples: stepTally.samples,
          meanCost: stepTally.costSum / stepTally.samples,
          correct: stepTally.correct,
        });
      }),
    );
  });
}

/** Weight averaging (config.averaging) after step `stepInEpoch` of `epoch`'s `stepsInEpoch`: a
 * sample of the running mean when due, and after the window's last step the mean written back
 * ('weights-averaged'). Empty without averaging. Run it under the same bench lock as the step. */
export function averageAfterStep(
  ctx: PipelineContext,
  epoch: number,
  stepInEpoch: number,
  stepsInEpoch: number,
): Observable<TrainingEvent> {
  return defer(() => {
    const averager = ctx.averager;
    if (averager === null) return EMPTY;
    const ideal = ctx.port.ideal!;
    if (averager.samples(epoch, stepInEpoch)) averager.add(ideal);
    if (epoch !== averager.lastEpoch || stepInEpoch !== stepsInEpoch - 1) return EMPTY;
    const r = averager.writeMean(ideal);
    return of<TrainingEvent>({ type: 'weights-averaged', t_s: ctx.port.now(), epoch, ...r });
  });
}

export function resultOf(tally: Tally): EvaluationResult {
  return {
    samples: tally.samples,
    accuracy: tally.samples === 0 ? 0 : tally.correct / tally.samples,
    meanCost: tally.samples === 0 ? 0 : tally.costSum / tally.samples,
  };
}

/** Free phase on every sample (no nudging, no programming); ends with 'evaluation-ended'.
 * `done` receives the result before that event is emitted. */
export function evaluationPass(
  ctx: PipelineContext,
  data: LabelledSamples,
  done: (result: EvaluationResult) => void = () => undefined,
): Observable<TrainingEvent> {
  return defer(() => {
    const tally = emptyTally();
    return concat(
      range(0, data.x.length).pipe(
        concatMap((i) => freePhase(ctx, null, i, data.x[i], data.y[i], tally, () => undefined)),
      ),
      defer(() => {
        const result = resultOf(tally);
        done(result);
        return of<TrainingEvent>({ type: 'evaluation-ended', t_s: ctx.port.now(), ...result });
      }),
    );
  });
}

export interface EpochPlan {
  epoch: number;
  /** Number of the epoch's first step (steps are numbered across the run). */
  firstStep: number;
  batchSize: number;
  shuffle: boolean;
  shuffleRng: Rng;
}

/** The epoch's mini-batches of a (seeded) shuffled order, then an optional evaluation. */
export function epoch(
  ctx: PipelineContext,
  plan: EpochPlan,
  train: LabelledSamples,
  test: LabelledSamples | null,
): Observable<TrainingEvent> {
  return defer(() => {
    ctx.learningRateFactor = learningRateFactor(ctx.config, plan.epoch);
    const order = Int32Array.from({ length: train.x.length }, (_, i) => i);
    if (plan.shuffle) plan.shuffleRng.shuffle(order);
    const steps = Math.ceil(order.length / plan.batchSize);
    const tally = emptyTally();
    let testResult: EvaluationResult | null = null;
    return concat(
      of<TrainingEvent>({ type: 'epoch-started', t_s: ctx.port.now(), epoch: plan.epoch, steps }),
      range(0, steps).pipe(
        concatMap((s) => {
          const batch = order.subarray(s * plan.batchSize, (s + 1) * plan.batchSize);
          return concat(
            trainingStep(ctx, plan.firstStep + s, train, batch, tally),
            averageAfterStep(ctx, plan.epoch, s, steps),
          );
        }),
      ),
      test === null ? EMPTY : defer(() => evaluationPass(ctx, test, (r) => (testResult = r))),
      defer(() => {
        const r = resultOf(tally);
        return from<TrainingEvent[]>([
          {
            type: 'epoch-ended',
            t_s: ctx.port.now(),
            epoch: plan.epoch,
            trainCost: r.meanCost,
            trainAccuracy: r.accuracy,
            test: testResult,
          },
        ]);
      }),
    );
  });
}
