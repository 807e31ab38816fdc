// Identity check: a driver refuses to configure an instrument that is not the model it drives
// (a wrong resource string would otherwise send, say, 2400 commands to a power supply).
import type { Identity } from '../../src/capabilities/index.ts';

/** The instrument answered with a model other than the one configured. */
export class IdentityMismatchError extends Error {
  override readonly name = 'IdentityMismatchError';
  constructor(
    readonly instrument: string,
    readonly field: 'model',
    readonly expected: string,
    readonly identity: Identity,
  ) {
    super(
      `${instrument}: identity ${field} ${JSON.stringify(identity[field])} does not contain ` +
        `the expected ${JSON.stringify(expected)} (vendor ${JSON.stringify(identity.vendor)})`,
    );
  }
}

/** Returns `identity` if its model contains `expectedModel` (case-insensitive), else throws. */
export function checkIdentity(instrument: string, identity: Identity, expectedModel: string): Identity {
  if (!identity.model.toUpperCase().includes(expectedModel.toUpperCase())) {
    throw new IdentityMismatchError(instrument, 'model', expectedModel, identity);
  }
  return identity;
}
