// The emulated bench's VXI-11 server (drivers/transports/vxi11/server.ts): one portmapper and one
// core/abort channel pair serve every instrument as a device inst0, inst1, … (a VXI-11 server
// holds one portmapper mapping), each link backed by an EmulatorVxi11Device with the
// instrument's faults.
import { Vxi11Server } from '../../drivers/transports/vxi11/server.ts';
import type { FaultInjector } from './faults.ts';
import type { MessageServer } from './scpi-stream.ts';
import { EmulatorVxi11Device } from './vxi11-device.ts';

export interface Vxi11Device {
  /** The VXI-11 device name, e.g. `inst0`. */
  name: string;
  server: MessageServer;
  faults: FaultInjector;
}

export interface Vxi11Serving {
  readonly portmapperPort: number;
  close(): Promise<void>;
}

export async function serveVxi11(
  devices: readonly Vxi11Device[],
  options: { host: string; portmapperPort: number },
): Promise<Vxi11Serving> {
  const byName = new Map(devices.map((d) => [d.name, d]));
  const vxi11: Vxi11Server = new Vxi11Server({
    host: options.host,
    portmapperPort: options.portmapperPort,
    devices: (name) => {
      const device = byName.get(name);
      return device && new EmulatorVxi11Device(device.server, device.faults, () => vxi11.dropConnections());
    },
  });
  const address = await vxi11.start();
  return { portmapperPort: address.portmapperPort, close: () => vxi11.close() };
}
