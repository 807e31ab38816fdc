// Compression of binary payloads (conductance snapshots, device states, pulse batches) with
// node:zlib deflate at the fastest level: conductances are noisy floats that deflate only modestly,
// so a higher level would cost write time for a few percent of size.
import { endianness } from 'node:os';
import { constants, deflateSync, inflateSync } from 'node:zlib';
import { StoreError } from './errors.ts';

export type SampleDtype = 'float32' | 'float64';
export type Samples = Float32Array | Float64Array;

// Typed arrays are stored in their in-memory byte order; documented as little-endian.
if (endianness() !== 'LE') throw new Error('nudged store: typed-array blobs assume a little-endian host');

export function compressBytes(bytes: Uint8Array): Buffer {
  return deflateSync(bytes, { level: constants.Z_BEST_SPEED });
}

export function decompressBytes(blob: Uint8Array, rawBytes: number, field: string): Buffer {
  const out = inflateSync(blob);
  if (out.byteLength !== rawBytes) {
    throw new StoreError(field, `decompressed to ${out.byteLength} bytes, expected ${rawBytes}`);
  }
  return out;
}

export function dtypeOf(values: Samples): SampleDtype {
  return values instanceof Float32Array ? 'float32' : 'float64';
}

export function encodeSamples(values: Samples): { rawBytes: number; data: Buffer } {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return { rawBytes: values.byteLength, data: compressBytes(bytes) };
}

export function decodeSamples(
  dtype: SampleDtype,
  blob: Uint8Array,
  rawBytes: number,
  field: string,
): Samples {
  const bytes = decompressBytes(blob, rawBytes, field);
  // Copy into a fresh, aligned buffer: a Buffer's offset need not be a multiple of 8.
  const copy = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return dtype === 'float32' ? new Float32Array(copy) : new Float64Array(copy);
}
