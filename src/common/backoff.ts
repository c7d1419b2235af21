/** The exponent stops growing here: 2^40 times even a 10 ms base is centuries, and the delay never becomes Infinity. */
const MAX_DOUBLINGS = 40;

export interface BackoffOptions {
  /** The wait after the first failure (attempt 1); it doubles with each further attempt. */
  baseMs: number;
  /** No wait is longer than this (default: no cap). */
  maxMs?: number;
  /**
   * A fraction (0–1) of the delay taken off at random, so that many retries started together spread out (0, the
   * default: no jitter). The result stays within [delay × (1 − jitter), delay].
   */
  jitter?: number;
  /** Replaceable in tests: a number in [0, 1). */
  random?: () => number;
}

/**
 * Exponential backoff, the one formula of the service: the wait before the retry that follows failed attempt
 * `attempt` (1-based) is `baseMs × 2^(attempt − 1)`, capped at `maxMs`, minus the optional jitter. An attempt below 1 (or
 * not a number) counts as 1.
 */
export function backoffDelay(attempt: number, o: BackoffOptions): number {
  const n = Math.floor(attempt) - 1;
  const doublings = n > 0 ? Math.min(n, MAX_DOUBLINGS) : 0;
  const delay = Math.min(o.baseMs * 2 ** doublings, o.maxMs ?? Infinity);
  const jitter = Math.min(Math.max(o.jitter ?? 0, 0), 1);
  if (!jitter) return delay;
  return Math.round(delay * (1 - jitter * (o.random ?? Math.random)()));
}
