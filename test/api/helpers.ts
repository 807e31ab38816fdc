// Starts the API on an ephemeral loopback port in front of a FakeSurface, with JSON helpers.
import { startApi, type ApiOptions, type RunningApi } from '../../src/api/index.ts';
import { FakeSurface } from './fake-surface.ts';

/** A parsed JSON body, read loosely by the assertions. */
export type Json = ReturnType<typeof JSON.parse>;

export const TOKEN = 'test-token-0123456789abcdef';

export interface Harness {
  api: RunningApi;
  surface: FakeSurface;
  get(path: string): Promise<{ status: number; body: Json; headers: Headers }>;
  post(
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Json }>;
  /** POST with a raw body string (for malformed JSON). */
  postRaw(path: string, raw: string, contentType?: string): Promise<{ status: number; body: Json }>;
}

async function parse(res: Response) {
  const text = await res.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function harness(options: ApiOptions = {}): Promise<Harness> {
  const surface = new FakeSurface();
  const api = await startApi(surface, { port: 0, ...options });
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  return {
    api,
    surface,
    async get(path) {
      const res = await fetch(api.url + path);
      return { status: res.status, body: await parse(res), headers: res.headers };
    },
    async post(path, body, headers = auth) {
      const res = await fetch(api.url + path, {
        method: 'POST',
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: res.status, body: await parse(res) };
    },
    async postRaw(path, raw, contentType = 'application/json') {
      const res = await fetch(api.url + path, {
        method: 'POST',
        headers: { 'content-type': contentType, ...auth },
        body: raw,
      });
      return { status: res.status, body: await parse(res) };
    },
  };
}
