// Each standard error is provoked by a real malformed message. Codes and classes: SCPI-1999
// vol.2 §21.8; parsing rules: IEEE 488.2-1992 §7.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  block,
  boolean,
  channelList,
  choice,
  numeric,
  string,
  ScpiError,
} from '../../drivers/scpi/server/index.ts';
import { ask, errorCodes, newServer } from './helpers.ts';

function instrument(errorQueueCapacity?: number) {
  const server = newServer(errorQueueCapacity);
  const volts: number[] = [];
  server.register('SOURce:VOLTage', {
    params: [numeric({ name: 'voltage', unit: 'V', min: -20, max: 20, default: 0 })],
    run: ([v]) => void volts.push(v),
  });
  server.register('SOURce:FUNCtion', { params: [choice(['VOLTage', 'CURRent'])], run: () => undefined });
  server.register('SYSTem:LABel', { params: [string()], run: () => undefined });
  server.register('SYSTem:DATA', { params: [block()], run: () => undefined });
  server.register('ROUTe:CLOSe', { params: [channelList()], run: () => undefined });
  server.register('OUTPut<n:1-2>', { params: [boolean()], run: () => undefined });
  server.register('MEASure:CURRent?', { run: () => 1e-6 });
  server.register('FAULt', {
    run: () => {
      throw new Error('relay driver stuck');
    },
  });
  server.register('INTerlock', {
    run: () => {
      throw new ScpiError(201, 'front panel', 'Interlock open');
    },
  });
  return { server, volts };
}

const cases: [code: number, clause: string, message: string | Uint8Array][] = [
  [-101, 'IEEE 488.2 §7.4: a character outside the syntax', 'SOUR:VOLT 1&'],
  [-101, 'IEEE 488.2 §7.4: a non-ASCII byte', Uint8Array.of(0x53, 0x4f, 0x55, 0x52, 0xb5)],
  [-102, 'IEEE 488.2 §7.6.1: empty mnemonic between colons', 'SOUR::VOLT 1'],
  [-102, 'IEEE 488.2 §7.3.2: empty message unit between ";"', 'SOUR:VOLT 1;;SOUR:VOLT 2'],
  [-103, 'IEEE 488.2 §7.4.2: data without a "," separator', 'SOUR:VOLT 1 2'],
  [-103, 'IEEE 488.2 §7.4.3: data without white space after the header', 'SOUR:VOLT,1'],
  [-104, 'SCPI vol.1 §7.2: a string where a number is expected', 'SOUR:VOLT "1"'],
  [-108, 'IEEE 488.2 §10.32: *RST takes no parameter', '*RST 1'],
  [-108, 'one parameter too many', 'SOUR:VOLT 1,2'],
  [-109, 'a required parameter left out', 'SOUR:VOLT'],
  [-112, 'IEEE 488.2 §7.6.1.4: mnemonic over 12 characters', 'SOUR:VOLTAGELEVELS 1'],
  [-113, 'SCPI vol.1 §6.2: header not in the tree', 'SOUR:VOLX 1'],
  [-114, 'SCPI vol.1 §6.2.5.2: suffix outside OUTPut<1-2>', 'OUTP3 ON'],
  [-120, 'IEEE 488.2 §7.7.2.2: exponent sign without digits', 'SOUR:VOLT 1.5E+'],
  [-120, 'IEEE 488.2 §7.7.2.2: a sign with no digits', 'SOUR:VOLT +'],
  [-121, 'IEEE 488.2 §7.7.4: digit 2 in a #B number', 'SOUR:VOLT #B102'],
  [-123, 'exponent beyond the double range', 'SOUR:VOLT 1E999'],
  [-131, 'IEEE 488.2 §7.7.3: amperes for a voltage', 'SOUR:VOLT 1A'],
  [-138, 'a unit on a unitless parameter', '*ESE 1V'],
  [-151, 'IEEE 488.2 §7.7.5: unterminated string', 'SYST:LAB "abc'],
  [-161, 'IEEE 488.2 §7.7.6: block shorter than announced', 'SYST:DATA #15ab'],
  [-170, 'IEEE 488.2 §7.7.7: unterminated expression', 'ROUT:CLOS (@1,2'],
  [-100, 'a query-only header sent as a command', 'MEAS:CURR'],
  [-222, 'SCPI vol.1 §7.2.1: value outside [MIN, MAX]', 'SOUR:VOLT 30'],
  [-224, 'SCPI vol.1 §7.2: character data not in the enumeration', 'SOUR:FUNC RES'],
  [-300, 'a handler failing unexpectedly is a device-specific error', 'FAUL'],
  [201, 'SCPI vol.2 §21.8: a device-defined positive code', 'INT'],
];

for (const [code, clause, message] of cases) {
  const shown = typeof message === 'string' ? message : Buffer.from(message).toString('latin1');
  test(`${code} from ${JSON.stringify(shown)} (${clause})`, async () => {
    const { server } = instrument();
    assert.equal(await ask(server, message), null);
    assert.deepEqual(await errorCodes(server), [code]);
  });
}

test('the queued entry is <code>,"<description>;<info>" naming the field and the reason', async () => {
  const { server } = instrument();
  await ask(server, 'SOUR:VOLT 30');
  assert.equal(
    await ask(server, 'SYST:ERR?'),
    '-222,"Data out of range;SOUR:VOLT voltage: 30 is outside [-20, 20]"\n',
  );
  await ask(server, 'INT');
  assert.equal(await ask(server, 'SYST:ERR:NEXT?'), '201,"Interlock open;front panel"\n');
  assert.equal(await ask(server, 'SYST:ERR?'), '0,"No error"\n');
});

test('a command error discards the rest of the message; units before it have run (IEEE 488.2 §6.1.6)', async () => {
  const { server, volts } = instrument();
  await ask(server, 'SOUR:VOLT 3;:SOUR:VOLX 1;:SOUR:VOLT 4');
  assert.deepEqual(volts, [3]);
  assert.deepEqual(await errorCodes(server), [-113]);
});

test('an execution error does not stop the following units', async () => {
  const { server, volts } = instrument();
  assert.equal(await ask(server, 'SOUR:VOLT 30;VOLT 2;:MEAS:CURR?'), '1.0E-6\n');
  assert.deepEqual(volts, [2]);
  assert.deepEqual(await errorCodes(server), [-222]);
});

test('each error class sets its ESR bit: CME, EXE, DDE, QYE (IEEE 488.2 §11.5.1.1)', async () => {
  const { server } = instrument();
  assert.equal(await ask(server, '*ESR?'), '128\n'); // PON after power-on, cleared by reading
  const cases: [string, number][] = [
    ['SOUR:VOLX 1', 0x20],
    ['SOUR:VOLT 99', 0x10],
    ['FAUL', 0x08],
  ];
  for (const [message, bit] of cases) {
    await ask(server, message);
    assert.equal(await ask(server, '*ESR?'), `${bit}\n`, message);
  }
  assert.equal(await server.readResponse(), null); // nothing to read: -420
  assert.equal(await ask(server, '*ESR?'), `${0x04}\n`);
  assert.deepEqual(await errorCodes(server), [-113, -222, -300, -420]);
});

test('a full queue replaces its newest entry with -350 Queue overflow (SCPI-1999 vol.2 §21.8.1)', async () => {
  const { server } = instrument(3);
  await ask(server, 'SOUR:VOLT 30');
  await ask(server, 'SOUR:VOLX 1');
  await ask(server, 'SOUR:FUNC RES');
  await ask(server, 'SOUR:VOLT');
  await ask(server, 'OUTP9 ON');
  assert.equal(await ask(server, 'SYST:ERR:COUN?'), '3\n');
  assert.deepEqual(await errorCodes(server), [-222, -113, -350]);
});

test('buffered mode: a new message before the response is read gives -410 Query INTERRUPTED (IEEE 488.2 §6.3.2.3)', async () => {
  const { server } = instrument();
  await server.receive('MEAS:CURR?');
  await server.receive('*OPC?');
  assert.equal(Buffer.from((await server.readResponse())!).toString(), '1\n');
  assert.deepEqual(await errorCodes(server), [-410]);
});

test('buffered mode: reading with no response pending gives -420 Query UNTERMINATED (IEEE 488.2 §6.3.2.2)', async () => {
  const { server } = instrument();
  await server.receive('SOUR:VOLT 1');
  assert.equal(await server.readResponse(), null);
  await server.receive('MEAS:CURR?');
  assert.equal(Buffer.from((await server.readResponse())!).toString(), '1.0E-6\n');
  assert.deepEqual(await errorCodes(server), [-420]);
});
