// The Trainer: EqProp training runs, single steps and evaluation passes on one bench, as
// Observables of TrainingEvent (subscribe to watch; unsubscribe or abort to cancel) or as
// Promises of their summary. Every run holds the bench lock and ends with the bench safe.
import { concat, defer, range, concatMap, lastValueFrom, tap, EMPTY } from 'rxjs';
import type { Observable } from 'rxjs';
import type { BenchCapabilities } from '../capabilities/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import { Rng } from '../util/random.ts';
import { benchPort } from './bench-port.ts';
import type { BenchPort } from './bench-port.ts';
import { parseTrainingConfig } from './config.ts';
import type { TrainingConfig, TrainingConfigInput } from './config.ts';
import type { EvaluationResult, TrainingEvent } from './events.ts';
import { guardedRun } from './guard.ts';
import { createPipelineContext, emptyTally } from './phases.ts';
import type { PipelineContext } from './phases.ts';
import { checkSamples, epoch, evaluationPass, trainingStep } from './pipeline.ts';
import type { LabelledSamples } from './pipeline.ts';
import type { DeviceMap } from './weight-mapping.ts';

export interface RunOptions {
  signal?: AbortSignal;
  /** Called with every event of the run (the Promise forms). */
  onEvent?: (event: TrainingEvent) => void;
}

export interface EpochSummary {
  epoch: number;
  trainCost: number;
  trainAccuracy: number;
  test: EvaluationResult | null;
}

export interface TrainingSummary {
  epochs: EpochSummary[];
  steps: number;
}

export class Trainer {
  readonly config: TrainingConfig;
  readonly port: BenchPort;
  private readonly ctx: PipelineContext;
  private readonly shuffleRng: Rng;
  /** Steps and epochs are numbered across the runs of this trainer. */
  private nextStep = 0;
  private nextEpoch = 0;

  /** `layout` must describe the network the bench is wired as. Throws a RangeError naming the
   * field for a bad config, a bench without ideal access in ideal mode, or too few arrays. */
  constructor(
    bench: BenchCapabilities | BenchPort,
    readonly layout: NetworkLayout,
    config: TrainingConfigInput = {},
  ) {
    this.config = parseTrainingConfig(config);
    this.port = 'sampler' in bench ? benchPort(bench) : bench;
    const root = new Rng(this.config.seed);
    this.shuffleRng = root.fork();
    this.ctx = createPipelineContext(this.port, layout, this.config, root.fork());
  }

  get deviceMap(): DeviceMap {
    return this.ctx.map;
  }

  /** `config.epochs` epochs over `train`, each followed by an evaluation on `test` if given.
   * The data are checked at the call (RangeError naming the field); the run starts on subscribe. */
  train$(
    train: LabelledSamples,
    options: { test?: LabelledSamples; signal?: AbortSignal } = {},
  ): Observable<TrainingEvent> {
    this.check('train', train);
    if (options.test) this.check('test', options.test);
    return defer(() =>
      this.guard('a training run', options.signal, () =>
        range(0, this.config.epochs).pipe(
          concatMap(() => {
            const plan = {
              epoch: this.nextEpoch++,
              firstStep: this.nextStep,
              batchSize: this.config.batchSize,
              shuffle: this.config.shuffle,
              shuffleRng: this.shuffleRng,
            };
            this.nextStep += Math.ceil(train.x.length / this.config.batchSize);
            return epoch(this.ctx, plan, train, options.test ?? null);
          }),
        ),
      ),
    );
  }

  async train(
    train: LabelledSamples,
    options: RunOptions & { test?: LabelledSamples } = {},
  ): Promise<TrainingSummary> {
    const summary: TrainingSummary = { epochs: [], steps: 0 };
    await lastValueFrom(
      concat(
        this.train$(train, options).pipe(
          tap((e) => {
            options.onEvent?.(e);
            if (e.type === 'step-ended') summary.steps++;
            if (e.type === 'epoch-ended') {
              summary.epochs.push({
                epoch: e.epoch,
                trainCost: e.trainCost,
                trainAccuracy: e.trainAccuracy,
                test: e.test,
              });
            }
          }),
        ),
        EMPTY,
      ),
      { defaultValue: null },
    );
    return summary;
  }

  /** One training step on every sample of `batch` (one mini-batch, one programming). */
  step$(batch: LabelledSamples, options: { signal?: AbortSignal } = {}): Observable<TrainingEvent> {
    this.check('batch', batch);
    const indices = Int32Array.from({ length: batch.x.length }, (_, i) => i);
    return this.guard('a training step', options.signal, () =>
      defer(() => trainingStep(this.ctx, this.nextStep++, batch, indices, emptyTally())),
    );
  }

  /** Free phase only on every sample: accuracy (thesis Eq. 4.14) and mean cost. */
  evaluate$(data: LabelledSamples, options: { signal?: AbortSignal } = {}): Observable<TrainingEvent> {
    this.check('data', data);
    return this.guard('an evaluation pass', options.signal, () => evaluationPass(this.ctx, data));
  }

  async evaluate(data: LabelledSamples, options: RunOptions = {}): Promise<EvaluationResult> {
    let result: EvaluationResult | null = null;
    await lastValueFrom(
      this.evaluate$(data, options).pipe(
        tap((e) => {
          options.onEvent?.(e);
          if (e.type === 'evaluation-ended')
            result = { samples: e.samples, accuracy: e.accuracy, meanCost: e.meanCost };
        }),
      ),
      { defaultValue: null },
    );
    if (result === null) throw new Error('evaluation ended without a result');
    return result;
  }

  private guard(holder: string, signal: AbortSignal | undefined, body: () => Observable<TrainingEvent>) {
    return guardedRun(
      this.port,
      {
        holder,
        signal,
        operationTimeout_ms: this.config.operationTimeout_ms,
        position: () => this.ctx.position,
      },
      body,
    );
  }

  private check(field: string, data: LabelledSamples): void {
    checkSamples(field, data, this.layout.desc.inputs, this.layout.desc.outputs);
    if (data.x.length === 0) throw new RangeError(`${field}: no samples`);
  }
}
