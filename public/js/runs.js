/* global document */
// The run list: one row per job with its state and latest metrics, and pause/resume/abort buttons
// offered only where the job's state allows them.

const ACTIONS = {
  pause: ['running'],
  resume: ['paused'],
  abort: ['queued', 'running', 'paused', 'interrupted'],
};

const num = (v, digits) => (typeof v === 'number' ? v.toFixed(digits) : '—');

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

/**
 * Renders `runs` into the table body. `onSelect(id)` when a row is clicked, `onAction(id, action)`
 * for a button; `selected` is the id to highlight.
 */
export function renderRuns(tbody, runs, selected, onSelect, onAction) {
  // Re-render only on a change, so a button is not replaced under the pointer.
  const key = JSON.stringify([selected, runs.map((r) => [r.job.id, r.job.state, r.latest])]);
  if (tbody.dataset.key === key) return;
  tbody.dataset.key = key;
  tbody.replaceChildren(
    ...runs.map(({ job, latest }) => {
      const tr = document.createElement('tr');
      tr.dataset.id = String(job.id);
      if (job.id === selected) tr.className = 'selected';
      tr.append(
        cell(String(job.id)),
        cell(job.kind),
        cell(job.state, `state-${job.state}`),
        cell(latest ? String(latest.step) : '—'),
        cell(latest ? num(latest.loss, 4) : '—'),
        cell(latest ? num(latest.accuracy, 3) : '—'),
      );
      if (job.reason) tr.title = job.reason;
      const actions = document.createElement('td');
      actions.className = 'actions';
      for (const [action, states] of Object.entries(ACTIONS)) {
        if (!states.includes(job.state)) continue;
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = action;
        b.dataset.action = action;
        b.addEventListener('click', (e) => {
          e.stopPropagation();
          onAction(job.id, action);
        });
        actions.append(b);
      }
      tr.append(actions);
      tr.addEventListener('click', () => onSelect(job.id));
      return tr;
    }),
  );
}
