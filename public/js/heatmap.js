/* global document */
// Per-layer conductance heatmaps: each crossbar array as a canvas image, one pixel block per device
// (rows × cols), coloured on a shared linear scale from the smallest to the largest conductance.

/** Pixels per device: large enough to see, the whole array about 160 px wide at least. */
const cellSize = (a) => Math.max(8, Math.min(40, Math.floor(160 / a.cols)));

/** Viridis-like ramp, t in [0, 1]. */
function colour(t) {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(0.9999, Math.max(0, t)) * (stops.length - 1);
  const i = Math.floor(x);
  const f = x - i;
  return stops[i].map((c, k) => Math.round(c + f * (stops[i + 1][k] - c)));
}

const fmt = (g) => `${(g * 1e6).toFixed(2)} µS`;

export function drawHeatmaps(container, view) {
  container.replaceChildren();
  const all = view.arrays.flatMap((a) => a.g_S);
  if (all.length === 0) return;
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const span = hi - lo || 1;
  view.arrays.forEach((a, index) => {
    const figure = document.createElement('figure');
    const caption = document.createElement('figcaption');
    caption.textContent = `layer ${index}: ${a.rows} × ${a.cols}`;
    const CELL = cellSize(a);
    const canvas = document.createElement('canvas');
    canvas.width = a.cols * CELL;
    canvas.height = a.rows * CELL;
    canvas.dataset.array = String(index);
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(canvas.width, canvas.height);
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        const g = a.g_S[Math.floor(y / CELL) * a.cols + Math.floor(x / CELL)];
        const [r, gr, b] = colour((g - lo) / span);
        const o = (y * canvas.width + x) * 4;
        image.data[o] = r;
        image.data[o + 1] = gr;
        image.data[o + 2] = b;
        image.data[o + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
    canvas.title = `rows = input lines, columns = nodes; ${fmt(lo)} … ${fmt(hi)}`;
    const scale = document.createElement('div');
    scale.className = 'scale';
    for (const text of [fmt(lo), fmt(hi)]) {
      const s = document.createElement('span');
      s.textContent = text;
      scale.append(s);
    }
    figure.append(caption, canvas, scale);
    container.append(figure);
  });
}
