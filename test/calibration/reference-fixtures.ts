// The bench YAML of the reference-meter tests: the XOR network of the emulated bench with the
// crossbar board driving the lines and reading the nodes, a 2450 nudging, and four two-channel
// SMUs as reference voltmeters on fixtures (B2900s on the lines, 2600Bs on the nodes).
export function referenceBenchYaml(resource: (name: string) => string, extra = ''): string {
  return referenceYaml(resource, extra, '');
}

/** The same bench with refC and refD as reference sources (`mode: source`): their channels are
 * wired through the board's calibration relays to the read-out inputs of nodes 0-3. */
export function sourcedBenchYaml(resource: (name: string) => string, extra = ''): string {
  return referenceYaml(resource, extra, ', mode: source');
}

function referenceYaml(resource: (name: string) => string, extra: string, nodeMode: string): string {
  return `kind: instruments
name: reference-xor
network: { inputs: 2, hidden: [3], outputs: 1, doubledInputs: true, differentialOutputs: false }
instruments:
  - { name: board, kind: crossbar-board, resource: "${resource('board')}", timeout_ms: 5000 }
  - { name: smu, kind: keithley-2450, resource: "${resource('smu')}" }
  - { name: refA, kind: keysight-b2900, resource: "${resource('refA')}", options: { nplc: 0.1 } }
  - { name: refB, kind: keysight-b2900, resource: "${resource('refB')}", options: { nplc: 0.1 } }
  - { name: refC, kind: keithley-2600b, resource: "${resource('refC')}", options: { nplc: 0.1 } }
  - { name: refD, kind: keithley-2600b, resource: "${resource('refD')}", options: { nplc: 0.1 } }
wiring:
  inputs: [{ instrument: board, channels: [0, 1, 2, 3], lines: [0, 1, 2, 3] }]
  nudge: [{ instrument: smu, channels: [0], nodes: [0] }]
  sampler: { instrument: board, channels: [0, 1, 2, 3], nodes: [0, 1, 2, 3] }
  arrays:
    - { layer: 0, instrument: board, array: 0 }
    - { layer: 1, instrument: board, array: 1 }
reference:
  meters:
    - { instrument: refA, channel: 0, line: 0 }
    - { instrument: refA, channel: 1, line: 1 }
    - { instrument: refB, channel: 0, line: 2 }
    - { instrument: refB, channel: 1, line: 3 }
    - { instrument: refC, channel: 0, node: 0${nodeMode} }
    - { instrument: refC, channel: 1, node: 1${nodeMode} }
    - { instrument: refD, channel: 0, node: 2${nodeMode} }
    - { instrument: refD, channel: 1, node: 3${nodeMode} }
limits:
  inputVoltage_V: { min: -1, max: 1 }
  nudgeCurrent_A: { min: -5.0e-5, max: 5.0e-5 }
  compliance: { current_A: 1.0e-3, voltage_V: 2 }
  pulse: { amplitude_V: 2, width_s: { min: 1.0e-8, max: 1.0e-5 }, count: 10 }
  readVoltage_V: 0.2
safety: { watchdog_s: 30, safeStateTimeout_s: 5 }
${extra}`;
}
