// Enforces the layer table of docs/ARCHITECTURE.md: every project import must go from a layer to
// one it may depend on. A file in no layer fails too, so new folders get placed deliberately.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folder prefix → layer, most specific first. */
const layerOf: [string, string][] = [
  ['src/capabilities/', 'contract'],
  ['src/util/', 'util'],
  ['src/network/', 'network'],
  ['drivers/transports/', 'transports'],
  ['drivers/scpi/', 'protocols'],
  ['drivers/modbus/', 'protocols'],
  ['drivers/instruments/', 'drivers'],
  ['sim/circuit/', 'physics'],
  ['sim/network/', 'physics'],
  ['sim/spice/', 'physics'],
  ['sim/devices/', 'devices'],
  ['sim/measurement/', 'devices'],
  ['sim/board/', 'simbench'],
  ['sim/emulators/', 'emulators'],
  ['src/training/', 'pipeline'],
  ['calibration/', 'pipeline'],
  ['src/datasets/', 'data'],
  ['src/baseline/', 'data'],
  ['src/presets/', 'presets'],
  ['src/config/', 'config'],
  ['src/bench/', 'bench'],
  ['src/cli/', 'top'],
  ['src/daemon/', 'top'],
  ['src/api/', 'top'],
];

const below = (...layers: string[]) => new Set(layers);
const allowed: Record<string, Set<string>> = {
  contract: below(),
  util: below(),
  network: below('util'),
  transports: below('util'),
  protocols: below('transports', 'util'),
  drivers: below('contract', 'protocols', 'transports', 'network', 'util'),
  physics: below('network', 'util'),
  devices: below('util'),
  simbench: below('contract', 'physics', 'devices', 'network', 'util'),
  emulators: below(
    'simbench',
    'physics',
    'devices',
    'protocols',
    'transports',
    'contract',
    'network',
    'util',
  ),
  pipeline: below('contract', 'network', 'util'),
  data: below('network', 'util'),
  presets: below('pipeline', 'data', 'contract', 'network', 'util'),
  config: below('contract', 'devices', 'network', 'util'),
  bench: below(
    'config',
    'presets',
    'pipeline',
    'data',
    'emulators',
    'simbench',
    'drivers',
    'protocols',
    'transports',
    'physics',
    'devices',
    'contract',
    'network',
    'util',
  ),
  top: below(...layerOf.map(([, l]) => l)),
};

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = `${dir}/${name}`;
    if (statSync(join(root, rel)).isDirectory()) out.push(...sources(rel));
    else if (name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

const layered = ['src', 'drivers', 'sim', 'calibration'].flatMap((d) => {
  try {
    return sources(d);
  } catch {
    return [];
  }
});

function layer(file: string): string | undefined {
  return layerOf.find(([prefix]) => file.startsWith(prefix))?.[1];
}

test('every source file belongs to a layer of docs/ARCHITECTURE.md', () => {
  const orphans = layered.filter((f) => layer(f) === undefined);
  assert.deepEqual(orphans, [], `files outside every layer: ${orphans.join(', ')}`);
});

test('no import goes to a layer the architecture forbids', () => {
  const violations: string[] = [];
  const spec = /(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  for (const file of layered) {
    const from = layer(file);
    if (from === undefined) continue;
    const text = readFileSync(join(root, file), 'utf8');
    for (const m of text.matchAll(spec)) {
      const target = relative(root, normalize(join(root, dirname(file), m[1]))).replaceAll('\\', '/');
      const to = layer(target);
      if (to === undefined || to === from) continue;
      if (!allowed[from].has(to)) violations.push(`${file} (${from}) imports ${target} (${to})`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the checker itself catches a forbidden import', () => {
  // The pipeline must reach the bench only through the capability interfaces.
  assert.equal(allowed[layer('src/training/pipeline.ts')!].has(layer('sim/board/sim-board.ts')!), false);
  assert.equal(allowed[layer('drivers/transports/tcp.ts')!].has(layer('drivers/scpi/client.ts')!), false);
});
