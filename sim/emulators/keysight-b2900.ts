// Emulated Keysight B2900 series SMU (B2902A/B2912A SCPI: channel-suffixed :SOURce<n>, :SENSe<n>,
// :OUTPut<n>; :MEASure queries with a (@n) channel list). Each channel is wired to an input line
// or an output node of the simulated circuit. Compliance is :SENSe<n>:CURRent:PROTection (when
// sourcing voltage) and :SENSe<n>:VOLTage:PROTection (when sourcing current), as on the B2900.
import {
  boolean,
  channelList,
  choice,
  numeric,
  optional,
  ScpiServer,
} from '../../drivers/scpi/server/index.ts';
import type { CommandContext } from '../../drivers/scpi/server/index.ts';
import type { EmulatedBench } from './emulated-bench.ts';
import { SmuChannel } from './smu-channel.ts';
import type { SmuAttachment, SourceFunction } from './smu-channel.ts';
import { registerSenseFunction, registerSourceRanges } from './smu-commands.ts';

export const KEYSIGHT_B2900_RANGES = {
  voltage_V: [0.2, 2, 20, 200],
  current_A: [10e-9, 100e-9, 1e-6, 10e-6, 100e-6, 1e-3, 10e-3, 100e-3, 1, 1.5, 3],
};

export class KeysightB2900Emulator {
  readonly server: ScpiServer;
  readonly channels: SmuChannel[];

  constructor(
    readonly bench: EmulatedBench,
    attachments: readonly SmuAttachment[],
    serial = 'MY51140001',
  ) {
    if (attachments.length < 1 || attachments.length > 4) {
      throw new RangeError(`keysight-b2900 channels: 1 to 4 attachments, got ${attachments.length}`);
    }
    this.channels = attachments.map(
      (a) =>
        new SmuChannel(bench, a, KEYSIGHT_B2900_RANGES, {
          currentLimit_A: 100e-6,
          voltageLimit_V: 2,
          nplc: 1,
        }),
    );
    const model = attachments.length === 1 ? 'B2901A' : 'B2902A';
    this.server = new ScpiServer({
      identity: { vendor: 'Keysight Technologies', model, serial, firmware: '3.4.2011.5100' },
      onReset: () => this.reset(),
    });
    this.#register();
  }

  async reset(): Promise<void> {
    for (const c of this.channels) await c.reset();
  }

  #register(): void {
    const s = this.server;
    const n = this.channels.length;
    const ch = (context: CommandContext) => this.channels[context.suffix.ch - 1];
    const suffix = `<ch:1-${n}>`;
    s.register(`SOURce${suffix}:FUNCtion[:MODE]`, {
      params: [choice(['VOLTage', 'CURRent'] as const, { name: 'source function' })],
      run: ([f], c) => ch(c).change((x) => void (x.sourceFunction = f)),
    });
    s.register(`SOURce${suffix}:FUNCtion[:MODE]?`, { run: (_, c) => shortName(ch(c).sourceFunction) });
    s.register(`SOURce${suffix}:VOLTage[:LEVel][:IMMediate][:AMPLitude]`, {
      params: [numeric({ name: 'voltage level', unit: 'V', min: -210, max: 210 })],
      run: ([v], c) => ch(c).setLevel('VOLTage', v),
    });
    s.register(`SOURce${suffix}:VOLTage[:LEVel][:IMMediate][:AMPLitude]?`, {
      run: (_, c) => ch(c).voltageLevel_V,
    });
    s.register(`SOURce${suffix}:CURRent[:LEVel][:IMMediate][:AMPLitude]`, {
      params: [numeric({ name: 'current level', unit: 'A', min: -3.03, max: 3.03 })],
      run: ([i], c) => ch(c).setLevel('CURRent', i),
    });
    s.register(`SOURce${suffix}:CURRent[:LEVel][:IMMediate][:AMPLitude]?`, {
      run: (_, c) => ch(c).currentLevel_A,
    });
    registerSourceRanges(s, `SOURce${suffix}`, ch);
    registerSenseFunction(s, `SENSe${suffix}`, ch);
    s.register(`SENSe${suffix}:CURRent[:DC]:PROTection[:LEVel][:BOTH]`, {
      params: [numeric({ name: 'current compliance', unit: 'A', min: 1e-9, max: 3.03, default: 100e-6 })],
      run: ([i], c) => void (ch(c).currentLimit_A = i),
    });
    s.register(`SENSe${suffix}:CURRent[:DC]:PROTection[:LEVel][:BOTH]?`, {
      run: (_, c) => ch(c).currentLimit_A,
    });
    s.register(`SENSe${suffix}:VOLTage[:DC]:PROTection[:LEVel][:BOTH]`, {
      params: [numeric({ name: 'voltage compliance', unit: 'V', min: 0.02, max: 210, default: 2 })],
      run: ([v], c) => void (ch(c).voltageLimit_V = v),
    });
    s.register(`SENSe${suffix}:VOLTage[:DC]:PROTection[:LEVel][:BOTH]?`, {
      run: (_, c) => ch(c).voltageLimit_V,
    });
    s.register(`SENSe${suffix}:CURRent[:DC]:PROTection:TRIPped?`, {
      run: (_, c) => ch(c).tripped && ch(c).sourceFunction === 'VOLTage',
    });
    s.register(`SENSe${suffix}:VOLTage[:DC]:PROTection:TRIPped?`, {
      run: (_, c) => ch(c).tripped && ch(c).sourceFunction === 'CURRent',
    });
    for (const f of ['VOLTage', 'CURRent'] as const) {
      s.register(`SENSe${suffix}:${f}[:DC]:NPLCycles`, {
        params: [numeric({ name: 'NPLC', min: 4e-4, max: 100, default: 1 })],
        run: ([v], c) => void (ch(c).nplc = v),
      });
      s.register(`SENSe${suffix}:${f}[:DC]:NPLCycles?`, { run: (_, c) => ch(c).nplc });
      s.register(`SENSe${suffix}:${f}[:DC]:RANGe[:UPPer]`, {
        params: [numeric({ name: 'measure range', unit: f === 'VOLTage' ? 'V' : 'A', min: 0 })],
        run: ([r], c) => void (ch(c).senseRange[f] = ch(c).rangeFor(f, r)),
      });
      s.register(`SENSe${suffix}:${f}[:DC]:RANGe:AUTO`, {
        params: [boolean({ name: 'autorange' })],
        run: ([on], c) => {
          const x = ch(c);
          x.senseRange[f] = on ? undefined : (x.senseRange[f] ?? x.rangeFor(f, 0));
        },
      });
      s.register(`MEASure:${f}[:DC]?`, {
        params: [optional(channelList({ name: 'channel list', min: 1, max: n }))],
        run: async ([list]) => {
          const readings: number[] = [];
          for (const number of list ?? [1]) readings.push(await this.channels[number - 1].read(f));
          return readings;
        },
      });
    }
    s.register(`OUTPut${suffix}[:STATe]`, {
      params: [boolean({ name: 'output state' })],
      run: ([on], c) => ch(c).change((x) => void (x.output = on)),
    });
    s.register(`OUTPut${suffix}[:STATe]?`, { run: (_, c) => ch(c).output });
  }
}

function shortName(fn: SourceFunction): string {
  return fn === 'VOLTage' ? 'VOLT' : 'CURR';
}
