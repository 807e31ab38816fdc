// Emulated Keithley 2450 SourceMeter (SCPI command set, reference manual 2450-901-01): one SMU
// channel wired to an input line or an output node of the simulated circuit, a reading buffer
// (defbuffer1) filled by :READ? and by linear and list sweeps, read back with :TRACe:DATA?.
import { boolean, choice, numeric, optional, ScpiServer, string } from '../../drivers/scpi/server/index.ts';
import { ScpiError } from '../../drivers/scpi/server/index.ts';
import type { EmulatedBench } from './emulated-bench.ts';
import { settingsConflict, SmuChannel } from './smu-channel.ts';
import type { SmuAttachment, SourceFunction } from './smu-channel.ts';
import { registerSenseFunction, registerSourceRanges } from './smu-commands.ts';

export const KEITHLEY_2450_RANGES = {
  voltage_V: [0.02, 0.2, 2, 20, 200],
  current_A: [10e-9, 100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1],
};

interface BufferEntry {
  reading: number;
  source: number;
  time_s: number;
}

const BUFFER_CAPACITY = 100_000;
/** §6 :SOURce[1]:LIST:<function>: a source list holds at most 100 values. */
const LIST_CAPACITY = 100;

interface Sweep {
  fn: SourceFunction;
  levels: number[];
  delay_s: number;
}

export class Keithley2450Emulator {
  readonly server: ScpiServer;
  readonly channel: SmuChannel;
  readonly buffer: BufferEntry[] = [];
  /** The source lists of :SOURce[1]:LIST:<function>. */
  readonly lists: Record<SourceFunction, number[]> = { VOLTage: [], CURRent: [] };
  #sweep: Sweep | undefined;

  constructor(
    readonly bench: EmulatedBench,
    attachment: SmuAttachment,
    serial = '04000001',
  ) {
    this.channel = new SmuChannel(bench, attachment, KEITHLEY_2450_RANGES, {
      currentLimit_A: 105e-6,
      voltageLimit_V: 21,
      nplc: 1,
    });
    this.server = new ScpiServer({
      identity: { vendor: 'KEITHLEY INSTRUMENTS', model: 'MODEL 2450', serial, firmware: '1.7.12b' },
      onReset: () => this.reset(),
    });
    this.#registerSource();
    this.#registerSense();
    this.#registerTrace();
  }

  async reset(): Promise<void> {
    this.buffer.length = 0;
    this.#sweep = undefined;
    this.lists.VOLTage = [];
    this.lists.CURRent = [];
    await this.channel.reset();
  }

  #registerSource(): void {
    const ch = this.channel;
    const s = this.server;
    const fn = choice(['VOLTage', 'CURRent'] as const, { name: 'source function' });
    s.register('SOURce[1]:FUNCtion[:MODE]', {
      params: [fn],
      run: ([f]) => ch.change((c) => void (c.sourceFunction = f)),
    });
    s.register('SOURce[1]:FUNCtion[:MODE]?', { run: () => shortName(ch.sourceFunction) });
    const level = (unit: 'V' | 'A') =>
      numeric({
        name: 'source level',
        unit,
        min: unit === 'V' ? -210 : -1.05,
        max: unit === 'V' ? 210 : 1.05,
      });
    s.register('SOURce[1]:VOLTage[:LEVel][:IMMediate][:AMPLitude]', {
      params: [level('V')],
      run: ([v]) => ch.setLevel('VOLTage', v),
    });
    s.register('SOURce[1]:VOLTage[:LEVel][:IMMediate][:AMPLitude]?', { run: () => ch.voltageLevel_V });
    s.register('SOURce[1]:CURRent[:LEVel][:IMMediate][:AMPLitude]', {
      params: [level('A')],
      run: ([i]) => ch.setLevel('CURRent', i),
    });
    s.register('SOURce[1]:CURRent[:LEVel][:IMMediate][:AMPLitude]?', { run: () => ch.currentLevel_A });
    s.register('SOURce[1]:VOLTage:ILIMit[:LEVel]', {
      params: [numeric({ name: 'current limit', unit: 'A', min: 1e-9, max: 1.05, default: 105e-6 })],
      run: ([i]) => void (ch.currentLimit_A = i),
    });
    s.register('SOURce[1]:VOLTage:ILIMit[:LEVel]?', { run: () => ch.currentLimit_A });
    s.register('SOURce[1]:VOLTage:ILIMit[:LEVel]:TRIPped?', {
      run: () => ch.tripped && ch.sourceFunction === 'VOLTage',
    });
    s.register('SOURce[1]:CURRent:VLIMit[:LEVel]', {
      params: [numeric({ name: 'voltage limit', unit: 'V', min: 0.02, max: 210, default: 21 })],
      run: ([v]) => void (ch.voltageLimit_V = v),
    });
    s.register('SOURce[1]:CURRent:VLIMit[:LEVel]?', { run: () => ch.voltageLimit_V });
    s.register('SOURce[1]:CURRent:VLIMit[:LEVel]:TRIPped?', {
      run: () => ch.tripped && ch.sourceFunction === 'CURRent',
    });
    registerSourceRanges(s, 'SOURce[1]', () => ch);
    s.register('OUTPut[1][:STATe]', {
      params: [boolean({ name: 'output state' })],
      run: ([on]) => ch.change((c) => void (c.output = on)),
    });
    s.register('OUTPut[1][:STATe]?', { run: () => ch.output });
    this.#registerSweeps();
    s.register('INITiate[:IMMediate]', { run: () => this.#runSweep() });
    s.register('ABORt', { run: () => undefined });
  }

  /** §6 :SOURce[1]:SWEep:<function>:LINear and :LIST, and the source list they run. */
  #registerSweeps(): void {
    const s = this.server;
    for (const f of ['VOLTage', 'CURRent'] as const) {
      const unit = f === 'VOLTage' ? 'V' : 'A';
      const max = f === 'VOLTage' ? 210 : 1.05;
      const level = (name: string) => numeric({ name, unit, min: -max, max });
      s.register(`SOURce[1]:SWEep:${f}:LINear`, {
        params: [
          level('start'),
          level('stop'),
          numeric({ name: 'points', min: 2, max: BUFFER_CAPACITY, integer: true }),
          optional(numeric({ name: 'delay', unit: 'S', min: 0, max: 1e4 })),
        ],
        run: ([start, stop, points, delay]) => {
          const step = (stop - start) / (points - 1);
          const levels = Array.from({ length: points }, (_, k) => start + k * step);
          this.#sweep = { fn: f, levels, delay_s: delay ?? 0 };
        },
      });
      s.register(`SOURce[1]:LIST:${f}[:LEVel]`, {
        params: Array.from({ length: LIST_CAPACITY }, (_, k) =>
          k === 0 ? level('list value') : optional(level('list value')),
        ),
        run: (values) => void (this.lists[f] = values.filter((v) => v !== undefined)),
      });
      s.register(`SOURce[1]:LIST:${f}[:LEVel]?`, { run: () => this.lists[f] });
      s.register(`SOURce[1]:LIST:${f}[:LEVel]:POINts?`, { run: () => this.lists[f].length });
      // <startIndex>, <delay>[, <count>[, <failAbort>[, <dual>[, "<bufferName>"]]]]
      s.register(`SOURce[1]:SWEep:${f}:LIST`, {
        params: [
          numeric({ name: 'start index', min: 1, max: LIST_CAPACITY, integer: true }),
          numeric({ name: 'delay', unit: 'S', min: 0, max: 1e4 }),
          optional(numeric({ name: 'count', min: 1, max: 1000, integer: true })),
          optional(boolean({ name: 'fail abort' })),
          optional(boolean({ name: 'dual' })),
          optional(string({ name: 'buffer name' })),
        ],
        run: ([first, delay, count, , dual, name]) => {
          checkBufferName(name);
          const list = this.lists[f];
          if (first > list.length) {
            throw settingsConflict(`start index ${first} is beyond the ${list.length}-point source list`);
          }
          const pass = list.slice(first - 1);
          const once = dual ? [...pass, ...pass.slice(0, -1).reverse()] : pass;
          const levels = Array.from({ length: count ?? 1 }, () => once).flat();
          this.#sweep = { fn: f, levels, delay_s: delay };
        },
      });
    }
  }

  #registerSense(): void {
    const ch = this.channel;
    const s = this.server;
    registerSenseFunction(s, '[SENSe[1]]', () => ch);
    for (const f of ['VOLTage', 'CURRent'] as const) {
      const unit = f === 'VOLTage' ? 'V' : 'A';
      s.register(`[SENSe[1]]:${f}[:DC]:NPLCycles`, {
        params: [numeric({ name: 'NPLC', min: 0.01, max: 10, default: 1 })],
        run: ([n]) => void (ch.nplc = n),
      });
      s.register(`[SENSe[1]]:${f}[:DC]:NPLCycles?`, { run: () => ch.nplc });
      s.register(`[SENSe[1]]:${f}[:DC]:RANGe[:UPPer]`, {
        params: [numeric({ name: 'measure range', unit, min: 0 })],
        run: ([r]) => void (ch.senseRange[f] = ch.rangeFor(f, r)),
      });
      s.register(`[SENSe[1]]:${f}[:DC]:RANGe[:UPPer]?`, {
        run: () => ch.senseRange[f] ?? ch.rangeFor(f, 0),
      });
      s.register(`[SENSe[1]]:${f}[:DC]:RANGe:AUTO`, {
        params: [boolean({ name: 'autorange' })],
        run: ([on]) => void (ch.senseRange[f] = on ? undefined : (ch.senseRange[f] ?? ch.rangeFor(f, 0))),
      });
      s.register(`[SENSe[1]]:${f}[:DC]:RANGe:AUTO?`, { run: () => ch.senseRange[f] === undefined });
      s.register(`MEASure:${f}[:DC]?`, {
        run: async () => {
          ch.senseFunction = f;
          return this.#readInto();
        },
      });
    }
    s.register('MEASure?', { run: () => this.#readInto() });
    s.register('READ?', {
      params: [optional(string({ name: 'buffer name' }))],
      run: ([b]) => this.#readInto(b),
    });
  }

  #registerTrace(): void {
    const s = this.server;
    const element = optional(choice(['READing', 'SOURce', 'RELative'] as const, { name: 'buffer element' }));
    s.register('TRACe:DATA?', {
      params: [
        numeric({ name: 'start index', min: 1, integer: true }),
        numeric({ name: 'end index', min: 1, integer: true }),
        optional(string({ name: 'buffer name' })),
        element,
        element,
        element,
      ],
      run: ([from, to, name, ...elements]) => {
        checkBufferName(name);
        if (to < from || to > this.buffer.length) {
          throw new ScpiError(-222, `buffer holds ${this.buffer.length} readings, asked ${from} to ${to}`);
        }
        const chosen = elements.filter((e) => e !== undefined);
        const fields = chosen.length > 0 ? chosen : (['READing'] as const);
        return this.buffer
          .slice(from - 1, to)
          .flatMap((e) =>
            fields.map((f) => (f === 'READing' ? e.reading : f === 'SOURce' ? e.source : e.time_s)),
          );
      },
    });
    s.register('TRACe:ACTual[:END]?', {
      params: [optional(string({ name: 'buffer name' }))],
      run: ([name]) => {
        checkBufferName(name);
        return this.buffer.length;
      },
    });
    s.register('TRACe:CLEar', {
      params: [optional(string({ name: 'buffer name' }))],
      run: ([name]) => {
        checkBufferName(name);
        this.buffer.length = 0;
      },
    });
  }

  async #readInto(bufferName?: string): Promise<number> {
    checkBufferName(bufferName);
    const reading = await this.channel.read();
    const ch = this.channel;
    const source = ch.sourceFunction === 'VOLTage' ? ch.voltageLevel_V : ch.currentLevel_A;
    if (this.buffer.length >= BUFFER_CAPACITY) this.buffer.shift();
    this.buffer.push({ reading, source, time_s: this.bench.board.timebase.now() });
    return reading;
  }

  /** Runs the configured sweep into defbuffer1 with the output on, then leaves the source at the
   * last level (the 2450's default sweep end behaviour). */
  async #runSweep(): Promise<void> {
    const sweep = this.#sweep;
    if (sweep === undefined) throw settingsConflict('no sweep configured (SOUR:SWE:<function>:LIN|LIST)');
    const ch = this.channel;
    await ch.change((c) => {
      c.sourceFunction = sweep.fn;
      c.output = true;
    });
    for (const level of sweep.levels) {
      await ch.setLevel(sweep.fn, level);
      await this.bench.board.timebase.wait(sweep.delay_s);
      await this.#readInto();
    }
  }
}

function shortName(fn: SourceFunction): string {
  return fn === 'VOLTage' ? 'VOLT' : 'CURR';
}

function checkBufferName(name: string | undefined): void {
  if (name !== undefined && name.toLowerCase() !== 'defbuffer1') {
    throw new ScpiError(-224, `buffer "${name}" does not exist (only defbuffer1)`);
  }
}
