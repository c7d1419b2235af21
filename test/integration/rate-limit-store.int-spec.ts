import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { LoginRateLimiter } from '../../src/auth/login-rate-limiter';
import { DomainError } from '../../src/common/domain-error';
import { loadConfig } from '../../src/config/app-config';
import { MemoryRateLimitStore } from '../../src/rate-limit/memory-rate-limit.store';
import { RateLimitStore } from '../../src/rate-limit/rate-limit.store';
import { RedisRateLimitStore } from '../../src/rate-limit/redis-rate-limit.store';
import { cleanRedis, describeWithRedis, REDIS, redisPrefix } from '../support/services';

const T0 = Date.parse('2024-05-01T12:00:00.000Z');

/** The contract both adapters keep: `make` gives two handles on one store (two instances, for Redis). */
function behavesLikeARateLimitStore(make: () => { a: RateLimitStore; b: RateLimitStore }) {
  let a: RateLimitStore;
  let b: RateLimitStore;
  beforeEach(() => ({ a, b } = make()));

  it('counts hits in a fixed window and blocks the key until the window ends once over the limit', async () => {
    for (let i = 0; i < 3; i++) expect((await a.count('k', 3, 60_000, 0, T0 + i * 1000)).blockedForMs).toBe(0);
    const over = await b.count('k', 3, 60_000, 0, T0 + 10_000);
    expect(over).toEqual({ hits: 4, resetInMs: 50_000, blockedForMs: 50_000 });
    expect((await a.count('k', 3, 60_000, 0, T0 + 59_999)).blockedForMs).toBe(1);
    expect(await b.count('k', 3, 60_000, 0, T0 + 60_000)).toEqual({ hits: 1, resetInMs: 60_000, blockedForMs: 0 });
    expect((await a.count('other', 3, 60_000, 0, T0)).hits).toBe(1);
  });

  it('blocks for blockDuration from the hit that went over, beyond the window', async () => {
    for (let i = 0; i < 2; i++) await a.count('k', 1, 1000, 5000, T0);
    expect((await b.count('k', 1, 1000, 5000, T0 + 2000)).blockedForMs).toBe(3000);
    expect((await b.count('k', 1, 1000, 5000, T0 + 5000)).blockedForMs).toBe(0);
  });

  it('answers @nestjs/throttler in seconds, rounding a wait up', async () => {
    a.clock = () => T0;
    expect(await a.increment('t', 10_000, 1, 0, 'refresh')).toEqual({
      totalHits: 1,
      timeToExpire: 10,
      isBlocked: false,
      timeToBlockExpire: 0,
    });
    b.clock = () => T0 + 1500;
    expect(await b.increment('t', 10_000, 1, 0, 'refresh')).toEqual({
      totalHits: 2,
      timeToExpire: 9,
      isBlocked: true,
      timeToBlockExpire: 9,
    });
  });

  it('forgets a bumped counter ttl after its last bump, and keeps it while it is held', async () => {
    expect(await a.bump('c', 1000, T0)).toBe(1);
    expect(await b.bump('c', 1000, T0 + 900)).toBe(2);
    expect(await a.bump('c', 1000, T0 + 1899)).toBe(3);
    expect(await b.bump('c', 1000, T0 + 2899)).toBe(1);
    expect(await a.hold('c', 5000, T0 + 2899)).toBe(1);
    expect(await b.heldFor('c', T0 + 3000)).toBe(4899);
    expect(await a.bump('c', 1000, T0 + 7000)).toBe(2); // kept while held, beyond its ttl
    expect(await b.hold('c', 100, T0 + 7000)).toBe(2);
    expect(await a.heldFor('c', T0 + 7100)).toBe(0);
    await b.delete('c');
    expect(await a.heldFor('c', T0 + 7000)).toBe(0);
    expect(await a.bump('c', 1000, T0 + 7000)).toBe(1);
  });
}

const quiet = () => jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

describe('MemoryRateLimitStore', () => {
  behavesLikeARateLimitStore(() => {
    const s = new MemoryRateLimitStore();
    return { a: s, b: s };
  });
});

describeWithRedis('RedisRateLimitStore on the real Redis', () => {
  const prefix = redisPrefix('rate-limit');
  const clients: Redis[] = [];
  const client = () => {
    const c = new Redis({ host: REDIS.host, port: REDIS.port });
    clients.push(c);
    return c;
  };
  afterAll(async () => {
    await cleanRedis(prefix);
    for (const c of clients) c.disconnect();
  });

  let n = 0;
  // two stores on two connections under one prefix: two instances of the service
  behavesLikeARateLimitStore(() => {
    const p = `${prefix}${n++}:`;
    return { a: new RedisRateLimitStore(client(), p), b: new RedisRateLimitStore(client(), p) };
  });

  it('lets two instances share the login limits: the per-IP count and a slowed-down pair', async () => {
    const warn = quiet();
    const { config } = loadConfig({
      path: null,
      env: {},
      overrides: {
        backend: { login_max_failures_per_user: 2, login_max_attempts_per_ip: 3, login_slowdown_base: '2s' },
      },
    });
    const p = `${prefix}login:`;
    const a = new LoginRateLimiter(config, new RedisRateLimitStore(client(), p));
    const b = new LoginRateLimiter(config, new RedisRateLimitStore(client(), p));
    await a.checkAttempt('10.0.0.1', 'alice', T0);
    await a.recordFailure('alice', '10.0.0.1', T0);
    await b.checkAttempt('10.0.0.1', 'alice', T0);
    await b.recordFailure('alice', '10.0.0.1', T0); // the second failure of the pair, on the other instance
    await expect(a.checkAttempt('10.0.0.1', 'alice', T0 + 1000)).rejects.toMatchObject({
      code: 'LOGIN_SLOWED_DOWN',
      headers: { 'Retry-After': '1' },
    });
    expect(warn).toHaveBeenCalledTimes(1);
    await a.checkAttempt('10.0.0.1', 'bob', T0 + 1000); // the third attempt from the address
    const refused = await b.checkAttempt('10.0.0.1', 'carol', T0 + 1000).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DomainError);
    expect(refused).toMatchObject({ code: 'LOGIN_RATE_LIMITED' });
    await b.recordSuccess('alice', '10.0.0.1');
    await expect(a.checkAttempt('10.0.0.2', 'alice', T0 + 1000)).resolves.toBeUndefined();
    warn.mockRestore();
  });

  it('counts in memory while Redis cannot be reached, with one warning', async () => {
    const warn = quiet();
    const down = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on('error', () => undefined);
    clients.push(down);
    const s = new RedisRateLimitStore(down, `${prefix}down:`);
    expect((await s.count('k', 1, 60_000, 0, T0)).blockedForMs).toBe(0);
    expect((await s.count('k', 1, 60_000, 0, T0)).blockedForMs).toBe(60_000);
    expect(await s.bump('c', 1000, T0)).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0][1]).toMatch(/counted by each instance/);
    warn.mockRestore();
  });
});
