// REST routes of the stored calibration records: list them, export one as JSON, and draw its
// figures as SVG images (the dashboard's calibration panel shows them as <img>).
import type { FastifyInstance } from 'fastify';
import { notFound } from '../daemon/errors.ts';
import type { DaemonSurface } from '../daemon/surface.ts';
import { ApiError } from './errors.ts';
import * as s from './schemas.ts';

/** Upper bound of `limit` on GET /api/calibrations. */
export const MAX_CALIBRATIONS = 1000;

interface IdParams {
  Params: { id: string };
}

export function calibrationRoutes(app: FastifyInstance, surface: DaemonSurface): void {
  const tags = ['calibrations'];

  app.get<{ Querystring: { limit?: string } }>(
    '/api/calibrations',
    {
      schema: {
        tags,
        summary: 'Stored calibration records, newest first, with their figures and warnings',
        querystring: s.calibrationsQuery,
        response: s.responses.ok({ type: 'array', items: s.calibrationSummary }, 400),
      },
    },
    async (req) => {
      const limit = req.query.limit === undefined ? undefined : Number(req.query.limit);
      if (limit !== undefined && limit > MAX_CALIBRATIONS) {
        throw new ApiError(400, 'query', 'query.limit', `must be <= ${MAX_CALIBRATIONS}`);
      }
      return surface.listCalibrations({ limit });
    },
  );

  app.get<IdParams>(
    '/api/calibrations/:id',
    {
      schema: {
        tags,
        summary: 'One calibration record as exported JSON (instruments, date, options, raw data, fit)',
        params: s.calibrationIdParams,
        response: s.responses.ok(s.calibrationRecord, 400, 404),
      },
    },
    async (req, reply) => {
      const id = Number(req.params.id);
      const record = surface.getCalibration(id);
      return reply.header('content-disposition', `inline; filename="calibration-${id}.json"`).send(record);
    },
  );

  app.get<{ Params: { id: string; file: string } }>(
    '/api/calibrations/:id/figures/:file',
    {
      schema: {
        tags,
        summary: 'One figure of a calibration record as an SVG image (name from GET /api/calibrations)',
        params: s.figureParams,
        response: {
          200: { type: 'string', description: 'image/svg+xml' },
          400: s.error,
          404: s.error,
        },
      },
    },
    async (req, reply) => {
      const id = Number(req.params.id);
      const name = req.params.file.slice(0, -'.svg'.length);
      const figures = surface.calibrationFigures(id);
      const figure = figures.find((f) => f.name === name);
      if (figure === undefined) {
        throw notFound(
          'name',
          `calibration ${id} has no figure '${name}'; it has ${figures.map((f) => f.name).join(', ') || 'none'}`,
        );
      }
      return reply.type('image/svg+xml; charset=utf-8').send(figure.svg);
    },
  );
}
