// Instrument identities (one row per vendor/model/serial/firmware, so a firmware update is a new
// identity), which instrument played which role in a run, and calibration records.
import type Database from 'better-sqlite3';
import type { Identity } from '../../capabilities/index.ts';
import { StoreError, parseInput } from './errors.ts';
import {
  calibrationSchema,
  instrumentSchema,
  type CalibrationInput,
  type InstrumentInput,
  type JsonObject,
  type JsonValue,
} from './schemas.ts';

export interface InstrumentRecord extends Identity {
  id: number;
  idn: string;
  driver: string;
  resource: string;
  firstSeen: number;
  lastSeen: number;
}

export interface CalibrationRecord {
  id: number;
  instrument: InstrumentRecord | null;
  kind: string;
  time: number;
  raw: JsonValue;
  fit: JsonObject;
  notes: string | null;
}

interface InstrumentRow {
  id: number;
  vendor: string;
  model: string;
  serial: string;
  firmware: string;
  idn: string;
  driver: string;
  resource: string;
  first_seen_ms: number;
  last_seen_ms: number;
}

interface CalibrationRow {
  id: number;
  instrument_id: number | null;
  kind: string;
  created_ms: number;
  raw_json: string;
  fit_json: string;
  notes: string | null;
}

const toInstrument = (r: InstrumentRow): InstrumentRecord => ({
  id: r.id,
  vendor: r.vendor,
  model: r.model,
  serial: r.serial,
  firmware: r.firmware,
  idn: r.idn,
  driver: r.driver,
  resource: r.resource,
  firstSeen: r.first_seen_ms,
  lastSeen: r.last_seen_ms,
});

export class Instruments {
  private readonly upsert;
  private readonly selectOne;
  private readonly link;
  private readonly selectForRun;

  constructor(
    db: Database.Database,
    private readonly now: () => number,
  ) {
    this.upsert = db.prepare<[Omit<InstrumentRow, 'id'>], { id: number }>(
      `INSERT INTO instruments (vendor, model, serial, firmware, idn, driver, resource, first_seen_ms, last_seen_ms)
       VALUES (@vendor, @model, @serial, @firmware, @idn, @driver, @resource, @first_seen_ms, @last_seen_ms)
       ON CONFLICT (vendor, model, serial, firmware) DO UPDATE SET idn = excluded.idn,
         driver = excluded.driver, resource = excluded.resource, last_seen_ms = excluded.last_seen_ms
       RETURNING id`,
    );
    this.selectOne = db.prepare<[number], InstrumentRow>('SELECT * FROM instruments WHERE id = ?');
    this.link = db.prepare(
      `INSERT INTO run_instruments (run, role, instrument_id) VALUES (?, ?, ?)
       ON CONFLICT (run, role) DO UPDATE SET instrument_id = excluded.instrument_id`,
    );
    this.selectForRun = db.prepare<[string], InstrumentRow & { role: string }>(
      `SELECT i.*, r.role FROM run_instruments r JOIN instruments i ON i.id = r.instrument_id
       WHERE r.run = ? ORDER BY r.role`,
    );
  }

  /** Records an identified instrument (or refreshes its last-seen time); returns its record. */
  record(input: InstrumentInput): InstrumentRecord {
    const i = parseInput(instrumentSchema, input, 'instrument');
    const time = i.time ?? this.now();
    const row = this.upsert.get({
      vendor: i.vendor,
      model: i.model,
      serial: i.serial,
      firmware: i.firmware,
      idn: i.idn,
      driver: i.driver,
      resource: i.resource,
      first_seen_ms: time,
      last_seen_ms: time,
    });
    if (!row) throw new StoreError('instrument', 'upsert returned no row');
    return this.get(row.id);
  }

  get(id: number): InstrumentRecord {
    const row = this.selectOne.get(id);
    if (!row) throw new StoreError('instrument.id', `no instrument ${id}`);
    return toInstrument(row);
  }

  /** Notes that `instrumentId` played `role` (e.g. "nudge-smu") in the run. */
  linkToRun(run: string, role: string, instrumentId: number): void {
    if (role.length === 0) throw new StoreError('runInstrument.role', 'must not be empty');
    this.link.run(run, role, instrumentId);
  }

  forRun(run: string): { role: string; instrument: InstrumentRecord }[] {
    return this.selectForRun.all(run).map((r) => ({ role: r.role, instrument: toInstrument(r) }));
  }
}

export class Calibrations {
  private readonly insert;
  private readonly selectOne;
  private readonly selectLatest;
  private readonly selectIds;

  constructor(
    db: Database.Database,
    private readonly instruments: Instruments,
    private readonly now: () => number,
  ) {
    this.insert = db.prepare(
      'INSERT INTO calibrations (instrument_id, kind, created_ms, raw_json, fit_json, notes) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.selectOne = db.prepare<[number], CalibrationRow>('SELECT * FROM calibrations WHERE id = ?');
    this.selectLatest = db.prepare<[string, number | null], { id: number }>(
      `SELECT id FROM calibrations WHERE kind = ? AND instrument_id IS ?
       ORDER BY created_ms DESC, id DESC LIMIT 1`,
    );
    this.selectIds = db.prepare<[number], { id: number }>(
      'SELECT id FROM calibrations ORDER BY created_ms DESC, id DESC LIMIT ?',
    );
  }

  record(input: CalibrationInput): CalibrationRecord {
    const c = parseInput(calibrationSchema, input, 'calibration');
    const instrumentId = c.instrumentId ?? null;
    if (instrumentId !== null) this.instruments.get(instrumentId);
    const info = this.insert.run(
      instrumentId,
      c.kind,
      c.time ?? this.now(),
      JSON.stringify(c.raw),
      JSON.stringify(c.fit),
      c.notes ?? null,
    );
    return this.get(Number(info.lastInsertRowid));
  }

  get(id: number): CalibrationRecord {
    const row = this.selectOne.get(id);
    if (!row) throw new StoreError('calibration.id', `no calibration ${id}`);
    return {
      id: row.id,
      instrument: row.instrument_id === null ? null : this.instruments.get(row.instrument_id),
      kind: row.kind,
      time: row.created_ms,
      raw: JSON.parse(row.raw_json),
      fit: JSON.parse(row.fit_json),
      notes: row.notes,
    };
  }

  /** The newest calibration of `kind` for the instrument (or bench-wide when instrumentId is null). */
  latest(kind: string, instrumentId: number | null = null): CalibrationRecord | undefined {
    const row = this.selectLatest.get(kind, instrumentId);
    return row && this.get(row.id);
  }

  /** The newest `limit` records, newest first. */
  list(limit = 1000): CalibrationRecord[] {
    return this.selectIds.all(limit).map((r) => this.get(r.id));
  }

  /** A self-contained JSON document of the record (identity, date, raw data, fit). */
  exportJson(id: number): string {
    const c = this.get(id);
    return JSON.stringify(
      { format: 'nudged-calibration/1', ...c, time: new Date(c.time).toISOString() },
      null,
      2,
    );
  }
}
