/* global document, window, requestAnimationFrame, setInterval, setTimeout, clearTimeout, confirm */
// The dashboard: wires the REST calls, the live event stream, the charts, the heatmaps and the run
// list together. It follows one run at a time: the one clicked, else the running one, else the newest.
import { api, subscribe, token } from './api.js';
import { CalibrationsPanel } from './calibrations.js';
import { Charts } from './charts.js';
import { drawHeatmaps } from './heatmap.js';
import { renderRuns } from './runs.js';

const $ = (id) => document.getElementById(id);
const charts = new Charts();
const calibrations = new CalibrationsPanel(
  $('calibrations').tBodies[0],
  $('calibration-figures'),
  $('calibration-title'),
);
const state = {
  selected: null,
  pinned: false,
  runs: [],
  pulses: { applied: 0, set: 0, reset: 0 },
  steps: 0,
  // While a gap is filled after a reconnect: the selected run's live events, held back.
  held: null,
};

let messageTimer = null;
function say(text, kind = 'error') {
  const el = $('message');
  el.textContent = text;
  el.className = kind;
  el.hidden = false;
  clearTimeout(messageTimer);
  messageTimer = setTimeout(() => (el.hidden = true), 6000);
}
const failed = (what) => (e) => say(`${what}: ${e.message}`);

function setText(id, text) {
  $(id).textContent = text;
}

function showHealth(h) {
  const el = $('health');
  el.textContent = h.fault ? `FAULT: ${h.fault}` : h.activeJob ? `running job ${h.activeJob}` : 'idle';
  el.className = `badge ${h.fault ? 'bad' : 'ok'}`;
  $('clear-fault').hidden = !h.fault;
}

async function refreshHealth() {
  try {
    showHealth(await api.health());
  } catch (e) {
    failed('health')(e);
  }
}

async function refreshRuns() {
  try {
    state.runs = await api.runs();
  } catch (e) {
    return failed('runs')(e);
  }
  if (!state.pinned) {
    const running = state.runs.find((r) => r.job.state === 'running' || r.job.state === 'paused');
    const pick = running ?? state.runs[0];
    if (pick && pick.job.id !== state.selected) await select(pick.job.id, false);
  }
  renderRuns($('runs').tBodies[0], state.runs, state.selected, (id) => select(id, true), control);
  const current = state.runs.find((r) => r.job.id === state.selected);
  if (current) setText('run-state', current.job.state);
}

async function refreshCalibrations() {
  try {
    await calibrations.refresh();
  } catch (e) {
    failed('calibrations')(e);
  }
}

async function control(id, action) {
  try {
    await api.control(id, action);
    say(`job ${id}: ${action} requested`, 'info');
  } catch (e) {
    failed(`${action} job ${id}`)(e);
  }
  await refreshRuns();
}

async function refreshConductances() {
  try {
    const view = await api.conductances(state.selected);
    drawHeatmaps($('heatmaps'), view);
    setText('g-step', view.step === null ? '(bench now)' : `(step ${view.step})`);
  } catch (e) {
    // A run without a snapshot yet: show the bench as it is now.
    if (state.selected !== null && e.status === 404) {
      const view = await api.conductances(null).catch(() => null);
      if (view) {
        drawHeatmaps($('heatmaps'), view);
        setText('g-step', '(bench now)');
      }
    }
  }
}

async function select(id, pinned) {
  state.selected = id;
  state.pinned = pinned || state.pinned;
  state.pulses = { applied: 0, set: 0, reset: 0 };
  setText('run-title', String(id));
  try {
    const detail = await api.run(id);
    charts.load(detail);
    state.steps = detail.latest ? detail.latest.step + 1 : 0;
    setText('run-state', detail.job.state);
    if (detail.latest) showLatest(detail.latest, null);
    // Stored steps carry the applied count only; SET/RESET are counted from live events.
    state.pulses = { applied: detail.steps.reduce((n, s) => n + s.pulses, 0), set: null, reset: null };
    showPulses();
  } catch (e) {
    failed(`run ${id}`)(e);
  }
  renderRuns($('runs').tBodies[0], state.runs, state.selected, (i) => select(i, true), control);
  await refreshConductances();
}

/** After the stream reconnects: the selected run's steps and epochs stored while it was down
 * (`?sinceStep=`, `?sinceEpoch=`: only the new rows), then the live events that came in
 * meanwhile, in order. */
// The first answer can end short of the first live step held back (steps emitted while the new
// connection was being set up were neither streamed nor yet stored), or come before any live step
// has, when it may end short too: ask again until the stored rows reach the first live step, a few
// times at most.
const GAP_ATTEMPTS = 10;
const GAP_RETRY_MS = 200;

async function fillGap() {
  const id = state.selected;
  if (id === null || state.held !== null) return;
  state.held = [];
  let lastStep = charts.steps.x.at(-1);
  try {
    for (let attempt = 0; attempt < GAP_ATTEMPTS; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, GAP_RETRY_MS));
      const lastEpoch = charts.epochRows.x.at(-1);
      const detail = await api.runSince(id, lastStep, lastEpoch === undefined ? undefined : lastEpoch - 1);
      if (state.selected !== id) break;
      for (const s of detail.steps) {
        charts.addStep(s);
        state.pulses.applied += s.pulses;
      }
      for (const e of detail.epochs) charts.addEpoch(e);
      if (detail.steps.length > 0) {
        // The stored steps carry the applied count only: the SET/RESET split is lost.
        state.pulses.set = state.pulses.reset = null;
        lastStep = detail.steps.at(-1).step;
        state.steps = lastStep + 1;
        showLatest(detail.steps.at(-1), null);
      }
      setText('run-state', detail.job.state);
      showPulses();
      // Caught up when the stored rows reach the first live step held back; before any live step
      // has come in, only a run that is no longer running is known to have no more.
      const firstLive = state.held.find((e) => e.type === 'metrics');
      const caughtUp =
        firstLive === undefined
          ? detail.job.state !== 'running'
          : lastStep === undefined || firstLive.step <= lastStep + 1;
      if (caughtUp) break;
    }
  } catch (e) {
    failed(`run ${id}`)(e);
  }
  const held = state.held;
  state.held = null;
  // Pulses of a step the stored rows already counted are not counted twice.
  for (const e of held)
    if (!(e.type === 'pulses' && lastStep !== undefined && e.step <= lastStep)) onEvent(e);
}

function showLatest(m, totalSteps) {
  setText('step-count', String(m.step + 1));
  setText('epoch', String(m.epoch + 1));
  setText('loss', m.loss.toPrecision(4));
  setText('accuracy', m.accuracy === null ? '—' : m.accuracy.toFixed(3));
  if (totalSteps) {
    setText('step-total', ` / ${totalSteps}`);
    $('progress').max = totalSteps;
    $('progress').value = m.step + 1;
  }
}

function showPulses() {
  setText('pulses', String(state.pulses.applied));
  const { set, reset } = state.pulses;
  setText('pulses-split', set === null ? '—' : `${set} / ${reset}`);
}

function log(e) {
  const li = document.createElement('li');
  li.className = e.level;
  li.textContent = `${new Date(e.time).toLocaleTimeString()} ${e.level} ${e.job ? `[job ${e.job}] ` : ''}${e.msg}`;
  const list = $('log');
  list.append(li);
  while (list.children.length > 200) list.firstChild.remove();
  list.scrollTop = list.scrollHeight;
}

let runsTimer = null;
const refreshRunsSoon = () => {
  clearTimeout(runsTimer);
  runsTimer = setTimeout(refreshRuns, 200);
};

function onEvent(e) {
  if (e.type === 'log') return log(e);
  if (e.type === 'estop') {
    say(`EMERGENCY STOP: ${e.reason}`);
    refreshHealth();
    return refreshRunsSoon();
  }
  if (e.type === 'job') {
    refreshHealth();
    if (e.kind === 'calibrate' && e.state === 'done') refreshCalibrations();
    return refreshRunsSoon();
  }
  if (e.type === 'dropped')
    return say(`the stream dropped ${e.count} events (this page was too slow)`, 'info');
  if (e.job !== state.selected) return;
  if (state.held !== null) return state.held.push(e);
  switch (e.type) {
    case 'metrics':
      charts.addStep(e);
      state.steps = e.step + 1;
      showLatest(e, e.totalSteps);
      setText(
        'step-ms',
        `${Object.values(e.phaseMs)
          .reduce((a, b) => a + b, 0)
          .toFixed(1)} ms`,
      );
      break;
    case 'epoch':
      charts.addEpoch(e);
      break;
    case 'nodes':
      charts.setNodes(e.phase, e.nodes_V);
      break;
    case 'pulses':
      state.pulses.applied += e.applied;
      state.pulses.set = (state.pulses.set ?? 0) + e.set;
      state.pulses.reset = (state.pulses.reset ?? 0) + e.reset;
      showPulses();
      break;
    case 'snapshot':
      refreshConductances();
      break;
  }
}

function frame() {
  charts.draw();
  requestAnimationFrame(frame);
}

async function init() {
  $('token').value = token.get();
  $('token').addEventListener('change', () => token.set($('token').value.trim()));
  $('token-form').addEventListener('submit', (ev) => ev.preventDefault());
  $('estop').addEventListener('click', async () => {
    try {
      await api.estop('dashboard emergency stop button');
      say('emergency stop: outputs in their safe state', 'info');
    } catch (e) {
      failed('emergency stop')(e);
    }
    refreshHealth();
  });
  $('clear-fault').addEventListener('click', () => {
    if (!confirm('Clear the latched fault and allow new jobs?')) return;
    api.clearFault().then(showHealth, failed('clear fault'));
  });
  $('new-run').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    let params;
    try {
      params = JSON.parse($('new-params').value || '{}');
    } catch (e) {
      return say(`params: invalid JSON (${e.message})`);
    }
    try {
      const job = await api.submit($('new-kind').value, params);
      say(`job ${job.id} queued`, 'info');
      state.pinned = false;
      await refreshRuns();
    } catch (e) {
      failed('queue')(e);
    }
  });
  try {
    const [bench, kinds] = await Promise.all([api.bench(), api.jobKinds()]);
    setText('bench-name', `bench ${bench.name} (${bench.kind})`);
    $('instruments').replaceChildren(
      ...bench.instruments.map((i) => {
        const li = document.createElement('li');
        const id = i.identity;
        li.textContent = `${i.healthy ? '●' : '○'} ${i.name} (${i.role}): ${id.vendor} ${id.model} s/n ${id.serial}, fw ${id.firmware}`;
        li.className = i.healthy ? 'state-done' : 'state-failed';
        return li;
      }),
    );
    $('new-kind').replaceChildren(
      ...kinds.map((k) => {
        const o = document.createElement('option');
        o.value = k.kind;
        o.textContent = `${k.kind} — ${k.summary}`;
        return o;
      }),
    );
  } catch (e) {
    failed('bench')(e);
  }
  let dropped = false;
  const closeStream = subscribe(onEvent, (s) => {
    setText('stream', `stream: ${s}`);
    $('stream').className = `badge ${s === 'open' ? 'ok' : 'bad'}`;
    if (s === 'closed') dropped = true;
    if (s === 'open') {
      if (dropped) fillGap();
      refreshHealth();
      refreshRuns();
      refreshCalibrations();
    }
  });
  // For tests: drop the connection as a network failure would (the stream reconnects).
  window.nudged.dropStream = closeStream;
  setInterval(refreshHealth, 5000);
  setInterval(refreshRuns, 10000);
  requestAnimationFrame(frame);
}

// For tests and the curious: the charts and counters as the page sees them.
window.nudged = { charts, state, calibrations };
init();
