import { HttpStatus } from '@nestjs/common';
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
      backend: { login_max_failures_per_user: 3, login_max_attempts_per_ip: 5, login_window: '1m' },
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
  l.recordFailure(username, now);
}

describe('LoginRateLimiter per username', () => {
  it('allows attempts while the failures stay below the limit', () => {
    const l = limiter();
    failLogin(l, '10.0.0.1', 'alice', T0);
    failLogin(l, '10.0.0.1', 'alice', T0 + 1000);
    expect(() => l.checkAttempt('10.0.0.1', 'alice', T0 + 2000)).not.toThrow();
  });

  it('locks a username after the maximum failures with 429 and a Retry-After header', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) failLogin(l, '10.0.0.1', 'alice', T0 + i * 1000);
    const err = rejection(() => l.checkAttempt('10.0.0.1', 'alice', T0 + 20_000));
    expect(err.status).toBe(HttpStatus.TOO_MANY_REQUESTS);
    expect(err.code).toBe('LOGIN_LOCKED');
    expect(Number(err.headers['Retry-After'])).toBeGreaterThan(0);
    // the window started with the first failure: 60 s - 20 s
    expect(err.headers['Retry-After']).toBe('40');
  });

  it('locks the username case-insensitively and from another IP', () => {
    const l = limiter();
    failLogin(l, '10.0.0.1', 'Alice', T0);
    failLogin(l, '10.0.0.2', 'ALICE', T0);
    failLogin(l, '10.0.0.3', 'alice', T0);
    for (const name of ['alice', 'Alice', 'aLiCe'])
      expect(rejection(() => l.checkAttempt('192.168.1.9', name, T0 + 1000)).status).toBe(429);
  });

  it('does not lock other usernames', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure('alice', T0);
    expect(() => l.checkAttempt('10.0.0.1', 'bob', T0)).not.toThrow();
  });

  it('clears the failure counter on a successful login', () => {
    const l = limiter();
    failLogin(l, '10.0.0.1', 'alice', T0);
    failLogin(l, '10.0.0.1', 'alice', T0);
    l.recordSuccess('ALICE');
    failLogin(l, '10.0.0.2', 'alice', T0);
    failLogin(l, '10.0.0.2', 'alice', T0);
    expect(() => l.checkAttempt('10.0.0.3', 'alice', T0)).not.toThrow();
    l.recordFailure('alice', T0);
    expect(rejection(() => l.checkAttempt('10.0.0.3', 'alice', T0)).code).toBe('LOGIN_LOCKED');
  });

  it('unlocks the username once the window has passed', () => {
    const l = limiter();
    for (let i = 0; i < 3; i++) l.recordFailure('alice', T0);
    const justBefore = rejection(() => l.checkAttempt('10.0.0.1', 'alice', T0 + WINDOW - 1));
    expect(justBefore.headers['Retry-After']).toBe('1');
    expect(() => l.checkAttempt('10.0.0.1', 'alice', T0 + WINDOW)).not.toThrow();
  });

  it('starts a fresh window after expiry, so old failures no longer count', () => {
    const l = limiter();
    for (let i = 0; i < 2; i++) l.recordFailure('alice', T0);
    const later = T0 + WINDOW + 5_000;
    l.recordFailure('alice', later);
    l.recordFailure('alice', later);
    expect(() => l.checkAttempt('10.0.0.1', 'alice', later)).not.toThrow();
    l.recordFailure('alice', later);
    expect(rejection(() => l.checkAttempt('10.0.0.1', 'alice', later + 1000)).headers['Retry-After']).toBe('59');
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
      l.recordSuccess('alice');
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
    for (let i = 0; i < 3; i++) l.recordFailure('alice', T0);
    for (let i = 0; i < 5; i++) l.checkAttempt('10.0.0.1', `user${i}`, T0);
    const muchLater = T0 + 10 * WINDOW;
    expect(() => l.checkAttempt('10.0.0.1', 'alice', muchLater)).not.toThrow();
    for (let i = 0; i < 3; i++) l.recordFailure('alice', muchLater);
    expect(rejection(() => l.checkAttempt('10.0.0.9', 'alice', muchLater)).code).toBe('LOGIN_LOCKED');
  });
});
