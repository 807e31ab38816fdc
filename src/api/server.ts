// The HTTP API of the daemon: `startApi(surface, options)` → { url, close }.
// REST under /api (routes-*.ts), the WebSocket event stream at /api/events, the OpenAPI
// description at /api/openapi.json, Prometheus metrics at /metrics and the dashboard at /.
// Requests are validated strictly: no type coercion, unknown fields refused, and any failure is a
// 4xx naming the field (errors.ts). No CORS headers are sent, so browsers keep other origins out.
import fastifySwagger from '@fastify/swagger';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { DaemonSurface } from '../daemon/surface.ts';
import { requireToken } from './auth.ts';
import { installErrorHandlers, installJsonParser } from './errors.ts';
import { DEFAULT_LIMITS, EventsHub } from './events-hub.ts';
import { eventsRoute } from './events-route.ts';
import { createMetrics } from './metrics.ts';
import { resolveOptions, type ApiOptions } from './options.ts';
import { benchRoutes } from './routes-bench.ts';
import { calibrationRoutes } from './routes-calibrations.ts';
import { runRoutes } from './routes-runs.ts';
import { dashboardRoutes } from './static.ts';

export interface RunningApi {
  /** Base URL, e.g. http://127.0.0.1:7420 */
  readonly url: string;
  readonly app: FastifyInstance;
  close(): Promise<void>;
}

/** Largest request body accepted, bytes. */
const BODY_LIMIT = 1024 * 1024;

export async function startApi(surface: DaemonSurface, options: ApiOptions = {}): Promise<RunningApi> {
  const { host, port, token, loopback } = resolveOptions(options);
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
  });
  // Responses are documented by schemas but serialized as they are (nothing stripped).
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  installJsonParser(app);
  installErrorHandlers(app);
  if (token !== null) app.addHook('onRequest', requireToken(token));
  // A POST without a body is validated as an empty object, so a missing field is named.
  app.addHook('preValidation', async (req) => {
    if (req.method === 'POST' && req.body === undefined) req.body = {};
  });

  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'nudged API',
        version: surface.version,
        description:
          'Training runs, calibrations, bench status and emergency stop of the nudged daemon (docs/api.md).',
      },
      components: {
        securitySchemes: {
          bearer: {
            type: 'http',
            scheme: 'bearer',
            description: 'required on POST when a token is configured',
          },
        },
      },
    },
  });
  // No compression: the hub writes ready-made frames (events-hub.ts).
  await app.register(fastifyWebsocket, { options: { maxPayload: 4096, perMessageDeflate: false } });

  const hub = new EventsHub(surface.events$, { ...DEFAULT_LIMITS, ...options.subscriber });
  const metrics = createMetrics(surface, hub, surface.events$);

  benchRoutes(app, surface);
  runRoutes(app, surface);
  calibrationRoutes(app, surface);
  eventsRoute(app, hub, loopback ? null : token);
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await dashboardRoutes(app);

  try {
    await app.listen({ host, port });
  } catch (e) {
    hub.close();
    metrics.stop();
    await app.close();
    throw new Error(`API: cannot listen on ${host}:${port}: ${(e as Error).message}`, { cause: e });
  }
  const address = app.server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${bound}`,
    app,
    async close() {
      hub.close();
      metrics.stop();
      await app.close();
    },
  };
}
