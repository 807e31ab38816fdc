/* global document, fetch */
// The calibration panel: the stored calibration records (kind, date, instruments, headline figures
// and warnings), and the selected record's figures as SVG images served by the API, with a link to
// the record's JSON export. It follows the newest record until one is clicked.

const fmt = (v) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(3)) : String(v));

async function getJson(path) {
  const res = await fetch(path);
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const error = new Error(body && body.field ? `${body.field}: ${body.reason}` : `HTTP ${res.status}`);
    error.status = res.status;
    throw error;
  }
  return body;
}

function el(tag, text, className) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

export class CalibrationsPanel {
  /** `list`: the table body of records; `figures`: where the selected record's figures go. */
  constructor(list, figures, title) {
    this.list = list;
    this.figures = figures;
    this.title = title;
    this.records = [];
    this.selected = null;
    this.pinned = false;
  }

  /** Fetches the records and redraws; throws the API's error. */
  async refresh() {
    this.records = await getJson('/api/calibrations?limit=50');
    if (!this.pinned || !this.records.some((r) => r.id === this.selected)) {
      this.selected = this.records[0]?.id ?? null;
    }
    this.renderList();
    this.renderFigures();
  }

  select(id) {
    this.selected = id;
    this.pinned = true;
    this.renderList();
    this.renderFigures();
  }

  renderList() {
    const key = JSON.stringify([this.selected, this.records.map((r) => r.id)]);
    if (this.list.dataset.key === key) return;
    this.list.dataset.key = key;
    this.list.replaceChildren(
      ...this.records.map((r) => {
        const tr = document.createElement('tr');
        tr.dataset.id = String(r.id);
        if (r.id === this.selected) tr.className = 'selected';
        const instruments = r.instruments
          .filter((i) => !i.role.startsWith('reference meter'))
          .map((i) => `${i.model} s/n ${i.serial}`)
          .join('; ');
        const warn = el('td', r.warnings.length === 0 ? '' : `⚠ ${r.warnings.length}`, 'state-paused');
        warn.title = r.warnings.map((w) => w.message).join('\n');
        tr.append(
          el('td', String(r.id)),
          el('td', r.kind),
          el('td', r.createdAt.slice(0, 16).replace('T', ' ')),
          el('td', instruments),
          warn,
        );
        tr.title = Object.entries(r.fit)
          .map(([k, v]) => `${k}: ${fmt(v)}`)
          .join('\n');
        tr.addEventListener('click', () => this.select(r.id));
        return tr;
      }),
    );
  }

  renderFigures() {
    const record = this.records.find((r) => r.id === this.selected);
    const key = record ? String(record.id) : '';
    if (this.figures.dataset.key === key) return;
    this.figures.dataset.key = key;
    this.title.textContent = record ? `${record.id} (${record.kind})` : '—';
    if (!record) return this.figures.replaceChildren();
    const base = `/api/calibrations/${record.id}`;
    const exportLink = el('a', 'record JSON');
    exportLink.href = base;
    exportLink.download = `calibration-${record.id}.json`;
    const warnings = record.warnings.map((w) => el('p', `⚠ ${w.message}`, 'state-paused'));
    const figures = record.figures.map((f) => {
      const figure = document.createElement('figure');
      const img = document.createElement('img');
      img.src = `${base}/figures/${encodeURIComponent(f.name)}.svg`;
      img.alt = f.title;
      const link = el('a', f.title);
      link.href = img.src;
      link.download = `calibration-${record.id}-${f.name}.svg`;
      const caption = el('figcaption');
      caption.append(link);
      figure.append(caption, img);
      return figure;
    });
    const fit = el(
      'p',
      Object.entries(record.fit)
        .map(([k, v]) => `${k} ${fmt(v)}`)
        .join(' · '),
      'muted',
    );
    this.figures.replaceChildren(fit, ...warnings, exportLink, ...figures);
  }
}
