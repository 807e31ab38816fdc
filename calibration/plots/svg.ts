// A small SVG line/marker plot renderer for the calibration figures: one frame, linear or
// logarithmic axes with "nice" ticks (1, 2, 5 × 10^k steps, or decades), tick labels, axis
// labels, a title, a legend, and each series as a polyline and/or circle markers. Plain strings,
// no DOM and no canvas, so the same figure serves the dashboard, files and PNG rendering.

export interface Series {
  name: string;
  x: readonly number[];
  y: readonly number[];
  /** 'line' (default), 'markers' or 'both'. */
  style?: 'line' | 'markers' | 'both';
  /** Palette index (default the series' position): pairs measured points with their fit. */
  colour?: number;
}

export interface PlotSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly Series[];
  xLog?: boolean;
  width?: number;
  height?: number;
}

const palette = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const margin = { left: 78, right: 150, top: 36, bottom: 52 };

/** The plot as a standalone SVG document. */
export function renderSvg(spec: PlotSpec): string {
  const width = spec.width ?? 720;
  const height = spec.height ?? 420;
  const plotW = width - margin.left - margin.right;
  const plotH = height - margin.top - margin.bottom;
  const points = spec.series.flatMap((s) =>
    s.x.flatMap((x, i) =>
      Number.isFinite(x) && Number.isFinite(s.y[i]) && (!spec.xLog || x > 0) ? [[x, s.y[i]]] : [],
    ),
  );
  if (points.length === 0) throw new RangeError(`plot "${spec.title}": no finite points`);
  const tx = spec.xLog ? Math.log10 : (v: number) => v;
  const xr = padded(
    Math.min(...points.map((p) => tx(p[0]))),
    Math.max(...points.map((p) => tx(p[0]))),
    !spec.xLog,
  );
  const yr = padded(Math.min(...points.map((p) => p[1])), Math.max(...points.map((p) => p[1])), true);
  const px = (x: number) => margin.left + ((tx(x) - xr.min) / (xr.max - xr.min)) * plotW;
  const py = (y: number) => margin.top + plotH - ((y - yr.min) / (yr.max - yr.min)) * plotH;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<text x="${margin.left + plotW / 2}" y="20" text-anchor="middle" font-size="15">${escape(spec.title)}</text>`,
  ];
  const xTicks = spec.xLog ? decadeTicks(xr.min, xr.max) : niceTicks(xr.min, xr.max);
  for (const t of xTicks) {
    const x = margin.left + ((t - xr.min) / (xr.max - xr.min)) * plotW;
    out.push(
      `<line x1="${f(x)}" y1="${margin.top}" x2="${f(x)}" y2="${margin.top + plotH}" stroke="#e4e4e4"/>`,
      `<text x="${f(x)}" y="${margin.top + plotH + 16}" text-anchor="middle">${escape(formatTick(spec.xLog ? 10 ** t : t))}</text>`,
    );
  }
  for (const t of niceTicks(yr.min, yr.max)) {
    const y = py(t);
    out.push(
      `<line x1="${margin.left}" y1="${f(y)}" x2="${margin.left + plotW}" y2="${f(y)}" stroke="#e4e4e4"/>`,
      `<text x="${margin.left - 6}" y="${f(y + 4)}" text-anchor="end">${escape(formatTick(t))}</text>`,
    );
  }
  out.push(
    `<rect x="${margin.left}" y="${margin.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
    `<text x="${margin.left + plotW / 2}" y="${height - 12}" text-anchor="middle">${escape(spec.xLabel)}</text>`,
    `<text transform="translate(16 ${margin.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escape(spec.yLabel)}</text>`,
  );
  spec.series.forEach((s, k) => {
    const colour = palette[(s.colour ?? k) % palette.length];
    const pts = s.x.flatMap((x, i) =>
      Number.isFinite(x) && Number.isFinite(s.y[i]) && (!spec.xLog || x > 0)
        ? [`${f(px(x))},${f(py(s.y[i]))}`]
        : [],
    );
    const style = s.style ?? 'line';
    out.push(`<g class="series" data-name="${escape(s.name)}">`);
    if (style !== 'markers') {
      out.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${pts.join(' ')}"/>`);
    }
    if (style !== 'line') {
      for (const p of pts) {
        const [x, y] = p.split(',');
        out.push(`<circle cx="${x}" cy="${y}" r="2.5" fill="${colour}"/>`);
      }
    }
    out.push('</g>');
    const ly = margin.top + 8 + k * 18;
    const lx = margin.left + plotW + 12;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 18}" y2="${ly}" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${lx + 24}" y="${ly + 4}">${escape(s.name)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('\n');
}

/** Ticks at 1, 2 or 5 × 10^k steps, about six over the range. */
export function niceTicks(min: number, max: number): number[] {
  const span = max - min;
  const raw = span / 6;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) {
    ticks.push(Math.abs(t) < step * 1e-9 ? 0 : Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Whole decades (log10 values) within the range, or its ends when it spans less than one. */
function decadeTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let d = Math.ceil(min); d <= Math.floor(max); d++) ticks.push(d);
  return ticks.length >= 2 ? ticks : [min, max];
}

function padded(min: number, max: number, pad: boolean): { min: number; max: number } {
  if (min === max) {
    const d = Math.abs(min) * 0.1 || 1;
    return { min: min - d, max: max + d };
  }
  const d = pad ? (max - min) * 0.05 : 0;
  return { min: min - d, max: max + d };
}

function formatTick(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e-2 && a < 1e4 ? String(Number(v.toPrecision(4))) : v.toExponential(1);
}

function f(v: number): string {
  return v.toFixed(1);
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
