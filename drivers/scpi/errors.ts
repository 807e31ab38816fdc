// Typed errors raised by the SCPI client.

/** One entry of an instrument's error/event queue (SCPI-1999 vol.2 §21.8). */
export interface ScpiErrorEntry {
  /** 0 = no error, negative = SCPI standard codes, positive = device-specific. */
  code: number;
  /** The description, including any `;device-dependent info`. */
  message: string;
}

/** The instrument reported errors in its error queue. */
export class ScpiInstrumentError extends Error {
  override readonly name = 'ScpiInstrumentError';
  /** Code of the first (oldest) error. */
  readonly code: number;
  /** Description of the first error, as the instrument wrote it. */
  readonly instrumentMessage: string;

  constructor(
    readonly resource: string,
    /** The last program message sent before the queue was read: the likely cause. */
    readonly command: string | undefined,
    /** Every error drained from the queue, oldest first (never empty). */
    readonly errors: readonly ScpiErrorEntry[],
  ) {
    const [first] = errors;
    const more =
      errors.length > 1
        ? ` (+${errors.length - 1} more: ${errors
            .slice(1)
            .map((e) => e.code)
            .join(', ')})`
        : '';
    const after = command === undefined ? '' : ` after ${JSON.stringify(command)}`;
    super(`${resource}: instrument error ${first.code} "${first.message}"${after}${more}`);
    this.code = first.code;
    this.instrumentMessage = first.message;
  }
}

/** A response that does not have the syntax the query expects. */
export class ScpiResponseError extends Error {
  override readonly name = 'ScpiResponseError';
  constructor(
    readonly resource: string,
    readonly command: string,
    readonly response: string,
    readonly reason: string,
  ) {
    super(
      `${resource}: response to ${JSON.stringify(command)} ${reason}: ${JSON.stringify(truncate(response))}`,
    );
  }
}

function truncate(text: string): string {
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}
