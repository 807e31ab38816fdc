// The calibration hook. A bench configuration names the calibration to apply (`calibration:
// { record: <id> }` or `{ file: <path> }`); assembleBench does not interpret it itself: the caller
// passes `applyCalibration`, which receives the bench *beneath* the safety interlock and returns
// the corrected capabilities (e.g. input-line levels pre-distorted by a DAC gain/offset fit, node
// readings corrected by an ADC fit), or nothing to keep the bench as it is. The interlock then
// wraps what the hook returned, so the pipeline's requests are checked against the limits before
// any correction, and the corrected levels are checked again by the drivers (and the SimBoard)
// against the same configured limits before a byte is sent.
import type { Logger } from 'pino';
import type { BenchCapabilities, Identity } from '../capabilities/index.ts';
import type { BenchConfig, CalibrationRef } from '../config/index.ts';
import type { NetworkLayout } from '../network/description.ts';

export interface CalibrationContext {
  /** What the configuration asks for: a record id of the daemon's store, or a file (absolute
   * when the configuration was loaded from a file). */
  calibration: CalibrationRef;
  /** The bench beneath the interlock, already identified, configured and in its safe state. */
  capabilities: BenchCapabilities;
  config: BenchConfig;
  layout: NetworkLayout;
  /** What each instrument of the assembled bench answered to *IDN? (or its identity register),
   * in configuration order: a record taken with other instruments should not be applied. */
  identities: readonly Identity[];
  /** Reports a problem with the calibration: logged by the hook, and listed in the bench status
   * (`calibration.warnings`). */
  warn(message: string): void;
  logger?: Logger;
}

/** Returns the calibrated capabilities, or undefined to leave the bench unchanged (reported as
 * not applied). Throwing fails the assembly (everything opened is closed again). */
export type ApplyCalibration = (
  context: CalibrationContext,
) => Promise<BenchCapabilities | undefined> | BenchCapabilities | undefined;

export interface CalibrationStatus {
  /** The configured calibration, or null when the configuration names none. */
  ref: CalibrationRef | null;
  applied: boolean;
  /** Why a configured calibration was not applied. */
  message?: string;
  /** What the hook warned about (stale records, records of other instruments); absent when none. */
  warnings?: string[];
}

/** Runs the hook when the configuration names a calibration; without a hook the bench runs
 * uncalibrated and says so (a warning in the log and `applied: false` in the status). */
export async function applyConfiguredCalibration(
  inner: BenchCapabilities,
  config: BenchConfig,
  layout: NetworkLayout,
  hook: ApplyCalibration | undefined,
  logger: Logger | undefined,
  identities: readonly Identity[] = [],
): Promise<{ capabilities: BenchCapabilities; status: CalibrationStatus }> {
  const ref = config.calibration;
  if (ref === undefined) return { capabilities: inner, status: { ref: null, applied: false } };
  if (hook === undefined) {
    const message = 'no applyCalibration hook was given to assembleBench: the bench runs uncalibrated';
    logger?.warn({ calibration: ref }, message);
    return { capabilities: inner, status: { ref, applied: false, message } };
  }
  const warnings: string[] = [];
  const warn = (message: string) => warnings.push(message);
  const calibrated = await hook({
    calibration: ref,
    capabilities: inner,
    config,
    layout,
    identities,
    warn,
    logger,
  });
  const noted = warnings.length > 0 ? { warnings } : {};
  if (calibrated === undefined) {
    const message = 'the calibration hook applied no correction: the bench runs uncalibrated';
    logger?.warn({ calibration: ref, warnings }, message);
    return { capabilities: inner, status: { ref, applied: false, message, ...noted } };
  }
  logger?.info({ calibration: ref }, 'calibration applied');
  return { capabilities: calibrated, status: { ref, applied: true, ...noted } };
}

/** The bench with some capabilities replaced, everything else delegated to `inner` (spreading a
 * class instance such as the SimBoard would lose its methods): what a hook usually returns. */
export function withCapabilities(
  inner: BenchCapabilities,
  replaced: Partial<Omit<BenchCapabilities, 'safeState'>>,
): BenchCapabilities {
  const base: BenchCapabilities = {
    inputs: inner.inputs,
    nudge: inner.nudge,
    sampler: inner.sampler,
    programmer: inner.programmer,
    reader: inner.reader,
    timebase: inner.timebase,
    safeState: () => inner.safeState(),
  };
  if (inner.ideal !== undefined) base.ideal = inner.ideal;
  return { ...base, ...replaced };
}
