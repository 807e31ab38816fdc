// GET /api/events (WebSocket): the daemon's live events as JSON text frames, one event per frame,
// optionally filtered by `?job=<id>&types=metrics,epoch`. Beyond loopback the upgrade needs the
// token (Authorization header, or `?token=` for browsers). Slow subscribers: see events-hub.ts.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { LiveEventType } from '../daemon/events.ts';
import { bearerOf, tokenMatches } from './auth.ts';
import { ApiError, errorBody } from './errors.ts';
import type { WebSocket } from '@fastify/websocket';
import { EVENT_TYPES, type EventsHub, type Filter, type SubscriberSocket } from './events-hub.ts';
import * as s from './schemas.ts';

interface EventsQuery {
  Querystring: { job?: string; types?: string; token?: string };
}

export function parseFilter(query: EventsQuery['Querystring']): Filter {
  let types: Set<LiveEventType> | null = null;
  if (query.types !== undefined) {
    types = new Set();
    for (const t of query.types.split(',')) {
      if (!EVENT_TYPES.includes(t as LiveEventType)) {
        throw new ApiError(
          400,
          'query',
          'query.types',
          `unknown event type ${JSON.stringify(t)}; one of ${EVENT_TYPES.join(', ')}`,
        );
      }
      types.add(t as LiveEventType);
    }
  }
  return { job: query.job === undefined ? null : Number(query.job), types };
}

interface WsInternals {
  /** The upgraded TCP socket. */
  _socket?: { write(data: Buffer): boolean };
}

/**
 * The `ws` socket as the hub sees it: ready-made frames are written to its TCP socket in one
 * write (compression is off, see server.ts, so a frame on the wire is the frame the hub built).
 * Frames are whole and written synchronously, so they never interleave with ws's own control frames.
 */
function hubSocket(ws: WebSocket): SubscriberSocket {
  const tcp = (ws as unknown as WsInternals)._socket;
  if (tcp === undefined) throw new Error('WebSocket without its TCP socket');
  return {
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    sendFrames: (frames) => {
      if (ws.readyState === ws.OPEN) tcp.write(frames);
    },
    close: (code, reason) => ws.close(code, reason),
  };
}

export function eventsRoute(app: FastifyInstance, hub: EventsHub, wsToken: string | null): void {
  app.route<EventsQuery>({
    method: 'GET',
    url: '/api/events',
    schema: {
      tags: ['events'],
      summary:
        'WebSocket: live events (job, phase, metrics, epoch, pulses, nodes, snapshot, result, log, estop)',
      querystring: s.eventsQuery,
      response: {
        101: { description: 'Switching Protocols: JSON text frames, one LiveEvent each (docs/api.md)' },
        400: s.error,
        401: s.error,
        426: s.error,
      },
    },
    preHandler: async (req: FastifyRequest<EventsQuery>) => {
      if (wsToken !== null && !tokenMatches(bearerOf(req) ?? req.query.token ?? null, wsToken)) {
        throw new ApiError(
          401,
          'header',
          'headers.authorization',
          'this daemon is not on loopback: a token is required',
        );
      }
      parseFilter(req.query);
    },
    handler: async (_req, reply) =>
      reply
        .code(426)
        .send(
          errorBody(
            426,
            'header',
            'upgrade',
            'this is a WebSocket endpoint; connect with Upgrade: websocket',
          ),
        ),
    wsHandler: (socket, req) => {
      const remove = hub.add(hubSocket(socket), parseFilter(req.query));
      socket.on('close', remove);
      socket.on('error', remove);
    },
  });
}
