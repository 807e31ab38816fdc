// `nudge sim serve --bench <file>` as a user runs it: a spawned process prints every resource
// string, a driver connects to one and drives the circuit, and SIGTERM closes every server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { ScpiClient } from '../../drivers/scpi/index.ts';
import { openTransport } from '../../drivers/transports/open-transport.ts';
import { Keithley2450 } from '../../drivers/instruments/keithley-2450.ts';
import { formatResources, READY_LINE } from '../../src/cli/sim-serve.ts';
import { irisBoard } from './helpers.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
let dir: string;
let benchFile: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nudged-sim-serve-'));
  benchFile = join(dir, 'bench.yaml');
  await writeFile(
    benchFile,
    stringify({
      board: irisBoard,
      instruments: [
        { name: 'board', kind: 'crossbar-board' },
        { name: 'smu', kind: 'keithley-2450', attach: { inputLine: 0 } },
        { name: 'dac', kind: 'modbus-dac', lines: [1, 2, 3] },
      ],
    }),
  );
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function nudge(...args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { stdio: 'pipe' });
}

/** stdout lines up to (not including) the ready line. */
function linesUntilReady(child: ChildProcessWithoutNullStreams): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const lines = text.split('\n');
      const ready = lines.indexOf(READY_LINE);
      if (ready >= 0) resolve(lines.slice(0, ready));
    });
    child.once('exit', (code) => reject(new Error(`nudge exited (${code}) before ready: ${stderr}`)));
  });
}

const exited = (child: ChildProcessWithoutNullStreams) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

test(
  'sim serve prints every resource, a driver uses one, SIGTERM closes them',
  { timeout: 60000 },
  async () => {
    const child = nudge('sim', 'serve', '--bench', benchFile);
    const done = exited(child);
    try {
      const lines = await linesUntilReady(child);
      const patterns = [
        /^board\s+crossbar-board\s+TCPIP::127\.0\.0\.1::\d+::SOCKET$/,
        /^board\s+crossbar-board\s+TCPIP::127\.0\.0\.1::inst0::INSTR\s+portmapper=\d+$/,
        /^smu\s+keithley-2450\s+TCPIP::127\.0\.0\.1::(\d+)::SOCKET$/,
        /^smu\s+keithley-2450\s+TCPIP::127\.0\.0\.1::inst1::INSTR\s+portmapper=\d+$/,
        /^dac\s+modbus-dac\s+modbus-tcp:\/\/127\.0\.0\.1:\d+\?unit=1$/,
      ];
      assert.equal(lines.length, patterns.length, lines.join('\n'));
      patterns.forEach((p, i) => assert.match(lines[i], p));

      const resource = lines[2].split(/\s+/)[2];
      const port = Number(/::(\d+)::SOCKET$/.exec(resource)![1]);
      const transport = await openTransport(resource, { timeout_ms: 5000 });
      try {
        const smu = new Keithley2450(new ScpiClient(transport), {
          mode: 'voltage',
          channels: [
            {
              limits: {
                voltage_V: { min: -1, max: 1 },
                current_A: { min: -1e-3, max: 1e-3 },
                compliance: { current_A: 1e-3, voltage_V: 20 },
              },
              compliance: 1e-3,
            },
          ],
        });
        assert.equal((await smu.configure()).model, 'MODEL 2450');
        await smu.voltageSource().setVoltages(Float64Array.of(0.5));
        const current = await smu.read();
        assert.ok(Number.isFinite(current) && current !== 0, `the line draws ${current} A`);
        await smu.safeState();
        await smu.checkErrors();
      } finally {
        await transport.close();
      }

      child.kill('SIGTERM');
      assert.deepEqual(await done, { code: 0, signal: null });
      assert.ok(await refused(port), 'the socket server is closed');
    } finally {
      child.kill('SIGKILL');
    }
  },
);

test('a bad bench file fails with the field and the reason, exit code 1', { timeout: 60000 }, async () => {
  const bad = join(dir, 'bad.yaml');
  await writeFile(
    bad,
    stringify({
      board: irisBoard,
      instruments: [{ name: 'smu', kind: 'keithley-2450', attach: { outputNode: 9 } }],
    }),
  );
  const child = nudge('sim', 'serve', '--bench', bad);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  assert.deepEqual(await exited(child), { code: 1, signal: null });
  assert.match(stderr, /instruments\[0\]\.attach\.outputNode: 9 is outside 0\.\.5/);
});

test('resource lines are aligned and name the VXI-11 portmapper', () => {
  const lines = formatResources([
    { name: 'board', kind: 'crossbar-board', resource: 'TCPIP::127.0.0.1::5025::SOCKET' },
    { name: 'k', kind: 'keithley-2450', resource: 'TCPIP::127.0.0.1::inst1::INSTR', portmapperPort: 111 },
  ]);
  assert.deepEqual(lines, [
    'board  crossbar-board  TCPIP::127.0.0.1::5025::SOCKET',
    'k      keithley-2450   TCPIP::127.0.0.1::inst1::INSTR  portmapper=111',
  ]);
});
