// Errors the daemon hands back to API clients: an HTTP status, the field (dotted path) at fault and
// the reason. Anything else that escapes is a 500.
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 503,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

export const badField = (field: string, reason: string) => new DaemonError(400, field, reason);
export const notFound = (field: string, reason: string) => new DaemonError(404, field, reason);
export const conflict = (field: string, reason: string) => new DaemonError(409, field, reason);
