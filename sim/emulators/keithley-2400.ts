// Emulated Keithley 2400 SourceMeter (SCPI-1999 era; Series 2400 User's Manual 2400S-900-01,
// section 18): one SMU channel wired to an input line or an output node of the simulated circuit.
// Compliance is :SENSe:<function>:PROTection; :READ? returns the elements chosen with
// :FORMat:ELEMents (VOLT, CURR, RES, TIME, STAT; all five after *RST) and needs the output on
// (error +803 Output disabled otherwise). On its RS-232 port the terminator is CR (start.ts).
import {
  boolean,
  choice,
  numeric,
  optional,
  ScpiError,
  ScpiServer,
} from '../../drivers/scpi/server/index.ts';
import type { EmulatedBench } from './emulated-bench.ts';
import { settingsConflict, SmuChannel } from './smu-channel.ts';
import type { SmuAttachment } from './smu-channel.ts';
import { registerSenseFunction, registerSourceRanges } from './smu-commands.ts';

export const KEITHLEY_2400_RANGES = {
  voltage_V: [0.2, 2, 20, 200],
  current_A: [1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1],
};

const ELEMENTS = ['VOLTage', 'CURRent', 'RESistance', 'TIME', 'STATus'] as const;
type Element = (typeof ELEMENTS)[number];
/** Status word bit 3: in compliance (§18, "Status word"). */
const STATUS_COMPLIANCE = 1 << 3;

export class Keithley2400Emulator {
  readonly server: ScpiServer;
  readonly channel: SmuChannel;
  elements: Element[] = [...ELEMENTS];

  constructor(
    readonly bench: EmulatedBench,
    attachment: SmuAttachment,
    serial = '1234567',
  ) {
    this.channel = new SmuChannel(bench, attachment, KEITHLEY_2400_RANGES, {
      currentLimit_A: 105e-6,
      voltageLimit_V: 21,
      nplc: 1,
    });
    this.server = new ScpiServer({
      identity: {
        vendor: 'KEITHLEY INSTRUMENTS INC.',
        model: 'MODEL 2400',
        serial,
        firmware: 'C32   Oct  4 2010 14:20:11/A02  /S/K',
      },
      onReset: () => this.reset(),
    });
    this.#registerSource();
    this.#registerSense();
  }

  async reset(): Promise<void> {
    this.elements = [...ELEMENTS];
    await this.channel.reset();
  }

  #registerSource(): void {
    const ch = this.channel;
    const s = this.server;
    s.register('SOURce[1]:FUNCtion[:MODE]', {
      params: [choice(['VOLTage', 'CURRent'] as const, { name: 'source function' })],
      run: ([f]) => ch.change((c) => void (c.sourceFunction = f)),
    });
    s.register('SOURce[1]:FUNCtion[:MODE]?', {
      run: () => (ch.sourceFunction === 'VOLTage' ? 'VOLT' : 'CURR'),
    });
    for (const f of ['VOLTage', 'CURRent'] as const) {
      const [unit, max] = f === 'VOLTage' ? ['V', 210] : ['A', 1.05];
      s.register(`SOURce[1]:${f}[:LEVel][:IMMediate][:AMPLitude]`, {
        params: [numeric({ name: 'source level', unit, min: -max, max })],
        run: ([v]) => ch.setLevel(f, v),
      });
      s.register(`SOURce[1]:${f}[:LEVel][:IMMediate][:AMPLitude]?`, {
        run: () => (f === 'VOLTage' ? ch.voltageLevel_V : ch.currentLevel_A),
      });
      // Only FIXed (a DC level) is emulated; the 2400's LIST and SWEep modes are not.
      s.register(`SOURce[1]:${f}:MODE`, {
        params: [choice(['FIXed', 'LIST', 'SWEep'] as const, { name: 'source mode' })],
        run: ([mode]) => {
          if (mode !== 'FIXed') throw settingsConflict(`source mode ${mode} is not emulated (FIXed only)`);
        },
      });
      s.register(`SOURce[1]:${f}:MODE?`, { run: () => 'FIX' });
    }
    registerSourceRanges(s, 'SOURce[1]', () => ch);
    s.register('OUTPut[1][:STATe]', {
      params: [boolean({ name: 'output state' })],
      run: ([on]) => ch.change((c) => void (c.output = on)),
    });
    s.register('OUTPut[1][:STATe]?', { run: () => ch.output });
  }

  #registerSense(): void {
    const ch = this.channel;
    const s = this.server;
    registerSenseFunction(s, '[SENSe[1]]', () => ch);
    for (const f of ['VOLTage', 'CURRent'] as const) {
      const unit = f === 'VOLTage' ? 'V' : 'A';
      const [min, max, def] = f === 'VOLTage' ? [0.2e-3, 210, 21] : [1e-9, 1.05, 105e-6];
      s.register(`[SENSe[1]]:${f}[:DC]:PROTection[:LEVel]`, {
        params: [numeric({ name: 'compliance', unit, min, max, default: def })],
        run: ([v]) => {
          if (f === 'VOLTage') ch.voltageLimit_V = v;
          else ch.currentLimit_A = v;
        },
      });
      s.register(`[SENSe[1]]:${f}[:DC]:PROTection[:LEVel]?`, {
        run: () => (f === 'VOLTage' ? ch.voltageLimit_V : ch.currentLimit_A),
      });
      s.register(`[SENSe[1]]:${f}[:DC]:PROTection:TRIPped?`, {
        run: () => ch.tripped && ch.sourceFunction !== f,
      });
      s.register(`[SENSe[1]]:${f}[:DC]:NPLCycles`, {
        params: [numeric({ name: 'NPLC', min: 0.01, max: 10, default: 1 })],
        run: ([n]) => void (ch.nplc = n),
      });
      s.register(`[SENSe[1]]:${f}[:DC]:NPLCycles?`, { run: () => ch.nplc });
      s.register(`[SENSe[1]]:${f}[:DC]:RANGe[:UPPer]`, {
        params: [numeric({ name: 'measure range', unit, min: 0 })],
        run: ([r]) => void (ch.senseRange[f] = ch.rangeFor(f, r)),
      });
      s.register(`[SENSe[1]]:${f}[:DC]:RANGe:AUTO`, {
        params: [boolean({ name: 'autorange' })],
        run: ([on]) => void (ch.senseRange[f] = on ? undefined : (ch.senseRange[f] ?? ch.rangeFor(f, 0))),
      });
    }
    const element = (k: number) => {
      const spec = choice(ELEMENTS, { name: 'element' });
      return k === 0 ? spec : optional(spec);
    };
    s.register('FORMat:ELEMents[:SENSe[1]]', {
      params: ELEMENTS.map((_, k) => element(k)),
      run: (chosen) => void (this.elements = chosen.filter((e) => e !== undefined)),
    });
    s.register('FORMat:ELEMents[:SENSe[1]]?', {
      run: () => this.elements.map((e) => e.replace(/[a-z]+$/, '')).join(','),
    });
    s.register('READ?', { run: () => this.#read() });
  }

  async #read(): Promise<number[]> {
    const ch = this.channel;
    if (!ch.output) throw new ScpiError(803, ':READ? with the output off', 'Output disabled');
    const m = await ch.measure();
    const values: Record<Element, number> = {
      VOLTage: m.voltage_V,
      CURRent: m.current_A,
      // Not measured: sent as SCPI's not-a-number, 9.91E+37.
      RESistance: NaN,
      TIME: this.bench.board.timebase.now(),
      STATus: ch.tripped ? STATUS_COMPLIANCE : 0,
    };
    return this.elements.map((e) => values[e]);
  }
}
