// A reference source: an SMU in voltage mode whose channels are wired through the board's
// calibration relays to floating nodes' read-out inputs (`reference.meters[]` with `mode: source`).
// While a channel's output is on, the node's read-out converts the SMU's level; the SMU's own
// voltage measurement is the calibration's truth. Levels go through the driver's setLevels, which
// checks them against the channels' limits before anything is sent; safeState is the driver's
// (levels 0, outputs off). The read-back asks for the voltage explicitly, by model: the drivers'
// measure() reads the current of a voltage source.
import type { ScpiClient } from '../../drivers/scpi/index.ts';
import { Keithley2400 } from '../../drivers/instruments/keithley-2400.ts';
import { Keithley2600B } from '../../drivers/instruments/keithley-2600b.ts';
import { KeysightB2900 } from '../../drivers/instruments/keysight-b2900.ts';
import type { SourceMeter } from '../../drivers/instruments/source-meter.ts';
import type { TspClient } from '../../drivers/instruments/tsp-client.ts';
import type { Voltmeter } from './instruments.ts';

const TSP_CHANNELS = ['smua', 'smub'];

export function sourcingVoltmeter(smu: SourceMeter, client: ScpiClient | TspClient): Voltmeter {
  const check = (channel: number) => {
    if (!Number.isInteger(channel) || channel < 0 || channel >= smu.channels) {
      throw new RangeError(`${smu.name}: channel ${channel} is outside 0..${smu.channels - 1}`);
    }
  };
  const read = async (channel: number): Promise<number> => {
    if (smu instanceof Keithley2400) return (await smu.read()).voltage_V;
    if (smu instanceof Keithley2600B) {
      const [v] = await (client as TspClient).queryNumbers(`${TSP_CHANNELS[channel]}.measure.v()`);
      return v;
    }
    const scpi = client as ScpiClient;
    if (smu instanceof KeysightB2900) return scpi.queryNumber(`:MEAS:VOLT? (@${channel + 1})`);
    // Keithley 2450: one channel; :MEASure:VOLTage? measures the voltage at its terminals.
    return scpi.queryNumber(':MEAS:VOLT?');
  };
  const voltage = smu.voltageSource();
  return {
    channels: smu.channels,
    measureVoltage: async (channel) => {
      check(channel);
      return read(channel);
    },
    source: {
      range: voltage.range,
      setVoltage: async (channel, level_V) => {
        check(channel);
        const levels = smu.levels;
        levels[channel] = level_V;
        await smu.setLevels(levels);
      },
      safeState: () => smu.safeState(),
    },
  };
}
