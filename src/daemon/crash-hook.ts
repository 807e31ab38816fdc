// Test-only crash points for the crash-safe resume test (test/daemon/crash.test.ts). With
// NUDGED_CRASH_AT=<point>:<n> in the environment the process kills itself with SIGKILL the n-th
// time it passes <point> (1-based): `intent` right after a pulse intent is committed and before
// the batch is sent, `step` right after a step's commit, `metrics` inside a step between the
// pulse completion and the step's commit. Unset (always, outside tests) it does nothing.
const spec = /^(intent|step|metrics):(\d+)$/.exec(process.env.NUDGED_CRASH_AT ?? '');
const counts = new Map<string, number>();

export type CrashPoint = 'intent' | 'step' | 'metrics';

export function crashHook(point: CrashPoint): void {
  if (spec === null || spec[1] !== point) return;
  const n = (counts.get(point) ?? 0) + 1;
  counts.set(point, n);
  if (n === Number(spec[2])) process.kill(process.pid, 'SIGKILL');
}
