// The simulated bench's state as bytes for the store: one little-endian Float64Array
// [count, time_s, nWrite, nRead, writeRng…, readRng…, g…, programmedG…, programmedAt…,
//  nReadout, readoutRng…]. The generator states are small integers, exact in a double. The
// read-out (ADC noise) section was added later: a state without it (saved by an older build)
// still decodes, and restoring it leaves the read-out stream as it is.
import type { SimBenchState } from '../bench/index.ts';

const HEADER = 4;

export function encodeDeviceState(s: SimBenchState): Uint8Array {
  const n = s.g_S.length;
  const w = s.writeRngState.length;
  const r = s.readRngState.length;
  const readout = s.readoutRngState;
  const devices = HEADER + w + r + 3 * n;
  const out = new Float64Array(devices + (readout === undefined ? 0 : 1 + readout.length));
  out.set([n, s.time_s, w, r]);
  out.set(s.writeRngState, HEADER);
  out.set(s.readRngState, HEADER + w);
  const base = HEADER + w + r;
  out.set(s.g_S, base);
  out.set(s.programmedG_S, base + n);
  out.set(s.programmedAt_s, base + 2 * n);
  if (readout !== undefined) {
    out[devices] = readout.length;
    out.set(readout, devices + 1);
  }
  return new Uint8Array(out.buffer);
}

export function decodeDeviceState(bytes: Uint8Array): SimBenchState {
  if (bytes.byteLength % 8 !== 0) throw new RangeError('device state: length is not a multiple of 8');
  const f = new Float64Array(new Uint8Array(bytes).buffer);
  const [n, time_s, w, r] = f;
  const devices = HEADER + w + r + 3 * n;
  const readout = f.length > devices ? f[devices] : null;
  if (f.length !== devices + (readout === null ? 0 : 1 + readout)) {
    throw new RangeError('device state: length does not match header');
  }
  const base = HEADER + w + r;
  return {
    time_s,
    writeRngState: Array.from(f.subarray(HEADER, HEADER + w)),
    readRngState: Array.from(f.subarray(HEADER + w, base)),
    g_S: f.slice(base, base + n),
    programmedG_S: f.slice(base + n, base + 2 * n),
    programmedAt_s: f.slice(base + 2 * n, base + 3 * n),
    ...(readout === null ? {} : { readoutRngState: Array.from(f.subarray(devices + 1)) }),
  };
}
