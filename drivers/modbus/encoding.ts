// 16- and 32-bit values in Modbus registers. Modbus itself only defines big-endian 16-bit
// registers; a 32-bit value spans two of them in a vendor-chosen order, named by where the bytes
// of the big-endian value A B C D (A most significant) land across the two registers:
//
//   ABCD  high word first, bytes big-endian       (the Modbus convention)
//   CDAB  low word first, bytes big-endian        ("word swap")
//   BADC  high word first, bytes swapped in words ("byte swap")
//   DCBA  low word first, bytes swapped           (fully little-endian)

export type WordOrder = 'ABCD' | 'CDAB' | 'BADC' | 'DCBA';
export type RegisterType = 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32';

export const WORD_ORDERS: readonly WordOrder[] = ['ABCD', 'CDAB', 'BADC', 'DCBA'];

/** Registers one value of `type` occupies. */
export function registersPerValue(type: RegisterType): 1 | 2 {
  return type === 'uint16' || type === 'int16' ? 1 : 2;
}

export function encodeValues(
  type: RegisterType,
  values: readonly number[],
  order: WordOrder = 'ABCD',
): number[] {
  const width = registersPerValue(type);
  const registers: number[] = [];
  const big = Buffer.alloc(4);
  for (const value of values) {
    checkRange(type, value);
    if (width === 1) {
      registers.push(type === 'int16' ? value & 0xffff : value);
      continue;
    }
    if (type === 'float32') big.writeFloatBE(value);
    else if (type === 'int32') big.writeInt32BE(value);
    else big.writeUInt32BE(value);
    const wire = reorder(big, order);
    registers.push(wire.readUInt16BE(0), wire.readUInt16BE(2));
  }
  return registers;
}

export function decodeValues(
  type: RegisterType,
  registers: readonly number[],
  order: WordOrder = 'ABCD',
): number[] {
  const width = registersPerValue(type);
  if (registers.length % width !== 0) {
    throw new RangeError(`${registers.length} registers do not hold whole ${type} values`);
  }
  const values: number[] = [];
  const wire = Buffer.alloc(4);
  for (let i = 0; i < registers.length; i += width) {
    if (width === 1) {
      const r = registers[i];
      values.push(type === 'int16' && r >= 0x8000 ? r - 0x10000 : r);
      continue;
    }
    wire.writeUInt16BE(registers[i] & 0xffff, 0);
    wire.writeUInt16BE(registers[i + 1] & 0xffff, 2);
    const big = unorder(wire, order);
    values.push(
      type === 'float32' ? big.readFloatBE(0) : type === 'int32' ? big.readInt32BE(0) : big.readUInt32BE(0),
    );
  }
  return values;
}

/** The wire bytes for big-endian bytes `abcd` in `order`. */
function reorder(abcd: Buffer, order: WordOrder): Buffer {
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) out[i] = abcd[order.charCodeAt(i) - 65];
  return out;
}

/** The big-endian bytes from wire bytes in `order`. */
function unorder(wire: Buffer, order: WordOrder): Buffer {
  const out = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) out[order.charCodeAt(i) - 65] = wire[i];
  return out;
}

const LIMITS: Record<Exclude<RegisterType, 'float32'>, [number, number]> = {
  uint16: [0, 0xffff],
  int16: [-0x8000, 0x7fff],
  uint32: [0, 0xffffffff],
  int32: [-0x80000000, 0x7fffffff],
};

function checkRange(type: RegisterType, value: number): void {
  if (type === 'float32') {
    if (typeof value !== 'number' || Number.isNaN(value))
      throw new RangeError(`float32 value ${value} is not a number`);
    return;
  }
  const [lo, hi] = LIMITS[type];
  if (!Number.isInteger(value) || value < lo || value > hi) {
    throw new RangeError(`${type} value ${value} is not an integer in ${lo}..${hi}`);
  }
}
