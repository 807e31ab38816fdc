// Progress of a training run on a terminal: a bar with step, epoch, loss and accuracy, redrawn in
// place on a terminal (at most a few times a second) and as plain lines otherwise.
import type { LiveEvent } from '../daemon/events.ts';

type Metrics = Extract<LiveEvent, { type: 'metrics' }>;
type Epoch = Extract<LiveEvent, { type: 'epoch' }>;

export function progressBar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(f * 100).toFixed(0).padStart(3)}%`;
}

export function metricsLine(m: Metrics): string {
  return (
    `job ${m.job} ${progressBar((m.step + 1) / m.totalSteps)} step ${m.step + 1}/${m.totalSteps}` +
    ` epoch ${m.epoch + 1}  loss ${m.loss.toFixed(4)}  acc ${m.accuracy.toFixed(2)}`
  );
}

export function epochLine(e: Epoch): string {
  const test =
    e.testAccuracy === null
      ? ''
      : `  test loss ${e.testLoss?.toFixed(4)}  test acc ${e.testAccuracy.toFixed(3)}`;
  return `job ${e.job} epoch ${e.epoch + 1} done: train loss ${e.trainLoss.toFixed(4)}  train acc ${e.trainAccuracy.toFixed(3)}${test}`;
}

/** Writes progress for live events; `tty` redraws one line in place. */
export class ProgressPrinter {
  #last = 0;
  #open = false;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly interval_ms = 1000,
  ) {}

  handle(event: LiveEvent): void {
    if (event.type === 'metrics') {
      const final = event.step + 1 === event.totalSteps;
      const now = Date.now();
      if (!final && now - this.#last < (this.out.isTTY === true ? 200 : this.interval_ms)) return;
      this.#last = now;
      if (this.out.isTTY === true) {
        this.out.write(`\r\x1b[2K${metricsLine(event)}`);
        this.#open = true;
      } else this.out.write(`${metricsLine(event)}\n`);
    } else if (event.type === 'epoch') this.line(epochLine(event));
    else if (
      event.type === 'job' &&
      ['done', 'failed', 'aborted', 'interrupted', 'paused'].includes(event.state)
    ) {
      this.line(`job ${event.job} ${event.state}${event.reason === null ? '' : `: ${event.reason}`}`);
    } else if (event.type === 'result') this.line(`job ${event.job} result ${JSON.stringify(event.result)}`);
    else if (event.type === 'estop') this.line(`EMERGENCY STOP: ${event.reason}`);
  }

  line(text: string): void {
    if (this.#open) this.out.write('\n');
    this.#open = false;
    this.out.write(`${text}\n`);
  }
}
