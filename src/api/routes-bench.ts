// REST routes of the daemon and its bench: health, bench status, job kinds, conductances now,
// emergency stop, clearing the latched fault and re-assembling the bench.
import type { FastifyInstance } from 'fastify';
import type { DaemonSurface } from '../daemon/surface.ts';
import * as s from './schemas.ts';

export function benchRoutes(app: FastifyInstance, surface: DaemonSurface): void {
  app.get(
    '/api/health',
    { schema: { tags: ['daemon'], summary: 'Daemon health', response: s.responses.ok(s.health) } },
    async () => ({ ...surface.health(), version: surface.version }),
  );
  app.get(
    '/api/job-kinds',
    {
      schema: {
        tags: ['daemon'],
        summary: 'Job kinds and the JSON Schema of their parameters',
        response: s.responses.ok(s.jobKinds),
      },
    },
    async () => surface.jobKinds(),
  );
  app.get(
    '/api/bench',
    {
      schema: {
        tags: ['bench'],
        summary: 'Bench status: network, input range, instruments and their health',
        response: s.responses.ok(s.benchStatus),
      },
    },
    async () => surface.benchStatus(),
  );
  app.get(
    '/api/bench/conductances',
    {
      schema: {
        tags: ['bench'],
        summary: 'Read the conductance map of the bench now (S)',
        response: s.responses.ok(s.conductances, 409),
      },
    },
    async () => surface.conductances(null),
  );
  app.post<{ Body: { reason?: string } }>(
    '/api/estop',
    {
      schema: {
        tags: ['bench'],
        summary: 'Emergency stop: outputs to the safe state at once, then the active job fails',
        body: s.estopBody,
        response: s.responses.ok({ type: 'object', properties: { stopped: { type: 'boolean' } } }, 400, 401),
      },
    },
    async (req) => {
      await surface.estop(req.body.reason ?? 'emergency stop (API)');
      return { stopped: true };
    },
  );
  app.post(
    '/api/bench/reconnect',
    {
      schema: {
        tags: ['bench'],
        summary:
          'Re-assemble a bench of instruments: every link closed and opened again, every instrument identified and configured again, outputs safe',
        body: s.emptyBody,
        response: s.responses.ok(s.benchStatus, 400, 401, 409, 503),
      },
    },
    async () => surface.reconnectBench(),
  );
  app.post(
    '/api/clear-fault',
    {
      schema: {
        tags: ['bench'],
        summary: 'Clear the latched fault after an emergency stop so jobs may run again',
        body: s.emptyBody,
        response: s.responses.ok(s.health, 400, 401, 409),
      },
    },
    async () => {
      surface.clearFault();
      return { ...surface.health(), version: surface.version };
    },
  );
}
