// The CLI's HTTP client of a running daemon: base URL (--url, default http://127.0.0.1:7420), the
// bearer token (--token or NUDGED_TOKEN) on every request, and errors as one clear line naming the
// field and the reason the daemon gave.
import type { Command } from 'commander';

export const DEFAULT_URL = 'http://127.0.0.1:7420';

export interface ClientOptions {
  url: string;
  token?: string;
}

export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Adds --url and --token to a client command. */
export function clientOptions(command: Command): Command {
  return command
    .option('--url <url>', 'daemon API base URL', process.env.NUDGED_URL ?? DEFAULT_URL)
    .option('--token <token>', 'API token (default $NUDGED_TOKEN)', process.env.NUDGED_TOKEN);
}

export class ApiClient {
  readonly base: URL;

  constructor(private readonly options: ClientOptions) {
    try {
      this.base = new URL(options.url);
    } catch {
      throw new CliError(`--url: "${options.url}" is not a URL`);
    }
  }

  #headers(json: boolean): Record<string, string> {
    const headers: Record<string, string> = {};
    if (json) headers['content-type'] = 'application/json';
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    return headers;
  }

  async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.base), {
        method,
        headers: this.#headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      throw new CliError(
        `cannot reach the daemon at ${this.base.origin} (${(error as Error).cause ?? (error as Error).message}); is \`nudge serve\` running?`,
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        const parsed = JSON.parse(text) as { field?: string; reason?: string; message?: string };
        message = parsed.field !== undefined ? `${parsed.field}: ${parsed.reason}` : (parsed.message ?? text);
      } catch {
        // not JSON: the body as it is
      }
      throw new CliError(`${method} ${path}: ${response.status} ${message}`);
    }
    return response;
  }

  async json<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    return (await (await this.request(method, path, body)).json()) as T;
  }

  /** ws:// URL of the live event stream. */
  eventsUrl(query: string): URL {
    const url = new URL(`/api/events?${query}`, this.base);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (this.options.token) url.searchParams.set('token', this.options.token);
    return url;
  }
}
