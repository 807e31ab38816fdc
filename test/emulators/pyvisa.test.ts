// Interop with an independent client: Debian's pyvisa + pyvisa-py open the emulated Keithley 2450
// by its resource string, identify it, source a voltage and read the current the circuit draws —
// over the raw socket and over VXI-11. pyvisa-py asks the portmapper on port 111; the emulators'
// portmapper is on a free port, so the script points pyvisa-py's rpc.PMAP_PORT at it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { startEmulatedBench } from '../../sim/emulators/index.ts';
import type { RunningEmulatedBench } from '../../sim/emulators/index.ts';
import { expectedLineCurrent, irisBoard } from './helpers.ts';

const script = String.raw`
import json, sys, pyvisa
if len(sys.argv) > 2:
    from pyvisa_py.protocols import rpc
    rpc.PMAP_PORT = int(sys.argv[2])
rm = pyvisa.ResourceManager('@py')
smu = rm.open_resource(sys.argv[1], read_termination='\n', write_termination='\n', timeout=5000)
idn = smu.query('*IDN?')
smu.write('*RST;:SOUR:FUNC VOLT;:SOUR:VOLT 0.35;:SOUR:VOLT:ILIM 0.01;:SENS:FUNC "CURR";:OUTP ON')
current = float(smu.query(':READ?'))
smu.write(':OUTP OFF')
smu.close()
rm.close()
print(json.dumps({"idn": idn, "current": current}))
`;

let bench: RunningEmulatedBench;

before(async () => {
  bench = await startEmulatedBench({
    board: irisBoard,
    instruments: [{ name: 'smu', kind: 'keithley-2450', attach: { inputLine: 3 } }],
  });
});

after(async () => {
  await bench?.close();
});

for (const [link, pattern] of [
  ['socket', /^TCPIP::127\.0\.0\.1::\d+::SOCKET$/],
  ['VXI-11', /^TCPIP::127\.0\.0\.1::inst0::INSTR$/],
] as const) {
  test(`pyvisa-py over ${link} reads a current that matches the physics`, { timeout: 20000 }, () =>
    readsPhysics(pattern),
  );
}

async function readsPhysics(pattern: RegExp): Promise<void> {
  const entry = bench.resources.find((r) => pattern.test(r.resource));
  assert.ok(entry, `a resource matching ${pattern}`);
  const args = ['-c', script, entry.resource];
  if (entry.portmapperPort !== undefined) args.push(String(entry.portmapperPort));
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile('/usr/bin/python3', args, { timeout: 15000 }, (error, out, err) =>
      error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out),
    ),
  );
  const { idn, current } = JSON.parse(stdout) as { idn: string; current: number };
  assert.match(idn, /^KEITHLEY INSTRUMENTS,MODEL 2450,/);
  // After OUTP OFF the line is at 0 V; re-apply the level pyvisa used to compute the expectation.
  const board = bench.bench.board;
  const levels = board.appliedInputs();
  levels[3] = 0.35;
  await bench.bench.setLines(levels);
  const expected = expectedLineCurrent(board, 3);
  assert.ok(expected > 1e-7, 'the line draws a current');
  assert.ok(Math.abs(current - expected) <= 1e-9 * expected, `${current} vs ${expected}`);
}
