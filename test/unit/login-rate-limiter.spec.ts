import { HttpStatus, Logger } from '@nestjs/common';
import { LoginRateLimiter } from '../../src/auth/login-rate-limiter';
import { DomainError } from '../../src/common/domain-error';
import { loadConfig } from '../../src/config/app-config';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-rate-limit.store';

const WINDOW = 60_000;
const T0 = Date.parse('2024-05-01T12:00:00.000Z');

function limiter(): LoginRateLimiter {
  const { config } = loadConfig({
    path: null,
    env: {},
    overrides: {
      backend: {
        login_max_failures_per_user: 3,
        login_max_attempts_per_ip: 5,
        login_window: '1m',
        login_slowdown_base: '2s',
        login_slowdown_max: '30s',
      },
    },
  });
  return new LoginRateLimiter(config, new MemoryRateLimitStore());
}

/** Runs `fn` and returns the DomainError it throws (fails the test if it throws nothing or something else). */
async function rejection(fn: () => Promise<unknown>): Promise<DomainError> {
  try {
    await fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

/** A failed login as the service does it: count the attempt, then record the failure. */
async function failLogin(l: LoginRateLimiter, ip: string, username: string, now: number) {
  await l.checkAttempt(ip, username, now);
  await l.recordFailure(username, ip, now);
}

/** The Retry-After (seconds) of the 429 the next attempt gets. */
const retryAfter = async (l: LoginRateLimiter, ip: string, username: string, now: number) =>
  Number((await rejection(() => l.checkAttempt(ip, username, now))).headers['Retry-After']);

describe('LoginRateLimiter per username and address', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('allows attempts while the failures stay below the limit', async () => {
    const l = limiter();
    await failLogin(l, '10.0.0.1', 'alice', T0);
    await failLogin(l, '10.0.0.1', 'alice', T0 + 1000);
    await expect(l.checkAttempt('10.0.0.1', 'alice', T0 + 2000)).resolves.toBeUndefined();
  });

  it('slows a username+address pair down after the maximum failures with 429 and a Retry-After header', async () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) await failLogin(l, '10.0.0.1', 'alice', T0 + i * 1000);
    const err = await rejection(() => l.checkAttempt('10.0.0.1', 'alice', T0 + 2500));
    expect(err.status).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(err.code).toBe('LOGIN_SLOWED_DOWN');
    // the base wait (2 s) from the third failure, at T0 + 2 s
    expect(err.headers['Retry-After']).toBe('2');
  });

  it('doubles the wait with every further failure of the pair, up to login_slowdown_max', async () => {
    const l = limiter();
    let now = T0;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      await l.recordFailure('alice', '10.0.0.1', now);
      if (i < 2) continue;
      const wait = await retryAfter(l, '10.0.0.1', 'alice', now);
      waits.push(wait);
      now += wait * 1000;
    }
    expect(waits).toEqual([2, 4, 8, 16, 30, 30, 30]);
  });

  it('lets the right password through from an address that has not failed, while the failing one waits', async () => {
    const l = limiter();
    for (let i = 0; i < 10; i++) {
      await l.recordFailure('admin', '203.0.113.7', T0);
    }
    await expect(l.checkAttempt('198.51.100.20', 'admin', T0)).resolves.toBeUndefined();
    await l.recordSuccess('admin', '198.51.100.20');
    expect((await rejection(() => l.checkAttempt('203.0.113.7', 'admin', T0))).code).toBe('LOGIN_SLOWED_DOWN');
  });

  it('matches the username case-insensitively', async () => {
    const l = limiter();
    await failLogin(l, '10.0.0.1', 'Alice', T0);
    await failLogin(l, '10.0.0.1', 'ALICE', T0);
    await failLogin(l, '10.0.0.1', 'alice', T0);
    for (const name of ['alice', 'Alice', 'aLiCe'])
      expect((await rejection(() => l.checkAttempt('10.0.0.1', name, T0 + 1000))).status).toBe(429);
    await expect(l.checkAttempt('10.0.0.1', 'bob', T0 + 1000)).resolves.toBeUndefined();
  });

  it('slows down every address that failed once the username failed often from many addresses', async () => {
    const l = limiter();
    await failLogin(l, '10.0.0.1', 'alice', T0);
    await failLogin(l, '10.0.0.2', 'alice', T0);
    await expect(l.checkAttempt('10.0.0.1', 'alice', T0)).resolves.toBeUndefined();
    await failLogin(l, '10.0.0.3', 'alice', T0); // the third failure of alice
    expect(await retryAfter(l, '10.0.0.3', 'alice', T0)).toBe(2);
    // the earlier addresses wait from their next failure on; one that never failed does not
    await failLogin(l, '10.0.0.1', 'alice', T0);
    expect(await retryAfter(l, '10.0.0.1', 'alice', T0)).toBe(2);
    await expect(l.checkAttempt('10.0.0.9', 'alice', T0)).resolves.toBeUndefined();
  });

  it('logs one warning when a pair starts to be slowed down, not one per failure', async () => {
    const l = limiter();
    let now = T0;
    for (let i = 0; i < 6; i++) {
      await l.recordFailure('alice', '10.0.0.1', now);
      now += 1000;
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatchObject({ username: 'alice', ip: '10.0.0.1', failures: 3 });
    // another pair is another warning
    for (let i = 0; i < 3; i++) await l.recordFailure('alice', '10.0.0.2', now);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('starts the pair afresh after a successful login from it', async () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) await l.recordFailure('alice', '10.0.0.1', T0);
    await l.recordSuccess('ALICE', '10.0.0.1');
    await expect(l.checkAttempt('10.0.0.1', 'alice', T0)).resolves.toBeUndefined();
  });

  it('forgets the failures of a pair after login_window without one', async () => {
    const l = limiter();
    for (let i = 0; i < 2; i++) await l.recordFailure('alice', '10.0.0.1', T0);
    const later = T0 + WINDOW;
    await l.recordFailure('alice', '10.0.0.1', later);
    await expect(l.checkAttempt('10.0.0.1', 'alice', later)).resolves.toBeUndefined();
    await l.recordFailure('alice', '10.0.0.1', later);
    await l.recordFailure('alice', '10.0.0.1', later);
    expect(await retryAfter(l, '10.0.0.1', 'alice', later)).toBe(2);
  });

  it('keeps a slowed-down pair across the periodic sweep', async () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) await l.recordFailure('alice', '10.0.0.1', T0);
    await expect(l.checkAttempt('10.0.0.2', 'bob', T0 + 61_000)).resolves.toBeUndefined(); // sweeps
    for (let i = 0; i < 12; i++) await l.recordFailure('alice', '10.0.0.1', T0 + 61_000);
    expect(await retryAfter(l, '10.0.0.1', 'alice', T0 + 62_000)).toBe(29);
  });
});

describe('LoginRateLimiter per IP', () => {
  it('limits attempts from one IP across usernames with 429 and a Retry-After header', async () => {
    const l = limiter();
    for (let i = 0; i < 5; i++)
      await expect(l.checkAttempt('10.0.0.1', `user${i}`, T0 + i * 1000)).resolves.toBeUndefined();
    const err = await rejection(() => l.checkAttempt('10.0.0.1', 'user5', T0 + 10_000));
    expect(err.status).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(err.code).toBe('LOGIN_RATE_LIMITED');
    expect(err.headers['Retry-After']).toBe('50');
  });

  it('counts successful attempts too', async () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) {
      await l.checkAttempt('10.0.0.1', 'alice', T0);
      await l.recordSuccess('alice', '10.0.0.1');
    }
    expect((await rejection(() => l.checkAttempt('10.0.0.1', 'alice', T0))).code).toBe('LOGIN_RATE_LIMITED');
  });

  it('does not limit other IPs', async () => {
    const l = limiter();
    for (let i = 0; i < 6; i++) {
      try {
        await l.checkAttempt('10.0.0.1', 'alice', T0);
      } catch {
        // the sixth attempt is refused
      }
    }
    await expect(l.checkAttempt('10.0.0.2', 'alice', T0)).resolves.toBeUndefined();
  });

  it('allows the IP again once the window has passed', async () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) await l.checkAttempt('10.0.0.1', `user${i}`, T0);
    await expect(l.checkAttempt('10.0.0.1', 'x', T0 + WINDOW - 1)).rejects.toThrow(DomainError);
    await expect(l.checkAttempt('10.0.0.1', 'x', T0 + WINDOW)).resolves.toBeUndefined();
  });

  it('keeps working after the periodic sweep of expired windows', async () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) await l.checkAttempt('10.0.0.1', `user${i}`, T0);
    const muchLater = T0 + 10 * WINDOW;
    await expect(l.checkAttempt('10.0.0.1', 'alice', muchLater)).resolves.toBeUndefined();
    for (let i = 0; i < 4; i++) await l.checkAttempt('10.0.0.1', `user${i}`, muchLater);
    expect((await rejection(() => l.checkAttempt('10.0.0.1', 'x', muchLater))).code).toBe('LOGIN_RATE_LIMITED');
  });
});
