// Independent check: pyvisa-py (Debian's python3-pyvisa-py, its own ONC RPC and VXI-11 client)
// opens `TCPIP::127.0.0.1::inst0::INSTR` on Vxi11Server. pyvisa-py asks the portmapper on port
// 111, so the server's portmapper binds 127.0.0.1:111 when it can; when 111 is taken (e.g. a
// system rpcbind) or not permitted, it runs on a free port and the script points pyvisa-py's
// module constant rpc.PMAP_PORT at it.
// maxRecvSize is 1024 so the 3005-byte write arrives in three device_writes: pyvisa-py 0.5.1
// sets END on every chunk once fewer than 1024 bytes remain to send, so a smaller maxRecvSize
// would have it mark the message's end early (its bug, not the server's).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Vxi11Server, type Vxi11DeviceHandler } from '../../drivers/transports/vxi11/server.ts';

const PYTHON = '/usr/bin/python3';
const BLOCK = [0, 10, 13, 255, 1, 2, 3, 4];

const SCRIPT = String.raw`
import json, os, sys
import pyvisa
from pyvisa import constants, errors
if os.environ.get("NUDGED_PMAP_PORT"):
    from pyvisa_py.protocols import rpc
    rpc.PMAP_PORT = int(os.environ["NUDGED_PMAP_PORT"])
rm = pyvisa.ResourceManager("@py")
inst = rm.open_resource("TCPIP::127.0.0.1::inst0::INSTR")
inst.timeout = 5000
out = {}
out["idn"] = inst.query("*IDN?")
inst.write("LONG?")
out["long_length"] = len(inst.read_raw())
inst.write("ECHO " + "x" * 3000)
out["echo"] = inst.query("ECHO?")
out["block"] = list(inst.query_binary_values("DATA?", datatype="B"))
out["stb"] = inst.read_stb()
inst.assert_trigger()
inst.write("LONG?")
inst.clear()
out["after_clear"] = inst.query("*IDN?")
inst.lock_excl()
out["locked_idn"] = inst.query("*IDN?")
inst.unlock()
inst.timeout = 300
inst.write("HANG?")
try:
    inst.read()
    out["timeout"] = None
except errors.VisaIOError as error:
    out["timeout"] = error.abbreviation
inst.timeout = 5000
out["after_timeout"] = inst.query("*IDN?")
inst.close()
rm.close()
print(json.dumps(out))
`;

class EmulatedInstrument implements Vxi11DeviceHandler {
  triggers = 0;
  clears = 0;
  #input = '';
  #out: Buffer[] = [];
  #echo = '';

  async write(data: Uint8Array, end: boolean): Promise<void> {
    this.#input += Buffer.from(data).toString('latin1');
    if (!end) return;
    const command = this.#input.trim();
    this.#input = '';
    if (command === '*IDN?') this.#out.push(Buffer.from('NUDGED,PYVISA-INTEROP,0,1\n'));
    else if (command === 'LONG?') this.#out.push(Buffer.from('9'.repeat(5000) + '\n'));
    else if (command === 'DATA?')
      this.#out.push(Buffer.concat([Buffer.from('#18'), Buffer.from(BLOCK), Buffer.from('\n')]));
    else if (command.startsWith('ECHO ')) this.#echo = command.slice(5);
    else if (command === 'ECHO?') this.#out.push(Buffer.from(this.#echo + '\n'));
    else if (command === 'HANG?') this.#out.push(Buffer.alloc(0));
  }

  read(): Promise<{ data: Uint8Array; end: boolean }> {
    const next = this.#out.shift();
    if (next === undefined || next.length === 0) return new Promise(() => undefined); // nothing to say
    return Promise.resolve({ data: next, end: true });
  }

  readStb(): number {
    return 0x50;
  }

  trigger(): void {
    this.triggers++;
  }

  clear(): void {
    this.clears++;
    this.#out = [];
  }
}

function run(env: NodeJS.ProcessEnv): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      ['-c', SCRIPT],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    );
  });
}

describe('pyvisa-py (independent VXI-11 client) against Vxi11Server', { timeout: 60_000 }, () => {
  const devices: EmulatedInstrument[] = [];
  const factory = (name: string) => {
    if (name !== 'inst0') return undefined;
    const device = new EmulatedInstrument();
    devices.push(device);
    return device;
  };
  let server: Vxi11Server;
  let portmapperEnv: NodeJS.ProcessEnv = {};

  before(async () => {
    server = new Vxi11Server({ devices: factory, maxRecvSize: 1024, portmapperPort: 111 });
    try {
      await server.start();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE' && code !== 'EACCES') throw error;
      server = new Vxi11Server({ devices: factory, maxRecvSize: 1024 });
      portmapperEnv = { NUDGED_PMAP_PORT: String((await server.start()).portmapperPort) };
    }
  });
  after(() => server.close());

  it('queries, reads long and binary responses, reads the STB, triggers, clears, locks and times out', async (t) => {
    t.diagnostic(`portmapper on port ${server.address.portmapperPort}`);
    const { stdout } = await run(portmapperEnv);
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(out, {
      idn: 'NUDGED,PYVISA-INTEROP,0,1\n',
      long_length: 5001,
      echo: 'x'.repeat(3000) + '\n',
      block: BLOCK,
      stb: 0x50,
      after_clear: 'NUDGED,PYVISA-INTEROP,0,1\n',
      locked_idn: 'NUDGED,PYVISA-INTEROP,0,1\n',
      timeout: 'VI_ERROR_TMO',
      after_timeout: 'NUDGED,PYVISA-INTEROP,0,1\n',
    });
    assert.equal(devices.length, 1);
    assert.equal(devices[0].triggers, 1);
    assert.equal(devices[0].clears, 1);
    assert.equal(server.linkCount, 0, 'pyvisa-py destroyed its link on close');
  });
});
