// safeState() across channels: every channel is tried even if an earlier one fails, and the
// failures are reported together afterwards, so one broken channel never leaves another live.

/** One or more channels could not be driven to the safe state. */
export class SafeStateError extends Error {
  override readonly name = 'SafeStateError';
  constructor(
    readonly instrument: string,
    readonly failures: readonly { channel: number; error: unknown }[],
  ) {
    const detail = failures
      .map(({ channel, error }) => `ch${channel}: ${error instanceof Error ? error.message : String(error)}`)
      .join('; ');
    super(`${instrument}: safe state failed on ${failures.length} channel(s): ${detail}`);
  }
}

/** Runs `makeSafe` for channels 0..channels-1 in order, all of them, then throws SafeStateError
 * naming every channel that failed. */
export async function safeEachChannel(
  instrument: string,
  channels: number,
  makeSafe: (channel: number) => Promise<void>,
): Promise<void> {
  const failures: { channel: number; error: unknown }[] = [];
  for (let channel = 0; channel < channels; channel++) {
    try {
      await makeSafe(channel);
    } catch (error) {
      failures.push({ channel, error });
    }
  }
  if (failures.length > 0) throw new SafeStateError(instrument, failures);
}
