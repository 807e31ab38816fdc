import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalResource,
  formatResource,
  parseResource,
  ResourceStringError,
} from '../../drivers/transports/resource-string.ts';

// The resource-name examples of PyVISA's documentation (names.rst) for the interfaces nudged
// opens natively, with the canonical form each one formats to.
const pyvisaExamples: [string, string][] = [
  ['ASRL1::INSTR', 'ASRL1::INSTR'],
  ['TCPIP0::1.2.3.4::999::SOCKET', 'TCPIP0::1.2.3.4::999::SOCKET'],
  ['TCPIP::devicename.company.com::INSTR', 'TCPIP0::devicename.company.com::inst0::INSTR'],
  ['TCPIP0::1.2.3.4::inst0::INSTR', 'TCPIP0::1.2.3.4::inst0::INSTR'],
  ['USB::0x1234::125::A22-5::INSTR', 'USB0::0x1234::0x007D::A22-5::0::INSTR'],
];

test('every PyVISA documentation example parses, formats canonically and round-trips', () => {
  for (const [input, canonical] of pyvisaExamples) {
    const parsed = parseResource(input);
    assert.equal(formatResource(parsed), canonical, input);
    assert.deepEqual(parseResource(canonical), parsed, `${input} round trip`);
    assert.equal(canonicalResource(canonical), canonical);
  }
});

test('TCPIP SOCKET and INSTR resources carry board, host, port and device name', () => {
  assert.deepEqual(parseResource('TCPIP3::192.168.0.7::5025::SOCKET'), {
    kind: 'tcpip-socket',
    board: 3,
    host: '192.168.0.7',
    port: 5025,
  });
  assert.deepEqual(parseResource('TCPIP::k2450.lab::INSTR'), {
    kind: 'vxi11',
    board: 0,
    host: 'k2450.lab',
    lanDeviceName: 'inst0',
  });
  // INSTR is implied when the class is omitted (VISA and PyVISA both do this).
  assert.deepEqual(parseResource('TCPIP0::10.0.0.5::gpib0,5'), {
    kind: 'vxi11',
    board: 0,
    host: '10.0.0.5',
    lanDeviceName: 'gpib0,5',
  });
});

test('keywords and resource classes are case-insensitive', () => {
  assert.equal(canonicalResource('tcpip::127.0.0.1::5025::socket'), 'TCPIP0::127.0.0.1::5025::SOCKET');
  assert.equal(
    canonicalResource('usb0::0x0957::0x1796::MY123::instr'),
    'USB0::0x0957::0x1796::MY123::0::INSTR',
  );
  assert.equal(canonicalResource('asrl/dev/ttyUSB0::instr'), 'ASRL/dev/ttyUSB0::INSTR');
  assert.equal(canonicalResource('modbus-tcp::plc.local::7'), 'modbus-tcp://plc.local:502?unit=7');
});

test('IPv6 hosts are written in brackets and survive the :: splitting', () => {
  const parsed = parseResource('TCPIP::[fe80::1]::5025::SOCKET');
  assert.deepEqual(parsed, { kind: 'tcpip-socket', board: 0, host: 'fe80::1', port: 5025 });
  assert.equal(formatResource(parsed), 'TCPIP0::[fe80::1]::5025::SOCKET');
});

test('ASRL accepts a port number, a device path or COM<n>', () => {
  assert.deepEqual(parseResource('ASRL3::INSTR'), { kind: 'serial', device: '3' });
  assert.deepEqual(parseResource('ASRL/dev/ttyUSB0::INSTR'), { kind: 'serial', device: '/dev/ttyUSB0' });
  assert.deepEqual(parseResource('ASRLCOM4'), { kind: 'serial', device: 'COM4' });
});

test('USB ids may be hex or decimal; the interface number defaults to 0', () => {
  const hex = parseResource('USB0::0x05E6::0x2450::04096331::INSTR');
  const dec = parseResource('USB0::1510::9296::04096331::0::INSTR');
  assert.deepEqual(hex, dec);
  assert.deepEqual(hex, {
    kind: 'usbtmc',
    board: 0,
    vendorId: 0x05e6,
    productId: 0x2450,
    serial: '04096331',
    usbInterface: 0,
  });
  assert.equal(canonicalResource('USB::0x1::0x2::SN::3::INSTR'), 'USB0::0x0001::0x0002::SN::3::INSTR');
});

test('Modbus resources: TCP with optional port, RTU with a device path', () => {
  assert.deepEqual(parseResource('MODBUS-TCP::10.1.1.9::1502::3'), {
    kind: 'modbus-tcp',
    host: '10.1.1.9',
    port: 1502,
    unit: 3,
  });
  assert.deepEqual(parseResource('MODBUS-TCP::10.1.1.9::3'), {
    kind: 'modbus-tcp',
    host: '10.1.1.9',
    port: 502,
    unit: 3,
  });
  const rtu = parseResource('MODBUS-RTU::/dev/ttyUSB1::17');
  assert.deepEqual(rtu, { kind: 'modbus-rtu', path: '/dev/ttyUSB1', unit: 17 });
  assert.equal(formatResource(rtu), 'modbus-rtu:///dev/ttyUSB1?unit=17');
});

function rejects(resource: string, part: RegExp): void {
  assert.throws(
    () => parseResource(resource),
    (error: unknown) => {
      assert.ok(error instanceof ResourceStringError, `${resource}: ${String(error)}`);
      assert.equal(error.resource, resource);
      assert.match(error.message, part);
      assert.ok(error.message.includes(resource), error.message);
      return true;
    },
  );
}

test('errors name the resource and the part that is wrong', () => {
  rejects('', /is empty/);
  rejects('TCPIP0::1.2.3.4::hislip0::INSTR', /hislip0.*HiSLIP.*not support/);
  rejects('TCPIP::1.2.3.4::SOCKET', /TCPIP SOCKET needs exactly host::port/);
  rejects('TCPIP::1.2.3.4::99999::SOCKET', /port "99999" must be an integer in 1\.\.65535/);
  rejects('TCPIPx::1.2.3.4::INSTR', /board "x" must be a decimal number/);
  rejects('TCPIP::1.2.3.4::inst0::BACKPLANE', /resource class BACKPLANE is not supported for TCPIP/);
  rejects('USB::0x12345::1::SN::INSTR', /vendor id "0x12345" must be 0\.\.0xFFFF/);
  rejects('USB::0x1234::zz::SN::INSTR', /product id "zz"/);
  rejects('USB::0x1234::0x1::INSTR', /USB INSTR needs vendor::product::serial/);
  rejects('USB::0x5678::0x33::SN999::1::RAW', /resource class RAW is not supported for USB/);
  rejects('ASRL::1.2.3.4::2::INSTR', /ENET-serial is not supported/);
  rejects('ASRLfoo::INSTR', /serial port "foo" must be a port number/);
  rejects('GPIB::1::0::INSTR', /interface GPIB is not opened natively.*pyvisa bridge/);
  rejects('PXI0::2-12.1::INSTR', /interface PXI/);
  rejects('visa://hostname/ASRL1::INSTR', /remote VISA/);
  rejects('FOO::bar', /interface "FOO" is not one of/);
  rejects('MODBUS-TCP::host', /MODBUS-TCP needs host\[::port\]::unit/);
  rejects('MODBUS-TCP::host::502::300', /unit id "300" must be an integer in 0\.\.255/);
  rejects('MODBUS-RTU::/dev/ttyUSB0', /MODBUS-RTU needs path::unit/);
});

test('Modbus URL forms of issue 3 parse, with RTU line settings, and format canonically', () => {
  assert.deepEqual(parseResource('modbus-tcp://host:502?unit=1'), {
    kind: 'modbus-tcp',
    host: 'host',
    port: 502,
    unit: 1,
  });
  assert.deepEqual(parseResource('modbus-rtu:///dev/ttyUSB1?baud=19200&unit=3'), {
    kind: 'modbus-rtu',
    path: '/dev/ttyUSB1',
    unit: 3,
    baudRate: 19200,
  });
  // Default port and unit; the VISA-like spelling names the same resource.
  assert.equal(canonicalResource('modbus-tcp://10.0.0.5'), 'modbus-tcp://10.0.0.5:502?unit=1');
  assert.equal(canonicalResource('MODBUS-TCP::10.0.0.5::1'), 'modbus-tcp://10.0.0.5:502?unit=1');
  const rtu = 'modbus-rtu:///dev/ttyS1?unit=2&baud=9600&parity=even&dataBits=8&stopBits=2';
  assert.equal(canonicalResource(rtu), rtu);
});

test('Modbus URL errors name the part', () => {
  assert.throws(
    () => parseResource('modbus-tcp://h:502?unit=300'),
    /unit id "300" must be an integer in 0\.\.255/,
  );
  assert.throws(() => parseResource('modbus-rtu:///dev/ttyS0?baud=fast'), /baud "fast"/);
  assert.throws(() => parseResource('modbus-rtu:///dev/ttyS0?speed=9600'), /query key "speed" is not one of/);
  assert.throws(() => parseResource('modbus-rtu://host/dev/ttyS0'), /host "host" is not allowed/);
  assert.throws(() => parseResource('modbus-tcp://h:99999'), ResourceStringError);
});
