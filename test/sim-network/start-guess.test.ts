// The Gauss–Seidel start (sim/network/start-guess.ts): a solve started from it reaches the same
// operating point as one started from the warm start alone, within the solver tolerance, and
// needs fewer Newton iterations on a strongly conducting network with amplifiers (a training
// sequence: each free phase warm-started from the previous sample's nudged state).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { LayeredCircuit } from '../../sim/network/layered-circuit.ts';
import type { NetworkInput } from '../../src/network/description.ts';
import { Rng } from '../../src/util/random.ts';
import { randomNet } from './netlist-kcl.ts';

const schottky = { model: 'shockley', is_A: 1e-6, bias_V: { low: -0.1, high: 0.1 } } as const;

/** Free, +nudge and −nudge phases of `samples` random input vectors, each solve warm-started from
 * the previous one; returns the solutions, the Newton iterations summed, the solves started from
 * the guess and the fraction of free-phase nodes with a diode past its knee. */
function trainingSequence(desc: NetworkInput, guess: boolean, samples: number) {
  const { layout, g } = randomNet(desc, 11, 1);
  const net = new LayeredCircuit(layout, g);
  const rng = new Rng(5);
  const nudge = Float64Array.from({ length: layout.outputNodes }, () => rng.range(-1e-4, 1e-4));
  const minus = nudge.map((n) => -n);
  let v: Float64Array = new Float64Array(layout.floatingNodes);
  let iterations = 0;
  let guessedSolves = 0;
  let conducting = 0;
  const solutions: Float64Array[] = [];
  for (let k = 0; k < samples; k++) {
    const x = new Float64Array(layout.inputLines);
    const n = layout.desc.inputs;
    for (let i = 0; i < n; i++) {
      x[i] = rng.range(-10, 10);
      if (layout.desc.doubledInputs) x[n + i] = -x[i];
    }
    for (const nudge_A of [undefined, nudge, minus]) {
      const r = net.solveDc(x, { nudge_A, warmStart_V: v, guess });
      assert.ok(r.converged, `sample ${k} converged`);
      assert.ok(r.residual_A <= 1e-12);
      assert.equal(r.fallback, 'none');
      if (!guess || nudge_A !== undefined) assert.equal(r.guessed, false, 'only free phases are guessed');
      if (r.guessed) guessedSolves++;
      iterations += r.iterations;
      v = r.v_V;
      solutions.push(v);
      if (nudge_A === undefined) {
        // A node beyond ±0.25 V has one of its Schottky diodes past the knee (≈ ±0.3 V).
        for (let i = 0; i < v.length; i++) if (Math.abs(v[i]) > 0.25) conducting++;
      }
    }
  }
  return { solutions, iterations, guessedSolves, conducting: conducting / (samples * layout.floatingNodes) };
}

describe('Gauss–Seidel start for the layered DC solve', () => {
  const cases: { name: string; desc: NetworkInput }[] = [
    {
      name: 'Schottky diodes, amplifiers of gain 2',
      desc: { inputs: 8, hidden: [24], outputs: 2, diode: schottky, amplifier: { gain: 2 } },
    },
    {
      name: 'Schottky diodes, non-reciprocal amplifiers',
      desc: {
        inputs: 30,
        hidden: [24],
        outputs: 2,
        diode: schottky,
        amplifier: { gain: 5, backwardGain: 0.2 },
      },
    },
    {
      name: 'two hidden layers, non-reciprocal amplifiers',
      desc: {
        inputs: 30,
        hidden: [16, 8],
        outputs: 3,
        diode: schottky,
        amplifier: { gain: 3, backwardGain: 0.5 },
      },
    },
    { name: 'default diodes, no amplifier', desc: { inputs: 20, hidden: [10], outputs: 2 } },
  ];
  for (const { name, desc } of cases) {
    test(`guess-started solves equal warm-started ones within tolerance (${name})`, () => {
      const plain = trainingSequence(desc, false, 12);
      const guessed = trainingSequence(desc, true, 12);
      for (let k = 0; k < plain.solutions.length; k++) {
        const a = plain.solutions[k];
        const b = guessed.solutions[k];
        // 1e-12 A of residual moves a node by at most residual / its conductance (≥ 1e-6 S here).
        for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) <= 1e-6, `solve ${k}, node ${i}`);
      }
    });
  }

  for (const { name, desc } of cases.slice(0, 2)) {
    test(`fewer Newton iterations on a strongly conducting network (${name})`, () => {
      const plain = trainingSequence(desc, false, 20);
      const guessed = trainingSequence(desc, true, 20);
      assert.ok(plain.conducting > 0.15, `conducting fraction ${plain.conducting}`);
      assert.ok(guessed.guessedSolves > 10, `${guessed.guessedSolves} free phases started from the guess`);
      assert.ok(
        guessed.iterations < 0.8 * plain.iterations,
        `iterations with guess ${guessed.iterations}, without ${plain.iterations}`,
      );
    });
  }
});
