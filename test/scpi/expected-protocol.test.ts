// The scripted transport must fail on every kind of deviation, or driver protocol tests built on
// it could pass while the driver sends the wrong bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectedProtocol, ProtocolDeviation, ScriptedTransport } from '../../drivers/scpi/testing/index.ts';

test('a write that differs from the script fails, showing both messages', async () => {
  await assert.rejects(
    expectedProtocol([[':SOUR:VOLT 1', null]], (t) => t.write(':SOUR:VOLT 2')),
    /exchange 0: expected write ":SOUR:VOLT 1", got ":SOUR:VOLT 2"/,
  );
});

test('a write carrying its own terminator is a deviation (the transport adds it)', async () => {
  await assert.rejects(
    expectedProtocol([['*RST', null]], (t) => t.write('*RST\n')),
    ProtocolDeviation,
  );
});

test('a write beyond the end of the script fails', async () => {
  await assert.rejects(
    expectedProtocol([], (t) => t.write('*CLS')),
    /unexpected write "\*CLS": the script has 0 exchanges/,
  );
});

test('exchanges that never happen fail at the end', async () => {
  await assert.rejects(
    expectedProtocol(
      [
        ['*CLS', null],
        ['*RST', null],
      ],
      (t) => t.write('*CLS'),
    ),
    /1 expected exchange\(s\) never happened: "\*RST"/,
  );
});

test('an unread reply fails at the end', async () => {
  await assert.rejects(
    expectedProtocol([['*IDN?', 'A,B,C,D']], (t) => t.write('*IDN?')),
    /reply bytes never read/,
  );
});

test('a read with no reply pending fails instead of hanging', async () => {
  await assert.rejects(
    expectedProtocol([['*RST', null]], async (t) => {
      await t.write('*RST');
      await t.read();
    }),
    /read\(\) after exchange 0, but no reply is pending/,
  );
});

test('a deviation the code under test swallows still fails the test', async () => {
  await assert.rejects(
    expectedProtocol([['A', null]], async (t) => {
      await t.write('B').catch(() => undefined);
      await t.write('A').catch(() => undefined);
    }),
    /expected write "A", got "B"/,
  );
});

test('a deviation is reported even when the code turns it into another error', async () => {
  await assert.rejects(
    expectedProtocol([['A', null]], async (t) => {
      await t.write('B').catch(() => {
        throw new Error('driver failed');
      });
    }),
    ProtocolDeviation,
  );
});

test('replies use the configured terminator and readBytes takes exact counts', async () => {
  const t = new ScriptedTransport([['Q?', 'ab\ncd']], { terminator: '\r\n' });
  await t.write('Q?');
  assert.equal(Buffer.from(await t.readBytes(3)).toString(), 'ab\n');
  assert.equal(Buffer.from(await t.read()).toString(), 'cd');
  t.assertDone();
  assert.equal(t.sent.length, 1);
});
