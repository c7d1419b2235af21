import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay } from '../common/backoff';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { tooManyRequests } from '../common/domain-error';

interface Window {
  count: number;
  resetAt: number;
}

/** The failures of one username from one address. */
interface PairFailures {
  count: number;
  /** The next attempt of this pair is refused before this time (0: not slowed down). */
  nextAt: number;
  /** Forgotten at this time. */
  resetAt: number;
  /** The warning that this pair is slowed down was logged (once per episode). */
  warned: boolean;
}

/**
 * Limits on logins, all counted in this process:
 *
 * - every attempt counts against the client IP (`login_max_attempts_per_ip` per `login_window`, a fixed window), so one
 *   address cannot try many usernames;
 * - failures count against the username *and* the address they came from. Once a pair has failed
 *   `login_max_failures_per_user` times — or the username has failed that often from all addresses together, for an
 *   address that failed at least once — each further attempt of the pair waits `login_slowdown_base`, doubling with
 *   every further failure, at most `login_slowdown_max` (429 with Retry-After). The counters of a pair are forgotten
 *   after `login_window` without a failure.
 *
 * There is no lock on a username: an address that has not failed for it (the owner elsewhere) always gets its
 * password checked, so nobody can lock an account out by failing on purpose. A success clears its own pair only.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly logger = new Logger(LoginRateLimiter.name);
  private readonly windows = new Map<string, Window>();
  private readonly pairs = new Map<string, PairFailures>();
  /** Failures of a username from all addresses: count and when they are forgotten. */
  private readonly users = new Map<string, Window>();
  private lastSweep = 0;
  /** The clock (replaceable in tests). */
  clock: () => number = () => Date.now();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  /** Counts an attempt from `ip` and throws 429 if the IP is over its limit or this username+IP pair must wait. */
  checkAttempt(ip: string, username: string, now = this.clock()): void {
    this.sweep(now);
    const pair = this.pairs.get(pairKey(username, ip));
    if (pair && pair.nextAt > now)
      throw tooManyRequests(
        'LOGIN_SLOWED_DOWN',
        'Too many failed logins for this username from this address; wait before trying again',
        Math.max(1, Math.ceil((pair.nextAt - now) / 1000)),
      );
    const ipWindow = this.bump(`ip:${ip}`, now);
    if (ipWindow.count > this.config.backend.login_max_attempts_per_ip)
      throw tooManyRequests(
        'LOGIN_RATE_LIMITED',
        'Too many login attempts from this address; try again later',
        Math.ceil((ipWindow.resetAt - now) / 1000),
      );
  }

  /**
   * Counts a login request from `ip` whose body was refused before it could be read as an attempt (too large,
   * malformed, too deep): against the IP only, as an attempt would, with the same 429 once the IP is over its limit.
   */
  countRefusedBody(ip: string, now = this.clock()): void {
    this.sweep(now);
    const ipWindow = this.bump(`ip:${ip}`, now);
    if (ipWindow.count > this.config.backend.login_max_attempts_per_ip)
      throw tooManyRequests(
        'LOGIN_RATE_LIMITED',
        'Too many login attempts from this address; try again later',
        Math.ceil((ipWindow.resetAt - now) / 1000),
      );
  }

  /** A wrong password (or unknown or disabled user) for `username` from `ip`. */
  recordFailure(username: string, ip: string, now = this.clock()): void {
    const b = this.config.backend;
    const name = username.toLowerCase();
    const user = this.live(this.users, name, now) ?? { count: 0, resetAt: 0 };
    user.count++;
    user.resetAt = now + b.login_window;
    this.users.set(name, user);

    const key = pairKey(username, ip);
    const pair = this.live(this.pairs, key, now) ?? { count: 0, nextAt: 0, resetAt: 0, warned: false };
    pair.count++;
    const threshold = b.login_max_failures_per_user;
    if (pair.count >= threshold || user.count >= threshold) {
      const doublings = Math.max(0, pair.count - threshold);
      // base × 2^doublings (never Infinity, however long the attack), capped
      const delay = backoffDelay(doublings + 1, { baseMs: b.login_slowdown_base, maxMs: b.login_slowdown_max });
      pair.nextAt = now + delay;
      if (!pair.warned) {
        pair.warned = true;
        this.logger.warn(
          {
            username,
            ip,
            failures: pair.count,
            usernameFailures: user.count,
            retryAfterSeconds: Math.ceil(delay / 1000),
          },
          'Repeated failed logins: this username and address are slowed down',
        );
      }
    }
    pair.resetAt = Math.max(now + b.login_window, pair.nextAt);
    this.pairs.set(key, pair);
  }

  /** A successful login of `username` from `ip`: that pair starts afresh (other addresses stay slowed down). */
  recordSuccess(username: string, ip: string): void {
    this.pairs.delete(pairKey(username, ip));
  }

  private live<T extends { resetAt: number }>(map: Map<string, T>, key: string, now: number): T | undefined {
    const v = map.get(key);
    return v && v.resetAt > now ? v : undefined;
  }

  private bump(key: string, now: number): Window {
    let w = this.live(this.windows, key, now);
    if (!w) {
      w = { count: 0, resetAt: now + this.config.backend.login_window };
      this.windows.set(key, w);
    }
    w.count++;
    return w;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
    for (const [k, w] of this.users) if (w.resetAt <= now) this.users.delete(k);
    for (const [k, p] of this.pairs) if (p.resetAt <= now) this.pairs.delete(k);
  }
}

/** Usernames are matched case-insensitively (as the database's collation does on MySQL). */
const pairKey = (username: string, ip: string) => `${username.toLowerCase()}\n${ip}`;
