import {
  BudgetExhaustedError,
  dayOf,
  RateLimiter,
  timezoneOf,
  TokenBudget,
} from '../../../../plugins/AiChat/lib/limits';
import { memoryStore } from '../../../support/plugin-fakes';

describe('AiChat limits', () => {
  it('allows limit requests per key within a sliding minute (the clock injected)', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(() => now);
    const user = { key: 'u:a', limit: 2 };
    expect(limiter.take([user]).ok).toBe(true);
    now += 10_000;
    expect(limiter.take([user]).ok).toBe(true);
    expect(limiter.take([user])).toEqual({ ok: false, key: 'u:a', limit: 2 });
    // the first request leaves the window 60 s after it was made
    now += 50_000;
    expect(limiter.take([user]).ok).toBe(true);
    expect(limiter.take([user]).ok).toBe(false);
    // another user is counted apart
    expect(limiter.take([{ key: 'u:b', limit: 2 }]).ok).toBe(true);
  });

  it('takes from every window or from none: a spent group limit does not use up the user', () => {
    const now = 0;
    const limiter = new RateLimiter(() => now);
    const group = { key: 'g:1', limit: 1 };
    expect(limiter.take([{ key: 'u:a', limit: 2 }, group]).ok).toBe(true);
    expect(limiter.take([{ key: 'u:a', limit: 2 }, group])).toEqual({ ok: false, key: 'g:1', limit: 1 });
    // u:a still has one left, in another group
    expect(
      limiter.take([
        { key: 'u:a', limit: 2 },
        { key: 'g:2', limit: 1 },
      ]).ok,
    ).toBe(true);
  });

  it('a limit of 0 means no limit', () => {
    const limiter = new RateLimiter(() => 0);
    for (let i = 0; i < 100; i++) expect(limiter.take([{ key: 'u', limit: 0 }]).ok).toBe(true);
  });

  it('dates a day in the time zone, else in UTC', () => {
    const at = new Date('2026-12-02T17:30:00Z');
    expect(dayOf(at, null)).toBe('2026-12-02');
    expect(dayOf(at, 'Asia/Shanghai')).toBe('2026-12-03');
    expect(dayOf(at, 'Not/AZone')).toBe('2026-12-02');
    expect(timezoneOf({ timezone: 'Asia/Shanghai' })).toBe('Asia/Shanghai');
    expect(timezoneOf({})).toBeNull();
  });

  it('counts tokens per robot and day in the store, and says when the budget is spent', async () => {
    let now = Date.parse('2026-12-02T10:00:00Z');
    const store = memoryStore();
    const budget = new TokenBudget(store, { clock: () => now });
    expect(await budget.exhausted(1, 100)).toBe(false);
    expect(await budget.spend(1, 60)).toBe(60);
    expect(await budget.spend(1, 40.4)).toBe(100);
    expect(await budget.exhausted(1, 100)).toBe(true);
    expect(await budget.exhausted(1, 0)).toBe(false); // 0: no budget
    expect(await budget.exhausted(2, 100)).toBe(false); // another robot
    expect(store.data.get('budget:1:2026-12-02')).toBe(100);
    // a new day starts from zero
    now += 24 * 3600_000;
    expect(await budget.exhausted(1, 100)).toBe(false);
  });

  it('uses the time zone for the day of the budget', async () => {
    const store = memoryStore();
    const budget = new TokenBudget(store, {
      clock: () => Date.parse('2026-12-02T17:30:00Z'),
      timeZone: 'Asia/Shanghai',
    });
    await budget.spend(3, 5);
    expect([...store.data.keys()]).toEqual(['budget:3:2026-12-03']);
  });

  it('has an error with the stable code AI_BUDGET_EXHAUSTED', () => {
    const e = new BudgetExhaustedError(1000);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('AI_BUDGET_EXHAUSTED');
  });
});
