// Every error leaves the API as JSON naming the field at fault and the reason:
//   {"statusCode": 400, "error": "Bad Request", "in": "body", "field": "priority", "reason": "must be <= 1000"}
// Schema validation errors, unparsable JSON, DaemonErrors (with their own status) and unknown routes
// all take this shape; anything else is a 500 whose detail goes to the log, not to the client.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DaemonError } from '../daemon/errors.ts';
import { PATTERN_REASONS } from './schemas.ts';

export type Where = 'body' | 'query' | 'path' | 'header';

/** An error the API raises itself (e.g. an invalid JSON body). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly where: Where,
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
  }
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  426: 'Upgrade Required',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function errorBody(statusCode: number, where: Where | null, field: string, reason: string) {
  return {
    statusCode,
    error: STATUS_TEXT[statusCode] ?? 'Error',
    ...(where === null ? {} : { in: where }),
    field,
    reason,
  };
}

const CONTEXT: Record<string, Where> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

interface AjvIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Turns the first schema violation into (field, reason). */
export function describeValidation(where: Where, issue: AjvIssue): { field: string; reason: string } {
  const path = issue.instancePath
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
  let reason = issue.message ?? issue.keyword;
  if (issue.keyword === 'additionalProperties') {
    path.push(String(issue.params.additionalProperty));
    reason = 'unknown field';
  } else if (issue.keyword === 'required') {
    path.push(String(issue.params.missingProperty));
    reason = 'is required';
  } else if (issue.keyword === 'pattern') {
    reason = PATTERN_REASONS[String(issue.params.pattern)] ?? reason;
  } else if (issue.keyword === 'enum') {
    reason = `must be one of ${(issue.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  const joined = path.join('.');
  const field =
    joined === '' ? (where === 'body' ? 'body' : where) : where === 'query' ? `query.${joined}` : joined;
  return { field, reason };
}

/** A JSON body parser that names the body when it does not parse, accepts an empty body as none,
 * and refuses prototype-polluting keys. */
export function installJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(
        null,
        JSON.parse(text, (key, value: unknown) => {
          if (key === '__proto__' || key === 'constructor') {
            throw new ApiError(400, 'body', key, 'this key is not allowed');
          }
          return value;
        }),
      );
    } catch (e) {
      if (e instanceof ApiError) done(e, undefined);
      else done(new ApiError(400, 'body', 'body', `invalid JSON: ${(e as Error).message}`), undefined);
    }
  });
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) => {
    void reply
      .code(404)
      .send(errorBody(404, 'path', 'url', `no route ${req.method} ${req.url.split('?')[0]}`));
  });
  app.setErrorHandler((error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (error.validation && error.validation.length > 0) {
      const where = CONTEXT[error.validationContext ?? 'body'] ?? 'body';
      const { field, reason } = describeValidation(where, error.validation[0] as AjvIssue);
      return reply.code(400).send(errorBody(400, where, field, reason));
    }
    if (error instanceof ApiError) {
      return reply
        .code(error.statusCode)
        .send(errorBody(error.statusCode, error.where, error.field, error.reason));
    }
    if (error instanceof DaemonError) {
      return reply.code(error.status).send(errorBody(error.status, null, error.field, error.reason));
    }
    if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply
        .code(415)
        .send(errorBody(415, 'header', 'content-type', 'only application/json bodies are accepted'));
    }
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(errorBody(413, 'body', 'body', 'too large'));
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return reply.code(status).send(errorBody(status, null, 'request', error.message));
    }
    req.log.error({ err: error }, 'request failed');
    return reply.code(500).send(errorBody(500, null, 'server', 'internal error (see the daemon log)'));
  });
}
