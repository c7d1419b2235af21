import { RateLimitStore, WindowCount } from './rate-limit.store';

interface Entry {
  hits: number;
  /** Holds in the lifetime of a bumped counter. */
  holds: number;
  /** Blocked or held until then (0: never). */
  until: number;
  /** The window ends (a count) or the counter is forgotten (a bump) then. */
  expires: number;
}

/** The counters in this process: the default, and what RedisRateLimitStore falls back on while Redis is down. */
export class MemoryRateLimitStore extends RateLimitStore {
  private readonly entries = new Map<string, Entry>();
  private lastSweep = 0;

  count(key: string, limit: number, windowMs: number, blockMs: number, now: number): Promise<WindowCount> {
    const e = this.entry(key, now);
    if (e.expires <= now) {
      e.hits = 0;
      e.expires = now + windowMs;
    }
    e.hits++;
    if (e.hits > limit && e.until <= now && blockMs > 0) e.until = now + blockMs;
    const blockedUntil = e.until > now ? e.until : e.hits > limit ? e.expires : now;
    return Promise.resolve({ hits: e.hits, resetInMs: e.expires - now, blockedForMs: blockedUntil - now });
  }

  bump(key: string, ttlMs: number, now: number): Promise<number> {
    const e = this.entry(key, now);
    if (e.expires <= now) Object.assign(e, { hits: 0, holds: 0, until: 0 });
    e.hits++;
    e.expires = Math.max(now + ttlMs, e.until);
    return Promise.resolve(e.hits);
  }

  hold(key: string, ms: number, now: number): Promise<number> {
    const e = this.entry(key, now);
    if (e.expires <= now) Object.assign(e, { hits: 0, holds: 0, expires: now });
    e.until = now + ms;
    e.holds++;
    e.expires = Math.max(e.expires, e.until);
    return Promise.resolve(e.holds);
  }

  heldFor(key: string, now: number): Promise<number> {
    const e = this.entries.get(key);
    return Promise.resolve(e && e.expires > now && e.until > now ? e.until - now : 0);
  }

  delete(key: string): Promise<void> {
    this.entries.delete(key);
    return Promise.resolve();
  }

  private entry(key: string, now: number): Entry {
    this.sweep(now);
    let e = this.entries.get(key);
    if (!e) {
      e = { hits: 0, holds: 0, until: 0, expires: 0 };
      this.entries.set(key, e);
    }
    return e;
  }

  /** Forgets what has expired, at most once a minute (no timer to stop at shutdown). */
  private sweep(now: number): void {
    if (now - this.lastSweep < 60_000) return;
    this.lastSweep = now;
    for (const [k, e] of this.entries) if (Math.max(e.expires, e.until) <= now) this.entries.delete(k);
  }
}
