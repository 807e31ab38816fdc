// npm run bench -- calibration-instruments: the DAC and read-out calibrations on a bench of
// instruments over the protocol emulators on loopback — a crossbar board driving the lines and
// reading the nodes, and four two-channel SMUs (B2900s on the lines, 2600Bs on the nodes) as the
// reference voltmeters of the bench file's `reference` section — through the drivers, the
// interlock and the same runCalibration the daemon's calibrate job uses. Prints the recovery error
// of the gains (relative) and offsets (V) the emulated board hides, and the wall time of each
// calibration. Then the sourced read-out calibration on a second bench file over the same
// emulated board: two more 2600Bs (refE, refF) as reference sources (`mode: source`) on the
// calibration relays of the nodes' read-out inputs. Last line: JSON.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openBenchFromFile } from '../src/bench/index.ts';
import { runCalibration } from '../src/daemon/jobs/calibrate.ts';
import { startEmulatedBench } from '../sim/emulators/index.ts';

const readoutGain = [1.008, 0.994, 1.003, 0.9965];
const readoutOffset_V = [1.5e-3, -2e-3, 0.5e-3, -1e-3];
const network = { inputs: 2, hidden: [3], outputs: 1, doubledInputs: true, differentialOutputs: false };

const running = await startEmulatedBench({
  board: {
    network,
    seed: 21,
    devices: 'ideal-linear',
    dacErrors: { gainErrorRms: 0.01, offsetRms_V: 0.01 },
    readoutChannels: { gain: readoutGain, offset_V: readoutOffset_V },
    chain: {
      sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
      adc: { noiseRms_V: 1e-4 },
    },
  },
  instruments: [
    { name: 'board', kind: 'crossbar-board', serve: { vxi11: false } },
    { name: 'smu', kind: 'keithley-2450', attach: { outputNode: 0 }, serve: { vxi11: false } },
    {
      name: 'refA',
      kind: 'keysight-b2900',
      channels: [{ senseLine: 0 }, { senseLine: 1 }],
      serve: { vxi11: false },
    },
    {
      name: 'refB',
      kind: 'keysight-b2900',
      channels: [{ senseLine: 2 }, { senseLine: 3 }],
      serve: { vxi11: false },
    },
    {
      name: 'refC',
      kind: 'keithley-2600b',
      channels: [{ senseNode: 0 }, { senseNode: 1 }],
      serve: { vxi11: false },
    },
    {
      name: 'refD',
      kind: 'keithley-2600b',
      channels: [{ senseNode: 2 }, { senseNode: 3 }],
      serve: { vxi11: false },
    },
    {
      name: 'refE',
      kind: 'keithley-2600b',
      channels: [{ sourceNode: 0 }, { sourceNode: 1 }],
      serve: { vxi11: false },
    },
    {
      name: 'refF',
      kind: 'keithley-2600b',
      channels: [{ sourceNode: 2 }, { sourceNode: 3 }],
      serve: { vxi11: false },
    },
  ],
});
const at = (name: string) => running.resources.find((r) => r.name === name)!.resource;
const dir = mkdtempSync(join(tmpdir(), 'nudged-bench-calibration-instruments-'));
const file = join(dir, 'bench.yaml');
const sourcedFile = join(dir, 'bench-sourced.yaml');
const smu = (name: string, kind: string) =>
  `  - { name: ${name}, kind: ${kind}, resource: "${at(name)}", options: { nplc: 0.1 } }`;
const header = `kind: instruments
name: reference-xor
network: ${JSON.stringify(network)}
instruments:
  - { name: board, kind: crossbar-board, resource: "${at('board')}", timeout_ms: 5000 }
  - { name: smu, kind: keithley-2450, resource: "${at('smu')}" }
`;
const wiring = `wiring:
  inputs: [{ instrument: board, channels: [0, 1, 2, 3], lines: [0, 1, 2, 3] }]
  nudge: [{ instrument: smu, channels: [0], nodes: [0] }]
  sampler: { instrument: board, channels: [0, 1, 2, 3], nodes: [0, 1, 2, 3] }
  arrays: [{ layer: 0, instrument: board, array: 0 }, { layer: 1, instrument: board, array: 1 }]
`;
const limits = `limits:
  inputVoltage_V: { min: -1, max: 1 }
  nudgeCurrent_A: { min: -5.0e-5, max: 5.0e-5 }
  compliance: { current_A: 1.0e-3, voltage_V: 2 }
  pulse: { amplitude_V: 2, width_s: { min: 1.0e-8, max: 1.0e-5 }, count: 10 }
  readVoltage_V: 0.2
`;
writeFileSync(
  sourcedFile,
  `${header}${smu('refE', 'keithley-2600b')}
${smu('refF', 'keithley-2600b')}
${wiring}reference:
  meters:
${['refE', 'refF']
  .flatMap((r, k) =>
    [0, 1].map((ch) => `    - { instrument: ${r}, channel: ${ch}, node: ${2 * k + ch}, mode: source }`),
  )
  .join('\n')}
${limits}`,
);
writeFileSync(
  file,
  `${header}${smu('refA', 'keysight-b2900')}
${smu('refB', 'keysight-b2900')}
${smu('refC', 'keithley-2600b')}
${smu('refD', 'keithley-2600b')}
${wiring}reference:
  meters:
${['refA', 'refB']
  .flatMap((r, k) => [0, 1].map((ch) => `    - { instrument: ${r}, channel: ${ch}, line: ${2 * k + ch} }`))
  .join('\n')}
${['refC', 'refD']
  .flatMap((r, k) => [0, 1].map((ch) => `    - { instrument: ${r}, channel: ${ch}, node: ${2 * k + ch} }`))
  .join('\n')}
${limits}`,
);

type Bench = Awaited<ReturnType<typeof openBenchFromFile>>;
const envOf = (b: Bench) => ({
  capabilities: b.capabilities,
  bench: b.name,
  instruments: b.instruments.map((i) => ({ role: `${i.name} (${i.roles.join(',')})`, identity: i.identity })),
  meters: b.referenceMeters!.meters,
});
const bench = await openBenchFromFile(file);
let sourcedBench: Bench | undefined;
const worst = (v: number[]) => Math.max(...v.map(Math.abs));
try {
  const env = envOf(bench);
  let t0 = performance.now();
  const dac = await runCalibration({ procedure: 'dac', levels: 11, readings: 2 }, env);
  const dac_s = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const adc = await runCalibration({ procedure: 'adc', averages: 16, readings: 2, noiseSamples: 32 }, env);
  const adc_s = (performance.now() - t0) / 1000;
  if (dac.kind !== 'dac' || adc.kind !== 'adc') throw new Error('unexpected record kinds');
  const truth = running.bench.board.dacErrors;
  const dacGain = worst(dac.result.channels.map((c) => c.gain / truth.gain[c.line] - 1));
  const dacOffset = worst(dac.result.channels.map((c) => c.offset_V - truth.offset_V[c.line]));
  const adcGain = worst(adc.result.channels.map((c) => c.gain / readoutGain[c.node] - 1));
  const adcOffset = worst(adc.result.channels.map((c) => c.offset_V - readoutOffset_V[c.node]));
  await bench.close();
  sourcedBench = await openBenchFromFile(sourcedFile);
  t0 = performance.now();
  const sourced = await runCalibration(
    { procedure: 'adc', min_V: -0.9, max_V: 0.9, averages: 16, readings: 1, noiseSamples: 32 },
    envOf(sourcedBench),
  );
  const sourced_s = (performance.now() - t0) / 1000;
  if (sourced.kind !== 'adc' || sourced.result.method !== 'sourced')
    throw new Error('expected a sourced adc record');
  const srcGain = worst(sourced.result.channels.map((c) => c.gain / readoutGain[c.node] - 1));
  const srcOffset = worst(sourced.result.channels.map((c) => c.offset_V - readoutOffset_V[c.node]));
  console.log(
    `DAC  gain error ${(100 * dacGain).toFixed(4)} %, offset error ${(dacOffset * 1e6).toFixed(1)} µV ` +
      `(worst of 4 lines; 0.1 % of full scale = 2 mV); 4 lines × 11 levels in ${dac_s.toFixed(2)} s`,
  );
  console.log(
    `ADC  gain error ${(100 * adcGain).toFixed(4)} %, offset error ${(adcOffset * 1e6).toFixed(1)} µV ` +
      `(worst of 4 nodes; 0.1 % of full scale = 20 mV); 9 levels in ${adc_s.toFixed(2)} s`,
  );
  console.log(
    `ADC (SMUs sourcing) gain error ${(100 * srcGain).toFixed(4)} %, offset error ${(srcOffset * 1e6).toFixed(1)} µV ` +
      `(worst of 4 nodes); 9 levels over ±0.9 V in ${sourced_s.toFixed(2)} s`,
  );
  console.log(
    JSON.stringify({
      bench: 'calibration-instruments',
      dac_gain_err: Number(dacGain.toPrecision(3)),
      dac_offset_err_v: Number(dacOffset.toPrecision(3)),
      adc_gain_err: Number(adcGain.toPrecision(3)),
      adc_offset_err_v: Number(adcOffset.toPrecision(3)),
      adc_sourced_gain_err: Number(srcGain.toPrecision(3)),
      adc_sourced_offset_err_v: Number(srcOffset.toPrecision(3)),
      dac_s: Number(dac_s.toFixed(3)),
      adc_s: Number(adc_s.toFixed(3)),
      adc_sourced_s: Number(sourced_s.toFixed(3)),
    }),
  );
} finally {
  await bench.close();
  await sourcedBench?.close();
  await running.close();
  rmSync(dir, { recursive: true, force: true });
}
