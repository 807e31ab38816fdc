// REST routes of runs: create (submit a job), list, get, pause, resume, abort, export, conductances.
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../daemon/errors.ts';
import type { DaemonSurface } from '../daemon/surface.ts';
import { ApiError } from './errors.ts';
import * as s from './schemas.ts';

/** Step metrics returned by GET /api/runs/:id unless `maxPoints` says otherwise (decimated). */
export const DEFAULT_POINTS = 1000;

/** Upper bound of `limit` on GET /api/runs. */
export const MAX_LIST = 1000;

interface IdParams {
  Params: { id: string };
}

export function runRoutes(app: FastifyInstance, surface: DaemonSurface): void {
  const kinds = surface.jobKinds().map((k) => k.kind);
  const tags = ['runs'];

  app.post<{ Body: { kind: string; params: unknown; priority: number } }>(
    '/api/runs',
    {
      schema: {
        tags,
        summary: 'Queue a job (train, evaluate, calibrate, read-map, program-map)',
        body: s.createBody(kinds),
        response: s.responses.created(s.job, 400, 401, 409),
      },
    },
    async (req, reply) => {
      const { kind, params, priority } = req.body;
      return reply.code(201).send(surface.submit(kind, params, priority));
    },
  );

  app.get<{ Querystring: { state?: string; limit?: string } }>(
    '/api/runs',
    {
      schema: {
        tags,
        summary: 'List runs, newest first',
        querystring: s.listQuery,
        response: s.responses.ok({ type: 'array', items: s.runSummary }, 400),
      },
    },
    async (req) => {
      const limit = req.query.limit === undefined ? undefined : Number(req.query.limit);
      if (limit !== undefined && limit > MAX_LIST) {
        throw new ApiError(400, 'query', 'query.limit', `must be <= ${MAX_LIST}`);
      }
      return surface.listRuns({ state: req.query.state, limit });
    },
  );

  app.get<IdParams & { Querystring: { maxPoints?: string; sinceStep?: string; sinceEpoch?: string } }>(
    '/api/runs/:id',
    {
      schema: {
        tags,
        summary:
          'One run: job, run document, per-epoch and per-step metrics (evenly decimated, or only the new ones with sinceStep/sinceEpoch), result',
        params: s.idParams,
        querystring: s.detailQuery,
        response: s.responses.ok(s.runDetail, 400, 404),
      },
    },
    async (req) => {
      // Responses stay bounded however long the run: every step is in the export.
      const { maxPoints, sinceStep, sinceEpoch } = req.query;
      const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
      return surface.getRun(Number(req.params.id), {
        maxPoints: number(maxPoints) ?? DEFAULT_POINTS,
        sinceStep: number(sinceStep),
        sinceEpoch: number(sinceEpoch),
      });
    },
  );

  const control = (action: 'pause' | 'resume', summary: string) =>
    app.post<IdParams>(
      `/api/runs/:id/${action}`,
      {
        schema: {
          tags,
          summary,
          params: s.idParams,
          body: s.emptyBody,
          response: s.responses.ok(s.job, 400, 401, 404, 409),
        },
      },
      async (req) => surface[action](Number(req.params.id)),
    );
  control('pause', 'Pause the running job at the next step boundary');
  control('resume', 'Resume a paused job');

  app.post<IdParams & { Body: { reason?: string } }>(
    '/api/runs/:id/abort',
    {
      schema: {
        tags,
        summary: 'Abort a job at the next step boundary (a queued job never starts)',
        params: s.idParams,
        body: s.abortBody,
        response: s.responses.ok(s.job, 400, 401, 404, 409),
      },
    },
    async (req) => surface.abort(Number(req.params.id), req.body.reason),
  );

  app.get<IdParams & { Querystring: { format: 'csv' | 'jsonl' } }>(
    '/api/runs/:id/export',
    {
      schema: {
        tags,
        summary: 'Stream a run: its documents as JSON Lines, or its step metrics as CSV',
        params: s.idParams,
        querystring: s.exportQuery,
        response: {
          200: { type: 'string', description: 'text/csv or application/x-ndjson, streamed' },
          400: s.error,
          404: s.error,
        },
      },
    },
    async (req, reply) => {
      const id = Number(req.params.id);
      const { format } = req.query;
      if (surface.getRun(id, { maxPoints: 1 }).run === null) {
        throw notFound('id', `job ${id} has not started a run yet; there is nothing to export`);
      }
      const out = new PassThrough();
      surface.exportRun(id, format, out).then(
        () => out.end(),
        (err: unknown) => {
          req.log.error({ err, job: id }, 'export failed');
          out.destroy(err as Error);
        },
      );
      return reply
        .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
        .header('content-disposition', `attachment; filename="run-${id}.${format}"`)
        .send(out);
    },
  );

  app.get<IdParams>(
    '/api/runs/:id/conductances',
    {
      schema: {
        tags,
        summary: "The run's latest conductance snapshot, per crossbar array (S)",
        params: s.idParams,
        response: s.responses.ok(s.conductances, 400, 404),
      },
    },
    async (req) => surface.conductances(Number(req.params.id)),
  );
}
