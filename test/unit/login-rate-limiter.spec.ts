import { HttpStatus, Logger } from '@nestjs/common';
import { LoginRateLimiter } from '../../src/auth/login-rate-limiter';
import { DomainError } from '../../src/common/domain-error';
import { loadConfig } from '../../src/config/app-config';

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
  return new LoginRateLimiter(config);
}

/** Runs `fn` and returns the DomainError it throws (fails the test if it throws nothing or something else). */
function rejection(fn: () => void): DomainError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return err as DomainError;
  }
  throw new Error('expected a DomainError, but nothing was thrown');
}

/** A failed login as the service does it: count the attempt, then record the failure. */
function failLogin(l: LoginRateLimiter, ip: string, username: string, now: number) {
  l.checkAttempt(ip, username, now);
  l.recordFailure(username, ip, now);
}

/** The Retry-After (seconds) of the 429 the next attempt gets. */
const retryAfter = (l: LoginRateLimiter, ip: string, username: string, now: number) =>
  Number(rejection(() => l.checkAttempt(ip, username, now)).headers['Retry-After']);

describe('LoginRateLimiter per username and address', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('allows attempts while the failures stay below the limit', () => {
    const l = limiter();
    failLogin(l, '10.0.0.1', 'alice', T0);
    failLogin(l, '10.0.0.1', 'alice', T0 + 1000);
    expect(() => l.checkAttempt('10.0.0.1', 'alice', T0 + 2000)).not.toThrow();
  });

  it('slows a username+address pair down after the maximum failures with 429 and a Retry-After header', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) failLogin(l, '10.0.0.1', 'alice', T0 + i * 1000);
    const err = rejection(() => l.checkAttempt('10.0.0.1', 'alice', T0 + 2500));
    expect(err.status).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(err.code).toBe('LOGIN_SLOWED_DOWN');
    // the base wait (2 s) from the third failure, at T0 + 2 s
    expect(err.headers['Retry-After']).toBe('2');
  });

  it('doubles the wait with every further failure of the pair, up to login_slowdown_max', () => {
    const l = limiter();
    let now = T0;
    const waits: number[] = [];
    for (let i = 0; i < 9; i++) {
      l.recordFailure('alice', '10.0.0.1', now);
      if (i < 2) continue;
      const wait = retryAfter(l, '10.0.0.1', 'alice', now);
      waits.push(wait);
      now += wait * 1000;
    }
    expect(waits).toEqual([2, 4, 8, 16, 30, 30, 30]);
  });

  it('lets the right password through from an address that has not failed, while the failing one waits', () => {
    const l = limiter();
    for (let i = 0; i < 10; i++) {
      l.recordFailure('admin', '203.0.113.7', T0);
    }
    expect(() => l.checkAttempt('198.51.100.20', 'admin', T0)).not.toThrow();
    l.recordSuccess('admin', '198.51.100.20');
    expect(rejection(() => l.checkAttempt('203.0.113.7', 'admin', T0)).code).toBe('LOGIN_SLOWED_DOWN');
  });

  it('matches the username case-insensitively', () => {
    const l = limiter();
    failLogin(l, '10.0.0.1', 'Alice', T0);
    failLogin(l, '10.0.0.1', 'ALICE', T0);
    failLogin(l, '10.0.0.1', 'alice', T0);
    for (const name of ['alice', 'Alice', 'aLiCe'])
      expect(rejection(() => l.checkAttempt('10.0.0.1', name, T0 + 1000)).status).toBe(429);
    expect(() => l.checkAttempt('10.0.0.1', 'bob', T0 + 1000)).not.toThrow();
  });

  it('slows down every address that failed once the username failed often from many addresses', () => {
    const l = limiter();
    failLogin(l, '10.0.0.1', 'alice', T0);
    failLogin(l, '10.0.0.2', 'alice', T0);
    expect(() => l.checkAttempt('10.0.0.1', 'alice', T0)).not.toThrow();
    failLogin(l, '10.0.0.3', 'alice', T0); // the third failure of alice
    expect(retryAfter(l, '10.0.0.3', 'alice', T0)).toBe(2);
    // the earlier addresses wait from their next failure on; one that never failed does not
    failLogin(l, '10.0.0.1', 'alice', T0);
    expect(retryAfter(l, '10.0.0.1', 'alice', T0)).toBe(2);
    expect(() => l.checkAttempt('10.0.0.9', 'alice', T0)).not.toThrow();
  });

  it('logs one warning when a pair starts to be slowed down, not one per failure', () => {
    const l = limiter();
    let now = T0;
    for (let i = 0; i < 6; i++) {
      l.recordFailure('alice', '10.0.0.1', now);
      now += 1000;
    }
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][0]).toMatchObject({ username: 'alice', ip: '10.0.0.1', failures: 3 });
    // another pair is another warning
    for (let i = 0; i < 3; i++) l.recordFailure('alice', '10.0.0.2', now);
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('starts the pair afresh after a successful login from it', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure('alice', '10.0.0.1', T0);
    l.recordSuccess('ALICE', '10.0.0.1');
    expect(() => l.checkAttempt('10.0.0.1', 'alice', T0)).not.toThrow();
  });

  it('forgets the failures of a pair after login_window without one', () => {
    const l = limiter();
    for (let i = 0; i < 2; i++) l.recordFailure('alice', '10.0.0.1', T0);
    const later = T0 + WINDOW;
    l.recordFailure('alice', '10.0.0.1', later);
    expect(() => l.checkAttempt('10.0.0.1', 'alice', later)).not.toThrow();
    l.recordFailure('alice', '10.0.0.1', later);
    l.recordFailure('alice', '10.0.0.1', later);
    expect(retryAfter(l, '10.0.0.1', 'alice', later)).toBe(2);
  });

  it('keeps a slowed-down pair across the periodic sweep', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure('alice', '10.0.0.1', T0);
    expect(() => l.checkAttempt('10.0.0.2', 'bob', T0 + 61_000)).not.toThrow(); // sweeps
    for (let i = 0; i < 12; i++) l.recordFailure('alice', '10.0.0.1', T0 + 61_000);
    expect(retryAfter(l, '10.0.0.1', 'alice', T0 + 62_000)).toBe(29);
  });
});

describe('LoginRateLimiter per IP', () => {
  it('limits attempts from one IP across usernames with 429 and a Retry-After header', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) expect(() => l.checkAttempt('10.0.0.1', `user${i}`, T0 + i * 1000)).not.toThrow();
    const err = rejection(() => l.checkAttempt('10.0.0.1', 'user5', T0 + 10_000));
    expect(err.status).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(err.code).toBe('LOGIN_RATE_LIMITED');
    expect(err.headers['Retry-After']).toBe('50');
  });

  it('counts successful attempts too', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) {
      l.checkAttempt('10.0.0.1', 'alice', T0);
      l.recordSuccess('alice', '10.0.0.1');
    }
    expect(rejection(() => l.checkAttempt('10.0.0.1', 'alice', T0)).code).toBe('LOGIN_RATE_LIMITED');
  });

  it('does not limit other IPs', () => {
    const l = limiter();
    for (let i = 0; i < 6; i++) {
      try {
        l.checkAttempt('10.0.0.1', 'alice', T0);
      } catch {
        // the sixth attempt is refused
      }
    }
    expect(() => l.checkAttempt('10.0.0.2', 'alice', T0)).not.toThrow();
  });

  it('allows the IP again once the window has passed', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) l.checkAttempt('10.0.0.1', `user${i}`, T0);
    expect(() => l.checkAttempt('10.0.0.1', 'x', T0 + WINDOW - 1)).toThrow(DomainError);
    expect(() => l.checkAttempt('10.0.0.1', 'x', T0 + WINDOW)).not.toThrow();
  });

  it('keeps working after the periodic sweep of expired windows', () => {
    const l = limiter();
    for (let i = 0; i < 5; i++) l.checkAttempt('10.0.0.1', `user${i}`, T0);
    const muchLater = T0 + 10 * WINDOW;
    expect(() => l.checkAttempt('10.0.0.1', 'alice', muchLater)).not.toThrow();
    for (let i = 0; i < 4; i++) l.checkAttempt('10.0.0.1', `user${i}`, muchLater);
    expect(rejection(() => l.checkAttempt('10.0.0.1', 'x', muchLater)).code).toBe('LOGIN_RATE_LIMITED');
  });
});
