// Fans the daemon's live events out to WebSocket subscribers without ever holding up the job that
// emits them. The daemon's emit() only serializes the event once and appends it to a pending list;
// every FLUSH_INTERVAL_MS the pending events are framed once per distinct filter (RFC 6455 text
// frames, one event per frame) and each subscriber gets that shared buffer in one write — so the
// cost per event does not grow with the number of subscribers, only a write per subscriber per
// flush does. A subscriber whose socket holds more than `softBufferedBytes` unsent is held back
// and its queue is bounded: beyond `maxQueue` events the oldest batches are dropped (the next
// message it gets says how many events it lost); when its socket holds more than
// `maxBufferedBytes` it is disconnected with close code 1013 and the reason.
import type { Observable, Subscription } from 'rxjs';
import type { LiveEvent, LiveEventType } from '../daemon/events.ts';

export interface SubscriberSocket {
  /** Bytes written to the socket and not yet sent. */
  readonly bufferedAmount: number;
  /** Writes ready-made WebSocket frames (see `textFrames`). */
  sendFrames(frames: Buffer): void;
  close(code: number, reason: string): void;
}

export interface Filter {
  job: number | null;
  types: ReadonlySet<LiveEventType> | null;
}

export interface HubLimits {
  /** Events queued per held-back subscriber before the oldest are dropped. */
  maxQueue: number;
  /** Unsent bytes in a socket beyond which new events wait in the queue. */
  softBufferedBytes: number;
  /** Unsent bytes beyond which the subscriber is disconnected. */
  maxBufferedBytes: number;
}

export const DEFAULT_LIMITS: HubLimits = {
  maxQueue: 2000,
  softBufferedBytes: 1024 * 1024,
  maxBufferedBytes: 8 * 1024 * 1024,
};

/** How long events gather before a batch goes out, ms: frames coalesce, the emitter never waits.
 * Each flush costs one TCP write per subscriber, so this sets the fan-out's syscall rate (10 per
 * subscriber per second) whatever the event rate; a live view at 10 frames/s looks live. */
export const FLUSH_INTERVAL_MS = 100;

export const EVENT_TYPES: readonly LiveEventType[] = [
  'job',
  'phase',
  'metrics',
  'epoch',
  'pulses',
  'nodes',
  'snapshot',
  'result',
  'log',
  'estop',
];

/** RFC 6455 §5.2: unmasked, final text frames (server to client), one per payload, in one buffer. */
export function textFrames(payloads: Buffer[]): Buffer {
  const parts: Buffer[] = [];
  for (const p of payloads) {
    let header: Buffer;
    if (p.length < 126) header = Buffer.from([0x81, p.length]);
    else if (p.length < 65536) {
      header = Buffer.from([0x81, 126, 0, 0]);
      header.writeUInt16BE(p.length, 2);
    } else {
      header = Buffer.alloc(10);
      header[0] = 0x81;
      header[1] = 127;
      header.writeBigUInt64BE(BigInt(p.length), 2);
    }
    parts.push(header, p);
  }
  return Buffer.concat(parts);
}

interface Pending {
  type: LiveEventType;
  job: number | null;
  bytes: Buffer;
}

interface Batch {
  frames: Buffer;
  events: number;
}

interface Subscriber {
  socket: SubscriberSocket;
  filter: Filter;
  key: string;
  queue: Batch[];
  queued: number;
  dropped: number;
}

const jobOf = (e: LiveEvent): number | null => ('job' in e && typeof e.job === 'number' ? e.job : null);
const keyOf = (f: Filter) => `${f.job ?? '*'}|${f.types === null ? '*' : [...f.types].sort().join(',')}`;
const matches = (f: Filter, e: Pending) =>
  (f.types === null || f.types.has(e.type)) && (f.job === null || e.job === f.job);

export class EventsHub {
  private readonly subscribers = new Set<Subscriber>();
  private readonly subscription: Subscription;
  private pending: Pending[] = [];
  /** Subscribers wanting every type, and per type those whose filter names it: an event no one
   * wants is not even serialized. */
  private everyType = 0;
  private readonly perType = new Map<LiveEventType, number>();
  private timer: NodeJS.Timeout | null = null;
  /** Events dropped and subscribers disconnected, over the hub's life. */
  droppedTotal = 0;
  disconnectedTotal = 0;

  constructor(
    events$: Observable<LiveEvent>,
    private readonly limits: HubLimits = DEFAULT_LIMITS,
  ) {
    this.subscription = events$.subscribe((e) => this.publish(e));
  }

  get size(): number {
    return this.subscribers.size;
  }

  add(socket: SubscriberSocket, filter: Filter): () => void {
    const sub: Subscriber = { socket, filter, key: keyOf(filter), queue: [], queued: 0, dropped: 0 };
    this.subscribers.add(sub);
    this.count(filter, 1);
    return () => this.remove(sub);
  }

  private remove(sub: Subscriber): void {
    if (this.subscribers.delete(sub)) this.count(sub.filter, -1);
  }

  private count(filter: Filter, by: 1 | -1): void {
    if (filter.types === null) this.everyType += by;
    else for (const t of filter.types) this.perType.set(t, (this.perType.get(t) ?? 0) + by);
  }

  close(): void {
    this.subscription.unsubscribe();
    if (this.timer !== null) clearTimeout(this.timer);
    for (const s of this.subscribers) s.socket.close(1001, 'server shutting down');
    this.subscribers.clear();
    this.everyType = 0;
    this.perType.clear();
  }

  private publish(event: LiveEvent): void {
    if (this.everyType === 0 && (this.perType.get(event.type) ?? 0) === 0) return;
    this.pending.push({
      type: event.type,
      job: jobOf(event),
      bytes: Buffer.from(JSON.stringify(event), 'utf8'),
    });
    this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  private flush(): void {
    this.timer = null;
    const pending = this.pending;
    this.pending = [];
    const batches = new Map<string, Batch | null>();
    for (const s of this.subscribers) {
      if (!batches.has(s.key)) {
        const mine = pending.filter((e) => matches(s.filter, e)).map((e) => e.bytes);
        batches.set(s.key, mine.length === 0 ? null : { frames: textFrames(mine), events: mine.length });
      }
      const batch = batches.get(s.key) ?? null;
      if (batch !== null) this.enqueue(s, batch);
      this.deliver(s);
    }
    // Held-back subscribers with a queue are retried at the next flush even if nothing new comes.
    const waiting = [...this.subscribers].some((s) => s.queue.length > 0);
    if (waiting) this.timer ??= setTimeout(() => this.flush(), FLUSH_INTERVAL_MS);
  }

  private enqueue(s: Subscriber, batch: Batch): void {
    s.queue.push(batch);
    s.queued += batch.events;
    while (s.queued > this.limits.maxQueue && s.queue.length > 1) {
      const old = s.queue.shift() as Batch;
      s.queued -= old.events;
      s.dropped += old.events;
      this.droppedTotal += old.events;
    }
  }

  private deliver(s: Subscriber): void {
    if (s.queue.length === 0) return;
    if (s.socket.bufferedAmount > this.limits.maxBufferedBytes) {
      this.remove(s);
      this.disconnectedTotal++;
      s.socket.close(1013, `too slow: more than ${this.limits.maxBufferedBytes} bytes unsent`);
      return;
    }
    if (s.socket.bufferedAmount > this.limits.softBufferedBytes) return;
    if (s.dropped > 0) {
      s.socket.sendFrames(textFrames([Buffer.from(JSON.stringify({ type: 'dropped', count: s.dropped }))]));
      s.dropped = 0;
    }
    for (const b of s.queue) s.socket.sendFrames(b.frames);
    s.queue = [];
    s.queued = 0;
  }
}
