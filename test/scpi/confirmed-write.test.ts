// writeConfirmed(): a level write and its error query as ONE program message
// (`<command>;:SYST:ERR?`), one write and one read. Against scripted exchanges (the exact bytes
// and the transaction count) and against the ScpiServer emulator half (compound path rules, an
// execution error answered in the same message, a command error that ends the message early and
// so leaves the error query unanswered: a timeout, not a second wait on the queue).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ScpiClient, ScpiInstrumentError } from '../../drivers/scpi/index.ts';
import { numeric, ScpiServer } from '../../drivers/scpi/server/index.ts';
import { expectedProtocol, LoopbackTransport } from '../../drivers/scpi/testing/index.ts';
import {
  TransportTimeoutError,
  type MessageTransport,
  type ReadOptions,
} from '../../drivers/transports/transport.ts';
import { identity } from './helpers.ts';

/** Counts the transport calls a client makes: each write is a message out, each read one in. */
class CountingTransport implements MessageTransport {
  writes = 0;
  reads = 0;
  constructor(private readonly inner: MessageTransport) {}
  get resource() {
    return this.inner.resource;
  }
  get isOpen() {
    return this.inner.isOpen;
  }
  open() {
    return this.inner.open();
  }
  close() {
    return this.inner.close();
  }
  clear() {
    return this.inner.clear();
  }
  write(message: string | Uint8Array, options?: ReadOptions) {
    this.writes++;
    return this.inner.write(message, options);
  }
  read(options?: ReadOptions) {
    this.reads++;
    return this.inner.read(options);
  }
  readBytes(count: number, options?: ReadOptions) {
    this.reads++;
    return this.inner.readBytes(count, options);
  }
}

test('a good level is exactly one write and one read: `<command>;:SYST:ERR?` and `0,"No error"`', async () => {
  await expectedProtocol([[':SOUR:VOLT 0.5;:OUTP ON;:SYST:ERR?', '0,"No error"']], async (t) => {
    const counting = new CountingTransport(t);
    await new ScpiClient(counting).writeConfirmed(':SOUR:VOLT 0.5;:OUTP ON');
    assert.deepEqual({ writes: counting.writes, reads: counting.reads }, { writes: 1, reads: 1 });
  });
});

test('a refused level in the same message is a ScpiInstrumentError naming every queued error', async () => {
  await expectedProtocol(
    [
      [':SOUR:VOLT 50;:SYST:ERR?', '-222,"Data out of range;level 50"'],
      ['SYST:ERR?', '-221,"Settings conflict"'],
      ['SYST:ERR?', '0,"No error"'],
    ],
    async (t) => {
      const error = await new ScpiClient(t).writeConfirmed(':SOUR:VOLT 50').catch((e: unknown) => e);
      assert.ok(error instanceof ScpiInstrumentError, String(error));
      assert.equal(error.code, -222);
      assert.equal(error.command, ':SOUR:VOLT 50');
      assert.deepEqual(
        error.errors.map((e) => e.code),
        [-222, -221],
      );
      assert.match(error.message, /-222 "Data out of range;level 50"/);
    },
  );
});

test('a configured error query is rooted with `:` in the compound message', async () => {
  await expectedProtocol([['VOLT 1;:SYST:ERR:NEXT?', '+0,"No error"']], async (t) => {
    await new ScpiClient(t, { errorQuery: 'SYST:ERR:NEXT?' }).writeConfirmed('VOLT 1');
  });
});

function emulatedSource() {
  const state = { volts: 0 };
  const server = new ScpiServer({ identity });
  server.register('[SOURce[1]]:VOLTage[:LEVel][:IMMediate][:AMPLitude]', {
    params: [numeric({ name: 'level', unit: 'V', min: -21, max: 21, default: 0 })],
    run: ([v]) => void (state.volts = v),
  });
  const transport = new CountingTransport(new LoopbackTransport(server, { timeout_ms: 200 }));
  return { state, transport, client: new ScpiClient(transport) };
}

test('emulator: the compound message applies the level and answers 0 in one round trip', async () => {
  const { state, transport, client } = emulatedSource();
  // After `SOUR:VOLT` the path is SOUR; `;:` returns it to the root, so SYST:ERR? resolves.
  await client.writeConfirmed('SOUR:VOLT 2.5');
  assert.equal(state.volts, 2.5);
  assert.deepEqual({ writes: transport.writes, reads: transport.reads }, { writes: 1, reads: 1 });
});

test('emulator: an out-of-range level is refused in the same message, the level unchanged', async () => {
  const { state, client } = emulatedSource();
  const error = await client.writeConfirmed('SOUR:VOLT 50').catch((e: unknown) => e);
  assert.ok(error instanceof ScpiInstrumentError, String(error));
  assert.equal(error.code, -222);
  assert.equal(error.command, 'SOUR:VOLT 50');
  assert.match(error.instrumentMessage, /level: 50 is outside \[-21, 21\]/);
  assert.equal(state.volts, 0);
  assert.deepEqual(await client.readErrors(), []);
});

test('emulator: a command error ends the message before the error query: a timeout, the error left queued', async () => {
  const { client } = emulatedSource();
  await assert.rejects(client.writeConfirmed('SOUR:VOLTS 1'), TransportTimeoutError);
  const queued = await client.readErrors();
  assert.deepEqual(
    queued.map((e) => e.code),
    [-113],
  );
});
