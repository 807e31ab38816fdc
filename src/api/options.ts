// Options of the HTTP API and the start-up security check: binding beyond loopback needs a token.
import type { Logger } from 'pino';
import type { HubLimits } from './events-hub.ts';

export interface ApiOptions {
  /** Interface to bind; default 127.0.0.1 (loopback only). */
  host?: string;
  /** TCP port; default 7420, 0 picks a free one. */
  port?: number;
  /** Bearer token every mutating request must carry (required beyond loopback). */
  token?: string;
  logger?: Logger;
  /** WebSocket subscriber bounds (see events-hub.ts). */
  subscriber?: Partial<HubLimits>;
}

export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 7420;
/** Shortest token accepted, characters: a guessable token is no protection. */
export const MIN_TOKEN_LENGTH = 16;

/** Whether `host` only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export class ApiConfigError extends Error {
  override readonly name = 'ApiConfigError';
}

/** Resolves defaults and refuses insecure combinations before anything listens. */
export function resolveOptions(opts: ApiOptions): {
  host: string;
  port: number;
  token: string | null;
  loopback: boolean;
} {
  const host = opts.host ?? DEFAULT_HOST;
  const port = opts.port ?? DEFAULT_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ApiConfigError(`port: must be an integer 0–65535, got ${port}`);
  }
  const token = opts.token === undefined || opts.token === '' ? null : opts.token;
  if (token !== null && token.length < MIN_TOKEN_LENGTH) {
    throw new ApiConfigError(`token: must be at least ${MIN_TOKEN_LENGTH} characters`);
  }
  const loopback = isLoopback(host);
  if (!loopback && token === null) {
    throw new ApiConfigError(
      `host: refusing to bind ${host} (not loopback) without a token; configure one (--token or NUDGED_TOKEN) or bind 127.0.0.1`,
    );
  }
  return { host, port, token, loopback };
}
