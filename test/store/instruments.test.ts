import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { TempDatabases, trainStart } from './helpers.ts';

const temp = new TempDatabases();
after(() => temp.cleanup());

const keithley = {
  vendor: 'KEITHLEY INSTRUMENTS',
  model: 'MODEL 2450',
  serial: '04412345',
  firmware: '1.7.12b',
  idn: 'KEITHLEY INSTRUMENTS,MODEL 2450,04412345,1.7.12b',
  driver: 'keithley-2450',
  resource: 'TCPIP0::192.168.1.20::inst0::INSTR',
};

test('instrument identities: seen again updates last-seen; new firmware is a new identity; runs link roles', () => {
  const store = temp.open();
  const first = store.instruments.record({ ...keithley, time: 10 });
  const again = store.instruments.record({
    ...keithley,
    resource: 'TCPIP0::192.168.1.21::inst0::INSTR',
    time: 20,
  });
  assert.equal(again.id, first.id);
  assert.equal(again.firstSeen, 10);
  assert.equal(again.lastSeen, 20);
  assert.equal(again.resource, 'TCPIP0::192.168.1.21::inst0::INSTR');
  const upgraded = store.instruments.record({ ...keithley, firmware: '1.7.13' });
  assert.notEqual(upgraded.id, first.id);

  const uid = store.runs.start(trainStart()).uid;
  store.instruments.linkToRun(uid, 'nudge-smu', first.id);
  store.instruments.linkToRun(uid, 'nudge-smu', upgraded.id);
  assert.deepEqual(
    store.instruments.forRun(uid).map((r) => [r.role, r.instrument.firmware]),
    [['nudge-smu', '1.7.13']],
  );
  assert.throws(() => store.instruments.record({ ...keithley, serial: '' }), /instrument\.serial/);
});

test('calibration records: raw data and fit stored, latest by kind, exported as self-contained JSON', () => {
  const store = temp.open();
  const smu = store.instruments.record(keithley);
  const raw = { sweep_V: [0, 0.1, 0.2], current_A: [0, 1.01e-6, 2.02e-6] };
  store.calibrations.record({ instrumentId: smu.id, kind: 'smu-offset', time: 1, raw, fit: { gain: 1 } });
  const newer = store.calibrations.record({
    instrumentId: smu.id,
    kind: 'smu-offset',
    time: 2,
    raw,
    fit: { gain: 1.01, offset_A: 1e-9 },
    notes: 'after warm-up',
  });
  store.calibrations.record({ kind: 'adc-gain', raw: [1, 2], fit: { gain: 0.5 } });
  assert.equal(store.calibrations.latest('smu-offset', smu.id)?.id, newer.id);
  assert.equal(store.calibrations.latest('smu-offset'), undefined);
  assert.deepEqual(store.calibrations.latest('adc-gain')?.fit, { gain: 0.5 });

  const exported = JSON.parse(store.calibrations.exportJson(newer.id));
  assert.equal(exported.format, 'nudged-calibration/1');
  assert.equal(exported.instrument.serial, keithley.serial);
  assert.deepEqual(exported.raw, raw);
  assert.deepEqual(exported.fit, { gain: 1.01, offset_A: 1e-9 });
  assert.equal(exported.time, new Date(2).toISOString());
  assert.throws(
    () => store.calibrations.record({ instrumentId: 99, kind: 'x', raw: null, fit: {} }),
    /instrument\.id: no instrument 99/,
  );
});
