import { Inject, Injectable, Logger } from '@nestjs/common';
import { backoffDelay } from '../common/backoff';
import { APP_CONFIG } from '../config/app-config';
import type { AppConfig } from '../config/app-config';
import { tooManyRequests } from '../common/domain-error';
import { NamedRateLimit, RateLimitStore, rateLimits } from '../rate-limit/rate-limit.store';

/**
 * Limits on logins, counted in the RateLimitStore (in Redis when it is enabled, so every instance behind a load
 * balancer sees the same counts):
 *
 * - every attempt counts against the client IP (`login_max_attempts_per_ip` per `login_window`, a fixed window, the
 *   `login` limit of ThrottlerModule), so one address cannot try many usernames;
 * - failures count against the username *and* the address they came from. Once a pair has failed
 *   `login_max_failures_per_user` times — or the username has failed that often from all addresses together, for an
 *   address that failed at least once — each further attempt of the pair waits `login_slowdown_base`, doubling with
 *   every further failure, at most `login_slowdown_max` (429 with Retry-After). The counters of a pair are forgotten
 *   after `login_window` without a failure.
 *
 * There is no lock on a username: an address that has not failed for it (the owner elsewhere) always gets its
 * password checked, so nobody can lock an account out by failing on purpose. A success clears its own pair only.
 *
 * Why a service and not ThrottlerGuard on the route: the slow-down counts failures, which only the password check
 * knows; a slowed-down pair is refused before its attempt counts against the IP; and a refused login is audited with
 * the username tried (AuthService), which a guard running before the handler could not do.
 */
@Injectable()
export class LoginRateLimiter {
  private readonly logger = new Logger(LoginRateLimiter.name);
  private readonly perIp: NamedRateLimit;
  /** The clock (replaceable in tests). */
  clock: () => number = () => Date.now();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly store: RateLimitStore,
  ) {
    this.perIp = rateLimits(config).login;
  }

  /** Counts an attempt from `ip` and throws 429 if the IP is over its limit or this username+IP pair must wait. */
  async checkAttempt(ip: string, username: string, now = this.clock()): Promise<void> {
    const wait = await this.store.heldFor(pairKey(username, ip), now);
    if (wait > 0)
      throw tooManyRequests(
        'LOGIN_SLOWED_DOWN',
        'Too many failed logins for this username from this address; wait before trying again',
        Math.max(1, Math.ceil(wait / 1000)),
      );
    await this.countAgainstIp(ip, now);
  }

  /**
   * Counts a login request from `ip` whose body was refused before it could be read as an attempt (too large,
   * malformed, too deep): against the IP only, as an attempt would, with the same 429 once the IP is over its limit.
   */
  countRefusedBody(ip: string, now = this.clock()): Promise<void> {
    return this.countAgainstIp(ip, now);
  }

  /** A wrong password (or unknown or disabled user) for `username` from `ip`. */
  async recordFailure(username: string, ip: string, now = this.clock()): Promise<void> {
    const b = this.config.backend;
    const usernameFailures = await this.store.bump(userKey(username), b.login_window, now);
    const key = pairKey(username, ip);
    const failures = await this.store.bump(key, b.login_window, now);
    const threshold = b.login_max_failures_per_user;
    if (failures < threshold && usernameFailures < threshold) return;
    const doublings = Math.max(0, failures - threshold);
    // base × 2^doublings (never Infinity, however long the attack), capped
    const delay = backoffDelay(doublings + 1, { baseMs: b.login_slowdown_base, maxMs: b.login_slowdown_max });
    // the pair's counter lives on while it is held; its first hold is the start of the episode
    if ((await this.store.hold(key, delay, now)) === 1)
      this.logger.warn(
        { username, ip, failures, usernameFailures, retryAfterSeconds: Math.ceil(delay / 1000) },
        'Repeated failed logins: this username and address are slowed down',
      );
  }

  /** A successful login of `username` from `ip`: that pair starts afresh (other addresses stay slowed down). */
  recordSuccess(username: string, ip: string): Promise<void> {
    return this.store.delete(pairKey(username, ip));
  }

  private async countAgainstIp(ip: string, now: number): Promise<void> {
    const retryAfter = await this.store.hit(this.perIp, ip, now);
    if (retryAfter > 0)
      throw tooManyRequests(
        'LOGIN_RATE_LIMITED',
        'Too many login attempts from this address; try again later',
        retryAfter,
      );
  }
}

/** Usernames are matched case-insensitively (as the database's collation does on MySQL). */
const userKey = (username: string) => `login-user:${username.toLowerCase()}`;
const pairKey = (username: string, ip: string) => `login-pair:${ip}\n${username.toLowerCase()}`;
