// The stages of one EqProp step as Observables of events over a BenchPort (thesis §4.3.2):
// free phase → nudged phase(s) → release of the nudge → estimate, and after a mini-batch the
// programming and the optional verification. Each stage records where it is in `ctx.position`
// so that a failure is reported against the right phase (see guard.ts).
import { EMPTY, concat, concatMap, defer, from, ignoreElements, map, of, range, reduce } from 'rxjs';
import type { Observable } from 'rxjs';
import { inputLineVoltages } from '../network/description.ts';
import type { NetworkLayout } from '../network/description.ts';
import type { Rng } from '../util/random.ts';
import { timed } from './bench-port.ts';
import type { BenchPort } from './bench-port.ts';
import type { TrainingConfig } from './config.ts';
import type { StepPhase } from './errors.ts';
import { DropBatch } from './drop-batch.ts';
import { GradientAccumulator } from './estimators.ts';
import type { TrainingEvent } from './events.ts';
import { applyIdealUpdate } from './ideal-update.ts';
import { ConductanceAverager } from './weight-averaging.ts';
import { createLoss, nudgingCurrents, predictClass } from './losses.ts';
import type { Loss } from './losses.ts';
import { settleAndRead } from './settle.ts';
import { afterPulses } from './pulse-response.ts';
import type { PulseResponseModel } from './pulse-response.ts';
import { planSignSgdPulses, pulsePlanStorage } from './sign-sgd.ts';
import type { PulsePlan, PulsePlanStorage } from './sign-sgd.ts';
import { DeviceMap } from './weight-mapping.ts';

export interface Position {
  phase: StepPhase;
  step: number | null;
  sample: number | null;
}

/** Running totals of the free-phase results of a step, an epoch or an evaluation. */
export interface Tally {
  samples: number;
  costSum: number;
  correct: number;
}

export const emptyTally = (): Tally => ({ samples: 0, costSum: 0, correct: 0 });

/** Everything the stages share: the bench, the configuration and reusable buffers. */
export interface PipelineContext {
  readonly port: BenchPort;
  readonly layout: NetworkLayout;
  readonly config: TrainingConfig;
  readonly loss: Loss;
  readonly map: DeviceMap;
  /** Draws the sign of β per sample for the random-sign estimator, and the stochastic rounding
   * of pulse counts. */
  readonly signRng: Rng;
  /** The mini-batch estimate: summed per device for the pulses mode, kept as voltage-drop pairs
   * for the ideal mode's step (exactly one of the two). */
  readonly accumulator: GradientAccumulator | null;
  readonly drops: DropBatch | null;
  position: Position;
  /** True until the nudge currents are known to be zero. */
  nudgeLive: boolean;
  readonly lines_V: Float64Array;
  readonly zeroNudge_A: Float64Array;
  /** The pulses mode's plan storage (one plan per programming). */
  readonly pulsePlan: PulsePlanStorage | null;
  /** The ideal mode's learning-rate factor of the current epoch (config.learningRateEndFactor). */
  learningRateFactor: number;
  /** Count policy 'response': the conductances as the trainer knows them. */
  readonly tracking: ConductanceTracking | null;
  /** Ideal mode with `averaging`: the running mean of the conductances. */
  readonly averager: ConductanceAverager | null;
}

/** The conductances the 'response' count policy sizes pulses from: read back every `readEvery`
 * steps (and by every verification), followed through the response model in between. */
export interface ConductanceTracking {
  g_S: Float64Array | null;
  readonly model: PulseResponseModel;
  readonly readEvery: number;
}

function conductanceTracking(layout: NetworkLayout, config: TrainingConfig): ConductanceTracking | null {
  const count = config.pulses.count;
  if (config.mode !== 'pulses' || count.policy !== 'response') return null;
  const gMin_S = count.gMin_S ?? layout.desc.conductance.min_S;
  const gMax_S = count.gMax_S ?? layout.desc.conductance.max_S;
  if (!(gMin_S < gMax_S)) {
    throw new RangeError(
      `pulses.count: the model's bounds ${gMin_S}..${gMax_S} S are empty (gMin_S must be below gMax_S)`,
    );
  }
  return { g_S: null, model: { ...count, gMin_S, gMax_S }, readEvery: count.readEvery };
}

export function createPipelineContext(
  port: BenchPort,
  layout: NetworkLayout,
  config: TrainingConfig,
  signRng: Rng,
): PipelineContext {
  if (config.mode === 'ideal' && port.ideal === undefined) {
    throw new RangeError("mode: 'ideal' needs a bench with ideal conductance access (the simulated board)");
  }
  const count = config.pulses.count;
  if (
    config.mode === 'pulses' &&
    count.policy !== 'one' &&
    count.maxCount > (port.maxPulseCount ?? Infinity)
  ) {
    // Refused here rather than by the bench mid-run, when a step first asks for that many.
    throw new RangeError(
      `pulses.count.maxCount: ${count.maxCount} is above the bench's limit of ${port.maxPulseCount} pulses per device and request`,
    );
  }
  const n = layout.totalDevices;
  return {
    port,
    layout,
    config,
    loss: createLoss(layout, config.loss),
    map: DeviceMap.create(layout, port.physicalArrays, config.inputPairing),
    signRng,
    accumulator: config.mode === 'pulses' ? new GradientAccumulator(n) : null,
    drops: config.mode === 'ideal' ? new DropBatch(layout) : null,
    position: { phase: 'free', step: null, sample: null },
    nudgeLive: true,
    lines_V: new Float64Array(layout.inputLines),
    zeroNudge_A: new Float64Array(layout.outputNodes),
    pulsePlan: config.mode === 'pulses' ? pulsePlanStorage(layout) : null,
    learningRateFactor: 1,
    tracking: conductanceTracking(layout, config),
    averager: ConductanceAverager.of(config, n),
  };
}

/** One capability call with the configured timeout. */
function call<T>(ctx: PipelineContext, operation: string, op: Observable<T>): Observable<T> {
  return op.pipe(timed(operation, ctx.config.operationTimeout_ms));
}

/** phase-started, the phase's work, phase-ended, then the events the work produced. The work
 * starts after phase-started has been delivered. */
function phase(
  ctx: PipelineContext,
  position: Position,
  work: () => Observable<{ reads: number; events: TrainingEvent[] }>,
): Observable<TrainingEvent> {
  return defer(() => {
    ctx.position = position;
    const { phase: p, step, sample } = position;
    return concat(
      of<TrainingEvent>({ type: 'phase-started', t_s: ctx.port.now(), step, sample, phase: p }),
      defer(work).pipe(
        concatMap(({ reads, events }) =>
          from<TrainingEvent[]>([
            { type: 'phase-ended', t_s: ctx.port.now(), step, sample, phase: p, reads },
            ...events,
          ]),
        ),
      ),
    );
  });
}

function settled(ctx: PipelineContext) {
  return settleAndRead(ctx.port, ctx.config.settle, {
    averages: ctx.config.readsPerPhase,
    operationTimeout_ms: ctx.config.operationTimeout_ms,
  });
}

/** The free-phase result of one sample. */
export interface FreeResult {
  nodes_V: Float64Array;
  cost: number;
  prediction: number;
}

/** Inputs → settle → hold and read (thesis §4.3.2, free phase); the loss and prediction. */
export function freePhase(
  ctx: PipelineContext,
  step: number | null,
  sample: number,
  x_V: Float64Array,
  label: number,
  tally: Tally,
  result: (free: FreeResult) => void,
): Observable<TrainingEvent> {
  return phase(ctx, { phase: 'free', step, sample }, () => {
    const lines = inputLineVoltages(ctx.layout, x_V);
    ctx.lines_V.set(lines);
    const release = ctx.nudgeLive
      ? call(ctx, 'nudge.setCurrents', ctx.port.setNudge(ctx.zeroNudge_A))
      : EMPTY;
    return concat(
      release.pipe(ignoreElements()),
      call(ctx, 'inputs.setVoltages', ctx.port.setInputs(lines)).pipe(ignoreElements()),
      settled(ctx),
    ).pipe(
      map(({ nodes_V, reads }) => {
        ctx.nudgeLive = false;
        const { outputOffset, outputNodes } = ctx.layout;
        const out = nodes_V.subarray(outputOffset, outputOffset + outputNodes);
        const scores = ctx.loss.scores(out);
        const cost = ctx.loss.cost(out, label);
        const prediction = predictClass(scores);
        tally.samples++;
        tally.costSum += cost;
        if (prediction === label) tally.correct++;
        result({ nodes_V, cost, prediction });
        const events: TrainingEvent[] = [
          { type: 'free-state', step, sample, nodes_V },
          { type: 'loss', step, sample, label, prediction, cost, scores },
        ];
        return { reads, events };
      }),
    );
  });
}

/** Sources I = −β_signed ∂C/∂V computed at the free state (thesis Eq. 4.16) → settle → read. */
function nudgedPhase(
  ctx: PipelineContext,
  which: 'nudged-plus' | 'nudged-minus',
  step: number,
  sample: number,
  free: FreeResult,
  label: number,
  beta_S: number,
  result: (nodes_V: Float64Array) => void,
): Observable<TrainingEvent> {
  return phase(ctx, { phase: which, step, sample }, () => {
    const { outputOffset, outputNodes } = ctx.layout;
    const out = free.nodes_V.subarray(outputOffset, outputOffset + outputNodes);
    const currents = nudgingCurrents(ctx.loss, out, label, beta_S);
    ctx.nudgeLive = true;
    return concat(
      call(ctx, 'nudge.setCurrents', ctx.port.setNudge(currents)).pipe(ignoreElements()),
      settled(ctx),
    ).pipe(
      map(({ nodes_V, reads }) => {
        result(nodes_V);
        return { reads, events: [{ type: 'nudged-state', step, sample, beta_S, nodes_V } as TrainingEvent] };
      }),
    );
  });
}

/** Nudge currents back to zero after the last nudged phase of a sample. */
function releasePhase(ctx: PipelineContext, step: number, sample: number): Observable<TrainingEvent> {
  return phase(ctx, { phase: 'release', step, sample }, () =>
    concat(
      call(ctx, 'nudge.setCurrents', ctx.port.setNudge(ctx.zeroNudge_A)).pipe(ignoreElements()),
      defer(() => {
        ctx.nudgeLive = false;
        return of({ reads: 0, events: [] });
      }),
    ),
  );
}

/** β for one sample: the configured β, lowered so that the largest nudge current β·|∂C/∂V_k|
 * (either sign, for the centered and random-sign estimators) stays inside the nudge source's
 * range. Theorem 4.2 (Eq. 4.13, and Eq. 2.10 for the centered form) holds for any small β, so
 * the sample's estimate, divided by the β it was nudged with, estimates the same gradient with
 * less signal over the ADC noise; a current outside the range would end the step with the
 * bench's LimitError (early in training, or on an outlier, the output error can pass 1 V). */
function sampleBeta(ctx: PipelineContext, free: FreeResult, label: number): number {
  const beta = ctx.config.beta_S;
  const range = ctx.port.nudgeRange_A;
  if (range === undefined) return beta;
  const { outputOffset, outputNodes } = ctx.layout;
  const out = free.nodes_V.subarray(outputOffset, outputOffset + outputNodes);
  let largest = 0;
  for (const d of ctx.loss.gradient(out, label)) largest = Math.max(largest, Math.abs(d));
  // The bound with a relative margin of 1e-9, so that β·|∂C/∂V| rounds inside the range.
  const bound = Math.min(range.max, -range.min) * (1 - 1e-9);
  // A one-signed source cannot nudge both ways: left to the bench to refuse.
  if (!(bound > 0)) return beta;
  return beta * largest > bound ? bound / largest : beta;
}

/** Free phase, nudged phase(s) per the estimator, release, and the sample's estimate added to
 * the mini-batch accumulator (thesis Eq. 4.13 / Eq. 2.10; random sign of β, §5.3). */
export function trainSample(
  ctx: PipelineContext,
  step: number,
  sample: number,
  x_V: Float64Array,
  label: number,
  tally: Tally,
): Observable<TrainingEvent> {
  let free: FreeResult | null = null;
  let plus: Float64Array | null = null;
  let minus: Float64Array | null = null;
  // Set after the free phase: the configured β, or less where the nudge source's range demands.
  let beta = ctx.config.beta_S;
  return defer(() => {
    const estimator = ctx.config.estimator;
    const sign = estimator === 'random-sign' && ctx.signRng.uniform() < 0.5 ? -1 : 1;
    const nudged = (which: 'nudged-plus' | 'nudged-minus', keep: (v: Float64Array) => void) =>
      defer(() => {
        const b = which === 'nudged-minus' ? -beta : beta;
        return nudgedPhase(ctx, which, step, sample, free!, label, b, keep);
      });
    return concat(
      freePhase(ctx, step, sample, x_V, label, tally, (f) => {
        free = f;
        beta = sampleBeta(ctx, f, label);
      }),
      nudged(sign < 0 ? 'nudged-minus' : 'nudged-plus', (v) => (plus = v)),
      estimator === 'centered' ? nudged('nudged-minus', (v) => (minus = v)) : EMPTY,
      releasePhase(ctx, step, sample),
      defer(() => {
        // Ideal mode: the states for the bench's fused step (drop-batch.ts); pulses mode: one
        // fused pass over the devices from the node voltages (estimators.ts).
        const { layout, lines_V, drops, accumulator } = ctx;
        if (drops !== null && estimator === 'centered') {
          drops.addCenteredFromNodes(lines_V, plus!, minus!, beta);
        } else if (drops !== null) {
          drops.addOneSidedFromNodes(lines_V, free!.nodes_V, plus!, sign * beta);
        } else if (estimator === 'centered') {
          accumulator!.addCenteredFromNodes(layout, lines_V, plus!, minus!, beta);
        } else {
          accumulator!.addOneSidedFromNodes(layout, lines_V, free!.nodes_V, plus!, sign * beta);
        }
        return EMPTY;
      }),
    );
  });
}

/** Programs the mini-batch estimate: sign-SGD pulses, or the continuous ideal step. */
export function programPhase(ctx: PipelineContext, step: number): Observable<TrainingEvent> {
  return phase(ctx, { phase: 'program', step, sample: null }, () => {
    const { config } = ctx;
    if (ctx.drops !== null) {
      const gradient = ctx.drops.mean();
      const r = applyIdealUpdate(
        ctx.port.ideal!,
        ctx.layout,
        gradient,
        config.learningRate * ctx.learningRateFactor,
        config.layerScale,
        config.momentum,
      );
      return of({
        reads: 0,
        events: [{ type: 'ideal-update', t_s: ctx.port.now(), step, ...r } as TrainingEvent],
      });
    }
    const tracking = ctx.tracking;
    const known$: Observable<Float64Array | null> =
      tracking === null
        ? of(null)
        : tracking.g_S !== null && step % tracking.readEvery !== 0
          ? of(tracking.g_S)
          : readNetworkConductances(
              ctx.port,
              ctx.map,
              config.verify.readVoltage_V,
              config.operationTimeout_ms,
            ).pipe(map((g_S) => (tracking.g_S = g_S)));
    return known$.pipe(concatMap((g_S) => applyPlan(ctx, step, g_S)));
  });
}

/** Plans the mini-batch's pulses (from the known conductances for the 'response' policy), sends
 * them in batches, and follows them in the tracked conductances. */
function applyPlan(
  ctx: PipelineContext,
  step: number,
  g_S: Float64Array | null,
): Observable<{ reads: number; events: TrainingEvent[] }> {
  const { config } = ctx;
  const plan = planSignSgdPulses(
    ctx.accumulator!.mean(),
    ctx.map,
    {
      ...config.pulses,
      layerScale: config.layerScale,
      rateFactor: ctx.learningRateFactor,
      rng: ctx.signRng,
      response:
        g_S === null ? undefined : { g_S, learningRate: config.learningRate, model: ctx.tracking!.model },
    },
    ctx.pulsePlan ?? undefined,
  );
  const perCall = config.pulses.maxPulsesPerCall;
  // Each batch's Pulse objects are made when its call starts and dropped when it ends.
  return range(0, plan.batchCount(perCall)).pipe(
    concatMap((i) =>
      call(
        ctx,
        'programmer.applyPulses',
        defer(() => ctx.port.applyPulses(plan.batch(i, perCall))),
      ),
    ),
    reduce((applied, report) => applied + report.applied, 0),
    map((applied) => {
      // With readEvery 1 the next step reads every conductance back: nothing to follow.
      if (ctx.tracking !== null && g_S !== null && ctx.tracking.readEvery > 1) {
        followPlan(ctx.tracking.model, g_S, plan);
      }
      return {
        reads: 0,
        events: [
          {
            type: 'pulses-applied',
            t_s: ctx.port.now(),
            step,
            requested: plan.setPulses + plan.resetPulses,
            applied,
            setPulses: plan.setPulses,
            resetPulses: plan.resetPulses,
            idleDevices: plan.idleDevices,
          } as TrainingEvent,
        ],
      };
    }),
  );
}

/** The expected conductances after the plan's pulses. */
function followPlan(model: PulseResponseModel, g_S: Float64Array, plan: PulsePlan): void {
  for (let k = 0; k < plan.length; k++) {
    const d = plan.device[k];
    g_S[d] = afterPulses(model, g_S[d], plan.signedCount[k]);
  }
}

/** Reads every used physical array back, in network device order. */
export function readNetworkConductances(
  port: BenchPort,
  deviceMap: DeviceMap,
  readVoltage_V: number,
  operationTimeout_ms: number,
): Observable<Float64Array> {
  return from(deviceMap.usedPhysicalArrays).pipe(
    concatMap((a) =>
      port.readConductances(a, readVoltage_V).pipe(
        timed('reader.readConductances', operationTimeout_ms),
        map((g) => [a, g] as const),
      ),
    ),
    reduce((reads, [a, g]) => reads.set(a, g), new Map<number, Float64Array>()),
    map((reads) => deviceMap.gather(reads)),
  );
}

export function verifyPhase(ctx: PipelineContext, step: number): Observable<TrainingEvent> {
  return phase(ctx, { phase: 'verify', step, sample: null }, () =>
    readNetworkConductances(
      ctx.port,
      ctx.map,
      ctx.config.verify.readVoltage_V,
      ctx.config.operationTimeout_ms,
    ).pipe(
      map((g_S) => {
        if (ctx.tracking !== null) ctx.tracking.g_S = Float64Array.from(g_S);
        return {
          reads: 0,
          events: [{ type: 'conductances-verified', t_s: ctx.port.now(), step, g_S } as TrainingEvent],
        };
      }),
    ),
  );
}
