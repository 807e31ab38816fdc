// IEEE 488.2-1992 arbitrary block data (§7.7.6 program data, §8.7.9 / §8.7.10 response data) and
// the binary number encodings instruments put inside blocks (SCPI-1999 vol.2 FORMat:DATA REAL/INT
// with FORMat:BORDer NORMal = big-endian, SWAPped = little-endian).

/** Element types that can appear in a binary block. */
export type BinaryElement =
  'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'float32' | 'float64';

export interface BinaryFormat {
  element: BinaryElement;
  /** Byte order: 'big' = FORMat:BORDer NORMal, 'little' = SWAPped. */
  endian: 'little' | 'big';
}

const ELEMENT_SIZE: Record<BinaryElement, number> = {
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  float64: 8,
};

const INTEGER_RANGE: Partial<Record<BinaryElement, [number, number]>> = {
  int8: [-0x80, 0x7f],
  uint8: [0, 0xff],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

const ASCII_ZERO = 0x30;

/** Wraps bytes as a definite-length block `#<n><length><bytes>` (IEEE 488.2 §7.7.6.2). */
export function encodeDefiniteBlock(payload: Uint8Array): Uint8Array {
  const length = String(payload.length);
  if (length.length > 9)
    throw new RangeError(`block payload of ${payload.length} bytes exceeds the 9-digit length field`);
  const header = new TextEncoder().encode(`#${length.length}${length}`);
  const block = new Uint8Array(header.length + payload.length);
  block.set(header);
  block.set(payload, header.length);
  return block;
}

/** Number of length digits announced by the second byte of a block header, or undefined. */
export function blockLengthDigits(byte: number): number | undefined {
  const digits = byte - ASCII_ZERO;
  return digits >= 0 && digits <= 9 ? digits : undefined;
}

/** Decodes a block payload into numbers; the payload length must be a multiple of the size. */
export function decodeBinary(payload: Uint8Array, format: BinaryFormat): Float64Array<ArrayBuffer> {
  const size = ELEMENT_SIZE[format.element];
  if (payload.length % size !== 0) {
    throw new RangeError(
      `block of ${payload.length} bytes is not a whole number of ${format.element} elements`,
    );
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const little = format.endian === 'little';
  const values = new Float64Array(payload.length / size);
  for (let i = 0; i < values.length; i++) values[i] = readElement(view, i * size, format.element, little);
  return values;
}

/** Encodes numbers as a block payload; integers must be in the element's range. */
export function encodeBinary(values: ArrayLike<number>, format: BinaryFormat, field = 'values'): Uint8Array {
  const size = ELEMENT_SIZE[format.element];
  const range = INTEGER_RANGE[format.element];
  const payload = new Uint8Array(values.length * size);
  const view = new DataView(payload.buffer);
  const little = format.endian === 'little';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (range && !(Number.isInteger(value) && value >= range[0] && value <= range[1])) {
      throw new RangeError(
        `${field}[${i}]=${value} is not an integer in the ${format.element} range [${range[0]}, ${range[1]}]`,
      );
    }
    writeElement(view, i * size, format.element, value, little);
  }
  return payload;
}

function readElement(view: DataView, offset: number, element: BinaryElement, little: boolean): number {
  switch (element) {
    case 'int8':
      return view.getInt8(offset);
    case 'uint8':
      return view.getUint8(offset);
    case 'int16':
      return view.getInt16(offset, little);
    case 'uint16':
      return view.getUint16(offset, little);
    case 'int32':
      return view.getInt32(offset, little);
    case 'uint32':
      return view.getUint32(offset, little);
    case 'float32':
      return view.getFloat32(offset, little);
    case 'float64':
      return view.getFloat64(offset, little);
  }
}

function writeElement(
  view: DataView,
  offset: number,
  element: BinaryElement,
  value: number,
  little: boolean,
): void {
  switch (element) {
    case 'int8':
      return view.setInt8(offset, value);
    case 'uint8':
      return view.setUint8(offset, value);
    case 'int16':
      return view.setInt16(offset, value, little);
    case 'uint16':
      return view.setUint16(offset, value, little);
    case 'int32':
      return view.setInt32(offset, value, little);
    case 'uint32':
      return view.setUint32(offset, value, little);
    case 'float32':
      return view.setFloat32(offset, value, little);
    case 'float64':
      return view.setFloat64(offset, value, little);
  }
}
