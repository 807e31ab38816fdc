// The digital twin: a simulated-board configuration that carries this bench's measured
// imperfections, so an offline run sees the same channel errors, settle dynamics and devices.
//   dac            per-line gain and offset (the sim's `dacErrors`, explicit per channel)
//   adc            per-node gain and offset (`readoutChannels`; pedestal and droop are inside the
//                  fitted offset, so the twin's sample-and-hold has neither) and the ADC noise
//   settle         node capacitance C = τ·λ_min(G) from the slowest τ and the map read with it
//   pulse-response device family, nominal bounds and steps, their device-to-device spreads,
//                  cycle-to-cycle and write noise; the pulse law is referenced to the calibration
//                  pulses, so the twin is exact for those pulses (amplitude thresholds were not
//                  measured and keep the device model's default where it lies below the pulse)
//   conductance-map read noise (fraction and floor)
// The fragment is plain data in the simulated board's configuration shape (this layer does not
// import the simulator): `new SimBoard({ ...twinConfigFromCalibration(records, network), seed })`.
import { layoutNetwork } from '../src/network/description.ts';
import type { NetworkDescription, NetworkInput } from '../src/network/description.ts';
import { nodeCapacitanceFromTau } from './node-capacitance.ts';
import type { CalibrationKind, CalibrationRecord } from './records.ts';
import { median } from './fits/device-population.ts';

/** Default switching threshold of the device model, V (docs/device-models.md). */
const defaultThreshold_V = 0.6;

export interface TwinConfig {
  network: NetworkDescription;
  dacErrors?: { gain: number[]; offset_V: number[] };
  readoutChannels?: { gain: number[]; offset_V: number[] };
  chain?: {
    amplifier: { offsetRms_V: number; gainErrorRms: number };
    sampleAndHold: {
      pedestal_V: number;
      pedestalSpread_V: number;
      droopRate_V_per_s: number;
      droopSpread_V_per_s: number;
    };
    adc: { noiseRms_V: number };
  };
  devices?: Record<string, unknown>;
}

/** The twin configuration from a bench's records; for each kind the latest record is used. */
export function twinConfigFromCalibration(
  records: readonly CalibrationRecord[],
  network: NetworkInput | NetworkDescription,
): TwinConfig {
  const layout = layoutNetwork(network);
  const latest = <K extends CalibrationKind>(kind: K) =>
    records
      .filter((r): r is Extract<CalibrationRecord, { kind: K }> => r.kind === kind)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .at(-1);
  const twin: TwinConfig = { network: { ...layout.desc } };

  const dac = latest('dac');
  if (dac) {
    const gain = new Array<number>(layout.inputLines).fill(1);
    const offset = new Array<number>(layout.inputLines).fill(0);
    for (const c of dac.result.channels) {
      if (c.line >= layout.inputLines)
        throw new RangeError(`dac record: line ${c.line} is not on this network`);
      gain[c.line] = c.gain;
      offset[c.line] = c.offset_V;
    }
    twin.dacErrors = { gain, offset_V: offset };
  }

  const adc = latest('adc');
  if (adc) {
    const gain = new Array<number>(layout.floatingNodes).fill(1);
    const offset = new Array<number>(layout.floatingNodes).fill(0);
    for (const c of adc.result.channels) {
      if (c.node >= layout.floatingNodes)
        throw new RangeError(`adc record: node ${c.node} is not on this network`);
      gain[c.node] = c.gain;
      offset[c.node] = c.offset_V;
    }
    twin.readoutChannels = { gain, offset_V: offset };
    twin.chain = {
      amplifier: { offsetRms_V: 0, gainErrorRms: 0 },
      sampleAndHold: { pedestal_V: 0, pedestalSpread_V: 0, droopRate_V_per_s: 0, droopSpread_V_per_s: 0 },
      adc: { noiseRms_V: median(adc.result.channels.map((c) => c.noiseRms_V)) },
    };
  }

  const settle = latest('settle');
  if (settle) {
    const { tauSlowest_s, conductances_S } = settle.result;
    twin.network.nodeCapacitance_F = nodeCapacitanceFromTau(layout, conductances_S, tauSlowest_s);
  }

  const pulses = latest('pulse-response');
  const fit = pulses?.result.fit;
  if (pulses && fit) {
    const { set, reset, readsPerPoint } = pulses.result;
    const law = (amplitude_V: number) => ({
      threshold_V: defaultThreshold_V < amplitude_V ? defaultThreshold_V : amplitude_V / 2,
      reference_V: amplitude_V,
    });
    const n = fit.nominal;
    const response =
      fit.family === 'soft-bounds'
        ? { family: 'soft-bounds' }
        : fit.family === 'exp-step'
          ? { family: 'exp-step', aUp: 1, aDown: 1, gammaUp: n.gammaUp, gammaDown: n.gammaDown }
          : { family: 'pow-step', gammaUp: n.gammaUp, gammaDown: n.gammaDown };
    const map = latest('conductance-map');
    twin.devices = {
      gMin_S: n.gMin_S,
      gMax_S: n.gMax_S,
      stepUp_S: n.stepUp_S,
      // The twin's reference width is the SET width; a RESET pulse of another width scales.
      stepDown_S: n.stepDown_S / (reset.width_s / set.width_s),
      response,
      pulse: {
        set: law(set.amplitude_V),
        reset: law(reset.amplitude_V),
        referenceWidth_s: set.width_s,
      },
      variation: { distribution: 'lognormal', ...fit.spread },
      cycleToCycle: fit.cycleToCycle,
      writeNoise_S: fit.writeNoise_S,
      readNoise: map
        ? map.result.readNoise
        : {
            fraction: fit.readNoiseFraction * Math.sqrt(readsPerPoint),
            floor_S: fit.readNoiseFloor_S * Math.sqrt(readsPerPoint),
          },
    };
  }
  return twin;
}
