// The `reference` section of an instrument bench (reference voltmeters for the DAC and read-out
// calibrations): a valid section parses with its defaults; a meter on an unknown instrument, a
// non-SMU, an SMU the wiring already uses, a channel the SMU lacks or uses twice, a line or node
// outside the network or metered twice, or an entry naming both a line and a node is refused with
// a located issue naming the field and the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseBenchConfig } from '../../src/config/index.ts';
import { referenceBenchYaml } from '../calibration/reference-fixtures.ts';

const yaml = referenceBenchYaml((name) => `TCPIP::127.0.0.1::${name.length + 5000}::SOCKET`);

function withMeters(meters: string): string {
  const at = yaml.indexOf('reference:');
  const end = yaml.indexOf('limits:');
  return `${yaml.slice(0, at)}reference:\n  meters:\n${meters}\n${yaml.slice(end)}`;
}

function issues(text: string): { path: string; message: string; line: number }[] {
  try {
    parseBenchConfig(text, 'reference.yaml');
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((i) => ({ path: i.path, message: i.message, line: i.line }));
  }
  assert.fail('the configuration was accepted');
}

/** The line of `needle`'s first occurrence in the reference section. */
const lineOf = (text: string, needle: string) =>
  text.slice(0, text.indexOf(needle, text.indexOf('reference:'))).split('\n').length;

test('a reference section parses, the channel defaulting to 0', () => {
  const config = parseBenchConfig(
    withMeters(
      '    - { instrument: refA, line: 2 }\n    - { instrument: refC, node: 1 }\n    - { instrument: refB, line: 0 }\n    - { instrument: refD, node: 0 }',
    ),
    'r.yaml',
  );
  assert.ok(config.kind === 'instruments');
  assert.deepEqual(config.reference?.meters[0], { instrument: 'refA', channel: 0, line: 2, mode: 'measure' });
  assert.deepEqual(config.reference?.meters[1], { instrument: 'refC', channel: 0, node: 1, mode: 'measure' });
});

test('each inconsistency of the reference meters is located and explained', () => {
  const text = withMeters(
    [
      '    - { instrument: refA, channel: 0, line: 0 }',
      '    - { instrument: refA, channel: 0, line: 1 }',
      '    - { instrument: refA, channel: 2, line: 2 }',
      '    - { instrument: refB, channel: 0, line: 9 }',
      '    - { instrument: refB, channel: 1, line: 0 }',
      '    - { instrument: board, channel: 0, node: 1 }',
      '    - { instrument: smu, channel: 0, node: 2 }',
      '    - { instrument: nobody, node: 3 }',
      '    - { instrument: refC, node: 0 }',
      '    - { instrument: refD, node: 1 }',
    ].join('\n'),
  );
  const found = issues(text);
  const expect = (path: string, reason: RegExp, needle: string) => {
    const issue = found.find((i) => i.path === path);
    assert.ok(issue, `an issue at ${path}: ${JSON.stringify(found)}`);
    assert.match(issue.message, reason);
    assert.equal(issue.line, lineOf(text, needle), `${path} is located on its line`);
  };
  expect(
    'reference.meters[1].channel',
    /channel 0 of 'refA' is already used at reference\.meters\[0\]\.channel/,
    'channel: 0, line: 1',
  );
  expect('reference.meters[2].channel', /channel 2 is outside 0\.\.1 of 'refA'/, 'channel: 2');
  expect('reference.meters[3].line', /input line 9 is outside 0\.\.3/, 'line: 9');
  expect(
    'reference.meters[4].line',
    /input line 0 already has a meter at reference\.meters\[0\]\.line/,
    'channel: 1, line: 0',
  );
  expect(
    'reference.meters[5].instrument',
    /'board' \(crossbar-board\) is not an SMU/,
    'instrument: board, channel',
  );
  expect('reference.meters[6].instrument', /'smu' already serves the wiring/, 'instrument: smu, channel');
  expect('reference.meters[7].instrument', /no instrument is named 'nobody'/, 'nobody');
  assert.equal(found.length, 7, JSON.stringify(found));
});

test('a meter names a line or a node, exactly one', () => {
  const found = issues(withMeters('    - { instrument: refA, line: 0, node: 1 }'));
  assert.ok(
    found.some((i) => i.path === 'reference.meters[0]' && /exactly one/.test(i.message)),
    JSON.stringify(found),
  );
});

test('a reference source (mode: source) parses on a node; on a line, or mixed on one SMU, it is refused', () => {
  const lineMeters = '    - { instrument: refA, line: 0 }\n    - { instrument: refB, line: 1 }\n';
  const config = parseBenchConfig(
    withMeters(
      `${lineMeters}    - { instrument: refC, channel: 0, node: 0, mode: source }\n    - { instrument: refC, channel: 1, node: 1, mode: source }\n    - { instrument: refD, node: 2 }`,
    ),
    'r.yaml',
  );
  assert.ok(config.kind === 'instruments');
  assert.deepEqual(config.reference?.meters[3], { instrument: 'refC', channel: 1, node: 1, mode: 'source' });
  assert.equal(config.reference?.meters[4].mode, 'measure');
  const onLine = issues(
    withMeters(
      `${lineMeters}    - { instrument: refC, line: 2, mode: source }\n    - { instrument: refD, node: 2 }`,
    ),
  );
  assert.ok(
    onLine.some((i) => i.path === 'reference.meters[2].mode' && /mode 'source' needs 'node'/.test(i.message)),
    JSON.stringify(onLine),
  );
  const text = withMeters(
    `${lineMeters}    - { instrument: refC, channel: 0, node: 0, mode: source }\n    - { instrument: refC, channel: 1, node: 1 }\n    - { instrument: refD, node: 2 }`,
  );
  const mixed = issues(text);
  const issue = mixed.find((i) => i.path === 'reference.meters[3].mode');
  assert.ok(issue, JSON.stringify(mixed));
  assert.match(issue.message, /'refC' is already a reference source at reference\.meters\[2\]\.mode/);
  assert.equal(issue.line, lineOf(text, 'channel: 1, node: 1'));
  assert.equal(mixed.length, 1, JSON.stringify(mixed));
});
