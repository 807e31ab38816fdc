// The TSP subset interpreter of the emulated Keithley 2600B: statements the driver sends, print()
// formatting, Lua's compile-then-run rule (a syntax error runs nothing) and runtime errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatTspValue,
  runChunk,
  TspRuntimeError,
  TspSyntaxError,
  type TspEnvironment,
  type TspValue,
} from '../../sim/emulators/index.ts';

function environment(): TspEnvironment & { values: Map<string, TspValue> } {
  const values = new Map<string, TspValue>([
    ['smua.OUTPUT_ON', 1],
    ['smua.source.levelv', 0],
  ]);
  return {
    values,
    get: (name) => {
      if (!values.has(name)) throw new TspRuntimeError(`attempt to index '${name}'`);
      return values.get(name)!;
    },
    set: async (name, value) => void values.set(name, value),
    call: async (name, args) => {
      if (name === 'smua.measure.iv') return [1e-6, 0.5];
      throw new TspRuntimeError(`attempt to call '${name}' ${args.length}`);
    },
  };
}

test('assignments, constants, negative numbers and print() of several values', async () => {
  const env = environment();
  const result = await runChunk(
    'smua.source.levelv = -2.5e-1 smua.source.output = smua.OUTPUT_ON; print(smua.source.levelv, "x", nil)',
    env,
  );
  assert.deepEqual(result, { printed: ['-2.50000e-01\tx\tnil'] });
  assert.equal(env.values.get('smua.source.output'), 1);
});

test('a call as the last argument expands to all its results', async () => {
  const result = await runChunk('print(smua.measure.iv()) print(smua.measure.iv(), 0)', environment());
  assert.deepEqual(result.printed, ['1.00000e-06\t5.00000e-01', '1.00000e-06\t0.00000e+00']);
});

test('a syntax error anywhere runs nothing', async () => {
  const env = environment();
  await assert.rejects(runChunk('smua.source.levelv = 1 smua.source.levelv = = 2', env), TspSyntaxError);
  await assert.rejects(runChunk('print(1', env), TspSyntaxError);
  await assert.rejects(runChunk('smua.source.levelv', env), TspSyntaxError);
  assert.equal(env.values.get('smua.source.levelv'), 0);
});

test('a runtime error stops the chunk where it happens, keeping what was printed', async () => {
  const env = environment();
  const result = await runChunk('smua.source.levelv = 1 print(2) smua.nothing() smua.source.levelv = 3', env);
  assert.deepEqual(result.printed, ['2.00000e+00']);
  assert.ok(result.error instanceof TspRuntimeError);
  assert.equal(env.values.get('smua.source.levelv'), 1);
});

test('print() formats numbers as %.5e with a two-digit exponent', () => {
  assert.equal(formatTspValue(0), '0.00000e+00');
  assert.equal(formatTspValue(1234.5), '1.23450e+03');
  assert.equal(formatTspValue(-1e-12), '-1.00000e-12');
  assert.equal(formatTspValue(true), 'true');
});
