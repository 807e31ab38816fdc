// Finds the Linux usbtmc character device (/dev/usbtmcN) of a `USB::vid::pid::serial::INSTR`
// resource through sysfs: each /sys/class/usbmisc/usbtmcN/device links to the USB interface,
// whose parent directory is the USB device with idVendor, idProduct and serial.
import { readdir, readFile, realpath } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatResource, type UsbtmcResource } from './resource-string.ts';
import { TransportError } from './transport.ts';

export interface UsbtmcLocation {
  /** Where sysfs is mounted; tests point it at a fake tree. Default `/sys`. */
  sysfsRoot?: string;
  /** Where the device nodes live. Default `/dev`. */
  devRoot?: string;
}

export interface UsbtmcDeviceInfo {
  /** Character device name, e.g. `usbtmc0`. */
  name: string;
  devicePath: string;
  vendorId: number;
  productId: number;
  serial: string | undefined;
  usbInterface: number | undefined;
}

async function readAttribute(path: string): Promise<string | undefined> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

/** Every usbtmc device sysfs lists, with its USB identity. */
export async function listUsbtmcDevices(location: UsbtmcLocation = {}): Promise<UsbtmcDeviceInfo[]> {
  const classDir = join(location.sysfsRoot ?? '/sys', 'class', 'usbmisc');
  let names: string[];
  try {
    names = (await readdir(classDir)).filter((n) => /^usbtmc\d+$/.test(n)).sort();
  } catch {
    return [];
  }
  const devices: UsbtmcDeviceInfo[] = [];
  for (const name of names) {
    // `device` is a symlink; resolve it before going up, since path.join would drop `device/..`.
    const usbInterfaceDir = await realpath(join(classDir, name, 'device')).catch(() => undefined);
    if (usbInterfaceDir === undefined) continue;
    const usbDeviceDir = dirname(usbInterfaceDir);
    const vendor = await readAttribute(join(usbDeviceDir, 'idVendor'));
    const product = await readAttribute(join(usbDeviceDir, 'idProduct'));
    if (vendor === undefined || product === undefined) continue;
    const interfaceNumber = await readAttribute(join(usbInterfaceDir, 'bInterfaceNumber'));
    devices.push({
      name,
      devicePath: join(location.devRoot ?? '/dev', name),
      vendorId: parseInt(vendor, 16),
      productId: parseInt(product, 16),
      serial: await readAttribute(join(usbDeviceDir, 'serial')),
      usbInterface: interfaceNumber === undefined ? undefined : parseInt(interfaceNumber, 16),
    });
  }
  return devices;
}

/** The device node of `resource`; a TransportError listing what was found if none matches. */
export async function findUsbtmcDevice(
  resource: UsbtmcResource,
  location: UsbtmcLocation = {},
): Promise<string> {
  const devices = await listUsbtmcDevices(location);
  const match = devices.find(
    (d) =>
      d.vendorId === resource.vendorId &&
      d.productId === resource.productId &&
      d.serial === resource.serial &&
      (d.usbInterface === undefined || d.usbInterface === resource.usbInterface),
  );
  if (match) return match.devicePath;
  const hex = (id: number) => `0x${id.toString(16).padStart(4, '0')}`;
  const found = devices.map(
    (d) => `${d.name} = ${hex(d.vendorId)}:${hex(d.productId)} serial ${d.serial ?? '(none)'}`,
  );
  const where = join(location.sysfsRoot ?? '/sys', 'class', 'usbmisc');
  throw new TransportError(
    formatResource(resource),
    'open',
    `no usbtmc device with this vendor, product and serial under ${where} (found: ${found.join('; ') || 'none'})`,
  );
}
