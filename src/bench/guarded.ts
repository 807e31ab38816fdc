// The last stage of every assembly, the simulated bench included: the configured calibration is
// applied through the caller's hook, the SafeBench interlock is wrapped around the result, and
// the bench is driven to its safe state before anyone may use it.
import type { BenchCapabilities, Identity } from '../capabilities/index.ts';
import type { BenchConfig } from '../config/index.ts';
import type { NetworkLayout } from '../network/description.ts';
import type { AssembleOptions } from './assembled.ts';
import { applyConfiguredCalibration, type CalibrationStatus } from './calibration.ts';
import { BenchAssemblyError } from './errors.ts';
import { SafeBench } from './safe-bench.ts';

/** Applies the calibration (the hook sees the instruments' `identities`), wraps the interlock
 * around the result and drives it safe. */
export async function guardedBench(
  inner: BenchCapabilities,
  config: BenchConfig,
  layout: NetworkLayout,
  { logger, applyCalibration }: AssembleOptions,
  identities: readonly Identity[],
): Promise<{ capabilities: SafeBench; calibration: CalibrationStatus }> {
  let calibrated: Awaited<ReturnType<typeof applyConfiguredCalibration>>;
  try {
    calibrated = await applyConfiguredCalibration(
      inner,
      config,
      layout,
      applyCalibration,
      logger,
      identities,
    );
  } catch (error) {
    throw new BenchAssemblyError([{ instrument: 'calibration', error }]);
  }
  const capabilities = new SafeBench(calibrated.capabilities, {
    limits: config.limits,
    ...config.safety,
    logger,
  });
  try {
    await capabilities.safeState();
  } catch (error) {
    throw new BenchAssemblyError([{ instrument: 'bench', error }]);
  }
  return { capabilities, calibration: calibrated.status };
}
