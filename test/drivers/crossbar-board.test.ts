// Crossbar-board driver against scripted exchanges. Expected bytes from
// docs/protocols/crossbar-board.md v1.0: §2 layout queries, §3 FORMat REAL,64 / FORMat:BORDer,
// §4 SOURce:VOLTage / SOURce:CURRent blocks, §5 PROGram:BIAS and the 24-byte little-endian pulse
// records sent as `PROG:PULS:BATC #…;BATC:COUN?`, §6 MEASure:CONDuctance?, §7 SAMPle:READ?,
// §8 LIMit, §9 *RST and SYSTem:ERRor?. Blocks are built here field by field with Buffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiClient, ScpiInstrumentError } from '../../drivers/scpi/index.ts';
import { expectedProtocol } from '../../drivers/scpi/testing/index.ts';
import {
  CrossbarBoard,
  LayoutMismatchError,
  type CrossbarBoardConfigInput,
} from '../../drivers/instruments/crossbar-board.ts';
import type { MessageTransport } from '../../drivers/transports/transport.ts';
import { LimitError, type Pulse } from '../../src/capabilities/index.ts';
import { NO_ERROR } from './fixtures.ts';

const CONFIG: CrossbarBoardConfigInput = {
  name: 'xbar',
  expectedModel: 'XBAR',
  layout: {
    lines: 2,
    nodes: 3,
    outputs: 2,
    arrays: [
      { rows: 2, cols: 2 },
      { rows: 2, cols: 1 },
    ],
  },
  limits: {
    voltage_V: { min: -1, max: 1 },
    current_A: { min: -1e-4, max: 1e-4 },
    pulse: { amplitude_V: 2.5, width_s: { min: 1e-8, max: 1e-3 }, count: 10 },
    readVoltage_V: 0.2,
  },
};

function block(payload: Buffer): Buffer {
  const length = String(payload.length);
  return Buffer.concat([Buffer.from(`#${length.length}${length}`), payload]);
}

function doublesLE(values: number[]): Buffer {
  const payload = Buffer.alloc(8 * values.length);
  values.forEach((v, i) => payload.writeDoubleLE(v, 8 * i));
  return block(payload);
}

const message = (header: string, payload: Buffer, trailer = '') =>
  Buffer.concat([Buffer.from(header, 'latin1'), payload, Buffer.from(trailer, 'latin1')]);

const FORMATS = ':FORM REAL,64;:FORM:BORD SWAP;:PROG:BIAS VHAL';
const CONFIGURED: [string | Buffer, string | Buffer | null][] = [
  ['*IDN?', 'NUDGED,XBAR-EMU,XB000001,1.0'],
  ['LINE:COUN?;:NODE:COUN?;:NODE:OUTP:COUN?;:ARR:COUN?', '2;3;2;2'],
  [':ARR:SIZE? 0;:ARR:SIZE? 1', '2,2;2,1'],
  [
    `${FORMATS};:LIM:VOLT -1,1;:LIM:CURR -0.0001,0.0001;:LIM:PULS:AMPL 2.5;:LIM:PULS:WIDT 1E-8,0.001;` +
      ':LIM:PULS:COUN 10;:LIM:READ:VOLT 0.2',
    null,
  ],
  NO_ERROR,
];

const board = (t: MessageTransport, config = CONFIG) => new CrossbarBoard(new ScpiClient(t), config);

test('configure: identity, layout compared, formats, bias and limits in one checked message', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    assert.equal((await board(t).configure()).model, 'XBAR-EMU');
  });
});

test('a board with another layout is refused, naming the field', async () => {
  await expectedProtocol(
    [CONFIGURED[0], ['LINE:COUN?;:NODE:COUN?;:NODE:OUTP:COUN?;:ARR:COUN?', '2;4;2;2']],
    async (t) => {
      const error = await board(t)
        .configure()
        .catch((e: unknown) => e);
      assert.ok(error instanceof LayoutMismatchError);
      assert.equal(error.field, 'xbar.layout.nodes');
    },
  );
  await expectedProtocol([...CONFIGURED.slice(0, 2), [':ARR:SIZE? 0;:ARR:SIZE? 1', '2,2;3,1']], async (t) => {
    await assert.rejects(
      board(t).configure(),
      /xbar\.layout\.arrays\[1\]: configured 2,1, the board reports 3,1/,
    );
  });
});

test('input lines and nudge currents: one binary64 block each with :SYST:ERR? in the same message', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [message('SOUR:VOLT ', doublesLE([0.5, -0.5]), ';:SYST:ERR?'), '0,"No error"'],
      [message('SOUR:CURR ', doublesLE([1e-6, -2e-6]), ';:SYST:ERR?'), '0,"No error"'],
    ],
    async (t) => {
      const xbar = board(t);
      await xbar.configure();
      await xbar.inputLines().setVoltages(Float64Array.of(0.5, -0.5));
      await xbar.nudgeCurrents().setCurrents(Float64Array.of(1e-6, -2e-6));
    },
  );
});

test('a level block the board refuses throws ScpiInstrumentError with every queued error', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [message('SOUR:VOLT ', doublesLE([0.5, -0.5]), ';:SYST:ERR?'), '-222,"Data out of range;line 1"'],
      ['SYST:ERR?', '-350,"Queue overflow"'],
      ['SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const xbar = board(t);
      await xbar.configure();
      const error = await xbar
        .inputLines()
        .setVoltages(Float64Array.of(0.5, -0.5))
        .catch((e: unknown) => e);
      assert.ok(error instanceof ScpiInstrumentError, String(error));
      assert.deepEqual(
        error.errors.map((e) => e.code),
        [-222, -350],
      );
      assert.match(error.message, /Data out of range;line 1/);
    },
  );
});

test('levels outside the limits are refused before anything is sent', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    const xbar = board(t);
    await xbar.configure();
    await assert.rejects(
      xbar.setVoltages(Float64Array.of(0, 1.5)),
      (e: unknown) => e instanceof LimitError && e.field === 'xbar.ch1.voltage_V',
    );
    await assert.rejects(
      xbar.setCurrents(Float64Array.of(2e-4, 0)),
      (e: unknown) => e instanceof LimitError && e.field === 'xbar.ch0.current_A',
    );
    await assert.rejects(xbar.setVoltages(Float64Array.of(0)), /expected 2 levels, got 1/);
  });
});

test('sample-and-hold: one query with delay and averages, node voltages from a binary64 block', async () => {
  await expectedProtocol(
    [...CONFIGURED, ['SAMP:READ? 0.00002,4', doublesLE([0.1, -0.2, 0.3])]],
    async (t) => {
      const xbar = board(t);
      await xbar.configure();
      const sampler = xbar.nodeSampler();
      assert.equal(sampler.channels, 3);
      assert.deepEqual(
        await sampler.sampleAndRead({ delay_s: 20e-6, averages: 4 }),
        Float64Array.of(0.1, -0.2, 0.3),
      );
      await assert.rejects(
        sampler.sampleAndRead({ averages: 0 }),
        /averages=0 must be an integer in \[1, 1024\]/,
      );
      await assert.rejects(sampler.sampleAndRead({ delay_s: 11 }), /delay_s=11/);
    },
  );
});

test('conductances of one array: one query, row-major; the read voltage is limit-checked', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      ['MEAS:COND? 1,0.1', doublesLE([1e-5, 2e-5])],
      ['MEAS:COND? 0,-0.2', doublesLE([1, 2, 3, 4])],
    ],
    async (t) => {
      const xbar = board(t);
      await xbar.configure();
      const reader = xbar.conductanceReader();
      assert.deepEqual(reader.arrays, [
        { rows: 2, cols: 2 },
        { rows: 2, cols: 1 },
      ]);
      assert.deepEqual(await reader.readConductances(1, 0.1), Float64Array.of(1e-5, 2e-5));
      assert.deepEqual(await reader.readConductances(0, -0.2), Float64Array.of(1, 2, 3, 4));
      await assert.rejects(
        reader.readConductances(0, 0.3),
        (e: unknown) => e instanceof LimitError && e.field === 'xbar.read.voltage_V',
      );
      await assert.rejects(reader.readConductances(2, 0.1), /xbar\.read\.array=2/);
    },
  );
});

/** A pulse record per the §5 table: uint8 array, uint8 polarity, uint16 row, col, count,
 * float64 amplitude, width, little-endian. */
function record(
  array: number,
  polarity: 0 | 1,
  row: number,
  col: number,
  count: number,
  amplitude: number,
  width: number,
): Buffer {
  const r = Buffer.alloc(24);
  r.writeUInt8(array, 0);
  r.writeUInt8(polarity, 1);
  r.writeUInt16LE(row, 2);
  r.writeUInt16LE(col, 4);
  r.writeUInt16LE(count, 6);
  r.writeDoubleLE(amplitude, 8);
  r.writeDoubleLE(width, 16);
  return r;
}

const PULSES: Pulse[] = [
  { array: 0, row: 1, col: 0, polarity: 'set', amplitude_V: 1.5, width_s: 1e-6 },
  { array: 1, row: 0, col: 0, polarity: 'reset', amplitude_V: 2, width_s: 5e-7, count: 3 },
];
const BATCH = message(
  'PROG:PULS:BATC ',
  block(Buffer.concat([record(0, 0, 1, 0, 1, 1.5, 1e-6), record(1, 1, 0, 0, 3, 2, 5e-7)])),
  ';BATC:COUN?',
);

test('a pulse batch is one message with its count query: one round trip', async () => {
  await expectedProtocol([...CONFIGURED, [BATCH, '4']], async (t) => {
    const xbar = board(t);
    await xbar.configure();
    assert.deepEqual(await xbar.pulseProgrammer().applyPulses(PULSES), { applied: 4 });
    assert.deepEqual(await xbar.applyPulses([]), { applied: 0 });
  });
});

test('a pulse beyond a limit or outside the array is refused before sending, naming the field', async () => {
  await expectedProtocol(CONFIGURED, async (t) => {
    const xbar = board(t);
    await xbar.configure();
    const bad = (change: Partial<Pulse>) => xbar.applyPulses([PULSES[0], { ...PULSES[1], ...change }]);
    await assert.rejects(
      bad({ amplitude_V: 3 }),
      (e: unknown) => e instanceof LimitError && e.field === 'xbar.pulses[1].amplitude_V',
    );
    await assert.rejects(
      bad({ width_s: 1e-2 }),
      (e: unknown) => e instanceof LimitError && e.field === 'xbar.pulses[1].width_s',
    );
    await assert.rejects(
      bad({ count: 11 }),
      (e: unknown) => e instanceof LimitError && e.field === 'xbar.pulses[1].count',
    );
    await assert.rejects(bad({ col: 1 }), /xbar\.pulses\[1\]\.col=1 must be an integer in \[0, 0\]/);
    await assert.rejects(bad({ amplitude_V: -1 }), LimitError);
  });
});

test('a batch the board refuses surfaces its error queue as a ScpiInstrumentError', async () => {
  await expectedProtocol(
    [
      ...CONFIGURED,
      [BATCH, '0'],
      ['SYST:ERR?', '301,"Limit exceeded;pulse amplitude 2 outside [0, 1.8]"'],
      NO_ERROR,
    ],
    async (t) => {
      const xbar = board(t);
      await xbar.configure();
      const error = await xbar.applyPulses(PULSES).catch((e: unknown) => e);
      assert.ok(error instanceof ScpiInstrumentError);
      assert.equal(error.code, 301);
      // Attributed to the batch message itself, not to the configuration sent before it.
      assert.equal(error.command, `PROG:PULS:BATC #<${2 * 24} bytes>;BATC:COUN?`);
    },
  );
});

test('safeState: *RST (lines 0 V, currents 0 A, pulse engine idle) and formats restored, idempotent', async () => {
  await expectedProtocol(
    [
      [`*RST;${FORMATS}`, null],
      [`*RST;${FORMATS}`, null],
    ],
    async (t) => {
      const xbar = board(t);
      await xbar.inputLines().safeState();
      await xbar.pulseProgrammer().safeState();
    },
  );
});

test('operations before configure() are refused without sending', async () => {
  await expectedProtocol([], async (t) => {
    await assert.rejects(board(t).sampleAndRead(), /configure\(\) must run before sampling/);
  });
});
