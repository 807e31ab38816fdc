// The job kinds the daemon can run, by name. A kind is registered with one call:
//   daemon.registry.register(calibrateKind);
// after which `submit('calibrate', params)` validates params with its schema and queues it.
import { z } from 'zod';
import type { JobKindInfo } from '../surface.ts';
import type { JsonObject } from '../store/index.ts';
import { badField } from '../errors.ts';
import type { JobKind } from './types.ts';

export class JobRegistry {
  readonly #kinds = new Map<string, JobKind<unknown>>();

  /** Adds a kind. Registering a kind name twice is refused unless `replace` is set (a site's own
   * implementation of a built-in kind, or a test double). */
  register<P>(kind: JobKind<P>, options: { replace?: boolean } = {}): void {
    if (this.#kinds.has(kind.kind) && options.replace !== true) {
      throw new Error(`job kind "${kind.kind}" is already registered`);
    }
    this.#kinds.set(kind.kind, kind as JobKind<unknown>);
  }

  /** The kind, or a DaemonError naming `field`. */
  get(name: string, field = 'kind'): JobKind<unknown> {
    const kind = this.#kinds.get(name);
    if (kind === undefined) {
      throw badField(field, `unknown job kind "${name}" (known: ${[...this.#kinds.keys()].join(', ')})`);
    }
    return kind;
  }

  infos(): JobKindInfo[] {
    return [...this.#kinds.values()].map((k) => ({
      kind: k.kind,
      summary: k.summary,
      paramsSchema: z.toJSONSchema(k.params, { io: 'input', unrepresentable: 'any' }) as JsonObject,
    }));
  }
}
