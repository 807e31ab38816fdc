// Reconnect delays: exponential, capped, optionally jittered by an injected uniform source so a
// seeded generator makes the schedule reproducible (and no source means no jitter at all).

export interface ReconnectPolicy {
  /** Attempts per reconnect before the transaction fails; 0 disables reconnecting. Default 5. */
  attempts?: number;
  /** Delay before the first attempt, ms. Default 100. */
  initialDelay_ms?: number;
  /** Cap on any one delay, ms. Default 5000. */
  maxDelay_ms?: number;
  /** Growth per attempt. Default 2. */
  factor?: number;
  /** Each delay is scaled by a factor uniform in [1 − jitter, 1 + jitter]. Default 0.2. */
  jitter?: number;
  /** Uniform [0, 1) source for the jitter, e.g. `() => rng.uniform()`; absent = no jitter. */
  random?: () => number;
}

export type ResolvedReconnectPolicy = Required<Omit<ReconnectPolicy, 'random'>> &
  Pick<ReconnectPolicy, 'random'>;

export function resolveReconnectPolicy(policy: ReconnectPolicy = {}): ResolvedReconnectPolicy {
  const resolved = {
    attempts: policy.attempts ?? 5,
    initialDelay_ms: policy.initialDelay_ms ?? 100,
    maxDelay_ms: policy.maxDelay_ms ?? 5000,
    factor: policy.factor ?? 2,
    jitter: policy.jitter ?? 0.2,
    random: policy.random,
  };
  if (!Number.isInteger(resolved.attempts) || resolved.attempts < 0)
    throw new RangeError(`reconnect attempts must be a non-negative integer, got ${resolved.attempts}`);
  if (!(resolved.jitter >= 0 && resolved.jitter <= 1))
    throw new RangeError(`reconnect jitter must be in [0, 1], got ${resolved.jitter}`);
  if (!(resolved.factor >= 1)) throw new RangeError(`reconnect factor must be ≥ 1, got ${resolved.factor}`);
  return resolved;
}

/** The wait before reconnect attempt `attempt` (0-based), ms. */
export function backoffDelay(attempt: number, policy: ResolvedReconnectPolicy): number {
  const base = Math.min(policy.maxDelay_ms, policy.initialDelay_ms * policy.factor ** attempt);
  if (!policy.random || policy.jitter === 0) return base;
  return base * (1 - policy.jitter + 2 * policy.jitter * policy.random());
}
