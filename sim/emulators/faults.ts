// Fault injection for an emulated instrument, configured per emulator. Messages (SCPI program
// messages, Modbus requests) are counted over the emulator's lifetime across all its servers and
// connections, starting at 1; a fault with `{ after: N, count: M }` hits messages N+1 … N+M.
import { z } from 'zod';

const window = {
  /** Messages received before the fault starts. */
  after: z.number().int().nonnegative().default(0),
  /** Messages the fault hits; default all from `after + 1` on. */
  count: z.number().int().positive().optional(),
};

const hexBytes = z
  .string()
  .regex(/^\s*([0-9a-fA-F]{2}\s*)+$/, 'bytes must be hex pairs, e.g. "ff fe 00"')
  .transform((text) => Uint8Array.from(text.replace(/\s+/g, '').match(/../g)!, (h) => parseInt(h, 16)));

export const faultsSchema = z
  .object({
    /** Added before every reply, ms (also before a Modbus response). */
    latency_ms: z.number().nonnegative().default(0),
    /** The connection carrying a hit message is closed; the message is not executed. */
    drop: z.object(window).strict().optional(),
    /** The reply to a hit message (if it has one) is preceded by these bytes. */
    garbage: z
      .object({ ...window, bytes: hexBytes.prefault('ff fe 00 3f 3f') })
      .strict()
      .optional(),
    /** A hit message queues this SCPI error before it executes (positive codes are device-specific). */
    scpiError: z
      .object({
        ...window,
        code: z.number().int().default(-300),
        message: z.string().default('injected fault'),
      })
      .strict()
      .optional(),
    /** A hit Modbus request is answered with this exception code (1 = illegal function,
     * 2 = illegal data address, 3 = illegal data value, 4 = server device failure, 6 = busy). */
    modbusException: z
      .object({ ...window, code: z.number().int().min(1).max(255).default(4) })
      .strict()
      .optional(),
    /** A hit message is swallowed: neither executed nor answered, the connection stays open. */
    stuck: z.object(window).strict().optional(),
  })
  .strict();

export type FaultsConfig = z.infer<typeof faultsSchema>;
export type FaultsConfigInput = z.input<typeof faultsSchema>;

type Window = { after: number; count?: number | undefined };

/** What to do with one received message. */
export interface FaultDecision {
  /** 1-based number of the message over the emulator's lifetime. */
  message: number;
  drop: boolean;
  stuck: boolean;
  garbage: Uint8Array | undefined;
  scpiError: { code: number; message: string } | undefined;
  modbusException: number | undefined;
  latency_ms: number;
}

export class FaultInjector {
  readonly config: FaultsConfig;
  #received = 0;

  constructor(config: FaultsConfig = faultsSchema.parse({})) {
    this.config = config;
  }

  /** From an unparsed fault configuration (hex strings for garbage bytes). */
  static parse(input: FaultsConfigInput): FaultInjector {
    return new FaultInjector(faultsSchema.parse(input));
  }

  /** Counts a received message and returns the faults that hit it. */
  next(): FaultDecision {
    const n = ++this.#received;
    const hits = (w: Window | undefined): boolean =>
      w !== undefined && n > w.after && (w.count === undefined || n <= w.after + w.count);
    const c = this.config;
    return {
      message: n,
      drop: hits(c.drop),
      stuck: hits(c.stuck),
      garbage: hits(c.garbage) ? c.garbage!.bytes : undefined,
      scpiError: hits(c.scpiError) ? { code: c.scpiError!.code, message: c.scpiError!.message } : undefined,
      modbusException: hits(c.modbusException) ? c.modbusException!.code : undefined,
      latency_ms: c.latency_ms,
    };
  }
}

export const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
