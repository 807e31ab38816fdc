// VISA resource strings (VISA 5.x §4.3.1, as PyVISA's rname module reads them) for the interfaces
// nudged opens natively, plus nudged's own Modbus forms. Keywords and resource classes are
// case-insensitive; the omitted board is 0 and an omitted INSTR class is implied, as in VISA.
//
//   TCPIP[board]::host::port::SOCKET                       raw socket (SCPI usually on 5025)
//   TCPIP[board]::host[::lan_device_name][::INSTR]         VXI-11 (device name default inst0)
//   ASRL<n|path>[::INSTR]                                  serial: ASRL3, ASRL/dev/ttyUSB0
//   USB[board]::vid::pid::serial[::interface][::INSTR]     USBTMC (ids hex 0x.. or decimal)
//   modbus-tcp://host[:port][?unit=N]                      Modbus TCP (port 502, unit 1 by default)
//   modbus-rtu://<path>[?unit=N&baud=B&parity=P&dataBits=D&stopBits=S]   Modbus RTU on a serial device
//   MODBUS-TCP::host[::port]::unit, MODBUS-RTU::path::unit the same in VISA-like spelling
//
// format() gives the canonical form (board, INSTR, inst0, port and USB interface spelled out,
// USB ids as 0xXXXX), so format(parse(s)) names the same resource for every accepted s.

export interface TcpipSocketResource {
  kind: 'tcpip-socket';
  board: number;
  host: string;
  port: number;
}

export interface TcpipInstrResource {
  kind: 'vxi11';
  board: number;
  host: string;
  /** VXI-11 device name: `inst0`, or e.g. `gpib0,5` behind a LAN/GPIB gateway. */
  lanDeviceName: string;
}

/** What `Vxi11Transport` accepts: a parsed `TCPIP[board]::host[::name]::INSTR`. */
export type ParsedVxi11Resource = TcpipInstrResource;

export interface SerialResource {
  kind: 'serial';
  /** What follows `ASRL`: a port number (`3`) or a device path (`/dev/ttyUSB0`, `COM3`). */
  device: string;
}

export interface UsbtmcResource {
  kind: 'usbtmc';
  board: number;
  vendorId: number;
  productId: number;
  serial: string;
  usbInterface: number;
}

export interface ModbusTcpResource {
  kind: 'modbus-tcp';
  host: string;
  port: number;
  unit: number;
}

export interface ModbusRtuResource {
  kind: 'modbus-rtu';
  path: string;
  unit: number;
  /** Line settings given in the resource string (otherwise the client's options apply). */
  baudRate?: number;
  parity?: 'none' | 'even' | 'odd';
  dataBits?: 7 | 8;
  stopBits?: 1 | 2;
}

export type ParsedResource =
  | TcpipSocketResource
  | TcpipInstrResource
  | SerialResource
  | UsbtmcResource
  | ModbusTcpResource
  | ModbusRtuResource;

/** A resource string that cannot be parsed or names something nudged cannot open. */
export class ResourceStringError extends Error {
  override readonly name = 'ResourceStringError';
  constructor(
    readonly resource: string,
    readonly part: string,
    reason: string,
  ) {
    super(`resource "${resource}": ${part} ${reason}`);
  }
}

const MODBUS_DEFAULT_PORT = 502;
/** Interfaces VISA defines that nudged reaches only through the pyvisa bridge. */
const BRIDGE_ONLY = new Set(['GPIB', 'GPIB-VXI', 'VXI', 'PXI', 'VICP', 'FIREWIRE']);
const INTERFACE_KEYWORD = /^(TCPIP|ASRL|USB|GPIB-VXI|GPIB|VXI|PXI|VICP|FIREWIRE)/i;
const RESOURCE_CLASSES = new Set(['INSTR', 'SOCKET', 'RAW', 'INTFC', 'BACKPLANE', 'SERVANT', 'MEMACC']);

export function parseResource(resource: string): ParsedResource {
  const text = resource.trim();
  const fail = (part: string, reason: string): never => {
    throw new ResourceStringError(resource, part, reason);
  };
  if (text === '') return fail('the string', 'is empty');
  if (/^visa:\/\//i.test(text)) return fail('remote VISA (visa://)', 'is not supported');
  if (/^modbus-(tcp|rtu):\/\//i.test(text)) return parseModbusUrl(text, fail);
  const modbus = /^(MODBUS-TCP|MODBUS-RTU)::/i.exec(text);
  if (modbus) return parseModbus(modbus[1].toUpperCase(), splitParts(text.slice(modbus[0].length)), fail);

  const keyword = INTERFACE_KEYWORD.exec(text)?.[1].toUpperCase() ?? '';
  if (BRIDGE_ONLY.has(keyword))
    return fail(`interface ${keyword}`, 'is not opened natively by nudged; use the pyvisa bridge');
  const afterKeyword = text.slice(keyword.length);
  const boardText = afterKeyword.split('::', 1)[0];
  const parts = splitParts(afterKeyword.slice(boardText.length + 2));
  if (afterKeyword.length === boardText.length) parts.length = 0;
  const last = parts.at(-1)?.toUpperCase();
  const resourceClass = last !== undefined && RESOURCE_CLASSES.has(last) ? last : 'INSTR';
  if (last !== undefined && RESOURCE_CLASSES.has(last)) parts.pop();

  switch (keyword) {
    case 'TCPIP': {
      const board = parseBoard(boardText, fail);
      if (resourceClass === 'SOCKET') {
        if (parts.length !== 2) return fail('TCPIP SOCKET', 'needs exactly host::port before ::SOCKET');
        return {
          kind: 'tcpip-socket',
          board,
          host: parseHost(parts[0], fail),
          port: parsePort(parts[1], fail),
        };
      }
      if (resourceClass !== 'INSTR')
        return fail(`resource class ${resourceClass}`, 'is not supported for TCPIP (use INSTR or SOCKET)');
      if (parts.length < 1 || parts.length > 2)
        return fail('TCPIP INSTR', 'needs host[::lan_device_name] before ::INSTR');
      const lanDeviceName = parts[1] ?? 'inst0';
      if (lanDeviceName === '') return fail('LAN device name', 'is empty');
      if (/^hislip/i.test(lanDeviceName))
        return fail(
          `LAN device name "${lanDeviceName}"`,
          'is HiSLIP, which nudged does not support (use VXI-11 inst0 or a ::SOCKET port)',
        );
      return { kind: 'vxi11', board, host: parseHost(parts[0], fail), lanDeviceName };
    }
    case 'ASRL': {
      if (resourceClass !== 'INSTR')
        return fail(`resource class ${resourceClass}`, 'is not supported for ASRL (use INSTR)');
      if (parts.length > 0)
        return fail(
          `"${parts.join('::')}"`,
          'is not supported: ASRL takes only a port number or a device path (ENET-serial is not supported)',
        );
      const device = boardText === '' ? '0' : boardText;
      if (!/^(\d+|\/\S+|COM\d+)$/i.test(device))
        return fail(`serial port "${device}"`, 'must be a port number, a device path (/dev/...) or COM<n>');
      return { kind: 'serial', device };
    }
    case 'USB': {
      const board = parseBoard(boardText, fail);
      if (resourceClass !== 'INSTR')
        return fail(`resource class ${resourceClass}`, 'is not supported for USB (USBTMC INSTR only)');
      if (parts.length < 3 || parts.length > 4)
        return fail('USB INSTR', 'needs vendor::product::serial[::interface] before ::INSTR');
      const [vendor, product, serial, usbInterface = '0'] = parts;
      if (serial === '') return fail('serial number', 'is empty');
      if (!/^\d+$/.test(usbInterface))
        return fail(`USB interface "${usbInterface}"`, 'must be a decimal number');
      return {
        kind: 'usbtmc',
        board,
        vendorId: parseUsbId('vendor id', vendor, fail),
        productId: parseUsbId('product id', product, fail),
        serial,
        usbInterface: Number(usbInterface),
      };
    }
    default:
      return fail(
        `interface "${text.split('::', 1)[0]}"`,
        'is not one of TCPIP, ASRL, USB, MODBUS-TCP, MODBUS-RTU',
      );
  }
}

export function formatResource(resource: ParsedResource): string {
  switch (resource.kind) {
    case 'tcpip-socket':
      return `TCPIP${resource.board}::${formatHost(resource.host)}::${resource.port}::SOCKET`;
    case 'vxi11':
      return `TCPIP${resource.board}::${formatHost(resource.host)}::${resource.lanDeviceName}::INSTR`;
    case 'serial':
      return `ASRL${resource.device}::INSTR`;
    case 'usbtmc':
      return `USB${resource.board}::${hex4(resource.vendorId)}::${hex4(resource.productId)}::${resource.serial}::${resource.usbInterface}::INSTR`;
    case 'modbus-tcp':
      return `modbus-tcp://${formatHost(resource.host)}:${resource.port}?unit=${resource.unit}`;
    case 'modbus-rtu': {
      const line = [
        ['baud', resource.baudRate],
        ['parity', resource.parity],
        ['dataBits', resource.dataBits],
        ['stopBits', resource.stopBits],
      ].filter(([, v]) => v !== undefined);
      const query = [['unit', resource.unit], ...line].map(([k, v]) => `${k}=${v}`).join('&');
      return `modbus-rtu://${resource.path}?${query}`;
    }
  }
}

/** The canonical spelling of a resource string (throws ResourceStringError like parseResource). */
export function canonicalResource(resource: string): string {
  return formatResource(parseResource(resource));
}

type Fail = (part: string, reason: string) => never;

function parseModbus(keyword: string, parts: string[], fail: Fail): ModbusTcpResource | ModbusRtuResource {
  if (keyword === 'MODBUS-TCP') {
    if (parts.length < 2 || parts.length > 3) return fail('MODBUS-TCP', 'needs host[::port]::unit');
    const port = parts.length === 3 ? parsePort(parts[1], fail) : MODBUS_DEFAULT_PORT;
    return {
      kind: 'modbus-tcp',
      host: parseHost(parts[0], fail),
      port,
      unit: parseUnit(parts.at(-1)!, fail),
    };
  }
  if (parts.length !== 2) return fail('MODBUS-RTU', 'needs path::unit');
  if (parts[0] === '') return fail('serial device path', 'is empty');
  return { kind: 'modbus-rtu', path: parts[0], unit: parseUnit(parts[1], fail) };
}

/** The URL forms of issue 3: `modbus-tcp://host:502?unit=1`,
 * `modbus-rtu:///dev/ttyUSB1?baud=19200&unit=3`. Unknown query keys are refused. */
function parseModbusUrl(text: string, fail: Fail): ModbusTcpResource | ModbusRtuResource {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail('URL', 'is not a valid URL');
  }
  const scheme = url.protocol.slice(0, -1).toLowerCase();
  const query = new Map<string, string>();
  for (const [key, value] of url.searchParams) {
    if (query.has(key)) return fail(`query key "${key}"`, 'is given twice');
    query.set(key, value);
  }
  const allowed = scheme === 'modbus-tcp' ? ['unit'] : ['unit', 'baud', 'parity', 'dataBits', 'stopBits'];
  for (const key of query.keys()) {
    if (!allowed.includes(key)) return fail(`query key "${key}"`, `is not one of ${allowed.join(', ')}`);
  }
  const unit = query.has('unit') ? parseUnit(query.get('unit')!, fail) : 1;
  if (scheme === 'modbus-tcp') {
    if (url.pathname !== '' && url.pathname !== '/')
      return fail(`path "${url.pathname}"`, 'is not allowed for modbus-tcp');
    const port = url.port === '' ? MODBUS_DEFAULT_PORT : parsePort(url.port, fail);
    return { kind: 'modbus-tcp', host: parseHost(url.hostname, fail), port, unit };
  }
  if (url.host !== '')
    return fail(`host "${url.host}"`, 'is not allowed for modbus-rtu (use modbus-rtu:///dev/…)');
  const path = decodeURIComponent(url.pathname);
  if (path === '' || path === '/') return fail('serial device path', 'is empty');
  const out: ModbusRtuResource = { kind: 'modbus-rtu', path, unit };
  const baud = query.get('baud');
  if (baud !== undefined) {
    const b = /^\d+$/.test(baud) ? Number(baud) : NaN;
    if (!(b >= 50 && b <= 4_000_000)) return fail(`baud "${baud}"`, 'must be an integer in 50..4000000');
    out.baudRate = b;
  }
  const parity = query.get('parity');
  if (parity !== undefined) {
    if (parity !== 'none' && parity !== 'even' && parity !== 'odd')
      return fail(`parity "${parity}"`, 'must be none, even or odd');
    out.parity = parity;
  }
  const dataBits = query.get('dataBits');
  if (dataBits !== undefined) {
    if (dataBits !== '7' && dataBits !== '8') return fail(`dataBits "${dataBits}"`, 'must be 7 or 8');
    out.dataBits = dataBits === '7' ? 7 : 8;
  }
  const stopBits = query.get('stopBits');
  if (stopBits !== undefined) {
    if (stopBits !== '1' && stopBits !== '2') return fail(`stopBits "${stopBits}"`, 'must be 1 or 2');
    out.stopBits = stopBits === '1' ? 1 : 2;
  }
  return out;
}

/** Splits on `::`, keeping a bracketed IPv6 host (`[fe80::1]`) in one part. */
function splitParts(text: string): string[] {
  const parts: string[] = [];
  let rest = text;
  while (true) {
    const close = rest.startsWith('[') ? rest.indexOf(']') : -1;
    const at = rest.indexOf('::', close < 0 ? 0 : close);
    if (at < 0) {
      parts.push(rest);
      return parts;
    }
    parts.push(rest.slice(0, at));
    rest = rest.slice(at + 2);
  }
}

function parseBoard(text: string, fail: Fail): number {
  if (text === '') return 0;
  if (!/^\d+$/.test(text)) return fail(`board "${text}"`, 'must be a decimal number');
  return Number(text);
}

function parseHost(text: string, fail: Fail): string {
  const host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (host === '') return fail('host', 'is empty');
  if (/[\s/[\]]/.test(host)) return fail(`host "${text}"`, 'is not a host name or IP address');
  return host;
}

const formatHost = (host: string): string => (host.includes(':') ? `[${host}]` : host);

function parsePort(text: string, fail: Fail): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) return fail(`port "${text}"`, 'must be an integer in 1..65535');
  return port;
}

function parseUnit(text: string, fail: Fail): number {
  const unit = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(unit >= 0 && unit <= 255)) return fail(`unit id "${text}"`, 'must be an integer in 0..255');
  return unit;
}

function parseUsbId(what: string, text: string, fail: Fail): number {
  const value = /^0x[0-9a-f]+$/i.test(text)
    ? parseInt(text.slice(2), 16)
    : /^\d+$/.test(text)
      ? Number(text)
      : NaN;
  if (!(value >= 0 && value <= 0xffff))
    return fail(`${what} "${text}"`, 'must be 0..0xFFFF, in hex (0x1234) or decimal');
  return value;
}

const hex4 = (id: number): string => `0x${id.toString(16).toUpperCase().padStart(4, '0')}`;
