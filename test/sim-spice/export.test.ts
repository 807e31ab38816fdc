// SPICE export (what each element becomes) and the binary rawfile reader; a .dc sweep run through
// ngspice against the general solver at each point.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toSpiceDeck } from '../../sim/spice/export.ts';
import { parseRawfile, simulateWithNgspice } from '../../sim/spice/ngspice.ts';
import { solveDc } from '../../sim/circuit/dc.ts';
import type { Circuit, ShockleyDiodeModel } from '../../sim/circuit/netlist.ts';

const diode: ShockleyDiodeModel = {
  kind: 'shockley',
  is_A: 3e-15,
  n: 1.5,
  rs_Ohm: 12,
  temp_K: 310.15,
  gmin_S: 1e-12,
};

function amplifierCircuit(): Circuit {
  return {
    nodeNames: ['0', 'in', 'h', 'out', 'f'],
    elements: [
      { kind: 'vsource', name: 'Vin', pos: 1, neg: 0, value_V: 0.7 },
      { kind: 'memristor', name: 'M0', a: 1, b: 2, device: 0 },
      { kind: 'diode', name: 'Dh', anode: 2, cathode: 0, model: diode },
      { kind: 'vcvs', name: 'E1', pos: 3, neg: 0, cpos: 2, cneg: 0, gain: 3 },
      { kind: 'resistor', name: 'RL', a: 3, b: 4, g_S: 1e-3 },
      {
        kind: 'diode',
        name: 'Di',
        anode: 4,
        cathode: 0,
        model: { kind: 'ideal', ron_Ohm: 100, off_S: 1e-12 },
      },
      { kind: 'cccs', name: 'F1', from: 0, to: 2, control: 'E1', gain: 3 },
      { kind: 'isource', name: 'I1', from: 0, to: 4, value_A: -2e-5 },
    ],
    conductances: Float64Array.from([4e-4]),
  };
}

test('export: element lines, diode model with TNOM = temp, sense source for a CCCS-controlling VCVS', () => {
  const deck = toSpiceDeck(amplifierCircuit(), { kind: 'op' });
  const lines = deck.text.split('\n');
  assert.ok(lines.includes('rm1 n1 n2 2500'), 'memristor as R = 1/g');
  assert.ok(lines.includes('d2 n2 0 dmod0 temp=37'));
  assert.ok(lines.includes('.model dmod0 d(is=3e-15 n=1.5 rs=12 tnom=37)'));
  // The VCVS output runs through a 0 V sense source, which the F element references.
  assert.ok(lines.includes('vs3 n3 es3 dc 0') && lines.includes('e3 es3 0 n2 0 3'));
  assert.ok(lines.includes('f6 0 n2 vs3 3'));
  assert.ok(
    lines.some((l) => l.startsWith('bd5 n4 0 i=') && l.includes('u(')),
    'ideal diode as a B source',
  );
  assert.ok(
    lines.some((l) => l.startsWith('.options') && l.includes('reltol=1e-9') && l.includes('gmin=1e-12')),
  );
  assert.equal(deck.nodeVector(3), 'v(n3)');
  assert.equal(deck.nodeVector(0), undefined);
});

test('export rejects what ngspice cannot represent, naming the field', () => {
  const c = amplifierCircuit();
  c.elements.push({ kind: 'diode', name: 'D2', anode: 1, cathode: 0, model: { ...diode, gmin_S: 1e-10 } });
  assert.throws(() => toSpiceDeck(c, { kind: 'op' }), /gmin_S/);
  const table = new Map([['F1', [1, 2]]]);
  assert.throws(
    () => toSpiceDeck(amplifierCircuit(), { kind: 'dc-table', table }),
    /'F1' is not a voltage source/,
  );
  const z = amplifierCircuit();
  z.conductances[0] = 0;
  assert.throws(() => toSpiceDeck(z, { kind: 'op' }), /M0.*must be > 0/);
});

test('rawfile reader decodes a binary rawfile built independently', () => {
  const header =
    'Title: t\nDate: x\nPlotname: DC transfer characteristic\nFlags: real\nNo. Variables: 3\nNo. Points: 2\n' +
    'Variables:\n\t0\tv(v-sweep)\tvoltage\n\t1\tv(n1)\tvoltage\n\t2\ti(V1)\tcurrent\nBinary:\n';
  const values = [0, 0.5, -1e-3, 1, 0.25, 2e-3];
  const data = Buffer.alloc(values.length * 8);
  values.forEach((v, i) => data.writeDoubleLE(v, i * 8));
  const raw = parseRawfile(Buffer.concat([Buffer.from(header, 'latin1'), data]));
  assert.equal(raw.plot, 'DC transfer characteristic');
  assert.deepEqual([...(raw.vectors.get('v(n1)') as Float64Array)], [0.5, 0.25]);
  assert.deepEqual([...(raw.vectors.get('i(v1)') as Float64Array)], [-1e-3, 2e-3]);
  assert.throws(
    () => parseRawfile(Buffer.concat([Buffer.from(header, 'latin1'), data.subarray(8)])),
    /data bytes/,
  );
});

test('.dc sweep of a source in ngspice matches the general solver at every point', async () => {
  const c = amplifierCircuit();
  const spice = await simulateWithNgspice(c, { kind: 'dc', source: 'Vin', start: -1, stop: 2, step: 0.25 });
  const sweep = spice.axis as Float64Array;
  assert.equal(sweep.length, 13);
  sweep.forEach((vin, p) => {
    const vs = c.elements[0];
    if (vs.kind === 'vsource') vs.value_V = vin;
    const sol = solveDc(c);
    assert.ok(sol.converged);
    sol.v_V.forEach((v, n) =>
      assert.ok(Math.abs(v - spice.v_V[p][n]) <= 1e-6, `Vin = ${vin}, node ${n}: ${v} vs ${spice.v_V[p][n]}`),
    );
  });
});
