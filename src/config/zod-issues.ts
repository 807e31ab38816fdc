// zod issues → findings a person editing the file can act on: a missing field says so, an
// unknown key is pointed at by its own position, a union says what it would have accepted.
import type { z } from 'zod';
import type { FieldPath } from './source.ts';

/** Something wrong at a path of the configuration; `atKey` locates it at the key itself. */
export interface Finding {
  path: FieldPath;
  message: string;
  atKey?: boolean;
}

/**
 * Findings for the issues of validating `input`; `place` maps a path within `input` to its path
 * in the whole configuration (for a section validated on its own).
 */
export function zodFindings(
  error: z.ZodError,
  input: unknown,
  place: (path: FieldPath) => FieldPath = (path) => path,
): Finding[] {
  return error.issues.flatMap((issue): Finding[] => {
    const path = issue.path as FieldPath;
    switch (issue.code) {
      case 'unrecognized_keys':
        return issue.keys.map((key) => ({
          path: place([...path, key]),
          message: `unknown field '${key}'`,
          atKey: true,
        }));
      case 'invalid_type':
        return [
          {
            path: place(path),
            message:
              valueAt(input, path) === undefined
                ? `required field is missing (expected ${issue.expected})`
                : issue.message,
          },
        ];
      case 'invalid_union':
        if (issue.discriminator !== undefined) {
          const options = (issue as { options?: unknown[] }).options ?? [];
          const known = options.map((o) => `'${String(o)}'`).join(', ');
          const value = valueAt(input, path);
          const what = value === undefined ? 'is missing' : `'${String(value)}' is not known`;
          return [{ path: place(path), message: `${issue.discriminator} ${what} (one of ${known})` }];
        }
        return [{ path: place(path), message: unionMessage(issue.errors) }];
      default:
        return [{ path: place(path), message: issue.message }];
    }
  });
}

/** "no alternative fits: … | …" from each alternative's first complaint. */
function unionMessage(alternatives: z.core.$ZodIssue[][]): string {
  const reasons = [...new Set(alternatives.map((issues) => issues[0]?.message).filter(Boolean))];
  return reasons.length === 0 ? 'invalid value' : `no alternative fits: ${reasons.join(' | ')}`;
}

function valueAt(data: unknown, path: FieldPath): unknown {
  let value = data;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}
