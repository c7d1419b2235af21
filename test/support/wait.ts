/**
 * The least a wait allows: a deadline only stops a test that hangs, it is never what a test proves, so it must hold
 * on a machine whose cores are busy with something else (a wait ends as soon as its condition holds, so a long
 * deadline costs nothing when the test passes).
 */
export const MIN_WAIT_MS = 30_000;

/**
 * Polls `probe` until it returns a truthy value (returned), or fails after `timeoutMs` (at least MIN_WAIT_MS) with
 * the last value seen.
 */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  timeoutMs = MIN_WAIT_MS,
  what = 'condition',
): Promise<NonNullable<T>> {
  const limit = Math.max(timeoutMs, MIN_WAIT_MS);
  const deadline = Date.now() + limit;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (last) return last;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${limit} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
