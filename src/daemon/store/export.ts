// Streaming export of a run: its documents as JSON Lines and its metrics as CSV. Rows are read in
// pages by key (no open cursor across awaits, so the daemon keeps writing while an export runs)
// and written with backpressure, so memory stays bounded whatever the run's length.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Metrics } from './metrics.ts';
import type { RunDocuments } from './runs.ts';

const PAGE = 1000;

export interface ExportParts {
  runs: RunDocuments;
  metrics: Metrics;
}

/** Writes the lines to `out` honouring backpressure; does not end `out`. */
async function writeLines(out: Writable, lines: Iterable<string>): Promise<number> {
  let count = 0;
  for (const line of lines) {
    count++;
    if (!out.write(line)) await once(out, 'drain');
  }
  return count;
}

/** The run's documents in stream order: start, descriptors, then events with the stop/resume
 * documents placed after the event they followed. Each line is `{"name": …, "doc": …}`. */
function* documentLines({ runs }: ExportParts, uid: string): Generator<string> {
  const { status: _status, ...start } = runs.get(uid);
  yield `${JSON.stringify({ name: 'start', doc: start })}\n`;
  for (const d of runs.descriptors(uid)) yield `${JSON.stringify({ name: 'descriptor', doc: d })}\n`;
  const lifecycle = runs.lifecycle(uid);
  let next = 0;
  let afterSeq = 0;
  while (true) {
    const page = runs.eventsAfter(uid, afterSeq, PAGE);
    for (const e of page) {
      while (next < lifecycle.length && lifecycle[next].afterSeq < e.seq) {
        yield `${JSON.stringify({ name: lifecycle[next].document, doc: lifecycle[next] })}\n`;
        next++;
      }
      yield `${JSON.stringify({ name: 'event', doc: e })}\n`;
      afterSeq = e.seq;
    }
    if (page.length < PAGE) break;
  }
  for (; next < lifecycle.length; next++) {
    yield `${JSON.stringify({ name: lifecycle[next].document, doc: lifecycle[next] })}\n`;
  }
}

const csvField = (v: string | number | null): string => {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};
const csvLine = (fields: (string | number | null)[]) => `${fields.map(csvField).join(',')}\n`;

function* stepCsvLines({ metrics }: ExportParts, uid: string): Generator<string> {
  const phases = metrics.keys(uid, 'phase');
  const extras = metrics.keys(uid, 'extra');
  yield csvLine([
    'step',
    'epoch',
    'time_ms',
    'loss',
    'accuracy',
    'pulses',
    ...phases.map((k) => `phase_ms.${k}`),
    ...extras.map((k) => `extra.${k}`),
  ]);
  let after = -1;
  while (true) {
    const page = metrics.stepsAfter(uid, after, PAGE);
    for (const m of page) {
      yield csvLine([
        m.step,
        m.epoch,
        m.time,
        m.loss,
        m.accuracy,
        m.pulses,
        ...phases.map((k) => m.phaseMs[k] ?? null),
        ...extras.map((k) => m.extra[k] ?? null),
      ]);
      after = m.step;
    }
    if (page.length < PAGE) return;
  }
}

function* epochCsvLines({ metrics }: ExportParts, uid: string): Generator<string> {
  const extras = metrics.keys(uid, 'epoch-extra');
  yield csvLine([
    'epoch',
    'time_ms',
    'train_loss',
    'train_accuracy',
    'test_loss',
    'test_accuracy',
    ...extras.map((k) => `extra.${k}`),
  ]);
  let after = -1;
  while (true) {
    const page = metrics.epochsAfter(uid, after, PAGE);
    for (const m of page) {
      yield csvLine([
        m.epoch,
        m.time,
        m.trainLoss,
        m.trainAccuracy,
        m.testLoss,
        m.testAccuracy,
        ...extras.map((k) => m.extra[k] ?? null),
      ]);
      after = m.epoch;
    }
    if (page.length < PAGE) return;
  }
}

/** Writes the run's documents as JSON Lines; returns the number of lines. */
export async function exportRunJsonl(parts: ExportParts, uid: string, out: Writable): Promise<number> {
  parts.runs.get(uid);
  return writeLines(out, documentLines(parts, uid));
}

/** Writes the run's per-step (or per-epoch) metrics as CSV with a header; returns the line count. */
export async function exportMetricsCsv(
  parts: ExportParts,
  uid: string,
  out: Writable,
  rows: 'step' | 'epoch' = 'step',
): Promise<number> {
  parts.runs.get(uid);
  return writeLines(out, rows === 'step' ? stepCsvLines(parts, uid) : epochCsvLines(parts, uid));
}
