// Device I–V, conductance maps and program-and-verify on the simulated board; a request beyond
// the limits refused before it reaches the board (a source level: before anything does); unsubscribing aborts a procedure and leaves the sources safe.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, filter } from 'rxjs';
import type { Observable } from 'rxjs';
import { SimBoard } from '../../sim/board/index.ts';
import {
  calibrateDac,
  calibrateSettle,
  measureDeviceIv,
  measurePulseResponse,
  programAndVerify,
  readConductanceMap,
  resultOf,
} from '../../calibration/index.ts';
import type { ProcedureEvent } from '../../calibration/index.ts';
import { LimitError } from '../../src/capabilities/index.ts';
import { interlocked, simMeter, testLimits } from './helpers.ts';
import { deviceParams, pulse } from './fixtures.ts';

const network = { inputs: 2, outputs: 1 };

/** Collects every event of a procedure until it completes. */
async function events<P, R>(o: Observable<ProcedureEvent<P, R>>) {
  const out: ProcedureEvent<P, R>[] = [];
  await new Promise<void>((resolve, reject) =>
    o.subscribe({ next: (e) => out.push(e), error: reject, complete: resolve }),
  );
  return out;
}

describe('device I–V', () => {
  test('staircase of read voltages gives each device conductance; beyond compliance is a limit', async () => {
    const board = new SimBoard({ network, seed: 2, devices: 'ideal-soft-bounds' });
    const devices = [
      { array: 0, row: 0, col: 0 },
      { array: 0, row: 3, col: 1 },
    ];
    const iv = await resultOf(measureDeviceIv({ reader: board.reader }, { devices }));
    iv.forEach((d, i) => {
      const g = board.devices.g_S[d.device.row * 2 + d.device.col];
      assert.ok(Math.abs(d.conductance_S / g - 1) < 1e-9, `device ${i}: ${d.conductance_S} vs ${g}`);
      assert.ok(d.nonlinearity < 1e-9);
      assert.deepEqual(d.voltage_V.length, d.current_A.length);
    });
    const { bench, calls } = interlocked(board);
    const limited = await events(
      measureDeviceIv({ reader: bench.reader }, { devices, voltages_V: [0.1, 0.5] }),
    );
    const last = limited.at(-1)!;
    assert.equal(last.type, 'limit');
    assert.ok(last.type === 'limit' && last.field === 'reader.readVoltage_V' && last.value === 0.5);
    assert.ok(
      calls.every((c) => c.call !== 'reader.readConductances' || Math.abs(c.args[1] as number) <= 0.2),
      'no read beyond the compliance reached the board',
    );
  });
});

describe('conductance map and program-and-verify', () => {
  test('programs an array to a target map within tolerance, capped in retries', async () => {
    const board = new SimBoard({ network, seed: 4, devices: deviceParams({ family: 'soft-bounds' }) });
    const map = await resultOf(readConductanceMap({ reader: board.reader }, { reads: 16 }));
    assert.equal(map.maps[0].mean_S.length, 8);
    assert.ok(map.readNoise.fraction > 0.002 && map.readNoise.fraction < 0.01, `${map.readNoise.fraction}`);
    const target = Array.from({ length: 8 }, (_, i) => 2e-5 + i * 8e-6);
    const tolerance_S = 1.5e-6;
    const options = {
      array: 0,
      target_S: target,
      tolerance_S,
      set: pulse,
      reset: pulse,
      stepUp_S: 4e-6,
      stepDown_S: 3e-6,
      maxIterations: 30,
    };
    const result = await resultOf(
      programAndVerify({ programmer: board.programmer, reader: board.reader }, options),
    );
    assert.equal(result.converged, 8, `max error ${result.maxError_S.at(-1)}`);
    result.devices.forEach((d) => {
      const g = board.devices.g_S[d.index];
      assert.ok(Math.abs(g - target[d.index]) < 2 * tolerance_S, `device ${d.index}: ${g}`);
    });
    const capped = await resultOf(
      programAndVerify(
        { programmer: board.programmer, reader: board.reader },
        { ...options, target_S: target.map((t) => t * 0.5), tolerance_S: 1e-9, maxIterations: 3 },
      ),
    );
    assert.equal(capped.iterations, 3, 'the retry cap ends the loop');
    assert.equal(capped.maxError_S.length, 4);
  });
});

describe('limits and abort', () => {
  test('a source level beyond the limits is a limit event and nothing reaches the board', async () => {
    const board = new SimBoard({ network, seed: 1 });
    const { bench, calls } = interlocked(board);
    const meters = [simMeter(board, { kind: 'input-line', line: 0 }, 0, 1)];
    const dac = await events(
      calibrateDac({ inputs: bench.inputs, meters, timebase: bench.timebase }, { max_V: 0.8 }),
    );
    assert.deepEqual(
      dac.map((e) => e.type),
      ['limit'],
    );
    const settle = await events(
      calibrateSettle(
        { inputs: bench.inputs, sampler: bench.sampler, timebase: bench.timebase, reader: bench.reader },
        { maxDelay_s: 1e-6, step_V: 0.6 },
      ),
    );
    assert.equal(settle.at(-1)!.type, 'limit');
    const pulses = await events(
      measurePulseResponse(
        { programmer: bench.programmer, reader: bench.reader },
        {
          devices: [{ array: 0, row: 0, col: 0 }],
          set: { amplitude_V: 2, width_s: 1e-7 },
          reset: pulse,
          limits: testLimits,
        },
      ),
    );
    const last = pulses.at(-1)!;
    assert.ok(last.type === 'limit' && last.field === 'set.amplitude_V', JSON.stringify(last));
    const sources = calls.filter((c) => c.call === 'inputs.setVoltages' || c.call === 'timebase.wait');
    assert.deepEqual(sources, [], 'no source level reached the board');
    const sent = calls.filter(
      (c) => c.call === 'programmer.applyPulses' || c.call === 'reader.readConductances',
    );
    assert.deepEqual(sent, [], 'the over-limit plan sent nothing: not even its preconditioning RESETs');
    assert.equal(calls.at(-1)!.call, 'bench.safeState', 'the procedure ended with the bench safe');
    await assert.rejects(
      resultOf(calibrateDac({ inputs: bench.inputs, meters, timebase: bench.timebase }, { min_V: -9 })),
      LimitError,
    );
  });

  test('unsubscribing aborts: the sources go safe and no further call reaches the board', async () => {
    const board = new SimBoard({ network, seed: 1 });
    const { bench, calls } = interlocked(board);
    const meters = [0, 1, 2, 3].map((line) => simMeter(board, { kind: 'input-line', line }, 0, line));
    const procedure = calibrateDac(
      { inputs: bench.inputs, meters, timebase: bench.timebase },
      { levels: 11 },
    );
    const sub = procedure.subscribe();
    await firstValueFrom(procedure.pipe(filter((e) => e.type === 'progress' && e.done === 5)));
    sub.unsubscribe();
    await new Promise((r) => setTimeout(r, 20));
    const after = calls.length;
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(calls.length, after, 'no call after the abort');
    assert.deepEqual([...board.appliedInputs()], [0, 0, 0, 0], 'the sources are at their safe state');
    assert.ok(['inputs.safeState', 'bench.safeState'].includes(calls.at(-1)!.call));
  });
});
