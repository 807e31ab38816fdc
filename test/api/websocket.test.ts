// The live event stream: events arrive as JSON, filters by job and type apply, bad filters are
// refused before the upgrade, and a subscriber that does not keep up is bounded (events-hub.ts).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import type { LiveEvent } from '../../src/daemon/events.ts';
import { EventsHub, FLUSH_INTERVAL_MS, type SubscriberSocket } from '../../src/api/events-hub.ts';
import { harness, type Harness, type Json } from './helpers.ts';
import { connect, type ClientSocket } from './ws.ts';

let h: Harness;
before(async () => {
  h = await harness();
});
after(() => h.api.close());

const wsUrl = (query = '') => `${h.api.url.replace('http', 'ws')}/api/events${query}`;

/** Collects messages until `n` have arrived. */
function collect(ws: ClientSocket, n: number): Promise<Json[]> {
  const got: Json[] = [];
  return new Promise((resolve) => {
    ws.on('message', (data) => {
      got.push(JSON.parse(data.toString('utf8')));
      if (got.length === n) resolve(got);
    });
  });
}

test('a subscriber receives the live events of a run as JSON', async () => {
  const id = (await h.post('/api/runs', { kind: 'train' })).body.id as number;
  const ws = await connect(wsUrl());
  const messages = collect(ws, 7);
  h.surface.setState(id, 'running');
  h.surface.emitStep(id);
  const got = await messages;
  ws.close();
  assert.deepEqual(
    got.map((e) => e.type),
    ['job', 'phase', 'nodes', 'phase', 'nodes', 'pulses', 'metrics'],
  );
  assert.equal(got[0].state, 'running');
  assert.equal(got[6].job, id);
  assert.equal(got[6].step, 0);
});

test('filters by job and by event type', async () => {
  const a = (await h.post('/api/runs', { kind: 'train' })).body.id as number;
  const b = (await h.post('/api/runs', { kind: 'train' })).body.id as number;
  h.surface.setState(a, 'running');
  const ws = await connect(wsUrl(`?job=${b}&types=metrics,epoch`));
  const messages = collect(ws, 2);
  h.surface.emitStep(a);
  h.surface.emitStep(b);
  h.surface.emitStep(b);
  const got = await messages;
  ws.close();
  assert.deepEqual(
    got.map((e) => [e.type, e.job, e.step]),
    [
      ['metrics', b, 0],
      ['metrics', b, 1],
    ],
  );
});

test('bad filters are refused with a 400 before the upgrade; plain HTTP gets 426', async () => {
  await assert.rejects(connect(wsUrl('?types=metrics,bogus')), /HTTP 400/);
  await assert.rejects(connect(wsUrl('?job=abc')), /HTTP 400/);
  await assert.rejects(connect(wsUrl('?colour=red')), /HTTP 400/);
  const bad = await h.get('/api/events?types=bogus');
  assert.equal(bad.status, 400);
  assert.equal(bad.body.field, 'query.types');
  const plain = await h.get('/api/events');
  assert.equal(plain.status, 426);
  assert.equal(plain.body.field, 'upgrade');
});

test('the subscriber count shows in the metrics', async () => {
  const sockets = await Promise.all([connect(wsUrl()), connect(wsUrl())]);
  const text = await (await fetch(`${h.api.url}/metrics`)).text();
  assert.ok(/^nudged_event_subscribers 2$/m.test(text), 'two subscribers');
  for (const s of sockets) s.close();
});

/** A socket whose unsent byte count the test controls. */
class FakeSocket implements SubscriberSocket {
  bufferedAmount = 0;
  sent: string[] = [];
  closed: { code: number; reason: string } | null = null;
  /** Decodes the unmasked text frames the hub writes (RFC 6455 §5.2). */
  sendFrames(frames: Buffer) {
    for (let o = 0; o < frames.length;) {
      assert.equal(frames[o], 0x81, 'final text frame');
      let length = frames[o + 1];
      let start = o + 2;
      if (length === 126) {
        length = frames.readUInt16BE(o + 2);
        start = o + 4;
      } else if (length === 127) {
        length = Number(frames.readBigUInt64BE(o + 2));
        start = o + 10;
      }
      this.sent.push(frames.subarray(start, start + length).toString('utf8'));
      o = start + length;
    }
  }
  close(code: number, reason: string) {
    this.closed = { code, reason };
  }
}

const metrics = (step: number): LiveEvent => ({
  type: 'metrics',
  time: 0,
  job: 1,
  step,
  epoch: 0,
  totalSteps: 100,
  loss: 1,
  accuracy: 0.5,
  pulses: 0,
  phaseMs: {},
});
const tick = () => new Promise((r) => setTimeout(r, FLUSH_INTERVAL_MS * 2));

test('frames of every length class decode to the events, shared by subscribers with the same filter', async () => {
  const events = new Subject<LiveEvent>();
  const hub = new EventsHub(events);
  const a = new FakeSocket();
  const b = new FakeSocket();
  hub.add(a, { job: null, types: null });
  hub.add(b, { job: null, types: null });
  const msgs = [1, 200, 70_000].map(
    (n) => ({ type: 'log', time: 0, level: 'info', msg: 'x'.repeat(n) }) as LiveEvent,
  );
  for (const m of msgs) events.next(m);
  await tick();
  for (const s of [a, b])
    assert.deepEqual(
      s.sent.map((t) => JSON.parse(t)),
      msgs,
    );
  hub.close();
});

test('a slow subscriber keeps only the newest events, is told how many it lost, and is cut off when far behind', async () => {
  const events = new Subject<LiveEvent>();
  const hub = new EventsHub(events, { maxQueue: 3, softBufferedBytes: 100, maxBufferedBytes: 1000 });
  const fast = new FakeSocket();
  const slow = new FakeSocket();
  hub.add(fast, { job: null, types: null });
  hub.add(slow, { job: null, types: null });
  slow.bufferedAmount = 500; // held back: above the soft limit
  for (let i = 0; i < 5; i++) {
    events.next(metrics(i));
    await tick();
  }
  assert.equal(fast.sent.length, 5, 'a fast subscriber gets everything');
  assert.equal(slow.sent.length, 0);
  slow.bufferedAmount = 0; // drained
  events.next(metrics(5));
  await tick();
  assert.deepEqual(JSON.parse(slow.sent[0]), { type: 'dropped', count: 3 });
  assert.deepEqual(
    slow.sent.slice(1).map((m) => JSON.parse(m).step),
    [3, 4, 5],
  );
  assert.equal(hub.droppedTotal, 3);

  slow.bufferedAmount = 5000; // beyond the hard limit
  events.next(metrics(6));
  await tick();
  assert.equal(slow.closed?.code, 1013);
  assert.match(slow.closed?.reason ?? '', /too slow/);
  assert.equal(hub.size, 1);
  assert.equal(hub.disconnectedTotal, 1);
  assert.equal(fast.closed, null);
  hub.close();
  assert.deepEqual(fast.closed as unknown, { code: 1001, reason: 'server shutting down' });
});
