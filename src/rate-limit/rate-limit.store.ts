import type { ThrottlerStorage } from '@nestjs/throttler';
import type { AppConfig } from '../config/app-config';

/** What ThrottlerGuard reads from its storage (the package does not export the type by name). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** A fixed-window count: hits in the current window, when it ends, and how long the key must still wait (0: free). */
export interface WindowCount {
  hits: number;
  resetInMs: number;
  blockedForMs: number;
}

/** One named limit of the service: at most `limit` hits of one tracker (a client IP) per `ttl` ms. */
export interface NamedRateLimit {
  name: RateLimitName;
  limit: number;
  ttl: number;
  /** Over the limit, the tracker waits this long from the hit that went over; 0: until its window ends. */
  blockDuration: number;
}

export type RateLimitName = 'login' | 'refresh' | 'webhook-refusals';

/**
 * The per-IP limits, from the typed config. ThrottlerModule gets them all (see rate-limit.module.ts); the guard applies
 * those a route opts into with @RateLimited, services count the others with RateLimitStore.hit — one definition.
 */
export function rateLimits(config: AppConfig): Record<RateLimitName, NamedRateLimit> {
  const b = config.backend;
  return {
    login: { name: 'login', limit: b.login_max_attempts_per_ip, ttl: b.login_window, blockDuration: 0 },
    refresh: { name: 'refresh', limit: b.refresh_max_per_ip, ttl: b.refresh_window, blockDuration: 0 },
    'webhook-refusals': {
      name: 'webhook-refusals',
      limit: b.webhook_max_refusals_per_ip,
      ttl: b.webhook_refusal_window,
      blockDuration: 0,
    },
  };
}

/** The storage key of one limit and tracker: the guard and RateLimitStore.hit count under the same one. */
export const rateLimitKey = (name: string, tracker: string) => `${name}:${tracker}`;

/**
 * The counters behind every rate limit: @nestjs/throttler's storage (`increment`, used by its guard) plus the few
 * operations the login slow-down needs, which a guard cannot express (it depends on the outcome of the attempt).
 * Two adapters: in this process (MemoryRateLimitStore) or in Redis (RedisRateLimitStore, shared by every instance),
 * chosen by `backend.enable_redis`. Every time is the caller's `now` (ms), so the limits follow one clock in tests;
 * instances sharing Redis compare their own clocks, which NTP keeps far closer than any window here.
 */
export abstract class RateLimitStore implements ThrottlerStorage {
  /** The clock of `increment` and `hit` (replaceable in tests). */
  clock: () => number = () => Date.now();

  /** @nestjs/throttler's contract (times in seconds): a fixed window, see `count`. */
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const c = await this.count(key, limit, ttl, blockDuration, this.clock());
    return {
      totalHits: c.hits,
      timeToExpire: seconds(c.resetInMs),
      isBlocked: c.blockedForMs > 0,
      timeToBlockExpire: c.blockedForMs > 0 ? seconds(c.blockedForMs) : 0,
    };
  }

  /**
   * Counts one hit of `tracker` against `limit`, under the key the guard would use; answers the seconds to wait (the
   * Retry-After) when it is over the limit, else 0.
   */
  async hit(limit: NamedRateLimit, tracker: string, now = this.clock()): Promise<number> {
    const c = await this.count(rateLimitKey(limit.name, tracker), limit.limit, limit.ttl, limit.blockDuration, now);
    return c.blockedForMs > 0 ? seconds(c.blockedForMs) : 0;
  }

  /**
   * One hit in a fixed window of `windowMs` that starts with the first hit. Over `limit`, the key is blocked for
   * `blockMs` from the hit that went over (0: until the window ends); hits during a block are counted too.
   */
  abstract count(key: string, limit: number, windowMs: number, blockMs: number, now: number): Promise<WindowCount>;

  /** Adds one to a counter that is forgotten `ttlMs` after its last bump (or when its hold ends, if later). */
  abstract bump(key: string, ttlMs: number, now: number): Promise<number>;

  /** Holds a counter's key for `ms` from now (keeping the counter that long); answers the holds in its lifetime. */
  abstract hold(key: string, ms: number, now: number): Promise<number>;

  /** How long the key is still held, in ms (0: not held). */
  abstract heldFor(key: string, now: number): Promise<number>;

  /** Forgets a counter and its hold. */
  abstract delete(key: string): Promise<void>;
}

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
