// Emulated Keithley 2600B System SourceMeter (2601B: smua; 2602B: smua and smub) speaking TSP
// (Reference Manual 2600BS-901-01): each program message is a chunk run by the small interpreter
// of tsp-interpreter.ts against the attributes and functions below; print() output is the
// response; errors go to `errorqueue`. IEEE 488.2 *IDN?, *RST, *CLS, *OPC?, *WAI are accepted as
// messages of their own, as the instrument does in TSP mode.
import { ScpiError } from '../../drivers/scpi/server/index.ts';
import type { EmulatedBench } from './emulated-bench.ts';
import type { MessageServer } from './scpi-stream.ts';
import { SmuChannel } from './smu-channel.ts';
import type { SmuAttachment, SourceFunction } from './smu-channel.ts';
import { runChunk, TspRuntimeError, TspSyntaxError } from './tsp-interpreter.ts';
import type { TspEnvironment, TspValue } from './tsp-interpreter.ts';

export const KEITHLEY_2600B_RANGES = {
  voltage_V: [0.1, 1, 6, 40],
  current_A: [100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1, 3],
};

/** Constants every smuX table holds (section 7). */
const CONSTANTS: Record<string, number> = {
  OUTPUT_DCAMPS: 0,
  OUTPUT_DCVOLTS: 1,
  OUTPUT_OFF: 0,
  OUTPUT_ON: 1,
  AUTORANGE_OFF: 0,
  AUTORANGE_ON: 1,
};

const SMU_NAMES = ['smua', 'smub'] as const;
const ERROR_QUEUE_CAPACITY = 32;
/** errorqueue.next() severity of the errors the emulator raises: 20 = serious. */
const SEVERITY = 20;
const NODE = 1;

interface Attribute {
  get(): number;
  set?(value: number): void | Promise<void>;
}

interface TspError {
  code: number;
  message: string;
}

export class Keithley2600BEmulator implements MessageServer {
  readonly server: MessageServer = this;
  readonly channels: SmuChannel[];
  readonly errors: TspError[] = [];
  readonly #attributes = new Map<string, Attribute>();
  readonly #functions = new Map<string, (args: TspValue[]) => Promise<TspValue[]> | TspValue[]>();
  readonly #identity: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly bench: EmulatedBench,
    attachments: readonly SmuAttachment[],
    serial = '4000001',
  ) {
    if (attachments.length < 1 || attachments.length > 2) {
      throw new RangeError(`keithley-2600b channels: 1 or 2 attachments, got ${attachments.length}`);
    }
    this.channels = attachments.map(
      (a) =>
        new SmuChannel(bench, a, KEITHLEY_2600B_RANGES, { currentLimit_A: 0.1, voltageLimit_V: 20, nplc: 1 }),
    );
    this.#identity = `Keithley Instruments Inc., Model 260${attachments.length}B, ${serial}, 4.0.0`;
    this.channels.forEach((channel, k) => this.#registerSmu(SMU_NAMES[k], channel));
    this.#attributes.set('errorqueue.count', { get: () => this.errors.length });
    this.#functions.set('errorqueue.next', () => {
      const entry = this.errors.shift() ?? { code: 0, message: 'Queue Is Empty' };
      return [entry.code, entry.message, entry.code === 0 ? 0 : SEVERITY, entry.code === 0 ? 0 : NODE];
    });
    this.#functions.set('errorqueue.clear', () => {
      this.errors.length = 0;
      return [];
    });
  }

  async reset(): Promise<void> {
    for (const channel of this.channels) await channel.reset();
  }

  pushError(error: ScpiError): void {
    this.#push(error.code, error.message);
  }

  /** Runs one message (a chunk, or a common command) in order with the others. */
  execute(input: Uint8Array): Promise<Uint8Array | null> {
    const run = this.#queue.then(() => this.#execute(Buffer.from(input).toString('latin1').trim()));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #execute(text: string): Promise<Uint8Array | null> {
    if (text.startsWith('*')) return this.#common(text);
    let lines: string[];
    try {
      const result = await runChunk(text, this.#environment);
      lines = result.printed;
      if (result.error !== undefined) this.#runtimeError(result.error);
    } catch (error) {
      if (!(error instanceof TspSyntaxError)) throw error;
      this.#push(-285, `TSP Syntax error at line 1: ${error.message}`);
      return null;
    }
    return lines.length === 0 ? null : Buffer.from(lines.map((l) => `${l}\n`).join(''), 'latin1');
  }

  async #common(text: string): Promise<Uint8Array | null> {
    switch (text.toUpperCase()) {
      case '*IDN?':
        return Buffer.from(`${this.#identity}\n`, 'latin1');
      case '*OPC?':
        return Buffer.from('1\n', 'latin1');
      case '*RST':
        await this.reset();
        return null;
      case '*CLS':
        this.errors.length = 0;
        return null;
      case '*WAI':
        return null;
      default:
        this.#push(-285, `TSP Syntax error at line 1: unexpected symbol near '${text.slice(0, 10)}'`);
        return null;
    }
  }

  #runtimeError(error: unknown): void {
    if (error instanceof ScpiError) this.#push(error.code, error.message);
    else this.#push(-286, `TSP Runtime error at line 1: ${(error as Error).message}`);
  }

  #push(code: number, message: string): void {
    if (this.errors.length >= ERROR_QUEUE_CAPACITY) return;
    this.errors.push({ code, message });
  }

  readonly #environment: TspEnvironment = {
    get: (name) => {
      const attribute = this.#attributes.get(name);
      if (attribute === undefined) throw new TspRuntimeError(`attempt to index '${name}' (a nil value)`);
      return attribute.get();
    },
    set: async (name, value) => {
      const attribute = this.#attributes.get(name);
      if (attribute?.set === undefined) throw new TspRuntimeError(`attempt to set '${name}' (not writable)`);
      if (typeof value !== 'number')
        throw new TspRuntimeError(`${name} takes a number, got ${String(value)}`);
      await attribute.set(value);
    },
    call: async (name, args) => {
      const fn = this.#functions.get(name);
      if (fn === undefined) throw new TspRuntimeError(`attempt to call '${name}' (a nil value)`);
      return fn(args);
    },
  };

  #registerSmu(smu: string, ch: SmuChannel): void {
    const attr = (name: string, attribute: Attribute) => this.#attributes.set(`${smu}.${name}`, attribute);
    for (const [name, value] of Object.entries(CONSTANTS)) attr(name, { get: () => value });
    attr('source.func', {
      get: () => (ch.sourceFunction === 'VOLTage' ? CONSTANTS.OUTPUT_DCVOLTS : CONSTANTS.OUTPUT_DCAMPS),
      set: (v) =>
        ch.change((c) => void (c.sourceFunction = v === CONSTANTS.OUTPUT_DCVOLTS ? 'VOLTage' : 'CURRent')),
    });
    attr('source.output', {
      get: () => (ch.output ? 1 : 0),
      set: (v) => ch.change((c) => void (c.output = v !== 0)),
    });
    attr('source.limiti', {
      get: () => ch.currentLimit_A,
      set: (v) => void (ch.currentLimit_A = limit(v, 3)),
    });
    attr('source.limitv', {
      get: () => ch.voltageLimit_V,
      set: (v) => void (ch.voltageLimit_V = limit(v, 40)),
    });
    attr('measure.nplc', {
      get: () => ch.nplc,
      set: (v) => void (ch.nplc = inRange('measure.nplc', v, 0.001, 25)),
    });
    for (const [q, fn] of [
      ['v', 'VOLTage'],
      ['i', 'CURRent'],
    ] as const) {
      attr(`source.level${q}`, {
        get: () => (fn === 'VOLTage' ? ch.voltageLevel_V : ch.currentLevel_A),
        set: (v) => ch.setLevel(fn, v),
      });
      attr(`source.range${q}`, { get: () => sourceRange(ch, fn), set: (v) => ch.fixSourceRange(fn, v) });
      attr(`source.autorange${q}`, {
        get: () => (ch.sourceRange[fn] === undefined ? 1 : 0),
        set: (v) => ch.autoSourceRange(fn, v !== 0),
      });
      attr(`measure.range${q}`, {
        get: () => ch.senseRange[fn] ?? ch.rangeFor(fn, 0),
        set: (v) => void (ch.senseRange[fn] = ch.rangeFor(fn, v)),
      });
      attr(`measure.autorange${q}`, {
        get: () => (ch.senseRange[fn] === undefined ? 1 : 0),
        set: (v) =>
          void (ch.senseRange[fn] = v !== 0 ? undefined : (ch.senseRange[fn] ?? ch.rangeFor(fn, 0))),
      });
      this.#functions.set(`${smu}.measure.${q}`, async () => [await ch.read(fn)]);
    }
    this.#functions.set(`${smu}.measure.iv`, async () => {
      const m = await ch.measure();
      return [m.current_A, m.voltage_V];
    });
    this.#functions.set(`${smu}.reset`, async () => {
      await ch.reset();
      return [];
    });
  }
}

function sourceRange(ch: SmuChannel, fn: SourceFunction): number {
  return ch.sourceRange[fn] ?? ch.rangeFor(fn, fn === 'VOLTage' ? ch.voltageLevel_V : ch.currentLevel_A);
}

function inRange(name: string, value: number, min: number, max: number): number {
  if (!(value >= min && value <= max))
    throw new ScpiError(-222, `${name} ${value} is outside [${min}, ${max}]`);
  return value;
}

function limit(value: number, max: number): number {
  return inRange('source limit', value, Number.MIN_VALUE, max);
}
