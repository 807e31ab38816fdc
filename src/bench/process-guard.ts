// The process-level half of the safety interlock: SIGINT, SIGTERM, an uncaught exception and an
// unhandled rejection all drive the bench to its safe state *first* (sources to zero, outputs
// off), then run the caller's cleanup (close the store, the server), then exit non-zero:
// 128 + signal number for a signal (SIGINT 130, SIGTERM 143), 1 for a crash. A signal that
// arrives while this is under way is logged and otherwise ignored, so the safe state is never
// cut short; the safe state and the cleanup are each bounded by a timeout, so the process exits
// even if an instrument no longer answers.
import type { Logger } from 'pino';
import type { SafeState } from '../capabilities/index.ts';
import { describe } from './errors.ts';

export interface SafetyHandlersOptions {
  /** Runs after the safe state, before the exit (close the store, stop the server). */
  cleanup?: () => Promise<void>;
  /** Longest wait for the safe state and, separately, for the cleanup, s. Default 15. */
  timeout_s?: number;
  /** How the process ends; default process.exit. */
  exit?: (code: number) => void;
}

export type ShutdownCause = 'SIGINT' | 'SIGTERM' | 'uncaughtException' | 'unhandledRejection';

export const EXIT_CODES: Readonly<Record<ShutdownCause, number>> = {
  SIGINT: 130,
  SIGTERM: 143,
  uncaughtException: 1,
  unhandledRejection: 1,
};

/**
 * Installs the handlers for `bench` (an AssembledBench, its SafeBench, or any SafeState).
 * Returns the function that removes them again (e.g. after an orderly shutdown).
 */
export function installSafetyHandlers(
  bench: SafeState,
  logger: Logger,
  options: SafetyHandlersOptions = {},
): () => void {
  const { cleanup, timeout_s = 15, exit = (code: number) => process.exit(code) } = options;
  let shuttingDown = false;

  const shutdown = async (cause: ShutdownCause, error?: unknown): Promise<void> => {
    if (shuttingDown) {
      logger.warn({ cause }, `${cause} during shutdown: the safe state is already under way`);
      return;
    }
    shuttingDown = true;
    const code = EXIT_CODES[cause];
    if (error === undefined) logger.warn({ cause }, `${cause}: driving the bench to its safe state`);
    else logger.fatal({ cause, err: error }, `${cause}: driving the bench to its safe state`);
    try {
      await bounded(bench.safeState(), timeout_s, 'the safe state');
      logger.info({ cause }, 'bench in its safe state');
    } catch (safeStateError) {
      logger.fatal({ cause, err: safeStateError }, `SAFE STATE FAILED: ${describe(safeStateError)}`);
    }
    if (cleanup !== undefined) {
      try {
        await bounded(cleanup(), timeout_s, 'the cleanup');
      } catch (cleanupError) {
        logger.error({ cause, err: cleanupError }, 'cleanup after the safe state failed');
      }
    }
    logger.info({ cause, code }, 'exiting');
    exit(code);
  };

  const handlers = {
    SIGINT: () => void shutdown('SIGINT'),
    SIGTERM: () => void shutdown('SIGTERM'),
    uncaughtException: (error: Error) => void shutdown('uncaughtException', error),
    unhandledRejection: (reason: unknown) => void shutdown('unhandledRejection', reason),
  };
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  process.on('uncaughtException', handlers.uncaughtException);
  process.on('unhandledRejection', handlers.unhandledRejection);
  return () => {
    process.off('SIGINT', handlers.SIGINT);
    process.off('SIGTERM', handlers.SIGTERM);
    process.off('uncaughtException', handlers.uncaughtException);
    process.off('unhandledRejection', handlers.unhandledRejection);
  };
}

function bounded(work: Promise<void>, timeout_s: number, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${timeout_s} s`)),
      timeout_s * 1000,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
