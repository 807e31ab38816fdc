// Bearer-token check for mutating requests (and WebSocket upgrades beyond loopback). The comparison
// hashes both sides to a fixed length first, so it takes the same time whatever the guess.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

export function bearerOf(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** onRequest hook: mutating requests need `Authorization: Bearer <token>`. */
export function requireToken(token: string) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!MUTATING.has(req.method)) return;
    const presented = bearerOf(req);
    if (tokenMatches(presented, token)) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer')
      .send({
        error: 'Unauthorized',
        statusCode: 401,
        field: 'headers.authorization',
        reason: presented === null ? 'a Bearer token is required' : 'the token does not match',
      });
  };
}
