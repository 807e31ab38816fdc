// Register maps of common Modbus analog-output modules, for the Modbus DAC driver. Addresses are
// zero-based protocol addresses (register 4xxxx of a manual = address xxxx − 1).
import type { DacRegisterMapInput } from './modbus-dac.ts';

/** 12-bit codes spanning ±10 V: V = −10 + 20·code/4095 (offset binary, code 2048 ≈ +2.4 mV). */
const BIPOLAR_10V_12BIT = {
  codes: { min: 0, max: 4095 },
  polarity: 'bipolar',
  voltsPerCode: 20 / 4095,
} as const;

export const DAC_PRESETS = {
  /**
   * Advantech ADAM-6224 (Modbus TCP, 4 isolated AO). ADAM-6200 User Manual, Appendix A.1.3 "I/O
   * Modbus Mapping Table": 40001–40004 "AO Value" ch 0–3, R/W. Assumed: 12-bit codes 0–4095 over
   * the channel's output range, configured to ±10 V with Advantech's utility (the driver does not
   * write the range type).
   */
  'adam-6224': { base: 0, channels: 4, type: 'uint16', wordOrder: 'ABCD', ...BIPOLAR_10V_12BIT },
  /**
   * Advantech ADAM-4024 (Modbus RTU, 4 AO). ADAM-4000 User Manual, Appendix G "I/O Modbus Mapping
   * Table", table 5: 40001–40004 "Current Output Value" ch 0–3, R/W; 40211 module name 0x4024.
   * Assumed as for the ADAM-6224: 12-bit codes over a ±10 V output range.
   */
  'adam-4024': {
    base: 0,
    channels: 4,
    type: 'uint16',
    wordOrder: 'ABCD',
    ...BIPOLAR_10V_12BIT,
    identity: { address: 210, value: 0x4024 },
  },
  /**
   * Moxa ioLogik E1241 (Modbus TCP, 4 AO, 0–10 V). ioLogik E1200 Series User's Manual, appendix
   * "Modbus/TCP Default Address Mappings", E1241: 41025–41028 (0x0400–0x0403) "CH0–3 AO RAW
   * Value", 1 word, functions 3/6/16. Assumed: raw 12-bit codes 0–4095 spanning 0–10 V.
   */
  'iologik-e1241': {
    base: 0x0400,
    channels: 4,
    type: 'uint16',
    wordOrder: 'ABCD',
    codes: { min: 0, max: 4095 },
    polarity: 'unipolar',
    voltsPerCode: 10 / 4095,
  },
} as const satisfies Record<string, DacRegisterMapInput>;

export type DacPresetName = keyof typeof DAC_PRESETS;
