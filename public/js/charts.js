/* global document, ResizeObserver */
// The uPlot charts: loss and accuracy per step, accuracy per epoch, node voltages per phase.
// Data is kept in plain arrays and pushed to uPlot at most once per animation frame.
import uPlot from '/vendor/uplot/uPlot.esm.js';

const HEIGHT = 220;
const COLORS = ['#2463eb', '#c81e1e', '#16803c', '#b45309'];

function chart(el, series, opts = {}) {
  const width = () => Math.max(300, el.clientWidth || 500);
  const plot = new uPlot(
    {
      width: width(),
      height: HEIGHT,
      legend: { live: false },
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, ...opts.scales },
      axes: [{ label: opts.xLabel ?? 'step' }, { size: 60 }],
      series: [{ label: opts.xLabel ?? 'step' }, ...series],
    },
    [[], ...series.map(() => [])],
    el,
  );
  new ResizeObserver(() => plot.setSize({ width: width(), height: HEIGHT })).observe(el);
  return plot;
}

const line = (label, i, extra = {}) => ({ label, stroke: COLORS[i % COLORS.length], width: 1.5, ...extra });
const faint = (label, i) => line(label, i, { width: 1, alpha: 0.35 });

/** Steps in the running mean drawn over the per-step curves. */
const WINDOW = 50;

/** Appends to `mean` the mean of the last WINDOW non-null values of `values`. */
function pushMean(values, mean) {
  let sum = 0;
  let n = 0;
  for (let i = values.length - 1; i >= 0 && i >= values.length - WINDOW; i--) {
    if (values[i] !== null) {
      sum += values[i];
      n++;
    }
  }
  mean.push(n > 0 ? sum / n : null);
}

export class Charts {
  constructor() {
    this.loss = chart(
      document.getElementById('loss-chart'),
      [faint('loss', 0), line(`mean of ${WINDOW}`, 0)],
      {
        scales: { y: { distr: 3 } },
      },
    );
    this.accuracy = chart(
      document.getElementById('accuracy-chart'),
      [faint('accuracy', 2), line(`mean of ${WINDOW}`, 2)],
      {
        scales: { y: { range: [0, 1] } },
      },
    );
    this.epochs = chart(
      document.getElementById('epoch-chart'),
      [line('train', 0, { points: { show: true } }), line('test', 1, { points: { show: true } })],
      { xLabel: 'epoch', scales: { y: { range: [0, 1] } } },
    );
    this.nodes = chart(
      document.getElementById('nodes-chart'),
      ['free', 'nudged+', 'nudged-'].map((p, i) => line(p, i, { width: 0, points: { show: true, size: 7 } })),
      { xLabel: 'node' },
    );
    this.clear();
  }

  clear() {
    this.steps = { x: [], loss: [], accuracy: [], lossMean: [], accuracyMean: [] };
    this.epochRows = { x: [], train: [], test: [] };
    this.phases = new Map();
    this.dirty = true;
    this.draw();
  }

  /** Seeds the charts from a run's stored metrics. */
  load(detail) {
    this.clear();
    for (const s of detail.steps) this.addStep(s);
    for (const e of detail.epochs) this.addEpoch(e);
  }

  addStep(s) {
    const last = this.steps.x.at(-1);
    if (last !== undefined && s.step <= last) return;
    this.steps.x.push(s.step);
    this.steps.loss.push(s.loss > 0 ? s.loss : null);
    this.steps.accuracy.push(s.accuracy);
    pushMean(this.steps.loss, this.steps.lossMean);
    pushMean(this.steps.accuracy, this.steps.accuracyMean);
    this.dirty = true;
  }

  addEpoch(e) {
    const last = this.epochRows.x.at(-1);
    if (last !== undefined && e.epoch + 1 <= last) return;
    this.epochRows.x.push(e.epoch + 1);
    this.epochRows.train.push(e.trainAccuracy);
    this.epochRows.test.push(e.testAccuracy);
    this.dirty = true;
  }

  setNodes(phase, nodes_V) {
    this.phases.set(phase, nodes_V);
    this.dirty = true;
  }

  /** Points of the loss curve (the dashboard test reads this). */
  get points() {
    return this.steps.x.length;
  }

  draw() {
    if (!this.dirty) return;
    this.dirty = false;
    this.loss.setData([this.steps.x, this.steps.loss, this.steps.lossMean]);
    this.accuracy.setData([this.steps.x, this.steps.accuracy, this.steps.accuracyMean]);
    this.epochs.setData([this.epochRows.x, this.epochRows.train, this.epochRows.test]);
    const n = Math.max(0, ...[...this.phases.values()].map((v) => v.length));
    const xs = Array.from({ length: n }, (_, i) => i);
    const of = (p) => xs.map((i) => this.phases.get(p)?.[i] ?? null);
    this.nodes.setData([xs, of('free'), of('nudged+'), of('nudged-')]);
  }
}
