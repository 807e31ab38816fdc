// The dashboard in a real browser (Debian's chromium through playwright-core) during a simulated
// training run of the real daemon: the page loads with no script errors, the uPlot curves and the
// step counter grow as steps arrive over the WebSocket, the heatmaps and run list are drawn, and a
// screenshot is written; a calibrate job's record appears in the calibration panel with its
// figures as images.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startApi, type RunningApi } from '../../src/api/index.ts';
import { Daemon } from '../../src/daemon/daemon.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const dir = mkdtempSync(join(tmpdir(), 'nudged-dashboard-'));
let daemon: Daemon;
let api: RunningApi;
let browser: Browser;

before(async () => {
  if (!existsSync(CHROMIUM)) {
    assert.fail(
      `chromium not found at ${CHROMIUM}: install Debian's chromium (apt-get install chromium; .ci/run does) or set CHROMIUM_PATH`,
    );
  }
  daemon = await Daemon.open({ dataDir: join(dir, 'data'), logger: { level: 'warn' } });
  daemon.start();
  api = await startApi(daemon, { port: 0 });
  browser = await chromium.launch({ executablePath: CHROMIUM });
});

after(async () => {
  await browser?.close();
  await api?.close();
  await daemon?.close('test over');
  rmSync(dir, { recursive: true, force: true });
});

test('the dashboard follows a simulated run live and can be screenshotted', async () => {
  const job = daemon.submit('train', { dataset: 'iris', epochs: 200, snapshotEvery: 20 });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${api.url}/`);

  // The run is picked up, and the stream is open.
  await page.waitForFunction((id) => window.nudged?.state.selected === id, job.id, { timeout: 30_000 });
  await page.waitForFunction(() => document.getElementById('stream')?.textContent === 'stream: open');

  const points = () => page.evaluate(() => window.nudged.charts.points);
  const counter = async () => Number(await page.textContent('#step-count'));
  await page.waitForFunction(() => window.nudged.charts.points > 0, undefined, { timeout: 60_000 });
  const firstPoints = await points();
  const firstCount = await counter();
  await page.waitForFunction((n) => window.nudged.charts.points > n + 5, firstPoints, { timeout: 60_000 });
  await page.waitForFunction(
    (n) => Number(document.getElementById('step-count')?.textContent) > n,
    firstCount,
  );
  assert.ok((await points()) > firstPoints, 'the loss curve grew');
  assert.ok((await counter()) > firstCount, 'the step counter increased');

  // uPlot holds the same data the page collected, in the loss and accuracy charts.
  const uplotLengths = await page.evaluate(() => [
    window.nudged.charts.loss.data[0].length,
    window.nudged.charts.accuracy.data[0].length,
  ]);
  assert.ok(uplotLengths[0] > firstPoints && uplotLengths[1] > firstPoints, `uPlot data ${uplotLengths}`);

  // Node voltages, heatmaps (one per crossbar array) and the run row with its controls.
  await page.waitForFunction(() => window.nudged.charts.nodes.data[0].length > 0);
  await page.waitForSelector('#heatmaps canvas[data-array="1"]');
  assert.equal(await page.locator('#heatmaps canvas').count(), 2);
  const row = page.locator(`#runs tbody tr[data-id="${job.id}"]`);
  assert.equal(await row.locator('td').nth(2).textContent(), 'running');
  assert.equal(await row.locator('button[data-action="pause"]').count(), 1);
  assert.match((await page.textContent('#instruments')) ?? '', /sim-board/);

  const shot = join(dir, 'dashboard.png');
  await page.screenshot({ path: shot, fullPage: true });
  const png = statSync(shot);
  assert.ok(png.size > 20_000, `screenshot of ${png.size} bytes`);

  // The abort button in the row stops the run.
  await page.evaluate((id) => {
    document.querySelector(`#runs tbody tr[data-id="${id}"] button[data-action="abort"]`)?.click();
  }, job.id);
  await page.waitForFunction(
    (id) =>
      document.querySelector(`#runs tbody tr[data-id="${id}"] td:nth-child(3)`)?.textContent === 'aborted',
    job.id,
    { timeout: 30_000 },
  );
  assert.deepEqual(errors, []);
});

test('after the stream drops and reconnects, the steps stored meanwhile fill the gap in the curves', async () => {
  const job = daemon.submit('train', { dataset: 'iris', epochs: 200, snapshotEvery: 1000 });
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${api.url}/`);
  await page.waitForFunction((id) => window.nudged?.state.selected === id, job.id, { timeout: 30_000 });
  await page.waitForFunction(() => window.nudged.charts.points > 20, undefined, { timeout: 60_000 });

  const before = await page.evaluate(() => window.nudged.charts.steps.x.at(-1) ?? -1);
  await page.evaluate(() => window.nudged.dropStream());
  await page.waitForFunction(() => document.getElementById('stream')?.textContent === 'stream: closed');
  await page.waitForFunction(
    () => document.getElementById('stream')?.textContent === 'stream: open',
    undefined,
    {
      timeout: 30_000,
    },
  );
  // The run went on while the page was disconnected (the stream reconnects after 0.5 s).
  await page.waitForFunction((n) => (window.nudged.charts.steps.x.at(-1) ?? -1) > n + 200, before, {
    timeout: 60_000,
  });
  // The curve and the step counter, read at one instant.
  const [x, count] = await page.evaluate(() => [
    [...window.nudged.charts.steps.x],
    document.getElementById('step-count')?.textContent,
  ]);
  const gaps = x.flatMap((step, i) => (i > 0 && step !== x[i - 1] + 1 ? [[x[i - 1], step]] : []));
  assert.deepEqual(gaps, [], 'every step from the first one the page drew, with none missing');
  assert.ok(x[0] <= before && x.at(-1)! > before + 200);
  assert.equal(count, String(x.at(-1)! + 1));
  daemon.abort(job.id);
  assert.deepEqual(errors, []);
});

test('the calibration panel shows the figures of a calibrate job as images', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${api.url}/`);
  await page.waitForFunction(() => document.getElementById('stream')?.textContent === 'stream: open');
  const job = daemon.submit('calibrate', { procedure: 'map', reads: 4 });
  // The panel refreshes when the job is done and shows the newest record's figures.
  await page.waitForFunction(
    () => document.querySelector('#calibrations tbody tr')?.textContent?.includes('conductance-map') === true,
    undefined,
    { timeout: 120_000 },
  );
  const record = daemon.getRun(job.id).result?.calibration;
  assert.equal(await page.getAttribute('#calibrations tbody tr', 'data-id'), String(record));
  await page.waitForFunction(
    "[...document.querySelectorAll('#calibration-figures img')].some((i) => i.complete && i.naturalWidth > 0)",
    undefined,
    { timeout: 30_000 },
  );
  const src = await page.getAttribute('#calibration-figures img', 'src');
  assert.equal(src, `/api/calibrations/${String(record)}/figures/map-0.svg`);
  assert.deepEqual(errors, []);
});

// What the page functions above see in the browser (this project compiles without the DOM lib).
interface Text {
  textContent: string | null;
  click(): void;
}
declare const document: {
  getElementById(id: string): Text | null;
  querySelector(selector: string): Text | null;
};
declare const window: {
  nudged: {
    state: { selected: number | null };
    dropStream(): void;
    charts: {
      points: number;
      steps: { x: number[] };
      loss: { data: number[][] };
      accuracy: { data: number[][] };
      nodes: { data: number[][] };
    };
  };
};
