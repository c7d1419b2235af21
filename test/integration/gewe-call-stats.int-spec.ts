import Redis from 'ioredis';
import { GeweCallStats } from '../../src/alert/gewe-call-stats';
import { loadConfig } from '../../src/config/app-config';
import { MetricsService } from '../../src/metrics/metrics.service';
import { RedisConnections } from '../../src/redis/redis.module';
import { cleanRedis, describeWithRedis, REDIS, redisPrefix } from '../support/services';

describeWithRedis('Gewe call counts shared through Redis (gewe_error_rate)', () => {
  const prefix = redisPrefix('gewe-calls');
  const config = loadConfig({
    path: null,
    env: {},
    overrides: { backend: { enable_redis: true }, redis: { host: REDIS.host, port: REDIS.port, prefix } },
  }).config;
  const connections: RedisConnections[] = [];
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.onModuleDestroy()));
    await cleanRedis(prefix);
  });

  function instance(id: string, now: () => number) {
    const metrics = new MetricsService(id);
    metrics.now = now;
    const redis = new RedisConnections(config);
    connections.push(redis);
    return { metrics, stats: new GeweCallStats(id, metrics, redis) };
  }

  it('adds up the calls every instance reported within the window, once however often they report', async () => {
    let now = Date.now();
    const clock = () => now;
    const a = instance('a', clock);
    const b = instance('b', clock);
    for (let i = 0; i < 6; i++) a.metrics.geweCall('/login/checkOnline', 5, i < 3 ? 'transport_error' : 'ok');
    for (let i = 0; i < 4; i++) b.metrics.geweCall('/message/postText', 5, 'api_error');
    await a.stats.publish();
    await b.stats.publish();
    await a.stats.publish();
    expect(await a.stats.window(5 * 60_000)).toEqual({ calls: 10, errors: 7 });
    expect(await b.stats.window(5 * 60_000)).toEqual({ calls: 10, errors: 7 });
    // ten minutes on, the calls have left a five-minute window
    now += 10 * 60_000;
    expect(await a.stats.window(5 * 60_000)).toEqual({ calls: 0, errors: 0 });
  });

  it('drops the report of an instance that stopped reporting', async () => {
    const r = new Redis({ host: REDIS.host, port: REDIS.port });
    try {
      const minute = Math.floor(Date.now() / 60_000);
      await r.hset(
        `${prefix}alerts:gewe-calls`,
        'dead',
        JSON.stringify({ at: Date.now() - 3_600_000, buckets: [{ minute, calls: 100, errors: 100 }] }),
      );
      const c = instance('c', Date.now);
      // a's and b's reports from the test above count, the dead instance's do not
      expect(await c.stats.window(5 * 60_000)).toEqual({ calls: 10, errors: 7 });
      expect(await r.hexists(`${prefix}alerts:gewe-calls`, 'dead')).toBe(0);
    } finally {
      r.disconnect();
    }
  });
});
