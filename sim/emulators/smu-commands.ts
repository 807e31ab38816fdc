// SCPI commands the emulated SMUs share, registered under a model's own subsystem prefix
// (`SOURce[1]` on the 2450 and 2400, `SOURce<ch:1-n>` on the B2900): source ranges with source
// autorange, and the sense-function selection.
import { boolean, numeric, string } from '../../drivers/scpi/server/index.ts';
import type { CommandContext, ScpiServer } from '../../drivers/scpi/server/index.ts';
import { parseFunctionName } from './smu-channel.ts';
import type { SmuChannel, SourceFunction } from './smu-channel.ts';

/** Picks the channel a command addresses (by its numeric suffix on multi-channel models). */
export type ChannelOf = (context: CommandContext) => SmuChannel;

const UNIT: Record<SourceFunction, string> = { VOLTage: 'V', CURRent: 'A' };

/** `<prefix>:VOLTage|CURRent:RANGe[?]` and `:RANGe:AUTO[?]`. */
export function registerSourceRanges(server: ScpiServer, prefix: string, channel: ChannelOf): void {
  for (const f of ['VOLTage', 'CURRent'] as const) {
    server.register(`${prefix}:${f}:RANGe`, {
      params: [numeric({ name: 'source range', unit: UNIT[f], min: 0 })],
      run: ([r], c) => channel(c).fixSourceRange(f, r),
    });
    server.register(`${prefix}:${f}:RANGe?`, {
      run: (_, c) => {
        const ch = channel(c);
        return ch.sourceRange[f] ?? ch.rangeFor(f, f === 'VOLTage' ? ch.voltageLevel_V : ch.currentLevel_A);
      },
    });
    server.register(`${prefix}:${f}:RANGe:AUTO`, {
      params: [boolean({ name: 'source autorange' })],
      run: ([on], c) => channel(c).autoSourceRange(f, on),
    });
    server.register(`${prefix}:${f}:RANGe:AUTO?`, { run: (_, c) => channel(c).sourceRange[f] === undefined });
  }
}

/** `<prefix>:FUNCtion[:ON] "CURR"|"VOLT"` and its query (`"CURR:DC"`). */
export function registerSenseFunction(server: ScpiServer, prefix: string, channel: ChannelOf): void {
  server.register(`${prefix}:FUNCtion[:ON]`, {
    params: [string({ name: 'measure function' })],
    run: ([name], c) => void (channel(c).senseFunction = parseFunctionName(name)),
  });
  server.register(`${prefix}:FUNCtion[:ON]?`, {
    run: (_, c) => `"${channel(c).senseFunction === 'VOLTage' ? 'VOLT' : 'CURR'}:DC"`,
  });
}
