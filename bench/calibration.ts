// npm run bench -- calibration: how well each calibration recovers what a simulated board hides.
// DAC and read-out channels (gain relative, offset in volts), the node time constants of a
// single-layer network (τ_j = C/G_jj, relative) and the slowest mode of a network with a hidden
// layer (the board's own τ_max = C/λ_min(G)), and per device the step at the opposite bound,
// the bounds (relative to the device's range) and the up/down asymmetry for the soft-bounds,
// power-step and exponential-step families (relative; worst device of the worst family).
// Reference meters read the board's true voltages with 20 µV rms noise. Last line: JSON.
import { SimBoard } from '../sim/board/index.ts';
import type { DeviceParamsInput } from '../sim/devices/index.ts';
import {
  allDevices,
  calibrateAdc,
  calibrateDac,
  calibrateSettle,
  measurePulseResponse,
  nextConductance,
  resultOf,
} from '../calibration/index.ts';
import type { MeterAttachment, VoltageMeter } from '../calibration/index.ts';
import { Rng } from '../src/util/random.ts';

const pulse = { amplitude_V: 1.2, width_s: 100e-9 };
const readoutGain = [1.012, 0.9915, 1.004, 0.997];
const readoutOffset_V = [2e-3, -1.5e-3, 0.5e-3, 1e-3];

function meter(board: SimBoard, attachedTo: MeterAttachment, seed: number): VoltageMeter {
  const rng = new Rng(seed);
  return {
    attachedTo,
    measureVoltage: async () =>
      (attachedTo.kind === 'input-line'
        ? board.appliedInputs()[attachedTo.line]
        : board.trueNodeVoltages()[attachedTo.node]) +
      2e-5 * rng.normal(),
  };
}

const worst = (v: number[]) => Math.max(...v.map(Math.abs));

async function channels() {
  const b = new SimBoard({
    network: { inputs: 2, hidden: [2], outputs: 1 },
    seed: 11,
    dacErrors: { gainErrorRms: 0.01, offsetRms_V: 0.01 },
    readoutChannels: { gain: readoutGain, offset_V: readoutOffset_V },
    chain: {
      sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
    },
  });
  const lines = [0, 1, 2, 3].map((line) => meter(b, { kind: 'input-line', line }, 100 + line));
  const dac = await resultOf(calibrateDac({ inputs: b.inputs, meters: lines, timebase: b.timebase }));
  const nodes = [0, 1, 2, 3].map((node) => meter(b, { kind: 'node', node }, 200 + node));
  const adc = await resultOf(
    calibrateAdc(
      { inputs: b.inputs, sampler: b.sampler, meters: nodes, timebase: b.timebase },
      { min_V: -0.3, max_V: 0.3 },
    ),
  );
  return {
    dac_gain_err: worst(dac.channels.map((c) => c.gain / b.dacErrors.gain[c.line] - 1)),
    dac_offset_err_v: worst(dac.channels.map((c) => c.offset_V - b.dacErrors.offset_V[c.line])),
    adc_gain_err: worst(adc.channels.map((c) => c.gain / readoutGain[c.node] - 1)),
    adc_offset_err_v: worst(adc.channels.map((c) => c.offset_V - readoutOffset_V[c.node])),
  };
}

async function settle() {
  const b = new SimBoard({ network: { inputs: 3, outputs: 2 }, seed: 3, devices: 'ideal-soft-bounds' });
  const { rows, cols } = b.layout.arrays[0];
  const tau = Array.from({ length: cols }, (_, j) => {
    let g = 2e-12;
    for (let r = 0; r < rows; r++) g += b.devices.g_S[r * cols + j];
    return b.layout.desc.nodeCapacitance_F / g;
  });
  const result = await resultOf(
    calibrateSettle(
      { inputs: b.inputs, sampler: b.sampler, timebase: b.timebase, reader: b.reader },
      { maxDelay_s: 12 * Math.max(...tau) },
    ),
  );
  const deep = new SimBoard({
    network: { inputs: 2, hidden: [3], outputs: 1 },
    seed: 3,
    devices: 'ideal-soft-bounds',
  });
  const slowest = deep.slowestTimeConstant();
  const joint = await resultOf(
    calibrateSettle(
      { inputs: deep.inputs, sampler: deep.sampler, timebase: deep.timebase, reader: deep.reader },
      { maxDelay_s: 12 * slowest },
    ),
  );
  return {
    tau_nodes_err: worst(result.channels.map((c) => c.terms[0].tau_s / tau[c.node] - 1)),
    tau_network_err: Math.abs(joint.tauSlowest_s / slowest - 1),
    modes: joint.modes.tau_s.length,
  };
}

function params(response: DeviceParamsInput['response'], noisy: boolean): DeviceParamsInput {
  return {
    gMin_S: 1e-6,
    gMax_S: 1e-4,
    stepUp_S: 4e-6,
    stepDown_S: 3e-6,
    response,
    variation: { distribution: 'lognormal', step: 0.2, upDown: 0.05, gMin: 0.05, gMax: 0.05 },
    cycleToCycle: noisy ? 0.1 : 0,
    readNoise: noisy ? { fraction: 0.005, floor_S: 1e-8 } : { fraction: 0, floor_S: 0 },
  };
}

async function device(response: DeviceParamsInput['response']) {
  const network = { inputs: 2, outputs: 1 };
  const b = new SimBoard({ network, seed: 5, devices: params(response, true) });
  const clean = new SimBoard({ network, seed: 5, devices: params(response, false) }).devices;
  const result = await resultOf(
    measurePulseResponse(
      { programmer: b.programmer, reader: b.reader },
      { devices: allDevices(b.reader), set: pulse, reset: pulse, pulsesPerTrain: 300, cycles: 2 },
    ),
  );
  const step: number[] = [];
  const bounds: number[] = [];
  const asym: number[] = [];
  result.fit!.devices.forEach(({ model }, i) => {
    const lo = clean.deviceGMin_S[i];
    const hi = clean.deviceGMax_S[i];
    clean.setAll(clean.deviceGMin_S);
    const trueUp = clean.pulse(i, 'set', pulse.amplitude_V, pulse.width_s);
    clean.setAll(clean.deviceGMax_S);
    const trueDown = -clean.pulse(i, 'reset', pulse.amplitude_V, pulse.width_s);
    const up = nextConductance(model, model.gMin_S, 'set') - model.gMin_S;
    const down = model.gMax_S - nextConductance(model, model.gMax_S, 'reset');
    step.push(up / trueUp - 1, down / trueDown - 1);
    bounds.push((model.gMin_S - lo) / (hi - lo), (model.gMax_S - hi) / (hi - lo));
    asym.push(up / down / (trueUp / trueDown) - 1);
  });
  return {
    family: result.fit!.family,
    device_step_err: worst(step),
    device_bounds_err: worst(bounds),
    device_asym_err: worst(asym),
    cycleToCycle: result.fit!.cycleToCycle,
  };
}

const ch = await channels();
console.log(
  `DAC    gain error ${(100 * ch.dac_gain_err).toFixed(4)} %, offset error ${(1e6 * ch.dac_offset_err_v).toFixed(1)} µV (worst of 4 lines; 0.1 % of full scale = 20 mV)`,
);
console.log(
  `ADC    gain error ${(100 * ch.adc_gain_err).toFixed(4)} %, offset error ${(1e6 * ch.adc_offset_err_v).toFixed(1)} µV (worst of 4 nodes)`,
);
const st = await settle();
console.log(
  `settle τ error ${(100 * st.tau_nodes_err).toFixed(2)} % (single layer, worst of 4 nodes); slowest mode of a ` +
    `2-3-1 network ${(100 * st.tau_network_err).toFixed(2)} % (joint fit, ${st.modes} modes)`,
);
const families = [];
for (const response of [
  { family: 'soft-bounds' },
  { family: 'pow-step', gammaUp: 1.5, gammaDown: 2 },
  { family: 'exp-step', gammaUp: 3, gammaDown: 4 },
] as const) {
  const d = await device(response);
  families.push(d);
  console.log(
    `device ${response.family.padEnd(11)} fitted as ${d.family}: step ${(100 * d.device_step_err).toFixed(2)} %, ` +
      `bounds ${(100 * d.device_bounds_err).toFixed(2)} % of range, asymmetry ${(100 * d.device_asym_err).toFixed(2)} %, ` +
      `c2c ${d.cycleToCycle.toFixed(3)} (hidden 0.1) (worst of 8 devices)`,
  );
}
const round = (v: number) => Number(v.toPrecision(3));
console.log(
  JSON.stringify({
    bench: 'calibration',
    dac_gain_err: round(ch.dac_gain_err),
    dac_offset_err_v: round(ch.dac_offset_err_v),
    adc_gain_err: round(ch.adc_gain_err),
    tau_err: round(Math.max(st.tau_nodes_err, st.tau_network_err)),
    device_step_err: round(Math.max(...families.map((f) => f.device_step_err))),
    device_bounds_err: round(Math.max(...families.map((f) => f.device_bounds_err))),
    device_asym_err: round(Math.max(...families.map((f) => f.device_asym_err))),
  }),
);
