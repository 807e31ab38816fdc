// The simulated bench's state as bytes for the store: one little-endian Float64Array
// [count, time_s, nWrite, nRead, writeRng…, readRng…, g…, programmedG…, programmedAt…,
//  nReadout, readoutRng…, nVelocity, velocity…]. The generator states are small integers, exact
// in a double. The read-out (ADC noise) section was added later: a state without it (saved by an
// older build) still decodes, and restoring it leaves the read-out stream as it is. The momentum
// velocity section (the ideal mode's, S per device; nVelocity = count) came after it and is
// written only when the state has a velocity (absent while it is zero); a state without it
// decodes with none, and restoring it zeroes the velocity. A velocity without a read-out stream
// writes nReadout = −1.
import type { SimBenchState } from '../bench/index.ts';

const HEADER = 4;

export function encodeDeviceState(s: SimBenchState): Uint8Array {
  const n = s.g_S.length;
  const w = s.writeRngState.length;
  const r = s.readRngState.length;
  const readout = s.readoutRngState;
  const velocity = s.idealVelocity_S;
  if (velocity !== undefined && velocity.length !== n) {
    throw new RangeError(`device state: idealVelocity_S has ${velocity.length} values for ${n} devices`);
  }
  const devices = HEADER + w + r + 3 * n;
  const readoutEnd = devices + (readout !== undefined ? 1 + readout.length : velocity !== undefined ? 1 : 0);
  const out = new Float64Array(readoutEnd + (velocity === undefined ? 0 : 1 + n));
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
  } else if (velocity !== undefined) {
    out[devices] = -1;
  }
  if (velocity !== undefined) {
    out[readoutEnd] = n;
    out.set(velocity, readoutEnd + 1);
  }
  return new Uint8Array(out.buffer);
}

export function decodeDeviceState(bytes: Uint8Array): SimBenchState {
  if (bytes.byteLength % 8 !== 0) throw new RangeError('device state: length is not a multiple of 8');
  const f = new Float64Array(new Uint8Array(bytes).buffer);
  const [n, time_s, w, r] = f;
  const devices = HEADER + w + r + 3 * n;
  const mismatch = () => new RangeError('device state: length does not match header');
  if (!(f.length >= devices)) throw mismatch();
  let at = devices;
  let readoutRngState: number[] | undefined;
  if (at < f.length) {
    const k = f[at];
    if (!(Number.isInteger(k) && k >= -1 && at + 1 + Math.max(0, k) <= f.length)) throw mismatch();
    if (k >= 0) readoutRngState = Array.from(f.subarray(at + 1, at + 1 + k));
    at += 1 + Math.max(0, k);
  }
  let idealVelocity_S: Float64Array | undefined;
  if (at < f.length) {
    if (!(f[at] === n && at + 1 + n <= f.length)) throw mismatch();
    idealVelocity_S = f.slice(at + 1, at + 1 + n);
    at += 1 + n;
  }
  if (at !== f.length) throw mismatch();
  const base = HEADER + w + r;
  return {
    time_s,
    writeRngState: Array.from(f.subarray(HEADER, HEADER + w)),
    readRngState: Array.from(f.subarray(HEADER + w, base)),
    g_S: f.slice(base, base + n),
    programmedG_S: f.slice(base + n, base + 2 * n),
    programmedAt_s: f.slice(base + 2 * n, base + 3 * n),
    ...(readoutRngState === undefined ? {} : { readoutRngState }),
    ...(idealVelocity_S === undefined ? {} : { idealVelocity_S }),
  };
}
