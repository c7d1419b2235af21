import { backoffDelay } from './backoff';

describe('backoffDelay', () => {
  it('doubles from the base with each attempt', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, { baseMs: 1000 }))).toEqual([1000, 2000, 4000, 8000, 16000]);
  });

  it('never exceeds the cap', () => {
    expect([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, { baseMs: 1000, maxMs: 5000 }))).toEqual([
      1000, 2000, 4000, 5000, 5000, 5000,
    ]);
  });

  it('counts an attempt below 1, or not a number, as the first', () => {
    expect(backoffDelay(0, { baseMs: 300 })).toBe(300);
    expect(backoffDelay(-3, { baseMs: 300 })).toBe(300);
    expect(backoffDelay(Number.NaN, { baseMs: 300 })).toBe(300);
  });

  it('stays finite for any attempt, even without a cap', () => {
    for (const n of [41, 100, 10_000, Number.POSITIVE_INFINITY]) {
      const d = backoffDelay(n, { baseMs: 1000 });
      expect(Number.isFinite(d)).toBe(true);
      expect(d).toBe(1000 * 2 ** 40);
    }
  });

  it('takes at most the jitter fraction off, at random', () => {
    expect(backoffDelay(3, { baseMs: 1000, jitter: 0.5, random: () => 0 })).toBe(4000);
    expect(backoffDelay(3, { baseMs: 1000, jitter: 0.5, random: () => 0.5 })).toBe(3000);
    expect(backoffDelay(3, { baseMs: 1000, jitter: 0.5, random: () => 0.999999 })).toBe(2000);
    expect(backoffDelay(3, { baseMs: 1000, maxMs: 3000, jitter: 1, random: () => 0.25 })).toBe(2250);
    for (let i = 0; i < 100; i++) {
      const d = backoffDelay(2, { baseMs: 1000, jitter: 0.2 });
      expect(d).toBeGreaterThanOrEqual(1600);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });

  it('ignores a jitter outside 0–1 (no negative waits, no waits above the delay)', () => {
    expect(backoffDelay(1, { baseMs: 1000, jitter: -1, random: () => 0.9 })).toBe(1000);
    expect(backoffDelay(1, { baseMs: 1000, jitter: 5, random: () => 0.5 })).toBe(500);
  });
});
