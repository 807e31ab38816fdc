// IEEE 488.2-1992 common commands (§10) and the status reporting model (§11).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiServer } from '../../drivers/scpi/server/index.ts';
import { ask, identity, newServer } from './helpers.ts';

test('*IDN? answers the four identity fields (§10.14)', async () => {
  assert.equal(await ask(newServer(), '*IDN?'), 'NUDGED,TEST-1,SN0001,0.1\n');
  assert.equal(await ask(newServer(), '*idn?'), 'NUDGED,TEST-1,SN0001,0.1\n');
});

test('PON is set at power-on and *ESR? clears the register by reading it (§11.5.1.2)', async () => {
  const server = newServer();
  assert.equal(await ask(server, '*ESR?;*ESR?'), '128;0\n');
});

test('*OPC sets OPC in the ESR; *OPC? answers 1; *WAI is accepted (§10.18, §10.19, §10.39)', async () => {
  const server = newServer();
  await ask(server, '*ESR?');
  assert.equal(await ask(server, '*WAI;*OPC;*OPC?;*ESR?'), '1;1\n');
});

test('ESB follows ESR & ESE, and MSS follows STB & SRE (§11.2.2, §11.4.2.3, §11.5.1.3)', async () => {
  const server = newServer();
  await ask(server, '*ESR?;*CLS');
  assert.equal(await ask(server, '*STB?'), '0\n');
  await ask(server, '*ESE 32;*SRE 32'); // CME enabled; ESB requests service
  await ask(server, 'NOPE');
  const stb = Number(await ask(server, '*STB?'));
  assert.equal(stb & 0x20, 0x20, 'ESB');
  assert.equal(stb & 0x40, 0x40, 'MSS');
  assert.equal(stb & 0x04, 0x04, 'EAV: the -113 is queued');
  assert.equal(await ask(server, '*ESE?;*SRE?'), '32;32\n');
  await ask(server, '*CLS');
  assert.equal(await ask(server, '*STB?'), '0\n');
});

test('*SRE ignores bit 6 (§11.3.2.3); *ESE and *SRE take 0..255 (§10.10, §10.34)', async () => {
  const server = newServer();
  assert.equal(await ask(server, '*SRE 255;*SRE?'), '191\n');
  await ask(server, '*ESE 256');
  assert.equal(
    await ask(server, 'SYST:ERR?'),
    '-222,"Data out of range;*ESE event status enable: 256 is outside [0, 255]"\n',
  );
});

test('MAV is set while response data is waiting in the output queue (§11.2.2.1)', async () => {
  const server = newServer();
  assert.equal(Number(await ask(server, '*STB?')) & 0x10, 0);
  const [, stb] = (await ask(server, '*IDN?;*STB?'))!.trim().split(';');
  assert.equal(Number(stb) & 0x10, 0x10);
});

test('*CLS empties the error queue (§10.3)', async () => {
  const server = newServer();
  await ask(server, 'NOPE;');
  assert.equal(await ask(server, 'SYST:ERR:COUN?'), '1\n');
  await ask(server, '*CLS');
  assert.equal(await ask(server, 'SYST:ERR:COUN?;:SYST:ERR?'), '0;0,"No error"\n');
});

test('SYSTem:ERRor:ALL? returns every entry and empties the queue (SCPI-1999 vol.2 §21.8)', async () => {
  const server = newServer();
  await ask(server, 'NOPE');
  await ask(server, '*RST 1');
  assert.equal(
    await ask(server, 'SYST:ERR:ALL?'),
    '-113,"Undefined header;NOPE",-108,"Parameter not allowed;*RST takes 0 parameter(s), got 1"\n',
  );
  assert.equal(await ask(server, 'SYST:ERR:ALL?'), '0,"No error"\n');
  assert.equal(await ask(server, 'SYST:VERS?'), '1999.0\n');
});

test('*RST, *TST? and *OPT? use the configured hooks (§10.32, §10.38, §10.20)', async () => {
  let resets = 0;
  const server = new ScpiServer({
    identity,
    options: ['GPIB', 'MEM'],
    onReset: () => void resets++,
    selfTest: async () => 3,
  });
  assert.equal(await ask(server, '*RST;*TST?;*OPT?'), '3;GPIB,MEM\n');
  assert.equal(resets, 1);
  assert.equal(await ask(newServer(), '*TST?;*OPT?'), '0;0\n');
});

test('handlers may be async; messages from concurrent callers execute one at a time, in order', async () => {
  const server = newServer();
  const log: string[] = [];
  server.register('SLOW', {
    run: async () => {
      log.push('slow start');
      await new Promise((resolve) => setImmediate(resolve));
      log.push('slow end');
    },
  });
  server.register('FAST', { run: () => void log.push('fast') });
  await Promise.all([server.execute('SLOW'), server.execute('FAST')]);
  assert.deepEqual(log, ['slow start', 'slow end', 'fast']);
});

test('device clear discards unread output without touching status (§5.8)', async () => {
  const server = newServer();
  await server.receive('*IDN?');
  server.deviceClear();
  await server.receive('*OPC?');
  assert.equal(Buffer.from((await server.readResponse())!).toString(), '1\n');
  assert.equal(await ask(server, 'SYST:ERR?'), '0,"No error"\n');
});
