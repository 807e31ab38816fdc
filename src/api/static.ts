// The dashboard: public/ at `/`, and uPlot's ES module and stylesheet from node_modules at
// /vendor/uplot/ (served locally: the dashboard needs no network). Pages get a strict
// Content-Security-Policy: scripts and styles from this origin only, WebSocket back to it.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));
const UPLOT_DIR = dirname(createRequire(import.meta.url).resolve('uplot'));

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, { root: PUBLIC_DIR, prefix: '/', index: ['index.html'] });
  await app.register(fastifyStatic, {
    root: UPLOT_DIR,
    prefix: '/vendor/uplot/',
    decorateReply: false,
    allowedPath: (path) => path === '/uPlot.esm.js' || path === '/uPlot.min.css',
  });
  app.addHook('onSend', async (req, reply, payload) => {
    if (!req.url.startsWith('/api/') && req.url !== '/metrics') {
      reply.header('content-security-policy', CSP);
    }
    reply.header('x-content-type-options', 'nosniff');
    return payload;
  });
}
