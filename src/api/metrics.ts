// Prometheus metrics at /metrics (prom-client, a registry of its own per API instance): training
// steps and pulses counted from the live events, a histogram of phase durations, the active job,
// the number of WebSocket subscribers and what the hub dropped, plus the process metrics
// (CPU, resident memory, event-loop lag, GC) of prom-client's default collectors.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Observable, Subscription } from 'rxjs';
import type { LiveEvent } from '../daemon/events.ts';
import type { DaemonSurface } from '../daemon/surface.ts';
import type { EventsHub } from './events-hub.ts';

export interface ApiMetrics {
  registry: Registry;
  stop(): void;
}

export function createMetrics(
  surface: DaemonSurface,
  hub: EventsHub,
  events$: Observable<LiveEvent>,
): ApiMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'nudged_' });
  const steps = new Counter({
    name: 'nudged_training_steps_total',
    help: 'Training steps completed',
    registers: [registry],
  });
  const pulses = new Counter({
    name: 'nudged_pulses_total',
    help: 'Programming pulses, by outcome (requested or applied)',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const phases = new Histogram({
    name: 'nudged_phase_duration_seconds',
    help: 'Wall-clock time of each pipeline phase per training step (summed over its samples) and per evaluation pass',
    labelNames: ['phase'],
    buckets: [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3, 10],
    registers: [registry],
  });
  const estops = new Counter({ name: 'nudged_estops_total', help: 'Emergency stops', registers: [registry] });
  new Gauge({
    name: 'nudged_active_job',
    help: 'Id of the running job, 0 when idle',
    registers: [registry],
    collect() {
      this.set(surface.health().activeJob ?? 0);
    },
  });
  new Gauge({
    name: 'nudged_queued_jobs',
    help: 'Jobs waiting in the queue',
    registers: [registry],
    collect() {
      this.set(surface.health().queued);
    },
  });
  new Gauge({
    name: 'nudged_bench_fault',
    help: '1 while the bench holds a latched fault',
    registers: [registry],
    collect() {
      this.set(surface.health().fault === null ? 0 : 1);
    },
  });
  new Gauge({
    name: 'nudged_event_subscribers',
    help: 'Connected WebSocket event subscribers',
    registers: [registry],
    collect() {
      this.set(hub.size);
    },
  });
  new Gauge({
    name: 'nudged_event_messages_dropped',
    help: 'Event messages dropped for slow subscribers since start',
    registers: [registry],
    collect() {
      this.set(hub.droppedTotal);
    },
  });

  const subscription: Subscription = events$.subscribe((e) => {
    switch (e.type) {
      case 'metrics':
        steps.inc();
        break;
      case 'pulses':
        pulses.inc({ outcome: 'requested' }, e.requested);
        pulses.inc({ outcome: 'applied' }, e.applied);
        break;
      case 'phase':
        phases.observe({ phase: e.phase }, e.ms / 1000);
        break;
      case 'estop':
        estops.inc();
        break;
    }
  });
  return { registry, stop: () => subscription.unsubscribe() };
}
