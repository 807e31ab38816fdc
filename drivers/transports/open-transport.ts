// Picks the transport class from a resource string. VXI-11 (`TCPIP::host[::inst0]::INSTR`) lives in
// ./vxi11/client.ts (Vxi11Transport, constructor `(resource, options)`) and is imported lazily
// through a computed specifier, so this module neither loads nor type-depends on it until a VXI-11
// resource is opened. Modbus resources are not message links: use drivers/modbus instead.
import { parseResource, type ParsedResource, type ParsedVxi11Resource } from './resource-string.ts';
import { SerialTransport, type SerialOptions } from './serial.ts';
import { InstrumentSession, type SessionOptions } from './session.ts';
import { TcpSocketTransport, type TcpSocketOptions } from './tcp-socket.ts';
import { TransportError, type MessageTransport } from './transport.ts';
import { UsbtmcTransport, type UsbtmcOptions } from './usbtmc.ts';

/** Options for any transport; each class reads the ones it knows. VXI-11 gets the whole object. */
export type TransportOptions = TcpSocketOptions & SerialOptions & UsbtmcOptions & Record<string, unknown>;

type Vxi11Constructor = new (
  resource: ParsedVxi11Resource | string,
  options: TransportOptions,
) => MessageTransport;

const VXI11_MODULE = './vxi11/client.ts';

/** A transport for `resource`, not yet opened. */
export async function createTransport(
  resource: string | ParsedResource,
  options: TransportOptions = {},
): Promise<MessageTransport> {
  const parsed = typeof resource === 'string' ? parseResource(resource) : resource;
  switch (parsed.kind) {
    case 'tcpip-socket':
      return new TcpSocketTransport(parsed, options);
    case 'serial':
      return new SerialTransport(parsed, options);
    case 'usbtmc':
      return new UsbtmcTransport(parsed, options);
    case 'vxi11': {
      const module = (await import(VXI11_MODULE)) as { Vxi11Transport: Vxi11Constructor };
      return new module.Vxi11Transport(parsed, options);
    }
    case 'modbus-tcp':
    case 'modbus-rtu':
      throw new TransportError(
        typeof resource === 'string' ? resource : parsed.kind,
        'open',
        'a Modbus resource is not a message transport; open it with ModbusClient (drivers/modbus)',
      );
  }
}

/** createTransport, then open(). */
export async function openTransport(
  resource: string | ParsedResource,
  options: TransportOptions = {},
): Promise<MessageTransport> {
  const transport = await createTransport(resource, options);
  await transport.open();
  return transport;
}

export interface OpenSessionOptions extends SessionOptions {
  transport?: TransportOptions;
}

/** An opened InstrumentSession over the transport the resource names. */
export async function openSession(
  resource: string | ParsedResource,
  options: OpenSessionOptions = {},
): Promise<InstrumentSession> {
  const session = new InstrumentSession(await createTransport(resource, options.transport), options);
  await session.open();
  return session;
}
