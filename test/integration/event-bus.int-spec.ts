import Redis from 'ioredis';
import { EventBus, LiveEvent } from '../../src/live-events/event-bus';
import { RedisConnections } from '../../src/redis/redis.module';
import type { AppConfig } from '../../src/config/app-config';
import { describeWithRedis, REDIS } from '../support/services';
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

  it('delivers an event published on one instance to the listeners of every instance, once each', async () => {
    const [a, b] = conns.map((c) => new EventBus(c));
    const seen: Record<'a' | 'b', LiveEvent[]> = { a: [], b: [] };
    a.subscribe((e) => seen.a.push(e));
    b.subscribe((e) => seen.b.push(e));
    // let both subscriptions reach the server
    await waitFor(async () => {
      const probe = new Redis(REDIS.port, REDIS.host);
      const n = (await probe.pubsub('NUMSUB', `${prefix}live-events`)) as [string, number];
      probe.disconnect();
      return n[1] === 2;
    });
    const data = {
      id: 5,
      robotId: 1,
      kind: 'text',
      chatId: 'c',
      isGroup: false,
      senderWxid: 's',
      isSelf: false,
      text: '你好',
      newMsgId: '7100000000000000001',
      receivedAt: new Date(0).toISOString(),
    };
    a.publish('message', data);
    await waitFor(() => seen.a.length === 1 && seen.b.length === 1);
    expect(seen.b[0]).toEqual({ type: 'message', data });
    await a.onModuleDestroy();
    await b.onModuleDestroy();
  });
});
