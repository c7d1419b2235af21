import Redis from 'ioredis';
import { EventBus, LiveEvent } from '../../src/live-events/event-bus';
import { RedisConnections } from '../../src/redis/redis.module';
import type { AppConfig } from '../../src/config/app-config';
import { describeWithRedis, REDIS } from '../support/services';
import { liveMessage } from '../support/live-events';
import { waitFor } from '../support/wait';

describeWithRedis('EventBus across instances (Redis)', () => {
  const prefix = `og-bus:${process.pid}:${Date.now().toString(36)}:`;
  const config = {
    backend: { enable_redis: true },
    redis: { host: REDIS.host, port: REDIS.port, db: 0, password: '', prefix },
  } as unknown as AppConfig;
  const conns = [new RedisConnections(config), new RedisConnections(config)];
  afterAll(async () => {
    for (const c of conns) await c.onModuleDestroy();
  });

  /** Both subscriptions reached the server. */
  const subscribed = () =>
    waitFor(async () => {
      const probe = new Redis(REDIS.port, REDIS.host);
      const n = (await probe.pubsub('NUMSUB', `${prefix}live-events`)) as [string, number];
      probe.disconnect();
      return n[1] === 2;
    });

  it('delivers an event published on one instance to the listeners of every instance, once each', async () => {
    const [a, b] = conns.map((c) => new EventBus(c));
    for (const bus of [a, b]) bus.onApplicationBootstrap();
    const seen: Record<'a' | 'b', LiveEvent[]> = { a: [], b: [] };
    a.subscribe((e) => seen.a.push(e));
    b.subscribe((e) => seen.b.push(e));
    await subscribed();
    const unwatch = b.watch(); // a stream open on b
    await waitFor(() => a.listening);
    const data = liveMessage('你好');
    a.publish('message', data);
    await waitFor(() => seen.a.length === 1 && seen.b.length === 1);
    expect(seen.b[0]).toEqual({ type: 'message', data });
    unwatch();
    await a.onModuleDestroy();
    await b.onModuleDestroy();
  });

  it('leaves messages out while no instance has a stream, and says so when one opens', async () => {
    const options = { graceMs: 0, announceMs: 50 };
    const [a, b] = conns.map((c) => new EventBus(c, options));
    for (const bus of [a, b]) bus.onApplicationBootstrap();
    const seen: LiveEvent[] = [];
    const gaps: number[] = [];
    b.subscribe((e) => seen.push(e));
    b.onGap((g) => gaps.push(g.lastSkippedAt));
    await subscribed();
    // both read the (empty) audience set
    await waitFor(() => !a.listening && !b.listening);

    a.publish('message', liveMessage('nobody watches'));
    // an alert is always published: once b has it, the message before it would have arrived too (one connection)
    const alert = {
      id: 1,
      rule: 'r',
      subject: 's',
      robotId: null,
      state: 'firing',
      severity: 'warning',
      summary: '',
      at: '',
    };
    a.publish('alert', alert);
    await waitFor(() => seen.length === 1);
    expect(seen.map((e) => e.type)).toEqual(['alert']);
    expect(gaps).toEqual([]);

    // a stream opens on b: a hears of it within a round trip, and first tells of the message it left out
    const unwatch = b.watch();
    await waitFor(() => a.listening && gaps.length === 1);
    a.publish('message', liveMessage('watched'));
    await waitFor(() => seen.length === 2);
    expect((seen[1].data as { text: string }).text).toBe('watched');
    expect(gaps).toHaveLength(1); // said once

    // the audience is in Redis for instances that start later
    const probe = new Redis(REDIS.port, REDIS.host);
    expect(await probe.zcard(`${prefix}live-audience`)).toBe(1);

    // the stream closes: once b's entry expires (three announce intervals) a leaves messages out again
    unwatch();
    await waitFor(() => !a.listening);
    expect(await probe.zcard(`${prefix}live-audience`)).toBe(0);
    probe.disconnect();
    await a.onModuleDestroy();
    await b.onModuleDestroy();
  });
});
