// The calibration figures of a record, as SVG: residuals of the channel calibrations, settle
// curves with their fits, I–V curves, conductance versus pulse number, and the program-and-verify
// error per round. `recordFigures(record)` returns every figure the record has, by name.
import { stepResponse } from '../fits/exponential.ts';
import type { CalibrationRecord } from '../records.ts';
import { renderSvg } from './svg.ts';
import type { Series } from './svg.ts';

export interface Figure {
  /** File-name-safe name, e.g. 'dac-residuals'. */
  name: string;
  title: string;
  svg: string;
}

/** At most this many channels or devices per figure, so the legend stays readable. */
const maxSeries = 8;

export function recordFigures(record: CalibrationRecord): Figure[] {
  const figure = (
    name: string,
    title: string,
    xLabel: string,
    yLabel: string,
    series: Series[],
    xLog = false,
  ) => ({
    name,
    title,
    svg: renderSvg({ title, xLabel, yLabel, series: series.slice(0, maxSeries), xLog }),
  });
  switch (record.kind) {
    case 'dac':
      return [
        figure(
          'dac-residuals',
          'DAC calibration residuals',
          'requested level (V)',
          'residual (mV)',
          record.result.channels.map((c) => ({
            name: `line ${c.line}`,
            x: c.requested_V,
            y: c.residuals_V.map((r) => r * 1e3),
            style: 'both',
          })),
        ),
      ];
    case 'adc':
      return [
        figure(
          'adc-residuals',
          'Read-out calibration residuals',
          'node voltage, reference meter (V)',
          'residual (mV)',
          record.result.channels.map((c) => ({
            name: `node ${c.node}`,
            x: c.meter_V,
            y: c.residuals_V.map((r) => r * 1e3),
            style: 'both',
          })),
        ),
      ];
    case 'settle': {
      const { delays_s, samples_V, channels } = record.result;
      const series: Series[] = channels.slice(0, maxSeries / 2).flatMap((c, k) => [
        {
          name: `node ${c.node}`,
          x: delays_s,
          y: samples_V.map((s) => s[c.node]),
          style: 'markers' as const,
          colour: k,
        },
        {
          name: `fit τ=${(c.terms[0].tau_s * 1e9).toPrecision(3)} ns`,
          x: delays_s,
          y: delays_s.map((t) => stepResponse(c, t)),
          colour: k,
        },
      ]);
      return [
        figure('settle', 'Step response and fit', 'delay after the step (s)', 'read-out (V)', series, true),
      ];
    }
    case 'device-iv':
      return [
        figure(
          'iv',
          'Device I–V',
          'read voltage (V)',
          'current (µA)',
          record.result.map((d) => ({
            name: `${d.device.array}:${d.device.row},${d.device.col}`,
            x: d.voltage_V,
            y: d.current_A.map((i) => i * 1e6),
            style: 'both',
          })),
        ),
      ];
    case 'pulse-response':
      return [
        figure(
          'pulse-response',
          'Conductance vs pulse number',
          'pulse number',
          'conductance (µS)',
          record.result.curves.map((c) => ({
            name: `${c.device.array}:${c.device.row},${c.device.col}`,
            x: c.g_S.map((_, k) => k),
            y: c.g_S.map((g) => g * 1e6),
          })),
        ),
      ];
    case 'conductance-map':
      return record.result.maps.map((m) =>
        figure(
          `map-${m.array}`,
          `Conductance map, array ${m.array}`,
          'device (row-major)',
          'conductance (µS)',
          [{ name: 'mean', x: m.mean_S.map((_, i) => i), y: m.mean_S.map((g) => g * 1e6), style: 'markers' }],
        ),
      );
    case 'program-verify':
      return [
        figure(
          'program-verify',
          'Program-and-verify: largest error per round',
          'round',
          'max |g − target| (µS)',
          [
            {
              name: 'max error',
              x: record.result.maxError_S.map((_, k) => k),
              y: record.result.maxError_S.map((e) => e * 1e6),
              style: 'both',
            },
          ],
        ),
      ];
  }
}
