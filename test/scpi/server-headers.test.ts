// Header matching and compound-message path rules: SCPI-1999 vol.1 §6.2, IEEE 488.2 §7.6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numeric, boolean } from '../../drivers/scpi/server/index.ts';
import { compilePattern } from '../../drivers/scpi/server/pattern.ts';
import { ask, errorCodes, newServer } from './helpers.ts';

function sourceServer() {
  const server = newServer();
  const calls: string[] = [];
  server.register('SOURce[1]:VOLTage[:LEVel][:IMMediate][:AMPLitude]', {
    params: [numeric({ unit: 'V' })],
    run: ([v]) => void calls.push(`SOUR:VOLT ${v}`),
  });
  server.register('SOURce[1]:VOLTage[:LEVel][:IMMediate][:AMPLitude]?', { run: () => 1.5 });
  server.register('SOURce[1]:VOLTage:PROTection[:LEVel]', {
    params: [numeric({ unit: 'V' })],
    run: ([v]) => void calls.push(`SOUR:VOLT:PROT ${v}`),
  });
  server.register('SOURce[1]:CURRent[:LEVel]', {
    params: [numeric({ unit: 'A' })],
    run: ([i]) => void calls.push(`SOUR:CURR ${i}`),
  });
  server.register('CURRent', {
    params: [numeric({ unit: 'A' })],
    run: ([i]) => void calls.push(`ROOT:CURR ${i}`),
  });
  server.register('OUTPut<ch:1-2>[:STATe]', {
    params: [boolean()],
    run: ([on], ctx) => void calls.push(`OUTP${ctx.suffix.ch} ${on}`),
  });
  server.register('MEASure:CURRent[:DC]?', { run: () => 2e-6 });
  server.register('TRACe#:POINts#', {
    params: [numeric()],
    run: ([n], ctx) => void calls.push(`TRAC ${ctx.suffixes.join('/')} ${n}`),
  });
  return { server, calls };
}

test('short and long forms match in any case; forms in between do not (SCPI-1999 vol.1 §6.2.1)', async () => {
  const { server, calls } = sourceServer();
  await ask(server, 'SOUR:VOLT 1;:source:voltage 2;:SoUrCe:VoLt 3');
  assert.deepEqual(calls, ['SOUR:VOLT 1', 'SOUR:VOLT 2', 'SOUR:VOLT 3']);
  await ask(server, 'SOURC:VOLT 4');
  await ask(server, 'SOUR:VOLTA 4');
  assert.deepEqual(await errorCodes(server), [-113, -113]);
  assert.equal(calls.length, 3);
});

test('optional nodes may be given or left out (SCPI-1999 vol.1 §6.2.5)', async () => {
  const { server, calls } = sourceServer();
  await ask(
    server,
    'SOUR:VOLT:LEV:IMM:AMPL 1;:SOUR:VOLT:IMM 2;:SOUR:VOLT:AMPL 3;:VOLT 4;:SOUR1:VOLT:LEVEL 5',
  );
  // `:VOLT 4` has no SOURce node, which is mandatory here: -113, and the command error ends the message.
  assert.deepEqual(calls, ['SOUR:VOLT 1', 'SOUR:VOLT 2', 'SOUR:VOLT 3']);
  assert.deepEqual(await errorCodes(server), [-113]);
  assert.equal(await ask(server, 'MEAS:CURR?;:MEAS:CURR:DC?'), '2.0E-6;2.0E-6\n');
});

test('numeric suffixes reach the handler; omitted means 1; out of range is -114 (SCPI-1999 vol.1 §6.2.5.2)', async () => {
  const { server, calls } = sourceServer();
  await ask(server, 'OUTP2 ON;:OUTP OFF;:OUTPUT1:STAT 1;:TRAC3:POIN12 5;:TRAC:POIN 6');
  assert.deepEqual(calls, ['OUTP2 true', 'OUTP1 false', 'OUTP1 true', 'TRAC 3/12 5', 'TRAC 1/1 6']);
  await ask(server, 'OUTP3 ON');
  await ask(server, 'SOUR2:VOLT 1'); // SOURce[1]: only suffix 1 exists
  await ask(server, 'MEAS:CURR2?'); // no suffix on CURRent
  assert.deepEqual(await errorCodes(server), [-114, -114, -114]);
});

test('after ";" a header continues from the previous header\'s path (SCPI-1999 vol.1 §6.2.4)', async () => {
  const { server, calls } = sourceServer();
  await ask(server, ':SOUR:VOLT 1;CURR 2');
  assert.deepEqual(calls, ['SOUR:VOLT 1', 'SOUR:CURR 2']);
  calls.length = 0;
  await ask(server, ':SOUR:VOLT 1;:CURR 2');
  assert.deepEqual(calls, ['SOUR:VOLT 1', 'ROOT:CURR 2']);
  calls.length = 0;
  // The path is the header up to its last colon, SOUR:VOLT:, so LEV means SOUR:VOLT:LEV (the
  // voltage level), not SOUR:VOLT:PROT:LEV.
  await ask(server, 'SOUR:VOLT:PROT 5;LEV 6');
  assert.deepEqual(calls, ['SOUR:VOLT:PROT 5', 'SOUR:VOLT 6']);
  assert.deepEqual(await errorCodes(server), []);
});

test('common commands leave the path alone; a new message starts at the root (SCPI-1999 vol.1 §6.2.4)', async () => {
  const { server, calls } = sourceServer();
  assert.equal(await ask(server, ':SOUR:VOLT 1;*OPC?;CURR 2'), '1\n');
  assert.deepEqual(calls, ['SOUR:VOLT 1', 'SOUR:CURR 2']);
  calls.length = 0;
  await ask(server, 'CURR 3');
  assert.deepEqual(calls, ['ROOT:CURR 3']);
});

test('responses of several queries are joined by ";" and end with NL (IEEE 488.2 §8.4.1, §8.5)', async () => {
  const { server } = sourceServer();
  assert.equal(await ask(server, 'SOUR:VOLT?;*OPC?;:MEAS:CURR?'), '1.5E+0;1;2.0E-6\n');
  assert.equal(await ask(server, 'SOUR:VOLT 1'), null);
});

test('several NL-terminated messages in one input run in order, each from the root', async () => {
  const { server, calls } = sourceServer();
  assert.equal(await ask(server, ':SOUR:VOLT 1\nCURR 2\n*OPC?\n'), '1\n');
  assert.deepEqual(calls, ['SOUR:VOLT 1', 'ROOT:CURR 2']);
});

test('header patterns: malformed ones are refused with the pattern named', () => {
  assert.throws(() => compilePattern('[:LEVel]'), /needs at least one mandatory node/);
  assert.throws(() => compilePattern('SOUR::VOLT'), /"SOUR::VOLT": cannot parse/);
  assert.throws(() => compilePattern('sour:VOLT'), /bad keyword "sour"/);
  const pattern = compilePattern('[SOURce]:VOLTage<ch:1-4>[:LEVel]?');
  assert.deepEqual(
    pattern.nodes.map((n) => [n.short, n.long, n.optional, n.suffix?.max]),
    [
      ['SOUR', 'SOURCE', true, undefined],
      ['VOLT', 'VOLTAGE', false, 4],
      ['LEV', 'LEVEL', true, undefined],
    ],
  );
  assert.equal(pattern.query, true);
});
