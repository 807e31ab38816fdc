// β per sample within the nudge sources' range: where β·|∂C/∂V| would pass the current limit,
// the sample is nudged with the largest β that fits, its estimate divided by that β, and the run
// goes on (before, the bench refused the currents and the step ended with a LimitError).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planPresetRun } from '../../src/presets/run.ts';
import { Trainer } from '../../src/training/index.ts';
import type { TrainingEvent } from '../../src/training/index.ts';
import { SimBoard } from '../../sim/board/index.ts';

/** The XOR ideal preset (β = 100 µS) on a board whose nudge sources stop at ±limit_A, with every
 * current requested and the β of every nudged phase recorded. */
async function trainXor(limit_A: number | null, epochs: number) {
  const plan = planPresetRun({ dataset: 'xor', mode: 'ideal', seed: 0, overrides: { epochs } });
  const board = new SimBoard({
    ...plan.board,
    seed: 0,
    ...(limit_A === null ? {} : { limits: { nudgeCurrent_A: { min: -limit_A, max: limit_A } } }),
  });
  const requested: Float64Array[] = [];
  const set = board.nudge.setCurrents.bind(board.nudge);
  Object.assign(board.nudge, {
    setCurrents: (levels: Float64Array) => {
      requested.push(Float64Array.from(levels));
      return set(levels);
    },
  });
  const betas: number[] = [];
  const trainer = new Trainer(board, board.layout, plan.training);
  const onEvent = (e: TrainingEvent) => {
    if (e.type === 'nudged-state') betas.push(e.beta_S);
  };
  await trainer.train(plan.data.train, { onEvent });
  const train = await trainer.evaluate(plan.data.train);
  const largest = (levels: Float64Array) => Math.max(...Array.from(levels, Math.abs));
  // Nudged phases only: the release and safe-state calls request zeros.
  const nudges = requested.filter((levels) => largest(levels) > 0).map(largest);
  return { beta_S: plan.training.beta_S!, betas, nudges, train };
}

test('with room for every current, each sample is nudged with the configured β', async () => {
  const { beta_S, betas, nudges } = await trainXor(null, 1);
  assert.ok(betas.length > 0);
  for (const b of betas) assert.equal(Math.abs(b), beta_S);
  assert.ok(Math.max(...nudges) < 1e-3);
});

test('a nudge source of ±20 µA: β is lowered to fit, the currents stay in range, XOR is still learned', async () => {
  const limit = 2e-5;
  const { beta_S, betas, nudges, train } = await trainXor(limit, 20);
  const lowered = betas.filter((b) => Math.abs(b) < beta_S);
  assert.ok(lowered.length > 0, 'some samples needed more than ±20 µA at the configured β');
  for (const b of betas) assert.ok(Math.abs(b) <= beta_S && Math.abs(b) > 0);
  for (const i of nudges) assert.ok(i <= limit, `${i} A requested`);
  // A lowered β is the largest that fits: its largest current sits at the limit.
  const atLimit = nudges.filter((i) => i > limit * (1 - 1e-6)).length;
  assert.equal(atLimit, lowered.length);
  assert.equal(train.accuracy, 1);
});
