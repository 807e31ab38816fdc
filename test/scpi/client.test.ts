import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { ScpiClient } from '../../drivers/scpi/client.ts';
import { encodeBinary } from '../../drivers/scpi/block.ts';
import { ScpiInstrumentError, ScpiResponseError } from '../../drivers/scpi/errors.ts';
import { expectedProtocol, TIMEOUT } from '../../drivers/scpi/testing/index.ts';
import { TransportTimeoutError } from '../../drivers/transports/transport.ts';

const bytes = (text: string) => Buffer.from(text, 'latin1');

test('query returns the response text; write sends the message unterminated', async () => {
  await expectedProtocol(
    [
      [':SOUR:VOLT 0.5;:OUTP ON', null],
      [':SOUR:VOLT?', '+5.000000E-01\r'],
    ],
    async (t) => {
      const client = new ScpiClient(t);
      await client.write(':SOUR:VOLT 0.5;:OUTP ON');
      assert.equal(await client.query(':SOUR:VOLT?'), '+5.000000E-01');
    },
  );
});

test('queryNumber maps the SCPI-1999 vol.1 §7.2.1.5 overrange 9.9E37 to Infinity and 9.91E37 to NaN', async () => {
  await expectedProtocol(
    [
      [':MEAS:CURR?', '+9.9E+37'],
      [':MEAS:VOLT?', '-9.9E37'],
      [':MEAS:RES?', '9.91E37'],
      [':READ?', '1.5E-3,2.5E-3,9.9E37'],
    ],
    async (t) => {
      const client = new ScpiClient(t);
      assert.equal(await client.queryNumber(':MEAS:CURR?'), Infinity);
      assert.equal(await client.queryNumber(':MEAS:VOLT?'), -Infinity);
      assert.ok(Number.isNaN(await client.queryNumber(':MEAS:RES?')));
      assert.deepEqual(await client.queryNumbers(':READ?'), [1.5e-3, 2.5e-3, Infinity]);
    },
  );
});

test('a malformed numeric response is a ScpiResponseError naming the command', async () => {
  await expectedProtocol([[':MEAS:CURR?', 'OVERLOAD']], async (t) => {
    const error = await new ScpiClient(t).queryNumber(':MEAS:CURR?').catch((e: unknown) => e);
    assert.ok(error instanceof ScpiResponseError);
    assert.equal(error.command, ':MEAS:CURR?');
    assert.equal(error.response, 'OVERLOAD');
  });
});

test('queryBlock reads a definite-length block whose payload holds \\n (IEEE 488.2 §8.7.9)', async () => {
  const payload = Uint8Array.of(0x01, 0x0a, 0x02, 0x0a, 0x0a, 0x23, 0x00);
  const reply = Buffer.concat([bytes('#17'), payload]);
  await expectedProtocol([[':TRAC:DATA?', reply]], async (t) => {
    assert.deepEqual(await new ScpiClient(t).queryBlock(':TRAC:DATA?'), payload);
  });
});

test('queryBlock reads a multi-digit length and an empty block', async () => {
  const payload = new Uint8Array(1234).map((_, i) => i % 256);
  await expectedProtocol(
    [
      ['DATA?', Buffer.concat([bytes('#41234'), payload])],
      ['EMPTY?', '#10'],
    ],
    async (t) => {
      const client = new ScpiClient(t);
      assert.deepEqual(await client.queryBlock('DATA?'), payload);
      assert.equal((await client.queryBlock('EMPTY?')).length, 0);
    },
  );
});

test('queryBlock reads an indefinite #0 block up to the terminator (IEEE 488.2 §8.7.10)', async () => {
  await expectedProtocol([['CURVE?', '#0ABC,DEF']], async (t) => {
    assert.equal(Buffer.from(await new ScpiClient(t).queryBlock('CURVE?')).toString(), 'ABC,DEF');
  });
});

test('queryBlock rejects a response that is not a block, leaving nothing unread', async () => {
  await expectedProtocol([['DATA?', '1.5,2.5']], async (t) => {
    await assert.rejects(new ScpiClient(t).queryBlock('DATA?'), /is not an arbitrary block.*"1.5,2.5"/);
  });
});

test('queryBinary decodes float32 little-endian, float64 big-endian and int16 blocks', async () => {
  const floats = [1.5, -0.25, 3.0517578125e-5];
  const f32 = encodeBinary(floats, { element: 'float32', endian: 'little' });
  // Independent expectation: 1.5 as IEEE 754 binary32 little-endian is 00 00 C0 3F.
  assert.deepEqual([...f32.subarray(0, 4)], [0x00, 0x00, 0xc0, 0x3f]);
  const f64 = Buffer.alloc(16);
  f64.writeDoubleBE(Math.PI, 0);
  f64.writeDoubleBE(-1e-300, 8);
  const i16 = Buffer.from([0xff, 0xfe, 0x00, 0x0a]); // big-endian -2, 10
  await expectedProtocol(
    [
      ['F32?', Buffer.concat([bytes('#212'), f32])],
      ['F64?', Buffer.concat([bytes('#216'), f64])],
      ['I16?', Buffer.concat([bytes('#14'), i16])],
      ['ODD?', '#13abc'],
    ],
    async (t) => {
      const client = new ScpiClient(t);
      assert.deepEqual(
        [...(await client.queryBinary('F32?', { element: 'float32', endian: 'little' }))],
        floats,
      );
      assert.deepEqual(
        [...(await client.queryBinary('F64?', { element: 'float64', endian: 'big' }))],
        [Math.PI, -1e-300],
      );
      assert.deepEqual(
        [...(await client.queryBinary('I16?', { element: 'int16', endian: 'big' }))],
        [-2, 10],
      );
      await assert.rejects(
        client.queryBinary('ODD?', { element: 'int16', endian: 'big' }),
        /3 bytes is not a whole number of int16/,
      );
    },
  );
});

test('writeBlock sends <header> #<n><len><bytes> (IEEE 488.2 §7.7.6.2)', async () => {
  const payload = Uint8Array.of(0x0a, 0x00, 0xff);
  await expectedProtocol(
    [
      [Buffer.concat([bytes('PULS:BATC #13'), payload]), null],
      [Buffer.concat([bytes('ARR 2,#13'), payload]), null],
    ],
    async (t) => {
      const client = new ScpiClient(t);
      await client.writeBlock('PULS:BATC', payload);
      await client.writeBlock('ARR 2,', payload);
    },
  );
});

test('queryWithBlock sends <header> #<n><len><bytes>;<query> as one message, reads the reply, logs it and attributes errors to it', async () => {
  const payload = Uint8Array.of(0x0a, 0x3b, 0x00);
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  await expectedProtocol(
    [
      [Buffer.concat([bytes('PROG:PULS:BATC #13'), payload, bytes(';BATC:COUN?')]), '0'],
      ['SYST:ERR?', '301,"Pulse limit exceeded"'],
      ['SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const client = new ScpiClient(t, { logger });
      assert.equal(await client.queryWithBlock('PROG:PULS:BATC', payload, 'BATC:COUN?'), '0');
      const error = await client.checkErrors().catch((e: unknown) => e);
      assert.ok(error instanceof ScpiInstrumentError);
      assert.equal(error.command, 'PROG:PULS:BATC #<3 bytes>;BATC:COUN?');
    },
  );
  assert.deepEqual(
    lines.filter((l) => 'tx' in l || 'rx' in l).map((l) => l.tx ?? l.rx),
    [
      'PROG:PULS:BATC #<3 bytes>;BATC:COUN?',
      '0',
      'SYST:ERR?',
      '301,"Pulse limit exceeded"',
      'SYST:ERR?',
      '0,"No error"',
    ],
  );
});

test('readErrors drains SYST:ERR? until 0,"No error" (SCPI-1999 vol.2 §21.8)', async () => {
  await expectedProtocol(
    [
      ['SYST:ERR?', '-113,"Undefined header"'],
      ['SYST:ERR?', '-222,"Data out of range"'],
      ['SYST:ERR?', '+0,"No error"'],
    ],
    async (t) => {
      assert.deepEqual(await new ScpiClient(t).readErrors(), [
        { code: -113, message: 'Undefined header' },
        { code: -222, message: 'Data out of range' },
      ]);
    },
  );
});

test('checkErrors raises ScpiInstrumentError with code, message and the command that caused it', async () => {
  await expectedProtocol(
    [
      [':SOUR:VOLT 300', null],
      ['SYST:ERR?', '-222,"Data out of range"'],
      ['SYST:ERR?', '0,"No error"'],
      ['SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const client = new ScpiClient(t);
      const error = await client.writeChecked(':SOUR:VOLT 300').catch((e: unknown) => e);
      assert.ok(error instanceof ScpiInstrumentError);
      assert.equal(error.code, -222);
      assert.equal(error.instrumentMessage, 'Data out of range');
      assert.equal(error.command, ':SOUR:VOLT 300');
      assert.match(
        error.message,
        /SCRIPTED::INSTR: instrument error -222 "Data out of range" after ":SOUR:VOLT 300"/,
      );
      await client.checkErrors();
    },
  );
});

test('an error queue that never empties stops after maxErrorReads', async () => {
  const script = Array.from({ length: 3 }, () => ['SYST:ERR?', '-350,"Queue overflow"'] as const);
  await expectedProtocol(script, async (t) => {
    await assert.rejects(
      new ScpiClient(t, { maxErrorReads: 3 }).readErrors(),
      /never reported 0,"No error" within 3 reads/,
    );
  });
});

test('*OPC?, *IDN?, *ESR? and *STB? helpers (IEEE 488.2 §10.19, §10.14, §11.5.1, §11.2)', async () => {
  await expectedProtocol(
    [
      ['*OPC?', '1'],
      [':INIT;*OPC?', '1'],
      ['*IDN?', 'Keysight Technologies,B2902A,MY12345678,3.4.2011.5100'],
      ['*ESR?', '+36'],
      ['*STB?', '68'],
      ['*CLS', null],
      ['*RST', null],
      ['*OPC?', '0'],
    ],
    async (t) => {
      const client = new ScpiClient(t);
      await client.waitComplete();
      await client.writeAndWait(':INIT');
      assert.deepEqual(await client.identify(), {
        vendor: 'Keysight Technologies',
        model: 'B2902A',
        serial: 'MY12345678',
        firmware: '3.4.2011.5100',
      });
      const esr = await client.readEventStatus();
      assert.equal(esr.CME && esr.QYE && !esr.EXE && !esr.PON, true);
      const stb = await client.readStatusByte();
      assert.equal(stb.MSS && stb.EAV && !stb.MAV, true);
      await client.clearStatus();
      await client.reset();
      await assert.rejects(client.waitComplete(), /is not the \*OPC\? reply "1"/);
    },
  );
});

test('a scripted timeout surfaces as TransportTimeoutError', async () => {
  await expectedProtocol([[':READ?', TIMEOUT]], async (t) => {
    await assert.rejects(new ScpiClient(t).query(':READ?'), TransportTimeoutError);
  });
});

test('concurrent callers never interleave a write and its read (per-client mutex)', async () => {
  const script = Array.from({ length: 20 }, (_, i) => [`Q${i}?`, `R${i}`] as const);
  await expectedProtocol(script, async (t) => {
    const client = new ScpiClient(t);
    const replies = await Promise.all(script.map(([send]) => client.query(send)));
    assert.deepEqual(
      replies,
      script.map(([, reply]) => reply),
    );
  });
});

test('without the mutex the same concurrent calls do interleave, and the script catches it', async () => {
  // Control for the test above: raw transport calls from two callers write twice before reading.
  await assert.rejects(
    expectedProtocol(
      [
        ['A?', 'a'],
        ['B?', 'b'],
      ],
      async (t) => {
        const raw = async (command: string) => {
          await t.write(command);
          return t.read();
        };
        await Promise.all([raw('A?'), raw('B?')]);
      },
    ),
    /write "B\?" while "a\\n" of the previous reply is unread/,
  );
});

test('transaction() keeps a multi-step sequence together against concurrent callers', async () => {
  await expectedProtocol(
    [
      [':TRIG:COUN 3', null],
      [':READ?', '1,2,3'],
      ['*IDN?', 'A,B,C,D'],
    ],
    async (t) => {
      const client = new ScpiClient(t);
      const [readings, identity] = await Promise.all([
        client.transaction(async (session) => {
          await session.write(':TRIG:COUN 3');
          return session.queryNumbers(':READ?');
        }),
        client.identify(),
      ]);
      assert.deepEqual(readings, [1, 2, 3]);
      assert.equal(identity.model, 'B');
    },
  );
});
