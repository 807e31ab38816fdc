// The `evaluate` job: the free phase only on a dataset's test (or train) split — accuracy
// (thesis Eq. 4.14) and mean cost, with the bench's current conductances.
import { z } from 'zod';
import type { DatasetName } from '../../datasets/registry.ts';
import { benchPort } from '../../training/bench-port.ts';
import { parseTrainingConfig } from '../../training/config.ts';
import type { EvaluationResult } from '../../training/events.ts';
import { createPipelineContext, emptyTally } from '../../training/phases.ts';
import { evaluationPass, resultOf } from '../../training/pipeline.ts';
import { Rng } from '../../util/random.ts';
import { DATASET_NAMES, fitDataset } from './dataset.ts';
import { runGuarded } from './guarded.ts';
import { StepTally } from './live.ts';
import type { JobKind } from './types.ts';

/** Samples per guarded pass. */
const CHUNK = 50;

export const evaluateParamsSchema = z.strictObject({
  dataset: z.enum(DATASET_NAMES as [DatasetName, ...DatasetName[]]).default('iris'),
  split: z.enum(['test', 'train']).default('test'),
  /** The mode the network was trained in: its preset's bias-line voltage and loss. */
  mode: z.enum(['pulses', 'ideal']).default('pulses'),
  seed: z.number().int().min(0).max(0x7fffffff).default(0),
  maxSamples: z.number().int().min(1).optional(),
});
export type EvaluateParams = z.output<typeof evaluateParamsSchema>;

export const evaluateKind: JobKind<EvaluateParams> = {
  kind: 'evaluate',
  summary: 'Free phase only on a dataset split: accuracy and mean cost',
  params: evaluateParamsSchema,
  resumable: false,
  check(params, bench) {
    fitDataset(params.dataset, bench, { mode: params.mode, splitSeed: params.seed, maxTrain: 1, maxTest: 1 });
  },
  async run(ctx) {
    const { bench, params, job } = ctx;
    const data = fitDataset(params.dataset, bench, {
      mode: params.mode,
      splitSeed: params.seed,
      maxTrain: params.maxSamples,
      maxTest: params.maxSamples,
    });
    const samples = params.split === 'test' ? data.test : data.train;
    // The mode's loss, settling and reads; an evaluation programs nothing, so it is parsed as the
    // pulses mode (no ideal access needed, nothing to average).
    const config = parseTrainingConfig({
      ...data.preset.training[params.mode],
      mode: 'pulses',
      averaging: undefined,
      seed: params.seed,
    });
    const port = benchPort(bench.capabilities);
    const pipeline = createPipelineContext(port, bench.layout, config, new Rng(params.seed));
    // In chunks, with a step boundary between them: pause, abort and the event loop get their turn.
    const tally = emptyTally();
    for (let from = 0; from < samples.x.length; from += CHUNK) {
      await ctx.control.boundary();
      const chunk = { x: samples.x.slice(from, from + CHUNK), y: samples.y.slice(from, from + CHUNK) };
      let part: EvaluationResult | null = null;
      await runGuarded(ctx as Parameters<typeof runGuarded>[0], port, {
        holder: `job ${job.id} evaluation`,
        operationTimeout_ms: config.operationTimeout_ms,
        position: () => pipeline.position,
        body: () => evaluationPass(pipeline, chunk, (res) => (part = res)),
        onEvent: new StepTally(job.id, ctx.emit).onEvent,
      });
      const p = part as EvaluationResult | null;
      if (p === null) throw new Error('an evaluation pass ended without a result');
      tally.samples += p.samples;
      tally.correct += Math.round(p.accuracy * p.samples);
      tally.costSum += p.meanCost * p.samples;
    }
    const r = resultOf(tally);
    ctx.store.runs.declareDescriptor(ctx.run, {
      name: 'evaluation',
      dataKeys: {
        samples: { dtype: 'integer', shape: [] },
        accuracy: { dtype: 'number', shape: [] },
        meanCost: { dtype: 'number', shape: [], units: 'V^2' },
      },
    });
    ctx.store.runs.appendEvent(ctx.run, { descriptor: 'evaluation', data: { ...r } });
    return { samples: r.samples, accuracy: r.accuracy, meanCost: r.meanCost };
  },
};
