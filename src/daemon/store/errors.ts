// Errors raised by the store. Every error names the field (a dotted path into the caller's input,
// or the record it refers to) and the reason, so an API layer can hand it back as a 4xx message.
import type { z } from 'zod';

export class StoreError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'StoreError';
  }
}

/** Parses `value` with `schema`; on failure throws a StoreError naming `what.<path>` of the first
 * issue, with every issue listed in the message. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const described = result.error.issues.map((issue) => {
    const field = [what, ...issue.path.map(String)].join('.');
    return { field, reason: issue.message };
  });
  const first = described[0];
  const error = new StoreError(first.field, first.reason);
  if (described.length > 1) {
    error.message = described.map((d) => `${d.field}: ${d.reason}`).join('; ');
  }
  throw error;
}
