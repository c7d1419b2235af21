import { Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { MemoryRateLimitStore } from './memory-rate-limit.store';
import { RateLimitStore, WindowCount } from './rate-limit.store';

// Each counter is one hash: h hits, e window end / forgotten at, u blocked or held until, b holds (all ms, from the
// caller's clock). The key's own expiry only tidies Redis up; the fields decide. One script per operation, so two
// instances counting the same key at once never lose a hit.

const COUNT = `
local now, ttl, limit, block = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local r = redis.call('HMGET', KEYS[1], 'h', 'e', 'u')
local h, e, u = tonumber(r[1]) or 0, tonumber(r[2]) or 0, tonumber(r[3]) or 0
if e <= now then h = 0; e = now + ttl end
h = h + 1
if h > limit and u <= now and block > 0 then u = now + block end
local blocked = 0
if u > now then blocked = u - now elseif h > limit then blocked = e - now end
redis.call('HSET', KEYS[1], 'h', h, 'e', e, 'u', u)
redis.call('PEXPIRE', KEYS[1], math.max(e, u) - now)
return {h, e - now, blocked}
`;

const BUMP = `
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
local r = redis.call('HMGET', KEYS[1], 'h', 'e', 'u', 'b')
local h, e, u, b = tonumber(r[1]) or 0, tonumber(r[2]) or 0, tonumber(r[3]) or 0, tonumber(r[4]) or 0
if e <= now then h = 0; u = 0; b = 0 end
h = h + 1
e = math.max(now + ttl, u)
redis.call('HSET', KEYS[1], 'h', h, 'e', e, 'u', u, 'b', b)
redis.call('PEXPIRE', KEYS[1], e - now)
return h
`;

const HOLD = `
local now, ms = tonumber(ARGV[1]), tonumber(ARGV[2])
local r = redis.call('HMGET', KEYS[1], 'h', 'e', 'u', 'b')
local h, e, u, b = tonumber(r[1]) or 0, tonumber(r[2]) or 0, tonumber(r[3]) or 0, tonumber(r[4]) or 0
if e <= now then h = 0; b = 0; e = now end
u = now + ms
b = b + 1
e = math.max(e, u)
redis.call('HSET', KEYS[1], 'h', h, 'e', e, 'u', u, 'b', b)
redis.call('PEXPIRE', KEYS[1], math.max(1, e - now))
return b
`;

/**
 * The counters in Redis under `prefix`, shared by every instance behind a load balancer. While Redis cannot be
 * reached, each instance counts in its own memory (one warning, and one line when Redis is back): the limits go on
 * holding, per instance, and a login never fails because Redis is down.
 */
export class RedisRateLimitStore extends RateLimitStore {
  private readonly logger = new Logger(RedisRateLimitStore.name);
  private readonly fallback = new MemoryRateLimitStore();
  private degraded = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
  }

  count(key: string, limit: number, windowMs: number, blockMs: number, now: number): Promise<WindowCount> {
    return this.run(
      async () => {
        const [hits, resetInMs, blockedForMs] = (await this.redis.eval(
          COUNT,
          1,
          this.prefix + key,
          now,
          windowMs,
          limit,
          blockMs,
        )) as [number, number, number];
        return { hits, resetInMs, blockedForMs };
      },
      () => this.fallback.count(key, limit, windowMs, blockMs, now),
    );
  }

  bump(key: string, ttlMs: number, now: number): Promise<number> {
    return this.run(
      async () => Number(await this.redis.eval(BUMP, 1, this.prefix + key, now, ttlMs)),
      () => this.fallback.bump(key, ttlMs, now),
    );
  }

  hold(key: string, ms: number, now: number): Promise<number> {
    return this.run(
      async () => Number(await this.redis.eval(HOLD, 1, this.prefix + key, now, ms)),
      () => this.fallback.hold(key, ms, now),
    );
  }

  heldFor(key: string, now: number): Promise<number> {
    return this.run(
      async () => {
        const [e, u] = (await this.redis.hmget(this.prefix + key, 'e', 'u')).map(Number);
        return e > now && u > now ? u - now : 0;
      },
      () => this.fallback.heldFor(key, now),
    );
  }

  delete(key: string): Promise<void> {
    return this.run(
      async () => {
        await this.redis.del(this.prefix + key);
      },
      () => this.fallback.delete(key),
    );
  }

  private async run<T>(shared: () => Promise<T>, local: () => Promise<T>): Promise<T> {
    try {
      const value = await shared();
      if (this.degraded) {
        this.degraded = false;
        this.logger.log('Redis is reachable again: rate limits are shared by the instances again');
      }
      return value;
    } catch (err) {
      if (!this.degraded) {
        this.degraded = true;
        this.logger.warn(
          { reason: (err as Error).message },
          'Redis is unreachable: rate limits are counted by each instance on its own until it is back',
        );
      }
      return local();
    }
  }
}
