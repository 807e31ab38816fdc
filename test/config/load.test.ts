// Bench configuration files: the examples are valid; malformed YAML, wrong types, unknown fields,
// unknown instrument kinds and violated limits or wiring are each refused with a ConfigError whose
// every issue names the file, line and column, the field path and the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadBenchConfig, parseBenchConfig, type ConfigIssue } from '../../src/config/index.ts';

const EXAMPLES = new URL('../../examples/', import.meta.url);
const lab = await readFile(new URL('lab-bench.yaml', EXAMPLES), 'utf8');

/** The lab bench with `from` replaced by `to` (which must occur exactly once). */
function labWith(from: string, to: string): string {
  assert.equal(lab.split(from).length, 2, `the example holds '${from}' once`);
  return lab.replace(from, to);
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string): { line: number; column: number } {
  const at = text.indexOf(needle);
  assert.ok(at >= 0, `'${needle}' occurs`);
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

function refused(text: string, file = 'lab-bench.yaml'): readonly ConfigIssue[] {
  try {
    parseBenchConfig(text, file);
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    for (const issue of error.issues) {
      const where = `${issue.file}:${issue.line}:${issue.column}: `;
      assert.ok(error.message.includes(where), `the message names ${where}`);
    }
    return error.issues;
  }
  assert.fail('the configuration was accepted');
}

/** Exactly one issue, at `needle`'s position (or `at`), with this path and a reason matching. */
function assertOne(text: string, expected: { path: string; reason: RegExp; at: string; offset?: number }) {
  const issues = refused(text);
  assert.equal(issues.length, 1, JSON.stringify(issues));
  const [issue] = issues;
  const { line, column } = positionOf(text, expected.at);
  assert.deepEqual(
    { file: issue.file, line: issue.line, column: issue.column, path: issue.path },
    { file: 'lab-bench.yaml', line, column: column + (expected.offset ?? 0), path: expected.path },
  );
  assert.match(issue.message, expected.reason);
}

test('the example benches are valid', async () => {
  const sim = await loadBenchConfig(join(EXAMPLES.pathname, 'sim-bench.yaml'));
  assert.equal(sim.kind, 'sim');
  assert.deepEqual(sim.safety, { watchdog_s: 30, safeStateTimeout_s: 10 });
  const bench = await loadBenchConfig(join(EXAMPLES.pathname, 'lab-bench.yaml'));
  assert.equal(bench.kind, 'instruments');
  assert.ok(bench.kind === 'instruments');
  assert.deepEqual(
    bench.instruments.map((i) => [i.kind, i.resource]),
    [
      ['crossbar-board', 'TCPIP::192.168.10.20::5025::SOCKET'],
      ['modbus-dac', 'MODBUS-TCP::192.168.10.30::502::1'],
      ['keithley-2450', 'TCPIP::192.168.10.40::INSTR'],
    ],
  );
  assert.deepEqual(bench.calibration, { record: 1 });
  assert.equal(bench.limits.ramp?.voltageStep_V, 0.25);
});

test('malformed YAML is refused at the line and column of the syntax error', () => {
  const text = labWith('  hidden: [4]\n', '  hidden: [4\n');
  const issues = refused(text);
  assert.match(issues[0].message, /^YAML /);
  // The unterminated flow sequence is noticed where the next line starts.
  assert.equal(issues[0].line, positionOf(text, '  hidden: [4').line + 1);
  assert.equal(issues[0].path, '');
  const duplicate = refused(labWith('name: lab-xor\n', 'name: lab-xor\nname: again\n'));
  assert.match(duplicate[0].message, /DUPLICATE_KEY/);
  assert.equal(duplicate[0].line, positionOf(lab, 'name: lab-xor').line + 1);
});

test('a wrong type names the field and what was expected', () => {
  assertOne(labWith('  inputs: 2\n', '  inputs: two\n'), {
    at: 'inputs: two',
    offset: 'inputs: '.length,
    path: 'network.inputs',
    reason: /expected number, received string/,
  });
  assertOne(labWith('    timeout_ms: 5000', '    timeout_ms: soon'), {
    at: 'timeout_ms: soon',
    offset: 'timeout_ms: '.length,
    path: 'instruments[0].timeout_ms',
    reason: /expected number/,
  });
});

test('unknown fields are refused at the key, at any depth', () => {
  assertOne(labWith('name: lab-xor\n', 'name: lab-xor\ncolour: blue\n'), {
    at: 'colour',
    path: 'colour',
    reason: /unknown field 'colour'/,
  });
  assertOne(labWith('    count: 10\n', '    count: 10\n    shape: square\n'), {
    at: 'shape',
    path: 'limits.pulse.shape',
    reason: /unknown field 'shape'/,
  });
  assertOne(labWith('      nplc: 1\n', '      nplc: 1\n      autozero: true\n'), {
    at: 'autozero',
    path: 'instruments[2].options.autozero',
    reason: /unknown field 'autozero'/,
  });
});

test('an unknown instrument kind is refused with the kinds that exist', () => {
  assertOne(labWith('kind: keithley-2450', 'kind: keithley-9999'), {
    at: 'kind: keithley-9999',
    offset: 'kind: '.length,
    path: 'instruments[2].kind',
    reason: /'keithley-9999' is not known \(one of 'keithley-2450', .*'modbus-dac', 'crossbar-board'\)/,
  });
});

test('wiring to a channel the instrument does not have is refused', () => {
  const text = labWith('channels: [0, 1, 2, 3], lines', 'channels: [0, 1, 2, 4], lines');
  assertOne(text, {
    at: '4], lines',
    path: 'wiring.inputs[0].channels[3]',
    reason: /channel 4 is outside 0\.\.3 of 'dac'/,
  });
  assertOne(
    labWith(
      '{ instrument: smu, channels: [0], nodes: [0] }',
      '{ instrument: smu, channels: [1], nodes: [0] }',
    ),
    {
      at: '1], nodes',
      path: 'wiring.nudge[0].channels[0]',
      reason: /channel 1 is outside 0\.\.0 of 'smu'/,
    },
  );
  const text2 = labWith('{ instrument: smu, channels', '{ instrument: smu2, channels');
  assert.deepEqual(
    refused(text2).map((i) => [i.line, i.column, i.path, i.message]),
    [
      [
        positionOf(text2, 'smu2').line,
        positionOf(text2, 'smu2').column,
        'wiring.nudge[0].instrument',
        "no instrument is named 'smu2'",
      ],
      [
        positionOf(text2, 'name: smu').line,
        positionOf(text2, 'smu\n').column,
        'instruments[2].name',
        "'smu' is not used by the wiring",
      ],
    ],
  );
});

test('violated limits are refused: negative ramp step, a range without 0, sizes, missing compliance', () => {
  assertOne(labWith('voltageStep_V: 0.25', 'voltageStep_V: -0.25'), {
    at: '-0.25',
    path: 'limits.ramp.voltageStep_V',
    reason: /expected number to be >0/,
  });
  assertOne(labWith('inputVoltage_V: { min: -1, max: 1 }', 'inputVoltage_V: { min: 0.5, max: 1 }'), {
    at: '{ min: 0.5',
    path: 'limits.inputVoltage_V',
    reason: /must contain 0 \(the safe-state level\)/,
  });
  assertOne(labWith('width_s: { min: 1.0e-8, max: 1.0e-5 }', 'width_s: { min: 1.0e-5, max: 1.0e-8 }'), {
    at: '{ min: 1.0e-5',
    path: 'limits.pulse.width_s',
    reason: /min must not exceed max/,
  });
  assertOne(labWith('    amplitude_V: 2.5', '    amplitude_V: -2.5'), {
    at: '-2.5',
    path: 'limits.pulse.amplitude_V',
    reason: />0/,
  });
  assertOne(
    labWith(
      'nudgeCurrent_A: { min: -5.0e-5, max: 5.0e-5 }',
      'nudgeCurrent_A: [{ min: -1, max: 1 }, { min: -1, max: 1 }]',
    ),
    { at: '[{ min: -1', path: 'limits.nudgeCurrent_A', reason: /2 ranges for 1 output nodes/ },
  );
  assertOne(labWith('  compliance: { current_A: 1.0e-3, voltage_V: 2 }\n', ''), {
    at: 'inputVoltage_V',
    path: 'limits',
    reason: /limits\.compliance is required: the bench has SMUs/,
  });
});

test('a missing required field is located at its parent', () => {
  assertOne(labWith('  readVoltage_V: 0.2\n', ''), {
    at: 'inputVoltage_V',
    path: 'limits.readVoltage_V',
    reason: /required field is missing \(expected number\)/,
  });
});

test('the network must be covered exactly: every line driven, every layer placed, once', () => {
  const text = labWith(
    '- { layer: 1, instrument: board, array: 1, rowOffset: 0, colOffset: 0 }',
    '- { layer: 0, instrument: board, array: 1, rowOffset: 0, colOffset: 0 }',
  );
  const issues = refused(text);
  assert.deepEqual(
    issues.map((i) => [i.path, i.message]),
    [
      ['wiring.arrays[1].layer', 'layer 0 is already placed at wiring.arrays[0]'],
      ['wiring.arrays', 'layer(s) 1 are not placed on any array'],
    ],
  );
  const lines = refused(
    labWith('channels: [0, 1, 2, 3], lines: [0, 1, 2, 3]', 'channels: [0, 1, 2, 3], lines: [0, 1, 2, 2]'),
  );
  assert.deepEqual(
    lines.map((i) => [i.path, i.message]),
    [
      ['wiring.inputs[0].lines[3]', 'input line 2 is already driven at wiring.inputs[0].lines[2]'],
      ['wiring.inputs', 'input lines 3 are not driven by any channel'],
    ],
  );
});

test('every issue is reported at once', () => {
  const text = labWith('  inputs: 2\n', '  inputs: -2\n').replace(
    '    count: 10\n',
    '    count: 10\n    shape: x\n',
  );
  const issues = refused(text);
  assert.deepEqual(
    issues.map((i) => i.path),
    ['network.inputs', 'limits.pulse.shape'],
  );
});

test('calibration: a record id or a file, exactly one; a relative file resolves against the bench file', async () => {
  assertOne(labWith('calibration: { record: 1 }', 'calibration: { record: 1, file: cal.json }'), {
    at: '{ record: 1, file',
    path: 'calibration',
    reason: /either 'record' .* or 'file' .*exactly one/,
  });
  assertOne(labWith('calibration: { record: 1 }', 'calibration: { record: first }'), {
    at: 'first',
    path: 'calibration.record',
    reason: /expected number/,
  });
  const dir = await mkdtemp(join(tmpdir(), 'nudged-config-'));
  const file = join(dir, 'bench.yaml');
  await writeFile(file, labWith('calibration: { record: 1 }', 'calibration: { file: cal/dac.json }'));
  const config = await loadBenchConfig(file);
  assert.deepEqual(config.calibration, { file: join(dir, 'cal', 'dac.json') });
});

test('a file that cannot be read is a ConfigError naming it', async () => {
  await assert.rejects(loadBenchConfig('/nonexistent/bench.yaml'), (error: unknown) => {
    assert.ok(error instanceof ConfigError);
    assert.match(error.message, /^\/nonexistent\/bench\.yaml:1:1: cannot read: ENOENT/);
    return true;
  });
});

test('JSON is read as well (a subset of YAML)', () => {
  const json = JSON.stringify(
    {
      kind: 'sim',
      network: { inputs: 2, hidden: [2], outputs: 1 },
      limits: {
        inputVoltage_V: { min: -1, max: 1 },
        nudgeCurrent_A: { min: -1e-5, max: 1e-5 },
        pulse: { amplitude_V: 2, width_s: { min: 1e-8, max: 1e-5 }, count: 5 },
        readVoltage_V: 0.2,
        extra: 1,
      },
    },
    null,
    2,
  );
  const issues = refused(json, 'bench.json');
  assert.equal(issues.length, 1);
  assert.equal(issues[0].path, 'limits.extra');
  assert.equal(issues[0].line, positionOf(json, '"extra"').line);
});

test('limits beyond what the wired SMU can source at all are refused (datasheet ratings)', () => {
  assertOne(
    labWith('nudgeCurrent_A: { min: -5.0e-5, max: 5.0e-5 }', 'nudgeCurrent_A: { min: -1.5, max: 1.5 }'),
    {
      at: '{ min: -1.5',
      path: 'limits.nudgeCurrent_A',
      reason: /\[-1\.5, 1\.5\] exceeds ±1\.05 A, what a keithley-2450 \('smu'\) can source/,
    },
  );
  assertOne(
    labWith(
      'compliance: { current_A: 1.0e-3, voltage_V: 2 }',
      'compliance: { current_A: 1.0e-3, voltage_V: 250 }',
    ),
    {
      at: '250',
      path: 'limits.compliance.voltage_V',
      reason: /250 V exceeds 210 V/,
    },
  );
});
